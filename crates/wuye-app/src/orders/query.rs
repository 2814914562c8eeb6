//! Reading orders: one with its timeline, and lists (queues, filters,
//! Chinese search, keyset pages sorted by creation or deadline).

use super::access::{allowed_actions, is_desk, visibility};
use super::view::{EventView, FollowerView, HandlerView, OrderDetail, OrderRef, OrderView};
use crate::App;
use crate::error::Result;
use crate::page::Page;
use serde::Deserialize;
use wuye_domain::Error;
use wuye_domain::access::Actor;
use wuye_domain::category::Category;
use wuye_domain::ids::*;
use wuye_domain::search::query_terms;
use wuye_domain::work_order::{Kind, State};
use wuye_store::orders::{self, ListQuery, OrderFilter, Sort};
use wuye_store::{dialect, order_log};

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct OrderQuery {
    /// new (unassigned, received) | mine (assigned to me) | owned (I am the owner) |
    /// team (my teams') | pool (grab pool of my teams) | due_soon | overdue |
    /// return_visits | all (default)
    pub queue: Option<String>,
    /// An order number, exactly.
    pub number: Option<String>,
    /// Chinese-aware text search: 电梯 finds 3栋电梯困人了.
    pub q: Option<String>,
    /// Comma-separated states, e.g. received,dispatched
    pub state: Option<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub community_id: Option<i64>,
    pub building_id: Option<i64>,
    pub home_id: Option<i64>,
    /// Created at or after (RFC 3339, or a date like 2026-11-01 in Asia/Shanghai).
    pub from: Option<String>,
    /// Created before (RFC 3339 or a date; a date includes the whole day).
    pub to: Option<String>,
    /// created (newest first, default) | deadline (earliest deadline first)
    pub sort: Option<String>,
    /// What dispatch did: queue (waiting for a dispatcher), auto, team, pool, staff, none.
    pub dispatch: Option<String>,
    pub after: Option<String>,
    /// 1–200, default 50
    pub limit: Option<i64>,
    /// Include each order's stored prediction (its top-3 suggestions and
    /// deciding words, about 40% of an order's bytes). Default: only in the
    /// dispatcher queue (`dispatch=queue`), where the dispatcher decides on
    /// them; an order's own page always has it.
    pub prediction: Option<bool>,
}

fn bad_param(field: &str, zh: String, en: String) -> crate::AppError {
    Error::invalid("query_param_invalid", zh, en)
        .with_field(field)
        .into()
}

/// Parses an instant, or a civil date in the company's zone (`end` moves a
/// date to the start of the next day, so `to=2026-11-30` includes the 30th).
fn parse_instant(field: &str, s: &str, end: bool) -> Result<i64> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t.as_millisecond());
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        let d = if end {
            d.tomorrow()
                .map_err(|_| bad_param(field, "日期超出范围".into(), "Date out of range".into()))?
        } else {
            d
        };
        let z = d
            .to_zoned(wuye_domain::time::default_zone())
            .map_err(|_| bad_param(field, "日期无效".into(), "Invalid date".into()))?;
        return Ok(z.timestamp().as_millisecond());
    }
    Err(bad_param(
        field,
        format!("时间“{s}”无效：请用 2026-11-27 或 2026-11-27T08:00:00+08:00"),
        format!("“{s}” is not a time: use 2026-11-27 or 2026-11-27T08:00:00+08:00"),
    ))
}

impl App {
    pub async fn get_order(&self, actor: &Actor, id: i64) -> Result<OrderDetail> {
        let mut c = self.db.reader().await?;
        // The order and everything shown with it, as of one moment.
        c.snapshot()?;
        let o = self.visible_order_with(&mut c, actor, id).await?;
        let staff = actor.staff_id.is_some();
        let timeline = order_log::events(&mut c, id, staff)
            .await?
            .into_iter()
            .map(EventView::from)
            .collect();
        let now = self.now_ms();
        let handlers = if staff {
            order_log::handlers(&mut c, id)
                .await?
                .into_iter()
                .map(|h| HandlerView::from_row(h, now))
                .collect()
        } else {
            vec![]
        };
        let followers = if staff {
            order_log::followers(&mut c, id)
                .await?
                .into_iter()
                .map(FollowerView::from)
                .collect()
        } else {
            vec![]
        };
        let repeated_by = orders::repeats_of(&mut c, id)
            .await?
            .into_iter()
            .map(|(id, number)| OrderRef { id, number })
            .collect();
        let allowed = allowed_actions(actor, &o);
        let sla = wuye_store::sla::clocks(&mut c, id)
            .await?
            .into_iter()
            .map(|r| crate::sla::ClockView::from_row(r, now))
            .collect();
        Ok(OrderDetail {
            order: OrderView::from_row(o, false),
            timeline,
            handlers,
            followers,
            repeated_by,
            allowed_actions: allowed,
            sla,
        })
    }

    pub async fn order_id_by_number(&self, actor: &Actor, number: &str) -> Result<i64> {
        let id = {
            let mut c = self.db.read().await?;
            orders::id_by_number(&mut c, actor.company_id, number.trim()).await?
        };
        let id = id.ok_or_else(|| Error::not_found("工单", "order"))?;
        self.visible_order(actor, id).await?;
        Ok(id)
    }

    pub async fn list_orders(&self, actor: &Actor, q: &OrderQuery) -> Result<Page<OrderView>> {
        let limit = match q.limit {
            None => 50,
            Some(n) if (1..=200).contains(&n) => n,
            Some(_) => {
                return Err(Error::invalid(
                    "limit_invalid",
                    "每页条数应在 1 到 200 之间",
                    "limit must be between 1 and 200",
                )
                .with_field("limit")
                .into());
            }
        };
        let visibility = visibility(actor);
        let mut f = OrderFilter {
            number: q
                .number
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_uppercase),
            ..Default::default()
        };
        if let Some(text) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            if text.chars().count() > 100 {
                return Err(bad_param(
                    "q",
                    "搜索词最多 100 个字".into(),
                    "At most 100 characters".into(),
                ));
            }
            let terms = query_terms(text);
            if terms.is_empty() {
                return Ok(Page {
                    items: vec![],
                    next: None,
                });
            }
            f.fts = Some(dialect::fts_query(self.db.backend(), &terms));
        }
        if let Some(states) = q.state.as_deref().filter(|s| !s.is_empty()) {
            for s in states.split(',') {
                f.states.push(State::parse(s)?.code().to_string());
            }
        }
        f.kind = q
            .kind
            .as_deref()
            .map(Kind::parse)
            .transpose()?
            .map(|k| k.code().to_string());
        f.category = q
            .category
            .as_deref()
            .map(Category::parse)
            .transpose()?
            .map(|c| c.code().to_string());
        f.team = q.team_id.map(TeamId);
        if let Some(d) = q.dispatch.as_deref() {
            if !matches!(d, "none" | "auto" | "team" | "pool" | "queue" | "staff") {
                return Err(bad_param(
                    "dispatch",
                    format!("派单状态“{d}”无效"),
                    format!("dispatch “{d}” is not valid"),
                ));
            }
            f.dispatch_status = Some(d.to_string());
        }
        f.assignee = q.assignee_id.map(StaffId);
        f.owner = q.owner_id.map(StaffId);
        f.community = q.community_id.map(CommunityId);
        f.building = q.building_id.map(BuildingId);
        f.home = q.home_id.map(HomeId);
        f.created_from = q
            .from
            .as_deref()
            .map(|s| parse_instant("from", s, false))
            .transpose()?;
        f.created_to =
            q.to.as_deref()
                .map(|s| parse_instant("to", s, true))
                .transpose()?;
        let open_states = || {
            State::ALL
                .iter()
                .filter(|s| s.is_open())
                .map(|s| s.code().to_string())
                .collect::<Vec<_>>()
        };
        let now = self.now_ms();
        let mut sort = match q.sort.as_deref() {
            None | Some("created") => Sort::Created,
            Some("deadline") => Sort::Deadline,
            Some(other) => {
                return Err(bad_param(
                    "sort",
                    format!("排序方式“{other}”无效：created 或 deadline"),
                    format!("sort “{other}” is not valid: created or deadline"),
                ));
            }
        };
        match q.queue.as_deref().unwrap_or("all") {
            "all" => {}
            "new" => {
                f.states = vec!["received".into()];
            }
            "mine" => {
                f.assignee = Some(actor.staff_id.unwrap_or(StaffId(-1)));
                f.states = open_states();
                sort = Sort::Deadline;
            }
            "owned" => {
                f.owner = Some(actor.staff_id.unwrap_or(StaffId(-1)));
                f.states = open_states();
            }
            "team" => {
                if actor.teams.is_empty() {
                    return Ok(Page {
                        items: vec![],
                        next: None,
                    });
                }
                f.states = open_states();
                sort = Sort::Deadline;
                return self
                    .list_team_orders(actor, &visibility, f, sort, q, limit)
                    .await;
            }
            "pool" => {
                f.states = vec!["dispatched".into()];
                f.unassigned = true;
                return self
                    .list_team_orders(actor, &visibility, f, sort, q, limit)
                    .await;
            }
            "due_soon" => {
                f.states = open_states();
                f.deadline_before = Some(now + 3_600_000);
                sort = Sort::Deadline;
            }
            "overdue" => {
                f.states = open_states();
                f.deadline_before = Some(now);
                sort = Sort::Deadline;
            }
            "return_visits" => {
                f.states = vec!["resolved".into()];
                f.return_visit_due = Some(true);
            }
            other => {
                return Err(bad_param(
                    "queue",
                    format!("队列“{other}”无效"),
                    format!("Queue “{other}” is not valid"),
                ));
            }
        }
        self.run_list(actor, &visibility, &f, sort, q, limit).await
    }

    /// Orders of the actor's teams (each team in turn would lose the global
    /// order, so the teams become a visibility restriction).
    async fn list_team_orders(
        &self,
        actor: &Actor,
        base: &wuye_store::orders::Visibility,
        f: OrderFilter,
        sort: Sort,
        q: &OrderQuery,
        limit: i64,
    ) -> Result<Page<OrderView>> {
        let mut v = base.clone();
        v.teams = Some(actor.teams.clone());
        v.or_assignee = None;
        self.run_list(actor, &v, &f, sort, q, limit).await
    }

    async fn run_list(
        &self,
        actor: &Actor,
        v: &wuye_store::orders::Visibility,
        f: &OrderFilter,
        sort: Sort,
        q: &OrderQuery,
        limit: i64,
    ) -> Result<Page<OrderView>> {
        let after = match q.after.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => {
                let parsed = match s.split_once(':') {
                    Some((k, id)) => k.parse::<i64>().ok().zip(id.parse::<i64>().ok()),
                    None => s.parse::<i64>().ok().map(|id| (0, id)),
                };
                Some(parsed.ok_or_else(|| {
                    crate::AppError::from(
                        Error::invalid(
                            "cursor_invalid",
                            "分页游标无效",
                            "The page cursor is not valid",
                        )
                        .with_field("after"),
                    )
                })?)
            }
        };
        // Searches can read many index entries: they stay on the pool (see
        // `wuye_store::reader`); the queues and filters are short reads.
        let mut c = if f.fts.is_some() {
            self.db.pooled_reader().await?
        } else {
            self.db.reader().await?
        };
        // A deadline page is read in two parts: one moment for both, so an
        // order whose clock stops in between is neither shown twice nor lost.
        c.snapshot()?;
        let rows = orders::list(
            &mut c,
            self.db.backend(),
            &ListQuery {
                company: actor.company_id,
                visibility: v,
                filter: f,
                sort,
                after,
                limit: limit + 1,
                with_prediction: q
                    .prediction
                    .unwrap_or(q.dispatch.as_deref() == Some("queue")),
            },
        )
        .await?;
        let more = rows.len() as i64 > limit;
        let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
        let next = if more {
            rows.last().map(|r| match orders::cursor(sort, f, r) {
                (0, id) if sort == Sort::Created => id.to_string(),
                (key, id) => format!("{key}:{id}"),
            })
        } else {
            None
        };
        // Phone numbers are masked in lists (PIPL); residents see their own.
        let mask = is_desk(actor) || actor.staff_id.is_some();
        Ok(Page {
            items: rows
                .into_iter()
                .map(|r| OrderView::from_row(r, mask))
                .collect(),
            next,
        })
    }
}
