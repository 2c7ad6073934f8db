//! The camera catalog: administrators register cameras; roles with video rights list the
//! cameras in their scope. Zones decide visibility per listener before any role rule.

use crate::{App, AppError, RequestCtx, Result, Session};
use palmgrid_domain::audit::RESULT_OK;
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_domain::camera::CameraUrl;
use palmgrid_domain::{CameraId, RegionCode, RegionLevel, Zone};
use palmgrid_store::CameraRow;
use serde_json::json;

/// How RTP reaches us from a camera.
pub const TRANSPORTS: [&str; 2] = ["tcp", "udp"];

#[derive(Debug, Clone, Default)]
pub struct NewCamera {
    pub name: String,
    /// Main stream; credentials in it are split off and stored apart.
    pub url: String,
    /// Optional sub stream (lower resolution, for phones and analytics).
    pub sub_url: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// The grid (15-digit code) the camera belongs to.
    pub grid_code: Option<String>,
    /// Default `government`.
    pub zone: Option<Zone>,
    /// Default `tcp` (interleaved).
    pub transport: Option<String>,
    /// Continuous recording; default on.
    pub record: Option<bool>,
    /// Days recordings are kept (30–90, default 30).
    pub retain_days: Option<i64>,
    /// Disk quota for the camera's recordings in MiB; none by default.
    pub quota_mb: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct CameraPatch {
    pub name: Option<String>,
    pub url: Option<String>,
    pub sub_url: Option<Option<String>>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub grid_code: Option<String>,
    pub zone: Option<Zone>,
    pub transport: Option<String>,
    pub record: Option<bool>,
    pub retain_days: Option<i64>,
    /// `Some(None)` removes the quota.
    pub quota_mb: Option<Option<i64>>,
}

fn zone_of(row: &CameraRow) -> Zone {
    // Unknown zone strings cannot be written through the app; treat one as the most
    // restricted zone rather than the least.
    Zone::parse(&row.zone).unwrap_or(Zone::PoliceVideo)
}

/// The authorisation resource for a stored camera.
pub fn camera_resource(row: &CameraRow) -> Resource {
    Resource::Camera { region: row.grid_code.as_deref().and_then(|c| RegionCode::parse(c).ok()), zone: zone_of(row) }
}

fn check_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 64 {
        return Err(AppError::Validation("camera name must be 1–64 characters".into()));
    }
    Ok(n.to_owned())
}

fn check_location(lon: Option<f64>, lat: Option<f64>) -> Result<()> {
    match (lon, lat) {
        (None, None) => Ok(()),
        (Some(lon), Some(lat)) if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) => Ok(()),
        (Some(_), Some(_)) => Err(AppError::Validation("lon must be within ±180 and lat within ±90".into())),
        _ => Err(AppError::Validation("give both lon and lat, or neither".into())),
    }
}

fn check_transport(t: &str) -> Result<String> {
    if TRANSPORTS.contains(&t) {
        Ok(t.to_owned())
    } else {
        Err(AppError::Validation("transport must be tcp or udp".into()))
    }
}

impl App {
    fn parse_camera_url(&self, url: &str) -> Result<(CameraUrl, Option<palmgrid_domain::camera::Credentials>)> {
        CameraUrl::parse(url, self.allow_local_camera_urls).map_err(|e| AppError::Validation(e.to_string()))
    }

    /// Resolves a grid code to its row; the region must be a grid.
    async fn grid_row(&self, code: &str) -> Result<palmgrid_store::RegionRow> {
        let rc = RegionCode::parse(code).map_err(|e| AppError::Validation(e.to_string()))?;
        if rc.level() != RegionLevel::Grid {
            return Err(AppError::Validation(format!("{code} is a {}, not a grid", rc.level())));
        }
        self.store.region_by_code(code).await?.ok_or_else(|| AppError::Validation(format!("unknown grid {code}")))
    }

    /// The grid of a camera, as (region id, code). The location decides where grids have
    /// polygons; an explicit grid must agree with it. `keep` is the current grid, kept when
    /// the location lies in no polygon and that grid has none (drawn-less deployments).
    async fn place_camera(
        &self,
        lon: Option<f64>,
        lat: Option<f64>,
        explicit: Option<&str>,
        keep: Option<&str>,
    ) -> Result<(Option<String>, Option<String>)> {
        let located = match (lon, lat) {
            (Some(lon), Some(lat)) => self.grid_at(lon, lat).await?,
            _ => None,
        };
        let has_location = lon.is_some();
        match (explicit, located) {
            (Some(code), Some((id, at))) if at == code => Ok((Some(id), Some(at))),
            (Some(code), Some((_, at))) => {
                Err(AppError::Validation(format!("the location lies in grid {at}, not in grid {code}")))
            }
            (Some(code), None) => {
                let row = self.grid_row(code).await?;
                if has_location && row.geometry.is_some() {
                    return Err(AppError::Validation(format!("the location lies outside grid {code}")));
                }
                Ok((Some(row.id), Some(row.code)))
            }
            (None, Some((id, at))) => Ok((Some(id), Some(at))),
            (None, None) => match keep {
                Some(code) => {
                    let row = self.grid_row(code).await?;
                    if row.geometry.is_none() { Ok((Some(row.id), Some(row.code))) } else { Ok((None, None)) }
                }
                None => Ok((None, None)),
            },
        }
    }

    pub async fn create_camera(&self, s: &Session, ctx: &RequestCtx, new: NewCamera) -> Result<CameraRow> {
        let name = check_name(&new.name)?;
        check_location(new.lon, new.lat)?;
        let (grid_id, grid_code) = self.place_camera(new.lon, new.lat, new.grid_code.as_deref(), None).await?;
        let zone = new.zone.unwrap_or(Zone::Government);
        let region = grid_code.as_deref().map(|c| RegionCode::parse(c).expect("validated"));
        self.authorize(s, Action::ManageCameras, &Resource::Camera { region, zone })?;
        let (main, creds) = self.parse_camera_url(&new.url)?;
        let sub = match new.sub_url.as_deref() {
            Some(u) => {
                let (sub, sub_creds) = self.parse_camera_url(u)?;
                if sub_creds.is_some() && sub_creds != creds {
                    return Err(AppError::Validation("main and sub stream must use the same credentials".into()));
                }
                Some(sub)
            }
            None => None,
        };
        crate::recordings::check_retention(new.retain_days.unwrap_or(30), new.quota_mb)?;
        let now = self.now_ms();
        let row = CameraRow {
            id: CameraId::new().to_string(),
            name,
            grid_id,
            grid_code,
            zone: zone.as_str().into(),
            lon: new.lon,
            lat: new.lat,
            main_url: main.as_str().into(),
            sub_url: sub.map(|u| u.as_str().to_owned()),
            transport: check_transport(new.transport.as_deref().unwrap_or("tcp"))?,
            record: new.record.unwrap_or(true),
            retain_days: new.retain_days.unwrap_or(*crate::recordings::RETAIN_DAYS.start()),
            quota_mb: new.quota_mb,
            created_ms: now,
            updated_ms: now,
        };
        self.record(
            &s.into(),
            ctx,
            "camera.create",
            &format!("camera:{}", row.id),
            RESULT_OK,
            json!({"name": row.name, "url": row.main_url, "sub_url": row.sub_url, "zone": row.zone,
                   "grid": row.grid_code, "credentials": creds.is_some()}),
        )
        .await?;
        let c = creds.as_ref().map(|c| (c.username.as_str(), c.password.as_str()));
        self.store.insert_camera(&row, c).await?;
        self.sync_camera(&row).await?;
        Ok(row)
    }

    /// Cameras the session may list on this listener.
    pub async fn list_cameras(&self, s: &Session) -> Result<Vec<CameraRow>> {
        self.authorize(s, Action::OpenModule, &Resource::Module(palmgrid_domain::authz::Module::Video))?;
        let all = self.store.list_cameras().await?;
        Ok(all.into_iter().filter(|c| self.authorize(s, Action::ListCameras, &camera_resource(c)).is_ok()).collect())
    }

    /// Authorises `action` on a camera. A camera the session may not even list answers
    /// 404, like an unknown id, so ids cannot be probed across scopes or zones.
    pub fn authorize_camera(&self, s: &Session, action: Action, row: &CameraRow) -> Result<()> {
        match self.authorize(s, action, &camera_resource(row)) {
            Err(AppError::Forbidden) if self.authorize(s, Action::ListCameras, &camera_resource(row)).is_err() => {
                Err(AppError::NotFound)
            }
            other => other,
        }
    }

    /// One camera; anything the session may not list is 404, like an unknown id.
    pub async fn get_camera(&self, s: &Session, id: &str) -> Result<CameraRow> {
        let row = self.store.camera(id).await?.ok_or(AppError::NotFound)?;
        self.authorize_camera(s, Action::ListCameras, &row)?;
        Ok(row)
    }

    /// Whether the session may change this camera (and see its URLs).
    pub fn may_manage_camera(&self, s: &Session, row: &CameraRow) -> bool {
        self.authorize(s, Action::ManageCameras, &camera_resource(row)).is_ok()
    }

    /// A camera the session may manage (404 when it may not even see it).
    async fn managed_camera(&self, s: &Session, id: &str) -> Result<CameraRow> {
        let row = self.store.camera(id).await?.ok_or(AppError::NotFound)?;
        self.authorize_camera(s, Action::ManageCameras, &row)?;
        Ok(row)
    }

    pub async fn update_camera(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        id: &str,
        patch: CameraPatch,
    ) -> Result<CameraRow> {
        let mut row = self.managed_camera(s, id).await?;
        if patch.zone.is_some_and(|z| z.as_str() != row.zone) {
            // Security checklist NET-1: a camera's zone is fixed once registered.
            return Err(AppError::Validation("a camera's zone cannot be changed; register it again".into()));
        }
        if let Some(n) = &patch.name {
            row.name = check_name(n)?;
        }
        let moved = patch.lon.is_some() || patch.lat.is_some();
        if moved {
            check_location(patch.lon, patch.lat)?;
            (row.lon, row.lat) = (patch.lon, patch.lat);
        }
        if patch.grid_code.is_some() || moved {
            let explicit = patch.grid_code.as_deref().or(if moved { None } else { row.grid_code.as_deref() });
            let (grid_id, grid_code) = self.place_camera(row.lon, row.lat, explicit, row.grid_code.as_deref()).await?;
            let region = grid_code.as_deref().map(|c| RegionCode::parse(c).expect("validated"));
            self.authorize(s, Action::ManageCameras, &Resource::Camera { region, zone: zone_of(&row) })?;
            (row.grid_id, row.grid_code) = (grid_id, grid_code);
        }
        let mut creds_change = None;
        if let Some(u) = &patch.url {
            let (main, creds) = self.parse_camera_url(u)?;
            row.main_url = main.as_str().into();
            creds_change = Some(creds);
        }
        if let Some(sub) = &patch.sub_url {
            row.sub_url = match sub {
                Some(u) => Some(self.parse_camera_url(u)?.0.as_str().to_owned()),
                None => None,
            };
        }
        if let Some(t) = &patch.transport {
            row.transport = check_transport(t)?;
        }
        if let Some(r) = patch.record {
            row.record = r;
        }
        if let Some(d) = patch.retain_days {
            row.retain_days = d;
        }
        if let Some(q) = patch.quota_mb {
            row.quota_mb = q;
        }
        crate::recordings::check_retention(row.retain_days, row.quota_mb)?;
        row.updated_ms = self.now_ms();
        self.record(
            &s.into(),
            ctx,
            "camera.update",
            &format!("camera:{}", row.id),
            RESULT_OK,
            json!({"name": row.name, "url": row.main_url, "sub_url": row.sub_url, "grid": row.grid_code,
                   "transport": row.transport, "record": row.record,
                   "retain_days": row.retain_days, "quota_mb": row.quota_mb,
                   "credentials_changed": creds_change.is_some()}),
        )
        .await?;
        let creds_ref = creds_change.as_ref().map(|c| c.as_ref().map(|c| (c.username.as_str(), c.password.as_str())));
        self.store.update_camera(&row, creds_ref).await?;
        self.sync_camera(&row).await?;
        Ok(row)
    }

    pub async fn delete_camera(&self, s: &Session, ctx: &RequestCtx, id: &str) -> Result<()> {
        let row = self.managed_camera(s, id).await?;
        self.record(&s.into(), ctx, "camera.delete", &format!("camera:{id}"), RESULT_OK, json!({"name": row.name}))
            .await?;
        self.store.delete_camera(id).await?;
        // Its recordings stay until retention removes them (DEFAULT_POLICY).
        if let Some(rec) = &self.recorder {
            rec.stop(id).await;
        }
        self.media.remove(id);
        Ok(())
    }
}
