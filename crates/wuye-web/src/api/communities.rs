//! Communities (小区).

use super::Errors;
use crate::caller::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path};
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::App;
use wuye_app::directory::communities::{CommunityInput, CommunityPatch};
use wuye_domain::directory::Community;
use wuye_domain::ids::CommunityId;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
}

/// Communities the caller works in (admins: all of the company's).
#[utoipa::path(get, path = "/communities", tag = "directory", responses((status = 200, body = Vec<Community>), Errors))]
async fn list(State(app): State<App>, c: Caller) -> ApiResult<axum::Json<Vec<Community>>> {
    Ok(axum::Json(app.list_communities(&c.actor).await?))
}

/// Create a community (admins).
#[utoipa::path(post, path = "/communities", tag = "directory", request_body = CommunityInput, responses((status = 201, body = Community), Errors))]
async fn create(
    State(app): State<App>,
    c: Caller,
    Json(input): Json<CommunityInput>,
) -> ApiResult<(StatusCode, axum::Json<Community>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_community(&c.actor, &input).await?),
    ))
}

#[utoipa::path(get, path = "/communities/{id}", tag = "directory", params(("id" = i64, Path)), responses((status = 200, body = Community), Errors))]
async fn get_one(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Community>> {
    Ok(axum::Json(
        app.get_community(&c.actor, CommunityId(id)).await?,
    ))
}

#[utoipa::path(patch, path = "/communities/{id}", tag = "directory", params(("id" = i64, Path)), request_body = CommunityPatch, responses((status = 200, body = Community), Errors))]
async fn update(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(p): Json<CommunityPatch>,
) -> ApiResult<axum::Json<Community>> {
    Ok(axum::Json(
        app.update_community(&c.actor, CommunityId(id), &p).await?,
    ))
}

/// Delete an empty community (no buildings, no staff assigned).
#[utoipa::path(delete, path = "/communities/{id}", tag = "directory", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn delete(State(app): State<App>, c: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    app.delete_community(&c.actor, CommunityId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
