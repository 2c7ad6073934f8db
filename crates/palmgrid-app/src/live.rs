//! Watching video: authorisation, the audit record before the first byte, and the
//! camera runtime's streams.

use crate::{App, AppError, RequestCtx, Result, Session};
use palmgrid_domain::audit::RESULT_OK;
use palmgrid_domain::authz::Action;
use palmgrid_domain::privacy::PrivacyMask;
use palmgrid_ingest::manager::StreamKind;
use palmgrid_ingest::rtsp::{RtpTransport, RtspSource};
use palmgrid_media::hls::HlsStream;
use palmgrid_media::hub::Subscription;
use palmgrid_media::snapshot::Picture;
use palmgrid_store::CameraRow;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Which stream a viewer asked for; `Auto` prefers the sub stream (phones, browsers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamChoice {
    Auto,
    Main,
    Sub,
}

/// Checks a stated purpose: required, short, printable.
pub(crate) fn check_purpose(purpose: &str) -> Result<String> {
    let p = purpose.trim();
    if p.is_empty() {
        return Err(AppError::Validation("state the purpose of viewing (purpose=…)".into()));
    }
    if p.chars().count() > 100 || p.chars().any(char::is_control) {
        return Err(AppError::Validation("purpose must be at most 100 printable characters".into()));
    }
    Ok(p.to_owned())
}

fn choose_kind(row: &CameraRow, choice: StreamChoice) -> Result<StreamKind> {
    Ok(match choice {
        StreamChoice::Main => StreamKind::Main,
        StreamChoice::Sub if row.sub_url.is_some() => StreamKind::Sub,
        StreamChoice::Sub => return Err(AppError::Validation("this camera has no sub stream".into())),
        StreamChoice::Auto if row.sub_url.is_some() => StreamKind::Sub,
        StreamChoice::Auto => StreamKind::Main,
    })
}

fn kind_name(kind: StreamKind) -> &'static str {
    if kind == StreamKind::Main { "main" } else { "sub" }
}

/// HLS packagers (one per stream) and the views that may fetch their segments.
#[derive(Debug, Default)]
pub struct HlsRegistry {
    streams: Mutex<HashMap<(String, StreamKind), HlsStream>>,
    /// view id → (session token hash, camera, stream, last use)
    views: Mutex<HashMap<String, (String, String, StreamKind, Instant)>>,
}

impl App {
    /// Starts or continues an HLS view: audited once per view (session, camera, stream,
    /// purpose), like a WebSocket view. Returns the view id that segment URLs carry and
    /// the playlist, once the first segment exists.
    pub async fn hls_playlist(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        row: CameraRow,
        choice: StreamChoice,
        purpose: &str,
    ) -> Result<String> {
        self.authorize_camera(s, Action::ViewLive, &row)?;
        let purpose = check_purpose(purpose)?;
        let kind = choose_kind(&row, choice)?;
        if !self.media.has(&row.id, kind) {
            self.sync_camera(&row).await?;
        }
        let key = format!("{}|hls|{}|{}|{purpose}", s.token_hash, row.id, kind_name(kind));
        let details = json!({"camera": row.name, "stream": kind_name(kind), "delivery": "hls",
                             "from_ms": self.now_ms(), "to_ms": null, "purpose": purpose});
        self.record_view_once(&key, s, ctx, "video.live", &row, details).await?;
        let stream = {
            let mut streams = self.hls.streams.lock().expect("hls lock");
            match streams.get(&(row.id.clone(), kind)) {
                Some(h) if !h.is_closed() => h.clone(),
                _ => {
                    let sub = self.media.watch(&row.id, kind).ok_or(AppError::NotFound)?;
                    let h = HlsStream::spawn(sub);
                    streams.insert((row.id.clone(), kind), h.clone());
                    h
                }
            }
        };
        let view = hex::encode(&Sha256::digest(key.as_bytes())[..16]);
        {
            let mut views = self.hls.views.lock().expect("hls lock");
            views.retain(|_, v| v.3.elapsed() < crate::recordings::VIEW_IDLE);
            views.insert(view.clone(), (s.token_hash.clone(), row.id.clone(), kind, Instant::now()));
        }
        if !stream.wait_for_segments(1, Duration::from_secs(15)).await {
            return Err(AppError::Unavailable("the camera sent no video within 15 s".into()));
        }
        stream.playlist(&format!("?view={view}")).ok_or_else(|| AppError::Unavailable("no video yet".into()))
    }

    /// The init segment (`None`) or media segment `seq` of an HLS view this session opened.
    pub async fn hls_part(&self, s: &Session, row: &CameraRow, view: &str, seq: Option<u64>) -> Result<bytes::Bytes> {
        self.authorize_camera(s, Action::ViewLive, row)?;
        let kind = {
            let mut views = self.hls.views.lock().expect("hls lock");
            match views.get_mut(view) {
                Some(v) if v.0 == s.token_hash && v.1 == row.id && v.3.elapsed() < crate::recordings::VIEW_IDLE => {
                    v.3 = Instant::now();
                    v.2
                }
                // Not this session's view: start with the playlist (which audits).
                _ => return Err(AppError::NotFound),
            }
        };
        let stream = self.hls.streams.lock().expect("hls lock").get(&(row.id.clone(), kind)).cloned();
        let stream = stream.filter(|h| !h.is_closed()).ok_or(AppError::NotFound)?;
        match seq {
            None => stream.init(),
            Some(n) => stream.segment(n),
        }
        .ok_or(AppError::NotFound)
    }

    /// Registers a camera's streams with the runtime (at start and after every change).
    pub async fn sync_camera(&self, row: &CameraRow) -> Result<()> {
        let creds = self.store.camera_credentials(&row.id).await?;
        let transport = RtpTransport::parse(&row.transport);
        let src = |url: &str| RtspSource {
            url: url.to_owned(),
            credentials: creds.clone(),
            transport,
            allow_local: self.allow_local_camera_urls,
        };
        // Continuous recording keeps the main stream pulled; the recorder uses it.
        let recorded = row.record && self.recorder.is_some();
        self.media.upsert(&row.id, StreamKind::Main, src(&row.main_url), recorded);
        match &row.sub_url {
            Some(u) => self.media.upsert(&row.id, StreamKind::Sub, src(u), false),
            None => self.media.remove_kind(&row.id, StreamKind::Sub),
        }
        self.sync_recording(row).await;
        Ok(())
    }

    /// online: a stream is being pulled and delivering; offline: pulled but failing;
    /// idle: nobody needs it now (on demand).
    pub fn camera_status(&self, row: &CameraRow) -> palmgrid_domain::camera::CameraStatus {
        use palmgrid_domain::camera::CameraStatus;
        let mut pulling = false;
        for kind in [StreamKind::Main, StreamKind::Sub] {
            if self.media.is_pulling(&row.id, kind) {
                pulling = true;
                if self.media.health(&row.id, kind).is_some_and(|h| h.online) {
                    return CameraStatus::Online;
                }
            }
        }
        if pulling { CameraStatus::Offline } else { CameraStatus::Idle }
    }

    /// Registers every stored camera with the runtime.
    pub async fn sync_all_cameras(&self) -> Result<usize> {
        let all = self.store.list_cameras().await?;
        for c in &all {
            self.sync_camera(c).await?;
        }
        Ok(all.len())
    }

    /// Opens a live view of a camera the caller has loaded (with [`App::get_camera`]). The
    /// audit entry (user, role, camera, stream, start time, purpose)
    /// is committed before the subscription is returned; if it cannot be written, nothing
    /// is served.
    pub async fn open_live(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        row: CameraRow,
        choice: StreamChoice,
        purpose: &str,
    ) -> Result<(CameraRow, StreamKind, Subscription)> {
        self.authorize_camera(s, Action::ViewLive, &row)?;
        let purpose = check_purpose(purpose)?;
        let kind = choose_kind(&row, choice)?;
        if !self.media.has(&row.id, kind) {
            self.sync_camera(&row).await?;
        }
        self.record(
            &s.into(),
            ctx,
            "video.live",
            &format!("camera:{}", row.id),
            RESULT_OK,
            json!({"camera": row.name, "stream": kind_name(kind), "delivery": "ws",
                   "from_ms": self.now_ms(), "to_ms": null, "purpose": purpose}),
        )
        .await?;
        let sub = self.media.watch(&row.id, kind).ok_or(AppError::NotFound)?;
        Ok((row, kind, sub))
    }
}

impl App {
    /// A JPEG of the latest keyframe, audited like a live view. Starts the pull if the
    /// camera is idle and waits up to 10 s for a keyframe.
    pub async fn snapshot(&self, s: &Session, ctx: &RequestCtx, camera_id: &str, purpose: &str) -> Result<Vec<u8>> {
        let (_, picture) = self.latest_picture(s, ctx, camera_id, purpose, false).await?;
        tokio::task::spawn_blocking(move || palmgrid_media::snapshot::to_jpeg(&picture, 85))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Unavailable(e.to_string()))
    }

    /// A PNG of the latest keyframe with the camera's privacy regions filled solid
    /// ([`palmgrid_domain::privacy::FILL`]); lossless, so no masked pixel keeps a trace of
    /// the picture. This is the only picture of a camera that may leave the video module
    /// (as evidence for a community topic). Audited like a snapshot.
    pub async fn masked_snapshot(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        camera_id: &str,
        purpose: &str,
    ) -> Result<Vec<u8>> {
        let (mask, mut picture) = self.latest_picture(s, ctx, camera_id, purpose, true).await?;
        tokio::task::spawn_blocking(move || {
            mask.apply_rgb(&mut picture.rgb, picture.width, picture.height);
            palmgrid_media::snapshot::to_png(&picture)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| AppError::Unavailable(e.to_string()))
    }

    /// A camera's privacy regions (anyone who may list the camera).
    pub async fn privacy_mask(&self, s: &Session, camera_id: &str) -> Result<PrivacyMask> {
        let row = self.get_camera(s, camera_id).await?;
        self.stored_mask(&row.id).await
    }

    async fn stored_mask(&self, camera_id: &str) -> Result<PrivacyMask> {
        match self.store.camera_privacy_mask(camera_id).await? {
            None => Ok(PrivacyMask::default()),
            Some(json) => {
                serde_json::from_str(&json).map_err(|e| AppError::Internal(format!("stored privacy mask: {e}")))
            }
        }
    }

    /// Replaces a camera's privacy regions (camera administrators; audited).
    pub async fn set_privacy_mask(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        camera_id: &str,
        mask: PrivacyMask,
    ) -> Result<()> {
        let row = self.get_camera(s, camera_id).await?;
        self.authorize_camera(s, Action::ManageCameras, &row)?;
        mask.check().map_err(|p| AppError::Validation(p.join("; ")))?;
        let json = serde_json::to_string(&mask).map_err(|e| AppError::Internal(e.to_string()))?;
        self.record(
            &s.into(),
            ctx,
            "camera.privacy_mask",
            &format!("camera:{}", row.id),
            RESULT_OK,
            json!({"camera": row.name, "regions": mask.regions.len()}),
        )
        .await?;
        let stored = if mask.regions.is_empty() { None } else { Some(json.as_str()) };
        self.store.set_camera_privacy_mask(&row.id, stored, self.now_ms()).await?;
        Ok(())
    }

    /// The latest keyframe of a camera the session may take snapshots of, decoded, after
    /// auditing the access; with the camera's privacy regions.
    async fn latest_picture(
        &self,
        s: &Session,
        ctx: &RequestCtx,
        camera_id: &str,
        purpose: &str,
        masked: bool,
    ) -> Result<(PrivacyMask, Picture)> {
        let row = self.store.camera(camera_id).await?.ok_or(AppError::NotFound)?;
        self.authorize_camera(s, Action::ViewSnapshot, &row)?;
        let purpose = check_purpose(purpose)?;
        let mask = self.stored_mask(&row.id).await?;
        let kind = if row.sub_url.is_some() { StreamKind::Sub } else { StreamKind::Main };
        if !self.media.has(&row.id, kind) {
            self.sync_camera(&row).await?;
        }
        self.record(
            &s.into(),
            ctx,
            "video.snapshot",
            &format!("camera:{}", row.id),
            RESULT_OK,
            json!({"camera": row.name, "at_ms": self.now_ms(), "purpose": purpose, "masked": masked}),
        )
        .await?;
        // Holding a subscription keeps the pull alive while we wait.
        let _watch = self.media.watch(&row.id, kind).ok_or(AppError::NotFound)?;
        let live = self.media.live(&row.id, kind).ok_or(AppError::NotFound)?;
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        let (params, key) = loop {
            if let Some(k) = live.last_keyframe() {
                break k;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(AppError::Unavailable("the camera sent no picture within 10 s".into()));
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        let picture = tokio::task::spawn_blocking(move || palmgrid_media::snapshot::keyframe_rgb(&params, &key))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| AppError::Unavailable(e.to_string()))?;
        Ok((mask, picture))
    }
}
