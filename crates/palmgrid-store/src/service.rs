//! 服务执行: service requests of residents to the property manager or the committee.

use crate::{Result, Store, StoreError, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ServiceRequestRow {
    pub id: String,
    pub community_id: String,
    pub requester_id: String,
    pub kind: String,
    /// `property` or `committee`.
    pub desk: String,
    pub description: String,
    pub address: String,
    /// `open`, `accepted`, `done` or `cancelled`.
    pub state: String,
    pub handler_id: Option<String>,
    pub reply: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub done_ms: Option<i64>,
}

const COLS: &str = "id, community_id, requester_id, kind, desk, description, address, state, handler_id, reply, \
    rating, rating_comment, created_ms, updated_ms, done_ms";

impl Store {
    pub async fn insert_service_request(&self, r: &ServiceRequestRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO service_requests ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        );
        on_pool!(self, |p| sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&r.id)
            .bind(&r.community_id)
            .bind(&r.requester_id)
            .bind(&r.kind)
            .bind(&r.desk)
            .bind(&r.description)
            .bind(&r.address)
            .bind(&r.state)
            .bind(&r.handler_id)
            .bind(&r.reply)
            .bind(r.rating)
            .bind(&r.rating_comment)
            .bind(r.created_ms)
            .bind(r.updated_ms)
            .bind(r.done_ms)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn service_request(&self, id: &str) -> Result<Option<ServiceRequestRow>> {
        let sql = format!("SELECT {COLS} FROM service_requests WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    /// A community's service requests filed by `requester_id` or at one of `desks`, newest
    /// 500 first.
    pub async fn list_service_requests(
        &self,
        community_id: &str,
        requester_id: &str,
        desks: &[&str],
    ) -> Result<Vec<ServiceRequestRow>> {
        let sql = format!(
            "SELECT {COLS} FROM service_requests WHERE community_id = $1 \
             AND (requester_id = $2 OR desk = $3 OR desk = $4) ORDER BY created_ms DESC, id LIMIT 500"
        );
        let desk = |i: usize| desks.get(i).copied().unwrap_or("");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(community_id)
            .bind(requester_id)
            .bind(desk(0))
            .bind(desk(1))
            .fetch_all(p)
            .await?))
    }

    /// Counts of a community's requests by state, with (number rated, sum of ratings), over
    /// all of them.
    pub async fn service_stats(&self, community_id: &str) -> Result<Vec<(String, i64, i64, i64)>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT state, CAST(COUNT(*) AS BIGINT), CAST(COUNT(rating) AS BIGINT), \
             CAST(COALESCE(SUM(rating), 0) AS BIGINT) FROM service_requests WHERE community_id = $1 GROUP BY state"
        )
        .bind(community_id)
        .fetch_all(p)
        .await?))
    }

    /// Moves a request from `from` to `to`, recording who handles it and their reply. A
    /// request no longer in `from` is a conflict.
    pub async fn move_service_request(
        &self,
        id: &str,
        from: &str,
        to: &str,
        handler_id: Option<&str>,
        reply: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        let done = (to == "done").then_some(now_ms);
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE service_requests SET state = $1, handler_id = COALESCE($2, handler_id), \
             reply = COALESCE($3, reply), done_ms = COALESCE($4, done_ms), updated_ms = $5 \
             WHERE id = $6 AND state = $7"
        )
        .bind(to)
        .bind(handler_id)
        .bind(reply)
        .bind(done)
        .bind(now_ms)
        .bind(id)
        .bind(from)
        .execute(p)
        .await?
        .rows_affected());
        if n == 0 { Err(StoreError::Conflict("the request has moved on; reload it".into())) } else { Ok(()) }
    }

    /// Records the requester's rating of a done request, once.
    pub async fn rate_service_request(&self, id: &str, rating: i64, comment: Option<&str>, now_ms: i64) -> Result<()> {
        let n = on_pool!(self, |p| sqlx::query(
            "UPDATE service_requests SET rating = $1, rating_comment = $2, updated_ms = $3 \
             WHERE id = $4 AND state = 'done' AND rating IS NULL"
        )
        .bind(rating)
        .bind(comment)
        .bind(now_ms)
        .bind(id)
        .execute(p)
        .await?
        .rows_affected());
        if n == 0 { Err(StoreError::Conflict("only a done request can be rated, once".into())) } else { Ok(()) }
    }
}
