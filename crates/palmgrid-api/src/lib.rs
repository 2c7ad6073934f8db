//! palmgrid's HTTP API: axum routes (all in [`routes`]), thin handlers, the session
//! extractor, the OpenAPI document and the embedded web app.
//!
//! Handlers never run SQL: they extract, call `palmgrid_app` (which authorises), and map
//! the result to a view.

pub mod error;
pub mod extract;
mod handlers;
pub mod routes;
pub mod views;
pub mod web;

use palmgrid_app::App;
use palmgrid_domain::Zone;
use std::future::Future;
use std::net::SocketAddr;

/// Per-listener state: the application and the zone of the network it faces.
#[derive(Clone, Debug)]
pub struct ApiState {
    pub app: App,
    pub zone: Zone,
    /// Mark the session cookie `Secure` (when served over HTTPS, directly or via a proxy).
    pub cookie_secure: bool,
}

/// Serves `state` on an already bound listener until `shutdown` completes, then drains
/// open requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: ApiState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = routes::router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
