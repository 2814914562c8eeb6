//! Who is looking at a page: the session cookie resolved to an actor, with
//! their language, large-text mode and the CSRF token their forms carry.
//!
//! The CSRF token is derived from the session token (SHA-256), so it needs
//! no storage, differs per session, and cannot be computed by a page on
//! another site (the session cookie is HttpOnly and SameSite=Lax).

use crate::caller::SESSION_COOKIE;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use wuye_app::{Actor, App};
use wuye_domain::Lang;

pub struct Viewer {
    pub actor: Actor,
    pub token: String,
    pub lang: Lang,
    pub large: bool,
    pub csrf: String,
    pub demo: bool,
    /// Unread notifications for the bell (not counted for htmx fragments,
    /// which have no header; the bell's own fragment counts for itself).
    pub unread: i64,
}

pub fn csrf_for(token: &str) -> String {
    let h = Sha256::digest(format!("wuye-csrf:{token}").as_bytes());
    hex::encode(&h[..16])
}

/// The language when nobody is signed in: a `lang` cookie, else the browser's.
pub fn anonymous_lang(headers: &HeaderMap) -> Lang {
    CookieJar::from_headers(headers)
        .get("wuye_lang")
        .and_then(|c| Lang::parse(c.value()))
        .unwrap_or_else(|| crate::error::lang_of(headers))
}

impl FromRequestParts<App> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let next = url_encode(next);
            Redirect::to(&format!("/login?next={next}")).into_response()
        };
        let Some(token) = CookieJar::from_headers(&parts.headers)
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .filter(|t| !t.is_empty())
        else {
            return Err(to_login());
        };
        let actor = match app.authenticate(&token).await {
            Ok(a) => a,
            Err(_) => return Err(to_login()),
        };
        let (lang, large) = app.prefs(&actor).await.unwrap_or((None, false));
        let fragment = parts.headers.contains_key("hx-request");
        let unread = if fragment {
            0
        } else {
            app.unread_notifications(&actor)
                .await
                .map(|u| u.unread)
                .unwrap_or(0)
        };
        Ok(Viewer {
            unread,
            lang: lang.unwrap_or_else(|| anonymous_lang(&parts.headers)),
            large,
            csrf: csrf_for(&token),
            demo: app.config.demo,
            actor,
            token,
        })
    }
}

pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A urlencoded form whose `_csrf` field (or `X-CSRF-Token` header) matches
/// the session's token; `T` gets the other fields.
pub struct CsrfForm<T>(pub T);

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        "表单已过期，请返回刷新页面后重试 / The form expired; go back, reload and try again",
    )
        .into_response()
}

impl<T: DeserializeOwned> FromRequest<App> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, _app: &App) -> Result<Self, Self::Rejection> {
        let token = CookieJar::from_headers(req.headers())
            .get(SESSION_COOKIE)
            .map(|c| c.value().to_string())
            .unwrap_or_default();
        let header_token = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = axum::body::to_bytes(req.into_body(), crate::JSON_BODY_LIMIT)
            .await
            .map_err(|_| (StatusCode::PAYLOAD_TOO_LARGE, "too large").into_response())?;
        let fields: HashMap<String, String> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let sent = fields
            .get("_csrf")
            .cloned()
            .or(header_token)
            .unwrap_or_default();
        if token.is_empty() || sent != csrf_for(&token) {
            return Err(forbidden());
        }
        let value: T = serde_urlencoded::from_bytes(&bytes).map_err(|e| {
            (
                StatusCode::BAD_REQUEST,
                format!("表单内容有误 / The form is not valid: {e}"),
            )
                .into_response()
        })?;
        Ok(CsrfForm(value))
    }
}

/// Checks a token from a multipart form.
pub fn csrf_ok(viewer: &Viewer, sent: &str) -> bool {
    !sent.is_empty() && sent == viewer.csrf
}

/// `Cache-Control: no-store` for pages with personal data.
pub fn no_store(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}
