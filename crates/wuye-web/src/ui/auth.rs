//! Sign-in and sign-out pages, and the language / large-text switches.

use super::session::{CsrfForm, Viewer, anonymous_lang};
use super::{Ctx, render};
use crate::caller::{ClientIp, SESSION_COOKIE};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::Deserialize;
use wuye_app::App;
use wuye_domain::Lang;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    next: String,
    login: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/lang", post(set_lang))
        .route("/prefs", post(set_prefs))
}

/// Only local paths: a login link cannot send people elsewhere.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains("\\") => n.to_string(),
        _ => "/".to_string(),
    }
}

fn page(
    app: &App,
    headers: &HeaderMap,
    next: String,
    login: String,
    error: Option<String>,
) -> Response {
    let lang = anonymous_lang(headers);
    let t = super::i18n::Texts::of(lang);
    render(&LoginPage {
        ctx: Ctx::anonymous(lang, t.sign_in, app.config.demo),
        next,
        login,
        error,
    })
}

async fn login_page(
    State(app): State<App>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    page(
        &app,
        &headers,
        safe_next(q.next.as_deref()),
        String::new(),
        None,
    )
}

/// A cross-site form must not sign people in (login CSRF).
fn same_site(headers: &HeaderMap) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    match (
        headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()),
        headers.get(header::HOST).and_then(|v| v.to_str().ok()),
    ) {
        (Some(origin), Some(host)) => origin.split("://").nth(1) == Some(host),
        _ => true,
    }
}

async fn login(
    State(app): State<App>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    axum::Form(f): axum::Form<LoginForm>,
) -> Response {
    let next = safe_next(f.next.as_deref());
    if !same_site(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site sign-in refused").into_response();
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match app.login(&f.login, &f.password, &ip, ua).await {
        Ok(out) => {
            let cookie = Cookie::build((SESSION_COOKIE, out.token))
                .http_only(true)
                .secure(app.config.cookie_secure)
                .same_site(SameSite::Lax)
                .path("/")
                .max_age(cookie::time::Duration::hours(app.config.session_ttl_hours))
                .build();
            (
                [(header::SET_COOKIE, cookie.to_string())],
                Redirect::to(&next),
            )
                .into_response()
        }
        Err(e) => {
            let lang = anonymous_lang(&headers);
            let msg = e.public().message(lang).to_string();
            let mut r = page(&app, &headers, next, f.login, Some(msg));
            *r.status_mut() = crate::error::status_of(e.public().kind);
            r
        }
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn logout(State(app): State<App>, v: Viewer, CsrfForm(_): CsrfForm<Empty>) -> Response {
    let _ = app.logout(&v.token).await;
    let gone = Cookie::build((SESSION_COOKIE, ""))
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build();
    (
        [(header::SET_COOKIE, gone.to_string())],
        Redirect::to("/login"),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LangForm {
    to: String,
    next: Option<String>,
}

/// Before signing in: remember the language in a cookie.
async fn set_lang(axum::Form(f): axum::Form<LangForm>) -> Response {
    let lang = Lang::parse(&f.to).unwrap_or_default();
    let c = Cookie::build(("wuye_lang", lang.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::days(365))
        .build();
    let next = safe_next(f.next.as_deref());
    (
        [(header::SET_COOKIE, c.to_string())],
        Redirect::to(&format!(
            "/login?next={}",
            super::session::url_encode(&next)
        )),
    )
        .into_response()
}

#[derive(Deserialize)]
struct PrefsForm {
    toggle: String,
}

/// Signed in: switch language or large text, remembered per user.
async fn set_prefs(
    State(app): State<App>,
    v: Viewer,
    headers: HeaderMap,
    CsrfForm(f): CsrfForm<PrefsForm>,
) -> Response {
    let (lang, large) = match f.toggle.as_str() {
        "lang" => (
            Some(if v.lang == Lang::Zh {
                Lang::En
            } else {
                Lang::Zh
            }),
            v.large,
        ),
        "large" => (Some(v.lang), !v.large),
        _ => return StatusCode::BAD_REQUEST.into_response(),
    };
    if let Err(e) = app.set_prefs(&v.actor, lang, large).await {
        return super::error_page(&v, &e);
    }
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| r.split_once("://").map(|(_, rest)| rest))
        .and_then(|rest| rest.find('/').map(|i| rest[i..].to_string()))
        .unwrap_or_else(|| "/".into());
    Redirect::to(&safe_next(Some(&back))).into_response()
}
