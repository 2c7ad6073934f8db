//! Playback: an MP4 for any recorded range (with byte ranges, so players can seek) and the
//! timeline of recorded spans.

use crate::ApiState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Authed, Path, Query};
use crate::views::{parse_rfc3339_ms, rfc3339};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// Bytes read from disk per body chunk.
const CHUNK: usize = 256 * 1024;

#[derive(Debug, Deserialize, IntoParams)]
pub struct RecordingQuery {
    /// Start of the range, RFC 3339 (e.g. `2026-12-04T10:00:00+08:00`).
    pub start: Option<String>,
    /// End of the range, RFC 3339; at most 6 hours after `start`.
    pub end: Option<String>,
    /// Why the video is viewed; required, recorded in the audit log.
    pub purpose: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TimelineQuery {
    /// RFC 3339; at most 31 days before `end`.
    pub start: Option<String>,
    /// RFC 3339.
    pub end: Option<String>,
}

/// A continuous recorded span.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpanView {
    pub start: String,
    pub end: String,
    pub start_ms: i64,
    pub end_ms: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    pub items: Vec<SpanView>,
}

pub(crate) fn parse_time(name: &str, v: Option<&str>) -> Result<i64, ApiError> {
    let v = v.ok_or_else(|| ApiError::bad_request(format!("{name} is required (RFC 3339)")))?;
    parse_rfc3339_ms(v).ok_or_else(|| {
        ApiError::bad_request(format!("{name} must be an RFC 3339 time, e.g. 2026-12-04T10:00:00+08:00"))
    })
}

/// Parses a `Range` header against a length: `Ok(None)` means the whole file (no header,
/// or a form we answer in full such as several ranges); `Err` means unsatisfiable.
pub fn parse_range(h: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = h.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.split_once('-').ok_or(())?;
    let (a, b) = (a.trim(), b.trim());
    let range = if a.is_empty() {
        let n: u64 = b.parse().map_err(|_| ())?;
        if n == 0 || len == 0 {
            return Err(());
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().map_err(|_| ())?;
        let end = if b.is_empty() { len.saturating_sub(1) } else { b.parse::<u64>().map_err(|_| ())?.min(len - 1) };
        if start >= len || end < start {
            return Err(());
        }
        (start, end)
    };
    Ok(Some(range))
}

/// An MP4 of the recording between `start` and `end`, built on the fly. Supports byte
/// ranges (206) so players can seek. The view is audited once, before the first byte.
#[utoipa::path(get, path = "/api/v1/cameras/{id}/recording.mp4", tag = "video",
    params(("id" = String, Path), RecordingQuery),
    responses((status = 200, description = "MP4", content_type = "video/mp4"),
        (status = 206, description = "Part of the MP4 (Range)", content_type = "video/mp4"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, description = "unknown camera, or nothing recorded in the range", body = ErrorBody),
        (status = 416, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recording_mp4(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<RecordingQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    // Out of scope is 404 whatever the query says.
    let row = state.app.get_camera(&a.session, &id).await?;
    let (from, to) = (parse_time("start", q.start.as_deref())?, parse_time("end", q.end.as_deref())?);
    let mp4 = state.app.recording(&a.session, &a.ctx, &row, from, to, q.purpose.as_deref().unwrap_or("")).await?;
    let len = mp4.len();
    let etag = mp4.etag();
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    // A Range that names another version of the file gets the whole new one.
    let if_range_ok = headers.get(header::IF_RANGE).is_none_or(|v| v.to_str().ok() == Some(etag.as_str()));
    let range = if if_range_ok { range } else { None };
    let (status, start, end) = match parse_range(range, len) {
        Ok(None) => (StatusCode::OK, 0, len.saturating_sub(1)),
        Ok(Some((s, e))) => (StatusCode::PARTIAL_CONTENT, s, e),
        Err(()) => {
            use axum::response::IntoResponse;
            let mut r = ApiError::new(StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable", "bad byte range")
                .into_response();
            r.headers_mut().insert(header::CONTENT_RANGE, HeaderValue::from_str(&format!("bytes */{len}")).unwrap());
            return Ok(r);
        }
    };
    let mp4 = Arc::new(mp4);
    let body = futures::stream::try_unfold(start, move |pos| {
        let mp4 = mp4.clone();
        async move {
            if pos > end {
                return Ok::<_, std::io::Error>(None);
            }
            let want = ((end - pos + 1) as usize).min(CHUNK);
            let chunk =
                tokio::task::spawn_blocking(move || mp4.read_at(pos, want)).await.map_err(std::io::Error::other)??;
            if chunk.is_empty() {
                return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "recording shorter than its index"));
            }
            let next = pos + chunk.len() as u64;
            Ok(Some((chunk, next)))
        }
    });
    let mut resp = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "video/mp4")
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::ETAG, etag)
        .header(header::CONTENT_LENGTH, if len == 0 { 0 } else { end - start + 1 })
        .body(Body::from_stream(body))
        .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()))?;
    if status == StatusCode::PARTIAL_CONTENT {
        resp.headers_mut()
            .insert(header::CONTENT_RANGE, HeaderValue::from_str(&format!("bytes {start}-{end}/{len}")).unwrap());
    }
    Ok(resp)
}

/// Recorded spans of a camera between `start` and `end` (for the playback timeline).
#[utoipa::path(get, path = "/api/v1/cameras/{id}/timeline", tag = "video",
    params(("id" = String, Path), TimelineQuery),
    responses((status = 200, body = TimelineView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn timeline(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<TimelineQuery>,
) -> ApiResult<axum::Json<TimelineView>> {
    let row = state.app.get_camera(&a.session, &id).await?;
    let (from, to) = (parse_time("start", q.start.as_deref())?, parse_time("end", q.end.as_deref())?);
    let spans = state.app.timeline(&a.session, &row, from, to).await?;
    Ok(axum::Json(TimelineView {
        items: spans
            .into_iter()
            .map(|s| SpanView {
                start: rfc3339(s.start_ms),
                end: rfc3339(s.end_ms),
                start_ms: s.start_ms,
                end_ms: s.end_ms,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges() {
        assert_eq!(parse_range(None, 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-"), 100), Ok(Some((0, 99))));
        assert_eq!(parse_range(Some("bytes=10-19"), 100), Ok(Some((10, 19))));
        assert_eq!(parse_range(Some("bytes=90-500"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=-10"), 100), Ok(Some((90, 99))));
        assert_eq!(parse_range(Some("bytes=-500"), 100), Ok(Some((0, 99))));
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Ok(None), "multiple ranges: whole file");
        assert_eq!(parse_range(Some("items=0-1"), 100), Ok(None));
        assert_eq!(parse_range(Some("bytes=100-"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=20-10"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=-0"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=x-1"), 100), Err(()));
        assert_eq!(parse_range(Some("bytes=5"), 100), Err(()));
    }
}
