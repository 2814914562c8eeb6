//! HTTP: the JSON API under `/api/v1` (with its OpenAPI document), the API
//! docs page, health and metrics endpoints. Handlers translate HTTP to use
//! cases and back; they hold no business rules.

pub mod api;
pub mod assets;
pub mod caller;
pub mod error;
pub mod extract;
pub mod ops;
pub mod ui;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use wuye_app::App;

/// Request bodies above this are refused with 413 (imports have their own limit).
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// The whole HTTP service.
pub fn router(app: App) -> Router {
    let (api, openapi) = api::routes().split_for_parts();
    let openapi = std::sync::Arc::new(openapi);
    Router::new()
        .merge(api)
        .merge(ops::routes(openapi))
        .merge(assets::routes())
        .merge(ui::routes())
        .fallback(error::not_found_fallback)
        .method_not_allowed_fallback(error::method_not_allowed_fallback)
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(axum::middleware::from_fn(ops::track_metrics))
        .layer(axum::middleware::from_fn(error::language_scope))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("x-content-type-options"),
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            HeaderName::from_static("content-security-policy"),
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
                 script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'",
            ),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(app)
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let service = router(app).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await
}
