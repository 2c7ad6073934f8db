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
        let tails: Vec<_> = self.of(camera_id).into_iter().filter(|t| t.stream == stream).collect();
        let rows = store.recordings_between(camera_id, stream, from_ms, to_ms).await?;
        Ok(lay_over(rows, &tails, from_ms, to_ms, |t| (*t).clone(), |r| (r.id, r.start_ms, r.bytes)))
    }

    /// [`Store::recording_spans`] with the open tails laid over it.
    pub async fn recording_spans(
        &self,
        store: &Store,
        camera_id: &str,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<RecordingSpan>, StoreError> {
        let tails = self.of(camera_id);
        let rows = store.recording_spans(camera_id, from_ms, to_ms).await?;
        let span = |t: &RecordingRow| RecordingSpan {
            id: t.id,
            camera_id: t.camera_id.clone(),
            start_ms: t.start_ms,
            end_ms: t.end_ms,
            bytes: t.bytes,
            open: t.open,
        };
        Ok(lay_over(rows, &tails, from_ms, to_ms, span, |r| (r.id, r.start_ms, r.bytes)))
    }
}

/// Replaces the rows that have a tail holding more bytes by the tail, adds the tails the
/// database does not show in the range yet (a new segment, or an old row whose committed
/// end is before `from_ms`), and keeps the database's order (start, id).
///
/// The tails were read before the rows: a segment that closes in between is then either
/// still a tail or already a whole row, and of a row and a tail of the same segment the one
/// with more bytes is the newer (a segment only grows while it is written).
fn lay_over<T>(
    mut rows: Vec<T>,
    tails: &[Arc<RecordingRow>],
    from_ms: i64,
    to_ms: i64,
    convert: impl Fn(&RecordingRow) -> T,
    key: impl Fn(&T) -> (i64, i64, i64),
) -> Vec<T> {
    if tails.is_empty() {
        return rows;
    }
    let newer: Vec<&Arc<RecordingRow>> = tails
        .iter()
        .filter(|t| {
            let row = rows.iter().map(&key).find(|(id, _, _)| *id == t.id);
            row.is_none_or(|(_, _, bytes)| t.bytes > bytes)
        })
        .collect();
    rows.retain(|r| !newer.iter().any(|t| t.id == key(r).0));
    rows.extend(newer.iter().filter(|t| t.frames > 0 && t.end_ms > from_ms && t.start_ms < to_ms).map(|t| convert(t)));
    rows.sort_by_key(|r| {
        let (id, start, _) = key(r);
        (start, id)
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use palmgrid_store::VideoParamsRow;

    fn row(id: i64, start_ms: i64, end_ms: i64, bytes: i64) -> RecordingRow {
        RecordingRow {
            id,
            camera_id: "c".into(),
            stream: "main".into(),
            start_ms,
            end_ms,
            duration_90k: (end_ms - start_ms) * 90,
            frames: bytes / 10,
            bytes,
            params: VideoParamsRow {
                codec: "h264".into(),
                rfc6381: "avc1.4d401f".into(),
                width: 640,
                height: 360,
                sps: vec![],
                pps: vec![],
                hvcc: None,
            },
            sample_index: vec![],
            open: true,
            synced_bytes: 0,
            boot_id: String::new(),
        }
    }

    fn ids(rows: &[RecordingRow]) -> Vec<(i64, i64)> {
        rows.iter().map(|r| (r.id, r.bytes)).collect()
    }

    #[test]
    fn the_newer_of_row_and_tail_wins_and_missing_tails_are_added_in_order() {
        let over = |rows, tails: &[RecordingRow], from, to| {
            let tails: Vec<_> = tails.iter().cloned().map(Arc::new).collect();
            lay_over(rows, &tails, from, to, |t| t.clone(), |r| (r.id, r.start_ms, r.bytes))
        };
        // A tail ahead of its row replaces it; a row ahead of a stale tail (it closed between
        // the two reads) stays.
        let rows = vec![row(1, 0, 60_000, 500), row(2, 60_000, 70_000, 100)];
        let tails = [row(1, 0, 50_000, 400), row(2, 60_000, 76_000, 160)];
        assert_eq!(ids(&over(rows, &tails, 0, 100_000)), [(1, 500), (2, 160)]);
        // A tail the range query could not find (its row ends before `from`, or has no
        // frames yet) is added; one outside the range or without frames is not.
        let rows = vec![row(1, 0, 60_000, 500)];
        let tails = [row(3, 60_000, 76_000, 160), row(4, 76_000, 76_000, 0), row(2, -9_000, -1_000, 90)];
        assert_eq!(ids(&over(rows, &tails, 0, 100_000)), [(1, 500), (3, 160)]);
        let rows = vec![];
        assert_eq!(ids(&over(rows, &tails, 70_000, 100_000)), [(3, 160)]);
    }
}
