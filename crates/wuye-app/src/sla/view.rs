//! What the API shows of clocks and alerts.

use serde::Serialize;
use wuye_domain::time::from_millis;
use wuye_store::sla::{AlertRow, ClockRow};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    /// response | resolution
    pub metric: String,
    pub policy_id: Option<i64>,
    pub target_minutes: i64,
    /// Working time counted (as of the last change, or `now` for running clocks).
    pub elapsed_minutes: i64,
    pub paused_minutes: i64,
    /// running | paused | met | breached | cancelled
    pub stage: String,
    #[schema(value_type = Option<String>)]
    pub deadline_at: Option<jiff::Timestamp>,
    /// When the warning share of the target is reached.
    #[schema(value_type = Option<String>)]
    pub warn_at: Option<jiff::Timestamp>,
    /// Milliseconds until the deadline (negative: overdue), for countdowns.
    pub remaining_ms: Option<i64>,
    #[schema(value_type = Option<String>)]
    pub breached_at: Option<jiff::Timestamp>,
    pub breach_minutes: i64,
    #[schema(value_type = Option<String>)]
    pub stopped_at: Option<jiff::Timestamp>,
}

impl ClockView {
    pub fn from_row(r: ClockRow, now_ms: i64) -> Self {
        let running = r.stopped_at.is_none() && matches!(r.stage.as_str(), "running" | "breached");
        ClockView {
            metric: r.metric,
            policy_id: r.policy_id,
            target_minutes: r.target_ms / 60_000,
            elapsed_minutes: r.elapsed_ms / 60_000,
            paused_minutes: r.paused_ms / 60_000,
            remaining_ms: r.deadline_at.filter(|_| running).map(|d| d - now_ms),
            stage: if r.stage == "running" && r.deadline_at.is_some_and(|d| d <= now_ms) {
                "breached".into()
            } else {
                r.stage
            },
            deadline_at: r.deadline_at.map(from_millis),
            warn_at: r.warn_at.map(from_millis),
            breached_at: r.breached_at.map(from_millis),
            breach_minutes: r.breach_minutes,
            stopped_at: r.stopped_at.map(from_millis),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertView {
    pub id: i64,
    pub order_id: i64,
    pub order_number: String,
    pub metric: String,
    /// -1 warning, -2 breach, 0.. escalation levels
    pub level: i64,
    /// warning | breach | escalation
    pub kind: String,
    pub target_role: String,
    pub staff_id: Option<i64>,
    pub message: String,
    #[schema(value_type = String)]
    pub created_at: jiff::Timestamp,
    pub read: bool,
}

impl From<AlertRow> for AlertView {
    fn from(a: AlertRow) -> Self {
        AlertView {
            id: a.id,
            order_id: a.order_id,
            order_number: a.number,
            metric: a.metric,
            level: a.level,
            kind: a.kind,
            target_role: a.target_role,
            staff_id: a.staff_id,
            message: a.message,
            created_at: from_millis(a.created_at),
            read: a.read_at.is_some(),
        }
    }
}
