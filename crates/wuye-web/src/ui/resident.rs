//! The resident portal (业主端), for phones: my requests, report a problem
//! with photos and a live category suggestion, follow progress, accept or
//! reject the work, rate it, comment.

use super::fmt::{local_time, state_class};
use super::i18n::{action_label, category_label, kind_label, state_label};
use super::session::{CsrfForm, Viewer, csrf_ok};
use super::{Ctx, error_page, render};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use wuye_app::orders::create::OrderInput;
use wuye_app::orders::feedback::{CommentInput, RatingInput};
use wuye_app::orders::query::OrderQuery;
use wuye_app::orders::steps::StepInput;
use wuye_app::orders::{EventView, OrderView};
use wuye_app::{App, AppError};
use wuye_domain::Lang;

pub fn routes() -> Router<App> {
    Router::new()
        .route("/r", get(my_orders))
        .route("/r/report", get(report_form).post(report))
        .route("/r/orders/{id}", get(order_page))
        .route("/r/orders/{id}/timeline", get(timeline_fragment))
        .route("/r/orders/{id}/confirm", post(confirm))
        .route("/r/orders/{id}/reject", post(reject))
        .route("/r/orders/{id}/rate", post(rate))
        .route("/r/orders/{id}/comment", post(comment))
        .route("/r/orders/{id}/cancel", post(cancel))
        .route("/ui/suggest", post(suggest))
}

/// An order as a card in a list.
pub struct Card {
    pub id: i64,
    pub number: String,
    pub text: String,
    pub state: String,
    pub state_class: &'static str,
    pub kind: String,
    pub place: String,
    pub created: String,
}

impl Card {
    pub fn new(o: &OrderView, lang: Lang) -> Card {
        Card {
            id: o.id,
            number: o.number.clone(),
            text: o.text.chars().take(60).collect(),
            state: state_label(lang, &o.state),
            state_class: state_class(&o.state),
            kind: kind_label(lang, &o.kind),
            place: o.place.label.clone(),
            created: local_time(&o.created_at),
        }
    }
}

pub struct HomeChoice {
    pub id: i64,
    pub label: String,
}

#[derive(Template)]
#[template(path = "resident/orders.html")]
struct OrdersPage {
    ctx: Ctx,
    homes: Vec<HomeChoice>,
    cards: Vec<Card>,
}

async fn my_orders(State(app): State<App>, v: Viewer) -> Response {
    let t = super::i18n::Texts::of(v.lang);
    let homes = match resident_homes(&app, &v).await {
        Ok(h) => h,
        Err(e) => return error_page(&v, &e),
    };
    let page = match app
        .list_orders(
            &v.actor,
            &OrderQuery {
                limit: Some(100),
                ..Default::default()
            },
        )
        .await
    {
        Ok(p) => p,
        Err(e) => return error_page(&v, &e),
    };
    let cards = page.items.iter().map(|o| Card::new(o, v.lang)).collect();
    render(&OrdersPage {
        ctx: Ctx::new(&v, t.nav_my_orders, "/r"),
        homes,
        cards,
    })
}

async fn resident_homes(app: &App, v: &Viewer) -> Result<Vec<HomeChoice>, AppError> {
    let Some(rid) = v.actor.resident_id else {
        return Ok(vec![]);
    };
    let r = app.get_resident(&v.actor, rid).await?;
    let mut out = Vec::new();
    for h in r.homes {
        let community = app
            .get_community(&v.actor, h.community_id)
            .await
            .map(|c| c.name)
            .unwrap_or_default();
        out.push(HomeChoice {
            id: h.home_id.0,
            label: format!("{community} {}", h.label),
        });
    }
    Ok(out)
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "resident/report.html")]
struct ReportPage {
    ctx: Ctx,
    kinds: Vec<Choice>,
    homes: Vec<HomeChoice>,
    buildings: Vec<HomeChoice>,
    community_id: i64,
    text: String,
    place_text: String,
    error: Option<String>,
}

async fn report_page(
    app: &App,
    v: &Viewer,
    kind: &str,
    text: String,
    place_text: String,
    error: Option<String>,
) -> Response {
    let t = super::i18n::Texts::of(v.lang);
    let homes = match resident_homes(app, v).await {
        Ok(h) => h,
        Err(e) => return error_page(v, &e),
    };
    let community = v.actor.communities.first().copied();
    let mut buildings = Vec::new();
    if let Some(m) = community
        && let Ok(bs) = app.list_buildings(&v.actor, m).await
    {
        buildings = bs
            .into_iter()
            .map(|b| HomeChoice {
                id: b.id.0,
                label: b.name,
            })
            .collect();
    }
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
        selected: *k == kind,
    })
    .collect();
    render(&ReportPage {
        ctx: Ctx::new(v, t.nav_report, "/r/report"),
        kinds,
        homes,
        buildings,
        community_id: community.map(|c| c.0).unwrap_or(0),
        text,
        place_text,
        error,
    })
}

async fn report_form(State(app): State<App>, v: Viewer) -> Response {
    report_page(&app, &v, "repair", String::new(), String::new(), None).await
}

/// The report form: fields and photos in one multipart post. Photos are
/// checked and stored first; a bad photo stops everything before an order
/// exists.
async fn report(State(app): State<App>, v: Viewer, mut mp: Multipart) -> Response {
    let (mut fields, mut photos) = (std::collections::HashMap::new(), Vec::new());
    loop {
        match mp.next_field().await {
            Ok(Some(f)) => {
                let name = f.name().unwrap_or_default().to_string();
                if name == "photos" {
                    match f.bytes().await {
                        Ok(b) if !b.is_empty() => photos.push(b.to_vec()),
                        Ok(_) => {}
                        Err(e) => return report_error(&app, &v, &fields, e.to_string()).await,
                    }
                } else {
                    fields.insert(name, f.text().await.unwrap_or_default());
                }
            }
            Ok(None) => break,
            Err(e) => return report_error(&app, &v, &fields, e.to_string()).await,
        }
    }
    if !csrf_ok(&v, fields.get("_csrf").map(String::as_str).unwrap_or("")) {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "表单已过期，请刷新页面 / The form expired; reload the page",
        )
            .into_response();
    }
    if photos.len() > wuye_domain::work_order::MAX_PHOTOS_PER_STEP {
        let e = AppError::Coded(wuye_app::orders::create::too_many_photos());
        return report_error(&app, &v, &fields, e.public().message(v.lang).to_string()).await;
    }
    let mut photo_ids = Vec::new();
    for p in photos {
        match app.upload_photo(&v.actor, p).await {
            Ok(info) => photo_ids.push(info.id),
            Err(e) => {
                return report_error(&app, &v, &fields, e.public().message(v.lang).to_string())
                    .await;
            }
        }
    }
    let get = |k: &str| fields.get(k).cloned().filter(|s| !s.trim().is_empty());
    let place = get("place").unwrap_or_default();
    let mut input = OrderInput {
        kind: get("kind").unwrap_or_else(|| "repair".into()),
        text: fields.get("text").cloned().unwrap_or_default(),
        place_text: get("place_text"),
        photo_ids,
        ..Default::default()
    };
    if let Some(h) = place.strip_prefix("home:") {
        input.home_id = h.parse().ok();
    } else if let Some(b) = place.strip_prefix("building:") {
        input.building_id = b.parse().ok();
        input.place_kind = Some("building".into());
    } else {
        input.community_id = get("community_id").and_then(|c| c.parse().ok());
        input.place_kind = Some("grounds".into());
    }
    match app.create_order(&v.actor, &input).await {
        Ok(c) => Redirect::to(&format!("/r/orders/{}", c.order.id)).into_response(),
        Err(e) => report_error(&app, &v, &fields, e.public().message(v.lang).to_string()).await,
    }
}

async fn report_error(
    app: &App,
    v: &Viewer,
    fields: &std::collections::HashMap<String, String>,
    msg: String,
) -> Response {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let mut r = report_page(
        app,
        v,
        &get("kind"),
        get("text"),
        get("place_text"),
        Some(msg),
    )
    .await;
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// One line of the timeline as residents read it.
pub struct Line {
    pub at: String,
    pub what: String,
    pub who: String,
    pub note: String,
    pub photos: Vec<String>,
    pub internal: bool,
}

pub fn lines(timeline: &[EventView], lang: Lang) -> Vec<Line> {
    timeline
        .iter()
        .rev()
        .map(|e| Line {
            at: local_time(&e.at),
            what: match &e.to_state {
                Some(s) if e.action != "create" => format!(
                    "{} → {}",
                    action_label(lang, &e.action),
                    state_label(lang, s)
                ),
                _ => action_label(lang, &e.action),
            },
            who: e.actor_name.clone(),
            note: e.note.clone().unwrap_or_default(),
            photos: e.photos.clone(),
            internal: e.internal,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "resident/order.html")]
struct OrderPage {
    ctx: Ctx,
    o: OrderView,
    state: String,
    state_class: &'static str,
    kind: String,
    category: String,
    lines: Vec<Line>,
    can_confirm: bool,
    can_cancel: bool,
    can_rate: bool,
    rating: Option<i64>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "parts/timeline.html")]
struct TimelinePart {
    lines: Vec<Line>,
}

async fn order_view(app: &App, v: &Viewer, id: i64, error: Option<String>) -> Response {
    let d = match app.get_order(&v.actor, id).await {
        Ok(d) => d,
        Err(e) => return error_page(v, &e),
    };
    let o = d.order;
    let allowed = |a: &str| d.allowed_actions.iter().any(|x| x == a);
    let is_reporter = v
        .actor
        .resident_id
        .is_some_and(|r| o.reporter_resident_id == Some(r.0));
    render(&OrderPage {
        ctx: Ctx::new(v, o.number.clone(), "/r"),
        state: state_label(v.lang, &o.state),
        state_class: state_class(&o.state),
        kind: kind_label(v.lang, &o.kind),
        category: o
            .category
            .as_deref()
            .map(|c| category_label(v.lang, c))
            .unwrap_or_default(),
        lines: lines(&d.timeline, v.lang),
        can_confirm: allowed("confirm"),
        can_cancel: allowed("cancel"),
        can_rate: is_reporter
            && o.rating.is_none()
            && matches!(o.state.as_str(), "resolved" | "closed"),
        rating: o.rating,
        o,
        error,
    })
}

async fn order_page(State(app): State<App>, v: Viewer, Path(id): Path<i64>) -> Response {
    order_view(&app, &v, id, None).await
}

async fn timeline_fragment(State(app): State<App>, v: Viewer, Path(id): Path<i64>) -> Response {
    match app.get_order(&v.actor, id).await {
        Ok(d) => render(&TimelinePart {
            lines: lines(&d.timeline, v.lang),
        }),
        Err(e) => error_page(&v, &e),
    }
}

#[derive(Deserialize, Default)]
struct TextForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    stars: Option<i64>,
}

async fn after(app: &App, v: &Viewer, id: i64, r: Result<(), AppError>) -> Response {
    match r {
        Ok(()) => Redirect::to(&format!("/r/orders/{id}")).into_response(),
        Err(e) => {
            let mut resp =
                order_view(app, v, id, Some(e.public().message(v.lang).to_string())).await;
            *resp.status_mut() = crate::error::status_of(e.public().kind);
            resp
        }
    }
}

async fn confirm(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<TextForm>,
) -> Response {
    let r = app.step(&v.actor, id, &StepInput::Confirm).await;
    after(&app, &v, id, r).await
}

async fn reject(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> Response {
    let r = app
        .step(&v.actor, id, &StepInput::Reject { reason: f.reason })
        .await;
    after(&app, &v, id, r).await
}

async fn cancel(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> Response {
    let r = app
        .step(&v.actor, id, &StepInput::Cancel { reason: f.reason })
        .await;
    after(&app, &v, id, r).await
}

async fn rate(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> Response {
    let r = app
        .rate(
            &v.actor,
            id,
            &RatingInput {
                stars: f.stars.unwrap_or(0),
                comment: Some(f.text).filter(|t| !t.trim().is_empty()),
            },
        )
        .await;
    after(&app, &v, id, r).await
}

async fn comment(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> Response {
    let r = app
        .comment(
            &v.actor,
            id,
            &CommentInput {
                text: f.text,
                internal: false,
                photo_ids: vec![],
            },
        )
        .await
        .map(|_| ());
    after(&app, &v, id, r).await
}

#[derive(Deserialize)]
struct SuggestForm {
    #[serde(default)]
    text: String,
}

#[derive(Template)]
#[template(path = "parts/suggestion.html")]
struct SuggestionPart {
    ctx: Ctx,
    category: String,
    team: String,
    confidence: i64,
    emergency: bool,
    words: String,
}

/// The live suggestion under the report box (htmx, as the resident types).
async fn suggest(
    State(app): State<App>,
    v: Viewer,
    CsrfForm(f): CsrfForm<SuggestForm>,
) -> Response {
    let text = f.text.trim();
    if text.chars().count() < 2 {
        return axum::response::Html("").into_response();
    }
    match app.suggest(&v.actor, text).await {
        Ok(s) => {
            let p = s.prediction;
            let team = s.team_name.unwrap_or_default();
            render(&SuggestionPart {
                ctx: Ctx::new(&v, "", ""),
                category: category_label(v.lang, &p.category.label),
                team,
                confidence: (p.category.confidence * 100.0).round() as i64,
                emergency: p.urgency.label == "emergency",
                words: p
                    .reasons
                    .iter()
                    .take(4)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("、"),
            })
        }
        Err(_) => axum::response::Html("").into_response(),
    }
}
