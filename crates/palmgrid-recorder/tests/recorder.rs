//! The recorder on real H.264 (the simulator's encoder) and both databases: segments and
//! index, range MP4s read back box by box (and by ffprobe when present), crash recovery
//! and retention.

use mp4_atom::{Any, Decode, Moov};
use palmgrid_domain::clock::{Clock, ManualClock};
use palmgrid_recorder::retention::{DAY_MS, Policy, sweep};
use palmgrid_recorder::writer::SegmentWriter;
use palmgrid_recorder::{Config, RangeMp4, Tails, index, recover, segment_path, sidecar_path};
use palmgrid_simcam::encode::{EncodedClip, StreamSpec, encode_clip};
use palmgrid_simcam::scene::{Scene, SceneKind};
use palmgrid_store::{Store, both_backends};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

const T0: i64 = 1_780_000_000_000;
const CAM: &str = "3f1e2d4c-0000-4000-8000-000000000001";

/// Four seconds of 640×360 at 25 fps, GOP 50, encoded once for all tests.
fn clip() -> &'static EncodedClip {
    static CLIP: OnceLock<EncodedClip> = OnceLock::new();
    CLIP.get_or_init(|| {
        let spec = StreamSpec { width: 320, height: 180, ..StreamSpec::SUB };
        encode_clip(&Scene::new(SceneKind::PeopleWalking, 4.0, 7), spec, 4.0).expect("encode")
    })
}

struct Rig {
    store: Store,
    clock: ManualClock,
    dir: tempfile::TempDir,
    cfg: Arc<Config>,
    tails: Tails,
}

impl Rig {
    fn new(store: Store) -> Rig {
        let dir = tempfile::tempdir().unwrap();
        let cfg = Arc::new(Config::new(dir.path().to_path_buf()));
        Rig { store, clock: ManualClock::new(T0), dir, cfg, tails: Tails::default() }
    }

    fn writer(&self) -> SegmentWriter {
        let clock: Arc<dyn Clock> = Arc::new(self.clock.clone());
        // No gathering window: the tests feed minutes of video as fast as they can.
        let committer = palmgrid_recorder::commit::Committer::spawn(self.store.clone());
        SegmentWriter::new(
            self.store.clone(),
            committer,
            self.tails.clone(),
            clock,
            self.cfg.clone(),
            CAM.into(),
            "main",
        )
    }

    /// The recordings as readers on this node see them: the rows with the open tails.
    async fn rows(&self) -> Vec<palmgrid_store::RecordingRow> {
        self.tails.recordings_between(&self.store, CAM, "main", 0, i64::MAX).await.unwrap()
    }

    /// What a recording's sidecar holds (as recovery would read it).
    fn sidecar(&self, id: i64) -> Vec<index::IndexedSample> {
        let raw = std::fs::read(sidecar_path(self.dir.path(), CAM, id).unwrap()).unwrap();
        let (samples, used) = index::decode_prefix(&raw);
        assert_eq!(used, raw.len(), "the sidecar holds whole entries only");
        samples
    }

    /// Feeds `seconds` of looped clip (pts from `base`), returns the frames fed.
    async fn feed(&self, w: &mut SegmentWriter, seconds: i64, base_90k: i64) -> Vec<palmgrid_media::frame::Frame> {
        let c = clip();
        w.on_params(Arc::new(c.params.clone())).await.unwrap();
        let loops = seconds * 90_000 / c.duration_90k;
        let mut fed = Vec::new();
        for k in 0..loops {
            for f in c.looped(k, base_90k) {
                fed.push(f.clone());
                w.on_frame(f).await.unwrap();
            }
        }
        fed
    }

    /// Every recording (as readers see it) has its file, of exactly the indexed length, an
    /// open one its sidecar, agreeing with its index; no file lacks a recording.
    async fn assert_index_matches_files(&self) {
        let rows = self.store.camera_recordings(CAM).await.unwrap();
        let seen = self.rows().await;
        let mut files: Vec<_> = match std::fs::read_dir(self.dir.path().join(CAM)) {
            Ok(d) => d.map(|e| e.unwrap().path()).collect(),
            Err(_) => vec![],
        };
        files.sort();
        let mut expected: Vec<_> = rows.iter().map(|r| segment_path(self.dir.path(), CAM, r.id).unwrap()).collect();
        expected.extend(rows.iter().filter(|r| r.open).map(|r| sidecar_path(self.dir.path(), CAM, r.id).unwrap()));
        expected.sort();
        assert_eq!(files, expected, "files on disk are exactly the recordings and the open ones' sidecars");
        for r in &rows {
            let bytes = seen.iter().find(|s| s.id == r.id).map_or(r.bytes, |s| s.bytes);
            let len = std::fs::metadata(segment_path(self.dir.path(), CAM, r.id).unwrap()).unwrap().len();
            assert_eq!(len as i64, bytes, "recording {} file length", r.id);
        }
        for r in seen.iter().filter(|r| r.open) {
            assert_eq!(self.sidecar(r.id), index::decode(&r.sample_index).unwrap(), "recording {} sidecar", r.id);
        }
    }
}

fn read_all(mp4: &RangeMp4) -> Vec<u8> {
    let mut out = Vec::new();
    while (out.len() as u64) < mp4.len() {
        let chunk = mp4.read_at(out.len() as u64, 100_000).unwrap();
        assert!(!chunk.is_empty());
        out.extend_from_slice(&chunk);
    }
    out
}

fn moov_of(file: &[u8]) -> Moov {
    let mut buf = file;
    loop {
        match Any::decode(&mut buf).unwrap() {
            Any::Moov(m) => return m,
            _ => continue,
        }
    }
}

/// ffprobe's idea of the duration, when ffprobe is installed.
fn ffprobe_duration(path: &Path) -> Option<f64> {
    let out = std::process::Command::new("ffprobe")
        .args(["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0"])
        .arg(path)
        .output();
    match out {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).trim().parse().unwrap()),
        Ok(o) => panic!("ffprobe rejected the file: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => {
            if std::env::var("PALMGRID_REQUIRE_TOOLS").is_ok() {
                panic!("ffprobe is required (PALMGRID_REQUIRE_TOOLS)");
            }
            eprintln!("skipping the ffprobe check: ffprobe is not installed");
            None
        }
    }
}

both_backends!(segments_of_a_minute_contiguous_and_indexed, |store: Store| async move {
    let rig = Rig::new(store);
    let mut w = rig.writer();
    let fed = rig.feed(&mut w, 132, 0).await;
    w.end_run().await.unwrap();
    let rows = rig.store.recordings_between(CAM, "main", 0, i64::MAX).await.unwrap();
    // 132 s with keyframes every 2 s: segments close at the first keyframe after 60 s.
    let secs: Vec<i64> = rows.iter().map(|r| r.duration_90k / 90_000).collect();
    assert_eq!(secs, vec![60, 60, 12]);
    assert_eq!(rows[0].start_ms, T0);
    for pair in rows.windows(2) {
        assert_eq!(pair[0].end_ms, pair[1].start_ms, "a run's segments follow without gaps");
    }
    assert!(rows.iter().all(|r| !r.open));
    assert_eq!(rows.iter().map(|r| r.frames).sum::<i64>(), fed.len() as i64, "every frame is kept");
    // The index describes the file byte for byte.
    let r = &rows[1];
    let samples = index::decode(&r.sample_index).unwrap();
    assert!(samples[0].is_key, "a segment starts at a keyframe");
    let data = std::fs::read(segment_path(rig.dir.path(), CAM, r.id).unwrap()).unwrap();
    let first_of_row1 = rows[0].frames as usize;
    for (i, s) in samples.iter().enumerate().step_by(37) {
        let f = &fed[first_of_row1 + i];
        assert_eq!(&data[s.offset as usize..(s.offset + s.size as u64) as usize], &f.data[..], "sample {i}");
        assert_eq!(s.is_key, f.is_key);
    }
    rig.assert_index_matches_files().await;
});

both_backends!(a_range_mp4_lasts_the_range_and_points_at_the_right_bytes, |store: Store| async move {
    let rig = Rig::new(store);
    let mut w = rig.writer();
    let fed = rig.feed(&mut w, 120, 0).await;
    w.end_run().await.unwrap();
    // 30.5 s .. 90.5 s: starts mid-GOP, spans two segments.
    let (from, to) = (T0 + 30_500, T0 + 90_500);
    let rows = rig.store.recordings_between(CAM, "main", from, to).await.unwrap();
    assert_eq!(rows.len(), 2);
    let mp4 = RangeMp4::build(&rows, rig.dir.path(), from, to).unwrap().unwrap();
    assert_eq!(mp4.duration_90k, 60 * 90_000, "presented duration is the range");
    assert_eq!((mp4.start_ms, mp4.end_ms), (from, to));
    let file = read_all(&mp4);
    let moov = moov_of(&file);
    let stbl = &moov.trak[0].mdia.minf.stbl;
    let elst = &moov.trak[0].edts.as_ref().unwrap().elst.as_ref().unwrap().entries[0];
    assert_eq!(elst.media_time, Some(90_000 / 2), "half a second before `from` is hidden (keyframe at 30 s)");
    let sizes = match &stbl.stsz.samples {
        mp4_atom::StszSamples::Different { sizes } => sizes.clone(),
        _ => panic!("sizes"),
    };
    // Frames from the keyframe at 30 s up to 90.5 s.
    let first = fed.iter().position(|f| f.pts_90k == 30 * 90_000).unwrap();
    let last = fed.iter().position(|f| f.pts_90k >= 90 * 90_000 + 45_000).unwrap();
    assert_eq!(sizes.len(), last - first);
    let co64 = &stbl.co64.as_ref().unwrap().entries;
    assert_eq!(co64.len(), 2, "one chunk per segment");
    // The first sample of each chunk is the right frame.
    let at = co64[0] as usize;
    assert_eq!(&file[at..at + sizes[0] as usize], &fed[first].data[..]);
    let in_first_chunk = stbl.stsc.entries[0].samples_per_chunk as usize;
    let at = co64[1] as usize;
    assert_eq!(&file[at..at + sizes[in_first_chunk] as usize], &fed[first + in_first_chunk].data[..]);
    // Byte ranges: any slice equals the same slice of the whole.
    let mid = mp4.read_at(file.len() as u64 / 2, 1000).unwrap();
    assert_eq!(&mid[..], &file[file.len() / 2..file.len() / 2 + mid.len()]);
    assert!(mp4.read_at(mp4.len(), 10).unwrap().is_empty());

    let path = rig.dir.path().join("range.mp4");
    std::fs::write(&path, &file).unwrap();
    if let Some(d) = ffprobe_duration(&path) {
        assert!((d - 60.0).abs() < 0.1, "ffprobe says {d} s");
    }
    // Nothing recorded there.
    let none = rig.store.recordings_between(CAM, "main", T0 + 500_000, T0 + 600_000).await.unwrap();
    assert!(RangeMp4::build(&none, rig.dir.path(), T0 + 500_000, T0 + 600_000).unwrap().is_none());
});

/// Records `seconds`, then "kill -9"s the writer and recovers: at most 2 s may be lost.
async fn crash_and_recover(store: Store, seconds: i64) {
    let rig = Rig::new(store);
    let mut w = rig.writer();
    let fed = rig.feed(&mut w, seconds, 0).await;
    // "kill -9": the writer vanishes with frames pending, and the file holds bytes the index
    // never heard of (written, not yet indexed).
    drop(w);
    let open = rig.store.open_recordings().await.unwrap();
    assert_eq!(open.len(), 1);
    let last_fed_ms = T0 + fed.last().unwrap().pts_90k / 90;
    // The row was committed at the last sync, seconds ago: the sidecar has the rest.
    assert!(last_fed_ms - open[0].end_ms > 4_000, "the row lags by {} ms", last_fed_ms - open[0].end_ms);
    assert_eq!(open[0].boot_id, palmgrid_recorder::boot_id(), "even a row never committed since");
    let path = segment_path(rig.dir.path(), CAM, open[0].id).unwrap();
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[0xAB; 5000]).unwrap();
    }
    let rep = recover(&rig.store, rig.dir.path()).await.unwrap();
    assert_eq!((rep.closed, rep.trimmed_files, rep.removed, rep.from_sidecar), (1, 1, 0, 1));
    rig.tails.retire(open[0].id);
    rig.assert_index_matches_files().await;
    // Everything up to the last flushed keyframe is playable: at most one GOP (2 s) lost.
    let rows = rig.store.recordings_between(CAM, "main", 0, i64::MAX).await.unwrap();
    let end = rows.last().unwrap().end_ms;
    assert!(last_fed_ms - end <= 2_000, "lost {} ms", last_fed_ms - end);
    let mp4 = RangeMp4::build(&rows, rig.dir.path(), T0, end).unwrap().unwrap();
    assert_eq!(mp4.end_ms - mp4.start_ms, end - T0);
    // Recording again after the restart starts a new run.
    let mut w = rig.writer();
    rig.clock.advance_ms(100_000);
    rig.feed(&mut w, 8, 5_000_000).await;
    w.end_run().await.unwrap();
    assert_eq!(rig.store.recordings_between(CAM, "main", T0 + 100_000, i64::MAX).await.unwrap().len(), 1);
    rig.assert_index_matches_files().await;
}

// The open segment was synced (and its row committed) once, at 10 s, and written since.
both_backends!(after_a_crash_everything_flushed_stays_and_agrees_with_the_files, |store: Store| async move {
    crash_and_recover(store, 76).await;
});

// The open segment was never synced: its row is as inserted, the sidecar is all there is.
both_backends!(a_crash_before_a_segment_s_first_sync_keeps_what_its_sidecar_says, |store: Store| async move {
    crash_and_recover(store, 68).await;
});

both_backends!(files_are_synced_every_ten_seconds_and_a_reboot_keeps_only_that, |store: Store| async move {
    let rig = Rig::new(store);
    let mut w = rig.writer();
    let fed = rig.feed(&mut w, 76, 0).await;
    // The first segment closed at 60 s: synced whole. The open one (16 s) was synced once,
    // at 10 s, and written and indexed since; its row was committed at that sync.
    let rows = rig.rows().await;
    assert_eq!(rows.len(), 2);
    assert!(!rows[0].open && rows[0].synced_bytes == rows[0].bytes, "a closed segment is synced");
    let open = &rows[1];
    assert!(open.open && open.synced_bytes > 0 && open.synced_bytes < open.bytes, "{open:?}");
    let committed = &rig.store.open_recordings().await.unwrap()[0];
    assert_eq!(
        (committed.id, committed.bytes, committed.synced_bytes),
        (open.id, open.synced_bytes, open.synced_bytes)
    );
    assert_eq!(committed.boot_id, palmgrid_recorder::boot_id());
    // A range after the row's committed end still finds the open segment, through its tail.
    let late = open.end_ms - 1_000;
    assert!(rig.store.recordings_between(CAM, "main", late, i64::MAX).await.unwrap().is_empty());
    let seen = rig.tails.recordings_between(&rig.store, CAM, "main", late, i64::MAX).await.unwrap();
    assert_eq!(seen.iter().map(|r| r.id).collect::<Vec<_>>(), [open.id]);
    let spans = rig.tails.recording_spans(&rig.store, CAM, late, i64::MAX).await.unwrap();
    assert_eq!(spans.iter().map(|s| (s.id, s.end_ms)).collect::<Vec<_>>(), [(open.id, open.end_ms)]);
    let synced_ms = {
        let samples = index::decode(&open.sample_index).unwrap();
        let whole: Vec<_> =
            samples.iter().take_while(|s| s.offset + s.size as u64 <= open.synced_bytes as u64).collect();
        assert_eq!(whole.iter().map(|s| s.size as i64).sum::<i64>(), open.synced_bytes, "synced at a sample boundary");
        let d: u64 = whole.iter().map(|s| s.duration_90k as u64).sum();
        open.start_ms + (d / 90) as i64
    };
    assert!((10_000..=12_000).contains(&(synced_ms - open.start_ms)), "synced {} ms in", synced_ms - open.start_ms);
    // Power loss: the process and the kernel went down; the next boot trusts only what was
    // synced, even though this file (page cache intact here) holds more.
    drop(w);
    let rep = palmgrid_recorder::recover_in_boot(&rig.store, rig.dir.path(), "a-later-boot").await.unwrap();
    assert_eq!(
        (rep.closed, rep.from_sidecar, rep.trimmed_files, rep.removed),
        (1, 0, 1, 0),
        "the sidecar is not trusted"
    );
    rig.tails.retire(open.id);
    rig.assert_index_matches_files().await;
    let rows = rig.store.recordings_between(CAM, "main", 0, i64::MAX).await.unwrap();
    let last = rows.last().unwrap();
    assert_eq!((last.end_ms, last.synced_bytes, last.open), (synced_ms, last.bytes, false));
    let last_fed_ms = T0 + fed.last().unwrap().pts_90k / 90;
    assert!(last_fed_ms - last.end_ms <= 12_000, "a power loss costs at most the sync interval and a flush");
    assert!(RangeMp4::build(&rows, rig.dir.path(), T0, last.end_ms).unwrap().is_some());
});

both_backends!(quota_and_age_delete_the_oldest_first, |store: Store| async move {
    let rig = Rig::new(store);
    let mut w = rig.writer();
    rig.feed(&mut w, 240, 0).await;
    w.end_run().await.unwrap();
    let before = rig.store.camera_recordings(CAM).await.unwrap();
    assert_eq!(before.len(), 4);
    let total: i64 = before.iter().map(|r| r.bytes).sum();
    // A quota that holds about half of what was recorded.
    let quota = (total / 2) as u64;
    let policies = HashMap::from([(CAM.to_string(), Policy { retain_days: 30, quota_bytes: Some(quota) })]);
    let default = Policy { retain_days: 30, quota_bytes: None };
    let s = sweep(&rig.store, rig.dir.path(), rig.clock.now_ms(), &policies, default).await.unwrap();
    let after = rig.store.camera_recordings(CAM).await.unwrap();
    assert!(after.iter().map(|r| r.bytes).sum::<i64>() as u64 <= quota);
    assert!(s.expired.is_empty());
    let deleted: Vec<i64> = s.over_quota.iter().map(|x| x.1).collect();
    assert_eq!(deleted, before[..deleted.len()].iter().map(|r| r.id).collect::<Vec<_>>(), "oldest first");
    assert_eq!(after, before[deleted.len()..].to_vec(), "the newest stay");
    rig.assert_index_matches_files().await;

    // Age: 30 days after the newest ended, only the older ones go; a day later, all.
    let policies = HashMap::new();
    let newest = after.last().unwrap().clone();
    let s = sweep(&rig.store, rig.dir.path(), newest.end_ms + 30 * DAY_MS - 1, &policies, default).await.unwrap();
    assert_eq!(s.expired.len(), after.len() - 1);
    assert_eq!(rig.store.camera_recordings(CAM).await.unwrap(), vec![newest]);
    let s = sweep(&rig.store, rig.dir.path(), rig.clock.now_ms() + 31 * DAY_MS, &policies, default).await.unwrap();
    assert_eq!(s.expired.len(), 1);
    assert!(rig.store.camera_recordings(CAM).await.unwrap().is_empty());
    rig.assert_index_matches_files().await;
});

both_backends!(recording_goes_on_after_a_failed_flush, |store: Store| async move {
    let rig = Rig::new(store);
    let mut w = rig.writer();
    let c = clip();
    w.on_params(Arc::new(c.params.clone())).await.unwrap();
    let frames: Vec<_> = (0..20).flat_map(|k| c.looped(k, 0).collect::<Vec<_>>()).collect();
    // 10 s in, the open segment's row disappears underneath the writer (as if the database
    // had lost it): its next flush fails.
    let mut failed = false;
    for (i, f) in frames.into_iter().enumerate() {
        if i == 250 {
            let open = rig.store.open_recordings().await.unwrap();
            rig.store.delete_recordings(&[(open[0].id, CAM.to_string())]).await.unwrap();
        }
        let r = w.on_frame(f).await;
        failed |= r.is_err();
        w.recover_from(r).await;
    }
    let r = w.end_run().await;
    w.recover_from(r).await;
    assert!(failed, "the flush after the deletion failed");
    // Recording started again at the next keyframe and went on to the end.
    let rows = rig.store.recordings_between(CAM, "main", 0, i64::MAX).await.unwrap();
    assert!(!rows.is_empty());
    let recorded_s = rows.iter().map(|r| r.duration_90k).sum::<i64>() / 90_000;
    assert!((66..=70).contains(&recorded_s), "{recorded_s} s of 80 s kept after losing the first 10 s");
    assert!(rig.store.open_recordings().await.unwrap().is_empty(), "nothing is left open");
    palmgrid_recorder::collect_garbage(&rig.store, rig.dir.path()).await.unwrap();
    rig.assert_index_matches_files().await;
});

// A batch of frames taken at once (a paced pull delivers a fraction of a second together) is
// dated back from its newest frame by the camera's clock, so a run starts when its first
// frame arrived, not when the batch was handled.
both_backends!(a_batch_is_dated_back_from_its_newest_frame, |s: Store| async move {
    let rig = Rig::new(s);
    let hub = palmgrid_media::hub::LiveStream::default();
    let c = clip();
    hub.publish_params(c.params.clone());
    // Ten frames (360 ms of camera time, from a keyframe) wait in the hub.
    let frames: Vec<_> = c.looped(0, 0).take(10).collect();
    assert!(frames[0].is_key);
    for f in &frames {
        hub.publish(f.clone());
    }
    let sub = hub.subscribe_patient();
    let (stop, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(rig.writer().run(sub, rx));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.send(true).unwrap();
    task.await.unwrap();
    let rows = rig.store.camera_recordings(CAM).await.unwrap();
    assert_eq!(rows.len(), 1);
    let span_ms = (frames[9].pts_90k - frames[0].pts_90k) / 90;
    assert_eq!(span_ms, 360);
    assert_eq!(rows[0].start_ms, T0 - span_ms, "the first frame arrived 360 ms before the newest");
    assert!(!rows[0].open && rows[0].bytes == frames.iter().map(|f| f.data.len() as i64).sum::<i64>());
});

both_backends!(the_end_of_a_batch_is_indexed_with_a_provisional_duration_corrected_later, |s: Store| async move {
    let rig = Rig::new(s);
    let mut w = rig.writer();
    let c = clip();
    w.on_params(Arc::new(c.params.clone())).await.unwrap();
    let frames: Vec<_> = c.looped(0, 0).collect();
    let indexed = |rows: &[palmgrid_store::RecordingRow]| index::decode(&rows[0].sample_index).unwrap();
    // A paced pull hands over 0.2 s: too little to flush at the end of the batch.
    for f in &frames[..5] {
        w.on_frame(f.clone()).await.unwrap();
    }
    w.end_batch().await.unwrap();
    assert!(rig.rows().await.is_empty(), "a batch of 0.2 s waits");
    assert!(rig.sidecar(rig.store.open_recordings().await.unwrap()[0].id).is_empty());
    // Then 0.6 s more: everything is flushed, the newest frame with its predecessor's duration.
    for f in &frames[5..20] {
        w.on_frame(f.clone()).await.unwrap();
    }
    w.end_batch().await.unwrap();
    let rows = rig.rows().await;
    let samples = indexed(&rows);
    assert_eq!(samples.len(), 20, "the newest frame is indexed before its successor came");
    assert_eq!(samples[19].duration_90k, 3_600);
    assert_eq!(rows[0].duration_90k, 20 * 3_600);
    rig.assert_index_matches_files().await;
    // The camera dropped a frame: the next one comes two intervals later, which corrects the
    // guess at the next flush; nothing is written twice.
    for f in &frames[21..40] {
        w.on_frame(f.clone()).await.unwrap();
    }
    w.end_batch().await.unwrap();
    let rows = rig.rows().await;
    let samples = indexed(&rows);
    assert_eq!(samples.len(), 39);
    assert_eq!(samples[19].duration_90k, 7_200, "corrected: frame 20 never came");
    assert_eq!(rig.sidecar(rows[0].id), samples, "the sidecar is corrected too");
    assert_eq!(samples[20].start_90k, (frames[21].pts_90k - frames[0].pts_90k) as u64);
    assert_eq!(rows[0].duration_90k, 40 * 3_600, "the run's time follows the camera's clock");
    rig.assert_index_matches_files().await;
    // A run that ends keeps the last guess, as before.
    w.end_run().await.unwrap();
    let rows = rig.rows().await;
    assert!(!rows[0].open);
    assert_eq!(indexed(&rows)[38].duration_90k, 3_600);
    rig.assert_index_matches_files().await;
});

// A corrected entry can take fewer bytes than the guess (a long gap guessed, a normal
// interval found): the sidecar is rewritten from that entry on, so recovery reads the
// index as the writer has it, byte for byte.
both_backends!(a_corrected_entry_of_another_length_is_rewritten_in_the_sidecar, |s: Store| async move {
    let rig = Rig::new(s);
    let mut w = rig.writer();
    let c = clip();
    w.on_params(Arc::new(c.params.clone())).await.unwrap();
    // 20 frames, then one 20,000 ticks later (a three-byte varint): flushed with that guess.
    let mut frames: Vec<_> = c.looped(0, 0).take(40).collect();
    for f in &mut frames[20..] {
        f.pts_90k += 20_000 - 3_600;
    }
    for f in &frames[..21] {
        w.on_frame(f.clone()).await.unwrap();
    }
    w.end_batch().await.unwrap();
    let id = rig.rows().await[0].id;
    assert_eq!(rig.sidecar(id)[20].duration_90k, 20_000);
    // The next frame comes 3,600 ticks later (two bytes): one byte shorter.
    for f in &frames[21..40] {
        w.on_frame(f.clone()).await.unwrap();
    }
    w.end_batch().await.unwrap();
    let rows = rig.rows().await;
    let samples = index::decode(&rows[0].sample_index).unwrap();
    assert_eq!((samples.len(), samples[20].duration_90k), (40, 3_600));
    let raw = std::fs::read(sidecar_path(rig.dir.path(), CAM, id).unwrap()).unwrap();
    assert_eq!(raw, rows[0].sample_index, "the sidecar is the index, byte for byte");
    rig.assert_index_matches_files().await;
    w.end_run().await.unwrap();
    assert!(!sidecar_path(rig.dir.path(), CAM, id).unwrap().exists(), "a closed segment has no sidecar");
});

// Recovery checks what only the sidecar says against the file: a sample must be whole
// length-prefixed NAL units. A sidecar whose entries stop lining up with the file (one size
// one byte too long, the next one byte short: same total) is used up to that sample only.
both_backends!(recovery_uses_a_sidecar_only_as_far_as_it_lines_up_with_the_file, |store: Store| async move {
    let rig = Rig::new(store);
    let mut w = rig.writer();
    rig.feed(&mut w, 8, 0).await;
    drop(w);
    let open = rig.store.open_recordings().await.unwrap();
    assert_eq!(open[0].frames, 0, "never synced: the sidecar is all there is");
    let id = open[0].id;
    let mut samples = rig.sidecar(id);
    assert!(samples.len() > 150, "{} samples", samples.len());
    samples[150].size += 1;
    samples[151].size -= 1;
    let mut idx = Vec::new();
    for s in &samples {
        index::push(&mut idx, s.duration_90k, s.size, s.is_key);
    }
    std::fs::write(sidecar_path(rig.dir.path(), CAM, id).unwrap(), &idx).unwrap();
    let rep = recover(&rig.store, rig.dir.path()).await.unwrap();
    assert_eq!((rep.closed, rep.from_sidecar, rep.trimmed_files), (1, 1, 1));
    rig.tails.retire(id);
    let rows = rig.store.camera_recordings(CAM).await.unwrap();
    let kept: i64 = samples[..150].iter().map(|s| s.size as i64).sum();
    assert_eq!(rows[0].bytes, kept, "samples 0–149 kept, the rest cut");
    rig.assert_index_matches_files().await;
});
