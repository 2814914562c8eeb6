//! The desk's order page: the order with its clocks, timeline, delivery log
//! and the classifier's suggestions, and the steps, notes and corrections
//! posted from it.

use super::*;

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
    pub deliveries: Option<Vec<crate::ui::notify::DeliveryLine>>,
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
        Some(p) => serde_json::from_str::<StoredPrediction>(p.get()).ok(),
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
        crate::ui::notify::order_deliveries(app, v, o.id).await
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

pub(super) async fn order_page(State(app): State<App>, v: Viewer, Path(id): Path<i64>) -> Response {
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

pub(super) async fn show_error(
    app: &App,
    v: &Viewer,
    id: i64,
    e: AppError,
    base: &'static str,
) -> Response {
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

pub(super) async fn step(
    State(app): State<App>,
    v: Viewer,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HashMap<String, String>>,
) -> Response {
    do_step(&app, &v, id, &f, "/desk").await
}

pub(super) async fn note(
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

/// The prediction stored on an order (the fields the page shows).
#[derive(serde::Deserialize)]
pub(super) struct StoredPrediction {
    category: StoredScored,
    category_top3: Vec<StoredScored>,
    urgency: StoredScored,
    #[serde(default)]
    reasons: Vec<String>,
}

#[derive(serde::Deserialize)]
pub(super) struct StoredScored {
    label: String,
    confidence: f32,
}

/// A dispatcher corrects the category (and urgency); kept for training.
pub(super) async fn classify(
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
