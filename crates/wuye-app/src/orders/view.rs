//! What the API shows of an order.

use serde::Serialize;
use wuye_domain::time::from_millis;
use wuye_domain::values::mask_phone;
use wuye_store::order_log::{EventRow, FollowerRow, HandlerRow};
use wuye_store::orders::OrderRow;

fn ts(ms: Option<i64>) -> Option<jiff::Timestamp> {
    ms.map(from_millis)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Place {
    /// home | building | entrance | garage | grounds
    pub kind: String,
    pub home_id: Option<i64>,
    pub building_id: Option<i64>,
    pub entrance_id: Option<i64>,
    /// Free text: 电梯间, 地库B2-018 …
    pub text: String,
    /// How people say it: 翠湖花园 3栋2单元1202
    pub label: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: i64,
    /// Read out on the phone: BX2026112700007
    pub number: String,
    pub kind: String,
    pub channel: String,
    pub state: String,
    pub priority: String,
    pub grade: Option<String>,
    pub category: Option<String>,
    pub community_id: i64,
    pub community_name: String,
    pub place: Place,
    pub reporter_resident_id: Option<i64>,
    pub reporter_staff_id: Option<i64>,
    pub contact_name: String,
    /// Masked in lists (138****1234); in full on the order's own page.
    pub contact_phone: String,
    pub text: String,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    /// 首问责任人
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
    pub transfer_count: i64,
    /// Times the resident rejected the work (返工).
    pub reopen_count: i64,
    pub dispute_count: i64,
    /// The earlier order this one repeats (same home and category within 30 days).
    pub repeat_of: Option<i64>,
    pub merged_into: Option<i64>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    pub return_visit_due: bool,
    pub return_visit_reason: Option<String>,
    #[schema(value_type = String)]
    pub created_at: jiff::Timestamp,
    #[schema(value_type = String)]
    pub updated_at: jiff::Timestamp,
    #[schema(value_type = Option<String>)]
    pub dispatched_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>)]
    pub accepted_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>)]
    pub finished_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>)]
    pub resolved_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>)]
    pub closed_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>)]
    pub cancelled_at: Option<jiff::Timestamp>,
    /// When an order awaiting acceptance is accepted automatically.
    #[schema(value_type = Option<String>)]
    pub auto_accept_at: Option<jiff::Timestamp>,
    /// The earliest running deadline (SLA), for sorting queues.
    #[schema(value_type = Option<String>)]
    pub next_deadline_at: Option<jiff::Timestamp>,
    /// When the earliest running clock reaches its warning share (amber).
    #[schema(value_type = Option<String>)]
    pub sla_warn_at: Option<jiff::Timestamp>,
    /// The worst stage of the order's clocks: running | paused | met | breached | none.
    pub sla_stage: String,
    /// 应急: danger now (停水停电、电梯困人、燃气泄漏…); its own faster clocks.
    pub emergency: bool,
    /// What dispatch did: none | auto | team | pool | queue | staff.
    pub dispatch_status: String,
    /// A dispatcher corrected the classifier's category after automatic dispatch.
    pub dispatch_corrected: bool,
    /// The classifier's prediction at creation (category, urgency, kind with
    /// top-3 and confidences, the deciding words, the model version). On the
    /// order's own page always; in lists only in the dispatcher queue or
    /// with `prediction=true`.
    /// Passed through as stored: a list of 50 orders spent a tenth of its
    /// time building and writing back these trees.
    #[schema(value_type = Option<Object>)]
    pub prediction: Option<Box<serde_json::value::RawValue>>,
    pub version: i64,
}

impl OrderView {
    pub fn from_row(r: OrderRow, mask: bool) -> Self {
        OrderView {
            id: r.id,
            number: r.number,
            kind: r.kind,
            channel: r.channel,
            state: r.state,
            priority: r.priority,
            grade: r.grade,
            category: r.category,
            community_id: r.community_id,
            community_name: r.community_name,
            place: Place {
                kind: r.place_kind,
                home_id: r.home_id,
                building_id: r.building_id,
                entrance_id: r.entrance_id,
                text: r.place_text,
                label: r.place_label,
            },
            reporter_resident_id: r.reporter_resident_id,
            reporter_staff_id: r.reporter_staff_id,
            contact_name: r.contact_name,
            contact_phone: if mask {
                mask_phone(&r.contact_phone)
            } else {
                r.contact_phone
            },
            text: r.text,
            team_id: r.team_id,
            team_name: r.team_name,
            assignee_id: r.assignee_id,
            assignee_name: r.assignee_name,
            owner_id: r.owner_id,
            owner_name: r.owner_name,
            transfer_count: r.transfer_count,
            reopen_count: r.reopen_count,
            dispute_count: r.dispute_count,
            repeat_of: r.repeat_of,
            merged_into: r.merged_into,
            rating: r.rating,
            rating_comment: r.rating_comment,
            return_visit_due: r.return_visit_due != 0,
            return_visit_reason: r.return_visit_reason,
            created_at: from_millis(r.created_at),
            updated_at: from_millis(r.updated_at),
            dispatched_at: ts(r.dispatched_at),
            accepted_at: ts(r.accepted_at),
            finished_at: ts(r.finished_at),
            resolved_at: ts(r.resolved_at),
            closed_at: ts(r.closed_at),
            cancelled_at: ts(r.cancelled_at),
            auto_accept_at: ts(r.auto_accept_at),
            next_deadline_at: ts(r.next_deadline_at),
            sla_warn_at: ts(r.sla_warn_at),
            sla_stage: r.sla_stage,
            emergency: r.emergency != 0,
            dispatch_status: r.dispatch_status,
            dispatch_corrected: r.dispatch_corrected != 0,
            prediction: r
                .prediction
                .and_then(|p| serde_json::value::RawValue::from_string(p).ok()),
            version: r.version,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: i64,
    #[schema(value_type = String)]
    pub at: jiff::Timestamp,
    /// staff | resident | system
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// A life-cycle action (dispatch, accept, …), or comment, note, rate.
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub note: Option<String>,
    /// Staff-only notes; never shown to residents.
    pub internal: bool,
    pub data: serde_json::Value,
    /// Photo ids (fetch at /api/v1/photos/{id}).
    pub photos: Vec<String>,
}

impl From<EventRow> for EventView {
    fn from(e: EventRow) -> Self {
        EventView {
            id: e.id,
            at: from_millis(e.at),
            actor_kind: e.actor_kind,
            actor_id: e.actor_id,
            actor_name: e.actor_name,
            action: e.action,
            from_state: e.from_state,
            to_state: e.to_state,
            note: e.note,
            internal: e.internal != 0,
            data: serde_json::from_str(&e.data).unwrap_or_default(),
            photos: serde_json::from_str(&e.photos).unwrap_or_default(),
        }
    }
}

/// Who held the order, and for how long.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HandlerView {
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    pub staff_id: Option<i64>,
    pub staff_name: Option<String>,
    #[schema(value_type = String)]
    pub started_at: jiff::Timestamp,
    #[schema(value_type = Option<String>)]
    pub ended_at: Option<jiff::Timestamp>,
    /// Minutes held (up to now while still held).
    pub minutes: i64,
    pub end_action: Option<String>,
}

impl HandlerView {
    pub fn from_row(h: HandlerRow, now_ms: i64) -> Self {
        HandlerView {
            minutes: (h.ended_at.unwrap_or(now_ms) - h.started_at).max(0) / 60_000,
            team_id: h.team_id,
            team_name: h.team_name,
            staff_id: h.staff_id,
            staff_name: h.staff_name,
            started_at: from_millis(h.started_at),
            ended_at: ts(h.ended_at),
            end_action: h.end_action,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowerView {
    pub resident_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub name: Option<String>,
    /// reporter_of_merged | cc | …
    pub reason: String,
}

impl From<FollowerRow> for FollowerView {
    fn from(f: FollowerRow) -> Self {
        FollowerView {
            resident_id: f.resident_id,
            staff_id: f.staff_id,
            name: f.name,
            reason: f.reason,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderRef {
    pub id: i64,
    pub number: String,
}

/// An order's page: the order, its timeline, handlers, followers, repeats,
/// and the steps the caller may take now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderDetail {
    pub order: OrderView,
    pub timeline: Vec<EventView>,
    pub handlers: Vec<HandlerView>,
    pub followers: Vec<FollowerView>,
    /// Later orders that repeat this one.
    pub repeated_by: Vec<OrderRef>,
    /// Actions the caller may take in the current state.
    pub allowed_actions: Vec<String>,
    /// SLA clocks: target, elapsed, stage, deadline.
    pub sla: Vec<crate::sla::ClockView>,
}
