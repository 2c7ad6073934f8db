//! Users, memberships (role grants) and TOTP recovery codes.

use crate::{Result, Store, StoreError, conflict_or, on_pool};

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub disabled: bool,
    pub totp_secret: Option<Vec<u8>>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

/// A membership joined with its region's code and name.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MembershipRow {
    pub id: String,
    pub user_id: String,
    pub role: String,
    pub region_id: Option<String>,
    pub region_code: Option<String>,
    pub region_name: Option<String>,
    pub created_ms: i64,
}

pub(crate) const USER_COLS: &str = "id, username, display_name, password_hash, disabled, totp_secret, totp_enabled, \
                         totp_last_step, created_ms, updated_ms";

impl Store {
    pub async fn insert_user(&self, u: &UserRow) -> Result<()> {
        let sql = format!("INSERT INTO users ({USER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)");
        on_pool!(self, |p| sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&u.id)
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(&u.password_hash)
            .bind(u.disabled)
            .bind(&u.totp_secret)
            .bind(u.totp_enabled)
            .bind(u.totp_last_step)
            .bind(u.created_ms)
            .bind(u.updated_ms)
            .execute(p)
            .await
            .map_err(|e| conflict_or(e, "username already exists"))?
            .rows_affected());
        Ok(())
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE username = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(username).fetch_optional(p).await?))
    }

    pub async fn user_by_id(&self, id: &str) -> Result<Option<UserRow>> {
        let sql = format!("SELECT {USER_COLS} FROM users WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    pub async fn list_users(&self) -> Result<Vec<UserRow>> {
        let sql = format!("SELECT {USER_COLS} FROM users ORDER BY username");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?))
    }

    pub async fn count_users(&self) -> Result<i64> {
        Ok(on_pool!(self, |p| sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(p).await?))
    }

    pub async fn update_password(&self, id: &str, hash: &str, now_ms: i64) -> Result<()> {
        let n = on_pool!(self, |p| sqlx::query("UPDATE users SET password_hash = $1, updated_ms = $2 WHERE id = $3")
            .bind(hash)
            .bind(now_ms)
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    pub async fn set_user_disabled(&self, id: &str, disabled: bool, now_ms: i64) -> Result<()> {
        let n = on_pool!(self, |p| sqlx::query("UPDATE users SET disabled = $1, updated_ms = $2 WHERE id = $3")
            .bind(disabled)
            .bind(now_ms)
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Stores a pending (not yet enabled) TOTP secret and replaces the recovery codes.
    pub async fn set_totp_pending(
        &self,
        id: &str,
        secret: &[u8],
        recovery_hashes: &[String],
        now_ms: i64,
    ) -> Result<()> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(
                "UPDATE users SET totp_secret = $1, totp_enabled = FALSE, totp_last_step = NULL, updated_ms = $2 \
                 WHERE id = $3",
            )
            .bind(secret)
            .bind(now_ms)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(id).execute(&mut *tx).await?;
            for h in recovery_hashes {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(id)
                    .bind(h)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Enables TOTP and/or records the last accepted step (replay protection).
    pub async fn set_totp_state(&self, id: &str, enabled: bool, last_step: Option<i64>, now_ms: i64) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "UPDATE users SET totp_enabled = $1, totp_last_step = $2, updated_ms = $3 WHERE id = $4"
        )
        .bind(enabled)
        .bind(last_step)
        .bind(now_ms)
        .bind(id)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    /// Marks a recovery code used; true if it existed and was unused.
    pub async fn use_recovery_code(&self, user_id: &str, code_hash: &str, now_ms: i64) -> Result<bool> {
        let n = on_pool!(self, |p| {
            sqlx::query(
                "UPDATE recovery_codes SET used_ms = $1 WHERE user_id = $2 AND code_hash = $3 AND used_ms IS NULL",
            )
            .bind(now_ms)
            .bind(user_id)
            .bind(code_hash)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn insert_membership(
        &self,
        id: &str,
        user_id: &str,
        role: &str,
        region_id: Option<&str>,
        now_ms: i64,
    ) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO memberships (id, user_id, role, region_id, created_ms) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(user_id)
            .bind(role)
            .bind(region_id)
            .bind(now_ms)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn delete_membership(&self, id: &str) -> Result<MembershipRow> {
        let m = self.membership(id).await?.ok_or(StoreError::NotFound)?;
        on_pool!(self, |p| sqlx::query("DELETE FROM memberships WHERE id = $1")
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(m)
    }

    pub async fn membership(&self, id: &str) -> Result<Option<MembershipRow>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT m.id, m.user_id, m.role, m.region_id, r.code AS region_code, r.name AS region_name, m.created_ms \
             FROM memberships m LEFT JOIN regions r ON r.id = m.region_id WHERE m.id = $1"
        )
        .bind(id)
        .fetch_optional(p)
        .await?
        }))
    }

    pub async fn memberships_of(&self, user_id: &str) -> Result<Vec<MembershipRow>> {
        Ok(on_pool!(self, |p| {
            sqlx::query_as(
            "SELECT m.id, m.user_id, m.role, m.region_id, r.code AS region_code, r.name AS region_name, m.created_ms \
             FROM memberships m LEFT JOIN regions r ON r.id = m.region_id WHERE m.user_id = $1 \
             ORDER BY m.created_ms, m.id"
        )
        .bind(user_id)
        .fetch_all(p)
        .await?
        }))
    }

    /// Number of enabled users holding `role` (any scope).
    pub async fn count_role_holders(&self, role: &str) -> Result<i64> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT COUNT(DISTINCT m.user_id) FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE m.role = $1 AND u.disabled = FALSE"
        )
        .bind(role)
        .fetch_one(p)
        .await?))
    }

    /// Enabled holders of `roles` with the region they hold it over: (region id, role, user
    /// id, display name), ordered by region, role and name. Who is responsible for a grid.
    pub async fn role_holders_by_region(&self, roles: &[&str]) -> Result<Vec<(String, String, String, String)>> {
        let rows: Vec<(Option<String>, String, String, String)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT m.region_id, m.role, u.id, u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
             WHERE u.disabled = FALSE AND m.region_id IS NOT NULL ORDER BY m.region_id, m.role, u.display_name, u.id"
        )
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .filter(|r| roles.contains(&r.1.as_str()))
            .filter_map(|(region, role, id, name)| region.map(|r| (r, role, id, name)))
            .collect())
    }
}

impl Store {
    /// Display names of users by id (unknown ids are left out), in chunks of 500 ids.
    pub async fn display_names(&self, user_ids: &[String]) -> Result<std::collections::HashMap<String, String>> {
        let mut out = std::collections::HashMap::new();
        for chunk in user_ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id, display_name FROM users WHERE id IN ({})", marks.join(", "));
            let rows: Vec<(String, String)> = on_pool!(self, |p| {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(p).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }
}
