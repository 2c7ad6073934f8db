//! Open311 GeoReport v2 under `/open311/v2/` (JSON only). Errors use the spec's body:
//! `[{"code": 400, "description": "…"}]`. POST takes form fields (or JSON) with an
//! `api_key`, or a bearer token / session cookie.

use crate::ApiState;
use crate::extract::{CLIENT_HEADER, token_of};
use axum::extract::{FromRequestParts, Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use palmgrid_app::open311::{Open311Caller, Open311Error};
use std::collections::HashMap;

fn error(e: Open311Error) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, axum::Json(e.body())).into_response()
}

fn ok(v: serde_json::Value) -> Response {
    axum::Json(v).into_response()
}

/// The caller: a key in the parameters, else a session. `None`: neither (or a bad one).
async fn caller(
    state: &ApiState,
    parts: &mut axum::http::request::Parts,
    params: &HashMap<String, String>,
) -> Result<Open311Caller, Open311Error> {
    if let Some(key) = params.get("api_key").filter(|k| !k.is_empty()) {
        return match state.app.api_key(key).await {
            Ok(Some(k)) => Ok(Open311Caller::Key(k)),
            Ok(None) => Err(Open311Error::new(403, "invalid api_key")),
            Err(e) => Err(e.into()),
        };
    }
    let Some((token, from_cookie)) = token_of(parts) else {
        return Err(Open311Error::new(401, "an api_key or a bearer token is required"));
    };
    if from_cookie && parts.method != Method::GET && !parts.headers.contains_key(CLIENT_HEADER) {
        return Err(Open311Error::new(403, "cookie-authenticated requests that change state need X-Palmgrid-Client"));
    }
    let crate::extract::Ctx(ctx) = crate::extract::Ctx::from_request_parts(parts, state)
        .await
        .map_err(|_| Open311Error::new(500, "no request context"))?;
    match state.app.authenticate(&ctx, &token).await {
        Ok(s) => Ok(Open311Caller::Session(Box::new(s))),
        Err(e) => Err(e.into()),
    }
}

fn query_map(parts: &axum::http::request::Parts) -> HashMap<String, String> {
    let q = parts.uri.query().unwrap_or("");
    url::form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

/// `GET /open311/v2/services.json`: the category leaves. Public, as the spec has it.
pub async fn services(State(state): State<ApiState>) -> Response {
    ok(state.app.open311_services())
}

/// `GET|POST /open311/v2/requests.json`
pub async fn requests(State(state): State<ApiState>, req: Request) -> Response {
    let (mut parts, body) = req.into_parts();
    let mut params = query_map(&parts);
    if parts.method == Method::POST {
        let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
            return error(Open311Error::new(400, "the request body is too large"));
        };
        let is_json = content_type(&parts.headers).starts_with("application/json");
        let fields: Result<HashMap<String, String>, Open311Error> = if is_json {
            serde_json::from_slice::<HashMap<String, serde_json::Value>>(&bytes)
                .map(|m| {
                    m.into_iter()
                        .map(|(k, v)| (k, v.as_str().map(String::from).unwrap_or_else(|| v.to_string())))
                        .collect()
                })
                .map_err(|e| Open311Error::new(400, format!("the body is not a JSON object: {e}")))
        } else {
            Ok(url::form_urlencoded::parse(&bytes).into_owned().collect())
        };
        match fields {
            Ok(f) => params.extend(f),
            Err(e) => return error(e),
        }
    }
    let who = match caller(&state, &mut parts, &params).await {
        Ok(c) => c,
        Err(e) => return error(e),
    };
    let r = if parts.method == Method::POST {
        state.app.open311_submit(&who, &params).await
    } else {
        state.app.open311_requests(&who, &params).await
    };
    match r {
        Ok(v) => ok(v),
        Err(e) => error(e),
    }
}

/// `GET /open311/v2/requests/{id}.json`
pub async fn request(State(state): State<ApiState>, Path(file): Path<String>, req: Request) -> Response {
    let Some(id) = file.strip_suffix(".json") else {
        return error(Open311Error::new(400, "only the JSON format is served: use requests/{id}.json"));
    };
    let (mut parts, _) = req.into_parts();
    let params = query_map(&parts);
    match caller(&state, &mut parts, &params).await {
        Ok(who) => match state.app.open311_request(&who, id).await {
            Ok(v) => ok(v),
            Err(e) => error(e),
        },
        Err(e) => error(e),
    }
}

fn content_type(h: &HeaderMap) -> &str {
    h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}
