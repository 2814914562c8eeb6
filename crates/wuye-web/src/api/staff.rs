//! Staff, their accounts, and password resets.

use super::Errors;
use super::residents::AccountCreated;
use crate::caller::Caller;
use crate::error::ApiResult;
use crate::extract::{Json, Path, Query};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::App;
use wuye_app::accounts::{AccountHolder, AccountInput};
use wuye_app::directory::staff::{StaffInput, StaffPatch, StaffQuery};
use wuye_app::page::{Page, PageParams};
use wuye_domain::directory::Staff;
use wuye_domain::ids::*;

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get_one, update, deactivate))
        .routes(routes!(create_account))
        .routes(routes!(reset_password))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordInput {
    pub password: String,
}

/// Staff serving the caller's communities (technicians and vendors: themselves).
#[utoipa::path(get, path = "/staff", tag = "people", params(StaffQuery, PageParams), responses((status = 200, body = Page<Staff>), Errors))]
async fn list(
    State(app): State<App>,
    c: Caller,
    Query(q): Query<StaffQuery>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<Page<Staff>>> {
    Ok(axum::Json(app.list_staff(&c.actor, &q, &p).await?))
}

/// Add a staff member (optionally with a sign-in account). Only admins grant admin or manager.
#[utoipa::path(post, path = "/staff", tag = "people", request_body = StaffInput, responses((status = 201, body = Staff), Errors))]
async fn create(
    State(app): State<App>,
    c: Caller,
    Json(i): Json<StaffInput>,
) -> ApiResult<(StatusCode, axum::Json<Staff>)> {
    Ok((
        StatusCode::CREATED,
        axum::Json(app.create_staff(&c.actor, &i).await?),
    ))
}

#[utoipa::path(get, path = "/staff/{id}", tag = "people", params(("id" = i64, Path)), responses((status = 200, body = Staff), Errors))]
async fn get_one(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Staff>> {
    Ok(axum::Json(app.get_staff(&c.actor, StaffId(id)).await?))
}

#[utoipa::path(patch, path = "/staff/{id}", tag = "people", params(("id" = i64, Path)), request_body = StaffPatch, responses((status = 200, body = Staff), Errors))]
async fn update(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(p): Json<StaffPatch>,
) -> ApiResult<axum::Json<Staff>> {
    Ok(axum::Json(
        app.update_staff(&c.actor, StaffId(id), &p).await?,
    ))
}

/// Deactivate a staff member (kept for history; signed out).
#[utoipa::path(delete, path = "/staff/{id}", tag = "people", params(("id" = i64, Path)), responses((status = 200, body = Staff), Errors))]
async fn deactivate(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<Staff>> {
    Ok(axum::Json(
        app.deactivate_staff(&c.actor, StaffId(id)).await?,
    ))
}

/// Give a staff member a sign-in account.
#[utoipa::path(post, path = "/staff/{id}/account", tag = "people", params(("id" = i64, Path)), request_body = AccountInput, responses((status = 201, body = AccountCreated), Errors))]
async fn create_account(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<AccountInput>,
) -> ApiResult<(StatusCode, axum::Json<AccountCreated>)> {
    let user = app
        .create_account(&c.actor, AccountHolder::Staff(StaffId(id)), &i)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(AccountCreated { user_id: user.0 }),
    ))
}

/// Set a new password for an account (admins); it is signed out everywhere.
#[utoipa::path(post, path = "/users/{id}/password", tag = "people", params(("id" = i64, Path)), request_body = ResetPasswordInput, responses((status = 204), Errors))]
async fn reset_password(
    State(app): State<App>,
    c: Caller,
    Path(id): Path<i64>,
    Json(i): Json<ResetPasswordInput>,
) -> ApiResult<StatusCode> {
    app.reset_password(&c.actor, UserId(id), &i.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
