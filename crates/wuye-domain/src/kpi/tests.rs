//! Each KPI on hand-built orders with known answers, and the property that
//! rollups kept by deltas equal a recomputation from scratch.

use super::*;
use crate::work_order::{Channel, Grade, Kind, Priority, State};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn sh() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap()
}

fn at(s: &str) -> Timestamp {
    s.parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned(sh())
        .unwrap()
        .timestamp()
}

fn repair(created: &str) -> OrderKpiFacts {
    OrderKpiFacts {
        kind: Kind::Repair,
        channel: Channel::App,
        priority: Priority::Regular,
        emergency: false,
        grade: None,
        category: Some("plumbing".into()),
        state: State::Received,
        created_at: at(created),
        responded_at: None,
        first_finished_at: None,
        held_before_finish_ms: 0,
        resolved_at: None,
        held_before_resolution_ms: 0,
        rating: None,
        rated_at: None,
        reopen_count: 0,
        repeat_of: false,
        escalated: false,
        clocks: vec![],
        auto_dispatched: false,
        dispatch_corrected: false,
        needed_human: false,
    }
}

/// Sums contributions into (metric → (num, den)) over days [from, to].
fn sum(orders: &[OrderKpiFacts], from: i64, to: i64) -> BTreeMap<String, (i64, i64)> {
    let mut m = BTreeMap::new();
    for o in orders {
        for c in contributions(o, &sh()) {
            if (from..=to).contains(&c.day) {
                let e = m.entry(c.metric).or_insert((0, 0));
                e.0 += c.num;
                e.1 += c.den;
            }
        }
    }
    m
}

fn kpi(m: &BTreeMap<String, (i64, i64)>, code: &str) -> Option<f64> {
    let k = defs::find(code).unwrap();
    let (n, d) = m.get(k.metric).copied().unwrap_or((0, 0));
    defs::value(k, n, d)
}

#[test]
fn repair_24h_excludes_time_on_hold_cancelled_and_merged() {
    let mut fast = repair("2026-11-02T09:00");
    fast.state = State::Resolved;
    fast.first_finished_at = Some(at("2026-11-02T15:00"));
    let mut held = repair("2026-11-02T09:00");
    held.first_finished_at = Some(at("2026-11-03T20:00")); // 35 h, of which 12 h on hold
    held.held_before_finish_ms = 12 * 3_600_000;
    let mut slow = repair("2026-11-02T09:00");
    slow.first_finished_at = Some(at("2026-11-04T09:00")); // 48 h
    let open = repair("2026-11-02T10:00"); // not finished: not within 24 h
    let mut cancelled = repair("2026-11-02T11:00");
    cancelled.state = State::Cancelled;
    let mut merged = repair("2026-11-02T11:00");
    merged.state = State::Merged;
    let m = sum(
        &[fast, held, slow, open, cancelled, merged],
        20261101,
        20261130,
    );
    assert_eq!(m["repair_24h"], (2, 4));
    assert_eq!(kpi(&m, "repair_24h"), Some(50.0));
    assert_eq!(
        m["created:repair"],
        (4, 4),
        "cancelled and merged orders are not counted"
    );
}

#[test]
fn complaints_response_repeat_escalation_major() {
    let mut a = repair("2026-11-05T10:00");
    a.kind = Kind::Complaint;
    a.grade = Some(Grade::A);
    a.responded_at = Some(at("2026-11-05T10:30"));
    a.state = State::Closed;
    let mut b = a.clone();
    b.grade = Some(Grade::B);
    b.responded_at = Some(at("2026-11-05T11:30")); // 90 min
    b.repeat_of = true;
    b.escalated = true;
    let mut c = a.clone();
    c.state = State::InProgress; // major, unresolved
    c.responded_at = None; // not responded: no response time
    let m = sum(&[a, b, c], 20261101, 20261130);
    assert_eq!(kpi(&m, "complaint_response_minutes"), Some(60.0));
    assert_eq!(kpi(&m, "repeat_complaint"), Some(33.3));
    assert_eq!(kpi(&m, "complaint_escalation"), Some(33.3));
    assert_eq!(kpi(&m, "major_complaint_resolved"), Some(50.0));
    assert_eq!(m["complaint_category:plumbing"], (3, 3));
}

#[test]
fn months_and_time_zones() {
    // 2026-11-30 23:30 in Shanghai is 15:30 UTC: it belongs to November.
    let late = repair("2026-11-30T23:30");
    let m = sum(std::slice::from_ref(&late), 20261101, 20261130);
    assert_eq!(m["created:repair"], (1, 1));
    assert!(sum(std::slice::from_ref(&late), 20261201, 20261231).is_empty());
    // Resolved in December: cycle time and one-time fix count in December.
    let mut r = late;
    r.state = State::Resolved;
    r.resolved_at = Some(at("2026-12-01T09:30"));
    r.reopen_count = 1;
    r.held_before_resolution_ms = 3_600_000;
    let dec = sum(&[r], 20261201, 20261231);
    assert_eq!(
        kpi(&dec, "cycle_minutes"),
        Some(540.0),
        "10 h minus 1 h on hold"
    );
    assert_eq!(kpi(&dec, "one_time_fix"), Some(0.0), "reopened once");
    assert_eq!(dec.get("created:repair"), None);
}

#[test]
fn satisfaction_self_service_busy_hours_sla() {
    let mut a = repair("2026-11-06T20:15"); // a Friday
    a.rating = Some(5);
    a.rated_at = Some(at("2026-11-07T10:00"));
    a.clocks = vec![("response".into(), true, at("2026-11-06T20:40"))];
    let mut b = repair("2026-11-06T20:45");
    b.channel = Channel::Phone;
    b.rating = Some(4);
    b.rated_at = Some(at("2026-11-08T10:00"));
    b.clocks = vec![("response".into(), false, at("2026-11-06T23:00"))];
    let mut c = repair("2026-11-06T09:00");
    c.priority = Priority::Urgent; // urgent repairs are not part of self-service
    c.channel = Channel::Phone;
    let m = sum(&[a, b, c], 20261101, 20261130);
    assert_eq!(kpi(&m, "satisfaction"), Some(4.5));
    assert_eq!(kpi(&m, "self_service"), Some(50.0));
    assert_eq!(m["busy:5:20"], (2, 2));
    assert_eq!(m["sla:response:repair_regular"], (1, 2));
    assert_eq!(
        kpi(&m, "fee_collection"),
        None,
        "no fees yet: no value, not zero"
    );
}

#[test]
fn delta_is_the_difference() {
    let old = contributions(&repair("2026-11-02T09:00"), &sh());
    let mut r = repair("2026-11-02T09:00");
    r.state = State::Cancelled;
    let d = delta(&old, &contributions(&r, &sh()));
    assert!(d.iter().all(|c| c.den == -1 || c.num <= 0));
    assert_eq!(d.len(), old.len());
    assert!(delta(&old, &old).is_empty());
}

fn facts() -> impl Strategy<Value = OrderKpiFacts> {
    let states = prop_oneof![
        Just(State::Received),
        Just(State::InProgress),
        Just(State::Resolved),
        Just(State::Closed),
        Just(State::Cancelled),
        Just(State::Merged)
    ];
    (
        0i64..90 * 24,
        states,
        any::<bool>(),
        0i64..3000,
        proptest::option::of(1i64..=5),
        0i64..3,
        any::<[bool; 5]>(),
    )
        .prop_map(
            |(hours, state, complaint, finish_min, rating, reopen, flags)| {
                let created = at("2026-10-01T00:00")
                    .checked_add(jiff::Span::new().hours(hours))
                    .unwrap();
                let later = |m: i64| created.checked_add(jiff::Span::new().minutes(m)).unwrap();
                OrderKpiFacts {
                    kind: if complaint {
                        Kind::Complaint
                    } else {
                        Kind::Repair
                    },
                    channel: if flags[0] {
                        Channel::App
                    } else {
                        Channel::Phone
                    },
                    priority: if flags[1] {
                        Priority::Urgent
                    } else {
                        Priority::Regular
                    },
                    emergency: false,
                    grade: complaint.then_some(Grade::A),
                    category: Some("plumbing".into()),
                    state,
                    created_at: created,
                    responded_at: Some(later(finish_min / 10)),
                    first_finished_at: flags[2].then(|| later(finish_min)),
                    held_before_finish_ms: 0,
                    resolved_at: matches!(state, State::Resolved | State::Closed)
                        .then(|| later(finish_min + 60)),
                    held_before_resolution_ms: 0,
                    rating,
                    rated_at: rating.map(|_| later(finish_min + 120)),
                    reopen_count: reopen,
                    repeat_of: flags[3],
                    escalated: flags[4],
                    clocks: vec![],
                    auto_dispatched: false,
                    dispatch_corrected: false,
                    needed_human: flags[0],
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Rollups kept by applying each change's delta equal the sum of every
    /// order's final contributions.
    #[test]
    fn rollups_equal_recomputation(changes in proptest::collection::vec((0usize..8, facts()), 1..60)) {
        let tz = sh();
        let mut current: BTreeMap<usize, Vec<Contribution>> = BTreeMap::new();
        let mut rollup: BTreeMap<(String, i64), (i64, i64)> = BTreeMap::new();
        let mut finals: BTreeMap<usize, OrderKpiFacts> = BTreeMap::new();
        for (order, f) in changes {
            let new = contributions(&f, &tz);
            let old = current.get(&order).cloned().unwrap_or_default();
            for c in delta(&old, &new) {
                let e = rollup.entry((c.metric, c.day)).or_default();
                e.0 += c.num;
                e.1 += c.den;
            }
            current.insert(order, new);
            finals.insert(order, f);
        }
        rollup.retain(|_, v| *v != (0, 0));
        let mut scratch: BTreeMap<(String, i64), (i64, i64)> = BTreeMap::new();
        for f in finals.values() {
            for c in contributions(f, &tz) {
                let e = scratch.entry((c.metric, c.day)).or_default();
                e.0 += c.num;
                e.1 += c.den;
            }
        }
        prop_assert_eq!(rollup, scratch);
    }
}

#[test]
fn history_gives_response_finish_and_time_on_hold() {
    use super::{held_before, responded_and_finished};
    use crate::work_order::State::*;
    let h = [
        (0, Received),
        (10, Dispatched),
        (20, Accepted),
        (30, InProgress),
        (40, OnHold),
        (100, InProgress),
        (150, AwaitingAcceptance),
        (160, InProgress),
        (170, OnHold),
        (200, AwaitingAcceptance),
        (210, Resolved),
    ];
    assert_eq!(responded_and_finished(&h), (Some(20), Some(150)));
    assert_eq!(held_before(&h, Some(150)), 60, "one hold before finishing");
    assert_eq!(
        held_before(&h, Some(210)),
        90,
        "both holds before resolving"
    );
    assert_eq!(
        held_before(&h, Some(70)),
        30,
        "a hold still running is cut at the instant"
    );
    assert_eq!(held_before(&h, None), 0);
    assert_eq!(responded_and_finished(&h[..2]), (None, None));
}
