//! Notifications for everyone signed in: the bell in the header (a link to
//! the inbox with the unread count, refreshed by htmx), the inbox itself
//! (newest first, paged, mark one or all read), one's own notification
//! preferences, and the delivery log that the desk's order page shows.

use super::fmt::local_time;
use super::i18n::{Texts, delivery_status_label, notify_label, unread_label};
use super::session::{CsrfForm, Viewer};
use super::{Ctx, UiQuery, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use wuye_app::notify::authoring::Preferences;
use wuye_app::notify::{DeliveryView, InboxItem};
use wuye_app::page::PageParams;
use wuye_app::{Actor, App, AppError};
use wuye_domain::Lang;
use wuye_domain::access::Role;

/// Notifications per inbox page.
const PAGE_SIZE: i64 = 20;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/notifications", get(inbox))
        .route("/notifications/bell", get(bell))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/read", post(read_one))
        .route("/notifications/preferences", post(save_preferences))
}

/// Where an order opens for this person: the workbench for desk staff, the
/// technician's view for field staff, the portal for residents.
pub fn order_href(actor: &Actor, id: i64) -> String {
    let desk = actor.roles.iter().any(|r| {
        matches!(
            r,
            Role::Admin | Role::Manager | Role::Supervisor | Role::Agent
        )
    });
    let field = actor
        .roles
        .iter()
        .any(|r| matches!(r, Role::Technician | Role::Vendor));
    let base = if desk {
        "/desk"
    } else if field {
        "/t"
    } else {
        "/r"
    };
    format!("{base}/orders/{id}")
}

// ---- the bell ----------------------------------------------------------------

/// What the bell's markup reads (`notify/bell.html` is also included by
/// `base.html`, with the page's `Ctx`).
pub struct BellCtx {
    pub t: &'static Texts,
    pub unread: i64,
    pub bell_label: String,
    pub bell_current: bool,
}

#[derive(Template)]
#[template(path = "notify/bell_fragment.html")]
struct BellFragment {
    ctx: BellCtx,
}

/// The bell alone, for the header's polling: one indexed count. A session
/// that has ended answers 204, so htmx leaves the header as it is.
async fn bell(State(app): State<App>, v: Result<Viewer, Response>) -> Response {
    let Ok(v) = v else {
        return StatusCode::NO_CONTENT.into_response();
    };
    let unread = match app.unread_notifications(&v.actor).await {
        Ok(u) => u.unread,
        Err(_) => return StatusCode::NO_CONTENT.into_response(),
    };
    render(&BellFragment {
        ctx: BellCtx {
            t: Texts::of(v.lang),
            unread,
            bell_label: unread_label(v.lang, unread),
            bell_current: false,
        },
    })
}

// ---- the inbox ---------------------------------------------------------------

pub struct Note {
    pub id: i64,
    pub event: String,
    pub title: String,
    pub body: String,
    pub when: String,
    pub read: bool,
    pub href: Option<String>,
}

impl Note {
    fn new(i: InboxItem, actor: &Actor, lang: Lang) -> Note {
        Note {
            id: i.id,
            event: notify_label(lang, &i.event),
            when: local_time(&i.created_at),
            read: i.read,
            href: i.order_id.map(|o| order_href(actor, o)),
            title: i.title,
            body: i.body,
        }
    }
}

#[derive(Template)]
#[template(path = "notify/inbox.html")]
struct InboxPage {
    ctx: Ctx,
    notes: Vec<Note>,
    unread_only: bool,
    next: Option<String>,
    prefs: Option<Preferences>,
    prefs_saved: bool,
    prefs_error: Option<String>,
}

impl InboxPage {
    fn lang_is(&self, code: &str) -> bool {
        self.prefs.as_ref().is_some_and(|p| p.lang == code)
    }

    fn email(&self) -> &str {
        self.prefs
            .as_ref()
            .and_then(|p| p.email.as_deref())
            .unwrap_or("")
    }
}

#[derive(Deserialize, Default)]
struct InboxQuery {
    unread: Option<String>,
    after: Option<String>,
    saved: Option<String>,
}

async fn inbox_page(
    app: &App,
    v: &Viewer,
    q: &InboxQuery,
    prefs_form: Option<(Preferences, String)>,
) -> Response {
    let t = Texts::of(v.lang);
    let unread_only = q.unread.as_deref() == Some("1");
    let p = PageParams {
        after: q.after.clone(),
        limit: Some(PAGE_SIZE),
    };
    let page = match app.my_notifications(&v.actor, unread_only, &p).await {
        Ok(p) => p,
        Err(e) => return error_page(v, &e),
    };
    // People without a staff or resident record (none in practice) have no
    // preferences to set: the form is left out.
    let (prefs, prefs_error) = match prefs_form {
        Some((p, e)) => (Some(p), Some(e)),
        None => (app.my_notify_preferences(&v.actor).await.ok(), None),
    };
    let mut ctx = Ctx::new(v, t.notifications, "/notifications");
    ctx.bell_current = true;
    render(&InboxPage {
        ctx,
        notes: page
            .items
            .into_iter()
            .map(|i| Note::new(i, &v.actor, v.lang))
            .collect(),
        unread_only,
        next: page.next,
        prefs,
        prefs_saved: q.saved.is_some() && prefs_error.is_none(),
        prefs_error,
    })
}

async fn inbox(State(app): State<App>, v: Viewer, UiQuery(q): UiQuery<InboxQuery>) -> Response {
    inbox_page(&app, &v, &q, None).await
}

/// Requests from script (the inbox's mark-read on open) or htmx carry the
/// token in a header and want no page back.
fn from_script(headers: &HeaderMap) -> bool {
    headers.contains_key("x-csrf-token")
}

async fn read_one(
    State(app): State<App>,
    v: Viewer,
    headers: HeaderMap,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Response {
    match app.mark_notification_read(&v.actor, id).await {
        Ok(()) if from_script(&headers) => StatusCode::NO_CONTENT.into_response(),
        Ok(()) => Redirect::to("/notifications").into_response(),
        Err(e) if from_script(&headers) => crate::error::status_of(e.public().kind).into_response(),
        Err(e) => error_page(&v, &e),
    }
}

async fn read_all(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Response {
    match app.mark_all_notifications_read(&v.actor).await {
        Ok(_) => Redirect::to("/notifications").into_response(),
        Err(e) => error_page(&v, &e),
    }
}

#[derive(Deserialize)]
struct PrefsForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    lang: String,
}

async fn save_preferences(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(f): CsrfForm<PrefsForm>,
) -> Response {
    let p = Preferences {
        email: Some(f.email.trim().to_string()).filter(|e| !e.is_empty()),
        lang: f.lang,
    };
    match app.set_my_notify_preferences(&v.actor, &p).await {
        Ok(_) => Redirect::to("/notifications?saved=1#preferences").into_response(),
        Err(e @ AppError::Internal(_)) => error_page(&v, &e),
        Err(e) => {
            let status = crate::error::status_of(e.public().kind);
            let message = e.public().message(v.lang).to_string();
            let mut r = inbox_page(&app, &v, &InboxQuery::default(), Some((p, message))).await;
            if r.status().is_success() {
                *r.status_mut() = status;
            }
            r
        }
    }
}

// ---- the delivery log (staff) ---------------------------------------------------

/// One delivery as a row of the order page's log or the admins' list.
pub struct DeliveryLine {
    pub id: i64,
    pub order_id: Option<i64>,
    pub event: String,
    /// The message's title (it names the order for most events).
    pub title: String,
    pub recipient: String,
    pub address: String,
    pub channel: String,
    pub when: String,
    pub status: String,
    pub status_class: &'static str,
    pub dead: bool,
    pub attempts: String,
    pub next_attempt: String,
    pub last_error: String,
    pub urgent: bool,
}

impl DeliveryLine {
    pub fn new(d: DeliveryView, lang: Lang) -> DeliveryLine {
        let recipient = if d.recipient_name.is_empty() {
            notify_label(lang, &d.recipient_kind)
        } else {
            d.recipient_name.clone()
        };
        let when = d.delivered_at.or(d.sent_at).unwrap_or(d.created_at);
        let next_attempt = match (d.status.as_str(), d.attempts, d.next_attempt_at) {
            ("pending", n, Some(at)) if n > 0 => local_time(&at),
            _ => String::new(),
        };
        DeliveryLine {
            id: d.id,
            order_id: d.order_id,
            event: notify_label(lang, &d.event),
            title: d.title,
            recipient,
            // An endpoint's "address" is its id: its name says more.
            address: if d.recipient_kind == "endpoint" {
                String::new()
            } else {
                d.address
            },
            channel: notify_label(lang, &d.channel),
            when: local_time(&when),
            status: delivery_status_label(lang, &d.status),
            status_class: match d.status.as_str() {
                "delivered" => "st-done",
                "dead" => "st-failed",
                "sending" => "st-progress",
                _ => "st-waiting",
            },
            dead: d.status == "dead",
            attempts: format!("{} / {}", d.attempts, d.max_attempts),
            next_attempt,
            last_error: d.last_error.unwrap_or_default(),
            urgent: d.urgent,
        }
    }
}

/// The delivery log of an order for the desk's order page; None for people
/// who may not see it (a resident opening their own order there).
pub async fn order_deliveries(app: &App, v: &Viewer, id: i64) -> Option<Vec<DeliveryLine>> {
    match app.order_deliveries(&v.actor, id).await {
        Ok(ds) => Some(
            ds.into_iter()
                .map(|d| DeliveryLine::new(d, v.lang))
                .collect(),
        ),
        Err(AppError::Internal(d)) => {
            tracing::error!(detail = %d, "delivery log failed");
            None
        }
        Err(_) => None,
    }
}
