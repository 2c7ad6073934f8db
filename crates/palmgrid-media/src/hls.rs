//! HLS with fMP4 segments, for clients without Media Source Extensions (iOS Safari, TV
//! boxes, ffmpeg). One packager per stream, started by the first playlist request and
//! stopped when nobody has fetched anything for [`IDLE`]. Each segment is one GOP as a
//! single `moof`+`mdat`, with decode times continuing across segments.

use crate::fmp4::{MuxError, Sample, fragment, init_segment};
use crate::frame::{Frame, StreamParams};
use crate::hub::{Event, Subscription};
use bytes::Bytes;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Segments kept in the playlist.
pub const WINDOW: usize = 6;
/// A packager nobody has asked anything of for this long stops.
pub const IDLE: Duration = Duration::from_secs(30);
/// A GOP longer than this is cut into several segments (at non-key frames a segment can
/// still be decoded because it continues the previous one).
const MAX_SEGMENT_90K: u64 = 6 * 90_000;

#[derive(Debug, Clone)]
pub struct Segment {
    pub seq: u64,
    pub duration_90k: u64,
    pub data: Bytes,
    /// First segment after new decoder parameters.
    pub discontinuity: bool,
}

#[derive(Debug, Default)]
struct State {
    init: Option<Bytes>,
    segments: VecDeque<Segment>,
    closed: bool,
}

#[derive(Debug)]
struct Inner {
    state: Mutex<State>,
    last_access: Mutex<Instant>,
    changed: watch::Sender<u64>,
}

/// A running HLS packager. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HlsStream {
    inner: Arc<Inner>,
}

impl HlsStream {
    /// Starts packaging a live subscription.
    pub fn spawn(sub: Subscription) -> HlsStream {
        let (changed, _) = watch::channel(0);
        let s = HlsStream {
            inner: Arc::new(Inner { state: Mutex::default(), last_access: Mutex::new(Instant::now()), changed }),
        };
        tokio::spawn(s.clone().run(sub));
        s
    }

    pub fn is_closed(&self) -> bool {
        self.inner.state.lock().expect("hls lock").closed
    }

    /// Marks the stream as in use.
    pub fn touch(&self) {
        *self.inner.last_access.lock().expect("hls lock") = Instant::now();
    }

    /// Waits until at least `n` segments exist (or `timeout`); false on timeout or close.
    pub async fn wait_for_segments(&self, n: usize, timeout: Duration) -> bool {
        let mut rx = self.inner.changed.subscribe();
        let ready = || {
            let st = self.inner.state.lock().expect("hls lock");
            (st.segments.len() >= n, st.closed)
        };
        let wait = async {
            loop {
                match ready() {
                    (true, _) => return true,
                    (_, true) => return false,
                    _ => {}
                }
                if rx.changed().await.is_err() {
                    return false;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.unwrap_or(false)
    }

    /// The media playlist; segment and init URIs get `query` appended (e.g. `?view=…`).
    pub fn playlist(&self, query: &str) -> Option<String> {
        self.touch();
        let st = self.inner.state.lock().expect("hls lock");
        st.init.as_ref()?;
        let first = st.segments.front()?;
        let target = st.segments.iter().map(|s| s.duration_90k.div_ceil(90_000)).max().unwrap_or(1).max(1);
        let mut m = format!(
            "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:{target}\n#EXT-X-MEDIA-SEQUENCE:{}\n\
             #EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=\"hls/init.mp4{query}\"\n",
            first.seq
        );
        for s in &st.segments {
            if s.discontinuity && s.seq != first.seq {
                m.push_str("#EXT-X-DISCONTINUITY\n");
            }
            m.push_str(&format!("#EXTINF:{:.3},\nhls/{}.m4s{query}\n", s.duration_90k as f64 / 90_000.0, s.seq));
        }
        Some(m)
    }

    pub fn init(&self) -> Option<Bytes> {
        self.touch();
        self.inner.state.lock().expect("hls lock").init.clone()
    }

    pub fn segment(&self, seq: u64) -> Option<Bytes> {
        self.touch();
        self.inner.state.lock().expect("hls lock").segments.iter().find(|s| s.seq == seq).map(|s| s.data.clone())
    }

    fn publish(&self, f: impl FnOnce(&mut State)) {
        let mut st = self.inner.state.lock().expect("hls lock");
        f(&mut st);
        drop(st);
        self.inner.changed.send_modify(|n| *n += 1);
    }

    async fn run(self, mut sub: Subscription) {
        let mut p = Packager::default();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            let ev = tokio::select! {
                ev = sub.next() => ev,
                _ = tick.tick() => {
                    if self.inner.last_access.lock().expect("hls lock").elapsed() >= IDLE {
                        break;
                    }
                    continue;
                }
            };
            let Some(ev) = ev else { break };
            match p.push(ev) {
                Ok(Output::None) => {}
                Ok(Output::Init(init)) => self.publish(|st| st.init = Some(init)),
                Ok(Output::Segment(seg)) => self.publish(|st| {
                    st.segments.push_back(seg);
                    while st.segments.len() > WINDOW {
                        st.segments.pop_front();
                    }
                }),
                Err(e) => {
                    tracing::warn!(error = %e, "HLS packaging failed");
                    break;
                }
            }
        }
        self.publish(|st| st.closed = true);
    }
}

enum Output {
    None,
    Init(Bytes),
    Segment(Segment),
}

/// Cuts frames into GOP segments. Pure: no I/O, no clock.
#[derive(Default)]
struct Packager {
    params: Option<Arc<StreamParams>>,
    gop: Vec<Frame>,
    decode_90k: u64,
    seq: u64,
    last_duration: u32,
    discontinuity: bool,
}

impl Packager {
    fn push(&mut self, ev: Event) -> Result<Output, MuxError> {
        match ev {
            Event::Params(p) => {
                self.gop.clear();
                let init = init_segment(&p)?;
                self.params = Some(p);
                self.discontinuity = true;
                Ok(Output::Init(Bytes::from(init)))
            }
            Event::Frame(f) => {
                if self.params.is_none() || (self.gop.is_empty() && !f.is_key && self.seq == 0) {
                    return Ok(Output::None);
                }
                let span = self.gop.first().map(|g| (f.pts_90k - g.pts_90k).max(0) as u64).unwrap_or(0);
                let out = if !self.gop.is_empty() && (f.is_key || span >= MAX_SEGMENT_90K) {
                    Output::Segment(self.cut(Some(f.pts_90k))?)
                } else {
                    Output::None
                };
                self.gop.push(f);
                Ok(out)
            }
        }
    }

    /// Makes a segment of the frames so far; `next_pts` gives the last frame's duration.
    fn cut(&mut self, next_pts: Option<i64>) -> Result<Segment, MuxError> {
        let frames = std::mem::take(&mut self.gop);
        let mut durations = Vec::with_capacity(frames.len());
        for (i, f) in frames.iter().enumerate() {
            let next = frames.get(i + 1).map(|n| n.pts_90k).or(next_pts);
            let d = match next.map(|n| n - f.pts_90k) {
                Some(d) if (1..=5 * 90_000).contains(&d) => d as u32,
                _ if self.last_duration > 0 => self.last_duration,
                _ => 3600,
            };
            self.last_duration = d;
            durations.push(d);
        }
        let samples: Vec<Sample<'_>> =
            frames.iter().zip(&durations).map(|(frame, &duration_90k)| Sample { frame, duration_90k }).collect();
        self.seq += 1;
        let data = fragment(self.seq as u32, self.decode_90k, &samples)?;
        let duration_90k: u64 = durations.iter().map(|&d| d as u64).sum();
        self.decode_90k += duration_90k;
        let seg = Segment { seq: self.seq, duration_90k, data: Bytes::from(data), discontinuity: self.discontinuity };
        self.discontinuity = false;
        Ok(seg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Codec;
    use crate::hub::LiveStream;

    fn params() -> StreamParams {
        StreamParams {
            codec: Codec::H264,
            rfc6381: "avc1.42C01E".into(),
            width: 640,
            height: 360,
            sps: Bytes::from_static(&[0x67, 0x42, 0xC0, 0x1E, 0xD9, 0x00, 0xA0, 0x2F, 0xF9]),
            pps: Bytes::from_static(&[0x68, 0xCB, 0x83, 0xCB, 0x20]),
            hvcc: None,
        }
    }

    fn frame(i: i64) -> Frame {
        let mut d = vec![0u8; 20];
        d[..4].copy_from_slice(&16u32.to_be_bytes());
        Frame { pts_90k: i * 3600, is_key: i % 50 == 0, data: Bytes::from(d) }
    }

    #[test]
    fn segments_are_gops_with_continuous_decode_times() {
        let mut p = Packager::default();
        assert!(matches!(p.push(Event::Params(Arc::new(params()))).unwrap(), Output::Init(_)));
        let mut segs = Vec::new();
        for i in 0..160 {
            if let Output::Segment(s) = p.push(Event::Frame(frame(i))).unwrap() {
                segs.push(s);
            }
        }
        // Keyframes at 0, 50, 100, 150: three complete GOPs of 2 s.
        assert_eq!(
            segs.iter().map(|s| (s.seq, s.duration_90k)).collect::<Vec<_>>(),
            [(1, 180_000), (2, 180_000), (3, 180_000)]
        );
        assert!(segs[0].discontinuity && !segs[1].discontinuity);
        // Segment 2's tfdt is where segment 1 ended.
        let tfdt = segs[1].data.windows(4).position(|w| w == b"tfdt").unwrap();
        let v = segs[1].data[tfdt + 4];
        let base = if v == 1 {
            u64::from_be_bytes(segs[1].data[tfdt + 8..tfdt + 16].try_into().unwrap())
        } else {
            u32::from_be_bytes(segs[1].data[tfdt + 8..tfdt + 12].try_into().unwrap()) as u64
        };
        assert_eq!(base, 180_000);
    }

    #[tokio::test]
    async fn playlist_lists_a_sliding_window_and_the_packager_stops_when_unused() {
        let hub = LiveStream::default();
        hub.publish_params(params());
        let hls = HlsStream::spawn(hub.subscribe());
        assert!(hls.playlist("").is_none(), "nothing before the first segment");
        for i in 0..(50 * 9 + 1) {
            hub.publish(frame(i));
        }
        assert!(hls.wait_for_segments(WINDOW, Duration::from_secs(5)).await);
        for _ in 0..500 {
            if hls.segment(9).is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let m = hls.playlist("?view=abc").unwrap();
        assert!(m.starts_with("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n"), "{m}");
        assert!(m.contains("#EXT-X-MAP:URI=\"hls/init.mp4?view=abc\""));
        assert_eq!(m.matches("#EXTINF:2.000,").count(), WINDOW);
        assert!(m.contains("hls/9.m4s?view=abc"));
        assert!(hls.segment(9).is_some() && hls.segment(3).is_none(), "old segments leave the window");
        assert_eq!(&hls.init().unwrap()[4..8], b"ftyp");
        assert_eq!(hub.viewers(), 1);
        // Idle: nobody asks for IDLE; the packager stops and releases the stream.
        *hls.inner.last_access.lock().unwrap() = Instant::now().checked_sub(IDLE + Duration::from_secs(1)).unwrap();
        assert!(!hls.wait_for_segments(100, Duration::from_secs(5)).await);
        assert!(hls.is_closed());
        assert_eq!(hub.viewers(), 0);
    }
}
