//! Who is calling: the session token from `Authorization: Bearer …` (API
//! clients) or the `wuye_session` cookie (the web), resolved to an actor.

use crate::error::ApiError;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use std::net::SocketAddr;
use wuye_app::{Actor, App};
use wuye_domain::Error;

pub const SESSION_COOKIE: &str = "wuye_session";

/// A signed-in caller.
pub struct Caller {
    pub actor: Actor,
    pub token: String,
}

pub fn token_of(parts: &Parts) -> Option<String> {
    if let Some(v) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        && let Some(t) = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
    {
        return Some(t.trim().to_string());
    }
    CookieJar::from_headers(&parts.headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

impl FromRequestParts<App> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &App) -> Result<Self, Self::Rejection> {
        let Some(token) = token_of(parts).filter(|t| !t.is_empty()) else {
            return Err(Error::unauthenticated().into());
        };
        let actor = app.authenticate(&token).await?;
        Ok(Caller { actor, token })
    }
}

/// The client's address, for throttling sign-ins.
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}
