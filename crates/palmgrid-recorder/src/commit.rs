//! Group commit: the writers of all cameras hand their batches to one committer, which
//! writes (and, when a batch asks, syncs) every file of a commit, and their sidecars, in
//! one blocking task and then records the index rows of the batches that carry one (the
//! syncs and the closes) in one database statement. The order per batch stays "bytes
//! written, then index", so neither a sidecar nor a row describes bytes the file does not
//! hold.
//!
//! A commit takes what is queued when it starts: the batches of paced cameras, which all
//! flush on the same tick, go together, and batches that arrive during a commit go in the
//! next. There is no timer: 32 cameras cost one thread hand-off per tick instead of 32, and
//! one statement for the few whose files were synced; one camera costs no wake-up beyond
//! its own.

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

/// Index entries to write to a segment's sidecar after its samples: `bytes` at offset `at`
/// (where the entries that changed start), the sidecar then holding `len` bytes.
#[derive(Debug)]
pub struct SidecarWrite {
    pub file: Arc<File>,
    pub at: u64,
    pub bytes: Vec<u8>,
    /// Cut the sidecar to `at + bytes.len()` (a corrected entry came out shorter).
    pub truncate: bool,
}

/// One writer's batch.
#[derive(Debug)]
pub struct Batch {
    pub id: i64,
    pub file: Arc<File>,
    /// Samples to append (none when only the row changes), written with one `writev`
    /// straight from the frames' buffers.
    pub data: Vec<bytes::Bytes>,
    pub sidecar: Option<SidecarWrite>,
    /// Sync the file after writing (the progress then counts every byte as synced).
    pub sync: bool,
    /// The row to commit once the bytes are written, if any.
    pub progress: Option<Progress>,
}

struct Job {
    batch: Batch,
    done: oneshot::Sender<Result<(), String>>,
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

    /// Appends the batch's data to its file, writes its sidecar entries, syncs the file if
    /// asked, then records its progress (if any); returns once all that is done.
    pub async fn commit(&self, batch: Batch) -> Result<(), RecorderError> {
        let (done, rx) = oneshot::channel();
        self.tx
            .send(Job { batch, done })
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

/// One batch's file work: samples appended, then the sidecar entries, then the sync.
fn write_batch(file: &File, data: &[bytes::Bytes], sidecar: Option<&SidecarWrite>, sync: bool) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    write_all_vectored(file, data)?;
    if let Some(s) = sidecar {
        s.file.write_all_at(&s.bytes, s.at)?;
        if s.truncate {
            s.file.set_len(s.at + s.bytes.len() as u64)?;
        }
    }
    if sync { file.sync_data() } else { Ok(()) }
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
        let io: Vec<_> = jobs
            .iter_mut()
            .map(|j| (j.batch.file.clone(), std::mem::take(&mut j.batch.data), j.batch.sidecar.take(), j.batch.sync))
            .collect();
        let io_results = tokio::task::spawn_blocking(move || {
            io.into_iter()
                .map(|(file, data, sidecar, sync)| write_batch(&file, &data, sidecar.as_ref(), sync))
                .map(|r| r.map_err(|e| e.to_string()))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        let mut ok = Vec::new();
        for (j, r) in jobs.into_iter().zip(io_results.into_iter().map(Some).chain(std::iter::repeat(None))) {
            match r {
                Some(Ok(())) if j.batch.progress.is_none() => {
                    let _ = j.done.send(Ok(()));
                }
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
        let updates: Vec<(i64, RecordingProgress<'_>)> =
            ok.iter().filter_map(|j| Some((j.batch.id, j.batch.progress.as_ref()?.as_row()))).collect();
        let result = store.update_recordings(&updates).await;
        drop(updates);
        for j in ok {
            let r = match &result {
                Ok(missing) if missing.contains(&j.batch.id) => {
                    Err(format!("recording {} no longer exists", j.batch.id))
                }
                Ok(_) => Ok(()),
                Err(e) => Err(e.to_string()),
            };
            let _ = j.done.send(r);
        }
    }
}
