//! Writes one camera stream to segment files of about a minute.
//!
//! A segment file holds the samples back to back (AVCC, as they came from the camera);
//! everything else (times, sizes, keyframes, decoder configuration) is in its database
//! row. Writes are batched: the frames of a GOP (or of at most `flush_90k`, for cameras
//! with long GOPs) are appended and only then are their index entries written, to the
//! segment's sidecar ([`crate::sidecar_path`]). An index therefore never describes bytes
//! the file does not hold, and after `kill -9` index and file agree up to the last flush.
//! The file is synced every `sync_90k` of video and on close, and only then is the row
//! committed, saying how much was synced (for recovery after a power loss). Between
//! commits, readers on this node see the segment through [`Tails`].
//!
//! When frames come in batches (a paced pull reads a second of video at once), the end
//! of a batch is flushed too, newest frame included: its duration is not known until the
//! next frame comes, so it is written with the previous frame's duration and corrected
//! then ([`Provisional`]). A frame therefore waits at most one batch for its flush.

use crate::commit::{Batch, Committer, Progress, SidecarWrite};
use crate::{Config, RecorderError, Tails, index, params_row, segment_path, sidecar_path};
use palmgrid_domain::clock::Clock;
use palmgrid_media::frame::{Frame, StreamParams};
use palmgrid_media::hub::{Event, Subscription};
use palmgrid_store::{RecordingRow, Store, VideoParamsRow};
use std::fs::File;
use std::sync::Arc;

/// Longest plausible gap between two frames; anything else starts a new run.
const MAX_FRAME_GAP_90K: i64 = 5 * 90_000;
/// Duration given to a frame whose successor never came (end of a run).
const DEFAULT_DURATION_90K: u32 = 3_600;

struct OpenSegment {
    id: i64,
    file: Arc<File>,
    sidecar: Arc<File>,
    /// Bytes of `index` written to the sidecar, and where the entries start that changed
    /// since (a corrected provisional entry).
    sidecar_len: usize,
    sidecar_from: usize,
    params: VideoParamsRow,
    start_ms: i64,
    duration_90k: u64,
    frames: i64,
    bytes: u64,
    index: Vec<u8>,
    /// Bytes and duration as of the last sync.
    synced_bytes: u64,
    synced_90k: u64,
    /// The newest indexed sample, if its duration was guessed.
    provisional: Option<Provisional>,
}

/// The newest sample of a segment, indexed before its successor came: its duration is the
/// previous frame's until the next frame tells (the same guess a run's last frame keeps).
#[derive(Debug, Clone, Copy)]
struct Provisional {
    /// Where its entry starts in the encoded index.
    at: usize,
    duration_90k: u32,
    size: u32,
    is_key: bool,
}

impl OpenSegment {
    /// The row as this segment stands: what was last written and indexed (the sidecar), which
    /// the database has as of the last sync.
    fn progress(&self, open: bool) -> Progress {
        Progress {
            end_ms: self.start_ms + (self.duration_90k / 90) as i64,
            duration_90k: self.duration_90k as i64,
            frames: self.frames,
            bytes: self.bytes as i64,
            sample_index: self.index.clone(),
            open,
            synced_bytes: self.synced_bytes as i64,
        }
    }

    /// The row this segment would have if committed now (what readers are shown).
    fn tail(&self, camera: &str, stream: &str, open: bool) -> RecordingRow {
        let p = self.progress(open);
        RecordingRow {
            id: self.id,
            camera_id: camera.to_owned(),
            stream: stream.to_owned(),
            start_ms: self.start_ms,
            end_ms: p.end_ms,
            duration_90k: p.duration_90k,
            frames: p.frames,
            bytes: p.bytes,
            params: self.params.clone(),
            sample_index: p.sample_index,
            open,
            synced_bytes: p.synced_bytes,
            boot_id: crate::boot_id().to_owned(),
        }
    }
}

/// A continuous run of frames: segments of one run follow each other without gaps, their
/// start times derived from the run's wall-clock anchor plus the camera's timestamps.
struct Run {
    anchor_ms: i64,
    elapsed_90k: u64,
}

/// Frames received but not yet written; every frame but the last has a known duration.
#[derive(Default)]
struct Pending {
    frames: Vec<(Frame, u32)>,
    total_90k: u64,
}

pub struct SegmentWriter {
    store: Store,
    committer: Committer,
    tails: Tails,
    clock: Arc<dyn Clock>,
    cfg: Arc<Config>,
    camera: String,
    stream: &'static str,
    params: Option<Arc<StreamParams>>,
    seg: Option<OpenSegment>,
    /// The segment closed last: its tail is shown until the next flush (readers also prefer
    /// whichever of row and tail holds more, see [`Tails`]).
    retired: Option<i64>,
    run: Option<Run>,
    pending: Pending,
    last: Option<Frame>,
    last_duration: u32,
    /// (pts, wall-clock ms) of the newest frame of the batch being handled.
    newest: Option<(i64, i64)>,
}

impl SegmentWriter {
    pub fn new(
        store: Store,
        committer: Committer,
        tails: Tails,
        clock: Arc<dyn Clock>,
        cfg: Arc<Config>,
        camera: String,
        stream: &'static str,
    ) -> Self {
        SegmentWriter {
            store,
            committer,
            tails,
            clock,
            cfg,
            camera,
            stream,
            params: None,
            seg: None,
            retired: None,
            run: None,
            pending: Pending::default(),
            last: None,
            last_duration: DEFAULT_DURATION_90K,
            newest: None,
        }
    }

    /// Records from a live subscription until it ends or `stop` fires; then closes the
    /// open segment. Wakes once per batch: it takes everything the hub holds, so when the
    /// pull reads in batches (nobody else watching), so does the recorder.
    pub async fn run(mut self, mut sub: Subscription, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut skipped = sub.skipped();
        let mut batch = Vec::new();
        loop {
            let ev = tokio::select! {
                ev = sub.next() => ev,
                _ = stop.changed() => None,
            };
            let Some(ev) = ev else { break };
            batch.push((ev, sub.skipped()));
            while let Some(ev) = sub.try_next() {
                batch.push((ev, sub.skipped()));
            }
            // The newest frame arrived about now: earlier ones are dated back from it.
            self.newest = batch.iter().rev().find_map(|(e, _)| match e {
                Event::Frame(f) => Some((f.pts_90k, self.clock.now_ms())),
                Event::Params(_) => None,
            });
            for (ev, at) in batch.drain(..) {
                // The hub skipped frames for us (we fell behind): what follows is not contiguous.
                if at != skipped {
                    skipped = at;
                    let r = self.end_run().await;
                    self.recover_from(r).await;
                }
                let r = match ev {
                    Event::Params(p) => self.on_params(p).await,
                    Event::Frame(f) => self.on_frame(f).await,
                };
                self.recover_from(r).await;
            }
            let r = self.end_batch().await;
            self.recover_from(r).await;
        }
        let r = self.end_run().await;
        self.recover_from(r).await;
        self.retire();
    }

    /// Stops showing the segment closed last (its row is committed).
    fn retire(&mut self) {
        if let Some(id) = self.retired.take() {
            self.tails.retire(id);
        }
    }

    /// Handles the result of one step: on an error, the open segment is closed as it was
    /// last indexed and recording starts again at the next keyframe.
    pub async fn recover_from(&mut self, r: Result<(), RecorderError>) {
        let Err(e) = r else { return };
        tracing::error!(camera = %self.camera, error = %e, "recording failed; starting again at the next keyframe");
        self.run = None;
        self.pending = Pending::default();
        self.last = None;
        if let Some(mut seg) = self.seg.take() {
            // The in-memory state is what the last successful batch wrote and indexed: cut
            // off anything a failed batch wrote beyond it, sync, and commit the row closed, so
            // that retention can delete it in time and index and file keep agreeing. If that
            // fails the row stays open, for recovery at the next start (with the sidecar),
            // and readers keep seeing the segment through its tail until then.
            let file = seg.file.clone();
            let len = seg.bytes;
            let cut = tokio::task::spawn_blocking(move || file.set_len(len).and_then(|()| file.sync_data())).await;
            let (closed, gone) = match cut {
                Ok(Ok(())) => {
                    seg.synced_bytes = seg.bytes;
                    match self.store.update_recording(seg.id, seg.progress(false).as_row()).await {
                        Ok(()) => (true, false),
                        Err(palmgrid_store::StoreError::NotFound) => (false, true),
                        Err(_) => (false, false),
                    }
                }
                _ => (false, false),
            };
            if closed || gone {
                self.tails.retire(seg.id);
            }
            if closed {
                self.remove_sidecar(seg.id).await;
            } else {
                tracing::warn!(camera = %self.camera, recording = seg.id, "could not close the failed segment; the next start will");
            }
        }
    }

    pub async fn on_params(&mut self, p: Arc<StreamParams>) -> Result<(), RecorderError> {
        if self.params.as_deref() != Some(&*p) {
            self.end_run().await?;
            self.params = Some(p);
        }
        Ok(())
    }

    pub async fn on_frame(&mut self, f: Frame) -> Result<(), RecorderError> {
        if self.params.is_none() {
            return Ok(());
        }
        if let Some(prev) = &self.last {
            let delta = f.pts_90k - prev.pts_90k;
            if (1..=MAX_FRAME_GAP_90K).contains(&delta) {
                if let Some(last) = self.pending.frames.last_mut() {
                    last.1 = delta as u32;
                    self.pending.total_90k += delta as u64;
                } else {
                    self.settle(delta as u32);
                }
                self.last_duration = delta as u32;
            } else {
                // A reconnect or a camera clock jump.
                self.end_run().await?;
            }
        }
        if self.seg.is_some() && (f.is_key || self.pending.total_90k >= self.cfg.flush_90k) {
            self.flush().await?;
            if f.is_key && self.seg.as_ref().is_some_and(|s| s.duration_90k >= self.cfg.segment_90k) {
                self.close().await?;
            }
        }
        if self.seg.is_none() {
            if !f.is_key {
                self.last = None;
                return Ok(());
            }
            self.open(f.pts_90k).await?;
        }
        self.last = Some(f.clone());
        self.pending.frames.push((f, 0));
        Ok(())
    }

    async fn open(&mut self, pts_90k: i64) -> Result<(), RecorderError> {
        let params = self.params.clone().expect("params before frames");
        // A run starts when its first frame arrived: dated back from the newest frame of the
        // batch by the camera's own clock (within a batch, at most a fraction of a second).
        let arrived = match self.newest {
            Some((newest, at)) if (0..=MAX_FRAME_GAP_90K).contains(&(newest - pts_90k)) => at - (newest - pts_90k) / 90,
            _ => self.clock.now_ms(),
        };
        let run = self.run.get_or_insert(Run { anchor_ms: arrived, elapsed_90k: 0 });
        let start_ms = run.anchor_ms + (run.elapsed_90k / 90) as i64;
        let id = self
            .store
            .insert_recording(&self.camera, self.stream, start_ms, &params_row(&params), crate::boot_id())
            .await?;
        let path = segment_path(&self.cfg.dir, &self.camera, id)?;
        let side_path = sidecar_path(&self.cfg.dir, &self.camera, id)?;
        let (file, sidecar) = tokio::task::spawn_blocking(move || -> std::io::Result<(File, File)> {
            let dir = path.parent().expect("segment path has a parent");
            std::fs::create_dir_all(dir)?;
            let f = File::options().write(true).create_new(true).open(&path)?;
            let side = File::options().write(true).create_new(true).open(&side_path)?;
            // Make the new directory entries durable too.
            File::open(dir)?.sync_all()?;
            Ok((f, side))
        })
        .await
        .map_err(|e| RecorderError::Io(std::io::Error::other(e)))??;
        self.seg = Some(OpenSegment {
            id,
            file: Arc::new(file),
            sidecar: Arc::new(sidecar),
            sidecar_len: 0,
            sidecar_from: 0,
            params: params_row(&params),
            start_ms,
            duration_90k: 0,
            frames: 0,
            bytes: 0,
            index: Vec::new(),
            synced_bytes: 0,
            synced_90k: 0,
            provisional: None,
        });
        Ok(())
    }

    /// The end of a batch of frames: once the pending frames span half of `flush_90k`,
    /// they are flushed, the newest with a provisional duration. A pull that reads once a
    /// second then costs one flush a second, and a frame waits for its flush no longer
    /// than for the batch after it; frames that come one by one flush every half interval.
    pub async fn end_batch(&mut self) -> Result<(), RecorderError> {
        let span = self.pending.total_90k + self.last_duration as u64;
        if self.seg.is_some() && !self.pending.frames.is_empty() && span >= self.cfg.flush_90k / 2 {
            self.flush_with(true).await?;
        }
        Ok(())
    }

    /// The provisional newest sample's duration is now known: correct the index (the
    /// sidecar follows at the next flush, the row at the next sync or close).
    fn settle(&mut self, duration_90k: u32) {
        let Some(seg) = self.seg.as_mut() else { return };
        let Some(p) = seg.provisional.take() else { return };
        if p.duration_90k == duration_90k {
            return;
        }
        seg.index.truncate(p.at);
        seg.sidecar_from = seg.sidecar_from.min(p.at);
        index::push(&mut seg.index, duration_90k, p.size, p.is_key);
        seg.duration_90k = seg.duration_90k - p.duration_90k as u64 + duration_90k as u64;
        if let Some(run) = &mut self.run {
            run.elapsed_90k = run.elapsed_90k - p.duration_90k as u64 + duration_90k as u64;
        }
    }

    /// Appends the pending frames (every one has its duration) and their index entries,
    /// syncs if due and then commits the row (through the group committer).
    async fn flush(&mut self) -> Result<(), RecorderError> {
        self.flush_with(false).await
    }

    /// [`Self::flush`]; with `provisional`, the newest frame (whose duration is not known
    /// yet) gets the previous frame's, to be corrected by [`Self::settle`].
    async fn flush_with(&mut self, provisional: bool) -> Result<(), RecorderError> {
        let Some(seg) = self.seg.as_ref() else { return Ok(()) };
        if self.pending.frames.is_empty() {
            return Ok(());
        }
        let mut frames = std::mem::take(&mut self.pending.frames);
        self.pending.total_90k = 0;
        let mut guessed = None;
        if provisional && let Some(last) = frames.last_mut() {
            last.1 = self.last_duration;
            guessed = Some(last.1);
        }
        // One writev per batch, straight from the frames' shared buffers: syscalls, thread
        // hand-offs and copies, not bytes, are what recording costs.
        let mut data = Vec::with_capacity(frames.len());
        let mut idx = seg.index.clone();
        let (mut duration, mut bytes, mut count) = (seg.duration_90k, seg.bytes, seg.frames);
        let mut newest_at = 0;
        for (f, d) in &frames {
            newest_at = idx.len();
            data.push(f.data.clone());
            index::push(&mut idx, *d, f.data.len() as u32, f.is_key);
            duration += *d as u64;
            bytes += f.data.len() as u64;
            count += 1;
        }
        let newest = guessed.zip(frames.last()).map(|(g, (f, _))| Provisional {
            at: newest_at,
            duration_90k: g,
            size: f.data.len() as u32,
            is_key: f.is_key,
        });
        // (A corrected guess can leave the duration below the last sync's.)
        let sync = duration.saturating_sub(seg.synced_90k) >= self.cfg.sync_90k;
        let sidecar = SidecarWrite {
            file: seg.sidecar.clone(),
            at: seg.sidecar_from as u64,
            bytes: idx[seg.sidecar_from..].to_vec(),
            truncate: idx.len() < seg.sidecar_len,
        };
        let progress = sync.then(|| Progress {
            end_ms: seg.start_ms + (duration / 90) as i64,
            duration_90k: duration as i64,
            frames: count,
            bytes: bytes as i64,
            sample_index: idx.clone(),
            open: true,
            synced_bytes: bytes as i64,
        });
        let batch = Batch { id: seg.id, file: seg.file.clone(), data, sidecar: Some(sidecar), sync, progress };
        self.committer.commit(batch).await?;
        let seg = self.seg.as_mut().expect("open segment");
        (seg.duration_90k, seg.bytes, seg.frames) = (duration, bytes, count);
        (seg.sidecar_len, seg.sidecar_from) = (idx.len(), idx.len());
        seg.index = idx;
        seg.provisional = newest;
        if sync {
            (seg.synced_bytes, seg.synced_90k) = (bytes, duration);
        }
        self.tails.publish(seg.tail(&self.camera, self.stream, true));
        self.retire();
        if let Some(run) = &mut self.run {
            run.elapsed_90k += frames.iter().map(|(_, d)| *d as u64).sum::<u64>();
        }
        Ok(())
    }

    async fn close(&mut self) -> Result<(), RecorderError> {
        let Some(seg) = self.seg.as_ref() else { return Ok(()) };
        let progress = Progress { synced_bytes: seg.bytes as i64, ..seg.progress(false) };
        let batch = Batch {
            id: seg.id,
            file: seg.file.clone(),
            data: Vec::new(),
            sidecar: None,
            sync: true,
            progress: Some(progress),
        };
        // On failure the segment stays open here, for `recover_from` to close.
        self.committer.commit(batch).await?;
        let mut seg = self.seg.take().expect("open segment");
        seg.synced_bytes = seg.bytes;
        // The row is whole now; its tail stays shown until the next flush.
        self.tails.publish(seg.tail(&self.camera, self.stream, false));
        self.retire();
        self.retired = Some(seg.id);
        self.remove_sidecar(seg.id).await;
        Ok(())
    }

    /// Removes a closed segment's sidecar: its row holds the index now. A failure only
    /// leaves a file that recovery removes.
    async fn remove_sidecar(&self, id: i64) {
        let Ok(path) = sidecar_path(&self.cfg.dir, &self.camera, id) else { return };
        let r = tokio::task::spawn_blocking(move || std::fs::remove_file(path)).await;
        if !matches!(r, Ok(Ok(()))) {
            tracing::warn!(camera = %self.camera, recording = id, "could not remove a closed segment's sidecar");
        }
    }

    /// Ends the current run: the last frame gets the previous frame's duration, everything
    /// pending is written and the segment closed.
    pub async fn end_run(&mut self) -> Result<(), RecorderError> {
        if let Some(last) = self.pending.frames.last_mut() {
            last.1 = self.last_duration;
        }
        self.flush().await?;
        self.close().await?;
        self.run = None;
        self.last = None;
        Ok(())
    }
}
