//! The demo district (DESIGN §7): 衡阳市石鼓区 with three communities from the report and
//! demo accounts. Seeding is idempotent, so `palmgrid demo` can restart on the same data.
//!
//! The street, community and grid codes below are illustrative: they follow the GB/T 2260
//! + 3 + 3 + 3 pattern under the real district code 430407 (石鼓区), but are not official.

use crate::users::NewUser;
use crate::{App, Result};
use palmgrid_domain::{RegionCode, RegionId, Role};
use palmgrid_store::RegionRow;

pub const DEMO_PASSWORD: &str = "palmgrid-demo";
/// Disk quota of each simulated camera's recordings, MiB.
pub const DEMO_QUOTA_MB: i64 = 200;

/// (code, name)
pub const DEMO_REGIONS: &[(&str, &str)] = &[
    ("430407", "衡阳市石鼓区"),
    ("430407001", "人民街道"),
    ("430407001001", "牛角巷社区"),
    ("430407001001001", "牛角巷第一网格"),
    ("430407001001002", "牛角巷第二网格"),
    ("430407001001003", "牛角巷第三网格"),
    ("430407001002", "人民路社区"),
    ("430407001002001", "人民路第一网格"),
    ("430407001002002", "人民路第二网格"),
    ("430407002", "五一街道"),
    ("430407002001", "演武坪社区"),
    ("430407002001001", "老同兴菜场网格"),
    ("430407002001002", "演武坪第二网格"),
];

/// (username, display name, role, region code)
pub const DEMO_ACCOUNTS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin", "石鼓区管理员", Role::DistrictAdmin, Some("430407")),
    ("officer", "网格员 李敏", Role::GridOfficer, Some("430407001001001")),
    ("resident", "居民 王芳", Role::Resident, Some("430407001001")),
    ("auditor", "审计员 赵强", Role::Auditor, Some("430407")),
];

/// Creates whatever of the demo district and accounts does not exist yet.
pub async fn seed(app: &App) -> Result<()> {
    for (code, name) in DEMO_REGIONS {
        if app.store.region_by_code(code).await?.is_some() {
            continue;
        }
        let rc = RegionCode::parse(code).expect("demo codes are valid");
        let parent_id = match rc.parent() {
            Some(p) => app.store.region_by_code(p.as_str()).await?.map(|r| r.id),
            None => None,
        };
        let now = app.now_ms();
        app.store
            .insert_region(&RegionRow {
                id: RegionId::new().to_string(),
                code: code.to_string(),
                name: name.to_string(),
                level: rc.level().as_str().into(),
                parent_id,
                created_ms: now,
                updated_ms: now,
            })
            .await?;
    }
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
    Ok(())
}

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
        let Some(grid_code) = DEMO_CAMERA_GRIDS.get(i) else { break };
        let grid = app.store.region_by_code(grid_code).await?.ok_or(crate::AppError::NotFound)?;
        let now = app.now_ms();
        // Plausible positions around 26.90°N 112.61°E, a few hundred metres apart.
        let (lon, lat) = (112.600 + (i % 4) as f64 * 0.003, 26.895 + (i / 4) as f64 * 0.004);
        match existing.iter().find(|c| &c.name == name) {
            Some(c) => {
                let mut row = c.clone();
                row.main_url = main.clone();
                row.sub_url = Some(sub.clone());
                row.updated_ms = now;
                app.store.update_camera(&row, None).await?;
            }
            None => {
                let row = palmgrid_store::CameraRow {
                    id: palmgrid_domain::CameraId::new().to_string(),
                    name: name.clone(),
                    grid_id: Some(grid.id),
                    grid_code: Some(grid.code),
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
