//! Login sessions (stored by token hash only) and the failure/lockout book-keeping.

use crate::{Result, Store, on_pool};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: String,
    pub created_ms: i64,
    pub last_seen_ms: i64,
    pub expires_ms: i64,
    pub idle_timeout_ms: i64,
    pub mfa_ok: bool,
    pub source: String,
}

impl Store {
    pub async fn insert_session(&self, s: &SessionRow) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, created_ms, last_seen_ms, expires_ms, idle_timeout_ms, \
             mfa_ok, source) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&s.token_hash)
            .bind(&s.user_id)
            .bind(s.created_ms)
            .bind(s.last_seen_ms)
            .bind(s.expires_ms)
            .bind(s.idle_timeout_ms)
            .bind(s.mfa_ok)
            .bind(&s.source)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT token_hash, user_id, created_ms, last_seen_ms, expires_ms, idle_timeout_ms, mfa_ok, source \
             FROM sessions WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(p)
            .await?
        }))
    }

    pub async fn touch_session(&self, token_hash: &str, now_ms: i64) -> Result<()> {
        on_pool!(self, |p| sqlx::query("UPDATE sessions SET last_seen_ms = $1 WHERE token_hash = $2")
            .bind(now_ms)
            .bind(token_hash)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn set_session_mfa(&self, token_hash: &str, mfa_ok: bool) -> Result<()> {
        on_pool!(self, |p| sqlx::query("UPDATE sessions SET mfa_ok = $1 WHERE token_hash = $2")
            .bind(mfa_ok)
            .bind(token_hash)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<bool> {
        let n = on_pool!(self, |p| sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(p)
            .await?
            .rows_affected());
        Ok(n > 0)
    }

    /// Revokes every session of a user (password change, disable, role change).
    pub async fn delete_sessions_of(&self, user_id: &str) -> Result<u64> {
        Ok(on_pool!(self, |p| sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(p)
            .await?
            .rows_affected()))
    }

    /// Drops sessions past their absolute or idle expiry.
    pub async fn purge_sessions(&self, now_ms: i64) -> Result<u64> {
        Ok(on_pool!(self, |p| sqlx::query(
            "DELETE FROM sessions WHERE expires_ms <= $1 OR last_seen_ms + idle_timeout_ms <= $1"
        )
        .bind(now_ms)
        .execute(p)
        .await?
        .rows_affected()))
    }

    /// Records a failed login and returns the number of failures at or after `since_ms`.
    pub async fn record_login_failure(&self, username: &str, now_ms: i64, since_ms: i64) -> Result<i64> {
        on_pool!(self, |p| sqlx::query("INSERT INTO login_failures (username, ts_ms) VALUES ($1, $2)")
            .bind(username)
            .bind(now_ms)
            .execute(p)
            .await?
            .rows_affected());
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(*) FROM login_failures WHERE username = $1 AND ts_ms >= $2"
        )
        .bind(username)
        .bind(since_ms)
        .fetch_one(p)
        .await?))
    }

    pub async fn clear_login_failures(&self, username: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query("DELETE FROM login_failures WHERE username = $1")
            .bind(username)
            .execute(p)
            .await?
            .rows_affected());
        Ok(())
    }

    pub async fn lock_username(&self, username: &str, until_ms: i64) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO lockouts (username, until_ms) VALUES ($1, $2) \
             ON CONFLICT (username) DO UPDATE SET until_ms = excluded.until_ms"
        )
        .bind(username)
        .bind(until_ms)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// The end of an active lockout, if any.
    pub async fn locked_until(&self, username: &str, now_ms: i64) -> Result<Option<i64>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT until_ms FROM lockouts WHERE username = $1 AND until_ms > $2"
        )
        .bind(username)
        .bind(now_ms)
        .fetch_optional(p)
        .await?))
    }

    /// Lifts a lockout (an administrator's unlock).
    pub async fn unlock_username(&self, username: &str) -> Result<()> {
        on_pool!(self, |p| sqlx::query("DELETE FROM lockouts WHERE username = $1")
            .bind(username)
            .execute(p)
            .await?
            .rows_affected());
        self.clear_login_failures(username).await
    }
}
