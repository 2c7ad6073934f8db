//! API views: what the HTTP API returns and accepts. Explicit conversions from storage
//! rows keep secrets (password hashes, TOTP secrets) out by construction.

use palmgrid_domain::audit::AuditEntry;
use palmgrid_domain::{RegionLevel, Role};
use palmgrid_store::{MembershipRow, RegionRow, UserRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// TOTP code or recovery code, for accounts with a second factor.
    #[serde(default)]
    pub totp: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer TOKEN`. The web app uses the HttpOnly cookie instead.
    pub token: String,
    pub user: UserView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MembershipView {
    pub id: String,
    /// Role key, e.g. `grid_officer`.
    pub role: String,
    /// `null` means the whole deployment.
    pub region_id: Option<String>,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
}

impl From<MembershipRow> for MembershipView {
    fn from(m: MembershipRow) -> Self {
        MembershipView {
            id: m.id,
            role: m.role,
            region_id: m.region_id,
            region_code: m.region_code,
            region_name: m.region_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub disabled: bool,
    pub totp_enabled: bool,
    pub memberships: Vec<MembershipView>,
}

impl UserView {
    pub fn new(u: UserRow, memberships: Vec<MembershipRow>) -> Self {
        UserView {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            disabled: u.disabled,
            totp_enabled: u.totp_enabled,
            memberships: memberships.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub user: UserView,
    /// Tabs of the phone app this user may use, in order: `home`, `video`, `cases`,
    /// `community`, `me`.
    pub tabs: Vec<String>,
    pub totp_enrolled: bool,
    /// The account's roles require a second factor.
    pub totp_required: bool,
    /// The account must enrol TOTP before anything but self-service works.
    pub totp_pending: bool,
    /// Zone of the listener this request came through.
    pub zone: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    pub old_password: String,
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TotpEnrollView {
    pub secret_base32: String,
    pub otpauth_uri: String,
    /// Ten one-time recovery codes, shown only now.
    pub recovery_codes: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TotpConfirmRequest {
    pub code: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UserPatch {
    pub disabled: Option<bool>,
    /// Sets a new password and revokes the user's sessions.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GrantRequest {
    pub role: Role,
    /// Region code of the scope; omit for the whole deployment.
    pub region_code: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemsView<T> {
    pub items: Vec<T>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub level: RegionLevel,
    pub parent_id: Option<String>,
    /// Area in square metres, when the region has a polygon.
    pub area_m2: Option<f64>,
}

impl From<RegionRow> for RegionView {
    fn from(r: RegionRow) -> Self {
        RegionView {
            id: r.id,
            code: r.code,
            name: r.name,
            level: RegionLevel::parse(&r.level).unwrap_or(RegionLevel::Grid),
            parent_id: r.parent_id,
            area_m2: r.area_m2,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRegionRequest {
    /// 6 (district), 9 (street), 12 (community) or 15 (grid) digits; the parent is the
    /// code without its last three digits and must exist.
    pub code: String,
    pub name: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RegionPatch {
    pub name: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Exact user name.
    pub actor: Option<String>,
    /// Action prefix, e.g. `auth.`.
    pub action: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub result: Option<String>,
    /// RFC 3339 lower bound (inclusive).
    pub since: Option<String>,
    /// RFC 3339 upper bound (exclusive).
    pub until: Option<String>,
    /// Only entries older than this sequence number (paging).
    pub before: Option<i64>,
    /// At most this many entries (default 100, max 1000).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    /// RFC 3339 UTC.
    pub ts: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub actor_role: String,
    pub source: String,
    pub action: String,
    pub target: String,
    pub result: String,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        let r = e.record;
        AuditEntryView {
            seq: e.seq,
            ts: rfc3339(e.ts_ms),
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            actor_role: r.actor_role,
            source: r.source,
            action: r.action,
            target: r.target,
            result: r.result,
            details: serde_json::from_str(&r.details).unwrap_or(serde_json::Value::Null),
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    pub status: String,
    pub version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CameraView {
    pub id: String,
    pub name: String,
    pub grid_id: Option<String>,
    pub grid_code: Option<String>,
    /// `idle` (nobody pulls it now), `online` or `offline`.
    pub status: palmgrid_domain::camera::CameraStatus,
    pub zone: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub has_sub_stream: bool,
    pub record: bool,
    /// Days recordings are kept.
    pub retain_days: i64,
    /// Disk quota for this camera's recordings, MiB.
    pub quota_mb: Option<i64>,
    /// Whether the camera is being recorded right now.
    pub recording: bool,
    /// Stream URLs without credentials; only for those who may manage the camera.
    pub url: Option<String>,
    pub sub_url: Option<String>,
    pub transport: Option<String>,
}

impl CameraView {
    pub fn new(
        c: palmgrid_store::CameraRow,
        manager: bool,
        status: palmgrid_domain::camera::CameraStatus,
        recording: bool,
    ) -> Self {
        CameraView {
            id: c.id,
            name: c.name,
            grid_id: c.grid_id,
            grid_code: c.grid_code,
            status,
            zone: c.zone,
            lon: c.lon,
            lat: c.lat,
            has_sub_stream: c.sub_url.is_some(),
            record: c.record,
            retain_days: c.retain_days,
            quota_mb: c.quota_mb,
            recording,
            url: manager.then_some(c.main_url),
            sub_url: if manager { c.sub_url } else { None },
            transport: manager.then_some(c.transport),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewCameraRequest {
    pub name: String,
    /// `rtsp://[user:password@]host[:port]/path`; credentials are stored apart.
    pub url: String,
    pub sub_url: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// 15-digit grid code.
    pub grid_code: Option<String>,
    /// Default `government`.
    pub zone: Option<palmgrid_domain::Zone>,
    /// `tcp` (default) or `udp`.
    pub transport: Option<String>,
    /// Continuous recording (default true).
    pub record: Option<bool>,
    /// Days recordings are kept, 30–90 (default 30).
    pub retain_days: Option<i64>,
    /// Disk quota for the camera's recordings in MiB; the oldest go first. None by default.
    pub quota_mb: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CameraPatchRequest {
    pub name: Option<String>,
    pub url: Option<String>,
    /// `null` removes the sub stream.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub sub_url: Option<Option<String>>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub grid_code: Option<String>,
    /// Cannot be changed; present only to be refused clearly.
    pub zone: Option<palmgrid_domain::Zone>,
    pub transport: Option<String>,
    pub record: Option<bool>,
    pub retain_days: Option<i64>,
    /// `null` removes the quota.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<i64>)]
    pub quota_mb: Option<Option<i64>>,
}

/// Distinguishes an absent field (`None`) from an explicit `null` (`Some(None)`).
fn double_option<'de, T: Deserialize<'de>, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LiveQuery {
    /// Why the video is viewed (patrol, case number, …); required, recorded in the audit log.
    pub purpose: Option<String>,
    /// `auto` (default: the sub stream when there is one), `main` or `sub`.
    pub stream: Option<String>,
}

/// Query of the region export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// Root of the subtree to export (default: everything the caller may read).
    pub code: Option<String>,
    /// `wgs84` (default) or `gcj02` (for AMap/Tencent tiles).
    pub crs: Option<String>,
}

/// Query of a grid lookup.
#[derive(Debug, Deserialize, IntoParams)]
pub struct LookupQuery {
    pub lon: f64,
    pub lat: f64,
    /// Datum of `lon`/`lat`: `wgs84` (default, GPS) or `gcj02` (a tap on AMap/Tencent tiles).
    pub crs: Option<String>,
}

/// Datum of the coordinates returned.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CrsQuery {
    /// `wgs84` (default) or `gcj02`.
    pub crs: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridRefView {
    pub id: String,
    pub code: String,
    pub name: String,
    pub community_code: String,
    pub community_name: Option<String>,
}

impl From<palmgrid_app::grids::GridRef> for GridRefView {
    fn from(g: palmgrid_app::grids::GridRef) -> Self {
        GridRefView {
            id: g.id,
            code: g.code,
            name: g.name,
            community_code: g.community_code,
            community_name: g.community_name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LookupView {
    pub grid: GridRefView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResponsibleView {
    pub user_id: String,
    pub display_name: String,
    /// `grid_officer` or `community_secretary`.
    pub role: String,
}

/// A grid on the map.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapGridView {
    #[serde(flatten)]
    pub grid: GridRefView,
    /// GeoJSON Polygon or MultiPolygon in the requested datum.
    #[schema(value_type = Object)]
    pub geometry: serde_json::Value,
    pub area_m2: Option<f64>,
    pub officers: Vec<ResponsibleView>,
    /// Cameras in the grid the caller may list.
    pub cameras: usize,
    pub cameras_offline: usize,
    pub open_cases: usize,
    /// The caller is a grid officer of this grid.
    pub mine: bool,
}

impl From<palmgrid_app::grids::MapGrid> for MapGridView {
    fn from(g: palmgrid_app::grids::MapGrid) -> Self {
        MapGridView {
            grid: g.grid.into(),
            geometry: g.geometry,
            area_m2: g.area_m2,
            officers: g
                .officers
                .into_iter()
                .map(|o| ResponsibleView { user_id: o.user_id, display_name: o.display_name, role: o.role })
                .collect(),
            cameras: g.cameras,
            cameras_offline: g.cameras_offline,
            open_cases: g.open_cases,
            mine: g.mine,
        }
    }
}

/// A camera marker.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapCameraView {
    pub id: String,
    pub name: String,
    pub grid_id: Option<String>,
    pub lon: f64,
    pub lat: f64,
    pub status: palmgrid_domain::camera::CameraStatus,
    pub recording: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TilesView {
    /// URL template with `{z}`, `{x}`, `{y}`; `null` when no tiles are configured.
    pub url: Option<String>,
    pub attribution: Option<String>,
}

/// Everything the map page draws, in one datum.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapView {
    /// Datum of every coordinate below: the tiles' datum unless `crs` asked otherwise.
    pub crs: String,
    pub tiles: TilesView,
    pub grids: Vec<MapGridView>,
    pub cameras: Vec<MapCameraView>,
}

/// One grid with its officers and cameras.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridDetailView {
    #[serde(flatten)]
    pub grid: MapGridView,
    pub camera_list: Vec<MapCameraView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CameraMoveView {
    pub camera_id: String,
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GapView {
    pub parent_code: String,
    /// Layer of the children that leave the gap.
    pub layer: String,
    pub area_m2: f64,
    /// Share of the parent's area, 0–1.
    pub share: f64,
}

/// What an import did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportView {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub gaps: Vec<GapView>,
    pub cameras_moved: Vec<CameraMoveView>,
}

impl From<palmgrid_app::grids::ImportReport> for ImportReportView {
    fn from(r: palmgrid_app::grids::ImportReport) -> Self {
        ImportReportView {
            created: r.created,
            updated: r.updated,
            unchanged: r.unchanged,
            gaps: r
                .gaps
                .into_iter()
                .map(|g| GapView {
                    parent_code: g.parent_code,
                    layer: g.layer.into(),
                    area_m2: g.area_m2,
                    share: g.share,
                })
                .collect(),
            cameras_moved: r
                .cameras_moved
                .into_iter()
                .map(|m| CameraMoveView { camera_id: m.camera_id, name: m.name, from: m.from, to: m.to })
                .collect(),
        }
    }
}
