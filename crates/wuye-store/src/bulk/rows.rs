//! The rows the bulk path writes: one type per table, fields = columns.

use super::{Fields, Row, Str, Value, bulk_row};

/// Text that is static, shared or owned (no copy for the first two).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Text {
    Static(&'static str),
    Shared(Str),
    Owned(String),
}

impl Text {
    pub fn as_str(&self) -> &str {
        match self {
            Text::Static(s) => s,
            Text::Shared(s) => s,
            Text::Owned(s) => s,
        }
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&'static str> for Text {
    fn from(s: &'static str) -> Self {
        Text::Static(s)
    }
}

impl From<Str> for Text {
    fn from(s: Str) -> Self {
        Text::Shared(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::Owned(s)
    }
}

impl Value for Text {
    fn put<F: Fields>(&self, f: &mut F) {
        f.text(self.as_str())
    }
}

bulk_row!(HomeRow => "homes" {
    id: i64,
    community_id: i64,
    building_id: i64,
    entrance_id: Option<i64>,
    number: Text,
    floor: Option<i64>,
    area: Option<Text>,
    label: Text,
    created_at: i64,
    updated_at: i64,
});

bulk_row!(ResidentRow => "residents" {
    id: i64,
    company_id: i64,
    name: Text,
    phone: Text,
    user_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
});

bulk_row!(ResidentHomeRow => "resident_homes" {
    resident_id: i64,
    home_id: i64,
    relation: &'static str,
});

bulk_row!(
    /// A work order with every column (the search terms travel apart).
    OrderRow => "work_orders" {
    id: i64,
    company_id: i64,
    number: Text,
    kind: &'static str,
    channel: &'static str,
    state: &'static str,
    priority: &'static str,
    grade: Option<&'static str>,
    category: Option<&'static str>,
    community_id: i64,
    place_kind: &'static str,
    home_id: Option<i64>,
    building_id: Option<i64>,
    entrance_id: Option<i64>,
    place_text: Text,
    place_label: Text,
    reporter_resident_id: Option<i64>,
    reporter_staff_id: Option<i64>,
    contact_name: Text,
    contact_phone: Text,
    text: Text,
    team_id: Option<i64>,
    assignee_id: Option<i64>,
    owner_id: Option<i64>,
    transfer_count: i64,
    reopen_count: i64,
    dispute_count: i64,
    repeat_of: Option<i64>,
    merged_into: Option<i64>,
    rating: Option<i64>,
    rating_comment: Option<Text>,
    rated_at: Option<i64>,
    return_visit_due: i64,
    return_visit_reason: Option<&'static str>,
    created_at: i64,
    updated_at: i64,
    dispatched_at: Option<i64>,
    accepted_at: Option<i64>,
    finished_at: Option<i64>,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    cancelled_at: Option<i64>,
    auto_accept_at: Option<i64>,
    next_deadline_at: Option<i64>,
    version: i64,
    emergency: i64,
    sla_warn_at: Option<i64>,
    sla_stage: &'static str,
    prediction: Option<Text>,
    dispatch_status: &'static str,
    dispatch_corrected: i64,
});

bulk_row!(EventRow => "work_order_events" {
    id: i64,
    order_id: i64,
    at: i64,
    actor_kind: &'static str,
    actor_id: Option<i64>,
    actor_name: Text,
    action: &'static str,
    from_state: Option<&'static str>,
    to_state: Option<&'static str>,
    note: Option<Text>,
    internal: i64,
    data: Text,
    photos: &'static str,
});

bulk_row!(HandlerRow => "work_order_handlers" {
    id: i64,
    order_id: i64,
    team_id: Option<i64>,
    staff_id: Option<i64>,
    started_at: i64,
    ended_at: Option<i64>,
    end_action: Option<&'static str>,
});

bulk_row!(FollowerRow => "work_order_followers" {
    id: i64,
    order_id: i64,
    resident_id: Option<i64>,
    staff_id: Option<i64>,
    reason: &'static str,
    added_at: i64,
});

bulk_row!(ClockRow => "sla_clocks" {
    order_id: i64,
    metric: &'static str,
    policy_id: Option<i64>,
    target_ms: i64,
    elapsed_ms: i64,
    paused_ms: i64,
    stage: &'static str,
    deadline_at: Option<i64>,
    warn_at: Option<i64>,
    breached_at: Option<i64>,
    breach_minutes: i64,
    stopped_at: Option<i64>,
    updated_at: i64,
});

bulk_row!(TriggerRow => "sla_triggers" {
    id: i64,
    order_id: i64,
    company_id: i64,
    metric: &'static str,
    level: i64,
    fire_at: Option<i64>,
    fired_at: Option<i64>,
});

bulk_row!(AlertRow => "sla_alerts" {
    id: i64,
    company_id: i64,
    order_id: i64,
    metric: &'static str,
    level: i64,
    kind: &'static str,
    target_role: &'static str,
    staff_id: Option<i64>,
    message: Text,
    created_at: i64,
    read_at: Option<i64>,
});

bulk_row!(ContribRow => "kpi_order_contrib" {
    order_id: i64,
    metric: Text,
    day: i64,
    community_id: i64,
    team_id: i64,
    assignee_id: i64,
    num: i64,
    den: i64,
});

bulk_row!(RollupRow => "kpi_rollups" {
    company_id: i64,
    community_id: i64,
    team_id: i64,
    assignee_id: i64,
    metric: Text,
    day: i64,
    num: i64,
    den: i64,
});

bulk_row!(WideRollupRow => "kpi_rollups_wide" {
    company_id: i64,
    community_id: i64,
    team_id: i64,
    assignee_id: i64,
    day: i64,
    metric: Text,
    num: i64,
    den: i64,
});

bulk_row!(CounterRow => "order_counters" {
    company_id: i64,
    prefix: &'static str,
    day: i64,
    value: i64,
});

/// An order's search terms (space-separated, from `wuye_domain::search`):
/// SQLite keeps them in the FTS5 table under the order's rowid, PostgreSQL
/// in the order's `search` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRow {
    pub order_id: i64,
    pub terms: String,
}

impl Row for SearchRow {
    const TABLE: &'static str = "work_order_fts";
    const COLUMNS: &'static [&'static str] = &["rowid", "terms"];
    fn write<F: Fields>(&self, f: &mut F) {
        f.int(self.order_id);
        f.text(&self.terms);
    }
}
