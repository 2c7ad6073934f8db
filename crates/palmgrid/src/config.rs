//! Configuration: defaults, then the TOML file (`--config`), then environment variables
//! (`PALMGRID_*`), then command-line flags.

use palmgrid_domain::Zone;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where the SQLite file, the audit signing key and (by default) recordings live.
    pub data_dir: PathBuf,
    /// Where segment files go; default `DATA_DIR/recordings`. The index is in the database.
    pub recordings_dir: Option<PathBuf>,
    /// `postgres://…` selects PostgreSQL; unset means SQLite at `DATA_DIR/palmgrid.db`.
    pub database_url: Option<String>,
    /// tracing filter, e.g. `info` or `palmgrid=debug,info`.
    pub log: String,
    /// `text` or `json`.
    pub log_format: String,
    pub listeners: Vec<ListenerConfig>,
    /// Address of the RTSP server that re-serves cameras to other platforms (with palmgrid
    /// credentials); unset: no RTSP re-serve. Its zone is the first listener's.
    pub rtsp_listen: Option<String>,
    /// Accept camera URLs on loopback or link-local addresses (labs, benchmarks,
    /// simulated cameras). Off by default: such URLs could reach the server itself.
    pub allow_local_camera_urls: bool,
    pub auth: AuthSection,
    pub map: MapSection,
    pub cases: CasesSection,
}

/// The case workflow: categories and the business calendar of its time limits.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CasesSection {
    /// A category set (JSON, the form of `crates/palmgrid-domain/data/categories.json`) that
    /// replaces the built-in one; a city extends the built-in set by copying and adding.
    pub categories: Option<PathBuf>,
    /// Working periods of a working day, `HH:MM-HH:MM` (default 08:30-12:00, 14:00-17:30).
    pub working_periods: Option<Vec<String>>,
    /// Public holidays, `YYYY-MM-DD` (from the State Council's notice each year).
    pub holidays: Vec<String>,
    /// Weekend days worked instead (调休), `YYYY-MM-DD`.
    pub extra_workdays: Vec<String>,
}

/// Map tiles for the web app. Nothing needs tiles to work: without them the map draws the
/// grids on a plain background.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MapSection {
    /// Tile URL template with `{z}`, `{x}`, `{y}` (and optionally `{s}`): Tianditu, AMap,
    /// OSM or an offline tile server. Its host is added to the page's `img-src`.
    pub tile_url: Option<String>,
    /// Datum of the tiles: `wgs84` (Tianditu, OSM) or `gcj02` (AMap, Tencent).
    pub tile_crs: Option<String>,
    /// Attribution shown on the map, as the tile provider requires.
    pub attribution: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListenerConfig {
    pub addr: String,
    /// The network this listener faces: `internet`, `contractor`, `government`,
    /// `police_video`. Police-zone cameras exist only on a `police_video` listener.
    #[serde(default = "default_zone")]
    pub zone: String,
}

fn default_zone() -> String {
    "internet".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSection {
    pub staff_idle_timeout_minutes: i64,
    pub member_idle_timeout_minutes: i64,
    pub absolute_lifetime_hours: i64,
    pub failure_delay_ms: u64,
    pub enforce_totp: bool,
    /// Set when clients reach the server over HTTPS (directly or through a proxy).
    pub cookie_secure: bool,
}

impl Default for AuthSection {
    fn default() -> Self {
        let d = palmgrid_app::AuthConfig::default();
        AuthSection {
            staff_idle_timeout_minutes: d.staff_idle_timeout_ms / 60_000,
            member_idle_timeout_minutes: d.member_idle_timeout_ms / 60_000,
            absolute_lifetime_hours: d.absolute_lifetime_ms / 3_600_000,
            failure_delay_ms: d.failure_delay_ms,
            enforce_totp: d.enforce_totp,
            cookie_secure: false,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("./palmgrid-data"),
            recordings_dir: None,
            database_url: None,
            log: "info".into(),
            log_format: "text".into(),
            listeners: vec![ListenerConfig { addr: "127.0.0.1:8080".into(), zone: default_zone() }],
            rtsp_listen: None,
            allow_local_camera_urls: false,
            auth: AuthSection::default(),
            map: MapSection::default(),
            cases: CasesSection::default(),
        }
    }
}

impl Config {
    /// Reads the file if given, then applies `PALMGRID_*` environment overrides.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut c = match file {
            Some(p) => {
                let text =
                    std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
                toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?
            }
            None => Config::default(),
        };
        if let Ok(v) = std::env::var("PALMGRID_DATA_DIR") {
            c.data_dir = v.into();
        }
        if let Ok(v) = std::env::var("PALMGRID_RECORDINGS_DIR") {
            c.recordings_dir = Some(v.into());
        }
        if let Ok(v) = std::env::var("PALMGRID_DATABASE_URL") {
            c.database_url = Some(v);
        }
        if let Ok(v) = std::env::var("PALMGRID_LOG") {
            c.log = v;
        }
        if let Ok(v) = std::env::var("PALMGRID_LOG_FORMAT") {
            c.log_format = v;
        }
        if let Ok(v) = std::env::var("PALMGRID_RTSP_LISTEN") {
            c.rtsp_listen = Some(v);
        }
        if let Ok(v) = std::env::var("PALMGRID_ALLOW_LOCAL_CAMERAS") {
            c.allow_local_camera_urls = v == "1" || v == "true";
        }
        if let Ok(v) = std::env::var("PALMGRID_MAP_TILE_URL") {
            c.map.tile_url = Some(v).filter(|v| !v.is_empty());
        }
        if let Ok(v) = std::env::var("PALMGRID_MAP_TILE_CRS") {
            c.map.tile_crs = Some(v);
        }
        if let Ok(v) = std::env::var("PALMGRID_CASE_CATEGORIES") {
            c.cases.categories = Some(v.into()).filter(|p: &PathBuf| !p.as_os_str().is_empty());
        }
        if let Ok(v) = std::env::var("PALMGRID_LISTEN") {
            c.set_listen(&v);
        }
        c.validate()?;
        Ok(c)
    }

    /// Replaces the listeners by one at `addr`, keeping the first listener's zone.
    pub fn set_listen(&mut self, addr: &str) {
        let zone = self.listeners.first().map(|l| l.zone.clone()).unwrap_or_else(default_zone);
        self.listeners = vec![ListenerConfig { addr: addr.to_owned(), zone }];
    }

    pub fn recordings_dir(&self) -> PathBuf {
        self.recordings_dir.clone().unwrap_or_else(|| self.data_dir.join("recordings"))
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if self.listeners.is_empty() {
            anyhow::bail!("at least one listener is required");
        }
        for l in &self.listeners {
            if Zone::parse(&l.zone).is_none() {
                anyhow::bail!(
                    "listener {}: unknown zone {:?} (internet, contractor, government, police_video)",
                    l.addr,
                    l.zone
                );
            }
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            anyhow::bail!("log_format must be text or json");
        }
        self.map_config()?;
        self.case_config()?;
        Ok(())
    }

    /// The case settings for the app, checked: every problem of a category file is listed.
    pub fn case_config(&self) -> anyhow::Result<palmgrid_app::cases::CaseConfig> {
        use palmgrid_domain::calendar::BusinessCalendar;
        use palmgrid_domain::category::CategorySet;
        let mut cfg = palmgrid_app::cases::CaseConfig::default();
        if let Some(path) = &self.cases.categories {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cases.categories: cannot read {}: {e}", path.display()))?;
            let set = CategorySet::parse(&text)
                .map_err(|p| anyhow::anyhow!("cases.categories {}: {}", path.display(), p.join("; ")))?;
            cfg.categories = std::sync::Arc::new(set);
        }
        let default_periods = ["08:30-12:00".to_owned(), "14:00-17:30".to_owned()];
        let periods: Vec<&str> =
            self.cases.working_periods.as_deref().unwrap_or(&default_periods).iter().map(String::as_str).collect();
        let holidays: Vec<&str> = self.cases.holidays.iter().map(String::as_str).collect();
        let extra: Vec<&str> = self.cases.extra_workdays.iter().map(String::as_str).collect();
        cfg.calendar =
            BusinessCalendar::new(&periods, &holidays, &extra).map_err(|e| anyhow::anyhow!("cases calendar: {e}"))?;
        Ok(cfg)
    }

    /// The map settings for the app, checked.
    pub fn map_config(&self) -> anyhow::Result<palmgrid_app::grids::MapConfig> {
        let tile_datum = palmgrid_app::grids::Datum::parse(self.map.tile_crs.as_deref())
            .map_err(|_| anyhow::anyhow!("map.tile_crs must be wgs84 or gcj02"))?;
        if let Some(u) = &self.map.tile_url
            && (palmgrid_api::routes::tile_origin(u).is_none() || !["{z}", "{x}", "{y}"].iter().all(|p| u.contains(p)))
        {
            anyhow::bail!("map.tile_url must be an http(s) URL template with {{z}}, {{x}} and {{y}}, got {u:?}");
        }
        Ok(palmgrid_app::grids::MapConfig {
            tile_url: self.map.tile_url.clone(),
            tile_datum,
            attribution: self.map.attribution.clone(),
        })
    }

    pub fn auth_config(&self) -> palmgrid_app::AuthConfig {
        palmgrid_app::AuthConfig {
            staff_idle_timeout_ms: self.auth.staff_idle_timeout_minutes * 60_000,
            member_idle_timeout_ms: self.auth.member_idle_timeout_minutes * 60_000,
            absolute_lifetime_ms: self.auth.absolute_lifetime_hours * 3_600_000,
            failure_delay_ms: self.auth.failure_delay_ms,
            enforce_totp: self.auth.enforce_totp,
            ..Default::default()
        }
    }

    /// The database URL to use: the configured one or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite:{}", self.data_dir.join("palmgrid.db").display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_values_and_validation() {
        let c: Config = toml::from_str(
            r#"
            data_dir = "/var/lib/palmgrid"
            [[listeners]]
            addr = "0.0.0.0:8443"
            zone = "internet"
            [[listeners]]
            addr = "10.1.0.5:8080"
            zone = "police_video"
            [auth]
            staff_idle_timeout_minutes = 10
            "#,
        )
        .unwrap();
        c.validate().unwrap();
        assert_eq!(c.listeners.len(), 2);
        assert_eq!(c.auth_config().staff_idle_timeout_ms, 600_000);
        assert_eq!(c.auth_config().absolute_lifetime_ms, 12 * 3_600_000);
        assert_eq!(c.database_url(), "sqlite:/var/lib/palmgrid/palmgrid.db");
        let bad: Config = toml::from_str("[[listeners]]\naddr = \"x\"\nzone = \"moon\"\n").unwrap();
        assert!(bad.validate().is_err());
        assert!(toml::from_str::<Config>("no_such_key = 1").is_err());
        let amap: Config = toml::from_str(
            "[map]\ntile_url = \"https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8\"\ntile_crs = \"gcj02\"\n",
        )
        .unwrap();
        assert_eq!(amap.map_config().unwrap().tile_datum, palmgrid_app::grids::Datum::Gcj02);
        let no_xyz: Config = toml::from_str("[map]\ntile_url = \"https://tiles.example/a.png\"\n").unwrap();
        assert!(no_xyz.validate().is_err());
        let bad_crs: Config = toml::from_str("[map]\ntile_crs = \"bd09\"\n").unwrap();
        assert!(bad_crs.validate().is_err());
    }

    #[test]
    fn case_settings_are_checked() {
        let c: Config = toml::from_str(
            "[cases]\nholidays = [\"2027-02-05\"]\nextra_workdays = [\"2027-02-13\"]\nworking_periods = [\"09:00-17:00\"]\n",
        )
        .unwrap();
        let cfg = c.case_config().unwrap();
        let day = |d| palmgrid_domain::calendar::parse_day(d).unwrap();
        assert!(!cfg.calendar.is_working_day(day("2027-02-05")), "a Friday holiday");
        assert!(cfg.calendar.is_working_day(day("2027-02-13")), "a Saturday worked");
        assert_eq!(cfg.categories.category("E0101").unwrap().name, "暴露垃圾", "the built-in set by default");
        for bad in [
            "[cases]\nholidays = [\"2027-02-30\"]\n",
            "[cases]\nworking_periods = [\"17:00-09:00\"]\n",
            "[cases]\ncategories = \"/nonexistent/categories.json\"\n",
        ] {
            let c: Config = toml::from_str(bad).unwrap();
            assert!(c.validate().is_err(), "{bad}");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("categories.json");
        std::fs::write(&file, r#"{"version": 2, "departments": [], "categories": [], "extra": 1}"#).unwrap();
        let c = Config {
            cases: CasesSection { categories: Some(file.clone()), ..Default::default() },
            ..Default::default()
        };
        assert!(c.validate().is_err(), "a broken category file stops the start");
        let mut set: serde_json::Value = serde_json::from_str(palmgrid_domain::category::DEMO_CATEGORIES).unwrap();
        set["version"] = 2.into();
        set["categories"].as_array_mut().unwrap().push(serde_json::json!({
            "code": "E0901", "kind": "event", "major": "社区治理", "name": "楼道堆物", "filing": "楼道堆放杂物影响通行",
            "closing": "楼道畅通", "dispatch_limit": {"unit": "working_hours", "value": 2},
            "handle_limit": {"unit": "calendar_days", "value": 2}, "close_limit": {"unit": "working_hours", "value": 4},
            "department": "housing"}));
        std::fs::write(&file, set.to_string()).unwrap();
        let cfg = c.case_config().unwrap();
        assert_eq!((cfg.categories.version, cfg.categories.category("E0901").unwrap().name.as_str()), (2, "楼道堆物"));
    }
}
