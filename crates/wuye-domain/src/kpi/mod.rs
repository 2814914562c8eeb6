//! KPIs of the report, each defined once, here.
//!
//! Every order contributes to KPIs through one pure function,
//! [`contributions`]: a list of (metric, day, numerator, denominator) derived
//! from the order's facts. The app keeps a rollup table up to date by
//! applying the difference between an order's old and new contributions in
//! the transaction of each change, so a dashboard sums a few rows instead of
//! scanning orders — and a recomputation from scratch (summing the
//! contributions of all orders) must give the same numbers (a property test
//! holds them equal). `docs/KPIS.md` describes each definition.

pub mod defs;

#[cfg(test)]
mod tests;

pub use defs::{KPIS, Kpi, Unit};

use crate::work_order::{Channel, Grade, Kind, Priority, State};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// When an order was first responded to and first finished, from its state
/// history ((at in ms, state entered), oldest first): responding is
/// accepting, starting or finishing work (or answering, which resolves).
pub fn responded_and_finished(history: &[(i64, State)]) -> (Option<i64>, Option<i64>) {
    let first =
        |pred: &dyn Fn(State) -> bool| history.iter().find(|(_, s)| pred(*s)).map(|(at, _)| *at);
    let responded = first(&|s| {
        matches!(
            s,
            State::Accepted
                | State::InProgress
                | State::AwaitingAcceptance
                | State::Resolved
                | State::Closed
        )
    });
    (responded, first(&|s| s == State::AwaitingAcceptance))
}

/// Time spent on hold (挂起) before an instant, from the state history;
/// 0 when there is no instant. Paused time is not counted in durations.
pub fn held_before(history: &[(i64, State)], until: Option<i64>) -> i64 {
    let Some(until) = until else { return 0 };
    let mut total = 0;
    for (i, (at, s)) in history.iter().enumerate() {
        if *s == State::OnHold {
            let end = history
                .get(i + 1)
                .map(|(t, _)| *t)
                .unwrap_or(until)
                .min(until);
            total += (end - at).max(0);
        }
    }
    total
}

/// What the KPIs need to know of one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderKpiFacts {
    pub kind: Kind,
    pub channel: Channel,
    pub priority: Priority,
    pub emergency: bool,
    pub grade: Option<Grade>,
    pub category: Option<String>,
    pub state: State,
    pub created_at: Timestamp,
    /// First response (accepted, started or answered).
    pub responded_at: Option<Timestamp>,
    /// First time the work was finished (awaiting acceptance), and the time
    /// on hold before it.
    pub first_finished_at: Option<Timestamp>,
    pub held_before_finish_ms: i64,
    pub resolved_at: Option<Timestamp>,
    /// Time on hold before resolution (excluded from cycle time).
    pub held_before_resolution_ms: i64,
    pub rating: Option<i64>,
    pub rated_at: Option<Timestamp>,
    pub reopen_count: i64,
    pub repeat_of: bool,
    /// An SLA escalation level fired for it.
    pub escalated: bool,
    /// Stopped SLA clocks: (metric code, met?, stopped at).
    pub clocks: Vec<(String, bool, Timestamp)>,
    /// Dispatched automatically by the classifier, and corrected later.
    pub auto_dispatched: bool,
    pub dispatch_corrected: bool,
    /// Needed a human dispatcher (low confidence or manual).
    pub needed_human: bool,
}

/// One order's share in one metric on one day.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Contribution {
    pub metric: String,
    /// yyyymmdd in the company's zone.
    pub day: i64,
    pub num: i64,
    pub den: i64,
}

pub fn day_of(t: Timestamp, tz: &TimeZone) -> i64 {
    let d = t.to_zoned(tz.clone()).date();
    d.year() as i64 * 10_000 + d.month() as i64 * 100 + d.day() as i64
}

fn minutes(a: Timestamp, b: Timestamp, minus_ms: i64) -> i64 {
    ((b.as_millisecond() - a.as_millisecond() - minus_ms).max(0)) / 60_000
}

/// The contributions of one order. Cancelled and merged orders contribute
/// nothing (they are excluded from every KPI).
pub fn contributions(f: &OrderKpiFacts, tz: &TimeZone) -> Vec<Contribution> {
    let mut out = Vec::new();
    if matches!(f.state, State::Cancelled | State::Merged) {
        return out;
    }
    let created = day_of(f.created_at, tz);
    let mut add = |metric: &str, day: i64, num: i64, den: i64| {
        out.push(Contribution {
            metric: metric.to_string(),
            day,
            num,
            den,
        });
    };
    // Volume and when it arrives.
    add(&format!("created:{}", f.kind.code()), created, 1, 1);
    let z = f.created_at.to_zoned(tz.clone());
    add(
        &format!(
            "busy:{}:{:02}",
            z.weekday().to_monday_one_offset(),
            z.hour()
        ),
        created,
        1,
        1,
    );

    match f.kind {
        Kind::Complaint => {
            if let Some(r) = f.responded_at {
                add(
                    "complaint_response_minutes",
                    created,
                    minutes(f.created_at, r, 0),
                    1,
                );
            }
            add("repeat_complaint", created, f.repeat_of as i64, 1);
            add("complaint_escalation", created, f.escalated as i64, 1);
            if f.grade == Some(Grade::A) {
                add(
                    "major_complaint_resolved",
                    created,
                    matches!(f.state, State::Resolved | State::Closed) as i64,
                    1,
                );
            }
            add(
                &format!(
                    "complaint_category:{}",
                    f.category.as_deref().unwrap_or("other")
                ),
                created,
                1,
                1,
            );
        }
        Kind::Repair => {
            let within = f
                .first_finished_at
                .is_some_and(|d| minutes(f.created_at, d, f.held_before_finish_ms) <= 24 * 60);
            add("repair_24h", created, within as i64, 1);
            add("repeat_repair", created, f.repeat_of as i64, 1);
            if f.priority != Priority::Urgent && !f.emergency {
                add(
                    "self_service",
                    created,
                    matches!(f.channel, Channel::App | Channel::Assistant) as i64,
                    1,
                );
            }
        }
        _ => {}
    }
    if let Some(r) = f.resolved_at {
        let day = day_of(r, tz);
        add(
            "cycle_minutes",
            day,
            minutes(f.created_at, r, f.held_before_resolution_ms),
            1,
        );
        add("resolved", day, 1, 1);
        if f.kind == Kind::Repair {
            add("one_time_fix", day, (f.reopen_count == 0) as i64, 1);
        }
    }
    if let (Some(stars), Some(at)) = (f.rating, f.rated_at) {
        add("satisfaction", day_of(at, tz), stars, 1);
    }
    for (metric, met, at) in &f.clocks {
        let class = match (f.kind, f.grade) {
            (Kind::Complaint, Some(g)) => format!("complaint_{}", g.code()),
            (kind, _) if f.emergency => format!("{}_emergency", kind.code()),
            (kind, _) => format!("{}_{}", kind.code(), f.priority.code()),
        };
        add(
            &format!("sla:{metric}:{class}"),
            day_of(*at, tz),
            *met as i64,
            1,
        );
    }
    if f.auto_dispatched {
        add(
            "auto_dispatch_accuracy",
            created,
            (!f.dispatch_corrected) as i64,
            1,
        );
    }
    if matches!(f.kind, Kind::Repair | Kind::Complaint) {
        add("manual_intervention", created, f.needed_human as i64, 1);
    }
    out.sort();
    out
}

/// What to add to the rollups when an order's contributions change from
/// `old` to `new` (entries with a zero change are left out).
pub fn delta(old: &[Contribution], new: &[Contribution]) -> Vec<Contribution> {
    use std::collections::BTreeMap;
    let mut m: BTreeMap<(String, i64), (i64, i64)> = BTreeMap::new();
    for c in old {
        let e = m.entry((c.metric.clone(), c.day)).or_default();
        e.0 -= c.num;
        e.1 -= c.den;
    }
    for c in new {
        let e = m.entry((c.metric.clone(), c.day)).or_default();
        e.0 += c.num;
        e.1 += c.den;
    }
    m.into_iter()
        .filter(|(_, (n, d))| *n != 0 || *d != 0)
        .map(|((metric, day), (num, den))| Contribution {
            metric,
            day,
            num,
            den,
        })
        .collect()
}
