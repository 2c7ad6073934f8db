//! The open tails: what the writers have written and indexed but not yet committed to the
//! database.
//!
//! A writer appends its samples and their index entries (to the segment's sidecar, see
//! [`crate::sidecar_path`]) every batch, about once a second, but updates the segment's row
//! only when it syncs the file (every 10 s of video) and when it closes the segment: a
//! database commit a second was a fifth of the recorder's CPU (issue 3). Readers on this
//! node must not see video ten seconds late, so every writer also publishes its open
//! segment here, and [`Tails::recordings_between`] and [`Tails::recording_spans`] lay these
//! over the database's rows. After a crash, recovery rebuilds the same state from the
//! sidecar.

use palmgrid_store::{RecordingRow, RecordingSpan, Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The segments being written on this node, by recording id. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Tails {
    rows: Arc<Mutex<HashMap<i64, Arc<RecordingRow>>>>,
}

impl Tails {
    /// Publishes a segment's state as it now is on disk (page cache included).
    pub fn publish(&self, row: RecordingRow) {
        self.rows.lock().expect("tails lock").insert(row.id, Arc::new(row));
    }

    /// Forgets a segment whose row is committed as it stands.
    pub fn retire(&self, id: i64) {
        self.rows.lock().expect("tails lock").remove(&id);
    }

    fn of(&self, camera_id: &str) -> Vec<Arc<RecordingRow>> {
        self.rows.lock().expect("tails lock").values().filter(|r| r.camera_id == camera_id).cloned().collect()
    }

    /// [`Store::recordings_between`] with the open tails laid over it.
    pub async fn recordings_between(
        &self,
        store: &Store,
        camera_id: &str,
        stream: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<RecordingRow>, StoreError> {
        let rows = store.recordings_between(camera_id, stream, from_ms, to_ms).await?;
        let tails: Vec<_> = self.of(camera_id).into_iter().filter(|t| t.stream == stream).collect();
        Ok(lay_over(rows, &tails, from_ms, to_ms, |t| (*t).clone(), |r| (r.id, r.start_ms)))
    }

    /// [`Store::recording_spans`] with the open tails laid over it.
    pub async fn recording_spans(
        &self,
        store: &Store,
        camera_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<RecordingSpan>, StoreError> {
        let rows = store.recording_spans(camera_id, from_ms, to_ms).await?;
        let span = |t: &RecordingRow| RecordingSpan {
            id: t.id,
            camera_id: t.camera_id.clone(),
            start_ms: t.start_ms,
            end_ms: t.end_ms,
            bytes: t.bytes,
            open: t.open,
        };
        Ok(lay_over(rows, &self.of(camera_id), from_ms, to_ms, span, |r| (r.id, r.start_ms)))
    }
}

/// Replaces the rows that have a tail by the tail, adds the tails the database does not
/// show in the range yet (a new segment, or an old row whose committed end is before
/// `from_ms`), and keeps the database's order (start, id).
fn lay_over<T>(
    mut rows: Vec<T>,
    tails: &[Arc<RecordingRow>],
    from_ms: i64,
    to_ms: i64,
    convert: impl Fn(&RecordingRow) -> T,
    key: impl Fn(&T) -> (i64, i64),
) -> Vec<T> {
    if tails.is_empty() {
        return rows;
    }
    rows.retain(|r| !tails.iter().any(|t| t.id == key(r).0));
    rows.extend(tails.iter().filter(|t| t.frames > 0 && t.end_ms > from_ms && t.start_ms < to_ms).map(|t| convert(t)));
    rows.sort_by_key(|r| {
        let (id, start) = key(r);
        (start, id)
    });
    rows
}
