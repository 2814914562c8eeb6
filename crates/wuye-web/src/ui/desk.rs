//! The agent workbench (desktop): queues with SLA countdowns, Chinese
//! search, create an order for a caller (find the resident in a couple of
//! keystrokes, duplicates shown before saving), the order page with every
//! step, disputes and alerts.

use super::fmt::{local_time, remaining, sla_class, state_class};
use super::i18n::{Texts, category_label, kind_label, priority_label, state_label};
use super::resident::{Choice, Line, lines};
use super::session::{CsrfForm, Viewer};
use super::{Ctx, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::collections::HashMap;
use wuye_app::orders::create::OrderInput;
use wuye_app::orders::feedback::CommentInput;
use wuye_app::orders::query::OrderQuery;
use wuye_app::orders::steps::StepInput;
use wuye_app::orders::{OrderDetail, OrderView};
use wuye_app::{App, AppError};
use wuye_domain::Lang;
use wuye_domain::category::Category;
use wuye_domain::values::mask_phone;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/desk", get(queues))
        .route("/desk/dispatch", get(dispatch_queue))
        .route("/desk/disputes", get(disputes))
        .route("/desk/new", get(new_form).post(create))
        .route("/desk/lookup", get(lookup))
        .route("/desk/duplicates", post(duplicates))
        .route("/desk/orders/{id}", get(order_page))
        .route("/desk/orders/{id}/step", post(step))
        .route("/desk/orders/{id}/note", post(note))
        .route("/desk/orders/{id}/classify", post(classify))
        .route("/alerts", get(alerts))
        .route("/alerts/{id}/read", post(read_alert))
}

/// A row of a queue.
pub struct Row {
    pub id: i64,
    pub number: String,
    pub text: String,
    pub state: String,
    pub state_class: &'static str,
    pub kind: String,
    pub priority: String,
    pub emergency: bool,
    pub category: String,
    pub place: String,
    pub contact: String,
    pub team: String,
    pub assignee: String,
    pub sla_class: &'static str,
    pub remaining: String,
    /// Milliseconds since the epoch, for the live countdown (0: none).
    pub deadline_ms: i64,
    pub created: String,
}

impl Row {
    pub fn new(o: &OrderView, lang: Lang) -> Row {
        Row {
            id: o.id,
            number: o.number.clone(),
            text: o.text.chars().take(40).collect(),
            state: state_label(lang, &o.state),
            state_class: state_class(&o.state),
            kind: kind_label(lang, &o.kind),
            priority: priority_label(lang, &o.priority),
            emergency: o.emergency,
            category: o
                .category
                .as_deref()
                .map(|c| category_label(lang, c))
                .unwrap_or_default(),
            place: o.place.label.clone(),
            contact: format!("{} {}", o.contact_name, o.contact_phone),
            team: o.team_name.clone().unwrap_or_default(),
            assignee: o.assignee_name.clone().unwrap_or_default(),
            sla_class: sla_class(o.next_deadline_at, o.sla_warn_at, &o.sla_stage),
            remaining: remaining(o.next_deadline_at, lang),
            deadline_ms: o.next_deadline_at.map(|t| t.as_millisecond()).unwrap_or(0),
            created: local_time(&o.created_at),
        }
    }
}

pub struct Tab {
    pub key: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "desk/queues.html")]
struct QueuesPage {
    ctx: Ctx,
    heading: String,
    tabs: Vec<Tab>,
    q: String,
    queue: String,
    rows: Vec<Row>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
struct QueueQuery {
    queue: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

async fn queue_page(
    app: &App,
    v: &Viewer,
    heading: &str,
    here: &str,
    q: OrderQuery,
    show_tabs: bool,
) -> Response {
    let t = Texts::of(v.lang);
    let queue = q.queue.clone().unwrap_or_else(|| "all".into());
    let page = match app.list_orders(&v.actor, &q).await {
        Ok(p) => p,
        Err(e) => return error_page(v, &e),
    };
    let tabs = if show_tabs {
        [
            ("new", t.queue_new),
            ("mine", t.queue_mine),
            ("owned", t.owner),
            ("due_soon", t.queue_due),
            ("overdue", t.queue_overdue),
            ("return_visits", t.queue_visits),
            ("all", t.queue_all),
        ]
        .into_iter()
        .map(|(key, label)| Tab {
            key,
            label,
            current: key == queue,
        })
        .collect()
    } else {
        vec![]
    };
    render(&QueuesPage {
        ctx: Ctx::new(v, heading, here),
        heading: heading.to_string(),
        tabs,
        q: q.q.clone().unwrap_or_default(),
        queue,
        rows: page.items.iter().map(|o| Row::new(o, v.lang)).collect(),
        next: page.next,
    })
}

async fn queues(State(app): State<App>, v: Viewer, Query(q): Query<QueueQuery>) -> Response {
    let t = Texts::of(v.lang);
    let queue = q.queue.clone().unwrap_or_else(|| "all".into());
    let sort =
        matches!(queue.as_str(), "mine" | "due_soon" | "overdue").then(|| "deadline".to_string());
    let oq = OrderQuery {
        queue: Some(queue),
        q: q.q.filter(|s| !s.trim().is_empty()),
        sort,
        after: q.after,
        limit: Some(50),
        ..Default::default()
    };
    queue_page(&app, &v, t.nav_queues, "/desk", oq, true).await
}

async fn dispatch_queue(State(app): State<App>, v: Viewer) -> Response {
    let t = Texts::of(v.lang);
    let oq = OrderQuery {
        dispatch: Some("queue".into()),
        state: Some("received".into()),
        sort: Some("deadline".into()),
        limit: Some(100),
        ..Default::default()
    };
    queue_page(&app, &v, t.nav_dispatch, "/desk/dispatch", oq, false).await
}

async fn disputes(State(app): State<App>, v: Viewer) -> Response {
    let t = Texts::of(v.lang);
    let oq = OrderQuery {
        state: Some("disputed".into()),
        limit: Some(100),
        ..Default::default()
    };
    queue_page(&app, &v, t.nav_disputes, "/desk/disputes", oq, false).await
}

#[derive(Template)]
#[template(path = "desk/new.html")]
struct NewPage {
    ctx: Ctx,
    kinds: Vec<Choice>,
    categories: Vec<Choice>,
    teams: Vec<Choice>,
    text: String,
    error: Option<String>,
}

async fn new_page(app: &App, v: &Viewer, text: String, error: Option<String>) -> Response {
    let t = Texts::of(v.lang);
    let kinds = [
        "repair",
        "complaint",
        "consultation",
        "suggestion",
        "praise",
    ]
    .iter()
    .map(|k| Choice {
        value: k.to_string(),
        label: kind_label(v.lang, k),
        selected: *k == "repair",
    })
    .collect();
    let categories = Category::ALL
        .iter()
        .map(|c| Choice {
            value: c.code().into(),
            label: category_label(v.lang, c.code()),
            selected: false,
        })
        .collect();
    let teams = app
        .list_teams(&v.actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| Choice {
            value: t.id.0.to_string(),
            label: t.name,
            selected: false,
        })
        .collect();
    render(&NewPage {
        ctx: Ctx::new(v, t.nav_new_order, "/desk/new"),
        kinds,
        categories,
        teams,
        text,
        error,
    })
}

async fn new_form(State(app): State<App>, v: Viewer) -> Response {
    new_page(&app, &v, String::new(), None).await
}

#[derive(Deserialize)]
struct LookupQuery {
    #[serde(default)]
    q: String,
}

pub struct Found {
    pub resident_id: i64,
    pub name: String,
    pub phone: String,
    pub homes: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "desk/lookup.html")]
struct LookupPart {
    ctx: Ctx,
    found: Vec<Found>,
    searched: bool,
}

/// Residents matching a phone fragment, a name or a home (search as you type).
async fn lookup(State(app): State<App>, v: Viewer, Query(q): Query<LookupQuery>) -> Response {
    let term = q.q.trim();
    let found = if term.chars().count() >= 2 {
        let rq = wuye_app::directory::residents::ResidentQuery {
            q: Some(term.to_string()),
            home_id: None,
        };
        let page = wuye_app::page::PageParams {
            after: None,
            limit: Some(8),
        };
        app.list_residents(&v.actor, &rq, &page)
            .await
            .map(|p| {
                p.items
                    .into_iter()
                    .map(|r| Found {
                        resident_id: r.id.0,
                        name: r.name,
                        phone: mask_phone(&r.phone),
                        homes: r
                            .homes
                            .into_iter()
                            .map(|h| (h.home_id.0, h.label))
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    } else {
        vec![]
    };
    render(&LookupPart {
        ctx: Ctx::new(&v, "", ""),
        searched: term.chars().count() >= 2,
        found,
    })
}

fn order_input(f: &HashMap<String, String>) -> OrderInput {
    let get = |k: &str| f.get(k).cloned().filter(|s| !s.trim().is_empty());
    let num = |k: &str| get(k).and_then(|s| s.parse::<i64>().ok());
    let mut input = OrderInput {
        kind: get("kind").unwrap_or_else(|| "repair".into()),
        text: f.get("text").cloned().unwrap_or_default(),
        priority: get("priority"),
        grade: get("grade").filter(|_| get("kind").as_deref() == Some("complaint")),
        category: get("category"),
        place_text: get("place_text"),
        contact_name: get("contact_name"),
        contact_phone: get("contact_phone"),
        team_id: num("team_id"),
        emergency: get("emergency").map(|_| true),
        ..Default::default()
    };
    match get("target").as_deref().and_then(|t| t.split_once(':')) {
        Some((rid, hid)) => {
            input.resident_id = rid.parse().ok();
            input.home_id = hid.parse().ok();
        }
        None => {
            input.building_id = num("building_id");
            input.community_id = num("community_id");
            input.place_kind = if input.building_id.is_some() {
                Some("building".into())
            } else {
                get("community_id").map(|_| "grounds".into())
            };
        }
    }
    input
}

#[derive(Template)]
#[template(path = "desk/duplicates.html")]
struct DuplicatesPart {
    ctx: Ctx,
    items: Vec<(i64, String, String, String, i64)>,
}

/// Candidates shown before saving (htmx, when text or place change).
async fn duplicates(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let input = order_input(&f);
    if input.text.trim().chars().count() < 2 {
        return Html("").into_response();
    }
    match app.check_duplicates(&v.actor, &input).await {
        Ok(c) => render(&DuplicatesPart {
            ctx: Ctx::new(&v, "", ""),
            items: c
                .into_iter()
                .map(|d| {
                    (
                        d.id,
                        d.number,
                        d.text,
                        state_label(v.lang, &d.state),
                        (d.similarity * 100.0) as i64,
                    )
                })
                .collect(),
        }),
        Err(_) => Html("").into_response(),
    }
}

async fn create(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let input = order_input(&f);
    match app.create_order(&v.actor, &input).await {
        Ok(c) => Redirect::to(&format!("/desk/orders/{}", c.order.id)).into_response(),
        Err(e) => {
            let mut r = new_page(
                &app,
                &v,
                input.text,
                Some(e.public().message(v.lang).to_string()),
            )
            .await;
            *r.status_mut() = crate::error::status_of(e.public().kind);
            r
        }
    }
}

pub struct ClockLine {
    pub label: &'static str,
    pub stage: String,
    pub class: &'static str,
    pub detail: String,
}

pub struct Suggestion {
    pub label: String,
    pub confidence: i64,
}

#[derive(Template)]
#[template(path = "desk/order.html")]
pub struct OrderPage {
    pub ctx: Ctx,
    pub o: OrderView,
    pub state: String,
    pub state_class: &'static str,
    pub kind: String,
    pub category: String,
    pub priority: String,
    pub lines: Vec<Line>,
    pub clocks: Vec<ClockLine>,
    pub handlers: Vec<(String, String, i64)>,
    pub allowed: Vec<String>,
    pub teams: Vec<Choice>,
    pub people: Vec<Choice>,
    pub suggestions: Vec<Suggestion>,
    pub urgency: String,
    pub reasons: String,
    pub error: Option<String>,
    pub base: &'static str,
    pub categories: Vec<Choice>,
    /// Who was told what about the order (the workbench only).
    pub deliveries: Option<Vec<super::notify::DeliveryLine>>,
}

impl OrderPage {
    pub fn can(&self, action: &str) -> bool {
        self.allowed.iter().any(|a| a == action)
    }

    pub fn step_label(&self, action: &str) -> &'static str {
        let t = self.ctx.t;
        match action {
            "grab" => t.do_grab,
            "accept" => t.do_accept,
            "start" => t.do_start,
            "resume" => t.do_resume,
            "confirm" => t.do_confirm_for,
            "hold" => t.do_hold,
            "dispute" => t.do_dispute,
            _ => t.do_cancel,
        }
    }

    pub fn is_emergency(&self) -> bool {
        self.urgency == "emergency"
    }
}

pub async fn build_order_page(
    app: &App,
    v: &Viewer,
    d: OrderDetail,
    error: Option<String>,
    base: &'static str,
) -> OrderPage {
    let t = Texts::of(v.lang);
    let o = d.order;
    let clocks = d
        .sla
        .iter()
        .map(|c| {
            let label = if c.metric == "response" {
                t.response
            } else {
                t.resolution
            };
            let class = match c.stage.as_str() {
                "breached" => "sla-breached",
                "met" => "st-done",
                _ if c.warn_at.is_some_and(|w| w <= jiff::Timestamp::now()) => "sla-warn",
                _ => "sla-ok",
            };
            let stage = match c.stage.as_str() {
                "met" => t.met,
                "breached" => t.breached,
                "paused" => t.paused,
                _ => t.running,
            }
            .to_string();
            let detail = if c.stopped_at.is_some() || c.stage == "paused" {
                format!("{} / {} {}", c.elapsed_minutes, c.target_minutes, t.minutes)
            } else {
                remaining(c.deadline_at, v.lang)
            };
            ClockLine {
                label,
                stage,
                class,
                detail,
            }
        })
        .collect();
    let handlers = d
        .handlers
        .iter()
        .map(|h| {
            (
                h.team_name.clone().unwrap_or_default(),
                h.staff_name.clone().unwrap_or_default(),
                h.minutes,
            )
        })
        .collect();
    let teams_list = app.list_teams(&v.actor).await.unwrap_or_default();
    let people = teams_list
        .iter()
        .filter(|tm| Some(tm.id.0) == o.team_id)
        .flat_map(|tm| tm.members.iter())
        .map(|m| Choice {
            value: m.staff_id.0.to_string(),
            label: m.name.clone(),
            selected: Some(m.staff_id.0) == o.assignee_id,
        })
        .collect();
    // The classifier's view: stored at creation, or asked now for older orders.
    let prediction = match &o.prediction {
        Some(p) => serde_json::from_value::<StoredPrediction>(p.clone()).ok(),
        None => app.suggest(&v.actor, &o.text).await.ok().and_then(|s| {
            serde_json::from_value::<StoredPrediction>(serde_json::to_value(&s.prediction).ok()?)
                .ok()
        }),
    };
    let (suggestions, urgency, reasons, suggested_team) = match prediction {
        Some(p) => {
            let team = match Category::parse(&p.category.label) {
                Ok(c) => app.team_for_category(&v.actor, c).await,
                Err(_) => None,
            };
            (
                p.category_top3
                    .iter()
                    .map(|s| Suggestion {
                        label: category_label(v.lang, &s.label),
                        confidence: (s.confidence * 100.0).round() as i64,
                    })
                    .collect(),
                p.urgency.label.clone(),
                p.reasons
                    .iter()
                    .take(5)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("、"),
                team,
            )
        }
        None => (vec![], String::new(), String::new(), None),
    };
    let teams = teams_list
        .iter()
        .map(|tm| Choice {
            value: tm.id.0.to_string(),
            label: tm.name.clone(),
            selected: o
                .team_id
                .map(|x| x == tm.id.0)
                .unwrap_or(suggested_team.as_deref() == Some(tm.name.as_str())),
        })
        .collect();
    let categories = Category::ALL
        .iter()
        .map(|c| Choice {
            value: c.code().into(),
            label: category_label(v.lang, c.code()),
            selected: o.category.as_deref() == Some(c.code()),
        })
        .collect();
    let deliveries = if base == "/desk" {
        super::notify::order_deliveries(app, v, o.id).await
    } else {
        None
    };
    OrderPage {
        ctx: Ctx::new(v, o.number.clone(), base),
        state: state_label(v.lang, &o.state),
        state_class: state_class(&o.state),
        kind: kind_label(v.lang, &o.kind),
        category: o
            .category
            .as_deref()
            .map(|c| category_label(v.lang, c))
            .unwrap_or_default(),
        priority: priority_label(v.lang, &o.priority),
        lines: lines(&d.timeline, v.lang),
        clocks,
        handlers,
        allowed: d.allowed_actions,
        teams,
        people,
        suggestions,
        urgency,
        reasons,
        error,
        base,
        categories,
        deliveries,
        o,
    }
}

pub async fn show_order(
    app: &App,
    v: &Viewer,
    id: i64,
    error: Option<String>,
    base: &'static str,
) -> Response {
    match app.get_order(&v.actor, id).await {
        Ok(d) => render(&build_order_page(app, v, d, error, base).await),
        Err(e) => error_page(v, &e),
    }
}

async fn order_page(State(app): State<App>, v: Viewer, Path(id): Path<i64>) -> Response {
    show_order(&app, &v, id, None, "/desk").await
}

/// Turns a step form into a step.
pub fn step_input(f: &HashMap<String, String>) -> Result<StepInput, AppError> {
    let text = |k: &str| f.get(k).cloned().unwrap_or_default();
    let num = |k: &str| f.get(k).and_then(|s| s.parse::<i64>().ok());
    let opt = |k: &str| num(k);
    let team = || {
        num("team_id").ok_or_else(|| {
            AppError::from(
                wuye_domain::Error::invalid("team_required", "请选择班组", "Choose a team")
                    .with_field("team_id"),
            )
        })
    };
    Ok(match f.get("action").map(String::as_str).unwrap_or("") {
        "dispatch" => StepInput::Dispatch {
            team_id: team()?,
            assignee_id: opt("assignee_id"),
        },
        "grab" => StepInput::Grab,
        "accept" => StepInput::Accept,
        "start" => StepInput::Start,
        "hold" => StepInput::Hold {
            reason: text("reason"),
        },
        "resume" => StepInput::Resume,
        "finish" => StepInput::Finish {
            note: text("note"),
            photo_ids: vec![],
        },
        "confirm" => StepInput::Confirm,
        "reject" => StepInput::Reject {
            reason: text("reason"),
        },
        "return_visit" => StepInput::ReturnVisit {
            outcome: text("outcome"),
            note: text("note"),
        },
        "cancel" => StepInput::Cancel {
            reason: text("reason"),
        },
        "transfer" => StepInput::Transfer {
            team_id: team()?,
            reason: text("reason"),
        },
        "dispute" => StepInput::Dispute {
            reason: text("reason"),
        },
        "rule" => StepInput::Rule {
            team_id: team()?,
            assignee_id: opt("assignee_id"),
            note: text("note"),
        },
        "answer" => StepInput::Answer { note: text("note") },
        "merge" => StepInput::Merge {
            into: num("into").unwrap_or(0),
            note: f.get("note").cloned().filter(|s| !s.trim().is_empty()),
        },
        other => {
            return Err(wuye_domain::Error::invalid(
                "action_invalid",
                format!("没有“{other}”这个操作"),
                format!("Unknown action “{other}”"),
            )
            .into());
        }
    })
}

pub async fn do_step(
    app: &App,
    v: &Viewer,
    id: i64,
    f: &HashMap<String, String>,
    base: &'static str,
) -> Response {
    let mut f = f.clone();
    // Merging names the other order by its number, as agents read it.
    if f.get("action").map(String::as_str) == Some("merge")
        && let Some(n) = f
            .get("into_number")
            .cloned()
            .filter(|s| !s.trim().is_empty())
    {
        match app
            .order_id_by_number(&v.actor, &n.trim().to_uppercase())
            .await
        {
            Ok(other) => {
                f.insert("into".into(), other.to_string());
            }
            Err(e) => return show_error(app, v, id, e, base).await,
        }
    }
    let r = match step_input(&f) {
        Ok(s) => app.step(&v.actor, id, &s).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Redirect::to(&format!("{base}/orders/{id}")).into_response(),
        Err(e) => show_error(app, v, id, e, base).await,
    }
}

async fn show_error(app: &App, v: &Viewer, id: i64, e: AppError, base: &'static str) -> Response {
    let mut r = show_order(
        app,
        v,
        id,
        Some(e.public().message(v.lang).to_string()),
        base,
    )
    .await;
    *r.status_mut() = crate::error::status_of(e.public().kind);
    r
}

async fn step(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    do_step(&app, &v, id, &f, "/desk").await
}

async fn note(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let input = CommentInput {
        text: f.get("text").cloned().unwrap_or_default(),
        internal: f.contains_key("internal"),
        photo_ids: vec![],
    };
    match app.comment(&v.actor, id, &input).await {
        Ok(_) => Redirect::to(&format!("/desk/orders/{id}")).into_response(),
        Err(e) => show_error(&app, &v, id, e, "/desk").await,
    }
}

#[derive(Template)]
#[template(path = "desk/alerts.html")]
struct AlertsPage {
    ctx: Ctx,
    alerts: Vec<wuye_app::sla::AlertView>,
    times: Vec<String>,
}

async fn alerts(State(app): State<App>, v: Viewer) -> Response {
    let t = Texts::of(v.lang);
    match app
        .my_alerts(
            &v.actor,
            false,
            &wuye_app::page::PageParams {
                after: None,
                limit: Some(100),
            },
        )
        .await
    {
        Ok(p) => {
            let times = p.items.iter().map(|a| local_time(&a.created_at)).collect();
            render(&AlertsPage {
                ctx: Ctx::new(&v, t.nav_alerts, "/alerts"),
                alerts: p.items,
                times,
            })
        }
        Err(e) => error_page(&v, &e),
    }
}

async fn read_alert(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<HashMap<String, String>>,
) -> Response {
    let _ = app.mark_alert_read(&v.actor, id).await;
    Redirect::to("/alerts").into_response()
}

/// The prediction stored on an order (the fields the page shows).
#[derive(serde::Deserialize)]
struct StoredPrediction {
    category: StoredScored,
    category_top3: Vec<StoredScored>,
    urgency: StoredScored,
    #[serde(default)]
    reasons: Vec<String>,
}

#[derive(serde::Deserialize)]
struct StoredScored {
    label: String,
    confidence: f32,
}

/// A dispatcher corrects the category (and urgency); kept for training.
async fn classify(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    let c = wuye_app::dispatch::learn::Correction {
        category: f.get("category").cloned().unwrap_or_default(),
        urgency: f.get("urgency").cloned().filter(|u| !u.is_empty()),
    };
    match app.correct(&v.actor, id, &c).await {
        Ok(()) => Redirect::to(&format!("/desk/orders/{id}")).into_response(),
        Err(e) => show_error(&app, &v, id, e, "/desk").await,
    }
}
