//! Errors of the use cases. The API maps each to one status and a stable code.

use palmgrid_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("not permitted")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("wrong user name or password")]
    InvalidCredentials,
    #[error("too many failed logins; try again later")]
    AccountLocked { until_ms: i64 },
    #[error("a TOTP code is required for this account")]
    TotpRequired,
    #[error("the TOTP or recovery code is not valid")]
    InvalidTotp,
    #[error("this account must enrol a TOTP second factor first")]
    TotpEnrolmentRequired,
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    Conflict(String),
    /// Too soon after the previous attempt (slow mode); try again after this many seconds.
    #[error("{message}")]
    TooSoon { retry_after_s: i64, message: String },
    #[error("the audit log could not be written; the action was not performed")]
    AuditUnavailable(#[source] StoreError),
    /// A region import was refused; every problem is listed and nothing was written.
    #[error("the file has {} problem(s); nothing was imported", .0.len())]
    ImportRejected(Vec<palmgrid_domain::region_import::ImportProblem>),
    #[error("the point is outside every grid")]
    OutsideAllGrids,
    /// A camera or other upstream did not deliver.
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(m) => AppError::Conflict(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}
