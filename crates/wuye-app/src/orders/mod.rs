//! Work-order use cases: create, step through the life cycle, comment, rate,
//! merge, list and search. Rules come from `wuye_domain::work_order`; this
//! module checks who may act on which order, loads and stores, and writes
//! each change with its timeline event in one transaction.

pub mod access;
pub mod attachments;
pub mod auto_accept;
pub mod create;
pub mod derived;
pub mod feedback;
pub mod place;
pub mod query;
pub mod steps;
pub mod view;

pub use view::{EventView, HandlerView, OrderDetail, OrderView};

use serde::Serialize;
use wuye_domain::work_order::{Action, State};

/// A committed change to an order, announced inside the process after the
/// transaction commits (live updates; the timeline table is the durable
/// record every consumer can replay).
#[derive(Debug, Clone, Serialize)]
pub struct OrderNotice {
    pub company_id: i64,
    pub order_id: i64,
    pub event_id: i64,
    pub action: String,
    pub from: Option<State>,
    pub to: Option<State>,
    pub at_ms: i64,
}

impl OrderNotice {
    pub fn step(
        company_id: i64,
        order_id: i64,
        event_id: i64,
        action: Action,
        from: State,
        to: State,
        at_ms: i64,
    ) -> Self {
        Self {
            company_id,
            order_id,
            event_id,
            action: action.code().to_string(),
            from: Some(from),
            to: Some(to),
            at_ms,
        }
    }
}

impl crate::App {
    /// Writes a timeline event and, in the same transaction, the
    /// notifications it causes (the outbox rows); returns the event's id.
    pub(crate) async fn record_event(
        &self,
        c: &mut impl wuye_store::Exec,
        company: wuye_domain::ids::CompanyId,
        ev: &wuye_store::order_log::NewEvent<'_>,
    ) -> crate::error::Result<i64> {
        let id = wuye_store::order_log::insert_event(&mut *c, ev).await?;
        crate::notify::enqueue_for_event(self, c, company, id, ev).await?;
        Ok(id)
    }
}
