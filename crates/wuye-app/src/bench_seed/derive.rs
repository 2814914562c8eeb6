//! What the application derives from an order's history, computed as its
//! SLA refresh, SLA timer and KPI refresh would have: the clocks as of the
//! last refresh, the levels that fired (and when) or are scheduled, the
//! deadline summary; the order's KPI contributions; its search terms.

use crate::sla::refresh::Setup;
use jiff::Timestamp;
use std::sync::Arc;
use wuye_domain::sla::{
    BREACH_LEVEL, ClockState, Metric, OrderFacts, Stage, WARNING_LEVEL, level_threshold_ms, policy,
};
use wuye_domain::time::from_millis;
use wuye_domain::work_order::State;
use wuye_store::bulk::{ClockRow, Str};

/// The timer fires a due level this long after it falls due.
pub const TIMER_LATENCY_MS: i64 = 1_000;

/// A level of a clock: when it falls due, and when the timer fired it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub metric: Metric,
    pub level: i64,
    pub fire_at: Option<i64>,
    pub fired_at: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Sla {
    pub clocks: Vec<ClockRow>,
    pub levels: Vec<Level>,
    pub next_deadline: Option<i64>,
    pub warn_at: Option<i64>,
    pub stage: &'static str,
    /// For KPIs: stopped clocks (metric, met?, stopped at).
    pub stopped: Vec<(String, bool, Timestamp)>,
    /// An escalation level fired.
    pub escalated: bool,
}

fn stage_rank(s: Stage) -> u8 {
    match s {
        Stage::Breached => 5,
        Stage::Running => 4,
        Stage::Paused => 3,
        Stage::Met => 2,
        Stage::Cancelled => 1,
    }
}

/// The clocks of an order with `history` (state entered at each instant,
/// oldest first) whose last change was at `last_change`, as they are at `now`.
pub fn sla(
    setup: &Setup,
    order: i64,
    facts: &OrderFacts,
    history: &[(i64, State)],
    last_change: i64,
    now: i64,
) -> Sla {
    let mut out = Sla {
        stage: "none",
        ..Default::default()
    };
    let Some((policy_id, policy)) = policy::select(&setup.policies, facts) else {
        return out;
    };
    let cal = setup.calendar(policy.calendar_id);
    let hist: Vec<(Timestamp, State)> =
        history.iter().map(|(t, s)| (from_millis(*t), *s)).collect();
    let now_ts = from_millis(now);
    let levels_of = |metric: Metric, target: i64| {
        let full = ClockState::evaluate(metric, target, &cal, &hist, now_ts);
        let mut levels = vec![WARNING_LEVEL, BREACH_LEVEL];
        levels.extend(0..policy.escalations.len() as i64);
        levels
            .into_iter()
            .filter_map(|level| {
                let th =
                    level_threshold_ms(target, policy.warn_percent, level, &policy.escalations)?;
                (full.elapsed_ms >= th).then(|| {
                    let at = full.threshold_at(&cal, th).map(|t| t.as_millisecond());
                    (level, th, at)
                })
            })
            .collect::<Vec<_>>()
    };
    // The levels crossed by now, and the last refresh: the last change, or
    // a later breach (the timer refreshes the clocks when one fires).
    let mut crossed = Vec::new();
    let mut refreshed = last_change;
    for metric in Metric::ALL {
        let Some(target) = policy.target_ms(metric) else {
            continue;
        };
        for (level, th, at) in levels_of(metric, target) {
            let fired_at = at.map(|a| a + TIMER_LATENCY_MS).filter(|f| *f <= now);
            if level == BREACH_LEVEL
                && let Some(f) = fired_at
            {
                refreshed = refreshed.max(f);
            }
            crossed.push((metric, level, th, at, fired_at));
        }
    }
    let at_refresh = from_millis(refreshed);
    let mut worst: Option<Stage> = None;
    for metric in Metric::ALL {
        let Some(target) = policy.target_ms(metric) else {
            continue;
        };
        let clock = ClockState::evaluate(metric, target, &cal, &hist, at_refresh);
        let warn = clock
            .threshold_at(&cal, target * policy.warn_percent / 100)
            .map(|t| t.as_millisecond());
        let deadline = clock.deadline.map(|t| t.as_millisecond());
        let stopped_at = clock.stopped_at.map(|t| t.as_millisecond());
        out.clocks.push(ClockRow {
            order_id: order,
            metric: metric.code(),
            policy_id: Some(*policy_id),
            target_ms: target,
            elapsed_ms: clock.elapsed_ms,
            paused_ms: clock.paused_ms,
            stage: clock.stage.code(),
            deadline_at: deadline,
            warn_at: warn,
            breached_at: clock.breached_at.map(|t| t.as_millisecond()),
            breach_minutes: clock.breach_minutes,
            stopped_at,
            updated_at: refreshed,
        });
        if clock.stopped_at.is_none() && matches!(clock.stage, Stage::Running | Stage::Breached) {
            out.next_deadline = [out.next_deadline, deadline].into_iter().flatten().min();
            if clock.stage == Stage::Running {
                out.warn_at = [out.warn_at, warn].into_iter().flatten().min();
            }
        }
        worst = Some(match worst {
            Some(w) if stage_rank(w) >= stage_rank(clock.stage) => w,
            _ => clock.stage,
        });
        if let (Some(at), "met" | "breached") = (clock.stopped_at, clock.stage.code()) {
            out.stopped
                .push((metric.code().to_string(), clock.stage == Stage::Met, at));
        }
        // Levels: those crossed fired at the crossing (or are due now); the
        // others are scheduled while the clock runs, held while it pauses,
        // dropped once it ended short of them.
        let mut all = vec![WARNING_LEVEL, BREACH_LEVEL];
        all.extend(0..policy.escalations.len() as i64);
        for level in all {
            if let Some((_, _, _, at, fired_at)) = crossed
                .iter()
                .find(|(m, l, ..)| *m == metric && *l == level)
            {
                out.escalated |= level >= 0 && fired_at.is_some();
                out.levels.push(Level {
                    metric,
                    level,
                    fire_at: *at,
                    fired_at: *fired_at,
                });
                continue;
            }
            let Some(th) =
                level_threshold_ms(target, policy.warn_percent, level, &policy.escalations)
            else {
                continue;
            };
            if clock.stage == Stage::Cancelled || clock.stopped_at.is_some() {
                continue;
            }
            out.levels.push(Level {
                metric,
                level,
                fire_at: clock.threshold_at(&cal, th).map(|t| t.as_millisecond()),
                fired_at: None,
            });
        }
    }
    out.stage = worst.map(|s| s.code()).unwrap_or("none");
    out
}

/// Merges sorted term lists into the space-separated, sorted, unique terms
/// `wuye_domain::search::index_terms` makes of their texts joined by spaces.
pub fn merge_terms(parts: &[&[Str]]) -> String {
    let mut all: Vec<&str> = parts.iter().flat_map(|p| p.iter().map(|s| &**s)).collect();
    all.sort_unstable();
    all.dedup();
    all.join(" ")
}

/// The terms of a text, sorted (shared, since texts repeat).
pub fn terms_of(text: &str) -> Arc<[Str]> {
    let t = wuye_domain::search::index_terms(text);
    t.split(' ')
        .filter(|s| !s.is_empty())
        .map(Str::from)
        .collect::<Vec<_>>()
        .into()
}
