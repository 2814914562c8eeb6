//! Order lists: who may see which orders (`Visibility`), the filters of the
//! queues and searches, and keyset pages sorted by creation or deadline.

use super::{COLS, FROM, OrderRow};
use crate::dialect;
use crate::sql::Sql;
use crate::{Backend, Conn, Result};
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
}

pub async fn list(c: &mut Conn, backend: Backend, q: &ListQuery<'_>) -> Result<Vec<OrderRow>> {
    let f = q.filter;
    // Newest matches first on SQLite: driven from the full-text index, read
    // backwards, the query stops after a page. Filtering orders by an
    // `id IN (every match)` list made SQLite collect and probe all matches
    // of a common word (26,000 of 1,000,000 orders for 漏水: 200 ms).
    let fts_first = backend == Backend::Sqlite && f.fts.is_some() && q.sort == Sort::Created;
    let mut s = if let (true, Some(text)) = (fts_first, &f.fts) {
        let from = FROM.replacen(
            "FROM work_orders o",
            "FROM work_order_fts JOIN work_orders o ON o.id = work_order_fts.rowid",
            1,
        );
        let mut s = Sql::new(&format!("SELECT {COLS} {from} WHERE work_order_fts MATCH "));
        s.bind(text.clone()).push(" AND o.company_id = ");
        s
    } else if q.sort == Sort::Deadline {
        // A deadline page sorts every order that passes the filters (an
        // agent's open queue is tens of thousands at 1,000,000 orders):
        // sort ids and keys only, then join and read the page's rows.
        // `+company_id` is not an index term: without statistics SQLite
        // otherwise walks the whole company's index (1,000,000 orders,
        // 460 ms) rather than the community, team or assignee index
        // (70 ms for all 20 communities' open orders). PostgreSQL reads
        // `+x` as x.
        Sql::new(&format!(
            "SELECT {COLS} {FROM} WHERE o.id IN (SELECT o.id FROM work_orders o WHERE +o.company_id = "
        ))
    } else {
        Sql::new(&format!("SELECT {COLS} {FROM} WHERE o.company_id = "))
    };
    s.bind(q.company.0);
    let v = q.visibility;
    if let Some(cs) = &v.communities {
        s.push(" AND o.community_id IN ")
            .bind_list(cs.iter().map(|c| c.0));
    }
    if let Some(ts) = &v.teams {
        s.push(" AND (o.team_id IN ")
            .bind_list(ts.iter().map(|t| t.0));
        if let Some(a) = v.or_assignee {
            s.push(" OR o.assignee_id = ")
                .bind(a.0)
                .push(" OR o.owner_id = ")
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
    if let Some(text) = f.fts.as_ref().filter(|_| !fts_first) {
        s.push(" AND ")
            .push(&dialect::fts_condition(backend, "o"))
            .bind(text.clone())
            .push(dialect::fts_condition_end(backend));
    }
    if !f.states.is_empty() {
        s.push(" AND o.state IN ").bind_list(f.states.clone());
    }
    if let Some(k) = &f.kind {
        s.push(" AND o.kind = ").bind(k.clone());
    }
    if let Some(k) = &f.category {
        s.push(" AND o.category = ").bind(k.clone());
    }
    if let Some(t) = f.team {
        s.push(" AND o.team_id = ").bind(t.0);
    }
    if f.unassigned {
        s.push(" AND o.assignee_id IS NULL");
    }
    if let Some(a) = f.assignee {
        s.push(" AND o.assignee_id = ").bind(a.0);
    }
    if let Some(a) = f.owner {
        s.push(" AND o.owner_id = ").bind(a.0);
    }
    if let Some(m) = f.community {
        s.push(" AND o.community_id = ").bind(m.0);
    }
    if let Some(b) = f.building {
        s.push(" AND o.building_id = ").bind(b.0);
    }
    if let Some(h) = f.home {
        s.push(" AND o.home_id = ").bind(h.0);
    }
    if let Some(t) = f.created_from {
        s.push(" AND o.created_at >= ").bind(t);
    }
    if let Some(t) = f.created_to {
        s.push(" AND o.created_at < ").bind(t);
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
    match q.sort {
        Sort::Created if fts_first => {
            if let Some((_, id)) = q.after {
                s.push(" AND work_order_fts.rowid < ").bind(id);
            }
            s.push(" ORDER BY work_order_fts.rowid DESC");
        }
        Sort::Created => {
            if let Some((_, id)) = q.after {
                s.push(" AND o.id < ").bind(id);
            }
            s.push(" ORDER BY o.id DESC");
        }
        Sort::Deadline => {
            // Orders without a deadline sort last: treat NULL as +infinity.
            let key = "COALESCE(o.next_deadline_at, 9223372036854775807)";
            if let Some((k, id)) = q.after {
                s.push(&format!(" AND ({key} > "))
                    .bind(k)
                    .push(&format!(" OR ({key} = "))
                    .bind(k)
                    .push(" AND o.id > ")
                    .bind(id)
                    .push("))");
            }
            s.push(&format!(" ORDER BY {key}, o.id LIMIT "))
                .bind(q.limit)
                .push(&format!(") ORDER BY {key}, o.id"));
        }
    }
    if q.sort != Sort::Deadline {
        s.push(" LIMIT ").bind(q.limit);
    }
    Ok(s.fetch_all(c).await?)
}
