//! Extractors: JSON with our error body, and the authenticated session.
//!
//! A session comes from `Authorization: Bearer TOKEN` or from the `palmgrid_session`
//! cookie. Cookie-authenticated requests that change state must carry the
//! `X-Palmgrid-Client` header: browsers do not send custom headers cross-site without a
//! CORS preflight, which this server never grants, so a forged form post is refused.

use crate::ApiState;
use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use palmgrid_app::{RequestCtx, Session};
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "palmgrid_session";
pub const CLIENT_HEADER: &str = "x-palmgrid-client";

/// `axum::Json` whose rejections use our error body.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` with our error body.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path` with our error body.
#[derive(Debug, Clone, Copy, Default, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// Source address and listener zone of the request.
pub struct Ctx(pub RequestCtx);

impl FromRequestParts<ApiState> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let source = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(Ctx(RequestCtx { source, listener_zone: state.zone }))
    }
}

/// The caller's session and request context; 401 without a valid session.
pub struct Authed {
    pub session: Session,
    pub ctx: RequestCtx,
}

fn cookie_token(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
}

/// The bearer token of a request, and whether it came from the cookie.
pub fn token_of(parts: &Parts) -> Option<(String, bool)> {
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        return auth.strip_prefix("Bearer ").map(|t| (t.trim().to_owned(), false));
    }
    cookie_token(parts).map(|t| (t, true))
}

impl FromRequestParts<ApiState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Self::Rejection> {
        let Ctx(ctx) = Ctx::from_request_parts(parts, state).await?;
        let Some((token, from_cookie)) = token_of(parts) else {
            return Err(palmgrid_app::AppError::Unauthenticated.into());
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if from_cookie && !safe && !parts.headers.contains_key(CLIENT_HEADER) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "csrf_header_missing",
                "cookie-authenticated requests that change state need the X-Palmgrid-Client header",
            ));
        }
        let session = state.app.authenticate(&ctx, &token).await?;
        Ok(Authed { session, ctx })
    }
}
