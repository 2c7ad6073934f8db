//! Cases: intake, the workflow, evidence, metrics and notifications.

use crate::ApiState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Authed, Json, Path, Query};
use crate::handlers::recordings::parse_time;
use crate::views::{ItemsView, rfc3339};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use palmgrid_app::case_metrics::{GroupBy, MetricsReport};
use palmgrid_app::cases::{CaseCommand, CaseView as AppCaseView, EvidenceInput, NewCase};
use palmgrid_domain::case::CaseState;
use palmgrid_domain::case_metrics::Metrics;
use palmgrid_store::{CaseEventRow, CaseRow, EvidenceRow, NotificationRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummaryView {
    pub id: String,
    /// Case number: local date and sequence.
    pub number: String,
    pub version: i64,
    pub source: String,
    pub category: String,
    pub category_name: Option<String>,
    pub state: String,
    pub state_name: String,
    pub description: String,
    pub address: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub grid_id: Option<String>,
    pub grid_code: Option<String>,
    pub grid_name: Option<String>,
    pub camera_id: Option<String>,
    pub reporter_name: String,
    /// A hotline caller's contact (staff only).
    pub contact: Option<String>,
    pub lead_department: Option<String>,
    pub assisting_departments: Vec<String>,
    pub extension_pending: bool,
    pub extension_until: Option<String>,
    pub rating: Option<i64>,
    pub merged_into: Option<String>,
    /// The running limit: `none`, `on_time`, `warned` or `overdue`.
    pub timer: String,
    pub stage_deadline: Option<String>,
    pub close_deadline: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
    /// What the caller may do now (`register`, `dispatch`, …).
    pub actions: Vec<String>,
}

fn summary(state: &ApiState, v: AppCaseView) -> CaseSummaryView {
    let r = v.row;
    let cats = &state.app.cases.categories;
    CaseSummaryView {
        category_name: cats.category(&r.category).map(|c| c.name.clone()),
        state_name: CaseState::parse(&r.state).map(|s| s.zh_name()).unwrap_or_default().into(),
        assisting_departments: r.assisting().into_iter().map(String::from).collect(),
        contact: if v.staff { r.contact } else { None },
        extension_until: r.extension_until_ms.map(rfc3339),
        stage_deadline: r.stage_deadline_ms.map(rfc3339),
        close_deadline: r.close_deadline_ms.map(rfc3339),
        created_at: rfc3339(r.created_ms),
        updated_at: rfc3339(r.updated_ms),
        closed_at: r.closed_ms.map(rfc3339),
        actions: v.actions.iter().map(|a| a.as_str().to_owned()).collect(),
        grid_name: v.grid_name,
        id: r.id,
        number: r.number,
        version: r.version,
        source: r.source,
        category: r.category,
        state: r.state,
        description: r.description,
        address: r.address,
        lon: r.lon,
        lat: r.lat,
        grid_id: r.grid_id,
        grid_code: r.grid_code,
        camera_id: r.camera_id,
        reporter_name: r.reporter_name,
        lead_department: r.lead_department,
        extension_pending: r.extension_pending,
        rating: r.rating,
        merged_into: r.merged_into,
        timer: r.timer,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseEventView {
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub actor_name: String,
    pub actor_role: String,
    pub reason: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
    pub at: String,
}

impl From<CaseEventRow> for CaseEventView {
    fn from(e: CaseEventRow) -> Self {
        CaseEventView {
            details: serde_json::from_str(&e.details).unwrap_or_default(),
            at: rfc3339(e.at_ms),
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            actor_name: e.actor_name,
            actor_role: e.actor_role,
            reason: e.reason,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceView {
    pub id: String,
    /// `photo` or `video`.
    pub kind: String,
    /// The case's state when it was added.
    pub stage: String,
    pub sha256: String,
    pub media_type: String,
    pub bytes: i64,
    pub camera_id: Option<String>,
    pub start: Option<String>,
    pub end: Option<String>,
    pub note: Option<String>,
    pub added_at: String,
}

impl From<EvidenceRow> for EvidenceView {
    fn from(e: EvidenceRow) -> Self {
        EvidenceView {
            start: e.start_ms.map(rfc3339),
            end: e.end_ms.map(rfc3339),
            added_at: rfc3339(e.added_ms),
            id: e.id,
            kind: e.kind,
            stage: e.stage,
            sha256: e.sha256,
            media_type: e.media_type,
            bytes: e.bytes,
            camera_id: e.camera_id,
            note: e.note,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetailView {
    pub case: CaseSummaryView,
    pub timeline: Vec<CaseEventView>,
    pub evidence: Vec<EvidenceView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateView {
    pub id: String,
    pub number: String,
    pub description: String,
    pub created_at: String,
}

impl From<CaseRow> for DuplicateView {
    fn from(r: CaseRow) -> Self {
        DuplicateView { created_at: rfc3339(r.created_ms), id: r.id, number: r.number, description: r.description }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportedView {
    pub case: CaseSummaryView,
    /// Open cases of the same category within 50 m and 24 h, or from the same camera.
    pub duplicates: Vec<DuplicateView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseRequest {
    /// `patrol`, `video`, `resident`, `hotline` or `above` (default from the caller's role).
    pub source: Option<String>,
    /// Category code, e.g. `E0101`.
    pub category: String,
    pub description: String,
    pub address: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// `wgs84` (default) or `gcj02` for lon/lat.
    pub crs: Option<String>,
    /// Without coordinates: the grid by code (hotline calls).
    pub grid_code: Option<String>,
    pub camera_id: Option<String>,
    /// The video range (RFC 3339) of a case seen on a camera.
    pub video_start: Option<String>,
    pub video_end: Option<String>,
    pub caller_name: Option<String>,
    pub contact: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseActionRequest {
    /// `register`, `cancel`, `merge`, `dispatch`, `accept`, `return`, `feedback`, `check_pass`,
    /// `check_fail`, `close`, `rate`, `request_extension`, `decide_extension`, `suspend`,
    /// `resume` or `reopen`.
    pub action: String,
    /// The version the client saw (optional); a change since is 409.
    pub version: Option<i64>,
    pub reason: Option<String>,
    pub lead: Option<String>,
    pub assisting: Option<Vec<String>>,
    /// Extension asked for (RFC 3339).
    pub until: Option<String>,
    pub approve: Option<bool>,
    pub rating: Option<i64>,
    /// Merge target case id.
    pub into: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CaseListQuery {
    /// Comma-separated states.
    pub state: Option<String>,
    /// Only cases where the caller must act now.
    pub mine: Option<bool>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoEvidenceRequest {
    pub camera_id: String,
    pub start: String,
    pub end: String,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PhotoQuery {
    pub note: Option<String>,
}

/// Categories and departments of the case workflow.
#[utoipa::path(operation_id = "case_categories", get, path = "/api/v1/case-categories", tag = "cases",
    responses((status = 200, description = "The category set (versioned)", body = Object)))]
pub async fn categories(State(state): State<ApiState>, _a: Authed) -> ApiResult<axum::Json<serde_json::Value>> {
    Ok(axum::Json(
        serde_json::to_value(&*state.app.cases.categories)
            .map_err(|e| ApiError::from(palmgrid_app::AppError::Internal(e.to_string())))?,
    ))
}

/// Cases the caller may see, newest first.
#[utoipa::path(operation_id = "list_cases", get, path = "/api/v1/cases", tag = "cases", params(CaseListQuery),
    responses((status = 200, body = ItemsView<CaseSummaryView>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<ApiState>,
    a: Authed,
    Query(q): Query<CaseListQuery>,
) -> ApiResult<Json<ItemsView<CaseSummaryView>>> {
    let states =
        q.state.map(|s| s.split(',').filter(|s| !s.is_empty()).map(String::from).collect()).unwrap_or_default();
    let rows = state.app.list_cases(&a.session, states, q.mine.unwrap_or(false)).await?;
    Ok(Json(ItemsView { items: rows.into_iter().map(|v| summary(&state, v)).collect() }))
}

/// Report a problem: the grid follows from the location. Returns possible duplicates.
#[utoipa::path(operation_id = "report_case", post, path = "/api/v1/cases", tag = "cases", request_body = NewCaseRequest,
    responses((status = 201, body = ReportedView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn report(
    State(state): State<ApiState>,
    a: Authed,
    Json(r): Json<NewCaseRequest>,
) -> ApiResult<(StatusCode, Json<ReportedView>)> {
    let datum = palmgrid_app::grids::Datum::parse(r.crs.as_deref())?;
    let (lon, lat) = match (r.lon, r.lat) {
        (Some(lo), Some(la)) if lo.is_finite() && la.is_finite() => {
            let (lo, la) = datum.to_wgs84(lo, la);
            (Some(lo), Some(la))
        }
        other => other,
    };
    let time = |name: &str, v: &Option<String>| v.as_deref().map(|s| parse_time(name, Some(s))).transpose();
    let new = NewCase {
        source: r.source,
        category: r.category,
        description: r.description,
        address: r.address,
        lon,
        lat,
        grid_code: r.grid_code,
        camera_id: r.camera_id,
        video_from_ms: time("video_start", &r.video_start)?,
        video_to_ms: time("video_end", &r.video_end)?,
        caller_name: r.caller_name,
        contact: r.contact,
    };
    let rep = state.app.report_case(&a.session, new).await?;
    let view = ReportedView {
        case: summary(&state, rep.case),
        duplicates: rep.duplicates.into_iter().map(Into::into).collect(),
    };
    Ok((StatusCode::CREATED, Json(view)))
}

/// One case with its timeline and evidence (404 outside the caller's reach).
#[utoipa::path(operation_id = "get_case", get, path = "/api/v1/cases/{id}", tag = "cases", params(("id" = String, Path)),
    responses((status = 200, body = CaseDetailView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<CaseDetailView>> {
    let v = state.app.get_case(&a.session, &id).await?;
    let timeline = state.app.case_timeline(&a.session, &id).await?;
    let evidence = state.app.case_evidence(&a.session, &id).await?;
    Ok(Json(CaseDetailView {
        case: summary(&state, v),
        timeline: timeline.into_iter().map(Into::into).collect(),
        evidence: evidence.into_iter().map(Into::into).collect(),
    }))
}

/// Move a case on: 409 when the state does not allow the action, 403 when it is not the
/// caller's to take.
#[utoipa::path(operation_id = "act_on_case", post, path = "/api/v1/cases/{id}/actions", tag = "cases",
    params(("id" = String, Path)), request_body = CaseActionRequest,
    responses((status = 200, body = CaseSummaryView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<CaseActionRequest>,
) -> ApiResult<Json<CaseSummaryView>> {
    let cmd = CaseCommand {
        action: r.action,
        version: r.version,
        reason: r.reason,
        lead: r.lead,
        assisting: r.assisting,
        until_ms: r.until.as_deref().map(|s| parse_time("until", Some(s))).transpose()?,
        approve: r.approve,
        rating: r.rating,
        into: r.into,
    };
    let v = state.app.act_on_case(&a.session, &id, cmd).await?;
    Ok(Json(summary(&state, v)))
}

/// Add a photo (JPEG, at most 8 MiB; EXIF and other metadata are removed).
#[utoipa::path(operation_id = "add_case_photo", post, path = "/api/v1/cases/{id}/photos", tag = "cases",
    params(("id" = String, Path), PhotoQuery),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses((status = 201, body = EvidenceView), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_photo(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Query(q): Query<PhotoQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<EvidenceView>)> {
    let ev =
        state.app.add_evidence(&a.session, &id, EvidenceInput::Photo { bytes: body.to_vec(), note: q.note }).await?;
    Ok((StatusCode::CREATED, Json(ev.into())))
}

/// Add a camera's recording of a range as evidence: its SHA-256 is taken now, and the
/// recordings are held from retention while the case lives.
#[utoipa::path(operation_id = "add_case_video", post, path = "/api/v1/cases/{id}/videos", tag = "cases",
    params(("id" = String, Path)), request_body = VideoEvidenceRequest,
    responses((status = 201, body = EvidenceView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_video(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<VideoEvidenceRequest>,
) -> ApiResult<(StatusCode, Json<EvidenceView>)> {
    let item = EvidenceInput::Video {
        camera_id: r.camera_id,
        from_ms: parse_time("start", Some(&r.start))?,
        to_ms: parse_time("end", Some(&r.end))?,
        note: r.note,
    };
    let ev = state.app.add_evidence(&a.session, &id, item).await?;
    Ok((StatusCode::CREATED, Json(ev.into())))
}

/// A photo of a case.
#[utoipa::path(operation_id = "get_case_photo", get, path = "/api/v1/cases/{id}/evidence/{evidence_id}", tag = "cases",
    params(("id" = String, Path), ("evidence_id" = String, Path)),
    responses((status = 200, content_type = "image/jpeg", description = "The photo"), (status = 404, body = ErrorBody)))]
pub async fn photo(
    State(state): State<ApiState>,
    a: Authed,
    Path((id, evidence_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    let (media_type, bytes) = state.app.evidence_photo(&a.session, &id, &evidence_id).await?;
    Ok(([(header::CONTENT_TYPE, media_type)], bytes).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MetricsQuery {
    /// Region code (default: the caller's scope).
    pub region: Option<String>,
    /// Period start and end (RFC 3339); the end is exclusive.
    pub from: Option<String>,
    pub to: Option<String>,
    /// `street`, `community`, `grid` (default), `department` or `officer`.
    pub group_by: Option<String>,
    /// `json` (default), `csv` or `xlsx`.
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsRowView {
    pub key: String,
    pub name: String,
    #[schema(value_type = Object)]
    pub metrics: Metrics,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MetricsView {
    pub region: String,
    pub from: String,
    pub to: String,
    pub group_by: String,
    #[schema(value_type = Object)]
    pub total: Metrics,
    pub rows: Vec<MetricsRowView>,
}

impl From<MetricsReport> for MetricsView {
    fn from(r: MetricsReport) -> Self {
        MetricsView {
            region: r.region,
            from: rfc3339(r.from_ms),
            to: rfc3339(r.to_ms),
            group_by: r.group_by.as_str().into(),
            total: r.total,
            rows: r.rows.into_iter().map(|x| MetricsRowView { key: x.key, name: x.name, metrics: x.metrics }).collect(),
        }
    }
}

/// GB/T 30428.4 metrics for a period, computed from the case event log, as JSON, CSV or XLSX.
#[utoipa::path(operation_id = "case_metrics", get, path = "/api/v1/case-metrics", tag = "cases", params(MetricsQuery),
    responses((status = 200, body = MetricsView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn metrics(State(state): State<ApiState>, a: Authed, Query(q): Query<MetricsQuery>) -> ApiResult<Response> {
    let to = match q.to.as_deref() {
        Some(t) => parse_time("to", Some(t))?,
        None => state.app.now_ms() + 1,
    };
    let from = match q.from.as_deref() {
        Some(f) => parse_time("from", Some(f))?,
        None => to - 30 * 86_400_000,
    };
    let group = GroupBy::parse(q.group_by.as_deref())?;
    let report = state.app.case_metrics(&a.session, q.region.as_deref(), from, to, group).await?;
    let name = format!("case-metrics-{}-{}", report.region, group.as_str());
    match q.format.as_deref().unwrap_or("json") {
        "json" => Ok(Json(MetricsView::from(report)).into_response()),
        "csv" => Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.csv\"")),
            ],
            palmgrid_app::case_metrics::to_csv(&report),
        )
            .into_response()),
        "xlsx" => Ok((
            [
                (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}.xlsx\"")),
            ],
            palmgrid_app::case_metrics::to_xlsx(&report)?,
        )
            .into_response()),
        other => Err(ApiError::bad_request(format!("format must be json, csv or xlsx, not {other:?}"))),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: i64,
    pub case_id: Option<String>,
    /// `act`, `warned`, `overdue`, `mention`, `service_request` or `digest`.
    pub kind: String,
    pub title: String,
    pub created_at: String,
    pub read: bool,
    /// What it is about besides a case, for the app to open: `service_request:<id>`,
    /// `community:<code>` (a chat mention).
    pub subject: Option<String>,
}

impl From<NotificationRow> for NotificationView {
    fn from(n: NotificationRow) -> Self {
        NotificationView {
            id: n.id,
            case_id: n.case_id,
            kind: n.kind,
            title: n.title,
            created_at: rfc3339(n.created_ms),
            read: n.read_ms.is_some(),
            subject: n.subject,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct NotificationsQuery {
    /// Only notifications after this id.
    pub after: Option<i64>,
}

/// The caller's notifications, oldest first.
#[utoipa::path(operation_id = "list_notifications", get, path = "/api/v1/notifications", tag = "cases",
    params(NotificationsQuery), responses((status = 200, body = ItemsView<NotificationView>)))]
pub async fn notifications(
    State(state): State<ApiState>,
    a: Authed,
    Query(q): Query<NotificationsQuery>,
) -> ApiResult<Json<ItemsView<NotificationView>>> {
    let rows = state.app.notifications(&a.session, q.after.unwrap_or(0)).await?;
    Ok(Json(ItemsView { items: rows.into_iter().map(Into::into).collect() }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    /// Marks every notification up to this id read.
    pub up_to: i64,
}

/// Mark notifications read.
#[utoipa::path(operation_id = "read_notifications", post, path = "/api/v1/notifications/read", tag = "cases",
    request_body = ReadRequest, responses((status = 204, description = "Marked")))]
pub async fn read_notifications(
    State(state): State<ApiState>,
    a: Authed,
    Json(r): Json<ReadRequest>,
) -> ApiResult<StatusCode> {
    state.app.mark_notifications_read(&a.session, r.up_to).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// New notifications pushed as they happen: one JSON text message per notification
/// (the `NotificationView` shape).
#[utoipa::path(operation_id = "notifications_ws", get, path = "/api/v1/notifications.ws", tag = "cases",
    responses((status = 101, description = "WebSocket of notifications"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody)))]
pub async fn notifications_ws(
    State(state): State<ApiState>,
    a: Authed,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    if !crate::handlers::live::same_origin(&headers) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "cross_origin", "cross-site WebSocket refused"));
    }
    let ws =
        ws.map_err(|_| ApiError::new(StatusCode::BAD_REQUEST, "websocket_required", "open this URL as a WebSocket"))?;
    let rx = state.app.notifier.subscribe();
    let user = a.session.user_id.clone();
    Ok(ws.on_upgrade(move |socket| push_notifications(socket, state, rx, user)))
}

async fn push_notifications(
    mut socket: WebSocket,
    state: ApiState,
    mut rx: tokio::sync::broadcast::Receiver<NotificationRow>,
    user: String,
) {
    loop {
        tokio::select! {
            n = rx.recv() => match n {
                // Inside the member's quiet hours nothing is pushed; the list shows it later.
                Ok(n) if n.user_id == user && state.app.may_push(&user).await.unwrap_or(true) => {
                    let text = serde_json::to_string(&NotificationView::from(n)).unwrap_or_default();
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                // Fell behind: the client re-reads the list; tell it so.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    if socket.send(Message::Text(r#"{"kind":"resync"}"#.into())).await.is_err() {
                        return;
                    }
                }
                Err(_) => return,
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                _ => {}
            },
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyRequest {
    pub label: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: String,
    pub label: String,
    /// Shown once; only its hash is kept.
    pub key: String,
}

/// Issue an API key for another system (Open311 clients, a hotline system).
#[utoipa::path(operation_id = "create_api_key", post, path = "/api/v1/api-keys", tag = "cases", request_body = ApiKeyRequest,
    responses((status = 201, body = ApiKeyView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_api_key(
    State(state): State<ApiState>,
    a: Authed,
    Json(r): Json<ApiKeyRequest>,
) -> ApiResult<(StatusCode, Json<ApiKeyView>)> {
    let (row, key) = state.app.create_api_key(&a.session, &r.label).await?;
    Ok((StatusCode::CREATED, Json(ApiKeyView { id: row.id, label: row.label, key })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteRequest {
    pub category: String,
    /// The region the rule covers (its subtree).
    pub region_code: String,
    pub lead: String,
    #[serde(default)]
    pub assisting: Vec<String>,
}

/// Set a rule of the routing matrix: category × region → lead and assisting departments.
#[utoipa::path(operation_id = "set_case_route", put, path = "/api/v1/case-routes", tag = "cases", request_body = RouteRequest,
    responses((status = 204, description = "Set"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_route(State(state): State<ApiState>, a: Authed, Json(r): Json<RouteRequest>) -> ApiResult<StatusCode> {
    state.app.set_case_route(&a.session, &r.category, &r.region_code, &r.lead, &r.assisting).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Make a user a handler of a department (they also need the department_handler role).
#[utoipa::path(operation_id = "add_department_member", put, path = "/api/v1/departments/{code}/members/{user_id}",
    tag = "cases", params(("code" = String, Path), ("user_id" = String, Path)),
    responses((status = 204, description = "Added"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_member(
    State(state): State<ApiState>,
    a: Authed,
    Path((code, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.set_department_member(&a.session, &code, &user_id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a user from a department.
#[utoipa::path(operation_id = "remove_department_member", delete, path = "/api/v1/departments/{code}/members/{user_id}",
    tag = "cases", params(("code" = String, Path), ("user_id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_member(
    State(state): State<ApiState>,
    a: Authed,
    Path((code, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    state.app.set_department_member(&a.session, &code, &user_id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
