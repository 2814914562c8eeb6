//! The web pages: server-rendered (askama), enhanced with htmx, in Chinese
//! first. The resident portal (`/r`) is for phones, the workbench (`/desk`)
//! for desktops, the technician view (`/t`) for phones, setup (`/admin`).
//! Pages call the same use cases as the JSON API.

pub mod admin;
pub mod admin_dispatch;
pub mod admin_notify;
pub mod auth;
pub mod dashboard;
pub mod desk;
pub mod fmt;
pub mod i18n;
pub mod notify;
pub mod resident;
pub mod session;
pub mod tech;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use i18n::Texts;
use session::Viewer;
use wuye_app::{App, AppError};
use wuye_domain::Lang;
use wuye_domain::access::Role;

/// What every page needs: language, texts, the user, the CSRF token, nav.
pub struct Ctx {
    pub t: &'static Texts,
    pub lang: Lang,
    pub lang_code: &'static str,
    pub large: bool,
    pub csrf: String,
    pub user_name: String,
    pub nav: Vec<NavItem>,
    pub demo: bool,
    pub signed_in: bool,
    pub title: String,
    /// The bell: unread notifications, and its accessible name.
    pub unread: i64,
    pub bell_label: String,
    /// On the inbox itself the bell is the current page.
    pub bell_current: bool,
    /// Admins see the notification setup in the admin tabs.
    pub is_admin: bool,
}

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

impl Ctx {
    pub fn new(v: &Viewer, title: impl Into<String>, here: &str) -> Ctx {
        let t = Texts::of(v.lang);
        let a = &v.actor;
        let mut nav: Vec<(&'static str, &'static str)> = Vec::new();
        if a.has(Role::Resident) {
            nav.push(("/r", t.nav_my_orders));
            nav.push(("/r/report", t.nav_report));
        }
        let desk = a.roles.iter().any(|r| {
            matches!(
                r,
                Role::Admin | Role::Manager | Role::Supervisor | Role::Agent
            )
        });
        if desk {
            nav.push(("/desk", t.nav_queues));
            nav.push(("/desk/new", t.nav_new_order));
            nav.push(("/desk/dispatch", t.nav_dispatch));
        }
        if a.roles
            .iter()
            .any(|r| matches!(r, Role::Supervisor | Role::Manager | Role::Admin))
        {
            nav.push(("/desk/disputes", t.nav_disputes));
            nav.push(("/dashboard", t.nav_dashboard));
        }
        if a.roles
            .iter()
            .any(|r| matches!(r, Role::Technician | Role::Vendor))
        {
            nav.push(("/t", t.nav_tasks));
            nav.push(("/t/pool", t.nav_pool));
        }
        if a.staff_id.is_some() {
            nav.push(("/alerts", t.nav_alerts));
        }
        if a.roles
            .iter()
            .any(|r| matches!(r, Role::Admin | Role::Manager))
        {
            nav.push(("/admin", t.nav_admin));
        }
        Ctx {
            t,
            lang: v.lang,
            lang_code: v.lang.code(),
            large: v.large,
            csrf: v.csrf.clone(),
            user_name: a.display_name.clone(),
            nav: nav
                .into_iter()
                .map(|(href, label)| NavItem {
                    href,
                    label,
                    current: href == here,
                })
                .collect(),
            demo: v.demo,
            signed_in: true,
            title: title.into(),
            unread: v.unread,
            bell_label: i18n::unread_label(v.lang, v.unread),
            bell_current: false,
            is_admin: a.is_admin(),
        }
    }

    pub fn anonymous(lang: Lang, title: impl Into<String>, demo: bool) -> Ctx {
        Ctx {
            t: Texts::of(lang),
            lang,
            lang_code: lang.code(),
            large: false,
            csrf: String::new(),
            user_name: String::new(),
            nav: vec![],
            demo,
            signed_in: false,
            title: title.into(),
            unread: 0,
            bell_label: String::new(),
            bell_current: false,
            is_admin: false,
        }
    }
}

/// Renders a template as a page (errors become a plain 500 page).
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => session::no_store(Html(html).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "页面出错了 / The page failed to render",
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub ctx: Ctx,
    pub message: String,
}

/// An application error as a page in the viewer's language.
pub fn error_page(v: &Viewer, e: &AppError) -> Response {
    let p = e.public();
    if let AppError::Internal(d) = e {
        tracing::error!(detail = %d, "internal error");
    }
    let status = crate::error::status_of(p.kind);
    let ctx = Ctx::new(v, Texts::of(v.lang).error_title, "");
    let mut r = render(&ErrorPage {
        message: p.message(v.lang).to_string(),
        ctx,
    });
    *r.status_mut() = status;
    r
}

/// axum's `Query` for pages: a parameter that does not parse (`?team_id=abc`)
/// gets the error page (400) in the viewer's language, where axum answered
/// in English plain text. Someone not signed in goes to the sign-in page, as
/// with `Viewer`.
pub struct UiQuery<T>(pub T);

impl<T> axum::extract::FromRequestParts<App> for UiQuery<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        app: &App,
    ) -> Result<Self, Self::Rejection> {
        match axum_extra::extract::Query::<T>::from_request_parts(parts, app).await {
            Ok(axum_extra::extract::Query(q)) => Ok(UiQuery(q)),
            Err(rej) => {
                let e = AppError::from(crate::extract::query_rejection(rej));
                let v = Viewer::from_request_parts(parts, app).await?;
                // 400, as the API answers `query_invalid`.
                let mut page = error_page(&v, &e);
                *page.status_mut() = StatusCode::BAD_REQUEST;
                Err(page)
            }
        }
    }
}

/// Where a signed-in user starts.
async fn home(v: Viewer) -> Redirect {
    let a = &v.actor;
    if a.has(Role::Resident) {
        Redirect::to("/r")
    } else if a.roles.iter().any(|r| {
        matches!(
            r,
            Role::Admin | Role::Manager | Role::Supervisor | Role::Agent
        )
    }) {
        Redirect::to("/desk")
    } else {
        Redirect::to("/t")
    }
}

pub fn routes() -> Router<App> {
    Router::new()
        .route("/", get(home))
        .merge(auth::routes())
        .merge(resident::routes())
        .merge(desk::routes())
        .merge(tech::routes())
        .merge(admin::routes())
        .merge(admin_dispatch::routes())
        .merge(dashboard::routes())
        .merge(notify::routes())
        .merge(admin_notify::routes())
}
