//! Storage for palmgrid: one [`Store`] API over SQLite (the default, one file in the data
//! directory) and PostgreSQL (chosen by a `postgres://` URL).
//!
//! Every query is written once in the SQL both databases accept (numbered `$n`
//! parameters, `RETURNING`, `ON CONFLICT`), and the [`on_pool!`] macro expands it once per
//! backend so each copy is checked against its own driver's types. Schemas differ only in
//! column types and live in `migrations/{sqlite,postgres}`. Times are Unix milliseconds and
//! ids are UUID text in both, so rows read back identically.

mod audit;
mod buildings;
mod cameras;
mod cases;
mod community;
mod mediation;
mod recordings;
mod regions;
mod service;
mod sessions;
mod subtasks;
pub mod testing;
mod users;

pub use audit::AuditFilter;
pub use buildings::{BuildingRow, MemberHomeRow};
pub use cameras::CameraRow;
pub use cases::{
    ApiKeyRow, CaseEventRow, CaseFilter, CaseRouteRow, CaseRow, CaseWrite, EvidenceRow, HoldRow, NewEvidence,
    NotificationRow,
};
pub use community::{
    ActionItemRow, ActionUpdateRow, ChatMessageRow, CommentModeration, CommentRow, InviteRow, JoinRequestRow,
    MemberPrefsRow, MemberRow, NoticeRow, PollRow, TopicRow,
};
pub use mediation::{MediationEntryRow, MediationRow};
pub use recordings::{RecordingProgress, RecordingRow, RecordingSpan, VideoParamsRow};
pub use regions::{RegionImport, RegionRow, UnitGridRow};
pub use service::ServiceRequestRow;
pub use sessions::SessionRow;
pub use subtasks::{SubtaskChange, SubtaskRow, weighted_progress};
pub use users::{MembershipRow, UserRow};

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL {0:?}: use sqlite:PATH or postgres://…")]
    BadUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps unique-constraint violations to [`StoreError::Conflict`] so callers can answer 409.
pub(crate) fn conflict_or(e: sqlx::Error, what: &str) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Conflict(what.to_owned());
    }
    StoreError::Db(e)
}

#[derive(Debug, Clone)]
pub(crate) enum DbPool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$p` bound to the concrete pool of whichever backend is in use.
macro_rules! on_pool {
    ($store:expr, |$p:ident| $body:expr) => {
        match &$store.pool {
            $crate::DbPool::Sqlite($p) => $body,
            $crate::DbPool::Postgres($p) => $body,
        }
    };
}
pub(crate) use on_pool;

/// Which backend a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database. Cheap to clone; clones share the pool and the audit append lock.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) pool: DbPool,
    /// Serialises audit appends within this process so sequence numbers never collide.
    pub(crate) audit_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
    /// SQLite only: one connection with `synchronous=NORMAL` for the recorder's progress
    /// rows (see [`Store::update_recordings`]).
    pub(crate) progress_pool: Option<SqlitePool>,
}

impl Store {
    /// Opens `url`: `postgres://…`/`postgresql://…` or `sqlite:PATH`.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool =
                PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(10)).connect(url).await?;
            Ok(Store::from_pool(DbPool::Postgres(pool)))
        } else if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)?;
            Self::sqlite_with(opts).await
        } else {
            Err(StoreError::BadUrl(url.to_owned()))
        }
    }

    /// Opens (creating if missing) an SQLite file in WAL mode.
    pub async fn open_sqlite(path: &Path) -> Result<Store> {
        Self::sqlite_with(SqliteConnectOptions::new().filename(path)).await
    }

    async fn sqlite_with(opts: SqliteConnectOptions) -> Result<Store> {
        // WAL lets readers run beside the single writer; FULL synchronous makes a commit
        // durable before it returns, which the audit log relies on ("recorded before the
        // first byte is served").
        let opts = opts
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(opts.clone()).await?;
        // The recorder's progress rows need to survive a crash of this process, which a
        // commit to the WAL does without a sync; after a power loss an older row is still
        // consistent with the files (recovery trusts only synced bytes then). Syncing the WAL
        // for them was most of the database's share of recording CPU.
        // It is in-process and never goes stale: no liveness ping before each use (a
        // round trip to its worker thread per commit).
        let progress = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(opts.synchronous(SqliteSynchronous::Normal))
            .await?;
        let mut store = Store::from_pool(DbPool::Sqlite(pool));
        store.progress_pool = Some(progress);
        Ok(store)
    }

    fn from_pool(pool: DbPool) -> Store {
        Store { pool, audit_lock: Default::default(), progress_pool: None }
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            DbPool::Sqlite(_) => Backend::Sqlite,
            DbPool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations of this backend that have not run yet.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            DbPool::Sqlite(p) => sqlx::migrate!("migrations/sqlite").run(p).await?,
            DbPool::Postgres(p) => sqlx::migrate!("migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Runs one raw SQL statement. Only for tests and tools that simulate an attacker
    /// with database access; the application never calls it.
    pub async fn execute_raw(&self, sql: &str) -> Result<u64> {
        let n = on_pool!(self, |p| sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(p).await?.rows_affected());
        Ok(n)
    }

    pub async fn close(&self) {
        if let Some(p) = &self.progress_pool {
            p.close().await;
        }
        on_pool!(self, |p| p.close().await)
    }
}
