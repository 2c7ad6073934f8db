//! Re-serving cameras over RTSP to other platforms, with authentication.
//!
//! `rtsp://USER:PASSWORD@HOST:PORT/cameras/{id}[/main|/sub]`: the credentials are those of a
//! palmgrid account (Basic authentication, so use it on trusted networks or a dedicated
//! service account); the account must be allowed to view the camera live on this
//! listener's zone, and each RTSP session is audited like a live view, before any media.
//! Accounts with a second factor cannot use RTSP.

use crate::live::StreamChoice;
use crate::{App, AppError, RequestCtx};
use palmgrid_domain::Zone;
use palmgrid_media::rtsp_server::{Mounts, Refusal, ResolveFuture};

/// The purpose recorded for RTSP sessions (other platforms state none).
pub const RTSP_PURPOSE: &str = "RTSP 转发 re-serve";

/// Resolves `cameras/{id}` paths for the RTSP server of one listener.
pub struct CameraMounts {
    pub app: App,
    pub zone: Zone,
}

fn challenge() -> Refusal {
    Refusal::Unauthorized("Basic realm=\"palmgrid\"".into())
}

/// (user, password) of a Basic Authorization header.
pub fn parse_basic(header: Option<&str>) -> Option<(String, String)> {
    let b64 = header?.trim().strip_prefix("Basic ")?;
    let raw = data_encoding::BASE64.decode(b64.trim().as_bytes()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_owned(), p.to_owned()))
}

fn parse_path(path: &str) -> Option<(&str, StreamChoice)> {
    let rest = path.strip_prefix("cameras/")?;
    match rest.split_once('/') {
        None => Some((rest, StreamChoice::Main)),
        Some((id, "main")) => Some((id, StreamChoice::Main)),
        Some((id, "sub")) => Some((id, StreamChoice::Sub)),
        Some(_) => None,
    }
}

impl CameraMounts {
    async fn resolve_camera(
        &self,
        path: &str,
        authorization: Option<&str>,
        peer: &str,
    ) -> Result<palmgrid_media::hub::LiveStream, Refusal> {
        let (camera, choice) = parse_path(path).ok_or(Refusal::NotFound)?;
        let (user, password) = parse_basic(authorization).ok_or_else(challenge)?;
        let ctx = RequestCtx { source: peer.to_owned(), listener_zone: self.zone };
        let out = self.app.login(&ctx, &user, &password, None).await.map_err(|_| challenge())?;
        let res = match self.app.get_camera(&out.session, camera).await {
            Ok(row) => self.app.open_live(&out.session, &ctx, row, choice, RTSP_PURPOSE).await,
            Err(e) => Err(e),
        };
        // The login was only for this request; its session is not kept.
        let _ = self.app.store.delete_session(&out.session.token_hash).await;
        match res {
            Ok((row, kind, _subscription)) => self.app.media.live(&row.id, kind).ok_or(Refusal::NotFound),
            Err(AppError::Validation(_) | AppError::NotFound | AppError::Forbidden) => Err(Refusal::NotFound),
            Err(e) => {
                tracing::warn!(error = %e, "RTSP re-serve refused");
                Err(Refusal::NotFound)
            }
        }
    }
}

impl Mounts for CameraMounts {
    fn resolve<'a>(&'a self, path: &'a str, authorization: Option<&'a str>, peer: &'a str) -> ResolveFuture<'a> {
        Box::pin(self.resolve_camera(path, authorization, peer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_paths() {
        assert_eq!(
            parse_basic(Some("Basic b2ZmaWNlcjpwYWxtZ3JpZC1kZW1v")),
            Some(("officer".into(), "palmgrid-demo".into()))
        );
        assert_eq!(parse_basic(Some("Digest x")), None);
        assert_eq!(parse_basic(Some("Basic !!!")), None);
        assert_eq!(parse_basic(None), None);
        assert!(matches!(parse_path("cameras/abc"), Some(("abc", StreamChoice::Main))));
        assert!(matches!(parse_path("cameras/abc/sub"), Some(("abc", StreamChoice::Sub))));
        assert!(parse_path("cameras/abc/other").is_none());
        assert!(parse_path("sim/1/main").is_none());
    }
}
