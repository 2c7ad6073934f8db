//! User accounts and role grants (district administrators).

use crate::ApiState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Authed, Json, Path};
use crate::views::*;
use axum::extract::State;
use axum::http::StatusCode;
use palmgrid_app::users::NewUser;

/// All user accounts with their grants.
#[utoipa::path(operation_id = "list_users", get, path = "/api/v1/users", tag = "users",
    responses((status = 200, body = ItemsView<UserView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(State(state): State<ApiState>, a: Authed) -> ApiResult<Json<ItemsView<UserView>>> {
    let users = state.app.list_users(&a.session).await?;
    Ok(Json(ItemsView { items: users.into_iter().map(|(u, m)| UserView::new(u, m)).collect() }))
}

/// Create a user account (password ≥ 12 characters, not the user name).
#[utoipa::path(operation_id = "create_user", post, path = "/api/v1/users", tag = "users", request_body = NewUserRequest,
    responses((status = 201, body = UserView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<ApiState>,
    a: Authed,
    Json(req): Json<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<UserView>)> {
    let new = NewUser { username: req.username, display_name: req.display_name, password: req.password };
    let u = state.app.create_user(&a.session, &a.ctx, &new).await?;
    Ok((StatusCode::CREATED, Json(UserView::new(u, vec![]))))
}

/// One user account.
#[utoipa::path(operation_id = "get_user", get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<Json<UserView>> {
    let (u, m) = state.app.get_user(&a.session, &id).await?;
    Ok(Json(UserView::new(u, m)))
}

/// Disable/enable an account or set a new password (both revoke its sessions).
#[utoipa::path(operation_id = "update_user", patch, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)), request_body = UserPatch,
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(req): Json<UserPatch>,
) -> ApiResult<Json<UserView>> {
    if let Some(pw) = &req.password {
        state.app.reset_password(&a.session, &a.ctx, &id, pw).await?;
    }
    if let Some(d) = req.disabled {
        state.app.set_user_disabled(&a.session, &a.ctx, &id, d).await?;
    }
    let (u, m) = state.app.get_user(&a.session, &id).await?;
    Ok(Json(UserView::new(u, m)))
}

/// Grant a role over a region subtree.
#[utoipa::path(operation_id = "grant_role", post, path = "/api/v1/users/{id}/memberships", tag = "users", params(("id" = String, Path)),
    request_body = GrantRequest,
    responses((status = 201, body = MembershipView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn grant(
    State(state): State<ApiState>,
    a: Authed,
    Path(id): Path<String>,
    Json(req): Json<GrantRequest>,
) -> ApiResult<(StatusCode, Json<MembershipView>)> {
    let m = state.app.grant_role(&a.session, &a.ctx, &id, req.role, req.region_code.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(m.into())))
}

/// Revoke a grant.
#[utoipa::path(operation_id = "revoke_role", delete, path = "/api/v1/memberships/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke(State(state): State<ApiState>, a: Authed, Path(id): Path<String>) -> ApiResult<StatusCode> {
    state.app.revoke_role(&a.session, &a.ctx, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
