//! The demo district (DESIGN §7): 衡阳市石鼓区 with three communities from the report and
//! demo accounts. Seeding is idempotent, so `palmgrid demo` can restart on the same data.
//!
//! The street, community and grid codes below are illustrative: they follow the GB/T 2260
//! + 3 + 3 + 3 pattern under the real district code 430407 (石鼓区), but are not official.

use crate::audit::Who;
use crate::users::NewUser;
use crate::{App, RequestCtx, Result};
use palmgrid_domain::{Role, Zone};

pub const DEMO_PASSWORD: &str = "palmgrid-demo";
/// Disk quota of each simulated camera's recordings, MiB.
pub const DEMO_QUOTA_MB: i64 = 200;

/// The demo district as GeoJSON (written by `scripts/demo-district.py`): district, streets,
/// communities and grids with their polygons, and unit grids over 牛角巷第一网格.
pub const DEMO_DISTRICT_GEOJSON: &str = include_str!("../demo/shigu-district.geojson");

/// (username, display name, role, region code)
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin", "石鼓区管理员", Role::DistrictAdmin, Some("430407")),
    ("officer", "网格员 李敏", Role::GridOfficer, Some("430407001001001")),
    ("resident", "居民 王芳", Role::Resident, Some("430407001001")),
    ("auditor", "审计员 赵强", Role::Auditor, Some("430407")),
    ("secretary", "社区书记 陈刚", Role::CommunitySecretary, Some("430407001001")),
    ("supervision", "监督中心 周静", Role::SupervisionOperator, Some("430407")),
    ("command", "指挥中心 刘洋", Role::CommandOperator, Some("430407")),
    ("sanitation", "环卫处置 黄伟", Role::DepartmentHandler, Some("430407")),
    ("traffic", "交通处置 孙丽", Role::DepartmentHandler, Some("430407")),
    ("property", "物业经理 吴敏", Role::PropertyManager, Some("430407001001")),
];

/// Department of each demo handler account.
pub const DEMO_DEPARTMENTS: &[(&str, &str)] = &[("sanitation", "sanitation"), ("traffic", "traffic")];

/// Creates whatever of the demo district and accounts does not exist yet.
pub async fn seed(app: &App) -> Result<()> {
    let fc: serde_json::Value = serde_json::from_str(DEMO_DISTRICT_GEOJSON).expect("the demo district is JSON");
    let who = Who { actor_id: None, actor_name: "palmgrid demo".into(), actor_role: "system".into() };
    app.import_regions_as(&who, &RequestCtx::local(Zone::Internet), fc).await?;
    for (username, display, role, region) in DEMO_ACCOUNTS {
        if app.store.user_by_username(username).await?.is_some() {
            continue;
        }
        let new = NewUser {
            username: username.to_string(),
            display_name: display.to_string(),
            password: DEMO_PASSWORD.into(),
        };
        app.bootstrap_user(&new, *role, *region).await?;
    }
    for (username, department) in DEMO_DEPARTMENTS {
        if let Some(u) = app.store.user_by_username(username).await? {
            app.store.add_department_member(department, &u.id, app.now_ms()).await?;
        }
    }
    seed_buildings(app).await
}

/// The buildings of 牛角巷社区 (name, grid), and the demo resident's home in the first.
pub const DEMO_BUILDINGS: [(&str, &str); 4] =
    [("1栋", "430407001001001"), ("2栋", "430407001001001"), ("3栋", "430407001001002"), ("5栋", "430407001001003")];

async fn seed_buildings(app: &App) -> Result<()> {
    let Some(community) = app.store.region_by_code("430407001001").await? else { return Ok(()) };
    if !app.store.buildings(&community.id).await?.is_empty() {
        return Ok(());
    }
    let now = app.now_ms();
    let mut first = None;
    for (name, grid) in DEMO_BUILDINGS {
        let grid_id = app.store.region_by_code(grid).await?.map(|g| g.id);
        let row = palmgrid_store::BuildingRow {
            id: uuid::Uuid::new_v4().to_string(),
            community_id: community.id.clone(),
            grid_id,
            name: name.into(),
            created_ms: now,
        };
        app.store.insert_building(&row).await?;
        first.get_or_insert(row.id);
    }
    if let (Some(b), Some(u)) = (first, app.store.user_by_username("resident").await?) {
        let home = palmgrid_store::MemberHomeRow {
            user_id: u.id,
            community_id: community.id,
            building_id: b,
            address: "2单元301室".into(),
            created_ms: now,
        };
        app.store.set_member_home(&home).await?;
    }
    Ok(())
}

/// Where each demo camera stands (WGS-84), by index: inside the grid of the same index in
/// `DEMO_CAMERA_GRIDS`, which the location decides.
pub const DEMO_CAMERA_LOCATIONS: [(f64, f64); 12] = [
    (112.599542, 26.893290),
    (112.599545, 26.896093),
    (112.604458, 26.895125),
    (112.602420, 26.900563),
    (112.609483, 26.894254),
    (112.611484, 26.896051),
    (112.609448, 26.899769),
    (112.611562, 26.901459),
    (112.615532, 26.896930),
    (112.617464, 26.898829),
    (112.616438, 26.903310),
    (112.620529, 26.902375),
];

/// Grid of each demo camera, by index (see `palmgrid_simcam::demo::DEMO_CAMERAS`).
pub const DEMO_CAMERA_GRIDS: [&str; 12] = [
    "430407001001001",
    "430407001001001",
    "430407001001002",
    "430407001001003",
    "430407001002001",
    "430407001002001",
    "430407001002002",
    "430407001002002",
    "430407002001001",
    "430407002001001",
    "430407002001002",
    "430407002001002",
];

/// Registers (or re-points, since the simulator's port changes per run) the demo cameras.
/// `cameras` holds (name, main URL, sub URL) in `DEMO_CAMERA_GRIDS` order.
pub async fn seed_cameras(app: &App, cameras: &[(String, String, String)]) -> Result<()> {
    let existing = app.store.list_cameras().await?;
    for (i, (name, main, sub)) in cameras.iter().enumerate() {
        let Some(&(lon, lat)) = DEMO_CAMERA_LOCATIONS.get(i) else { break };
        let (grid_id, grid_code) = app.grid_at(lon, lat).await?.ok_or(crate::AppError::NotFound)?;
        let now = app.now_ms();
        match existing.iter().find(|c| &c.name == name) {
            Some(c) => {
                let mut row = c.clone();
                row.main_url = main.clone();
                row.sub_url = Some(sub.clone());
                (row.lon, row.lat) = (Some(lon), Some(lat));
                (row.grid_id, row.grid_code) = (Some(grid_id), Some(grid_code));
                row.updated_ms = now;
                app.store.update_camera(&row, None).await?;
            }
            None => {
                let row = palmgrid_store::CameraRow {
                    id: palmgrid_domain::CameraId::new().to_string(),
                    name: name.clone(),
                    grid_id: Some(grid_id),
                    grid_code: Some(grid_code),
                    zone: palmgrid_domain::Zone::Government.as_str().into(),
                    lon: Some(lon),
                    lat: Some(lat),
                    main_url: main.clone(),
                    sub_url: Some(sub.clone()),
                    transport: "tcp".into(),
                    record: true,
                    retain_days: 30,
                    // Simulated cameras record continuously; a quota keeps the demo's disk use bounded.
                    quota_mb: Some(DEMO_QUOTA_MB),
                    created_ms: now,
                    updated_ms: now,
                };
                app.store.insert_camera(&row, None).await?;
            }
        }
    }
    Ok(())
}

/// A few cases at different steps of the loop, so the 事件 tab has something to show on a
/// first start. Only when there is no case yet; each goes through the same workflow (and the
/// same audit and notifications) as a user's, as the demo accounts.
pub async fn seed_cases(app: &App) -> Result<usize> {
    use crate::cases::{CaseCommand, NewCase};
    let none_yet = app.store.list_cases(&palmgrid_store::CaseFilter { limit: 1, ..Default::default() }).await?;
    if !none_yet.is_empty() {
        return Ok(0);
    }
    let ctx = RequestCtx::local(Zone::Internet);
    let mut s = std::collections::HashMap::new();
    for u in ["officer", "resident", "supervision", "command", "sanitation"] {
        s.insert(u, app.login(&ctx, u, DEMO_PASSWORD, None).await?.session);
    }
    let at = |n: usize| (Some(DEMO_CAMERA_LOCATIONS[n].0), Some(DEMO_CAMERA_LOCATIONS[n].1));
    let report = |who: &'static str, category: &str, description: &str, n: usize| {
        let (lon, lat) = at(n);
        let new =
            NewCase { category: category.into(), description: description.into(), lon, lat, ..Default::default() };
        let session = s[who].clone();
        async move { app.report_case(&session, new).await.map(|r| r.case.row.id) }
    };
    let act = |who: &'static str, id: String, action: &str, rating: Option<i64>| {
        let cmd = CaseCommand { action: action.into(), rating, ..Default::default() };
        let session = s[who].clone();
        async move { app.act_on_case(&session, &id, cmd).await.map(|_| ()) }
    };
    // Being handled by 环卫.
    let a = report("officer", "E0101", "垃圾桶旁堆放生活垃圾约两平方米", 1).await?;
    act("supervision", a.clone(), "register", None).await?;
    act("command", a.clone(), "dispatch", None).await?;
    act("sanitation", a, "accept", None).await?;
    // Waiting for the supervision centre.
    report("officer", "E0401", "早市摊贩占用人行道经营，行人绕行", 2).await?;
    // The whole loop, rated by the resident who reported it.
    let c = report("resident", "E0103", "路面有油污，长约十五米，雨天易滑倒", 0).await?;
    for (who, action) in [
        ("supervision", "register"),
        ("command", "dispatch"),
        ("sanitation", "accept"),
        ("sanitation", "feedback"),
        ("officer", "check_pass"),
        ("supervision", "close"),
    ] {
        act(who, c.clone(), action, None).await?;
    }
    act("resident", c, "rate", Some(5)).await?;
    // A hotline call, filed and waiting for dispatch.
    let hotline = NewCase {
        source: Some("hotline".into()),
        category: "C0102".into(),
        description: "人民路路口路灯连续三晚不亮".into(),
        grid_code: Some(DEMO_CAMERA_GRIDS[4].into()),
        caller_name: Some("刘女士".into()),
        contact: Some("13700000000".into()),
        ..Default::default()
    };
    let d = app.report_case(&s["command"], hotline).await?.case.row.id;
    act("supervision", d, "register", None).await?;
    for session in s.values() {
        app.logout(session, &ctx).await?;
    }
    Ok(4)
}
