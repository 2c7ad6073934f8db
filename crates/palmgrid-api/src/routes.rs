//! Every route of the server, in one place. API routes are registered through
//! `utoipa_axum::routes!`, so a route cannot exist without its OpenAPI entry.

use crate::handlers::{
    audit, auth, buildings, cameras, cases, community, grids, live, open311, recordings, regions, service, users,
};
use crate::views::HealthView;
use crate::{ApiState, web};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use std::sync::OnceLock;
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Largest JSON body accepted by the API.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Largest evidence photo upload (the app checks the photo's own limit).
pub const MAX_PHOTO_UPLOAD_BYTES: usize = 9 * 1024 * 1024;
/// Largest region import (a district's unit grids run to megabytes of GeoJSON).
pub const MAX_IMPORT_BYTES: usize = 64 * 1024 * 1024;

#[derive(OpenApi)]
#[openapi(
    info(title = "palmgrid", description = "Grid-based community video surveillance and community governance (网格化视频监控 + 掌上社区)."),
    modifiers(&SecurityAddon),
    security(("bearer" = []), ("cookie" = [])),
    components(schemas(crate::error::ErrorBody))
)]
struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(crate::extract::SESSION_COOKIE))),
        );
    }
}

static OPENAPI: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();

/// The OpenAPI document of every `/api/v1` route.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", security(()),
    responses((status = 200, description = "OpenAPI 3.1 document", content_type = "application/json")))]
async fn openapi_json() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi().clone())
}

/// Liveness: 200 while the server runs.
async fn healthz() -> axum::Json<HealthView> {
    axum::Json(HealthView { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() })
}

/// Routes with a body limit of their own.
fn import_router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new().routes(routes!(grids::import))
}

fn photo_router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::new()
        .routes(routes!(cases::add_photo))
        .routes(routes!(community::add_update_photo))
        .routes(routes!(community::chat_post_image))
}

fn api_router() -> OpenApiRouter<ApiState> {
    limited_router().merge(import_router()).merge(photo_router())
}

/// Open311 GeoReport v2: its own paths and error bodies, outside the OpenAPI document.
fn open311_router() -> Router<ApiState> {
    Router::new()
        .route("/open311/v2/services.json", get(open311::services))
        .route("/open311/v2/requests.json", get(open311::requests).post(open311::requests))
        .route("/open311/v2/requests/{file}", get(open311::request))
}

fn limited_router() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi_json))
        .routes(routes!(auth::login))
        .routes(routes!(auth::logout))
        .routes(routes!(auth::me))
        .routes(routes!(auth::change_password))
        .routes(routes!(auth::totp_enroll))
        .routes(routes!(auth::totp_confirm))
        .routes(routes!(users::list, users::create))
        .routes(routes!(users::get, users::patch))
        .routes(routes!(users::grant))
        .routes(routes!(users::revoke))
        .routes(routes!(regions::list, regions::create))
        .routes(routes!(regions::get, regions::patch, regions::delete))
        .routes(routes!(grids::export))
        .routes(routes!(grids::lookup))
        .routes(routes!(grids::get))
        .routes(routes!(grids::map))
        .routes(routes!(audit::list))
        .routes(routes!(cameras::list, cameras::create))
        .routes(routes!(cameras::get, cameras::patch, cameras::delete))
        .routes(routes!(live::live_ws))
        .routes(routes!(live::live_m3u8))
        .routes(routes!(live::hls_part))
        .routes(routes!(live::snapshot))
        .routes(routes!(live::masked_snapshot))
        .routes(routes!(cameras::get_privacy_mask, cameras::set_privacy_mask))
        .routes(routes!(recordings::recording_mp4))
        .routes(routes!(recordings::timeline))
        .routes(routes!(cases::categories))
        .routes(routes!(cases::list, cases::report))
        .routes(routes!(cases::get))
        .routes(routes!(cases::act))
        .routes(routes!(cases::add_video))
        .routes(routes!(cases::photo))
        .routes(routes!(cases::metrics))
        .routes(routes!(cases::notifications))
        .routes(routes!(cases::read_notifications))
        .routes(routes!(cases::notifications_ws))
        .routes(routes!(cases::create_api_key))
        .routes(routes!(cases::set_route))
        .routes(routes!(cases::add_member, cases::remove_member))
        .routes(routes!(community::list_topics, community::create_topic))
        .routes(routes!(community::get_topic))
        .routes(routes!(community::topic_evidence))
        .routes(routes!(community::comment))
        .routes(routes!(community::move_topic))
        .routes(routes!(community::slow_mode))
        .routes(routes!(community::get_prefs, community::put_prefs))
        .routes(routes!(community::open_poll))
        .routes(routes!(community::vote))
        .routes(routes!(community::decide))
        .routes(routes!(community::list_action_items, community::create_action_item))
        .routes(routes!(community::members))
        .routes(routes!(community::volunteer, community::unvolunteer))
        .routes(routes!(community::update_photo))
        .routes(routes!(service::kinds))
        .routes(routes!(service::list, service::file))
        .routes(routes!(service::get))
        .routes(routes!(service::step))
        .routes(routes!(service::rate))
        .routes(routes!(community::get_action_item))
        .routes(routes!(community::update_action_item))
        .routes(routes!(community::board))
        .routes(routes!(community::camera_access))
        .routes(routes!(community::report_comment))
        .routes(routes!(community::moderate_comment))
        .routes(routes!(community::appeal_comment))
        .routes(routes!(community::register_mediation))
        .routes(routes!(community::my_mediations))
        .routes(routes!(community::get_mediation))
        .routes(routes!(community::mediation_step))
        .routes(routes!(community::list_notices, community::post_notice))
        .routes(routes!(community::read_notice))
        .routes(routes!(community::notice_receipts))
        .routes(routes!(community::issue_invite))
        .routes(routes!(community::join))
        .routes(routes!(community::join_requests))
        .routes(routes!(community::decide_join))
        .routes(routes!(community::chat_history, community::chat_post))
        .routes(routes!(community::chat_ws))
        .routes(routes!(community::chat_image))
        .routes(routes!(buildings::list, buildings::add))
        .routes(routes!(buildings::add_subtask))
        .routes(routes!(buildings::set_subtask_done))
}

/// The OpenAPI document (built once).
pub fn openapi() -> &'static utoipa::openapi::OpenApi {
    OPENAPI.get_or_init(|| api_router().split_for_parts().1)
}

/// The whole HTTP application for one listener.
pub fn router(state: ApiState) -> Router {
    let (api, _) = limited_router().split_for_parts();
    let (import, _) = import_router().split_for_parts();
    let (photos, _) = photo_router().split_for_parts();
    let _ = openapi();
    let api = api
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .merge(import.layer(DefaultBodyLimit::max(MAX_IMPORT_BYTES)))
        .merge(photos.layer(DefaultBodyLimit::max(MAX_PHOTO_UPLOAD_BYTES)))
        .merge(open311_router().layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .layer(SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-store")));
    let tiles = state.app.map.tile_url.as_deref().and_then(tile_origin);
    with_security_headers(
        Router::new().route("/healthz", get(healthz)).merge(api).fallback(web::serve_asset).with_state(state),
        tiles.as_deref(),
    )
}

/// The CSP source for a tile URL template: its scheme, host and port, with a `{s}`-style
/// subdomain placeholder widened to `*.` (`https://webrd0{s}.is.autonavi.com/…` →
/// `https://*.is.autonavi.com`). `None` unless it is a plain ASCII http(s) URL without user
/// information (an internationalised host must be given in punycode).
pub fn tile_origin(template: &str) -> Option<String> {
    if !template.is_ascii() || template.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
        return None;
    }
    let probe = template.replace("{s}", "a").replace("{x}", "0").replace("{y}", "0").replace("{z}", "0");
    let url = url::Url::parse(&probe).ok()?;
    if !matches!(url.scheme(), "http" | "https") || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let host = url.host_str()?;
    if !host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':')) {
        return None;
    }
    let template_host = template.split_once("://")?.1.split(['/', '?', '#']).next()?;
    let host = if template_host.split('.').next()?.contains('{') {
        format!("*.{}", host.split_once('.')?.1)
    } else {
        host.to_owned()
    };
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!("{}://{host}{port}", url.scheme()))
}

/// Security headers on every response (handlers may set their own first). Map tiles, when
/// configured, are the one image source outside the server.
fn with_security_headers(router: Router, tiles: Option<&str>) -> Router {
    let h = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let csp = format!(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:{}; \
         media-src 'self' blob:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; \
         frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
        tiles.map(|t| format!(" {t}")).unwrap_or_default()
    );
    let csp = HeaderValue::from_str(&csp).expect("tile_origin admits only header-safe characters");
    router
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, csp))
        .layer(h(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(h(header::X_FRAME_OPTIONS, "DENY"))
        .layer(h(header::REFERRER_POLICY, "no-referrer"))
        .layer(h(
            HeaderName::from_static("permissions-policy"),
            "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()",
        ))
}

#[cfg(test)]
mod tests {
    use super::tile_origin;

    #[test]
    fn tile_hosts_become_csp_sources() {
        let amap = "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}&style=8";
        assert_eq!(tile_origin(amap).as_deref(), Some("https://*.is.autonavi.com"));
        let tdt = "https://t0.tianditu.gov.cn/vec_w/wmts?TILECOL={x}&TILEROW={y}&TILEMATRIX={z}&tk=KEY";
        assert_eq!(tile_origin(tdt).as_deref(), Some("https://t0.tianditu.gov.cn"));
        assert_eq!(tile_origin("http://10.2.0.9:8081/{z}/{x}/{y}.png").as_deref(), Some("http://10.2.0.9:8081"));
        for bad in [
            "javascript:alert(1)",
            "https://a.example;script-src *",
            "https://{s}/x",
            "tiles/{z}/{x}/{y}.png",
            "https://a.example\t*/{z}/{x}/{y}",
            "https://a.example\r\nX: y/{z}",
            "https://瓦片.example/{z}/{x}/{y}",
            "https://user:pw@a.example/{z}/{x}/{y}",
        ] {
            assert_eq!(tile_origin(bad), None, "{bad}");
        }
    }
}
