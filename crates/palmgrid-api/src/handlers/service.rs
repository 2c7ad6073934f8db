//! 服务执行: service requests to the property manager or the committee.

use crate::ApiState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Authed, Json, Path};
use crate::views::{ItemsView, rfc3339};
use axum::extract::State;
use axum::http::StatusCode;
use palmgrid_app::service::{NewServiceRequest, ServiceRequest, kind_name};
use palmgrid_domain::community::SERVICE_KINDS;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceKindView {
    pub key: String,
    pub name: String,
    /// `property` or `committee`: where a request of this kind goes.
    pub desk: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceRequestView {
    pub id: String,
    pub community_code: String,
    pub kind: String,
    pub kind_name: String,
    /// `property` (物业) or `committee` (居委会).
    pub desk: String,
    pub description: String,
    pub address: String,
    /// `open`, `accepted`, `done` or `cancelled`.
    pub state: String,
    pub requester_name: String,
    pub handler_name: Option<String>,
    pub reply: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub done_at: Option<String>,
    /// The reader filed it (may cancel while open or accepted, and rate once done).
    pub mine: bool,
    /// The reader works its desk (may accept it and mark it done).
    pub may_handle: bool,
}

impl From<ServiceRequest> for ServiceRequestView {
    fn from(r: ServiceRequest) -> Self {
        let row = r.row;
        ServiceRequestView {
            kind_name: kind_name(&row.kind).into(),
            created_at: rfc3339(row.created_ms),
            updated_at: rfc3339(row.updated_ms),
            done_at: row.done_ms.map(rfc3339),
            id: row.id,
            community_code: r.community_code,
            kind: row.kind,
            desk: row.desk,
            description: row.description,
            address: row.address,
            state: row.state,
            requester_name: r.requester_name,
            handler_name: r.handler_name,
            reply: row.reply,
            rating: row.rating,
            rating_comment: row.rating_comment,
            mine: r.mine,
            may_handle: r.may_handle,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRequestBody {
    /// One of the keys of `GET /api/v1/service-kinds`.
    pub kind: String,
    pub description: String,
    /// Where: building, unit, room.
    pub address: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceStepBody {
    /// `accept`, `done` (with `reply`) or `cancel`.
    pub step: String,
    pub reply: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceRatingBody {
    /// 1–5.
    pub rating: i64,
    pub comment: Option<String>,
}

/// The kinds of service request and the desk each goes to.
#[utoipa::path(operation_id = "service_kinds", get, path = "/api/v1/service-kinds", tag = "community",
    responses((status = 200, body = ItemsView<ServiceKindView>), (status = 401, body = ErrorBody)))]
pub async fn kinds(_a: Authed) -> ApiResult<Json<ItemsView<ServiceKindView>>> {
    Ok(Json(ItemsView {
        items: SERVICE_KINDS
            .iter()
            .map(|(k, n, d)| ServiceKindView { key: (*k).into(), name: (*n).into(), desk: d.as_str().into() })
            .collect(),
    }))
}

/// The community's service requests the caller may see: their own, their desk's, or all
/// for the staff running the space.
#[utoipa::path(operation_id = "list_service_requests", get, path = "/api/v1/communities/{code}/service-requests",
    tag = "community", params(("code" = String, Path)),
    responses((status = 200, body = ItemsView<ServiceRequestView>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemsView<ServiceRequestView>>> {
    let rows = state.app.list_service_requests(&a.session, &code).await?;
    Ok(Json(ItemsView { items: rows.into_iter().map(Into::into).collect() }))
}

/// File a service request (residents, property managers, local units, social organisations).
#[utoipa::path(operation_id = "file_service_request", post, path = "/api/v1/communities/{code}/service-requests",
    tag = "community", params(("code" = String, Path)), request_body = ServiceRequestBody,
    responses((status = 201, body = ServiceRequestView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn file(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    Json(b): Json<ServiceRequestBody>,
) -> ApiResult<(StatusCode, Json<ServiceRequestView>)> {
    let new = NewServiceRequest { kind: b.kind, description: b.description, address: b.address };
    let r = state.app.file_service_request(&a.session, &code, new).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

#[utoipa::path(operation_id = "get_service_request", get, path = "/api/v1/service-requests/{id}", tag = "community",
    params(("id" = String, Path)), responses((status = 200, body = ServiceRequestView), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<ServiceRequestView>> {
    Ok(Json(state.app.service_request(&a.session, &id).await?.into()))
}

/// Accept or complete a request (its desk), or cancel it (its requester).
#[utoipa::path(operation_id = "service_request_step", post, path = "/api/v1/service-requests/{id}/steps",
    tag = "community", params(("id" = String, Path)), request_body = ServiceStepBody,
    responses((status = 200, body = ServiceRequestView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn step(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(b): Json<ServiceStepBody>,
) -> ApiResult<Json<ServiceRequestView>> {
    Ok(Json(state.app.service_request_step(&a.session, &id, &b.step, b.reply.as_deref()).await?.into()))
}

/// The requester rates a done request, once.
#[utoipa::path(operation_id = "rate_service_request", post, path = "/api/v1/service-requests/{id}/rating",
    tag = "community", params(("id" = String, Path)), request_body = ServiceRatingBody,
    responses((status = 200, body = ServiceRequestView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rate(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(b): Json<ServiceRatingBody>,
) -> ApiResult<Json<ServiceRequestView>> {
    Ok(Json(state.app.rate_service_request(&a.session, &id, b.rating, b.comment.as_deref()).await?.into()))
}
