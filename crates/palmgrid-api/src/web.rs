//! The web app, embedded into the binary by `build.rs` (from `web/`'s Vite build, or a
//! page explaining how to build it when npm was not available).

use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

mod assets {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// Whether the real web app (not the how-to-build page) is embedded.
pub const WEB_APP_BUILT: bool = assets::BUILT;

fn find(path: &str) -> Option<&'static [u8]> {
    assets::ASSETS.iter().find(|(p, _)| *p == path).map(|(_, b)| *b)
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Serves an embedded file, or `index.html` for client-side routes (SPA fallback).
pub async fn serve_asset(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if path == "api" || path.starts_with("api/") {
        return crate::error::ApiError::not_found().into_response();
    }
    let (path, bytes) = match find(path).filter(|_| !path.is_empty()) {
        Some(b) => (path, b),
        None => {
            // Unknown files with an extension are real 404s; paths without one are routes
            // of the single-page app.
            if path.rsplit('/').next().is_some_and(|last| last.contains('.')) {
                return (StatusCode::NOT_FOUND, "not found").into_response();
            }
            ("index.html", find("index.html").unwrap_or(b"palmgrid"))
        }
    };
    // Hashed assets never change; everything else (index.html, sw.js, manifest) must be
    // revalidated so a new version reaches phones.
    let cache = if path.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(path)));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}
