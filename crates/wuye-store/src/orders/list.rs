//! Order lists: who may see which orders (`Visibility`), the filters of the
//! queues and searches, and keyset pages sorted by creation or deadline.

use super::{COLS, COLS_WITHOUT_PREDICTION, FROM, OrderRow};
use crate::dialect;
use crate::sql::Sql;
use crate::{Backend, Read, Result};
use wuye_domain::ids::*;

/// How a list is sorted (keyset pagination continues from a cursor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Newest first.
    Created,
    /// Earliest running deadline first; orders without one last.
    Deadline,
}

/// Who may see which orders: the scope the app layer computed.
#[derive(Debug, Clone, Default)]
pub struct Visibility {
    /// None = every community of the company.
    pub communities: Option<Vec<CommunityId>>,
    /// Only orders of these teams (technicians, vendors), plus those
    /// `or_assignee` holds or owns (reported).
    pub teams: Option<Vec<TeamId>>,
    pub or_assignee: Option<StaffId>,
    /// Only orders the resident reported or follows.
    pub resident: Option<ResidentId>,
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub number: Option<String>,
    /// A full-text query (already in the backend's syntax).
    pub fts: Option<String>,
    pub states: Vec<String>,
    pub kind: Option<String>,
    pub category: Option<String>,
    pub team: Option<TeamId>,
    pub unassigned: bool,
    pub assignee: Option<StaffId>,
    pub owner: Option<StaffId>,
    pub community: Option<CommunityId>,
    pub building: Option<BuildingId>,
    pub home: Option<HomeId>,
    pub created_from: Option<i64>,
    pub created_to: Option<i64>,
    pub return_visit_due: Option<bool>,
    /// Orders whose deadline is before this instant (due soon / overdue).
    pub deadline_before: Option<i64>,
    pub dispatch_status: Option<String>,
}

pub struct ListQuery<'a> {
    pub company: CompanyId,
    pub visibility: &'a Visibility,
    pub filter: &'a OrderFilter,
    pub sort: Sort,
    /// (sort key, id) of the last row of the previous page.
    pub after: Option<(i64, i64)>,
    pub limit: i64,
    /// Read each order's stored prediction (else the rows carry none).
    pub with_prediction: bool,
}

impl ListQuery<'_> {
    fn cols(&self) -> &'static str {
        if self.with_prediction {
            COLS
        } else {
            COLS_WITHOUT_PREDICTION
        }
    }
}

impl OrderFilter {
    /// A list newest first with creation dates is sorted by creation time
    /// (then id), read backwards from the creation index: ids follow
    /// creation only roughly (imports, the bench seed), so "by id, within
    /// the dates" made SQLite walk the company's orders from the newest down
    /// to the dates (a month half a year back at 1,000,000 orders: 2 s).
    fn by_created_at(&self) -> bool {
        self.created_from.is_some() || self.created_to.is_some()
    }
}

/// The keyset cursor after `row` in a list sorted by `sort` with `filter`:
/// (sort key, id), as `ListQuery::after` takes it back.
pub fn cursor(sort: Sort, filter: &OrderFilter, row: &OrderRow) -> (i64, i64) {
    match sort {
        Sort::Created if filter.by_created_at() => (row.created_at, row.id),
        Sort::Created => (0, row.id),
        Sort::Deadline => (row.next_deadline_at.unwrap_or(NO_DEADLINE), row.id),
    }
}

pub async fn list(c: &mut impl Read, backend: Backend, q: &ListQuery<'_>) -> Result<Vec<OrderRow>> {
    if q.sort == Sort::Deadline {
        return deadline_page(c, backend, q).await;
    }
    let cols = q.cols();
    let f = q.filter;
    let by_created_at = f.by_created_at();
    if backend == Backend::Postgres && f.fts.is_some() && !by_created_at {
        return pg_search_page(c, backend, q).await;
    }
    // Newest matches first on SQLite: driven from the full-text index, read
    // backwards, the query stops after a page. Filtering orders by an
    // `id IN (every match)` list made SQLite collect and probe all matches
    // of a common word (26,000 of 1,000,000 orders for 漏水: 200 ms).
    let fts_first = backend == Backend::Sqlite && f.fts.is_some() && !by_created_at;
    let mut s = if let (true, Some(text)) = (fts_first, &f.fts) {
        let from = FROM.replacen(
            "FROM work_orders o",
            "FROM work_order_fts JOIN work_orders o ON o.id = work_order_fts.rowid",
            1,
        );
        let mut s = Sql::new(&format!("SELECT {cols} {from} WHERE work_order_fts MATCH "));
        s.bind(text.clone())
            .push(" AND o.company_id = ")
            .bind(q.company.0);
        push_filters(&mut s, backend, q, false, Hint::None);
        s
    } else if by_created_at {
        let hint = if backend == Backend::Sqlite && !selective(q) {
            Hint::CreatedOrder
        } else {
            Hint::None
        };
        let head = format!("SELECT {cols} {FROM} WHERE +o.company_id = ");
        filtered(&head, backend, q, hint)
    } else {
        let head = format!("SELECT {cols} {FROM} WHERE o.company_id = ");
        filtered(&head, backend, q, Hint::None)
    };
    match q.after {
        Some((_, id)) if fts_first => {
            s.push(" AND work_order_fts.rowid < ").bind(id);
        }
        Some((k, id)) if by_created_at => {
            s.push(" AND (o.created_at < ")
                .bind(k)
                .push(" OR (o.created_at = ")
                .bind(k)
                .push(" AND o.id < ")
                .bind(id)
                .push("))");
        }
        Some((_, id)) => {
            s.push(" AND o.id < ").bind(id);
        }
        None => {}
    }
    s.push(if fts_first {
        " ORDER BY work_order_fts.rowid DESC"
    } else if by_created_at {
        " ORDER BY o.created_at DESC, o.id DESC"
    } else {
        " ORDER BY o.id DESC"
    });
    s.push(" LIMIT ").bind(q.limit);
    c.all(s).await
}

/// How many of the newest ids a PostgreSQL search reads in id order before it
/// turns to the full-text index (see `pg_search_page`).
const PG_SEARCH_WINDOW: i64 = 20_000;

/// Search newest first on PostgreSQL, in two parts.
///
/// PostgreSQL guesses that a word its statistics do not list is in 0.5% of
/// the orders, so for `search @@ word ORDER BY id DESC LIMIT n` it walks the
/// primary key backwards expecting a page within a few thousand rows. For a
/// rare word or one that is nowhere, that walk reads every order: 15 s at
/// 1,000,000 orders (and the bench's 30 s request timeout). Driving from the
/// GIN index instead costs every match collected and sorted (0.1–0.4 s for a
/// common word). So: first the walk, bounded to the newest
/// `PG_SEARCH_WINDOW` ids below the cursor, which fills the page of a common
/// word as fast as before; then, only if the page is not full, the older
/// matches from the GIN index (`id + 0` so no index gives the order), which
/// are few for exactly the words that did not fill the window.
async fn pg_search_page(
    c: &mut impl Read,
    backend: Backend,
    q: &ListQuery<'_>,
) -> Result<Vec<OrderRow>> {
    let cols = q.cols();
    let top = match q.after {
        Some((_, id)) => id,
        None => {
            let top: Option<(i64,)> = c
                .optional(Sql::new("SELECT COALESCE(MAX(id), 0) + 1 FROM work_orders"))
                .await?;
            top.map_or(1, |(t,)| t)
        }
    };
    let floor = top - PG_SEARCH_WINDOW;
    let head = format!("SELECT {cols} {FROM} WHERE o.company_id = ");
    let mut s = filtered(&head, backend, q, Hint::None);
    s.push(" AND o.id < ")
        .bind(top)
        .push(" AND o.id >= ")
        .bind(floor)
        .push(" ORDER BY o.id DESC LIMIT ")
        .bind(q.limit);
    let mut rows: Vec<OrderRow> = c.all(s).await?;
    let rest = q.limit - rows.len() as i64;
    if rest > 0 && floor > 0 {
        let mut s = filtered(&head, backend, q, Hint::None);
        s.push(" AND o.id < ")
            .bind(floor)
            .push(" ORDER BY o.id + 0 DESC LIMIT ")
            .bind(rest);
        rows.extend(c.all::<OrderRow>(s).await?);
    }
    Ok(rows)
}

/// The cursor key of an order without a running deadline: they sort last.
const NO_DEADLINE: i64 = i64::MAX;

/// A page by deadline, in two parts: the orders with a running deadline in
/// deadline order, then, if the page is not full, those without one by id.
///
/// The first part reads `work_orders_running_idx` (migration 0011: the
/// orders whose clock runs, covering the queue filters) in order and stops
/// after a page, so the first page of an open queue costs a page's worth of
/// index entries however long the queue is. Sorting by `COALESCE(deadline, ∞)` instead
/// made every request sort the whole queue (53,500 orders for an agent of
/// 20 communities at 1,000,000 orders: 69 ms, and 150 requests/s under W2).
async fn deadline_page(
    c: &mut impl Read,
    backend: Backend,
    q: &ListQuery<'_>,
) -> Result<Vec<OrderRow>> {
    let cols = q.cols();
    let mut rows = Vec::new();
    let in_running = q.after.is_none_or(|(k, _)| k != NO_DEADLINE);
    if in_running {
        let hint = if backend != Backend::Sqlite || selective(q) {
            Hint::None
        } else if one_team(q) {
            Hint::TeamDeadlineOrder
        } else {
            Hint::DeadlineOrder
        };
        let head = format!(
            "SELECT {cols} {FROM} WHERE o.id IN (SELECT o.id FROM work_orders o \
             WHERE o.next_deadline_at IS NOT NULL AND +o.company_id = "
        );
        let mut s = filtered(&head, backend, q, hint);
        if let Some((k, id)) = q.after {
            s.push(" AND (o.next_deadline_at > ")
                .bind(k)
                .push(" OR (o.next_deadline_at = ")
                .bind(k)
                .push(" AND o.id > ")
                .bind(id)
                .push("))");
        }
        s.push(" ORDER BY o.next_deadline_at, o.id LIMIT ")
            .bind(q.limit)
            .push(") ORDER BY o.next_deadline_at, o.id");
        rows = c.all(s).await?;
    }
    let rest = q.limit - rows.len() as i64;
    // A page that asks only for due orders has nothing without a deadline.
    if rest <= 0 || q.filter.deadline_before.is_some() {
        return Ok(rows);
    }
    // The rest of the queue, reached only at its end: no index gives "no
    // running deadline, by id" (the company index would walk every order
    // from the oldest), so the filters' own indexes (community, team, state)
    // find them and they are sorted. `+company_id` keeps SQLite, which has no
    // statistics, off the company index.
    let head = format!(
        "SELECT {cols} {FROM} WHERE o.id IN (SELECT o.id FROM work_orders o \
         WHERE +o.next_deadline_at IS NULL AND +o.company_id = "
    );
    let mut s = filtered(&head, backend, q, Hint::None);
    if let Some((NO_DEADLINE, id)) = q.after {
        s.push(" AND o.id > ").bind(id);
    }
    s.push(" ORDER BY o.id LIMIT ")
        .bind(rest)
        .push(") ORDER BY o.id");
    rows.extend(c.all::<OrderRow>(s).await?);
    Ok(rows)
}

/// Whether the filters name something narrow with an index of its own (a
/// home, a building, a number, search words, a resident): then that index
/// beats reading the list's order index and skipping. Filters the running
/// deadline index covers cost at most one walk of it (38,700 entries at
/// 1,000,000 orders: 2 ms).
fn selective(q: &ListQuery<'_>) -> bool {
    let (f, v) = (q.filter, q.visibility);
    f.number.is_some()
        || f.fts.is_some()
        || f.home.is_some()
        || f.building.is_some()
        || v.resident.is_some()
}

/// Whether every order of the page must belong to one team (the team
/// filter, or a team queue of one team): `work_orders_team_running_idx`
/// (migration 0012) then reads that team's running orders in deadline order
/// without stepping over the other teams'.
fn one_team(q: &ListQuery<'_>) -> bool {
    let v = q.visibility;
    let single = v
        .teams
        .as_ref()
        .is_some_and(|ts| ts.len() == 1 && v.or_assignee.is_none());
    q.filter.team.is_some() || single
}

/// How the filter terms are written for the planner.
///
/// SQLite has no statistics to weigh "read an index in the list's order and
/// stop after a page" against "read every open order of the team through
/// the team index, then sort" (it chose the latter: 10 ms for a team's
/// deadline queue, 106 ms for 20 communities, against 0.1 ms): `+x` keeps
/// the filter columns' own indexes out of the choice. PostgreSQL plans from
/// its statistics and gets the plain terms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Hint {
    None,
    /// Read `work_orders_running_idx` in deadline order.
    DeadlineOrder,
    /// Read `work_orders_team_running_idx` in deadline order within the one
    /// team (the team stays an index term).
    TeamDeadlineOrder,
    /// Read `work_orders_created_idx` backwards (the creation dates stay
    /// index terms).
    CreatedOrder,
}

/// `head` (ending in a company comparison) with the company bound and every
/// visibility and filter term, search words included.
fn filtered(head: &str, backend: Backend, q: &ListQuery<'_>, hint: Hint) -> Sql {
    let mut s = Sql::new(head);
    s.bind(q.company.0);
    push_filters(&mut s, backend, q, true, hint);
    s
}

/// Appends the visibility and filter terms (` AND …`) of a list query.
fn push_filters(s: &mut Sql, backend: Backend, q: &ListQuery<'_>, with_fts: bool, hint: Hint) {
    let f = q.filter;
    let col = |name: &str| -> String {
        match hint {
            Hint::CreatedOrder if name == "created_at" => format!("o.{name}"),
            Hint::TeamDeadlineOrder if name == "team_id" => format!("o.{name}"),
            Hint::DeadlineOrder | Hint::CreatedOrder | Hint::TeamDeadlineOrder => {
                format!("+o.{name}")
            }
            Hint::None => format!("o.{name}"),
        }
    };
    let v = q.visibility;
    if let Some(cs) = &v.communities {
        s.push(&format!(" AND {} IN ", col("community_id")))
            .bind_list(cs.iter().map(|c| c.0));
    }
    if let Some(ts) = &v.teams {
        s.push(&format!(" AND ({} IN ", col("team_id")))
            .bind_list(ts.iter().map(|t| t.0));
        if let Some(a) = v.or_assignee {
            s.push(&format!(" OR {} = ", col("assignee_id")))
                .bind(a.0)
                .push(&format!(" OR {} = ", col("owner_id")))
                .bind(a.0);
        }
        s.push(")");
    }
    if let Some(r) = v.resident {
        // An id list from the two indexes rather than `reporter = … OR
        // EXISTS (follower …)`, which no index serves: with 1,000,000 orders
        // the OR form walked the company's orders newest first (300 ms for
        // a resident's home page).
        s.push(" AND o.id IN (SELECT r.id FROM work_orders r WHERE r.reporter_resident_id = ")
            .bind(r.0)
            .push(" UNION SELECT f.order_id FROM work_order_followers f WHERE f.resident_id = ")
            .bind(r.0)
            .push(")");
    }
    if let Some(n) = &f.number {
        s.push(" AND o.number = ").bind(n.clone());
    }
    if let Some(text) = f.fts.as_ref().filter(|_| with_fts) {
        s.push(" AND ")
            .push(&dialect::fts_condition(backend, "o"))
            .bind(text.clone())
            .push(dialect::fts_condition_end(backend));
    }
    if !f.states.is_empty() {
        s.push(&format!(" AND {} IN ", col("state")))
            .bind_list(f.states.clone());
    }
    if let Some(k) = &f.kind {
        s.push(" AND o.kind = ").bind(k.clone());
    }
    if let Some(k) = &f.category {
        s.push(" AND o.category = ").bind(k.clone());
    }
    if let Some(t) = f.team {
        s.push(&format!(" AND {} = ", col("team_id"))).bind(t.0);
    }
    if f.unassigned {
        s.push(&format!(" AND {} IS NULL", col("assignee_id")));
    }
    if let Some(a) = f.assignee {
        s.push(&format!(" AND {} = ", col("assignee_id"))).bind(a.0);
    }
    if let Some(a) = f.owner {
        s.push(&format!(" AND {} = ", col("owner_id"))).bind(a.0);
    }
    if let Some(m) = f.community {
        s.push(&format!(" AND {} = ", col("community_id")))
            .bind(m.0);
    }
    if let Some(b) = f.building {
        s.push(" AND o.building_id = ").bind(b.0);
    }
    if let Some(h) = f.home {
        s.push(" AND o.home_id = ").bind(h.0);
    }
    if let Some(t) = f.created_from {
        s.push(&format!(" AND {} >= ", col("created_at"))).bind(t);
    }
    if let Some(t) = f.created_to {
        s.push(&format!(" AND {} < ", col("created_at"))).bind(t);
    }
    if let Some(due) = f.return_visit_due {
        s.push(" AND o.return_visit_due = ").bind(due as i64);
    }
    if let Some(d) = &f.dispatch_status {
        s.push(" AND o.dispatch_status = ").bind(d.clone());
    }
    if let Some(t) = f.deadline_before {
        s.push(" AND o.next_deadline_at IS NOT NULL AND o.next_deadline_at < ")
            .bind(t);
    }
}
