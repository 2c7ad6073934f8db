//! Fresh databases for tests on both backends.
//!
//! SQLite: a new file in a new temporary directory. PostgreSQL: a new database on the
//! server named by `PALMGRID_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`),
//! dropped again by [`TestDb::cleanup`]. When the server cannot be reached the PostgreSQL
//! variant prints why and is skipped, unless `PALMGRID_REQUIRE_PG=1` (CI), where it fails.

use crate::{Backend, Store};
use std::path::PathBuf;

pub const DEFAULT_TEST_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A migrated, empty store plus what is needed to throw it away.
pub struct TestDb {
    pub store: Store,
    /// The URL to reach the same database from another process (the CLI in tests).
    pub url: String,
    pub dir: PathBuf,
    pg: Option<(String, String)>,
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("palmgrid-test-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

impl TestDb {
    pub async fn new(backend: Backend) -> Option<TestDb> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite().await),
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub async fn sqlite() -> TestDb {
        let dir = scratch_dir();
        let path = dir.join("palmgrid.db");
        let store = Store::open_sqlite(&path).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        TestDb { store, url: format!("sqlite:{}", path.display()), dir, pg: None }
    }

    /// `None` (after printing the reason) when PostgreSQL is unavailable and not required.
    pub async fn postgres() -> Option<TestDb> {
        let base = std::env::var("PALMGRID_TEST_PG").unwrap_or_else(|_| DEFAULT_TEST_PG.to_owned());
        let required = std::env::var("PALMGRID_REQUIRE_PG").is_ok_and(|v| v == "1");
        let admin = match Store::connect(&base).await {
            Ok(s) => s,
            Err(e) => {
                if required {
                    panic!("PostgreSQL required (PALMGRID_REQUIRE_PG=1) but {base} is unreachable: {e}");
                }
                eprintln!("SKIPPED PostgreSQL variant: cannot reach {base} ({e}); set PALMGRID_TEST_PG");
                return None;
            }
        };
        let name = format!("palmgrid_t_{}", uuid::Uuid::new_v4().simple());
        admin.execute_raw(&format!("CREATE DATABASE {name}")).await.expect("create test database");
        admin.close().await;
        let url = replace_db(&base, &name);
        let store = Store::connect(&url).await.expect("connect test database");
        store.migrate().await.expect("migrate postgres");
        Some(TestDb { store, url, dir: scratch_dir(), pg: Some((base, name)) })
    }

    /// Closes the pool and drops the PostgreSQL database / removes the temp dir.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some((base, name)) = self.pg
            && let Ok(admin) = Store::connect(&base).await
        {
            let _ = admin.execute_raw(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
            admin.close().await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Replaces the database name (the path) of a PostgreSQL URL, keeping any query string.
pub fn replace_db(url: &str, db: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    }
}

/// Declares a test that runs on SQLite and on PostgreSQL:
/// `both_backends!(name, |store| async move { ... });`
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let db = $crate::testing::TestDb::new($crate::Backend::Sqlite).await.unwrap();
                ($body)(db.store.clone()).await;
                db.cleanup().await;
            }

            #[tokio::test]
            async fn postgres() {
                let Some(db) = $crate::testing::TestDb::new($crate::Backend::Postgres).await else {
                    return;
                };
                ($body)(db.store.clone()).await;
                db.cleanup().await;
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::replace_db;

    #[test]
    fn replaces_database_name() {
        assert_eq!(replace_db("postgres://postgres@127.0.0.1:5432/test", "x"), "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(replace_db("postgres://h/test?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
        assert_eq!(replace_db("postgres://h", "x"), "postgres://h/x");
    }
}
