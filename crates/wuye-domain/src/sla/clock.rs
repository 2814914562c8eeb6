//! SLA clocks, derived from an order's state history: they can be
//! recomputed at any time (after a policy or calendar change) and give the
//! same answer.
//!
//! A clock accumulates *working* time (per its calendar) while it runs,
//! stands still while paused (on hold) and ends when the order reaches a
//! stop state. It is met if it stopped within the target, breached when the
//! working time passed the target.

use super::calendar::Calendar;
use crate::work_order::State;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Until someone responds (accepts, starts, or answers).
    Response,
    /// Until the work is finished (awaiting the resident's acceptance).
    Resolution,
}

impl Metric {
    pub const ALL: [Metric; 2] = [Metric::Response, Metric::Resolution];

    pub fn code(self) -> &'static str {
        match self {
            Metric::Response => "response",
            Metric::Resolution => "resolution",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Metric::Response => "响应",
            Metric::Resolution => "完成",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.code() == s)
    }

    /// What the clock does while the order is in a state.
    pub fn mode(self, s: State) -> Mode {
        use State::*;
        match (self, s) {
            (_, Cancelled | Merged) => Mode::Cancelled,
            (Metric::Response, Received | Dispatched | Disputed) => Mode::Running,
            (Metric::Response, _) => Mode::Stopped,
            (Metric::Resolution, OnHold) => Mode::Paused,
            (Metric::Resolution, AwaitingAcceptance | Resolved | Closed) => Mode::Stopped,
            (Metric::Resolution, _) => Mode::Running,
        }
    }

    /// A response, once given, stays given; a resolution reopens on rework.
    fn stop_is_final(self) -> bool {
        matches!(self, Metric::Response)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Running,
    Paused,
    Stopped,
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Running,
    Paused,
    Met,
    Breached,
    /// The order was cancelled or merged before the clock ended.
    Cancelled,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Stage::Running => "running",
            Stage::Paused => "paused",
            Stage::Met => "met",
            Stage::Breached => "breached",
            Stage::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        [
            Stage::Running,
            Stage::Paused,
            Stage::Met,
            Stage::Breached,
            Stage::Cancelled,
        ]
        .into_iter()
        .find(|x| x.code() == s)
    }
}

/// A stretch of the order's life in one clock mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    from: Timestamp,
    to: Timestamp,
    mode: Mode,
}

/// The state of one clock at `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockState {
    pub metric: Metric,
    pub target_ms: i64,
    /// Working time counted so far.
    pub elapsed_ms: i64,
    /// Working time that passed while paused.
    pub paused_ms: i64,
    pub stage: Stage,
    /// When the target is (or was) reached; `None` while paused or when it
    /// was never reached before the clock stopped.
    pub deadline: Option<Timestamp>,
    pub breached_at: Option<Timestamp>,
    /// Working minutes beyond the target (0 unless breached).
    pub breach_minutes: i64,
    pub stopped_at: Option<Timestamp>,
    spans: Vec<Span>,
    now: Timestamp,
}

/// Splits the history (state entered at each instant, oldest first, the
/// first being the creation) into spans of clock modes up to `now`.
fn spans(metric: Metric, history: &[(Timestamp, State)], now: Timestamp) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    for (i, (at, state)) in history.iter().enumerate() {
        let to = history.get(i + 1).map(|(t, _)| *t).unwrap_or(now).max(*at);
        let mut mode = metric.mode(*state);
        if metric.stop_is_final() && out.iter().any(|s| s.mode == Mode::Stopped) {
            mode = Mode::Stopped;
        }
        match out.last_mut() {
            Some(last) if last.mode == mode => last.to = to,
            _ => out.push(Span {
                from: *at,
                to,
                mode,
            }),
        }
    }
    out
}

impl ClockState {
    /// Evaluates a clock with `target_ms` of working time over `history`.
    pub fn evaluate(
        metric: Metric,
        target_ms: i64,
        cal: &Calendar,
        history: &[(Timestamp, State)],
        now: Timestamp,
    ) -> ClockState {
        let spans = spans(metric, history, now);
        let (mut elapsed, mut paused) = (0i64, 0i64);
        for s in &spans {
            match s.mode {
                Mode::Running => elapsed += cal.business_ms(s.from, s.to),
                Mode::Paused => paused += cal.business_ms(s.from, s.to),
                _ => {}
            }
        }
        let current = spans.last().map(|s| s.mode).unwrap_or(Mode::Running);
        let stopped_at = match spans.last() {
            Some(s) if s.mode == Mode::Stopped => Some(s.from),
            _ => None,
        };
        let mut c = ClockState {
            metric,
            target_ms,
            elapsed_ms: elapsed,
            paused_ms: paused,
            stage: Stage::Running,
            deadline: None,
            breached_at: None,
            breach_minutes: 0,
            stopped_at,
            spans,
            now,
        };
        let breached = elapsed > target_ms;
        c.breached_at = if breached {
            c.crossing(cal, target_ms)
        } else {
            None
        };
        c.breach_minutes = if breached {
            (elapsed - target_ms) / 60_000
        } else {
            0
        };
        c.stage = match (current, breached) {
            (Mode::Cancelled, _) => Stage::Cancelled,
            (_, true) => Stage::Breached,
            (Mode::Stopped, false) => Stage::Met,
            (Mode::Paused, false) => Stage::Paused,
            (Mode::Running, false) => Stage::Running,
        };
        c.deadline = c.threshold_at(cal, target_ms);
        c
    }

    /// The instant the counted working time reached `ms`, if it has.
    fn crossing(&self, cal: &Calendar, ms: i64) -> Option<Timestamp> {
        let mut acc = 0i64;
        for s in self.spans.iter().filter(|s| s.mode == Mode::Running) {
            let len = cal.business_ms(s.from, s.to);
            if acc + len >= ms && len > 0 && ms > acc {
                return cal.add_business(s.from, ms - acc);
            }
            if ms <= acc {
                return Some(s.from);
            }
            acc += len;
        }
        None
    }

    /// When the counted working time reaches `ms`: in the past if it did,
    /// ahead if the clock is running, `None` if paused, stopped or cancelled
    /// short of it (or the calendar never works again).
    pub fn threshold_at(&self, cal: &Calendar, ms: i64) -> Option<Timestamp> {
        if self.elapsed_ms >= ms {
            return self.crossing(cal, ms).or(Some(self.now));
        }
        match self.spans.last().map(|s| s.mode) {
            Some(Mode::Running) | None => cal.add_business(self.now, ms - self.elapsed_ms),
            _ => None,
        }
    }

    /// Working time left before the target (negative when breached).
    pub fn remaining_ms(&self) -> i64 {
        self.target_ms - self.elapsed_ms
    }
}
