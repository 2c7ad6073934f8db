//! Recording and playback: which cameras are recorded, playback of any range as an MP4,
//! the timeline of what is recorded, and retention.
//!
//! A view is audited once: players fetch a recording (or an HLS stream) in many requests,
//! so the first request of a view writes the audit entry before any byte is served, and
//! later requests of the same view (same session, camera, range and purpose, within
//! [`VIEW_IDLE`]) are served without a new entry.

use crate::{App, AppError, RequestCtx, Result, Session};
use palmgrid_domain::audit::RESULT_OK;
use palmgrid_domain::authz::Action;
use palmgrid_ingest::manager::StreamKind;
use palmgrid_recorder::RangeMp4;
use palmgrid_recorder::retention::{Policy, Sweep};
use palmgrid_store::CameraRow;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A view with no request for this long is over; the next request starts a new one.
pub const VIEW_IDLE: Duration = Duration::from_secs(600);
/// Longest range one recording request may cover.
pub const MAX_RANGE_MS: i64 = 6 * 3_600_000;
/// Retention floor and ceiling for per-camera days (公共安全视频图像 ≥ 30 days).
pub const RETAIN_DAYS: std::ops::RangeInclusive<i64> = 30..=90;
/// Recordings of cameras that no longer exist are kept this long.
pub const DEFAULT_POLICY: Policy = Policy { retain_days: 30, quota_bytes: None };

/// Views that were audited and are still going.
#[derive(Debug, Default)]
pub struct ViewLedger {
    views: Mutex<HashMap<String, Instant>>,
}

impl ViewLedger {
    /// True when `key` starts a new view (and must be audited); refreshes it either way.
    pub fn begin(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut v = self.views.lock().expect("ledger lock");
        v.retain(|_, last| now.duration_since(*last) < VIEW_IDLE);
        v.insert(key.to_owned(), now).is_none()
    }

    /// Forgets a view whose audit write failed, so the next request tries again.
    pub fn forget(&self, key: &str) {
        self.views.lock().expect("ledger lock").remove(key);
    }

    /// Whether `key` is a view in progress (refreshing it).
    pub fn touch(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut v = self.views.lock().expect("ledger lock");
        match v.get_mut(key) {
            Some(last) if now.duration_since(*last) < VIEW_IDLE => {
                *last = now;
                true
            }
            _ => false,
        }
    }
}

/// One continuous recorded span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// Checks a camera's retention settings.
pub fn check_retention(days: i64, quota_mb: Option<i64>) -> Result<()> {
    if !RETAIN_DAYS.contains(&days) {
        return Err(AppError::Validation(format!(
            "retain_days must be {}–{} (public video is kept at least 30 days)",
            RETAIN_DAYS.start(),
            RETAIN_DAYS.end()
        )));
    }
    if quota_mb.is_some_and(|q| q < 1) {
        return Err(AppError::Validation("quota_mb must be at least 1".into()));
    }
    Ok(())
}

impl App {
    /// Whether a camera is being recorded now.
    pub fn is_recording(&self, camera_id: &str) -> bool {
        self.recorder.as_ref().is_some_and(|r| r.is_recording(camera_id))
    }

    /// Starts or stops recording a camera to match its row.
    pub(crate) async fn sync_recording(&self, row: &palmgrid_store::CameraRow) {
        let Some(rec) = &self.recorder else { return };
        if row.record {
            if !rec.is_recording(&row.id)
                && let Some(sub) = self.media.watch_patient(&row.id, StreamKind::Main)
            {
                rec.start(&row.id, "main", sub);
            }
        } else {
            rec.stop(&row.id).await;
        }
    }

    /// Audits a view on its first request only (see [`ViewLedger`]); if the audit write
    /// fails the view is forgotten, so the next request tries again.
    pub(crate) async fn record_view_once(
        &self,
        key: &str,
        s: &Session,
        ctx: &RequestCtx,
        action: &str,
        row: &CameraRow,
        details: serde_json::Value,
    ) -> Result<()> {
        if !self.views.begin(key) {
            return Ok(());
        }
        let r = self.record(&s.into(), ctx, action, &format!("camera:{}", row.id), RESULT_OK, details).await;
        if r.is_err() {
            self.views.forget(key);
        }
        r.map(|_| ())
    }

    /// An MP4 of the recording of a camera the caller has loaded (with
    /// [`App::get_camera`]) between `from_ms` and `to_ms`, audited once per view.
    pub async fn recording(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        row: &CameraRow,
        from_ms: i64,
        to_ms: i64,
        purpose: &str,
    ) -> Result<RangeMp4> {
        self.authorize_camera(s, Action::ViewRecording, row)?;
        let purpose = crate::live::check_purpose(purpose)?;
        if to_ms <= from_ms || to_ms - from_ms > MAX_RANGE_MS {
            return Err(AppError::Validation("end must be after start, at most 6 hours later".into()));
        }
        let rec = self.recorder.as_ref().ok_or_else(|| AppError::Unavailable("this node does not record".into()))?;
        let rows = rec.tails.recordings_between(&self.store, &row.id, "main", from_ms, to_ms).await?;
        let dir = rec.cfg.dir.clone();
        let mp4 = tokio::task::spawn_blocking(move || RangeMp4::build(&rows, &dir, from_ms, to_ms))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Internal(e.to_string()))?
            .ok_or(AppError::NotFound)?;
        let key = format!("{}|recording|{}|{from_ms}|{to_ms}|{purpose}", s.token_hash, row.id);
        let details = json!({"camera": row.name, "from_ms": from_ms, "to_ms": to_ms, "purpose": purpose});
        self.record_view_once(&key, s, ctx, "video.playback", row, details).await?;
        Ok(mp4)
    }

    /// Recorded spans of a loaded camera between two times (gaps of up to a second are joined).
    pub async fn timeline(&self, s: &Session, row: &CameraRow, from_ms: i64, to_ms: i64) -> Result<Vec<Span>> {
        self.authorize_camera(s, Action::ViewRecording, row)?;
        if to_ms <= from_ms || to_ms - from_ms > 31 * 86_400_000 {
            return Err(AppError::Validation("end must be after start, at most 31 days later".into()));
        }
        let spans = match &self.recorder {
            Some(rec) => rec.tails.recording_spans(&self.store, &row.id, from_ms, to_ms).await?,
            None => self.store.recording_spans(&row.id, from_ms, to_ms).await?,
        };
        let mut out: Vec<Span> = Vec::new();
        for r in spans {
            match out.last_mut() {
                Some(last) if r.start_ms - last.end_ms <= 1_000 => last.end_ms = last.end_ms.max(r.end_ms),
                _ => out.push(Span { start_ms: r.start_ms, end_ms: r.end_ms }),
            }
        }
        Ok(out)
    }

    /// Deletes recordings past their camera's retention or quota, oldest first; audited
    /// when anything was deleted.
    pub async fn apply_retention(&self) -> Result<Sweep> {
        let Some(rec) = &self.recorder else { return Ok(Sweep::default()) };
        let policies: HashMap<String, Policy> = self
            .store
            .list_cameras()
            .await?
            .into_iter()
            .map(|c| {
                let quota_bytes = c.quota_mb.map(|mb| mb.max(1) as u64 * 1024 * 1024);
                (c.id, Policy { retain_days: c.retain_days, quota_bytes })
            })
            .collect();
        let sweep =
            palmgrid_recorder::retention::sweep(&self.store, &rec.cfg.dir, self.now_ms(), &policies, DEFAULT_POLICY)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        if !sweep.expired.is_empty() || !sweep.over_quota.is_empty() {
            let ctx = RequestCtx { source: "retention".into(), listener_zone: palmgrid_domain::Zone::PoliceVideo };
            let who = crate::audit::Who { actor_id: None, actor_name: "system".into(), actor_role: "system".into() };
            let cameras: std::collections::BTreeSet<&str> =
                sweep.expired.iter().chain(&sweep.over_quota).map(|(c, _)| c.as_str()).collect();
            self.record(
                &who,
                &ctx,
                "recording.retention",
                "recordings",
                RESULT_OK,
                json!({"expired": sweep.expired.len(), "over_quota": sweep.over_quota.len(),
                       "bytes": sweep.bytes_freed, "cameras": cameras}),
            )
            .await?;
        }
        Ok(sweep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_is_new_once_until_forgotten() {
        let l = ViewLedger::default();
        assert!(!l.touch("a"), "unknown views are not in progress");
        assert!(l.begin("a"), "first request starts the view");
        assert!(!l.begin("a"), "later requests continue it");
        assert!(l.touch("a"));
        assert!(l.begin("b"), "another key is another view");
        l.forget("a");
        assert!(l.begin("a"), "a view whose audit failed starts again");
    }

    #[test]
    fn retention_settings_are_checked() {
        assert!(check_retention(30, None).is_ok());
        assert!(check_retention(90, Some(1)).is_ok());
        for (days, quota) in [(29, None), (91, None), (30, Some(0)), (30, Some(-5))] {
            assert!(matches!(check_retention(days, quota), Err(AppError::Validation(_))), "{days} {quota:?}");
        }
    }
}
