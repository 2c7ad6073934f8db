//! Cases, their event log and evidence, recording holds, the routing matrix, department
//! members, notifications and API keys (issue 5).
//!
//! Every change to a case goes through [`Store::write_case`]: the new row (checked against
//! the version the caller read, so two people acting at once cannot both win), its events,
//! evidence, holds and notifications in one transaction.

use crate::{Result, Store, StoreError, conflict_or, on_pool};

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CaseRow {
    pub id: String,
    /// Human case number: local date and a sequence (`202612050001`).
    pub number: String,
    /// Bumped by every write; a write names the version it read.
    pub version: i64,
    /// patrol | video | resident | hotline | above | open311
    pub source: String,
    pub category: String,
    pub state: String,
    pub description: String,
    pub address: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub grid_id: Option<String>,
    pub grid_code: Option<String>,
    pub camera_id: Option<String>,
    pub reporter_id: Option<String>,
    pub reporter_name: String,
    /// A hotline caller's phone number (staff only).
    pub contact: Option<String>,
    pub api_key_id: Option<String>,
    pub lead_department: Option<String>,
    /// Comma-separated department codes.
    pub assisting_departments: String,
    pub extension_pending: bool,
    pub extension_until_ms: Option<i64>,
    pub rating: Option<i64>,
    pub merged_into: Option<String>,
    /// The running time limit: when the current stage started and when it runs out.
    pub stage_started_ms: Option<i64>,
    pub stage_deadline_ms: Option<i64>,
    /// none | on_time | warned | overdue
    pub timer: String,
    pub handle_deadline_ms: Option<i64>,
    pub close_deadline_ms: Option<i64>,
    pub registered_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    pub created_ms: i64,
    pub updated_ms: i64,
}

const CASE_COLS: &str = "id, number, version, source, category, state, description, address, lon, lat, grid_id, \
    grid_code, camera_id, reporter_id, reporter_name, contact, api_key_id, lead_department, assisting_departments, \
    extension_pending, extension_until_ms, rating, merged_into, stage_started_ms, stage_deadline_ms, timer, \
    handle_deadline_ms, close_deadline_ms, registered_ms, closed_ms, created_ms, updated_ms";

impl CaseRow {
    pub fn assisting(&self) -> Vec<&str> {
        self.assisting_departments.split(',').filter(|s| !s.is_empty()).collect()
    }
}

/// One entry of a case's event log.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CaseEventRow {
    /// Assigned by the database; ignored on insert.
    pub id: i64,
    pub case_id: String,
    /// A workflow action (`register`, …) or `report`, `evidence`, `timer_warned`, `timer_overdue`.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_id: Option<String>,
    pub actor_name: String,
    pub actor_role: String,
    pub reason: Option<String>,
    /// JSON object.
    pub details: String,
    pub at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EvidenceRow {
    pub id: String,
    pub case_id: String,
    /// photo | video
    pub kind: String,
    /// The action it came with (report, feedback, check_pass, …) or `added`.
    pub stage: String,
    pub sha256: String,
    pub media_type: String,
    pub bytes: i64,
    pub camera_id: Option<String>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub note: Option<String>,
    pub added_by: Option<String>,
    pub added_ms: i64,
}

const EVIDENCE_COLS: &str =
    "id, case_id, kind, stage, sha256, media_type, bytes, camera_id, start_ms, end_ms, note, added_by, added_ms";

/// A hold keeps recordings of a camera between two times from retention.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HoldRow {
    pub id: String,
    pub camera_id: String,
    pub start_ms: i64,
    pub end_ms: i64,
    /// What holds them, e.g. `case:<id>`.
    pub owner: String,
    /// `None`: until released.
    pub until_ms: Option<i64>,
    pub created_ms: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct NotificationRow {
    /// Assigned by the database; ignored on insert.
    pub id: i64,
    pub user_id: String,
    pub case_id: Option<String>,
    pub kind: String,
    pub title: String,
    pub created_ms: i64,
    pub read_ms: Option<i64>,
    /// What it is about besides a case, for the app to open: `service_request:<id>`,
    /// `community:<code>`.
    pub subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CaseRouteRow {
    pub category: String,
    pub region_id: String,
    pub lead: String,
    pub assisting: String,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: String,
    pub label: String,
    pub key_hash: String,
    pub created_by: Option<String>,
    pub created_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// A photo's bytes with its row.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub row: EvidenceRow,
    pub content: Option<Vec<u8>>,
}

/// Everything one change to a case writes, in one transaction.
#[derive(Debug, Default)]
pub struct CaseWrite<'a> {
    /// The case as it is after the change. Inserted when `expected_version` is `None`,
    /// else it replaces the stored row if that still has `expected_version`.
    pub case: Option<&'a CaseRow>,
    pub expected_version: Option<i64>,
    pub events: &'a [CaseEventRow],
    pub evidence: &'a [NewEvidence],
    pub holds: &'a [HoldRow],
    /// Sets `until_ms` of every hold of this owner.
    pub release_holds: Option<(&'a str, Option<i64>)>,
    pub notifications: &'a [NotificationRow],
}

/// Which cases to list. Empty vectors mean "any".
#[derive(Debug, Default, Clone)]
pub struct CaseFilter {
    pub states: Vec<String>,
    pub grid_ids: Vec<String>,
    pub category: Option<String>,
    pub reporter_id: Option<String>,
    pub api_key_id: Option<String>,
    pub created_from_ms: Option<i64>,
    pub created_to_ms: Option<i64>,
    pub limit: i64,
}

impl Store {
    /// Writes a change to a case. A stale `expected_version` is a [`StoreError::Conflict`]
    /// and writes nothing. Returns the ids given to the notifications, in order.
    pub async fn write_case(&self, w: &CaseWrite<'_>) -> Result<Vec<i64>> {
        let placeholders = (1..=32).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
        let insert_case = format!("INSERT INTO cases ({CASE_COLS}) VALUES ({placeholders})");
        let sets: Vec<String> =
            CASE_COLS.split(", ").enumerate().skip(1).map(|(i, c)| format!("{c} = ${}", i + 1)).collect();
        let update_case = format!("UPDATE cases SET {} WHERE id = $1 AND version = $33", sets.join(", "));
        let insert_event = "INSERT INTO case_events (case_id, action, from_state, to_state, actor_id, actor_name, \
            actor_role, reason, details, at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        let insert_evidence = format!(
            "INSERT INTO case_evidence ({EVIDENCE_COLS}, content) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        );
        let insert_hold = "INSERT INTO recording_holds (id, camera_id, start_ms, end_ms, owner, until_ms, created_ms) \
            VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let insert_note = "INSERT INTO notifications (user_id, case_id, kind, title, created_ms, read_ms, subject) \
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id";
        let mut ids = Vec::with_capacity(w.notifications.len());
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            if let Some(c) = w.case {
                let q = sqlx::query(sqlx::AssertSqlSafe(match w.expected_version {
                    None => insert_case.clone(),
                    Some(_) => update_case.clone(),
                }))
                .bind(&c.id)
                .bind(&c.number)
                .bind(c.version)
                .bind(&c.source)
                .bind(&c.category)
                .bind(&c.state)
                .bind(&c.description)
                .bind(&c.address)
                .bind(c.lon)
                .bind(c.lat)
                .bind(&c.grid_id)
                .bind(&c.grid_code)
                .bind(&c.camera_id)
                .bind(&c.reporter_id)
                .bind(&c.reporter_name)
                .bind(&c.contact)
                .bind(&c.api_key_id)
                .bind(&c.lead_department)
                .bind(&c.assisting_departments)
                .bind(c.extension_pending)
                .bind(c.extension_until_ms)
                .bind(c.rating)
                .bind(&c.merged_into)
                .bind(c.stage_started_ms)
                .bind(c.stage_deadline_ms)
                .bind(&c.timer)
                .bind(c.handle_deadline_ms)
                .bind(c.close_deadline_ms)
                .bind(c.registered_ms)
                .bind(c.closed_ms)
                .bind(c.created_ms)
                .bind(c.updated_ms);
                let q = match w.expected_version {
                    Some(v) => q.bind(v),
                    None => q,
                };
                let n = q.execute(&mut *tx).await.map_err(|e| conflict_or(e, "case number"))?.rows_affected();
                if n == 0 {
                    return Err(StoreError::Conflict("the case was changed by someone else; reload it".into()));
                }
            }
            for e in w.events {
                sqlx::query(insert_event)
                    .bind(&e.case_id)
                    .bind(&e.action)
                    .bind(&e.from_state)
                    .bind(&e.to_state)
                    .bind(&e.actor_id)
                    .bind(&e.actor_name)
                    .bind(&e.actor_role)
                    .bind(&e.reason)
                    .bind(&e.details)
                    .bind(e.at_ms)
                    .execute(&mut *tx)
                    .await?;
            }
            for NewEvidence { row: r, content } in w.evidence {
                sqlx::query(sqlx::AssertSqlSafe(insert_evidence.clone()))
                    .bind(&r.id)
                    .bind(&r.case_id)
                    .bind(&r.kind)
                    .bind(&r.stage)
                    .bind(&r.sha256)
                    .bind(&r.media_type)
                    .bind(r.bytes)
                    .bind(&r.camera_id)
                    .bind(r.start_ms)
                    .bind(r.end_ms)
                    .bind(&r.note)
                    .bind(&r.added_by)
                    .bind(r.added_ms)
                    .bind(content)
                    .execute(&mut *tx)
                    .await?;
            }
            for h in w.holds {
                sqlx::query(insert_hold)
                    .bind(&h.id)
                    .bind(&h.camera_id)
                    .bind(h.start_ms)
                    .bind(h.end_ms)
                    .bind(&h.owner)
                    .bind(h.until_ms)
                    .bind(h.created_ms)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some((owner, until)) = w.release_holds {
                sqlx::query("UPDATE recording_holds SET until_ms = $1 WHERE owner = $2")
                    .bind(until)
                    .bind(owner)
                    .execute(&mut *tx)
                    .await?;
            }
            for n in w.notifications {
                let id: i64 = sqlx::query_scalar(insert_note)
                    .bind(&n.user_id)
                    .bind(&n.case_id)
                    .bind(&n.kind)
                    .bind(&n.title)
                    .bind(n.created_ms)
                    .bind(n.read_ms)
                    .bind(&n.subject)
                    .fetch_one(&mut *tx)
                    .await?;
                ids.push(id);
            }
            tx.commit().await?;
        });
        Ok(ids)
    }

    pub async fn case(&self, id: &str) -> Result<Option<CaseRow>> {
        let sql = format!("SELECT {CASE_COLS} FROM cases WHERE id = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?))
    }

    /// Of these case numbers, those of cases in a grid of the community `community_id`.
    pub async fn case_numbers_in_community(
        &self,
        community_id: &str,
        numbers: &[String],
    ) -> Result<std::collections::HashSet<String>> {
        let mut out = std::collections::HashSet::new();
        for chunk in numbers.chunks(500) {
            let marks: Vec<String> = (2..chunk.len() + 2).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT c.number FROM cases c JOIN regions g ON g.id = c.grid_id \
                 WHERE g.parent_id = $1 AND c.number IN ({})",
                marks.join(", ")
            );
            let rows: Vec<String> = on_pool!(self, |p| {
                let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).bind(community_id);
                for n in chunk {
                    q = q.bind(n);
                }
                q.fetch_all(p).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }

    pub async fn case_by_number(&self, number: &str) -> Result<Option<CaseRow>> {
        let sql = format!("SELECT {CASE_COLS} FROM cases WHERE number = $1");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(number).fetch_optional(p).await?))
    }

    /// How many case numbers start with `prefix` (for the next number of a day).
    pub async fn count_case_numbers(&self, prefix: &str) -> Result<i64> {
        let pattern = format!("{prefix}%");
        Ok(on_pool!(self, |p| sqlx::query_scalar("SELECT COUNT(*) FROM cases WHERE number LIKE $1")
            .bind(&pattern)
            .fetch_one(p)
            .await?))
    }

    /// Cases matching `f`, newest first.
    pub async fn list_cases(&self, f: &CaseFilter) -> Result<Vec<CaseRow>> {
        let mut sql = format!("SELECT {CASE_COLS} FROM cases WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        if !f.states.is_empty() {
            let ps: Vec<String> = f.states.iter().map(|_| next()).collect();
            sql += &format!(" AND state IN ({})", ps.join(", "));
        }
        if !f.grid_ids.is_empty() {
            let ps: Vec<String> = f.grid_ids.iter().map(|_| next()).collect();
            sql += &format!(" AND grid_id IN ({})", ps.join(", "));
        }
        for (col, v) in [("category", &f.category), ("reporter_id", &f.reporter_id), ("api_key_id", &f.api_key_id)] {
            if v.is_some() {
                sql += &format!(" AND {col} = {}", next());
            }
        }
        if f.created_from_ms.is_some() {
            sql += &format!(" AND created_ms >= {}", next());
        }
        if f.created_to_ms.is_some() {
            sql += &format!(" AND created_ms < {}", next());
        }
        sql += &format!(" ORDER BY created_ms DESC, id LIMIT {}", next());
        let limit = if f.limit <= 0 { 1000 } else { f.limit };
        Ok(on_pool!(self, |p| {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            for s in &f.states {
                q = q.bind(s);
            }
            for g in &f.grid_ids {
                q = q.bind(g);
            }
            for v in [&f.category, &f.reporter_id, &f.api_key_id].into_iter().flatten() {
                q = q.bind(v);
            }
            for v in [f.created_from_ms, f.created_to_ms].into_iter().flatten() {
                q = q.bind(v);
            }
            q.bind(limit).fetch_all(p).await?
        }))
    }

    /// Open cases of a category created since `since_ms` (for duplicate detection).
    pub async fn recent_open_cases(&self, category: &str, since_ms: i64) -> Result<Vec<CaseRow>> {
        let sql = format!(
            "SELECT {CASE_COLS} FROM cases WHERE category = $1 AND created_ms >= $2 \
             AND state NOT IN ('closed', 'cancelled', 'merged') ORDER BY created_ms"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(category)
            .bind(since_ms)
            .fetch_all(p)
            .await?))
    }

    /// Cases with a running time limit that has not yet been declared overdue.
    pub async fn timed_cases(&self) -> Result<Vec<CaseRow>> {
        let sql = format!(
            "SELECT {CASE_COLS} FROM cases WHERE stage_deadline_ms IS NOT NULL AND timer IN ('on_time', 'warned')"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?))
    }

    pub async fn case_events(&self, case_id: &str) -> Result<Vec<CaseEventRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, case_id, action, from_state, to_state, actor_id, actor_name, actor_role, reason, details, \
             at_ms FROM case_events WHERE case_id = $1 ORDER BY id"
        )
        .bind(case_id)
        .fetch_all(p)
        .await?))
    }

    /// The event logs of all cases created before `before_ms`, in order (for metrics).
    pub async fn all_case_events(&self, before_ms: i64) -> Result<Vec<CaseEventRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT e.id, e.case_id, e.action, e.from_state, e.to_state, e.actor_id, e.actor_name, e.actor_role, \
             e.reason, e.details, e.at_ms FROM case_events e JOIN cases c ON c.id = e.case_id \
             WHERE c.created_ms < $1 ORDER BY e.id"
        )
        .bind(before_ms)
        .fetch_all(p)
        .await?))
    }

    pub async fn case_evidence(&self, case_id: &str) -> Result<Vec<EvidenceRow>> {
        let sql = format!("SELECT {EVIDENCE_COLS} FROM case_evidence WHERE case_id = $1 ORDER BY added_ms, id");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(case_id).fetch_all(p).await?))
    }

    /// A photo's stored bytes.
    pub async fn evidence_content(&self, case_id: &str, id: &str) -> Result<Option<(EvidenceRow, Vec<u8>)>> {
        let Some(row) = self.case_evidence(case_id).await?.into_iter().find(|e| e.id == id) else {
            return Ok(None);
        };
        let content: Option<Option<Vec<u8>>> =
            on_pool!(self, |p| sqlx::query_scalar("SELECT content FROM case_evidence WHERE id = $1 AND case_id = $2")
                .bind(id)
                .bind(case_id)
                .fetch_optional(p)
                .await?);
        Ok(content.flatten().map(|c| (row, c)))
    }

    /// Holds on a camera's recordings that still hold at `now_ms`.
    pub async fn active_holds(&self, camera_id: &str, now_ms: i64) -> Result<Vec<HoldRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, camera_id, start_ms, end_ms, owner, until_ms, created_ms FROM recording_holds \
             WHERE camera_id = $1 AND (until_ms IS NULL OR until_ms > $2) ORDER BY start_ms"
        )
        .bind(camera_id)
        .bind(now_ms)
        .fetch_all(p)
        .await?))
    }

    pub async fn holds_of(&self, owner: &str) -> Result<Vec<HoldRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, camera_id, start_ms, end_ms, owner, until_ms, created_ms FROM recording_holds \
             WHERE owner = $1 ORDER BY start_ms"
        )
        .bind(owner)
        .fetch_all(p)
        .await?))
    }

    pub async fn add_department_member(&self, department: &str, user_id: &str, now_ms: i64) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO department_members (department, user_id, created_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (department, user_id) DO NOTHING"
        )
        .bind(department)
        .bind(user_id)
        .bind(now_ms)
        .execute(p)
        .await
        .map_err(|e| conflict_or(e, "department member"))?
        .rows_affected());
        Ok(())
    }

    pub async fn remove_department_member(&self, department: &str, user_id: &str) -> Result<()> {
        let n =
            on_pool!(self, |p| sqlx::query("DELETE FROM department_members WHERE department = $1 AND user_id = $2")
                .bind(department)
                .bind(user_id)
                .execute(p)
                .await?
                .rows_affected());
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// (department, user id) of every member.
    pub async fn department_members(&self) -> Result<Vec<(String, String)>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT department, user_id FROM department_members ORDER BY department, user_id"
        )
        .fetch_all(p)
        .await?))
    }

    pub async fn user_departments(&self, user_id: &str) -> Result<Vec<String>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar(
            "SELECT department FROM department_members WHERE user_id = $1 ORDER BY department"
        )
        .bind(user_id)
        .fetch_all(p)
        .await?))
    }

    pub async fn set_case_route(&self, r: &CaseRouteRow) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO case_routes (category, region_id, lead, assisting, updated_ms) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (category, region_id) DO UPDATE SET lead = $3, assisting = $4, updated_ms = $5"
        )
        .bind(&r.category)
        .bind(&r.region_id)
        .bind(&r.lead)
        .bind(&r.assisting)
        .bind(r.updated_ms)
        .execute(p)
        .await?
        .rows_affected());
        Ok(())
    }

    pub async fn case_routes(&self) -> Result<Vec<CaseRouteRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT category, region_id, lead, assisting, updated_ms FROM case_routes ORDER BY category, region_id"
        )
        .fetch_all(p)
        .await?))
    }

    /// A user's notifications after `after_id`, oldest first.
    pub async fn notifications(&self, user_id: &str, after_id: i64, limit: i64) -> Result<Vec<NotificationRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, user_id, case_id, kind, title, created_ms, read_ms, subject FROM notifications \
             WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        )
        .bind(user_id)
        .bind(after_id)
        .bind(limit)
        .fetch_all(p)
        .await?))
    }

    /// Marks a user's notifications up to `up_to_id` read.
    pub async fn mark_notifications_read(&self, user_id: &str, up_to_id: i64, now_ms: i64) -> Result<u64> {
        Ok(on_pool!(self, |p| sqlx::query(
            "UPDATE notifications SET read_ms = $1 WHERE user_id = $2 AND id <= $3 AND read_ms IS NULL"
        )
        .bind(now_ms)
        .bind(user_id)
        .bind(up_to_id)
        .execute(p)
        .await?
        .rows_affected()))
    }

    pub async fn insert_api_key(&self, k: &ApiKeyRow) -> Result<()> {
        on_pool!(self, |p| sqlx::query(
            "INSERT INTO api_keys (id, label, key_hash, created_by, created_ms, revoked_ms) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(&k.id)
        .bind(&k.label)
        .bind(&k.key_hash)
        .bind(&k.created_by)
        .bind(k.created_ms)
        .bind(k.revoked_ms)
        .execute(p)
        .await
        .map_err(|e| conflict_or(e, "api key"))?
        .rows_affected());
        Ok(())
    }

    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, label, key_hash, created_by, created_ms, revoked_ms FROM api_keys WHERE key_hash = $1"
        )
        .bind(key_hash)
        .fetch_optional(p)
        .await?))
    }

    pub async fn list_api_keys(&self) -> Result<Vec<ApiKeyRow>> {
        Ok(on_pool!(self, |p| sqlx::query_as(
            "SELECT id, label, key_hash, created_by, created_ms, revoked_ms FROM api_keys ORDER BY created_ms"
        )
        .fetch_all(p)
        .await?))
    }

    pub async fn revoke_api_key(&self, id: &str, now_ms: i64) -> Result<()> {
        let n =
            on_pool!(self, |p| sqlx::query("UPDATE api_keys SET revoked_ms = $1 WHERE id = $2 AND revoked_ms IS NULL")
                .bind(now_ms)
                .bind(id)
                .execute(p)
                .await?
                .rows_affected());
        if n == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }
}
