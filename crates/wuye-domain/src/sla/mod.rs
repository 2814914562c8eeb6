//! SLA: policies say how long a response and a resolution may take, in which
//! calendar; clocks measure it from the order's history; warnings and
//! escalation levels fire at thresholds of the counted time.

pub mod audience;
pub mod calendar;
pub mod clock;
pub mod policy;

#[cfg(test)]
mod tests;

pub use calendar::{Calendar, CalendarSpec, WeekHours};
pub use clock::{ClockState, Metric, Mode, Stage};
pub use policy::{Escalation, EscalationTarget, OrderFacts, PolicySpec, default_policies};

/// Trigger levels: the warning, the breach itself, then escalation level
/// `n` (0, 1, 2 …) of the policy.
pub const WARNING_LEVEL: i64 = -1;
pub const BREACH_LEVEL: i64 = -2;

/// The working time (ms) at which a level fires for a target.
pub fn level_threshold_ms(
    target_ms: i64,
    warn_percent: i64,
    level: i64,
    escalations: &[Escalation],
) -> Option<i64> {
    if level == WARNING_LEVEL {
        return Some(target_ms * warn_percent / 100);
    }
    if level == BREACH_LEVEL {
        return Some(target_ms);
    }
    escalations
        .get(usize::try_from(level).ok()?)
        .map(|e| (target_ms + e.offset_minutes * 60_000).max(0))
}
