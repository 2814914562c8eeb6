//! Residents and their homes.

use super::Errors;
use crate::caller::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::App;
use wuye_app::accounts::{AccountHolder, AccountInput};
use wuye_app::directory::residents::{RelationInput, ResidentInput, ResidentPatch, ResidentQuery};
use wuye_app::page::{Page, PageParams};
use wuye_domain::directory::Resident;
use wuye_domain::ids::*;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(link_home, unlink_home))
        .routes(routes!(create_account))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountCreated {
    pub user_id: i64,
}

/// Residents in the caller's communities; search by name, phone or home.
#[utoipa::path(get, path = "/residents", tag = "people", params(ResidentQuery, PageParams), responses((status = 200, body = Page<Resident>), Errors))]
async fn list(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<ResidentQuery>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Page<Resident>>> {
    Ok(axum::Json(app.list_residents(&c.actor, &q, &p).await?))
}

/// Register a resident, optionally linked to homes.
#[utoipa::path(post, path = "/residents", tag = "people", request_body = ResidentInput, responses((status = 201, body = Resident), Errors))]
async fn create(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<ResidentInput>,
) -> ApiResult<(StatusCode, axum::Json<Resident>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_resident(&c.actor, &i).await?),
    ))
}

#[utoipa::path(get, path = "/residents/{id}", tag = "people", params(("id" = i64, Path)), responses((status = 200, body = Resident), Errors))]
async fn get_one(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Resident>> {
    Ok(axum::Json(
        app.get_resident(&c.actor, ResidentId(id)).await?,
    ))
}

#[utoipa::path(patch, path = "/residents/{id}", tag = "people", params(("id" = i64, Path)), request_body = ResidentPatch, responses((status = 200, body = Resident), Errors))]
async fn update(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(p): Json<ResidentPatch>,
) -> ApiResult<axum::Json<Resident>> {
    Ok(axum::Json(
        app.update_resident(&c.actor, ResidentId(id), &p).await?,
    ))
}

/// Erase a resident (their account is disabled).
#[utoipa::path(delete, path = "/residents/{id}", tag = "people", params(("id" = i64, Path)), responses((status = 204), Errors))]
async fn delete(State(app): State<App>, c: Caller, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    app.delete_resident(&c.actor, ResidentId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Link a resident to a home (or change the relation).
#[utoipa::path(put, path = "/residents/{id}/homes/{home_id}", tag = "people", params(("id" = i64, Path), ("home_id" = i64, Path)), request_body = RelationInput, responses((status = 200, body = Resident), Errors))]
async fn link_home(
    State(app): State<App>,
    c: Caller,
    Path((id, home)): Path<(i64, i64)>,
    Json(i): Json<RelationInput>,
) -> ApiResult<axum::Json<Resident>> {
    Ok(axum::Json(
        app.link_resident_home(&c.actor, ResidentId(id), HomeId(home), &i)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/residents/{id}/homes/{home_id}", tag = "people", params(("id" = i64, Path), ("home_id" = i64, Path)), responses((status = 200, body = Resident), Errors))]
async fn unlink_home(
    State(app): State<App>,
    c: Caller,
    Path((id, home)): Path<(i64, i64)>,
) -> ApiResult<axum::Json<Resident>> {
    Ok(axum::Json(
        app.unlink_resident_home(&c.actor, ResidentId(id), HomeId(home))
            .await?,
    ))
}

/// Give a resident a sign-in account (they sign in with their phone number).
#[utoipa::path(post, path = "/residents/{id}/account", tag = "people", params(("id" = i64, Path)), request_body = AccountInput, responses((status = 201, body = AccountCreated), Errors))]
async fn create_account(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<AccountInput>,
) -> ApiResult<(StatusCode, axum::Json<AccountCreated>)> {
    let user = app
        .create_account(&c.actor, AccountHolder::Resident(ResidentId(id)), &i)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(AccountCreated { user_id: user.0 }),
    ))
}
