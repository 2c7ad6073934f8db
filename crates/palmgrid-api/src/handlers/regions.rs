//! The region tree.

use crate::ApiState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Authed, Json, Path};
use crate::views::*;
use axum::extract::State;
use axum::http::StatusCode;

/// Regions the caller may see (their subtree and the regions above it), ordered by code.
#[utoipa::path(operation_id = "list_regions", get, path = "/api/v1/regions", tag = "regions",
    responses((status = 200, body = ItemsView<RegionView>), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<ApiState>, a: Authed) -> ApiResult<Json<ItemsView<RegionView>>> {
    let rows = state.app.list_regions(&a.session).await?;
    Ok(Json(ItemsView { items: rows.into_iter().map(Into::into).collect() }))
}

/// Create a district, street, community or grid.
#[utoipa::path(operation_id = "create_region", post, path = "/api/v1/regions", tag = "regions", request_body = NewRegionRequest,
    responses((status = 201, body = RegionView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<ApiState>,
    a: Authed,
    Json(req): Json<NewRegionRequest>,
) -> ApiResult<(StatusCode, Json<RegionView>)> {
    let r = state.app.create_region(&a.session, &a.ctx, &req.code, &req.name).await?;
    Ok((StatusCode::CREATED, Json(r.into())))
}

/// One region (404 when outside the caller's reach).
#[utoipa::path(operation_id = "get_region", get, path = "/api/v1/regions/{id}", tag = "regions", params(("id" = String, Path)),
    responses((status = 200, body = RegionView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<RegionView>> {
    Ok(Json(state.app.get_region(&a.session, &id).await?.into()))
}

/// Rename a region.
#[utoipa::path(operation_id = "update_region", patch, path = "/api/v1/regions/{id}", tag = "regions", params(("id" = String, Path)),
    request_body = RegionPatch,
    responses((status = 200, body = RegionView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(req): Json<RegionPatch>,
) -> ApiResult<Json<RegionView>> {
    Ok(Json(state.app.rename_region(&a.session, &a.ctx, &id, &req.name).await?.into()))
}

/// Delete a region without children or memberships.
#[utoipa::path(operation_id = "delete_region", delete, path = "/api/v1/regions/{id}", tag = "regions", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn delete(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    state.app.delete_region(&a.session, &a.ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
