//! palmgrid's recorder, after Moonfire NVR's layout: per camera stream, segment files of
//! about a minute holding the samples as received, and a row per segment in the database
//! with the sample index. Nothing is decoded or re-encoded.
//!
//! - [`writer`]: the per-stream writer, crash-safe (bytes, then index);
//! - [`tail`]: what the writers wrote since their rows were last committed;
//! - [`recover`]: what a restart does first: finish deletions, complete open segments
//!   from their sidecars and trim them;
//! - [`retention`]: deletion by age and per-camera quota, oldest first;
//! - [`mp4`]: an MP4 for any range, built from the index, readable by byte ranges.

pub mod commit;
pub mod index;
pub mod mp4;
pub mod retention;
pub mod tail;
pub mod writer;

use bytes::Bytes;
use palmgrid_domain::clock::Clock;
use palmgrid_media::frame::{Codec, StreamParams};
use palmgrid_media::hub::Subscription;
use palmgrid_store::{Store, StoreError, VideoParamsRow};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use mp4::RangeMp4;
pub use tail::Tails;

#[derive(Debug, thiserror::Error)]
pub enum RecorderError {
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("file: {0}")]
    Io(#[from] std::io::Error),
    #[error("recording {0}: {1}")]
    Corrupt(i64, String),
    #[error("mp4: {0}")]
    Mux(#[from] palmgrid_media::fmp4::MuxError),
    #[error("camera id {0:?} cannot name a directory")]
    BadCameraId(String),
}

/// Recorder settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where segment files go (`DIR/CAMERA/ID.seg`).
    pub dir: PathBuf,
    /// A segment is closed at the first keyframe after this much video (60 s).
    pub segment_90k: u64,
    /// Pending frames are written and indexed at every keyframe, or sooner once they span
    /// this much (1 s), and at the end of a batch once they span half of it (see
    /// [`writer::SegmentWriter::end_batch`]), so a crashed process loses at most this much
    /// or one batch.
    pub flush_90k: u64,
    /// A segment file is synced to disk once this much video (10 s) was written since its
    /// last sync, and when it closes, so a power loss costs at most this much more; only
    /// then is its row committed (the sidecar holds the index in between). Syncing
    /// at every flush made the writeback a sixth of the recorder's CPU (issue 3).
    pub sync_90k: u64,
}

impl Config {
    pub fn new(dir: PathBuf) -> Config {
        Config { dir, segment_90k: 60 * 90_000, flush_90k: 90_000, sync_90k: 10 * 90_000 }
    }
}

/// This kernel boot's id (`/proc/sys/kernel/random/boot_id`), or empty where there is none.
/// Written bytes that were not synced survive a process crash (the kernel still holds them)
/// but not a reboot: recovery trusts them only under the boot that wrote them.
pub fn boot_id() -> &'static str {
    static BOOT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BOOT.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id").map(|s| s.trim().to_owned()).unwrap_or_default()
    })
}

/// The file of a recording. Camera ids are UUIDs; anything else that could escape the
/// directory is refused.
pub fn segment_path(dir: &Path, camera: &str, id: i64) -> Result<PathBuf, RecorderError> {
    if camera.is_empty() || camera.len() > 64 || !camera.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(RecorderError::BadCameraId(camera.to_owned()));
    }
    Ok(dir.join(camera).join(format!("{id:012}.seg")))
}

/// The sidecar of an open recording (`DIR/CAMERA/ID.idx`): its sample index as written so
/// far, kept beside the file while the row is committed only every `sync_90k`, so that
/// after `kill -9` recovery finds what the last batch indexed. Removed when the segment
/// closes.
pub fn sidecar_path(dir: &Path, camera: &str, id: i64) -> Result<PathBuf, RecorderError> {
    Ok(segment_path(dir, camera, id)?.with_extension("idx"))
}

pub fn params_row(p: &StreamParams) -> VideoParamsRow {
    VideoParamsRow {
        codec: match p.codec {
            Codec::H264 => "h264".into(),
            Codec::H265 => "h265".into(),
        },
        rfc6381: p.rfc6381.clone(),
        width: p.width.into(),
        height: p.height.into(),
        sps: p.sps.to_vec(),
        pps: p.pps.to_vec(),
        hvcc: p.hvcc.as_ref().map(|h| h.to_vec()),
    }
}

pub fn stream_params(r: &VideoParamsRow) -> Result<StreamParams, RecorderError> {
    let bad = |what: &str| RecorderError::Corrupt(0, format!("stored video parameters: {what}"));
    Ok(StreamParams {
        codec: match r.codec.as_str() {
            "h264" => Codec::H264,
            "h265" => Codec::H265,
            _ => return Err(bad("codec")),
        },
        rfc6381: r.rfc6381.clone(),
        width: u16::try_from(r.width).map_err(|_| bad("width"))?,
        height: u16::try_from(r.height).map_err(|_| bad("height"))?,
        sps: Bytes::from(r.sps.clone()),
        pps: Bytes::from(r.pps.clone()),
        hvcc: r.hvcc.clone().map(Bytes::from),
    })
}

/// What [`recover`] found and did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Open segments closed as they were.
    pub closed: usize,
    /// Segments whose file held more than the index (the unflushed tail, cut off).
    pub trimmed_files: usize,
    /// Segments whose file held less than the index (index cut back to the file).
    pub trimmed_index: usize,
    /// Open segments whose index was completed from their sidecar (written after the
    /// row's last commit).
    pub from_sidecar: usize,
    /// Segments with nothing playable, removed.
    pub removed: usize,
    /// Files of deleted recordings unlinked.
    pub garbage: usize,
}

/// Brings files and index into agreement after a stop, clean or not. Run before
/// recording starts.
pub async fn recover(store: &Store, dir: &Path) -> Result<Recovery, RecorderError> {
    recover_in_boot(store, dir, boot_id()).await
}

/// [`recover`] as if running in kernel boot `boot`: rows written under another boot (or an
/// unknown one) are trusted only as far as they were synced.
pub async fn recover_in_boot(store: &Store, dir: &Path, boot: &str) -> Result<Recovery, RecorderError> {
    let mut rep = Recovery::default();
    for row in store.open_recordings().await? {
        let path = segment_path(dir, &row.camera_id, row.id)?;
        let size = match std::fs::metadata(&path) {
            Ok(m) => m.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(e.into()),
        };
        let same_boot = !boot.is_empty() && row.boot_id == boot;
        // In the boot that wrote it, the sidecar holds the index as of the last batch (the
        // kernel kept the unsynced pages of a killed process); under another boot only
        // what the row says was synced is trusted.
        let sidecar = if same_boot { read_sidecar(dir, &row.camera_id, row.id, row.frames) } else { None };
        rep.from_sidecar += sidecar.is_some() as usize;
        let mut progress = match &sidecar {
            Some(samples) => progress_of(row.start_ms, samples),
            None => (row.end_ms, row.duration_90k, row.frames, row.bytes, row.sample_index.clone()),
        };
        let indexed_bytes = progress.3 as u64;
        let trusted = if same_boot { indexed_bytes } else { row.synced_bytes.clamp(0, row.bytes) as u64 };
        let keep_bytes = if size.min(trusted) < indexed_bytes {
            // The file lost indexed bytes (a power loss), or holds bytes it may have lost
            // unnoticed (not synced before a reboot): keep the samples that are whole.
            let limit = size.min(trusted);
            let samples = match sidecar {
                Some(samples) => samples,
                None => index::decode(&row.sample_index).unwrap_or_default(),
            };
            let keep: Vec<_> = samples.into_iter().take_while(|s| s.offset + s.size as u64 <= limit).collect();
            progress = progress_of(row.start_ms, &keep);
            rep.trimmed_index += 1;
            progress.3 as u64
        } else {
            indexed_bytes
        };
        if size > keep_bytes {
            // The unindexed tail of a crash (or an untrusted one): cut off.
            std::fs::OpenOptions::new().write(true).open(&path)?.set_len(keep_bytes)?;
            rep.trimmed_files += 1;
        }
        if progress.2 == 0 {
            store.delete_recordings(&[(row.id, row.camera_id.clone())]).await?;
            rep.removed += 1;
            continue;
        }
        std::fs::File::open(&path)?.sync_all()?;
        let (end_ms, duration_90k, frames, bytes, idx) = progress;
        store
            .update_recording(
                row.id,
                palmgrid_store::RecordingProgress {
                    end_ms,
                    duration_90k,
                    frames,
                    bytes,
                    sample_index: &idx,
                    open: false,
                    synced_bytes: bytes,
                    boot_id: boot,
                },
            )
            .await?;
        rep.closed += 1;
    }
    rep.garbage = collect_garbage(store, dir).await?;
    if let Err(e) = remove_sidecars(dir) {
        // Harmless: a sidecar is only read for its open row, none is open now, and
        // recording ids are never reused.
        tracing::warn!(error = %e, "could not remove every sidecar after recovery");
    }
    Ok(rep)
}

/// The samples in a recording's sidecar, if they are at least the `committed_frames` its row
/// has; `None` when there is no usable sidecar (then the row is
/// all there is). It ends at the last whole entry, and the entries past the row's are
/// checked against the file: each sample must be whole length-prefixed NAL units, so a
/// sidecar and file that do not line up (a torn rewrite) end the index there.
fn read_sidecar(dir: &Path, camera: &str, id: i64, committed_frames: i64) -> Option<Vec<index::IndexedSample>> {
    use std::io::{Read, Seek};
    let raw = std::fs::read(sidecar_path(dir, camera, id).ok()?).ok()?;
    let (mut samples, _) = index::decode_prefix(&raw);
    let committed = usize::try_from(committed_frames).ok()?;
    if samples.len() < committed.max(1) {
        return None;
    }
    if let Some(first) = samples.get(committed) {
        let start = first.offset;
        let mut file = std::fs::File::open(segment_path(dir, camera, id).ok()?).ok()?;
        file.seek(std::io::SeekFrom::Start(start)).ok()?;
        let mut tail = Vec::new();
        file.read_to_end(&mut tail).ok()?;
        let whole = samples[committed..]
            .iter()
            .take_while(|s| {
                let at = (s.offset - start) as usize;
                tail.get(at..at + s.size as usize).is_some_and(nal_units_are_whole)
            })
            .count();
        samples.truncate(committed + whole);
    }
    Some(samples)
}

/// A recording's (end, duration, frames, bytes, encoded index) when it holds `samples`.
fn progress_of(start_ms: i64, samples: &[index::IndexedSample]) -> (i64, i64, i64, i64, Vec<u8>) {
    let mut idx = Vec::new();
    for s in samples {
        index::push(&mut idx, s.duration_90k, s.size, s.is_key);
    }
    let dur: u64 = samples.iter().map(|s| s.duration_90k as u64).sum();
    let bytes: u64 = samples.iter().map(|s| s.size as u64).sum();
    (start_ms + (dur / 90) as i64, dur as i64, samples.len() as i64, bytes as i64, idx)
}

/// Whether `sample` is exactly a sequence of NAL units with 4-byte big-endian lengths, as
/// the recorder stores them (AVCC / HVCC).
fn nal_units_are_whole(sample: &[u8]) -> bool {
    let mut at = 0usize;
    while at < sample.len() {
        let Some(len) = sample.get(at..at + 4) else { return false };
        at += 4 + u32::from_be_bytes(len.try_into().expect("four bytes")) as usize;
    }
    at == sample.len()
}

/// Removes every sidecar under `dir`: after recovery no segment is open.
fn remove_sidecars(dir: &Path) -> std::io::Result<()> {
    let cameras = match std::fs::read_dir(dir) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for camera in cameras {
        let camera = camera?;
        if !camera.file_type()?.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(camera.path())? {
            let path = f?.path();
            if path.extension().is_some_and(|e| e == "idx") {
                remove_if_exists(&path)?;
            }
        }
    }
    Ok(())
}

fn remove_if_exists(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Unlinks the files of deleted recordings, then forgets them.
pub async fn collect_garbage(store: &Store, dir: &Path) -> Result<usize, RecorderError> {
    let garbage = store.recording_garbage().await?;
    let mut done = Vec::with_capacity(garbage.len());
    for (id, camera) in &garbage {
        remove_if_exists(&segment_path(dir, camera, *id)?)?;
        if let Err(e) = remove_if_exists(&sidecar_path(dir, camera, *id)?) {
            tracing::warn!(recording = id, error = %e, "could not remove a deleted recording's sidecar");
        }
        done.push(*id);
    }
    store.clear_recording_garbage(&done).await?;
    Ok(done.len())
}

struct Task {
    stop: tokio::sync::watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
}

/// The recording tasks of this node, one per recorded camera. Cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub cfg: Arc<Config>,
    committer: commit::Committer,
    /// What the writers wrote since their rows were committed; readers lay it over the rows.
    pub tails: Tails,
    tasks: Arc<Mutex<HashMap<String, Task>>>,
    rt: tokio::runtime::Handle,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").field("dir", &self.cfg.dir).finish_non_exhaustive()
    }
}

impl Recorder {
    /// Records on the current tokio runtime.
    pub fn new(store: Store, clock: Arc<dyn Clock>, cfg: Config) -> Recorder {
        Recorder::new_on(store, clock, cfg, tokio::runtime::Handle::current())
    }

    /// Records on runtime `rt` (the media thread, beside the pulls it records).
    pub fn new_on(store: Store, clock: Arc<dyn Clock>, cfg: Config, rt: tokio::runtime::Handle) -> Recorder {
        let committer = commit::Committer::spawn_on(store.clone(), &rt);
        Recorder { store, clock, cfg: Arc::new(cfg), committer, tails: Tails::default(), tasks: Arc::default(), rt }
    }

    /// Whether a camera is being recorded.
    pub fn is_recording(&self, camera: &str) -> bool {
        self.tasks.lock().expect("recorder lock").get(camera).is_some_and(|t| !t.handle.is_finished())
    }

    /// Starts recording a camera from a subscription to its stream (no-op if running).
    pub fn start(&self, camera: &str, stream: &'static str, sub: Subscription) {
        let mut tasks = self.tasks.lock().expect("recorder lock");
        if tasks.get(camera).is_some_and(|t| !t.handle.is_finished()) {
            return;
        }
        let (stop, rx) = tokio::sync::watch::channel(false);
        let w = writer::SegmentWriter::new(
            self.store.clone(),
            self.committer.clone(),
            self.tails.clone(),
            self.clock.clone(),
            self.cfg.clone(),
            camera.to_owned(),
            stream,
        );
        let handle = self.rt.spawn(w.run(sub, rx));
        tasks.insert(camera.to_owned(), Task { stop, handle });
    }

    /// Stops recording a camera, writing what is pending and closing its segment.
    pub async fn stop(&self, camera: &str) {
        let task = self.tasks.lock().expect("recorder lock").remove(camera);
        if let Some(t) = task {
            let _ = t.stop.send(true);
            let _ = t.handle.await;
        }
    }

    /// Stops every recording cleanly (server shutdown).
    pub async fn stop_all(&self) {
        let tasks: Vec<Task> = self.tasks.lock().expect("recorder lock").drain().map(|(_, t)| t).collect();
        for t in &tasks {
            let _ = t.stop.send(true);
        }
        for t in tasks {
            let _ = t.handle.await;
        }
    }
}
