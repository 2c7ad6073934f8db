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
];

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
