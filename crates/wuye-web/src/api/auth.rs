//! Sign-in, sign-out, the current user, password change.

use super::Errors;
use crate::caller::{Caller, ClientIp, SESSION_COOKIE};
use crate::error::ApiResult;
use crate::extract::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wuye_app::auth::LoginOutcome;
use wuye_app::{Actor, App};

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    /// Username (staff) or phone number (staff and residents).
    pub login: String,
    pub password: String,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordInput {
    pub old_password: String,
    pub new_password: String,
}

pub fn routes() -> OpenApiRouter<App> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
}

fn session_cookie(value: String, max_age_hours: i64, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(time_duration_hours(max_age_hours))
        .build()
}

fn time_duration_hours(h: i64) -> cookie::time::Duration {
    cookie::time::Duration::hours(h)
}

/// Sign in with a username or phone number and a password. Returns a bearer
/// token and also sets an HttpOnly, SameSite session cookie for the web.
/// Repeated failures lock the account and the client address for a while.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginInput, security(()),
    responses((status = 200, body = LoginOutcome), (status = 429, description = "Too many failures", body = crate::error::ErrorBody), Errors))]
async fn login(
    State(app): State<App>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(input): Json<LoginInput>,
) -> ApiResult<Response> {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let out = app.login(&input.login, &input.password, &ip, ua).await?;
    let cookie = session_cookie(
        out.token.clone(),
        app.config.session_ttl_hours,
        app.config.cookie_secure,
    );
    Ok(([(header::SET_COOKIE, cookie.to_string())], axum::Json(out)).into_response())
}

/// Sign out: the session ends on the server and the cookie is cleared.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204), Errors))]
async fn logout(State(app): State<App>, caller: Caller) -> ApiResult<Response> {
    app.logout(&caller.token).await?;
    let cookie = session_cookie(String::new(), 0, app.config.cookie_secure);
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookie.to_string())],
    )
        .into_response())
}

/// The signed-in user, with roles and scope.
#[utoipa::path(get, path = "/auth/me", tag = "auth", responses((status = 200, body = Actor), Errors))]
async fn me(caller: Caller) -> axum::Json<Actor> {
    axum::Json(caller.actor)
}

/// Change one's own password; other sessions of the account end.
#[utoipa::path(post, path = "/auth/password", tag = "auth", request_body = PasswordInput, responses((status = 204), Errors))]
async fn change_password(
    State(app): State<App>,
    caller: Caller,
    Json(input): Json<PasswordInput>,
) -> ApiResult<StatusCode> {
    app.change_password(
        &caller.actor,
        &caller.token,
        &input.old_password,
        &input.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
