//! Per-stream health, updated by the ingest and read by the API.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// A snapshot of a stream's health.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HealthView {
    pub online: bool,
    /// Frames per second over the last few seconds.
    pub fps: f64,
    pub bitrate_bps: f64,
    /// Wall-clock time (Unix ms) of the last keyframe.
    pub last_keyframe_ms: Option<i64>,
    pub last_error: Option<String>,
    pub frames: u64,
    pub reconnects: u64,
}

#[derive(Debug, Default)]
struct State {
    view: HealthView,
    /// (arrival ms, bytes) of recent frames.
    window: VecDeque<(i64, usize)>,
}

/// Shared health of one stream. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Health(Arc<Mutex<State>>);

const WINDOW_MS: i64 = 5_000;

impl Health {
    pub fn frame(&self, now_ms: i64, bytes: usize, is_key: bool) {
        let mut s = self.0.lock().expect("health lock");
        s.view.online = true;
        s.view.frames += 1;
        if is_key {
            s.view.last_keyframe_ms = Some(now_ms);
        }
        s.window.push_back((now_ms, bytes));
        while s.window.front().is_some_and(|(t, _)| now_ms - t > WINDOW_MS) {
            s.window.pop_front();
        }
        let span_ms = (now_ms - s.window.front().map(|w| w.0).unwrap_or(now_ms)).max(1) as f64;
        let n = s.window.len() as f64;
        if n >= 2.0 {
            s.view.fps = (n - 1.0) * 1000.0 / span_ms;
            let total: usize = s.window.iter().skip(1).map(|w| w.1).sum();
            s.view.bitrate_bps = total as f64 * 8.0 * 1000.0 / span_ms;
        }
    }

    pub fn error(&self, e: String) {
        let mut s = self.0.lock().expect("health lock");
        s.view.online = false;
        s.view.fps = 0.0;
        s.view.bitrate_bps = 0.0;
        s.window.clear();
        s.view.last_error = Some(e);
        s.view.reconnects += 1;
    }

    /// Marks the stream as not being pulled (on-demand stop), keeping the last error.
    pub fn stopped(&self) {
        let mut s = self.0.lock().expect("health lock");
        s.view.online = false;
        s.view.fps = 0.0;
        s.view.bitrate_bps = 0.0;
        s.window.clear();
    }

    pub fn view(&self) -> HealthView {
        self.0.lock().expect("health lock").view.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_over_the_window() {
        let h = Health::default();
        for i in 0..=50 {
            h.frame(i * 40, 1000, i % 25 == 0);
        }
        let v = h.view();
        assert!(v.online);
        assert!((v.fps - 25.0).abs() < 0.01, "{}", v.fps);
        assert!((v.bitrate_bps - 200_000.0).abs() < 1.0, "{}", v.bitrate_bps);
        assert_eq!(v.last_keyframe_ms, Some(2000));
        h.error("connection refused".into());
        let v = h.view();
        assert!(!v.online);
        assert_eq!((v.fps, v.reconnects), (0.0, 1));
        assert_eq!(v.last_error.as_deref(), Some("connection refused"));
    }
}
