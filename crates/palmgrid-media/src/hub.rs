//! The live hub: one upstream per stream, any number of viewers.
//!
//! Frames are `bytes::Bytes` shared by reference; publishing never waits for a viewer.
//! The hub keeps the current GOP (frames since the last keyframe), so a new viewer starts
//! at once from the latest keyframe instead of waiting up to a GOP for the next one. A
//! viewer that falls behind by more than the channel holds is told so and skips to the next
//! keyframe; the others are unaffected.

use crate::frame::{Frame, StreamParams};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::broadcast;

/// Frames kept per viewer before it counts as lagging (about 20 s at 25 fps).
pub const DEFAULT_CAPACITY: usize = 512;
/// A GOP longer than this many frames is not cached beyond it (a camera configured with
/// keyframes minutes apart must not fill memory).
pub const MAX_GOP_FRAMES: usize = 1500;

#[derive(Debug, Clone)]
pub enum Event {
    /// New decoder configuration; everything after it uses these parameters.
    Params(Arc<StreamParams>),
    Frame(Frame),
}

#[derive(Debug, Default)]
struct Cache {
    params: Option<Arc<StreamParams>>,
    gop: Vec<Frame>,
}

#[derive(Debug)]
struct Inner {
    cache: Mutex<Cache>,
    tx: broadcast::Sender<Event>,
    viewers: AtomicUsize,
    /// Viewers that take frames in batches and need no low latency (the recorder).
    patient: AtomicUsize,
    /// Told when a viewer who needs low latency subscribes.
    impatient_arrived: tokio::sync::Notify,
}

/// One live stream. Cheap to clone.
#[derive(Debug, Clone)]
pub struct LiveStream {
    inner: Arc<Inner>,
}

impl Default for LiveStream {
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

impl LiveStream {
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        LiveStream {
            inner: Arc::new(Inner {
                cache: Mutex::default(),
                tx,
                viewers: AtomicUsize::new(0),
                patient: AtomicUsize::new(0),
                impatient_arrived: tokio::sync::Notify::new(),
            }),
        }
    }

    /// Sets the decoder configuration (at start, and whenever the camera changes it).
    pub fn publish_params(&self, p: StreamParams) {
        let mut c = self.inner.cache.lock().expect("hub lock");
        if c.params.as_deref() == Some(&p) {
            return;
        }
        let p = Arc::new(p);
        c.params = Some(p.clone());
        // Frames before new parameters cannot be decoded with them.
        c.gop.clear();
        let _ = self.inner.tx.send(Event::Params(p));
    }

    /// Publishes a frame to every viewer. Frames before the first keyframe are dropped.
    pub fn publish(&self, f: Frame) {
        let mut c = self.inner.cache.lock().expect("hub lock");
        if f.is_key {
            c.gop.clear();
        } else if c.gop.is_empty() || c.gop.len() >= MAX_GOP_FRAMES {
            // No keyframe yet (nothing decodable to cache), or an overlong GOP.
            let _ = self.inner.tx.send(Event::Frame(f));
            return;
        }
        c.gop.push(f.clone());
        let _ = self.inner.tx.send(Event::Frame(f));
    }

    /// Starts watching: the current parameters and GOP, then live frames.
    pub fn subscribe(&self) -> Subscription {
        self.subscribe_as(false)
    }

    /// Starts watching without needing low latency: a patient viewer takes frames in
    /// batches (with [`Subscription::try_next`]), and while only patient viewers watch, the
    /// source may read in batches too, which saves wake-ups and syscalls per frame.
    pub fn subscribe_patient(&self) -> Subscription {
        self.subscribe_as(true)
    }

    fn subscribe_as(&self, patient: bool) -> Subscription {
        let c = self.inner.cache.lock().expect("hub lock");
        // Subscribing under the lock makes backlog + live exactly contiguous.
        let rx = self.inner.tx.subscribe();
        let mut backlog: std::collections::VecDeque<Event> = std::collections::VecDeque::new();
        if let Some(p) = &c.params {
            backlog.push_back(Event::Params(p.clone()));
        }
        backlog.extend(c.gop.iter().cloned().map(Event::Frame));
        let waiting_for_key = c.gop.is_empty();
        drop(c);
        self.inner.viewers.fetch_add(1, Ordering::SeqCst);
        if patient {
            self.inner.patient.fetch_add(1, Ordering::SeqCst);
        } else {
            self.inner.impatient_arrived.notify_one();
        }
        Subscription { backlog, rx, waiting_for_key, skipped: 0, patient, stream: self.inner.clone() }
    }

    pub fn viewers(&self) -> usize {
        self.inner.viewers.load(Ordering::SeqCst)
    }

    /// Whether someone is watching who wants each frame as soon as it arrives.
    pub fn wants_low_latency(&self) -> bool {
        self.inner.viewers.load(Ordering::SeqCst) > self.inner.patient.load(Ordering::SeqCst)
    }

    /// Completes when a viewer who needs low latency has subscribed since the last time
    /// this completed, so that a source reading in batches can switch at once. (It may
    /// complete for a viewer who has left again: check [`Self::wants_low_latency`].)
    pub async fn impatient_viewer(&self) {
        self.inner.impatient_arrived.notified().await
    }

    pub fn params(&self) -> Option<Arc<StreamParams>> {
        self.inner.cache.lock().expect("hub lock").params.clone()
    }

    /// The most recent keyframe, if one is cached (for snapshots).
    pub fn last_keyframe(&self) -> Option<(Arc<StreamParams>, Frame)> {
        let c = self.inner.cache.lock().expect("hub lock");
        Some((c.params.clone()?, c.gop.first()?.clone()))
    }
}

/// A viewer's position in a live stream. Dropping it ends the viewing.
#[derive(Debug)]
pub struct Subscription {
    backlog: std::collections::VecDeque<Event>,
    rx: broadcast::Receiver<Event>,
    waiting_for_key: bool,
    skipped: u64,
    patient: bool,
    stream: Arc<Inner>,
}

impl Subscription {
    /// The next event, starting at a keyframe and skipping to the next keyframe after a
    /// lag. `None` when the stream is closed.
    pub async fn next(&mut self) -> Option<Event> {
        if let Some(e) = self.backlog.pop_front() {
            return Some(e);
        }
        loop {
            match self.rx.recv().await {
                Ok(e) => {
                    if let Some(e) = self.admit(e) {
                        return Some(e);
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => self.lagged(n),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next event if one is ready now, without waiting (`None`: nothing yet, or the
    /// stream closed; [`Subscription::next`] tells which).
    pub fn try_next(&mut self) -> Option<Event> {
        if let Some(e) = self.backlog.pop_front() {
            return Some(e);
        }
        loop {
            match self.rx.try_recv() {
                Ok(e) => {
                    if let Some(e) = self.admit(e) {
                        return Some(e);
                    }
                }
                Err(broadcast::error::TryRecvError::Lagged(n)) => self.lagged(n),
                Err(broadcast::error::TryRecvError::Empty | broadcast::error::TryRecvError::Closed) => return None,
            }
        }
    }

    /// Passes an event on, except frames while waiting for a keyframe (after joining
    /// without one, a lag, or new parameters).
    fn admit(&mut self, e: Event) -> Option<Event> {
        match e {
            Event::Frame(f) if self.waiting_for_key && !f.is_key => {
                self.skipped += 1;
                None
            }
            Event::Frame(f) => {
                self.waiting_for_key = false;
                Some(Event::Frame(f))
            }
            Event::Params(p) => {
                self.waiting_for_key = true;
                Some(Event::Params(p))
            }
        }
    }

    fn lagged(&mut self, n: u64) {
        tracing::debug!(skipped = n, "viewer lagged; skipping to the next keyframe");
        self.skipped += n;
        self.waiting_for_key = true;
    }

    /// Frames this viewer skipped because it lagged or joined without a cached keyframe.
    pub fn skipped(&self) -> u64 {
        self.skipped
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stream.viewers.fetch_sub(1, Ordering::SeqCst);
        if self.patient {
            self.stream.patient.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Codec;
    use bytes::Bytes;

    fn params() -> StreamParams {
        StreamParams {
            codec: Codec::H264,
            rfc6381: "avc1.42C01E".into(),
            width: 640,
            height: 360,
            sps: Bytes::from_static(&[0x67, 1, 2, 3]),
            pps: Bytes::from_static(&[0x68, 1]),
            hvcc: None,
        }
    }

    fn frame(i: i64) -> Frame {
        Frame { pts_90k: i * 3600, is_key: i % 10 == 0, data: Bytes::from(vec![i as u8; 100]) }
    }

    async fn next_frame(s: &mut Subscription) -> Frame {
        loop {
            if let Some(Event::Frame(f)) = s.next().await {
                return f;
            }
        }
    }

    #[tokio::test]
    async fn a_new_viewer_starts_at_the_latest_keyframe_at_once() {
        let hub = LiveStream::default();
        hub.publish_params(params());
        for i in 0..25 {
            hub.publish(frame(i));
        }
        let mut s = hub.subscribe();
        assert!(matches!(s.next().await, Some(Event::Params(_))));
        let first = next_frame(&mut s).await;
        assert_eq!(first.pts_90k, 20 * 3600, "GOP cache starts at keyframe 20");
        assert!(first.is_key);
        for i in 21..25 {
            assert_eq!(next_frame(&mut s).await.pts_90k, i * 3600);
        }
        hub.publish(frame(25));
        assert_eq!(next_frame(&mut s).await.pts_90k, 25 * 3600, "then live, contiguous");
    }

    #[tokio::test]
    async fn frames_are_shared_not_copied() {
        let hub = LiveStream::default();
        hub.publish_params(params());
        let mut a = hub.subscribe();
        let mut b = hub.subscribe();
        let f = frame(0);
        let ptr = f.data.as_ptr();
        hub.publish(f);
        assert_eq!(next_frame(&mut a).await.data.as_ptr(), ptr);
        assert_eq!(next_frame(&mut b).await.data.as_ptr(), ptr);
    }

    #[tokio::test]
    async fn a_slow_viewer_skips_to_the_next_keyframe_and_does_not_hold_up_others() {
        let hub = LiveStream::new(16);
        hub.publish_params(params());
        let mut slow = hub.subscribe();
        let mut fast = hub.subscribe();
        assert!(matches!(slow.next().await, Some(Event::Params(_))));
        for i in 0..45 {
            hub.publish(frame(i));
            assert_eq!(next_frame(&mut fast).await.pts_90k, i * 3600, "fast viewer gets every frame");
        }
        // The slow viewer lagged past the 16-frame buffer: it resumes at a keyframe.
        let f = next_frame(&mut slow).await;
        assert!(f.is_key, "resumed at {}", f.pts_90k);
        assert_eq!(f.pts_90k, 30 * 3600);
        assert!(slow.skipped() > 0);
    }

    #[tokio::test]
    async fn a_patient_viewer_takes_batches_and_does_not_ask_for_low_latency() {
        let hub = LiveStream::default();
        hub.publish_params(params());
        let mut rec = hub.subscribe_patient();
        assert!(!hub.wants_low_latency(), "only the recorder watches");
        assert!(matches!(rec.try_next(), Some(Event::Params(_))));
        assert!(rec.try_next().is_none(), "nothing yet");
        for i in 1..5 {
            hub.publish(frame(i)); // before the first keyframe: skipped
        }
        for i in 10..15 {
            hub.publish(frame(i));
        }
        let got: Vec<i64> = std::iter::from_fn(|| rec.try_next())
            .map(|e| match e {
                Event::Frame(f) => f.pts_90k / 3600,
                Event::Params(_) => -1,
            })
            .collect();
        assert_eq!(got, [10, 11, 12, 13, 14], "a batch starting at the keyframe");
        assert_eq!(rec.skipped(), 4);
        let live = hub.subscribe();
        assert!(hub.wants_low_latency());
        drop(live);
        assert!(!hub.wants_low_latency());
        drop(rec);
        assert_eq!(hub.viewers(), 0);
    }

    #[tokio::test]
    async fn a_source_reading_in_batches_is_told_when_a_live_viewer_comes() {
        use std::time::Duration;
        let hub = LiveStream::default();
        let _rec = hub.subscribe_patient();
        let told = tokio::time::timeout(Duration::from_millis(50), hub.impatient_viewer()).await;
        assert!(told.is_err(), "the recorder alone is no reason to hurry");
        let waiting = tokio::spawn({
            let hub = hub.clone();
            async move { hub.impatient_viewer().await }
        });
        tokio::task::yield_now().await;
        let _live = hub.subscribe();
        tokio::time::timeout(Duration::from_secs(1), waiting).await.expect("told at once").unwrap();
        // A viewer who came while nobody waited is not missed.
        let _another = hub.subscribe();
        tokio::time::timeout(Duration::from_millis(50), hub.impatient_viewer()).await.expect("told");
    }

    #[tokio::test]
    async fn viewers_are_counted() {
        let hub = LiveStream::default();
        assert_eq!(hub.viewers(), 0);
        let a = hub.subscribe();
        let b = hub.subscribe();
        assert_eq!(hub.viewers(), 2);
        drop(a);
        drop(b);
        assert_eq!(hub.viewers(), 0);
        assert!(hub.last_keyframe().is_none());
        hub.publish_params(params());
        hub.publish(frame(0));
        assert_eq!(hub.last_keyframe().unwrap().1.pts_90k, 0);
    }
}
