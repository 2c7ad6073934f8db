//! The camera catalog.

use crate::ApiState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Authed, Json, Path};
use crate::views::*;
use axum::extract::State;
use axum::http::StatusCode;
use palmgrid_app::cameras::{CameraPatch, NewCamera};

/// Cameras the caller may see on this listener (police-zone cameras only on a police listener).
#[utoipa::path(operation_id = "list_cameras", get, path = "/api/v1/cameras", tag = "cameras",
    responses((status = 200, body = ItemsView<CameraView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<ApiState>, a: Authed) -> ApiResult<Json<ItemsView<CameraView>>> {
    let rows = state.app.list_cameras(&a.session).await?;
    let items = rows
        .into_iter()
        .map(|c| {
            let m = state.app.may_manage_camera(&a.session, &c);
            let (st, rec) = (state.app.camera_status(&c), state.app.is_recording(&c.id));
            CameraView::new(c, m, st, rec)
        })
        .collect();
    Ok(Json(ItemsView { items }))
}

/// Register a camera (RTSP). Credentials in the URL are stored apart and never returned.
#[utoipa::path(operation_id = "create_camera", post, path = "/api/v1/cameras", tag = "cameras", request_body = NewCameraRequest,
    responses((status = 201, body = CameraView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<ApiState>,
    a: Authed,
    Json(r): Json<NewCameraRequest>,
) -> ApiResult<(StatusCode, Json<CameraView>)> {
    let new = NewCamera {
        name: r.name,
        url: r.url,
        sub_url: r.sub_url,
        lon: r.lon,
        lat: r.lat,
        grid_code: r.grid_code,
        zone: r.zone,
        transport: r.transport,
        record: r.record,
        retain_days: r.retain_days,
        quota_mb: r.quota_mb,
    };
    let row = state.app.create_camera(&a.session, &a.ctx, new).await?;
    let (st, rec) = (state.app.camera_status(&row), state.app.is_recording(&row.id));
    Ok((StatusCode::CREATED, Json(CameraView::new(row, true, st, rec))))
}

/// One camera (404 when outside the caller's scope or zone).
#[utoipa::path(operation_id = "get_camera", get, path = "/api/v1/cameras/{id}", tag = "cameras", params(("id" = String, Path)),
    responses((status = 200, body = CameraView), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<CameraView>> {
    let row = state.app.get_camera(&a.session, &id).await?;
    let m = state.app.may_manage_camera(&a.session, &row);
    let (st, rec) = (state.app.camera_status(&row), state.app.is_recording(&row.id));
    Ok(Json(CameraView::new(row, m, st, rec)))
}

/// Change a camera's name, grid, location, URLs, transport or recording. The zone is fixed.
#[utoipa::path(operation_id = "update_camera", patch, path = "/api/v1/cameras/{id}", tag = "cameras", params(("id" = String, Path)),
    request_body = CameraPatchRequest,
    responses((status = 200, body = CameraView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<CameraPatchRequest>,
) -> ApiResult<Json<CameraView>> {
    let patch = CameraPatch {
        name: r.name,
        url: r.url,
        sub_url: r.sub_url,
        lon: r.lon,
        lat: r.lat,
        grid_code: r.grid_code,
        zone: r.zone,
        transport: r.transport,
        record: r.record,
        retain_days: r.retain_days,
        quota_mb: r.quota_mb,
    };
    let row = state.app.update_camera(&a.session, &a.ctx, &id, patch).await?;
    let (st, rec) = (state.app.camera_status(&row), state.app.is_recording(&row.id));
    Ok(Json(CameraView::new(row, true, st, rec)))
}

/// Remove a camera.
#[utoipa::path(operation_id = "delete_camera", delete, path = "/api/v1/cameras/{id}", tag = "cameras", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    state.app.delete_camera(&a.session, &a.ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A camera's privacy regions: polygons in coordinates relative to the picture (0–1).
#[utoipa::path(operation_id = "get_privacy_mask", get, path = "/api/v1/cameras/{id}/privacy-mask", tag = "cameras",
    params(("id" = String, Path)),
    responses((status = 200, body = PrivacyMaskBody), (status = 404, body = ErrorBody)))]
pub async fn get_privacy_mask(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
) -> ApiResult<Json<PrivacyMaskBody>> {
    let m = state.app.privacy_mask(&a.session, &id).await?;
    Ok(Json(PrivacyMaskBody { regions: m.regions }))
}

/// Replace a camera's privacy regions (at most 16 of 3–32 corners; an empty list removes them).
#[utoipa::path(operation_id = "set_privacy_mask", put, path = "/api/v1/cameras/{id}/privacy-mask", tag = "cameras",
    params(("id" = String, Path)), request_body = PrivacyMaskBody,
    responses((status = 204, description = "Saved"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_privacy_mask(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(body): Json<PrivacyMaskBody>,
) -> ApiResult<StatusCode> {
    let mask = palmgrid_domain::privacy::PrivacyMask { regions: body.regions };
    state.app.set_privacy_mask(&a.session, &a.ctx, &id, mask).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacyMaskBody {
    /// Each region a ring of `[x, y]` corners relative to the picture's width and height.
    pub regions: Vec<Vec<[f64; 2]>>,
}
