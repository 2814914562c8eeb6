//! Buildings, entrances and homes.

use super::Errors;
use crate::caller::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::App;
use wuye_app::directory::property::{HomeInput, HomePatch, HomeQuery, NameInput};
use wuye_app::page::{Page, PageParams};
use wuye_domain::directory::{Building, Entrance, Home};
use wuye_domain::ids::*;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list_buildings, create_building))
        .routes(routes!(get_building, rename_building, delete_building))
        .routes(routes!(list_entrances, create_entrance))
        .routes(routes!(rename_entrance, delete_entrance))
        .routes(routes!(list_homes, create_home))
        .routes(routes!(get_home, update_home, delete_home))
}

#[utoipa::path(get, path = "/communities/{id}/buildings", tag = "directory", params(("id" = i64, Path)), responses((status = 200, body = Vec<Building>), Errors))]
async fn list_buildings(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<Building>>> {
    Ok(axum::Json(
        app.list_buildings(&c.actor, CommunityId(id)).await?,
    ))
}

#[utoipa::path(post, path = "/communities/{id}/buildings", tag = "directory", params(("id" = i64, Path)), request_body = NameInput, responses((status = 201, body = Building), Errors))]
async fn create_building(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<NameInput>,
) -> ApiResult<(StatusCode, axum::Json<Building>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_building(&c.actor, CommunityId(id), &i).await?),
    ))
}

#[utoipa::path(get, path = "/buildings/{id}", tag = "directory", params(("id" = i64, Path)), responses((status = 200, body = Building), Errors))]
async fn get_building(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Building>> {
    Ok(axum::Json(
        app.get_building(&c.actor, BuildingId(id)).await?,
    ))
}

/// Rename a building; its homes' labels follow.
#[utoipa::path(patch, path = "/buildings/{id}", tag = "directory", params(("id" = i64, Path)), request_body = NameInput, responses((status = 200, body = Building), Errors))]
async fn rename_building(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<NameInput>,
) -> ApiResult<axum::Json<Building>> {
    Ok(axum::Json(
        app.rename_building(&c.actor, BuildingId(id), &i).await?,
    ))
}

/// Delete a building without entrances or homes.
#[utoipa::path(delete, path = "/buildings/{id}", tag = "directory", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn delete_building(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    app.delete_building(&c.actor, BuildingId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/buildings/{id}/entrances", tag = "directory", params(("id" = i64, Path)), responses((status = 200, body = Vec<Entrance>), Errors))]
async fn list_entrances(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Vec<Entrance>>> {
    Ok(axum::Json(
        app.list_entrances(&c.actor, BuildingId(id)).await?,
    ))
}

#[utoipa::path(post, path = "/buildings/{id}/entrances", tag = "directory", params(("id" = i64, Path)), request_body = NameInput, responses((status = 201, body = Entrance), Errors))]
async fn create_entrance(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<NameInput>,
) -> ApiResult<(StatusCode, axum::Json<Entrance>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_entrance(&c.actor, BuildingId(id), &i).await?),
    ))
}

#[utoipa::path(patch, path = "/entrances/{id}", tag = "directory", params(("id" = i64, Path)), request_body = NameInput, responses((status = 200, body = Entrance), Errors))]
async fn rename_entrance(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<NameInput>,
) -> ApiResult<axum::Json<Entrance>> {
    Ok(axum::Json(
        app.rename_entrance(&c.actor, EntranceId(id), &i).await?,
    ))
}

#[utoipa::path(delete, path = "/entrances/{id}", tag = "directory", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn delete_entrance(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    app.delete_entrance(&c.actor, EntranceId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Homes in the caller's scope (residents: their own), filterable and paged.
#[utoipa::path(get, path = "/homes", tag = "directory", params(HomeQuery, PageParams), responses((status = 200, body = Page<Home>), Errors))]
async fn list_homes(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<HomeQuery>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Page<Home>>> {
    Ok(axum::Json(app.list_homes(&c.actor, &q, &p).await?))
}

#[utoipa::path(post, path = "/homes", tag = "directory", request_body = HomeInput, responses((status = 201, body = Home), Errors))]
async fn create_home(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<HomeInput>,
) -> ApiResult<(StatusCode, axum::Json<Home>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_home(&c.actor, &i).await?),
    ))
}

#[utoipa::path(get, path = "/homes/{id}", tag = "directory", params(("id" = i64, Path)), responses((status = 200, body = Home), Errors))]
async fn get_home(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Home>> {
    Ok(axum::Json(app.get_home(&c.actor, HomeId(id)).await?))
}

#[utoipa::path(patch, path = "/homes/{id}", tag = "directory", params(("id" = i64, Path)), request_body = HomePatch, responses((status = 200, body = Home), Errors))]
async fn update_home(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(p): Json<HomePatch>,
) -> ApiResult<axum::Json<Home>> {
    Ok(axum::Json(app.update_home(&c.actor, HomeId(id), &p).await?))
}

/// Delete a home nobody is linked to.
#[utoipa::path(delete, path = "/homes/{id}", tag = "directory", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn delete_home(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    app.delete_home(&c.actor, HomeId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
