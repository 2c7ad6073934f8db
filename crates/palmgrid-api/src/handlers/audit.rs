//! Reading the audit log (auditors). There is deliberately no route that changes it.

use crate::ApiState;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{Authed, Json, Query};
use crate::views::*;
use axum::extract::State;
use palmgrid_store::AuditFilter;

fn time_param(v: &Option<String>, name: &str) -> ApiResult<Option<i64>> {
    v.as_deref()
        .map(|s| parse_rfc3339_ms(s).ok_or_else(|| ApiError::bad_request(format!("{name} must be RFC 3339"))))
        .transpose()
}

/// Audit entries, newest first, filtered. Reading is itself recorded.
#[utoipa::path(operation_id = "list_audit", get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = ItemsView<AuditEntryView>), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<ApiState>,
    a: Authed,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<ItemsView<AuditEntryView>>> {
    let filter = AuditFilter {
        actor_name: q.actor,
        action_prefix: q.action,
        result: q.result,
        since_ms: time_param(&q.since, "since")?,
        until_ms: time_param(&q.until, "until")?,
        before_seq: q.before,
        limit: q.limit.unwrap_or(100),
    };
    let entries = state.app.list_audit(&a.session, &a.ctx, filter).await?;
    Ok(Json(ItemsView { items: entries.into_iter().map(Into::into).collect() }))
}
