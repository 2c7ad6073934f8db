//! The one mapping from errors to HTTP: `{"error": "snake_case_code", "message": "…"}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use palmgrid_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable snake_case code, e.g. `invalid_credentials`.
    pub error: String,
    /// Human-readable explanation (English; the app shows its own zh-CN text by code).
    pub message: String,
    /// Every problem found, where a request can have several (a region import).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub problems: Option<serde_json::Value>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub retry_after_s: Option<i64>,
    pub problems: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), retry_after_s: None, problems: None }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        use StatusCode as S;
        let msg = e.to_string();
        match e {
            AppError::Unauthenticated => ApiError::new(S::UNAUTHORIZED, "unauthenticated", msg),
            AppError::Forbidden => ApiError::new(S::FORBIDDEN, "forbidden", msg),
            AppError::NotFound => ApiError::not_found(),
            AppError::InvalidCredentials => ApiError::new(S::UNAUTHORIZED, "invalid_credentials", msg),
            AppError::AccountLocked { .. } => {
                ApiError { retry_after_s: Some(30 * 60), ..ApiError::new(S::TOO_MANY_REQUESTS, "account_locked", msg) }
            }
            AppError::TotpRequired => ApiError::new(S::UNAUTHORIZED, "totp_required", msg),
            AppError::InvalidTotp => ApiError::new(S::UNAUTHORIZED, "invalid_totp", msg),
            AppError::TotpEnrolmentRequired => ApiError::new(S::FORBIDDEN, "totp_enrolment_required", msg),
            AppError::Validation(m) => ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid_input", m),
            AppError::Conflict(m) => ApiError::new(S::CONFLICT, "conflict", m),
            AppError::TooSoon { retry_after_s, message } => ApiError {
                retry_after_s: Some(retry_after_s.max(1)),
                ..ApiError::new(S::TOO_MANY_REQUESTS, "slow_mode", message)
            },
            AppError::AuditUnavailable(source) => {
                tracing::error!(error = %source, "audit log write failed; request refused");
                ApiError::new(S::SERVICE_UNAVAILABLE, "audit_unavailable", msg)
            }
            AppError::ImportRejected(problems) => ApiError {
                problems: Some(serde_json::to_value(&problems).unwrap_or_default()),
                ..ApiError::new(S::UNPROCESSABLE_ENTITY, "invalid_regions", msg)
            },
            AppError::OutsideAllGrids => ApiError::new(S::NOT_FOUND, "outside_all_grids", msg),
            AppError::Unavailable(m) => ApiError::new(S::SERVICE_UNAVAILABLE, "camera_unavailable", m),
            AppError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                ApiError::new(S::INTERNAL_SERVER_ERROR, "internal", "internal error")
            }
        }
    }
}

impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(r: axum::extract::rejection::JsonRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", "request body is too large");
        }
        ApiError::bad_request(r.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(r: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::bad_request(r.body_text())
    }
}

impl From<axum::extract::rejection::PathRejection> for ApiError {
    fn from(r: axum::extract::rejection::PathRejection) -> Self {
        ApiError::bad_request(r.body_text())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: self.code.to_owned(), message: self.message, problems: self.problems };
        let mut resp = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after_s
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
