//! Mediation cases (矛盾调处), their parties and their record.

use crate::{Result, Store, StoreError, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MediationRow {
    pub id: String,
    pub community_id: String,
    pub title: String,
    pub summary: String,
    pub state: String,
    pub mediator_id: String,
    pub created_by: String,
    pub agreement: Option<String>,
    pub escalated_to: Option<String>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const COLS: &str =
    "id, community_id, title, summary, state, mediator_id, created_by, agreement, escalated_to, created_ms, updated_ms";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MediationEntryRow {
    pub id: String,
    pub mediation_id: String,
    /// session | agreement | follow_up | escalation | closing
    pub kind: String,
    pub notes: String,
    pub author_id: String,
    pub created_ms: i64,
}

impl Store {
    /// A new mediation with its parties, in one transaction.
    pub async fn insert_mediation(&self, m: &MediationRow, parties: &[String]) -> Result<()> {
        let sql = format!("INSERT INTO mediations ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&m.id)
                .bind(&m.community_id)
                .bind(&m.title)
                .bind(&m.summary)
                .bind(&m.state)
                .bind(&m.mediator_id)
                .bind(&m.created_by)
                .bind(&m.agreement)
                .bind(&m.escalated_to)
                .bind(m.created_ms)
                .bind(m.updated_ms)
                .execute(&mut *tx)
                .await?;
            for u in parties {
                sqlx::query("INSERT INTO mediation_parties (mediation_id, user_id) VALUES ($1, $2)")
                    .bind(&m.id)
                    .bind(u)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn mediation(&self, id: &str) -> Result<Option<MediationRow>> {
        let sql = format!("SELECT {COLS} FROM mediations WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    pub async fn mediation_parties(&self, id: &str) -> Result<Vec<String>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT user_id FROM mediation_parties WHERE mediation_id = $1 ORDER BY user_id"
        )
        .bind(id)
        .fetch_all(p)
        .await?))
    }

    /// Mediations a user is a party to or mediates, newest first.
    pub async fn mediations_of(&self, user_id: &str) -> Result<Vec<MediationRow>> {
        let sql = format!(
            "SELECT {COLS} FROM mediations WHERE mediator_id = $1 \
             OR id IN (SELECT mediation_id FROM mediation_parties WHERE user_id = $1) ORDER BY created_ms DESC, id"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(p).await?))
    }

    /// Adds an entry and moves the mediation from `from` to its new state (with the
    /// agreement or escalation target when given), in one transaction.
    pub async fn add_mediation_entry(
        &self,
        e: &MediationEntryRow,
        from: &str,
        to: &str,
        agreement: Option<&str>,
        escalated_to: Option<&str>,
    ) -> Result<()> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            let n = sqlx::query(
                "UPDATE mediations SET state = $1, agreement = COALESCE($2, agreement), \
                 escalated_to = COALESCE($3, escalated_to), updated_ms = $4 WHERE id = $5 AND state = $6",
            )
            .bind(to)
            .bind(agreement)
            .bind(escalated_to)
            .bind(e.created_ms)
            .bind(&e.mediation_id)
            .bind(from)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict("the mediation has moved on; reload it".into()));
            }
            sqlx::query(
                "INSERT INTO mediation_entries (id, mediation_id, kind, notes, author_id, created_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&e.id)
            .bind(&e.mediation_id)
            .bind(&e.kind)
            .bind(&e.notes)
            .bind(&e.author_id)
            .bind(e.created_ms)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn mediation_entries(&self, id: &str) -> Result<Vec<MediationEntryRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, mediation_id, kind, notes, author_id, created_ms FROM mediation_entries \
             WHERE mediation_id = $1 ORDER BY created_ms, id"
        )
        .bind(id)
        .fetch_all(p)
        .await?))
    }
}
