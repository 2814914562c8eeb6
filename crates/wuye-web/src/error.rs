//! Errors on the wire: `{"error": {"code": "...", "message": "...", "field": ...}}`
//! with the status the error's kind decides, and the message in the caller's
//! language (`Accept-Language`; Chinese unless English is preferred).

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use wuye_app::AppError;
use wuye_domain::{Error, ErrorKind, Lang};

tokio::task_local! {
    /// The language of the request being handled.
    static LANG: Lang;
}

pub fn current_lang() -> Lang {
    LANG.try_with(|l| *l).unwrap_or_default()
}

pub fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// Runs the rest of the request with its language known to error rendering.
pub async fn language_scope(req: Request, next: Next) -> Response {
    let lang = lang_of(req.headers());
    LANG.scope(lang, next.run(req)).await
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable code (e.g. `phone_invalid`); clients switch on it.
    pub code: String,
    /// Human-readable message in the requested language.
    pub message: String,
    /// The input field at fault, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// An error answered to an HTTP caller.
#[derive(Debug)]
pub struct ApiError(pub AppError);

pub type ApiResult<T> = Result<T, ApiError>;

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError(AppError::Coded(e))
    }
}

pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn error_response(e: &Error, status: StatusCode) -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: e.code.to_string(),
            message: e.message(current_lang()).to_string(),
            field: e.field.clone(),
        },
    };
    (status, axum::Json(body)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self.0 {
            tracing::error!(%detail, "internal error");
        }
        let e = self.0.public();
        let mut status = status_of(e.kind);
        // Malformed requests (bad JSON, bad paths) are 400; rule breaks 422.
        if matches!(
            e.code,
            "json_invalid" | "path_invalid" | "query_invalid" | "content_type_invalid"
        ) {
            status = StatusCode::BAD_REQUEST;
        }
        if e.code == "content_type_invalid" {
            status = StatusCode::UNSUPPORTED_MEDIA_TYPE;
        }
        error_response(&e, status)
    }
}

pub async fn not_found_fallback() -> ApiError {
    Error::new(
        ErrorKind::NotFound,
        "route_not_found",
        "没有这个地址",
        "No such address",
    )
    .into()
}

pub async fn method_not_allowed_fallback() -> Response {
    let e = Error::new(
        ErrorKind::Invalid,
        "method_not_allowed",
        "这个地址不支持该请求方法",
        "This address does not support that method",
    );
    error_response(&e, StatusCode::METHOD_NOT_ALLOWED)
}

pub fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    let e = Error::internal();
    // The language scope is gone by the time a panic is caught: both languages.
    let body =
        serde_json::json!({"error": {"code": e.code, "message": format!("{} / {}", e.zh, e.en)}});
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}
