//! 掌上社区: a community's buildings (where invites and notices can point) and the weighted
//! sub-tasks of action items.

use crate::ApiState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Authed, Json, Path};
use crate::views::{ItemsView, rfc3339};
use axum::extract::State;
use axum::http::StatusCode;
use palmgrid_app::buildings::Building;
use palmgrid_app::community::Labels;
use palmgrid_store::SubtaskRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingView {
    pub id: String,
    pub name: String,
    /// The grid it lies in, if any.
    pub grid: Option<String>,
}

impl From<Building> for BuildingView {
    fn from(b: Building) -> Self {
        BuildingView { id: b.row.id, name: b.row.name, grid: b.grid }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BuildingRequest {
    /// Its name in the community (1–40 characters, unique there), e.g. `3栋`.
    pub name: String,
    /// A grid of the community it lies in.
    pub grid: Option<String>,
}

/// The buildings of a community (its members).
#[utoipa::path(operation_id = "list_buildings", get, path = "/api/v1/communities/{code}/buildings", tag = "community",
    params(("code" = String, Path)),
    responses((status = 200, body = ItemsView<BuildingView>), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemsView<BuildingView>>> {
    let rows = state.app.buildings(&a.session, &code).await?;
    Ok(Json(ItemsView { items: rows.into_iter().map(Into::into).collect() }))
}

/// Add a building to the community (the staff running the space).
#[utoipa::path(operation_id = "add_building", post, path = "/api/v1/communities/{code}/buildings", tag = "community",
    params(("code" = String, Path)), request_body = BuildingRequest,
    responses((status = 201, body = BuildingView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add(
    State(state): State<ApiState>,
    a: Authed,
    Path(code): Path<String>,
    Json(r): Json<BuildingRequest>,
) -> ApiResult<(StatusCode, Json<BuildingView>)> {
    let b = state.app.add_building(&a.session, &a.ctx, &code, &r.name, r.grid.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(b.into())))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubtaskView {
    pub id: String,
    pub title: String,
    /// 1–100.
    pub weight: i64,
    pub done: bool,
    /// Who ticked it off (an alias for members anonymous to the reader).
    pub done_by_name: Option<String>,
    pub done_at: Option<String>,
}

impl SubtaskView {
    pub fn new(t: SubtaskRow, l: &Labels) -> Self {
        SubtaskView {
            id: t.id,
            title: t.title,
            weight: t.weight,
            done: t.done_ms.is_some(),
            done_by_name: t.done_by.as_deref().map(|u| l.user(u)),
            done_at: t.done_ms.map(rfc3339),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubtaskRequest {
    pub title: String,
    /// 1–100: its share of the item relative to the other sub-tasks.
    pub weight: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubtaskDoneRequest {
    pub done: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubtaskChangedView {
    pub subtask: SubtaskView,
    /// The item's progress now: the done weight over the whole, rounded down.
    pub progress: i64,
}

async fn changed(state: &ApiState, a: &Authed, (t, progress): (SubtaskRow, i64)) -> ApiResult<SubtaskChangedView> {
    let item = state.app.action_item(&a.session, &t.item_id).await?.0;
    let users: Vec<&str> = t.done_by.as_deref().into_iter().collect();
    let l = state.app.labels(&a.session, &users, &[&item.community_id]).await?;
    Ok(SubtaskChangedView { subtask: SubtaskView::new(t, &l), progress })
}

/// Add a weighted sub-task to an action item (its owner or the staff). From then on the
/// item's progress follows its sub-tasks.
#[utoipa::path(operation_id = "add_subtask", post, path = "/api/v1/action-items/{id}/subtasks", tag = "community",
    params(("id" = String, Path)), request_body = SubtaskRequest,
    responses((status = 201, body = SubtaskChangedView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_subtask(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<SubtaskRequest>,
) -> ApiResult<(StatusCode, Json<SubtaskChangedView>)> {
    let done = state.app.add_subtask(&a.session, &id, &r.title, r.weight).await?;
    Ok((StatusCode::CREATED, Json(changed(&state, &a, done).await?)))
}

/// Tick a sub-task off, or open it again (the item's owner or the staff).
#[utoipa::path(operation_id = "set_subtask_done", put, path = "/api/v1/action-subtasks/{id}", tag = "community",
    params(("id" = String, Path)), request_body = SubtaskDoneRequest,
    responses((status = 200, body = SubtaskChangedView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn set_subtask_done(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(r): Json<SubtaskDoneRequest>,
) -> ApiResult<Json<SubtaskChangedView>> {
    let done = state.app.set_subtask_done(&a.session, &id, r.done).await?;
    Ok(Json(changed(&state, &a, done).await?))
}
