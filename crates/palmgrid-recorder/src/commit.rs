//! Group commit: the writers of all cameras hand their batches to one committer, which
//! writes (and, when a batch asks, syncs) every file of a commit in one blocking task and
//! then records all their index rows in one database statement. The order per batch stays
//! "bytes written, then row", so a row never describes bytes the file does not hold.
//!
//! A commit takes what is queued when it starts: the batches of paced cameras, which all
//! flush on the same tick, go together, and batches that arrive during a commit go in the
//! next. There is no timer: 32 cameras cost one thread hand-off and one statement per tick
//! instead of 64 of each, and one camera costs no wake-up beyond its own.

use crate::RecorderError;
use palmgrid_store::{RecordingProgress, Store};
use std::fs::File;
use std::io::Write;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// A recording's new state after a flush.
#[derive(Debug, Clone)]
pub struct Progress {
    pub end_ms: i64,
    pub duration_90k: i64,
    pub frames: i64,
    pub bytes: i64,
    pub sample_index: Vec<u8>,
    pub open: bool,
    /// Bytes synced to disk once this progress is committed.
    pub synced_bytes: i64,
}

impl Progress {
    /// The row update this progress stands for, written in this kernel boot.
    pub fn as_row(&self) -> RecordingProgress<'_> {
        RecordingProgress {
            end_ms: self.end_ms,
            duration_90k: self.duration_90k,
            frames: self.frames,
            bytes: self.bytes,
            sample_index: &self.sample_index,
            open: self.open,
            synced_bytes: self.synced_bytes,
            boot_id: crate::boot_id(),
        }
    }
}

pub(crate) struct Job {
    pub id: i64,
    pub file: Arc<File>,
    /// Samples to append before syncing (none when only the row changes), written with
    /// one `writev` straight from the frames' buffers.
    pub data: Vec<bytes::Bytes>,
    /// Sync the file after writing (the progress then counts every byte as synced).
    pub sync: bool,
    pub progress: Progress,
    pub done: oneshot::Sender<Result<(), String>>,
}

/// Handle to the committer task. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Committer {
    tx: mpsc::UnboundedSender<Job>,
}

impl Committer {
    /// Starts the committer on the current runtime.
    pub fn spawn(store: Store) -> Committer {
        Committer::spawn_on(store, &tokio::runtime::Handle::current())
    }

    /// Starts the committer on runtime `rt`.
    pub fn spawn_on(store: Store, rt: &tokio::runtime::Handle) -> Committer {
        let (tx, rx) = mpsc::unbounded_channel();
        rt.spawn(run(store, rx));
        Committer { tx }
    }

    /// Appends `data` to `file`, syncs it if `sync`, then records `progress` for recording
    /// `id`; returns once the row is committed.
    pub async fn commit(
        &self,
        id: i64,
        file: Arc<File>,
        data: Vec<bytes::Bytes>,
        sync: bool,
        progress: Progress,
    ) -> Result<(), RecorderError> {
        let (done, rx) = oneshot::channel();
        self.tx
            .send(Job { id, file, data, sync, progress, done })
            .map_err(|_| RecorderError::Io(std::io::Error::other("recorder committer stopped")))?;
        rx.await
            .map_err(|_| RecorderError::Io(std::io::Error::other("recorder committer stopped")))?
            .map_err(|e| RecorderError::Io(std::io::Error::other(e)))
    }
}

/// Appends every buffer, in order, with as few `writev` calls as the kernel allows.
fn write_all_vectored(file: &File, data: &[bytes::Bytes]) -> std::io::Result<()> {
    use std::io::IoSlice;
    let mut slices: Vec<IoSlice<'_>> = data.iter().filter(|b| !b.is_empty()).map(|b| IoSlice::new(b)).collect();
    let mut bufs = &mut slices[..];
    while !bufs.is_empty() {
        match (&*file).write_vectored(bufs) {
            Ok(0) => return Err(std::io::Error::new(std::io::ErrorKind::WriteZero, "could not append to the segment")),
            Ok(n) => IoSlice::advance_slices(&mut bufs, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn run(store: Store, mut rx: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = rx.recv().await {
        // Let the other writers woken in this turn of the runtime hand in their batches.
        tokio::task::yield_now().await;
        let mut jobs = vec![first];
        while let Ok(j) = rx.try_recv() {
            jobs.push(j);
        }
        // Write (and sync, where asked) every file of this commit in one blocking task.
        let io: Vec<(Arc<File>, Vec<bytes::Bytes>, bool)> =
            jobs.iter_mut().map(|j| (j.file.clone(), std::mem::take(&mut j.data), j.sync)).collect();
        let io_results = tokio::task::spawn_blocking(move || {
            io.into_iter()
                .map(|(file, data, sync)| -> std::io::Result<()> {
                    write_all_vectored(&file, &data)?;
                    if sync { file.sync_data() } else { Ok(()) }
                })
                .map(|r| r.map_err(|e| e.to_string()))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        let mut ok = Vec::new();
        for (j, r) in jobs.into_iter().zip(io_results.into_iter().map(Some).chain(std::iter::repeat(None))) {
            match r {
                Some(Ok(())) => ok.push(j),
                Some(Err(e)) => {
                    let _ = j.done.send(Err(e));
                }
                None => {
                    let _ = j.done.send(Err("file write task failed".into()));
                }
            }
        }
        if ok.is_empty() {
            continue;
        }
        let updates: Vec<(i64, RecordingProgress<'_>)> = ok.iter().map(|j| (j.id, j.progress.as_row())).collect();
        let result = store.update_recordings(&updates).await;
        drop(updates);
        for j in ok {
            let r = match &result {
                Ok(missing) if missing.contains(&j.id) => Err(format!("recording {} no longer exists", j.id)),
                Ok(_) => Ok(()),
                Err(e) => Err(e.to_string()),
            };
            let _ = j.done.send(r);
        }
    }
}
