//! Extractors whose rejections are coded errors in the caller's language,
//! instead of axum's plain-text ones.

use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum_extra::extract::QueryRejection;
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
        JsonRejection::JsonDataError(e) => json_data_error(detail_of(&e.body_text())),
        JsonRejection::JsonSyntaxError(e) => {
            let text = e.body_text();
            let detail = detail_of(&text);
            Error::invalid(
                "json_invalid",
                match line_column(detail) {
                    Some((line, col)) => {
                        format!("请求内容不是有效的 JSON（第 {line} 行第 {col} 列附近）")
                    }
                    None => "请求内容不是有效的 JSON".to_string(),
                },
                format!("The request body is not valid JSON: {detail}"),
            )
        }
        other => Error::invalid(
            "json_invalid",
            "无法读取请求内容",
            format!("Cannot read the request body: {}", other.body_text()),
        ),
    }
}

/// serde's words after axum's prefix: "name: invalid type: integer `5`,
/// expected a string at line 1 column 10", "unknown field `colour`, expected
/// one of …", "missing field `name` at …". The Chinese message says which
/// field and what is wrong with it in words of its own; the English one keeps
/// serde's detail.
fn json_data_error(detail: &str) -> Error {
    let quoted = |after: &str| {
        detail
            .split_once(after)
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(name, _)| name.to_string())
    };
    let path = detail
        .split_once(": ")
        .map(|(p, _)| p)
        .filter(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.[]".contains(c))
        })
        .map(str::to_string);
    let (zh, field) = if let Some(f) = quoted("unknown field `") {
        (format!("请求内容中有无法识别的字段 {f}"), Some(f))
    } else if let Some(f) = quoted("missing field `") {
        (format!("请求内容缺少字段 {f}"), Some(f))
    } else if let Some(f) = path {
        let what = if detail.contains("invalid type") {
            "类型不对"
        } else {
            "无法识别"
        };
        (format!("请求内容中字段 {f} 的值{what}"), Some(f))
    } else {
        ("请求内容的字段不符合要求".to_string(), None)
    };
    let e = Error::invalid(
        "json_invalid",
        zh,
        format!("The request's fields are not as expected: {detail}"),
    );
    match field {
        Some(f) => e.with_field(f),
        None => e,
    }
}

/// "… at line 1 column 7" → (1, 7).
fn line_column(detail: &str) -> Option<(u64, u64)> {
    let (_, rest) = detail.rsplit_once(" at line ")?;
    let (line, col) = rest.split_once(" column ")?;
    Some((line.trim().parse().ok()?, col.trim().parse().ok()?))
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
    use axum::extract::path::ErrorKind as Kind;
    let en = format!(
        "A parameter in the address is not valid: {}",
        rej.body_text()
    );
    let PathRejection::FailedToDeserializePathParams(failed) = &rej else {
        return Error::invalid("path_invalid", "地址中的参数无效", en);
    };
    match failed.kind() {
        Kind::ParseErrorAtKey { key, value, .. } | Kind::DeserializeError { key, value, .. } => {
            Error::invalid(
                "path_invalid",
                format!("地址中的 {key}（{value}）无法识别"),
                en,
            )
            .with_field(key.clone())
        }
        Kind::ParseErrorAtIndex { value, .. } | Kind::ParseError { value, .. } => {
            Error::invalid("path_invalid", format!("地址中的参数 {value} 无法识别"), en)
        }
        _ => Error::invalid("path_invalid", "地址中的参数无效", en),
    }
}

/// Query string parameters; bad ones answer 400 `query_invalid`. Read by
/// axum-extra's `Query` (serde_html_form): an empty value of an optional
/// parameter is none, as browsers send a form's blank filter (`team_id=`).
pub struct Query<T>(pub T);

impl<T, S> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum_extra::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum_extra::extract::Query(v)) => Ok(Query(v)),
            Err(rej) => Err(query_rejection(rej).into()),
        }
    }
}

/// axum-extra's text is "Failed to deserialize query string: <field>: <serde's
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
