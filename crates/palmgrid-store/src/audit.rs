//! The append-only audit log and its signed checkpoints. Hashing lives in
//! `palmgrid_domain::audit`; this module only stores and reads.

use crate::{Result, Store, on_pool};
use palmgrid_domain::audit::{AuditEntry, AuditRecord, Checkpoint, next_entry};

#[derive(sqlx::FromRow)]
struct AuditRow {
    seq: i64,
    ts_ms: i64,
    actor_id: Option<String>,
    actor_name: String,
    actor_role: String,
    source: String,
    action: String,
    target: String,
    result: String,
    details: String,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            seq: r.seq,
            ts_ms: r.ts_ms,
            record: AuditRecord {
                actor_id: r.actor_id,
                actor_name: r.actor_name,
                actor_role: r.actor_role,
                source: r.source,
                action: r.action,
                target: r.target,
                result: r.result,
                details: r.details,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

#[derive(sqlx::FromRow)]
struct CheckpointRow {
    seq: i64,
    hash: String,
    ts_ms: i64,
    signature: String,
    public_key: String,
}

/// Filter for reading the log; every field narrows the result.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_name: Option<String>,
    pub action_prefix: Option<String>,
    pub result: Option<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    /// Only entries with `seq` below this (paging backwards from the newest).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

const COLS: &str =
    "seq, ts_ms, actor_id, actor_name, actor_role, source, action, target, result, details, prev_hash, hash";

impl Store {
    /// Appends a record to the chain and returns the stored entry. The write is committed
    /// (durably, on SQLite with `synchronous=FULL`) before this returns.
    pub async fn append_audit(&self, ts_ms: i64, record: AuditRecord) -> Result<AuditEntry> {
        let _guard = self.audit_lock.lock().await;
        let sql_last = format!("SELECT {COLS} FROM audit_log ORDER BY seq DESC LIMIT 1");
        let sql_insert =
            format!("INSERT INTO audit_log ({COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)");
        // Another process (a CLI command beside the server) may append at the same time;
        // the primary key on seq turns that race into a conflict, and we retry.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let res: std::result::Result<AuditEntry, sqlx::Error> = on_pool!(self, |p| {
                async {
                    let mut tx = p.begin().await?;
                    let last: Option<AuditRow> =
                        sqlx::query_as(sqlx::AssertSqlSafe(sql_last.clone())).fetch_optional(&mut *tx).await?;
                    let entry = next_entry(last.as_ref().map(|l| (l.seq, l.hash.as_str())), ts_ms, record.clone());
                    let r = &entry.record;
                    sqlx::query(sqlx::AssertSqlSafe(sql_insert.clone()))
                        .bind(entry.seq)
                        .bind(entry.ts_ms)
                        .bind(&r.actor_id)
                        .bind(&r.actor_name)
                        .bind(&r.actor_role)
                        .bind(&r.source)
                        .bind(&r.action)
                        .bind(&r.target)
                        .bind(&r.result)
                        .bind(&r.details)
                        .bind(&entry.prev_hash)
                        .bind(&entry.hash)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(entry)
                }
                .await
            });
            match res {
                Ok(e) => return Ok(e),
                Err(sqlx::Error::Database(db)) if db.is_unique_violation() && attempt < 5 => {
                    continue;
                }
                // SQLite: another connection wrote between our read and our write (the
                // recorder updates its index all the time); SQLite refuses the upgrade at
                // once instead of waiting. Try again on a fresh snapshot.
                Err(sqlx::Error::Database(db)) if matches!(db.code().as_deref(), Some("5" | "517")) && attempt < 50 => {
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt as u64)).await;
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Newest first, filtered.
    pub async fn list_audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let sql = format!(
            "SELECT {COLS} FROM audit_log WHERE ($1 IS NULL OR actor_name = $1) \
             AND ($2 IS NULL OR action LIKE $2 ESCAPE '!') AND ($3 IS NULL OR result = $3) \
             AND ($4 IS NULL OR ts_ms >= $4) AND ($5 IS NULL OR ts_ms < $5) AND ($6 IS NULL OR seq < $6) \
             ORDER BY seq DESC LIMIT $7"
        );
        // A prefix match: the prefix's own `%` and `_` are literal characters.
        let like = f
            .action_prefix
            .as_ref()
            .map(|a| format!("{}%", a.replace('!', "!!").replace('%', "!%").replace('_', "!_")));
        let rows: Vec<AuditRow> = on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&f.actor_name)
            .bind(&like)
            .bind(&f.result)
            .bind(f.since_ms)
            .bind(f.until_ms)
            .bind(f.before_seq)
            .bind(f.limit.clamp(1, 1000))
            .fetch_all(p)
            .await?);
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The video views (live, playback, snapshot) of the given cameras in `[since_ms, until_ms)`,
    /// oldest first, at most `limit`: what a camera-access report counts.
    pub async fn camera_views(
        &self,
        camera_ids: &[String],
        since_ms: i64,
        until_ms: i64,
        limit: i64,
    ) -> Result<Vec<AuditEntry>> {
        if camera_ids.is_empty() {
            return Ok(vec![]);
        }
        let targets: Vec<String> = camera_ids.iter().map(|id| format!("camera:{id}")).collect();
        let marks: Vec<String> = (0..targets.len()).map(|i| format!("${}", i + 4)).collect();
        let sql = format!(
            "SELECT {COLS} FROM audit_log WHERE action IN ('video.live', 'video.playback', 'video.snapshot') \
             AND result = 'ok' AND ts_ms >= $1 AND ts_ms < $2 AND target IN ({}) ORDER BY seq LIMIT $3",
            marks.join(", ")
        );
        let rows: Vec<AuditRow> = on_pool!(self, |p| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(since_ms).bind(until_ms).bind(limit);
            for t in &targets {
                q = q.bind(t);
            }
            q.fetch_all(p).await?
        });
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Entries with `seq > after`, oldest first, at most `limit` (for streaming verification).
    pub async fn audit_page(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>> {
        let sql = format!("SELECT {COLS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows: Vec<AuditRow> =
            on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(after).bind(limit).fetch_all(p).await?);
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The newest entry's (seq, hash).
    pub async fn audit_head(&self) -> Result<Option<(i64, String)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetch_optional(p)
            .await?))
    }

    pub async fn insert_checkpoint(&self, c: &Checkpoint) -> Result<()> {
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO audit_checkpoints (seq, hash, ts_ms, signature, public_key) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (seq) DO NOTHING",
            )
            .bind(c.seq)
            .bind(&c.hash)
            .bind(c.ts_ms)
            .bind(&c.signature)
            .bind(&c.public_key)
            .execute(p)
            .await?
            .rows_affected()
        });
        Ok(())
    }

    pub async fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
        let rows: Vec<CheckpointRow> = on_pool!(self, |p| sqlx::query_as(
            "SELECT seq, hash, ts_ms, signature, public_key FROM audit_checkpoints ORDER BY seq"
        )
        .fetch_all(p)
        .await?);
        Ok(rows
            .into_iter()
            .map(|r| Checkpoint {
                seq: r.seq,
                hash: r.hash,
                ts_ms: r.ts_ms,
                signature: r.signature,
                public_key: r.public_key,
            })
            .collect())
    }

    pub async fn last_checkpoint_seq(&self) -> Result<Option<i64>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar("SELECT MAX(seq) FROM audit_checkpoints").fetch_one(p).await?))
    }
}
