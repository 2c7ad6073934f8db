//! The region tree: district → street → community → grid.

use crate::{Result, Store, StoreError, conflict_or, on_pool};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegionRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_id: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const COLS: &str = "id, code, name, level, parent_id, created_ms, updated_ms";

impl Store {
    pub async fn insert_region(&self, r: &RegionRow) -> Result<()> {
        let sql = format!("INSERT INTO regions ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        on_pool!(self, |p| sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&r.id)
            .bind(&r.code)
            .bind(&r.name)
            .bind(&r.level)
            .bind(&r.parent_id)
            .bind(r.created_ms)
            .bind(r.updated_ms)
            .execute(p)
            .await
            .map_err(|e| conflict_or(e, "region code already exists"))?
            .rows_affected());
        Ok(())
    }

    pub async fn region(&self, id: &str) -> Result<Option<RegionRow>> {
        let sql = format!("SELECT {COLS} FROM regions WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    pub async fn region_by_code(&self, code: &str) -> Result<Option<RegionRow>> {
        let sql = format!("SELECT {COLS} FROM regions WHERE code = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code).fetch_optional(p).await?))
    }

    /// Every region, ordered by code (so parents come before children).
    pub async fn list_regions(&self) -> Result<Vec<RegionRow>> {
        let sql = format!("SELECT {COLS} FROM regions ORDER BY code");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?))
    }

    pub async fn rename_region(&self, id: &str, name: &str, now_ms: i64) -> Result<()> {
        let n = on_pool!(self, |p| sqlx::query("UPDATE regions SET name = $1, updated_ms = $2 WHERE id = $3")
            .bind(name)
            .bind(now_ms)
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Deletes a region that has no children and no memberships.
    pub async fn delete_region(&self, id: &str) -> Result<()> {
        let (children, members, cameras): (i64, i64, i64) = on_pool!(self, |p| sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM regions WHERE parent_id = $1), \
                    (SELECT COUNT(*) FROM memberships WHERE region_id = $1), \
                    (SELECT COUNT(*) FROM cameras WHERE grid_id = $1)"
        )
        .bind(id)
        .fetch_one(p)
        .await?);
        if children > 0 {
            return Err(StoreError::Conflict(format!("region has {children} child regions")));
        }
        if members > 0 {
            return Err(StoreError::Conflict(format!("region has {members} memberships")));
        }
        if cameras > 0 {
            return Err(StoreError::Conflict(format!("region has {cameras} cameras")));
        }
        let n = on_pool!(self, |p| sqlx::query("DELETE FROM regions WHERE id = $1")
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}
