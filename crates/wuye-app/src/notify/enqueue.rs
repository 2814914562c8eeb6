//! The outbox hook. Called in the transaction that writes a timeline event
//! or an SLA alert, it asks the company's rule who is to be told through
//! which channels, renders each message in the recipient's language, and
//! writes one outbox row per (event, recipient, channel) — keyed so that a
//! second call for the same event adds nothing. In-app messages are
//! delivered by that same insert (the bell); the rest wait for the workers.

use super::setup::{self, Endpoint};
use crate::App;
use crate::error::Result;
use std::collections::{BTreeMap, HashSet};
use wuye_domain::Lang;
use wuye_domain::ids::*;
use wuye_domain::notify::providers::EndpointKind;
use wuye_domain::notify::templates::{KpiAlertFacts, Vars, excerpt, kpi_alert_vars};
use wuye_domain::notify::{Channel, Event, Template, Via, Who, classify, classify_alert};
use wuye_domain::sla::Metric;
use wuye_domain::work_order::{Kind, State};
use wuye_store::notify::{self as store, NewDelivery, NewInboxItem, PersonRow};
use wuye_store::orders::OrderRow;
use wuye_store::{Exec, Read, SideReads, order_log, orders, sla};

/// What happened, as the templates and rules need it.
struct Happening<'a> {
    company: CompanyId,
    /// None for events about the company's numbers (KPI alerts).
    order: Option<&'a OrderRow>,
    /// The community of an event without an order (None: the company).
    community: Option<CommunityId>,
    /// The facts of a KPI alert.
    kpi: Option<KpiAlertFacts<'a>>,
    event: Event,
    /// `event:<id>` or `sla:<order>:<metric>:<level>`: the event part of
    /// every idempotency key.
    source: String,
    /// Whoever acted is not told of their own act.
    actor: Option<(&'static str, i64)>,
    actor_name: String,
    note: Option<String>,
    stars: Option<i64>,
    /// Internal notes reach staff only.
    internal: bool,
    alerted: Option<i64>,
    metric: Option<String>,
    level: Option<i64>,
}

/// Writes the outbox rows of a timeline event (`work_order_events`), in the
/// caller's transaction. Events nobody is told of add nothing.
pub async fn enqueue_for_event(
    app: &App,
    c: &mut impl Exec,
    company: CompanyId,
    event_id: i64,
    ev: &order_log::NewEvent<'_>,
) -> Result<()> {
    // The caller has just written the event: its fields come from there,
    // not from a read back inside the write transaction.
    let stars = ev.data["stars"].as_i64();
    let Some(event) = classify(ev.action, stars) else {
        return Ok(());
    };
    let o = orders::get(c, app.db.backend(), company, ev.order, false).await?;
    let actor = match (ev.actor_kind, ev.actor_id) {
        ("staff", Some(id)) => Some(("staff", id)),
        ("resident", Some(id)) => Some(("resident", id)),
        _ => None,
    };
    let h = Happening {
        company,
        order: Some(&o),
        community: None,
        kpi: None,
        event,
        source: format!("event:{event_id}"),
        actor,
        actor_name: ev.actor_name.to_string(),
        note: ev.note.map(str::to_string),
        stars,
        internal: ev.internal,
        alerted: None,
        metric: None,
        level: None,
    };
    fan_out(app, c, &h).await
}

/// Writes the outbox rows of an SLA alert to one staff member (`kind`:
/// warning, breach, escalation), in the SLA timer's transaction. The timer
/// calls it once per alerted person; what the rule sends to others (the
/// team group, supervisors) is keyed by the level, so it goes out once.
#[allow(clippy::too_many_arguments)]
pub async fn enqueue_for_alert(
    app: &App,
    c: &mut impl Exec,
    company: CompanyId,
    order: i64,
    metric: &str,
    level: i64,
    kind: &str,
    staff: i64,
) -> Result<()> {
    let Some(event) = classify_alert(kind) else {
        return Ok(());
    };
    let o = orders::get(c, app.db.backend(), company, order, false).await?;
    let h = Happening {
        company,
        order: Some(&o),
        community: None,
        kpi: None,
        event,
        source: format!("sla:{order}:{metric}:{level}"),
        actor: None,
        actor_name: "SLA".into(),
        note: None,
        stars: None,
        internal: false,
        alerted: Some(staff),
        metric: Some(metric.to_string()),
        level: Some(level),
    };
    fan_out(app, c, &h).await
}

/// Writes the outbox rows of a KPI alert just raised (`kpi_alerts` row
/// `alert`), in the transaction that raised it: the company's supervisors
/// (the community's, for a community rule) and its group robots, as the
/// company's rule for KPI alerts says.
pub async fn enqueue_for_kpi_alert(
    app: &App,
    c: &mut impl Exec,
    company: CompanyId,
    alert: i64,
    community: Option<CommunityId>,
    facts: KpiAlertFacts<'_>,
) -> Result<()> {
    let h = Happening {
        company,
        order: None,
        community,
        kpi: Some(facts),
        event: Event::KpiAlert,
        source: format!("kpi:{alert}"),
        actor: None,
        actor_name: "KPI".into(),
        note: None,
        stars: None,
        internal: false,
        alerted: None,
        metric: None,
        level: None,
    };
    fan_out(app, c, &h).await
}

/// A person to tell.
struct Person {
    kind: &'static str,
    row: PersonRow,
    lang: Lang,
}

fn people(kind: &'static str, rows: Vec<PersonRow>) -> Vec<Person> {
    rows.into_iter()
        .map(|row| Person {
            kind,
            lang: row
                .lang
                .as_deref()
                .and_then(Lang::parse)
                .unwrap_or_default(),
            row,
        })
        .collect()
}

async fn staff(c: &mut impl Read, company: CompanyId, ids: &[i64]) -> Result<Vec<Person>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(people(
        "staff",
        store::people(c, company, false, ids).await?,
    ))
}

async fn residents(c: &mut impl Read, company: CompanyId, ids: &[i64]) -> Result<Vec<Person>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    Ok(people(
        "resident",
        store::people(c, company, true, ids).await?,
    ))
}

/// Whom `who` names for this happening. Who they are and how to reach them
/// is read through `side` (the directory is not written by an order's
/// transaction); an order's followers are read in the transaction, which
/// may have just added one.
async fn resolve(
    c: &mut impl Exec,
    side: &mut SideReads,
    h: &Happening<'_>,
    who: Who,
) -> Result<Vec<Person>> {
    let company = h.company;
    let Some(o) = h.order else {
        // An event about the company's numbers reaches its supervisors
        // (those of the community, when it is about one).
        return Ok(match who {
            Who::Supervisor => {
                let ids = match h.community {
                    Some(m) => sla::staff_with_role(c, company, m, "supervisor").await?,
                    None => sla::staff_with_role_in_company(c, company, "supervisor").await?,
                };
                staff(&mut side.on(c), company, &ids).await?
            }
            _ => vec![],
        });
    };
    Ok(match who {
        Who::Reporter => {
            residents(&mut side.on(c), company, o.reporter_resident_id.as_slice()).await?
        }
        Who::Followers => {
            let f = order_log::followers(c, o.id).await?;
            let r: Vec<i64> = f.iter().filter_map(|x| x.resident_id).collect();
            let s: Vec<i64> = f.iter().filter_map(|x| x.staff_id).collect();
            let mut out = residents(&mut side.on(c), company, &r).await?;
            out.extend(staff(&mut side.on(c), company, &s).await?);
            out
        }
        Who::Owner => staff(&mut side.on(c), company, o.owner_id.as_slice()).await?,
        Who::Assignee => staff(&mut side.on(c), company, o.assignee_id.as_slice()).await?,
        Who::TeamLead => match o.team_id {
            Some(t) => {
                let ids = sla::team_leads(&mut side.on(c), TeamId(t)).await?;
                staff(&mut side.on(c), company, &ids).await?
            }
            None => vec![],
        },
        Who::Supervisor => {
            let ids =
                sla::staff_with_role(c, company, CommunityId(o.community_id), "supervisor").await?;
            staff(&mut side.on(c), company, &ids).await?
        }
        Who::Alerted => staff(&mut side.on(c), company, h.alerted.as_slice()).await?,
        Who::TeamGroup => vec![],
    })
}

/// The robots of the order's team; the company-wide ones when it has none.
fn team_robots(endpoints: &[Endpoint], team: Option<i64>) -> Vec<&Endpoint> {
    let robots = |t: Option<i64>| -> Vec<&Endpoint> {
        endpoints
            .iter()
            .filter(|e| e.is_robot() && e.spec.enabled && e.spec.team_id == t)
            .collect()
    };
    match team.map(|t| robots(Some(t))) {
        Some(own) if !own.is_empty() => own,
        _ => robots(None),
    }
}

fn vars(h: &Happening<'_>, lang: Lang) -> Vars {
    let Some(o) = h.order else {
        return h
            .kpi
            .as_ref()
            .map(|k| kpi_alert_vars(k, lang))
            .unwrap_or_default();
    };
    let zh = lang == Lang::Zh;
    let mut v = Vars::new();
    v.insert("number", o.number.clone());
    let kind = Kind::parse(&o.kind).ok();
    v.insert(
        "kind",
        kind.map(|k| if zh { k.label_zh() } else { k.label_en() })
            .unwrap_or_default()
            .to_string(),
    );
    v.insert("place", o.place_label.clone());
    v.insert("text", excerpt(&o.text, 60));
    let state = State::parse(&o.state).ok();
    v.insert(
        "state",
        state
            .map(|s| if zh { s.label_zh() } else { s.label_en() })
            .unwrap_or_default()
            .to_string(),
    );
    v.insert("team", o.team_name.clone().unwrap_or_default());
    let nobody = if zh { "待分配" } else { "not yet assigned" };
    v.insert(
        "assignee",
        o.assignee_name.clone().unwrap_or_else(|| nobody.into()),
    );
    v.insert("actor", h.actor_name.clone());
    v.insert("note", excerpt(h.note.as_deref().unwrap_or_default(), 60));
    v.insert("stars", h.stars.map(|s| s.to_string()).unwrap_or_default());
    let metric = h.metric.as_deref().and_then(Metric::parse);
    v.insert(
        "metric",
        metric
            .map(|m| if zh { m.label_zh() } else { m.code() })
            .unwrap_or_default()
            .to_string(),
    );
    v.insert(
        "level",
        h.level
            .filter(|l| *l >= 0)
            .map(|l| (l + 1).to_string())
            .unwrap_or_default(),
    );
    v.insert("event", h.event.label(lang).to_string());
    v
}

/// Renders messages, caching the company's templates per language.
struct Renderer {
    templates: BTreeMap<&'static str, (Template, bool)>,
}

impl Renderer {
    fn render(&self, h: &Happening<'_>, lang: Lang) -> (Template, Vars) {
        let vars = vars(h, lang);
        let t = &self.templates[lang.code()].0;
        (t.render(&vars), vars)
    }
}

/// The webhook body: the event with its order, in Chinese.
fn webhook_payload(h: &Happening<'_>, msg: &Template, key: &str, now: i64) -> serde_json::Value {
    serde_json::json!({
        "id": key,
        "event": h.event.code(),
        "at": wuye_domain::time::from_millis(now).to_string(),
        "company_id": h.company.0,
        "order": h.order.map(|o| serde_json::json!({
            "id": o.id, "number": o.number, "kind": o.kind, "state": o.state, "priority": o.priority,
            "emergency": o.emergency != 0, "community_id": o.community_id, "place": o.place_label,
            "team_id": o.team_id, "assignee_id": o.assignee_id,
        })),
        "sla": h.metric.as_ref().map(|m| serde_json::json!({"metric": m, "level": h.level})),
        "kpi": h.kpi.as_ref().map(|k| serde_json::json!({
            "kpi": k.kpi.code, "value": k.value, "op": k.op, "threshold": k.threshold,
            "period": k.period, "community_id": h.community.map(|m| m.0),
        })),
        "title": msg.title,
        "body": msg.body,
    })
}

async fn fan_out(app: &App, c: &mut impl Exec, h: &Happening<'_>) -> Result<()> {
    let company = h.company;
    let now = app.now_ms();
    // The company's setup is read beside the transaction (see SideReads).
    let mut side = app.db.side_reads()?;
    let (rule, _) = setup::rule(&mut side.on(c), company, h.event).await?;
    let endpoints = setup::endpoints(&mut side.on(c), company).await?;
    let webhooks: Vec<&Endpoint> = endpoints
        .iter()
        .filter(|e| e.spec.kind == EndpointKind::Webhook && e.spec.enabled && e.spec.wants(h.event))
        .collect();
    if !rule.enabled && webhooks.is_empty() {
        return Ok(());
    }
    let settings = setup::settings(&mut side.on(c), company).await?;
    let renderer = Renderer {
        templates: setup::templates(&mut side.on(c), company, h.event).await?,
    };
    let mut sms = None;
    let mut email = None;
    let mut planned = HashSet::new();
    let urgent = h.order.is_some_and(|o| o.emergency != 0);
    let mut rows: Vec<Planned> = Vec::new();
    for target in rule.to.iter().filter(|_| rule.enabled) {
        if target.who == Who::TeamGroup {
            for robot in team_robots(&endpoints, h.order.and_then(|o| o.team_id)) {
                let channel = robot.spec.kind.channel();
                if planned.insert(("endpoint", robot.id, channel)) {
                    let (msg, _) = renderer.render(h, Lang::Zh);
                    let payload =
                        serde_json::json!({"markdown": robot.spec.markdown.unwrap_or(true)});
                    rows.push(Planned::endpoint(robot, channel, Lang::Zh, msg, payload));
                }
            }
            continue;
        }
        for p in resolve(c, &mut side, h, target.who).await? {
            if h.actor == Some((p.kind, p.row.id)) || (h.internal && p.kind == "resident") {
                continue;
            }
            for via in &target.via {
                let channel = match via {
                    Via::InApp => Channel::InApp,
                    Via::Sms => Channel::Sms,
                    Via::Email => Channel::Email,
                    Via::Robot => continue,
                };
                if !planned.insert((p.kind, p.row.id, channel)) {
                    continue;
                }
                let (msg, vars) = renderer.render(h, p.lang);
                let (address, payload) = match channel {
                    Channel::InApp => match p.row.user_id {
                        Some(u) => (u.to_string(), serde_json::json!({})),
                        None => continue,
                    },
                    Channel::Sms => {
                        if sms.is_none() {
                            sms = Some(setup::sms(&mut side.on(c), company).await?);
                        }
                        let Some((cfg, _)) = sms.as_ref().and_then(|s| s.as_ref()) else {
                            continue;
                        };
                        let Some(t) = cfg.template(h.event).filter(|_| cfg.enabled) else {
                            continue;
                        };
                        // Providers cap template variables (Aliyun: 35 characters).
                        let params: Vec<(String, String)> = t
                            .params
                            .iter()
                            .map(|name| {
                                let v = vars.get(name.as_str()).cloned().unwrap_or_default();
                                (name.clone(), excerpt(&v, 34))
                            })
                            .collect();
                        (
                            p.row.phone.clone(),
                            serde_json::json!({"template_code": t.code, "params": params}),
                        )
                    }
                    Channel::Email => {
                        if email.is_none() {
                            email = Some(
                                setup::email(&mut side.on(c), company)
                                    .await?
                                    .is_some_and(|(e, _)| e.enabled),
                            );
                        }
                        match (&p.row.email, email) {
                            (Some(addr), Some(true)) => (addr.clone(), serde_json::json!({})),
                            _ => continue,
                        }
                    }
                    _ => continue,
                };
                rows.push(Planned {
                    channel,
                    kind: p.kind,
                    id: p.row.id,
                    name: p.row.name.clone(),
                    address,
                    lang: p.lang,
                    msg,
                    payload,
                });
            }
        }
    }
    for w in webhooks {
        let (msg, _) = renderer.render(h, Lang::Zh);
        rows.push(Planned::endpoint(
            w,
            Channel::Webhook,
            Lang::Zh,
            msg,
            serde_json::Value::Null,
        ));
    }
    for p in rows {
        let key = format!("{}|{}:{}|{}", h.source, p.kind, p.id, p.channel.code());
        let payload = if p.channel == Channel::Webhook {
            webhook_payload(h, &p.msg, &key, now)
        } else {
            p.payload
        };
        let in_app = p.channel == Channel::InApp;
        let inserted = store::insert_delivery(
            c,
            &NewDelivery {
                company,
                order: h.order.map(|o| o.id),
                event: h.event.code(),
                source: &h.source,
                idem_key: &key,
                channel: p.channel.code(),
                recipient_kind: p.kind,
                recipient_id: p.id,
                recipient_name: &p.name,
                address: &p.address,
                lang: p.lang.code(),
                title: &p.msg.title,
                body: &p.msg.body,
                payload: &payload.to_string(),
                urgent,
                status: if in_app { "delivered" } else { "pending" },
                attempt_limit: settings.max_attempts as i64,
                next_attempt_at: settings.not_before(p.channel, urgent, now),
                now_ms: now,
            },
        )
        .await?;
        if let (true, Some(outbox)) = (in_app, inserted) {
            store::insert_inbox(
                c,
                &NewInboxItem {
                    company,
                    user: UserId(p.address.parse().unwrap_or_default()),
                    outbox,
                    order: h.order.map(|o| o.id),
                    event: h.event.code(),
                    title: &p.msg.title,
                    body: &p.msg.body,
                    now_ms: now,
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// One row to write.
struct Planned {
    channel: Channel,
    kind: &'static str,
    id: i64,
    name: String,
    address: String,
    lang: Lang,
    msg: Template,
    payload: serde_json::Value,
}

impl Planned {
    fn endpoint(
        e: &Endpoint,
        channel: Channel,
        lang: Lang,
        msg: Template,
        payload: serde_json::Value,
    ) -> Planned {
        Planned {
            channel,
            kind: "endpoint",
            id: e.id,
            name: e.spec.name.clone(),
            address: e.id.to_string(),
            lang,
            msg,
            payload,
        }
    }
}

/// The placeholders' values for an existing order (template previews); a
/// KPI alert, which is about no order, previews with a sample.
pub(crate) fn order_vars(o: &OrderRow, event: Event, lang: Lang, actor_name: &str) -> Vars {
    if event.is_kpi() {
        return kpi_sample_vars(lang);
    }
    let h = Happening {
        company: CompanyId(o.company_id),
        order: Some(o),
        community: None,
        kpi: None,
        event,
        source: String::new(),
        actor: None,
        actor_name: actor_name.to_string(),
        note: None,
        stars: o.rating,
        internal: false,
        alerted: None,
        metric: event.is_sla().then(|| "response".to_string()),
        level: event.is_sla().then_some(0),
    };
    vars(&h, lang)
}

/// A KPI alert's placeholders for previews: 24-hour completion at 85%,
/// below 90%, this month, company-wide.
pub(crate) fn kpi_sample_vars(lang: Lang) -> Vars {
    let Some(kpi) = wuye_domain::kpi::defs::find("repair_24h") else {
        return Vars::new();
    };
    let sample = KpiAlertFacts {
        kpi,
        value: 85.0,
        op: "below",
        threshold: 90.0,
        period: "month",
        community: None,
    };
    kpi_alert_vars(&sample, lang)
}
