//! The recording index: one row per segment file, with its sample index.
//!
//! The recorder commits a row when it syncs the file (every 10 s of video and on close),
//! after the bytes, so a row never describes bytes the file does not hold; in between, the
//! open segment's index is in a sidecar file (see `palmgrid-recorder`). `synced_bytes` and
//! `boot_id` say how much of the file survives a power loss. Retention deletes
//! rows into `recording_garbage` in the same transaction, and the files are unlinked
//! afterwards (again after a crash, from what the garbage table remembers).

use crate::{Result, Store, StoreError, on_pool};

/// Decoder configuration stored with each recording.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VideoParamsRow {
    pub codec: String,
    pub rfc6381: String,
    pub width: i64,
    pub height: i64,
    pub sps: Vec<u8>,
    pub pps: Vec<u8>,
    pub hvcc: Option<Vec<u8>>,
}

/// A recording segment with its sample index.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecordingRow {
    pub id: i64,
    pub camera_id: String,
    pub stream: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub duration_90k: i64,
    pub frames: i64,
    pub bytes: i64,
    #[sqlx(flatten)]
    pub params: VideoParamsRow,
    /// The recorder's encoding of per-sample duration, size and keyframe flag.
    pub sample_index: Vec<u8>,
    /// Still being written (or was, when the process stopped).
    pub open: bool,
    /// How many of `bytes` were synced to disk.
    pub synced_bytes: i64,
    /// The kernel boot (`/proc/sys/kernel/random/boot_id`) under which the row was last
    /// written; empty when unknown.
    pub boot_id: String,
}

/// A recorded span without its index, for timelines and retention.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RecordingSpan {
    pub id: i64,
    pub camera_id: String,
    pub start_ms: i64,
    pub end_ms: i64,
    pub bytes: i64,
    pub open: bool,
}

/// What a flush changes in a recording row.
#[derive(Debug, Clone, Copy)]
pub struct RecordingProgress<'a> {
    pub end_ms: i64,
    pub duration_90k: i64,
    pub frames: i64,
    pub bytes: i64,
    pub sample_index: &'a [u8],
    pub open: bool,
    pub synced_bytes: i64,
    pub boot_id: &'a str,
}

const COLUMNS: &str = "id, camera_id, stream, start_ms, end_ms, duration_90k, frames, bytes, codec, rfc6381, \
                       width, height, sps, pps, hvcc, sample_index, open, synced_bytes, boot_id";
const SPAN_COLUMNS: &str = "id, camera_id, start_ms, end_ms, bytes, open";

impl Store {
    /// Creates an empty, open recording, written in kernel boot `boot_id`, and returns its id.
    pub async fn insert_recording(
        &self,
        camera_id: &str,
        stream: &str,
        start_ms: i64,
        params: &VideoParamsRow,
        boot_id: &str,
    ) -> Result<i64> {
        let sql = "INSERT INTO recordings (camera_id, stream, start_ms, end_ms, duration_90k, frames, bytes, codec, \
                   rfc6381, width, height, sps, pps, hvcc, sample_index, open, boot_id) \
                   VALUES ($1, $2, $3, $3, 0, 0, 0, $4, $5, $6, $7, $8, $9, $10, $11, TRUE, $12) RETURNING id";
        let id: i64 = on_pool!(self, |p| sqlx::query_scalar(sql)
            .bind(camera_id)
            .bind(stream)
            .bind(start_ms)
            .bind(&params.codec)
            .bind(&params.rfc6381)
            .bind(params.width)
            .bind(params.height)
            .bind(&params.sps)
            .bind(&params.pps)
            .bind(&params.hvcc)
            .bind(&[] as &[u8])
            .bind(boot_id)
            .fetch_one(p)
            .await?);
        Ok(id)
    }

    /// Records what has been written to a recording's file.
    pub async fn update_recording(&self, id: i64, u: RecordingProgress<'_>) -> Result<()> {
        if self.update_recordings(&[(id, u)]).await?.is_empty() { Ok(()) } else { Err(StoreError::NotFound) }
    }

    /// Records the progress of several recordings in one transaction (the recorder's group
    /// commit: one commit for all cameras that flushed in the same interval). Returns the ids
    /// that no longer exist.
    pub async fn update_recordings(&self, updates: &[(i64, RecordingProgress<'_>)]) -> Result<Vec<i64>> {
        // One statement per chunk, not one per row: each statement is a round trip to the
        // database (for SQLite, a hand-off to its worker thread), and the recorder commits
        // every syncing camera's progress every 10 s. It returns only a count (rows would be
        // handed back one by one); which ids were missing is asked only if any were.
        const ROWS_PER_STATEMENT: usize = 500;
        let mut missing = Vec::new();
        for chunk in updates.chunks(ROWS_PER_STATEMENT) {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p = i * 9;
                    let params: Vec<String> = (p + 1..=p + 9).map(|n| format!("${n}")).collect();
                    format!("({})", params.join(", "))
                })
                .collect();
            let sql = format!(
                "UPDATE recordings SET end_ms = v.column2, duration_90k = v.column3, frames = v.column4, \
                 bytes = v.column5, sample_index = v.column6, open = v.column7, synced_bytes = v.column8, \
                 boot_id = v.column9 \
                 FROM (VALUES {}) AS v WHERE recordings.id = v.column1",
                values.join(", ")
            );
            macro_rules! run {
                ($p:expr) => {{
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                    for (id, u) in chunk {
                        q = q
                            .bind(*id)
                            .bind(u.end_ms)
                            .bind(u.duration_90k)
                            .bind(u.frames)
                            .bind(u.bytes)
                            .bind(u.sample_index)
                            .bind(u.open)
                            .bind(u.synced_bytes)
                            .bind(u.boot_id);
                    }
                    q.execute($p).await?.rows_affected()
                }};
            }
            // SQLite: on the connection that does not sync the WAL at commit (a commit
            // survives our crash; after a power loss an older row still agrees with the
            // synced part of the file, which is all recovery keeps then).
            let updated = match &self.progress_pool {
                Some(p) => run!(p),
                None => on_pool!(self, |p| run!(p)),
            };
            if updated < chunk.len() as u64 {
                let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
                let found: std::collections::HashSet<i64> = self.existing_recordings(&ids).await?.into_iter().collect();
                missing.extend(ids.into_iter().filter(|id| !found.contains(id)));
            }
        }
        Ok(missing)
    }

    /// Which of `ids` still have a row.
    async fn existing_recordings(&self, ids: &[i64]) -> Result<Vec<i64>> {
        let list: Vec<String> = (1..=ids.len()).map(|n| format!("${n}")).collect();
        let sql = format!("SELECT id FROM recordings WHERE id IN ({})", list.join(", "));
        let found = on_pool!(self, |p| {
            let mut q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str()));
            for id in ids {
                q = q.bind(*id);
            }
            q.fetch_all(p).await?
        });
        Ok(found)
    }

    /// Recordings of a camera's stream that overlap `[from_ms, to_ms)`, oldest first.
    pub async fn recordings_between(
        &self,
        camera_id: &str,
        stream: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<RecordingRow>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM recordings WHERE camera_id = $1 AND stream = $2 AND end_ms > $3 AND start_ms < $4 \
             AND frames > 0 ORDER BY start_ms, id"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(camera_id)
            .bind(stream)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(p)
            .await?))
    }

    /// Spans of a camera's recordings overlapping `[from_ms, to_ms)`, oldest first.
    pub async fn recording_spans(&self, camera_id: &str, from_ms: i64, to_ms: i64) -> Result<Vec<RecordingSpan>> {
        let sql = format!(
            "SELECT {SPAN_COLUMNS} FROM recordings WHERE camera_id = $1 AND end_ms > $2 AND start_ms < $3 \
             AND frames > 0 ORDER BY start_ms, id"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(camera_id)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(p)
            .await?))
    }

    /// Every recording a crashed or stopped process left open.
    pub async fn open_recordings(&self) -> Result<Vec<RecordingRow>> {
        let sql = format!("SELECT {COLUMNS} FROM recordings WHERE open ORDER BY id");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?))
    }

    /// All recordings of a camera, oldest first, without their index (for quota and checks).
    pub async fn camera_recordings(&self, camera_id: &str) -> Result<Vec<RecordingSpan>> {
        let sql = format!("SELECT {SPAN_COLUMNS} FROM recordings WHERE camera_id = $1 ORDER BY start_ms, id");
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(camera_id).fetch_all(p).await?))
    }

    /// Closed recordings that ended before `cutoff_ms` and that no hold keeps at `now_ms`,
    /// for cameras whose retention puts them past it: `(camera, cutoff)` pairs are evaluated
    /// by the caller. Oldest first.
    pub async fn recordings_ended_before(
        &self,
        camera_id: &str,
        cutoff_ms: i64,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<RecordingSpan>> {
        let sql = format!(
            "SELECT {SPAN_COLUMNS} FROM recordings r WHERE camera_id = $1 AND end_ms < $2 AND NOT open \
             AND NOT EXISTS (SELECT 1 FROM recording_holds h WHERE h.camera_id = r.camera_id \
               AND h.start_ms < r.end_ms AND h.end_ms > r.start_ms AND (h.until_ms IS NULL OR h.until_ms > $3)) \
             ORDER BY start_ms, id LIMIT $4"
        );
        Ok(on_pool!(self, |p| sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(camera_id)
            .bind(cutoff_ms)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(p)
            .await?))
    }

    /// Camera ids that have recordings (including cameras since deleted).
    pub async fn recorded_cameras(&self) -> Result<Vec<String>> {
        Ok(on_pool!(self, |p| sqlx::query_scalar("SELECT DISTINCT camera_id FROM recordings ORDER BY camera_id")
            .fetch_all(p)
            .await?))
    }

    /// Total bytes recorded for a camera.
    pub async fn recorded_bytes(&self, camera_id: &str) -> Result<i64> {
        let n: Option<i64> = on_pool!(self, |p| sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM recordings WHERE camera_id = $1"
        )
        .bind(camera_id)
        .fetch_one(p)
        .await?);
        Ok(n.unwrap_or(0))
    }

    /// Deletes recordings, remembering them as garbage in the same transaction so their
    /// files are unlinked even if the process stops before it does so.
    pub async fn delete_recordings(&self, ids: &[(i64, String)]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for (id, camera) in ids {
                sqlx::query("INSERT INTO recording_garbage (id, camera_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id)
                    .bind(camera)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM recordings WHERE id = $1").bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Recordings whose files may still need unlinking.
    pub async fn recording_garbage(&self) -> Result<Vec<(i64, String)>> {
        Ok(on_pool!(self, |p| sqlx::query_as("SELECT id, camera_id FROM recording_garbage ORDER BY id")
            .fetch_all(p)
            .await?))
    }

    /// Forgets garbage whose files are gone.
    pub async fn clear_recording_garbage(&self, ids: &[i64]) -> Result<()> {
        on_pool!(self, |p| {
            for id in ids {
                sqlx::query("DELETE FROM recording_garbage WHERE id = $1").bind(id).execute(p).await?;
            }
        });
        Ok(())
    }
}
