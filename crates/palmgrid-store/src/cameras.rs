//! Cameras and their credentials (kept in a separate table).

use crate::{Result, Store, StoreError, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CameraRow {
    pub id: String,
    pub name: String,
    pub grid_id: Option<String>,
    /// Code of the grid, joined for scope checks.
    pub grid_code: Option<String>,
    pub zone: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub main_url: String,
    pub sub_url: Option<String>,
    pub transport: String,
    pub record: bool,
    /// Recordings older than this many days are deleted.
    pub retain_days: i64,
    /// Disk quota for this camera's recordings; the oldest go first when it is exceeded.
    pub quota_mb: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const SELECT: &str = "SELECT c.id, c.name, c.grid_id, r.code AS grid_code, c.zone, c.lon, c.lat, c.main_url, \
                      c.sub_url, c.transport, c.record, c.retain_days, c.quota_mb, c.created_ms, c.updated_ms \
                      FROM cameras c LEFT JOIN regions r ON r.id = c.grid_id";

const INSERT_CREDENTIALS: &str = "INSERT INTO camera_credentials (camera_id, username, password) VALUES ($1, $2, $3)";

impl Store {
    /// Inserts a camera and, if given, its credentials, in one transaction.
    pub async fn insert_camera(&self, c: &CameraRow, creds: Option<(&str, &str)>) -> Result<()> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "INSERT INTO cameras (id, name, grid_id, zone, lon, lat, main_url, sub_url, transport, record, \
                 retain_days, quota_mb, created_ms, updated_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            )
            .bind(&c.id)
            .bind(&c.name)
            .bind(&c.grid_id)
            .bind(&c.zone)
            .bind(c.lon)
            .bind(c.lat)
            .bind(&c.main_url)
            .bind(&c.sub_url)
            .bind(&c.transport)
            .bind(c.record)
            .bind(c.retain_days)
            .bind(c.quota_mb)
            .bind(c.created_ms)
            .bind(c.updated_ms)
            .execute(&mut *tx)
            .await?;
            if let Some((user, pass)) = creds {
                sqlx::query(INSERT_CREDENTIALS).bind(&c.id).bind(user).bind(pass).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn camera(&self, id: &str) -> Result<Option<CameraRow>> {
        let sql = format!("{SELECT} WHERE c.id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    pub async fn list_cameras(&self) -> Result<Vec<CameraRow>> {
        let sql = format!("{SELECT} ORDER BY c.name, c.id");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?))
    }

    /// Updates the editable fields (name, grid, location, URLs, transport, recording).
    /// Credentials are replaced only when `creds` is `Some` (`Some(None)` removes them).
    pub async fn update_camera(&self, c: &CameraRow, creds: Option<Option<(&str, &str)>>) -> Result<()> {
        let n = on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE cameras SET name = $1, grid_id = $2, lon = $3, lat = $4, main_url = $5, sub_url = $6, \
                 transport = $7, record = $8, retain_days = $9, quota_mb = $10, updated_ms = $11 WHERE id = $12",
            )
            .bind(&c.name)
            .bind(&c.grid_id)
            .bind(c.lon)
            .bind(c.lat)
            .bind(&c.main_url)
            .bind(&c.sub_url)
            .bind(&c.transport)
            .bind(c.record)
            .bind(c.retain_days)
            .bind(c.quota_mb)
            .bind(c.updated_ms)
            .bind(&c.id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if let Some(creds) = creds {
                sqlx::query("DELETE FROM camera_credentials WHERE camera_id = $1")
                    .bind(&c.id)
                    .execute(&mut *tx)
                    .await?;
                if let Some((user, pass)) = creds {
                    sqlx::query(INSERT_CREDENTIALS).bind(&c.id).bind(user).bind(pass).execute(&mut *tx).await?;
                }
            }
            tx.commit().await?;
            n
        });
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    pub async fn delete_camera(&self, id: &str) -> Result<()> {
        let n = on_pool!(self, |p| sqlx::query("DELETE FROM cameras WHERE id = $1")
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// (username, password) of a camera, for the ingest only.
    pub async fn camera_credentials(&self, id: &str) -> Result<Option<(String, String)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT username, password FROM camera_credentials WHERE camera_id = $1")
            .bind(id)
            .fetch_optional(p)
            .await?))
    }
}

impl Store {
    /// A camera's privacy regions (JSON), if any. `NotFound` for an unknown camera.
    pub async fn camera_privacy_mask(&self, id: &str) -> Result<Option<String>> {
        let row: Option<Option<String>> =
            on_pool!(self, |p| sqlx::query_scalar("SELECT privacy_mask FROM cameras WHERE id = $1")
                .bind(id)
                .fetch_optional(p)
                .await?);
        row.ok_or(StoreError::NotFound)
    }

    pub async fn set_camera_privacy_mask(&self, id: &str, mask: Option<&str>, now_ms: i64) -> Result<()> {
        let n = on_pool!(self, |p| sqlx::query("UPDATE cameras SET privacy_mask = $1, updated_ms = $2 WHERE id = $3")
            .bind(mask)
            .bind(now_ms)
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}
