//! Live video: fMP4 over WebSocket for Media Source Extensions, HLS for other players.
//!
//! Messages: a text message `{"type":"init","codec","width","height"}`, then the binary
//! init segment (`ftyp`+`moov`), then one binary `moof`+`mdat` fragment per frame,
//! starting at a keyframe. If the camera changes its parameters, another text+init pair
//! follows.

use crate::ApiState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Authed, Path, Query};
use crate::views::LiveQuery;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use palmgrid_app::live::StreamChoice;
use palmgrid_media::fmp4::{FragmentWriter, init_segment};
use palmgrid_media::hub::{Event, Subscription};

/// Refuses a WebSocket opened by another site's page (the session cookie is SameSite=Strict,
/// this is the second lock): an Origin, when present, must name this host.
pub(crate) fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    origin.split_once("://").map(|(_, h)| h) == Some(host)
}

/// Live video of a camera as fMP4 over WebSocket. The view is audited before the first byte.
#[utoipa::path(get, path = "/api/v1/cameras/{id}/live.ws", tag = "video", params(("id" = String, Path), LiveQuery),
    responses((status = 101, description = "WebSocket: text init message, binary init segment, binary fragments"),
        (status = 400, description = "`websocket_required`", body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn live_ws(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<LiveQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let row = state.app.get_camera(&a.session, &id).await?;
    if !same_origin(&headers) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "cross_origin", "cross-site WebSocket refused"));
    }
    let ws =
        ws.map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "websocket_required", "open this URL as a WebSocket"))?;
    let choice = stream_choice(q.stream.as_deref())?;
    let (_row, _kind, sub) =
        state.app.open_live(&a.session, &a.ctx, row, choice, q.purpose.as_deref().unwrap_or("")).await?;
    Ok(ws.on_upgrade(move |socket| send_live(socket, sub)))
}

async fn send_live(mut socket: WebSocket, mut sub: Subscription) {
    let mut writer = FragmentWriter::new();
    let mut have_init = false;
    loop {
        let ev = tokio::select! {
            ev = sub.next() => ev,
            // The client closing (or sending anything) ends the stream.
            msg = socket.recv() => match msg {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                _ => return,
            },
        };
        let msg = match ev {
            None => return,
            Some(Event::Params(p)) => {
                let Ok(init) = init_segment(&p) else { return };
                let meta =
                    serde_json::json!({"type": "init", "codec": p.rfc6381, "width": p.width, "height": p.height});
                if socket.send(Message::Text(meta.to_string().into())).await.is_err() {
                    return;
                }
                writer = FragmentWriter::new();
                have_init = true;
                Message::Binary(init.into())
            }
            Some(Event::Frame(f)) if have_init => match writer.push(f) {
                Ok(Some(frag)) => Message::Binary(frag.into()),
                Ok(None) => continue,
                Err(_) => return,
            },
            Some(Event::Frame(_)) => continue,
        };
        if socket.send(msg).await.is_err() {
            return;
        }
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct SnapshotQuery {
    /// Why the picture is taken; required, recorded in the audit log.
    pub purpose: Option<String>,
}

/// A JPEG of the camera's latest keyframe (audited).
#[utoipa::path(get, path = "/api/v1/cameras/{id}/snapshot.jpg", tag = "video", params(("id" = String, Path), SnapshotQuery),
    responses((status = 200, description = "JPEG", content_type = "image/jpeg"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "`camera_unavailable`", body = ErrorBody)))]
pub async fn snapshot(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<SnapshotQuery>,
) -> ApiResult<Response> {
    use axum::response::IntoResponse;
    let jpeg = state.app.snapshot(&a.session, &a.ctx, &id, q.purpose.as_deref().unwrap_or("")).await?;
    Ok(([(header::CONTENT_TYPE, "image/jpeg"), (header::CACHE_CONTROL, "no-store")], jpeg).into_response())
}

/// A PNG of the camera's latest keyframe with its privacy regions filled solid (audited).
/// The one picture of a camera meant to leave the video module, e.g. as a topic's evidence.
#[utoipa::path(get, path = "/api/v1/cameras/{id}/masked.png", tag = "video", params(("id" = String, Path), SnapshotQuery),
    responses((status = 200, description = "PNG", content_type = "image/png"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, description = "`camera_unavailable`", body = ErrorBody)))]
pub async fn masked_snapshot(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<SnapshotQuery>,
) -> ApiResult<Response> {
    use axum::response::IntoResponse;
    let png = state.app.masked_snapshot(&a.session, &a.ctx, &id, q.purpose.as_deref().unwrap_or("")).await?;
    Ok(([(header::CONTENT_TYPE, "image/png"), (header::CACHE_CONTROL, "no-store")], png).into_response())
}

/// Live video as HLS (fMP4 segments of one GOP), for players without Media Source
/// Extensions. The first request of a view is audited; segment URLs carry the view id.
#[utoipa::path(get, path = "/api/v1/cameras/{id}/live.m3u8", tag = "video", params(("id" = String, Path), LiveQuery),
    responses((status = 200, description = "HLS media playlist", content_type = "application/vnd.apple.mpegurl"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 503, description = "`camera_unavailable`", body = ErrorBody)))]
pub async fn live_m3u8(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<LiveQuery>,
) -> ApiResult<Response> {
    use axum::response::IntoResponse;
    let row = state.app.get_camera(&a.session, &id).await?;
    let choice = stream_choice(q.stream.as_deref())?;
    let m3u8 = state.app.hls_playlist(&a.session, &a.ctx, row, choice, q.purpose.as_deref().unwrap_or("")).await?;
    Ok(([(header::CONTENT_TYPE, "application/vnd.apple.mpegurl")], m3u8).into_response())
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct HlsQuery {
    /// The view id from the playlist.
    pub view: Option<String>,
}

/// An HLS init segment (`init.mp4`) or media segment (`N.m4s`) of a view opened with
/// `live.m3u8` by the same session.
#[utoipa::path(get, path = "/api/v1/cameras/{id}/hls/{file}", tag = "video",
    params(("id" = String, Path), ("file" = String, Path, description = "`init.mp4` or `N.m4s`"), HlsQuery),
    responses((status = 200, description = "fMP4", content_type = "video/mp4"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, description = "unknown camera, view or segment", body = ErrorBody)))]
pub async fn hls_part(
    State(state): State<ApiState>,
    a: Authed,
    Path((id, file)): Path<(String, String)>,
    Query(q): Query<HlsQuery>,
) -> ApiResult<Response> {
    use axum::response::IntoResponse;
    let row = state.app.get_camera(&a.session, &id).await?;
    let seq = match file.as_str() {
        "init.mp4" => None,
        f => Some(f.strip_suffix(".m4s").and_then(|n| n.parse::<u64>().ok()).ok_or_else(ApiError::not_found)?),
    };
    let view = q.view.as_deref().unwrap_or("");
    let data = state.app.hls_part(&a.session, &row, view, seq).await?;
    Ok(([(header::CONTENT_TYPE, "video/mp4")], data).into_response())
}

fn stream_choice(s: Option<&str>) -> Result<StreamChoice, ApiError> {
    match s {
        None | Some("auto") => Ok(StreamChoice::Auto),
        Some("main") => Ok(StreamChoice::Main),
        Some("sub") => Ok(StreamChoice::Sub),
        Some(_) => Err(ApiError::bad_request("stream must be auto, main or sub")),
    }
}
