//! Buildings of a community and residents' homes in them (掌上社区, issue 6): what an invite
//! is issued for and what a notice can be sent to.

use crate::{Result, Store, conflict_or, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BuildingRow {
    pub id: String,
    pub community_id: String,
    /// The grid the building lies in, if the community is gridded there.
    pub grid_id: Option<String>,
    pub name: String,
    pub created_ms: i64,
}

const BUILDING_COLS: &str = "id, community_id, grid_id, name, created_ms";

/// Where a resident lives in a community: a building and the rest of the address (unit, room).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MemberHomeRow {
    pub user_id: String,
    pub community_id: String,
    pub building_id: String,
    pub address: String,
    pub created_ms: i64,
}

const HOME_COLS: &str = "user_id, community_id, building_id, address, created_ms";

impl Store {
    /// Adds a building; a second building of the same name in the community is a conflict.
    pub async fn insert_building(&self, b: &BuildingRow) -> Result<()> {
        let sql = format!("INSERT INTO buildings ({BUILDING_COLS}) VALUES ($1, $2, $3, $4, $5)");
        on_pool!(self, |p| sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&b.id)
            .bind(&b.community_id)
            .bind(&b.grid_id)
            .bind(&b.name)
            .bind(b.created_ms)
            .execute(p)
            .await
            .map_err(|e| conflict_or(e, "the community has a building of that name"))
            .map(|r| r.rows_affected())?);
        Ok(())
    }

    /// The buildings of a community, by name.
    pub async fn buildings(&self, community_id: &str) -> Result<Vec<BuildingRow>> {
        let sql = format!("SELECT {BUILDING_COLS} FROM buildings WHERE community_id = $1 ORDER BY name, id");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community_id).fetch_all(p).await?))
    }

    pub async fn building(&self, id: &str) -> Result<Option<BuildingRow>> {
        let sql = format!("SELECT {BUILDING_COLS} FROM buildings WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    /// Sets (or moves) a member's home in a community.
    pub async fn set_member_home(&self, h: &MemberHomeRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO member_homes ({HOME_COLS}) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, community_id) DO UPDATE SET building_id = $3, address = $4, created_ms = $5"
        );
        on_pool!(self, |p| sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&h.user_id)
            .bind(&h.community_id)
            .bind(&h.building_id)
            .bind(&h.address)
            .bind(h.created_ms)
            .execute(p)
            .await
            .map(|r| r.rows_affected())?);
        Ok(())
    }

    pub async fn member_home(&self, user_id: &str, community_id: &str) -> Result<Option<MemberHomeRow>> {
        let sql = format!("SELECT {HOME_COLS} FROM member_homes WHERE user_id = $1 AND community_id = $2");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user_id)
            .bind(community_id)
            .fetch_optional(p)
            .await?))
    }

    /// The homes of a community's members.
    pub async fn member_homes(&self, community_id: &str) -> Result<Vec<MemberHomeRow>> {
        let sql = format!("SELECT {HOME_COLS} FROM member_homes WHERE community_id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(community_id).fetch_all(p).await?))
    }
}
