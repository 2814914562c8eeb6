//! Extractors whose rejections are coded errors in the caller's language,
//! instead of axum's plain-text ones.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use wuye_domain::{Error, ErrorKind};

use crate::error::ApiError;

/// JSON body. Unknown fields, wrong types, malformed JSON, a missing
/// `Content-Type: application/json` and oversize bodies are all coded errors.
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rej) => Err(json_rejection(rej).into()),
        }
    }
}

fn json_rejection(rej: JsonRejection) -> Error {
    if rej.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return too_large();
    }
    match rej {
        JsonRejection::MissingJsonContentType(_) => Error::invalid(
            "content_type_invalid",
            "请求需要 Content-Type: application/json",
            "The request needs Content-Type: application/json",
        ),
        JsonRejection::JsonDataError(e) => {
            let detail = e.body_text();
            Error::invalid(
                "json_invalid",
                format!("请求内容的字段不符合要求：{}", detail_of(&detail)),
                format!(
                    "The request's fields are not as expected: {}",
                    detail_of(&detail)
                ),
            )
        }
        JsonRejection::JsonSyntaxError(e) => {
            let detail = e.body_text();
            Error::invalid(
                "json_invalid",
                format!("请求内容不是有效的 JSON：{}", detail_of(&detail)),
                format!("The request body is not valid JSON: {}", detail_of(&detail)),
            )
        }
        other => Error::invalid(
            "json_invalid",
            format!("无法读取请求内容：{}", other.body_text()),
            format!("Cannot read the request body: {}", other.body_text()),
        ),
    }
}

/// axum's text is "Failed to deserialize the JSON body into the target type: <serde's words>".
fn detail_of(text: &str) -> &str {
    text.split_once(": ").map(|(_, d)| d).unwrap_or(text)
}

pub fn too_large() -> Error {
    Error::new(
        ErrorKind::TooLarge,
        "payload_too_large",
        "请求内容过大",
        "The request body is too large",
    )
}

/// A path parameter, e.g. an id; a non-number answers 400 `path_invalid`.
pub struct Path<T>(pub T);

impl<T, S> FromRequestParts<S> for Path<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(rej) => Err(path_rejection(rej).into()),
        }
    }
}

fn path_rejection(rej: PathRejection) -> Error {
    Error::invalid(
        "path_invalid",
        format!("地址中的参数无效：{}", rej.body_text()),
        format!(
            "A parameter in the address is not valid: {}",
            rej.body_text()
        ),
    )
}

/// Query string parameters; bad ones answer 400 `query_invalid`.
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(rej) => Err(query_rejection(rej).into()),
        }
    }
}

/// axum's text is "Failed to deserialize query string: <field>: <serde's
/// words>"; the Chinese message names the field in words of its own rather
/// than quoting serde's English.
pub(crate) fn query_rejection(rej: QueryRejection) -> Error {
    let text = rej.body_text();
    let detail = detail_of(&text);
    let field = detail
        .split_once(": ")
        .map(|(f, _)| f)
        .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    let e = Error::invalid(
        "query_invalid",
        match field {
            Some(f) => format!("查询参数 {f} 的值无法识别"),
            None => "查询参数无法识别".to_string(),
        },
        format!("A query parameter is not valid: {detail}"),
    );
    match field {
        Some(f) => e.with_field(f),
        None => e,
    }
}
