//! Work orders: create (JSON, or multipart with photos), list and search,
//! read with the timeline, step through the life cycle, comment, rate.

use super::Errors;
use crate::caller::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Path, Query};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::App;
use wuye_app::orders::OrderDetail;
use wuye_app::orders::attachments::PhotoInfo;
use wuye_app::orders::create::{Created, DuplicateCandidate, OrderInput};
use wuye_app::orders::feedback::{CommentInput, RatingInput};
use wuye_app::orders::query::OrderQuery;
use wuye_app::orders::steps::StepInput;
use wuye_app::orders::view::OrderView;
use wuye_app::page::Page;
use wuye_domain::Error;

/// Photo uploads: at most 9 photos of 10 MiB each, and the form around them.
pub const UPLOAD_BODY_LIMIT: usize = 96 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(duplicates))
        .routes(routes!(get_one))
        .routes(routes!(by_number))
        .routes(routes!(step))
        .routes(routes!(comment))
        .routes(routes!(rate))
        .routes(routes!(upload_photos))
        .routes(routes!(get_photo))
        .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_BODY_LIMIT))
}

/// Orders the caller may see, by queue, filters and Chinese text search;
/// newest first or by deadline; phone numbers masked.
#[utoipa::path(get, path = "/orders", tag = "orders", params(OrderQuery), responses((status = 200, body = Page<OrderView>), Errors))]
async fn list(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<OrderQuery>,
) -> ApiResult<axum::Json<Page<OrderView>>> {
    Ok(axum::Json(app.list_orders(&c.actor, &q).await?))
}

fn multipart_error(e: impl std::fmt::Display) -> ApiError {
    Error::invalid(
        "multipart_invalid",
        format!("上传的表单无法读取：{e}"),
        format!("The uploaded form cannot be read: {e}"),
    )
    .into()
}

/// Reads photo files from a multipart body (field `photos`), storing each;
/// the other fields come back as text.
async fn read_multipart(
    app: &App,
    c: &Caller,
    mut mp: Multipart,
) -> ApiResult<(Vec<PhotoInfo>, Vec<(String, String)>)> {
    let mut photos = Vec::new();
    let mut fields = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "photos" || name == "photo" || field.file_name().is_some() {
            let bytes = field.bytes().await.map_err(multipart_error)?;
            if bytes.is_empty() {
                continue; // an empty file input
            }
            if photos.len() >= wuye_domain::work_order::MAX_PHOTOS_PER_STEP {
                return Err(wuye_app::orders::create::too_many_photos().into());
            }
            photos.push(app.upload_photo(&c.actor, bytes.to_vec()).await?);
        } else {
            fields.push((name, field.text().await.map_err(multipart_error)?));
        }
    }
    Ok((photos, fields))
}

/// Report a problem. JSON (`photo_ids` from POST /photos), or
/// `multipart/form-data` with an `order` field holding the JSON and `photos`
/// files: every photo is checked before the order is made, so a bad photo
/// leaves no order behind. Answers with the order and duplicate candidates.
#[utoipa::path(post, path = "/orders", tag = "orders", request_body = OrderInput, responses((status = 201, body = Created), Errors))]
async fn create(
    State(app): State<App>,
    c: Caller,
    req: Request,
) -> ApiResult<(StatusCode, axum::Json<Created>)> {
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let input = if is_multipart {
        let mp = Multipart::from_request(req, &())
            .await
            .map_err(multipart_error)?;
        let (photos, fields) = read_multipart(&app, &c, mp).await?;
        let json = fields
            .iter()
            .find(|(k, _)| k == "order")
            .map(|(_, v)| v.clone())
            .ok_or_else(|| {
                ApiError::from(Error::invalid(
                    "order_missing",
                    "表单缺少 order 字段",
                    "The form has no `order` field",
                ))
            })?;
        let mut input: OrderInput = serde_json::from_str(&json).map_err(|e| {
            ApiError::from(Error::invalid(
                "json_invalid",
                format!("order 字段不是有效的工单内容：{e}"),
                format!("The `order` field is not a valid order: {e}"),
            ))
        })?;
        input.photo_ids.extend(photos.into_iter().map(|p| p.id));
        input
    } else {
        let Json(input) = Json::<OrderInput>::from_request(req, &()).await?;
        input
    };
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_order(&c.actor, &input).await?),
    ))
}

/// Open orders at the same place in the last 24 h with similar text, for an
/// order about to be made (shown before saving).
#[utoipa::path(post, path = "/orders/duplicates", tag = "orders", request_body = OrderInput, responses((status = 200, body = Vec<DuplicateCandidate>), Errors))]
async fn duplicates(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<OrderInput>,
) -> ApiResult<axum::Json<Vec<DuplicateCandidate>>> {
    Ok(axum::Json(app.check_duplicates(&c.actor, &i).await?))
}

/// One order with its timeline (internal notes for staff only), handlers,
/// followers, repeats and the actions the caller may take.
#[utoipa::path(get, path = "/orders/{id}", tag = "orders", params(("id" = i64, Path)), responses((status = 200, body = OrderDetail), Errors))]
async fn get_one(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<OrderDetail>> {
    Ok(axum::Json(app.get_order(&c.actor, id).await?))
}

/// Find an order by the number read out on the phone (BX2026112700007).
#[utoipa::path(get, path = "/orders/by-number/{number}", tag = "orders", params(("number" = String, Path)), responses((status = 200, body = OrderDetail), Errors))]
async fn by_number(
    State(app): State<App>,
    c: Caller,
    Path(number): Path<String>,
) -> ApiResult<axum::Json<OrderDetail>> {
    let id = app
        .order_id_by_number(&c.actor, &number.to_uppercase())
        .await?;
    Ok(axum::Json(app.get_order(&c.actor, id).await?))
}

/// Take a step: `{"action": "accept"}`, `{"action": "hold", "reason": "等配件"}`,
/// `{"action": "dispatch", "team_id": 3}` … A step the order's state does not
/// allow answers 409 with a code naming the state (e.g. `order_is_dispatched`).
#[utoipa::path(post, path = "/orders/{id}/steps", tag = "orders", params(("id" = i64, Path)), request_body = StepInput, responses((status = 200, body = OrderDetail), Errors))]
async fn step(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<StepInput>,
) -> ApiResult<axum::Json<OrderDetail>> {
    app.step(&c.actor, id, &i).await?;
    Ok(axum::Json(app.get_order(&c.actor, id).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CommentCreated {
    pub event_id: i64,
}

/// Comment (residents and staff), or an internal note (staff, `internal: true`).
#[utoipa::path(post, path = "/orders/{id}/comments", tag = "orders", params(("id" = i64, Path)), request_body = CommentInput, responses((status = 201, body = CommentCreated), Errors))]
async fn comment(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<CommentInput>,
) -> ApiResult<(StatusCode, axum::Json<CommentCreated>)> {
    let event_id = app.comment(&c.actor, id, &i).await?;
    Ok((StatusCode::CREATED, axum::Json(CommentCreated { event_id })))
}

/// The reporting resident rates the finished job once (1–5 stars).
#[utoipa::path(post, path = "/orders/{id}/rating", tag = "orders", params(("id" = i64, Path)), request_body = RatingInput, responses((status = 200, body = OrderDetail), Errors))]
async fn rate(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<RatingInput>,
) -> ApiResult<axum::Json<OrderDetail>> {
    app.rate(&c.actor, id, &i).await?;
    Ok(axum::Json(app.get_order(&c.actor, id).await?))
}

/// Upload photos (multipart, field `photos`, up to 9, JPEG/PNG/WebP/HEIC,
/// 10 MiB each). The type is read from the bytes; location data is removed.
#[utoipa::path(post, path = "/photos", tag = "orders", request_body(content = String, content_type = "multipart/form-data"), responses((status = 201, body = Vec<PhotoInfo>), Errors))]
async fn upload_photos(
    State(app): State<App>,
    c: Caller,
    mp: Multipart,
) -> ApiResult<(StatusCode, axum::Json<Vec<PhotoInfo>>)> {
    let (photos, _) = read_multipart(&app, &c, mp).await?;
    if photos.is_empty() {
        return Err(Error::invalid(
            "photo_empty",
            "请选择要上传的照片",
            "Choose a photo to upload",
        )
        .into());
    }
    Ok((StatusCode::CREATED, axum::Json(photos)))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct PhotoQuery {
    /// 1 for the small version (320 px), when there is one.
    pub thumb: Option<u8>,
}

/// A photo (or its thumbnail), for whoever may see an order it belongs to.
#[utoipa::path(get, path = "/photos/{id}", tag = "orders", params(("id" = String, Path), PhotoQuery), responses((status = 200, content_type = "image/jpeg"), Errors))]
async fn get_photo(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<String>,
    Query(q): Query<PhotoQuery>,
) -> ApiResult<Response> {
    let (ct, bytes) = app.photo_bytes(&c.actor, &id, q.thumb == Some(1)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, ct),
            (
                header::CACHE_CONTROL,
                "private, max-age=86400, immutable".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}
