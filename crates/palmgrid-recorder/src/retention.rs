//! Retention: recordings older than their camera's days, and the oldest beyond its disk
//! quota, are deleted: the rows first (remembered as garbage in the same transaction),
//! then the files. The segment being written is never deleted, nor is a recording under a
//! hold (video evidence of a living case): held recordings count towards the quota but are
//! skipped, so a camera may stay above its quota while a case holds its video.

use crate::{RecorderError, collect_garbage};
use palmgrid_store::Store;
use std::collections::HashMap;
use std::path::Path;

pub const DAY_MS: i64 = 86_400_000;

/// A camera's retention rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub retain_days: i64,
    pub quota_bytes: Option<u64>,
}

/// What one sweep deleted.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Sweep {
    /// (camera, recording id) deleted for age.
    pub expired: Vec<(String, i64)>,
    /// (camera, recording id) deleted to get under the quota.
    pub over_quota: Vec<(String, i64)>,
    pub bytes_freed: i64,
}

/// Applies retention at `now_ms` to every camera with recordings. Cameras missing from
/// `policies` (deleted since) keep recordings for `default`.
pub async fn sweep(
    store: &Store,
    dir: &Path,
    now_ms: i64,
    policies: &HashMap<String, Policy>,
    default: Policy,
) -> Result<Sweep, RecorderError> {
    let mut out = Sweep::default();
    for camera in store.recorded_cameras().await? {
        let policy = policies.get(&camera).copied().unwrap_or(default);
        let cutoff = now_ms - policy.retain_days * DAY_MS;
        loop {
            let old = store.recordings_ended_before(&camera, cutoff, now_ms, 500).await?;
            if old.is_empty() {
                break;
            }
            let ids: Vec<(i64, String)> = old.iter().map(|r| (r.id, camera.clone())).collect();
            store.delete_recordings(&ids).await?;
            out.bytes_freed += old.iter().map(|r| r.bytes).sum::<i64>();
            out.expired.extend(old.iter().map(|r| (camera.clone(), r.id)));
        }
        if let Some(quota) = policy.quota_bytes {
            let holds = store.active_holds(&camera, now_ms).await?;
            let spans = store.camera_recordings(&camera).await?;
            let mut total: u64 = spans.iter().map(|s| s.bytes as u64).sum();
            let mut victims = Vec::new();
            for s in &spans {
                if total <= quota {
                    break;
                }
                if s.open || holds.iter().any(|h| h.start_ms < s.end_ms && h.end_ms > s.start_ms) {
                    continue;
                }
                total -= s.bytes as u64;
                victims.push(s);
            }
            let ids: Vec<(i64, String)> = victims.iter().map(|r| (r.id, camera.clone())).collect();
            store.delete_recordings(&ids).await?;
            out.bytes_freed += victims.iter().map(|r| r.bytes).sum::<i64>();
            out.over_quota.extend(victims.iter().map(|r| (camera.clone(), r.id)));
        }
    }
    collect_garbage(store, dir).await?;
    Ok(out)
}
