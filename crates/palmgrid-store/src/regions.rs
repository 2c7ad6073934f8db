//! The region tree: district → street → community → grid.

use crate::{Result, Store, StoreError, conflict_or, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RegionRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_id: Option<String>,
    /// GeoJSON geometry (WGS-84), as validated by an import.
    pub geometry: Option<String>,
    pub area_m2: Option<f64>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const COLS: &str = "id, code, name, level, parent_id, geometry, area_m2, created_ms, updated_ms";

/// A unit grid (单元网格): the fine layer under a community.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UnitGridRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub community_id: String,
    pub geometry: String,
    pub area_m2: f64,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const UNIT_COLS: &str = "id, code, name, community_id, geometry, area_m2, created_ms, updated_ms";

/// Everything one region import writes, applied in one transaction.
#[derive(Debug, Default)]
pub struct RegionImport<'a> {
    pub insert_regions: &'a [RegionRow],
    /// Rows whose name, geometry and area replace the stored ones (matched by id).
    pub update_regions: &'a [RegionRow],
    pub insert_units: &'a [UnitGridRow],
    pub update_units: &'a [UnitGridRow],
    /// Cameras whose grid changes because the grids changed: (camera id, new grid id).
    pub camera_grids: &'a [(String, Option<String>)],
}

impl Store {
    pub async fn insert_region(&self, r: &RegionRow) -> Result<()> {
        self.apply_region_import(&RegionImport { insert_regions: std::slice::from_ref(r), ..Default::default() }).await
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
                    (SELECT COUNT(*) FROM cameras WHERE grid_id = $1) + \
                    (SELECT COUNT(*) FROM unit_grids WHERE community_id = $1)"
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
            return Err(StoreError::Conflict(format!("region has {cameras} cameras or unit grids")));
        }
        let n = on_pool!(self, |p| sqlx::query("DELETE FROM regions WHERE id = $1")
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Every unit grid, ordered by code.
    pub async fn list_unit_grids(&self) -> Result<Vec<UnitGridRow>> {
        let sql = format!("SELECT {UNIT_COLS} FROM unit_grids ORDER BY code");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?))
    }

    /// Applies a checked region import: all of it or, on any error, none of it.
    pub async fn apply_region_import(&self, w: &RegionImport<'_>) -> Result<()> {
        let insert_region = format!("INSERT INTO regions ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)");
        let update_region = "UPDATE regions SET name = $1, geometry = $2, area_m2 = $3, updated_ms = $4 WHERE id = $5";
        let insert_unit = format!("INSERT INTO unit_grids ({UNIT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
        let update_unit = "UPDATE unit_grids SET name = $1, geometry = $2, area_m2 = $3, updated_ms = $4 WHERE id = $5";
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for r in w.insert_regions {
                sqlx::query(sqlx::AssertSqlSafe(insert_region.as_str()))
                    .bind(&r.id)
                    .bind(&r.code)
                    .bind(&r.name)
                    .bind(&r.level)
                    .bind(&r.parent_id)
                    .bind(&r.geometry)
                    .bind(r.area_m2)
                    .bind(r.created_ms)
                    .bind(r.updated_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "region code already exists"))?;
            }
            for r in w.update_regions {
                let n = sqlx::query(update_region)
                    .bind(&r.name)
                    .bind(&r.geometry)
                    .bind(r.area_m2)
                    .bind(r.updated_ms)
                    .bind(&r.id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict(format!("region {} changed during the import", r.code)));
                }
            }
            for u in w.insert_units {
                sqlx::query(sqlx::AssertSqlSafe(insert_unit.as_str()))
                    .bind(&u.id)
                    .bind(&u.code)
                    .bind(&u.name)
                    .bind(&u.community_id)
                    .bind(&u.geometry)
                    .bind(u.area_m2)
                    .bind(u.created_ms)
                    .bind(u.updated_ms)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "unit grid code already exists"))?;
            }
            for u in w.update_units {
                let n = sqlx::query(update_unit)
                    .bind(&u.name)
                    .bind(&u.geometry)
                    .bind(u.area_m2)
                    .bind(u.updated_ms)
                    .bind(&u.id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict(format!("unit grid {} changed during the import", u.code)));
                }
            }
            for (camera, grid) in w.camera_grids {
                sqlx::query("UPDATE cameras SET grid_id = $1 WHERE id = $2")
                    .bind(grid)
                    .bind(camera)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
