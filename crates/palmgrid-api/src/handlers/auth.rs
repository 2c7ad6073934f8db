//! Login, logout, the caller's own account and second factor.

use crate::ApiState;
use crate::error::{ApiResult, ErrorBody};
use crate::extract::{Authed, Ctx, Json, SESSION_COOKIE};
use crate::views::*;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use palmgrid_domain::authz;

fn session_cookie(state: &ApiState, token: &str, max_age_s: i64) -> HeaderValue {
    let secure = if state.cookie_secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"
    ))
    .expect("cookie is ASCII")
}

/// Log in with user name and password (and TOTP code when the account has one).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in; also sets the HttpOnly session cookie", body = LoginResponse),
        (status = 401, description = "`invalid_credentials`, `totp_required` or `invalid_totp`", body = ErrorBody),
        (status = 429, description = "`account_locked`: too many failures for this user name", body = ErrorBody),
    ))]
pub async fn login(State(state): State<ApiState>, Ctx(ctx): Ctx, Json(req): Json<LoginRequest>) -> ApiResult<Response> {
    let out = state.app.login(&ctx, &req.username, &req.password, req.totp.as_deref()).await?;
    let max_age = state.app.auth.absolute_lifetime_ms / 1000;
    let user = UserView {
        id: out.session.user_id.clone(),
        username: out.session.username.clone(),
        display_name: out.session.display_name.clone(),
        disabled: false,
        totp_enabled: out.session.totp_enabled,
        memberships: out.session.memberships.clone().into_iter().map(Into::into).collect(),
    };
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie(&state, &out.token, max_age));
    Ok((headers, Json(LoginResponse { token: out.token, user })).into_response())
}

/// End the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "Logged out; the cookie is cleared"), (status = 401, body = ErrorBody)))]
pub async fn logout(State(state): State<ApiState>, a: Authed) -> ApiResult<Response> {
    state.app.logout(&a.session, &a.ctx).await?;
    let mut headers = HeaderMap::new();
    headers.insert(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok((StatusCode::NO_CONTENT, headers).into_response())
}

/// The caller: profile, grants, the app tabs they may use, second-factor state.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<ApiState>, a: Authed) -> ApiResult<Json<MeView>> {
    let s = &a.session;
    state.app.authorize(s, authz::Action::ReadSelf, &authz::Resource::Myself)?;
    let tabs = if s.totp_pending { vec!["home", "me"] } else { authz::tabs(&s.actor) };
    Ok(Json(MeView {
        user: UserView {
            id: s.user_id.clone(),
            username: s.username.clone(),
            display_name: s.display_name.clone(),
            disabled: false,
            totp_enabled: s.totp_enabled,
            memberships: s.memberships.clone().into_iter().map(Into::into).collect(),
        },
        tabs: tabs.into_iter().map(String::from).collect(),
        totp_enrolled: s.totp_enabled,
        totp_required: s.requires_totp(),
        totp_pending: s.totp_pending,
        zone: a.ctx.listener_zone.as_str().into(),
    }))
}

/// Change one's own password; all sessions of the account end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = PasswordChangeRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_password(
    State(state): State<ApiState>,
    a: Authed,
    Json(req): Json<PasswordChangeRequest>,
) -> ApiResult<StatusCode> {
    state.app.change_own_password(&a.session, &a.ctx, &req.old_password, &req.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Start TOTP enrolment: a secret for the authenticator app and ten recovery codes.
#[utoipa::path(post, path = "/api/v1/auth/totp/enroll", tag = "auth",
    responses((status = 200, body = TotpEnrollView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn totp_enroll(State(state): State<ApiState>, a: Authed) -> ApiResult<Json<TotpEnrollView>> {
    let e = state.app.totp_enroll(&a.session, &a.ctx).await?;
    Ok(Json(TotpEnrollView {
        secret_base32: e.secret_base32,
        otpauth_uri: e.otpauth_uri,
        recovery_codes: e.recovery_codes,
    }))
}

/// Finish TOTP enrolment with a first code from the authenticator app.
#[utoipa::path(post, path = "/api/v1/auth/totp/confirm", tag = "auth", request_body = TotpConfirmRequest,
    responses((status = 204), (status = 401, description = "`invalid_totp`", body = ErrorBody)))]
pub async fn totp_confirm(
    State(state): State<ApiState>,
    a: Authed,
    Json(req): Json<TotpConfirmRequest>,
) -> ApiResult<StatusCode> {
    state.app.totp_confirm(&a.session, &a.ctx, &req.code).await?;
    Ok(StatusCode::NO_CONTENT)
}
