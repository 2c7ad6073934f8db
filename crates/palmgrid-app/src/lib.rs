//! palmgrid use cases. Every operation takes the calling [`Session`] (or a request context
//! for login), asks [`palmgrid_domain::authz::can`] through [`App::authorize`], does the
//! work through the store, and records admin writes and security events in the audit
//! chain. Nothing here knows HTTP.

pub use palmgrid_ingest::media_thread;

pub mod access_report;
pub mod audit;
pub mod auth;
pub mod buildings;
pub mod cameras;
pub mod case_metrics;
pub mod cases;
pub mod community;
pub mod demo;
mod error;
pub mod grids;
pub mod live;
pub mod open311;
pub mod photo;
pub mod recordings;
pub mod regions;
pub mod rtsp;
pub mod service;
pub mod subtasks;
pub mod users;

pub use audit::{AuditSigner, VerifyReport};
pub use auth::{LoginOutcome, Session};
pub use error::AppError;

use palmgrid_domain::Zone;
use palmgrid_domain::authz::{self, Action, Decision, Resource};
use palmgrid_domain::clock::Clock;
use palmgrid_store::Store;
use std::sync::Arc;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// Security settings; defaults follow the issue and `reference/security.md` §4.2.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Idle timeout for staff sessions (15 min).
    pub staff_idle_timeout_ms: i64,
    /// Idle timeout for community members (residents, property managers, …).
    pub member_idle_timeout_ms: i64,
    /// Absolute session lifetime (12 h).
    pub absolute_lifetime_ms: i64,
    pub lockout_threshold: i64,
    pub lockout_window_ms: i64,
    pub lockout_duration_ms: i64,
    /// Delay added to every refused login, to slow guessing.
    pub failure_delay_ms: u64,
    /// Whether admin/police/auditor accounts must enrol TOTP before doing anything else.
    pub enforce_totp: bool,
    /// Argon2id memory cost in KiB (19 MiB, OWASP's minimum for argon2id).
    pub argon2_m_cost_kib: u32,
    pub argon2_t_cost: u32,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            staff_idle_timeout_ms: 15 * 60_000,
            member_idle_timeout_ms: 12 * 3_600_000,
            absolute_lifetime_ms: 12 * 3_600_000,
            lockout_threshold: 5,
            lockout_window_ms: 15 * 60_000,
            lockout_duration_ms: 30 * 60_000,
            failure_delay_ms: 1000,
            enforce_totp: true,
            argon2_m_cost_kib: 19 * 1024,
            argon2_t_cost: 2,
        }
    }
}

impl AuthConfig {
    /// Cheap hashing and no delays, for tests only.
    pub fn for_tests() -> Self {
        AuthConfig { failure_delay_ms: 0, argon2_m_cost_kib: 64, argon2_t_cost: 1, ..Default::default() }
    }
}

/// Where a request came from.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// Source address (ip:port) as seen by the listener.
    pub source: String,
    /// Zone of the listener that received the request.
    pub listener_zone: Zone,
}

impl RequestCtx {
    pub fn local(zone: Zone) -> Self {
        RequestCtx { source: "local".into(), listener_zone: zone }
    }
}

/// The application: store, clock, settings and the audit signer.
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub auth: AuthConfig,
    pub signer: Arc<AuditSigner>,
    /// Accept camera URLs on loopback/link-local addresses (the demo's simulated cameras).
    pub allow_local_camera_urls: bool,
    /// Live streams of the cameras, pulled on demand.
    pub media: palmgrid_ingest::manager::Manager,
    /// Continuous recording; `None` on a node that does not record.
    pub recorder: Option<palmgrid_recorder::Recorder>,
    /// Playback and HLS views already audited.
    pub views: Arc<recordings::ViewLedger>,
    pub hls: Arc<live::HlsRegistry>,
    /// Point → grid index, rebuilt after regions change.
    pub grids: Arc<grids::GridCache>,
    /// Map tiles for the web app.
    pub map: grids::MapConfig,
    /// Categories, calendar and duplicate rules of the case workflow.
    pub cases: Arc<cases::CaseConfig>,
    /// New notifications, for WebSocket push.
    pub notifier: cases::Notifier,
    /// Community chat rooms with their connected members.
    pub chat: Arc<community::ChatRooms>,
    /// Region imports run one at a time.
    import_lock: Arc<tokio::sync::Mutex<()>>,
    checkpoints: Arc<audit::CheckpointState>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("backend", &self.store.backend()).finish_non_exhaustive()
    }
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>, auth: AuthConfig, signer: AuditSigner) -> App {
        App {
            store,
            clock,
            auth,
            signer: Arc::new(signer),
            allow_local_camera_urls: false,
            media: palmgrid_ingest::manager::Manager::new(std::time::Duration::from_secs(30)),
            recorder: None,
            views: Arc::default(),
            hls: Arc::default(),
            grids: Arc::default(),
            map: Default::default(),
            cases: Arc::default(),
            notifier: Default::default(),
            chat: Arc::default(),
            import_lock: Arc::default(),
            checkpoints: Default::default(),
        }
    }

    /// Pulls and records cameras on runtime `rt` (the media thread) instead of the current
    /// one. Call first, before recording is enabled and cameras are synced.
    pub fn run_media_on(&mut self, rt: tokio::runtime::Handle) {
        self.media = palmgrid_ingest::manager::Manager::new_on(std::time::Duration::from_secs(30), rt);
    }

    /// Records cameras into `dir` (segment files; the index is in the store). Call before
    /// cameras are synced; finishes what a previous run left open first.
    pub async fn enable_recording(&mut self, dir: std::path::PathBuf) -> Result<palmgrid_recorder::Recovery> {
        std::fs::create_dir_all(&dir).map_err(|e| AppError::Internal(format!("{}: {e}", dir.display())))?;
        let rep = palmgrid_recorder::recover(&self.store, &dir).await.map_err(|e| AppError::Internal(e.to_string()))?;
        let cfg = palmgrid_recorder::Config::new(dir);
        // Beside the pulls it records.
        let rt = self.media.runtime().clone();
        self.recorder = Some(palmgrid_recorder::Recorder::new_on(self.store.clone(), self.clock.clone(), cfg, rt));
        Ok(rep)
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// The one place where requests are authorised. A session still waiting for its
    /// second factor may only read itself; everything else follows `authz::can`.
    pub fn authorize(&self, session: &Session, action: Action, resource: &Resource) -> Result<()> {
        if session.totp_pending && action != Action::ReadSelf {
            return Err(AppError::TotpEnrolmentRequired);
        }
        match authz::can(&session.actor, action, resource) {
            Decision::Allow => Ok(()),
            Decision::Deny => Err(AppError::Forbidden),
            Decision::Hidden => Err(AppError::NotFound),
        }
    }
}

/// A wall clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
    }
}

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("operating system RNG");
    buf
}
