//! Creating an order for a caller: the form, finding the resident by phone
//! or home, the duplicate warning, and saving.

use super::*;

#[derive(Template)]
#[template(path = "desk/new.html")]
pub(super) struct NewPage {
    ctx: Ctx,
    kinds: Vec<Choice>,
    categories: Vec<Choice>,
    teams: Vec<Choice>,
    text: String,
    error: Option<String>,
}

pub(super) async fn new_page(
    app: &App,
    v: &Viewer,
    text: String,
    error: Option<String>,
) -> Response {
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

pub(super) async fn new_form(State(app): State<App>, v: Viewer) -> Response {
    new_page(&app, &v, String::new(), None).await
}

#[derive(Deserialize)]
pub(super) struct LookupQuery {
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
pub(super) struct LookupPart {
    ctx: Ctx,
    found: Vec<Found>,
    searched: bool,
}

/// Residents matching a phone fragment, a name or a home (search as you type).
pub(super) async fn lookup(
    State(app): State<App>,
    v: Viewer,
    UiQuery(q): UiQuery<LookupQuery>,
) -> Response {
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

pub(super) fn order_input(f: &HashMap<String, String>) -> OrderInput {
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
pub(super) struct DuplicatesPart {
    ctx: Ctx,
    items: Vec<(i64, String, String, String, i64)>,
}

/// Candidates shown before saving (htmx, when text or place change).
pub(super) async fn duplicates(
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

pub(super) async fn create(
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
