//! Clock math with an injected "now": nights, weekends, holidays, 调休,
//! pauses, rework, time-zone edges, policies.

use super::*;
use crate::ids::CommunityId;
use crate::work_order::{Grade, Kind, Priority, State};
use jiff::Timestamp;
use jiff::civil::date;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn sh() -> TimeZone {
    TimeZone::get("Asia/Shanghai").unwrap()
}

/// Shanghai local time → instant.
fn at(s: &str) -> Timestamp {
    s.parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned(sh())
        .unwrap()
        .timestamp()
}

fn office() -> Calendar {
    // 08:30–12:00 and 13:30–17:30, Monday to Friday; 2026-10-01..07 off;
    // Saturday 2026-10-10 worked (调休).
    let mut hours = BTreeMap::new();
    for d in ["mon", "tue", "wed", "thu", "fri"] {
        hours.insert(
            d.to_string(),
            vec!["08:30-12:00".to_string(), "13:30-17:30".to_string()],
        );
    }
    CalendarSpec {
        time_zone: "Asia/Shanghai".into(),
        always: false,
        hours,
        holidays: (1..=7).map(|d| format!("2026-10-{d:02}")).collect(),
        extra_workdays: vec!["2026-10-10".into()],
    }
    .to_calendar()
    .unwrap()
}

const H: i64 = 3_600_000;
const M: i64 = 60_000;

#[test]
fn always_counts_wall_time() {
    let c = Calendar::always(sh());
    assert_eq!(
        c.business_ms(at("2026-11-27T23:00"), at("2026-11-28T01:30")),
        2 * H + 30 * M
    );
    assert_eq!(
        c.add_business(at("2026-11-27T23:00"), 2 * H),
        Some(at("2026-11-28T01:00"))
    );
}

#[test]
fn nights_and_lunch_do_not_count() {
    let c = office();
    // Friday 17:00 → Monday 09:00: 30 min on Friday + 30 min on Monday.
    assert_eq!(
        c.business_ms(at("2026-11-27T17:00"), at("2026-11-30T09:00")),
        60 * M
    );
    // 2 h from Friday 16:30: 1 h on Friday, 1 h on Monday from 08:30.
    assert_eq!(
        c.add_business(at("2026-11-27T16:30"), 2 * H),
        Some(at("2026-11-30T09:30"))
    );
    // Over lunch.
    assert_eq!(
        c.add_business(at("2026-11-25T11:30"), H),
        Some(at("2026-11-25T14:00"))
    );
    // Starting at night waits for the morning.
    assert_eq!(
        c.add_business(at("2026-11-25T22:00"), 30 * M),
        Some(at("2026-11-26T09:00"))
    );
    assert!(!c.is_working(at("2026-11-25T12:30")));
    assert!(c.is_working(at("2026-11-25T13:30")));
}

#[test]
fn holidays_and_extra_workdays() {
    let c = office();
    // Wednesday 2026-09-30 17:00 + 1 h: the National Day week is off, then
    // Thursday 10-08 (a weekday) resumes? 10-08 is a Thursday, not a holiday.
    assert_eq!(
        c.add_business(at("2026-09-30T17:00"), H),
        Some(at("2026-10-08T09:00"))
    );
    // Nothing counts on a holiday, a Saturday 调休 counts.
    assert_eq!(
        c.business_ms(at("2026-10-03T08:00"), at("2026-10-03T18:00")),
        0
    );
    assert_eq!(
        c.business_ms(at("2026-10-10T08:00"), at("2026-10-10T18:00")),
        7 * H + 30 * M
    );
    assert_eq!(
        c.business_ms(at("2026-10-11T08:00"), at("2026-10-11T18:00")),
        0
    );
    // A date cannot be both.
    let bad = CalendarSpec {
        holidays: vec!["2026-10-10".into()],
        ..office_spec()
    };
    assert_eq!(bad.to_calendar().unwrap_err().code, "calendar_invalid");
}

fn office_spec() -> CalendarSpec {
    let mut hours = BTreeMap::new();
    hours.insert("mon".to_string(), vec!["08:30-17:30".to_string()]);
    CalendarSpec {
        time_zone: "Asia/Shanghai".into(),
        always: false,
        hours,
        holidays: vec![],
        extra_workdays: vec!["2026-10-10".into()],
    }
}

#[test]
fn bad_calendars_are_refused() {
    let mut s = office_spec();
    s.hours.insert("mon".into(), vec!["18:00-08:00".into()]);
    assert_eq!(s.to_calendar().unwrap_err().code, "calendar_invalid");
    let mut s = office_spec();
    s.hours.insert(
        "mon".into(),
        vec!["08:00-12:00".into(), "11:00-13:00".into()],
    );
    assert_eq!(s.to_calendar().unwrap_err().code, "calendar_invalid");
    let mut s = office_spec();
    s.time_zone = "Mars/Olympus".into();
    assert_eq!(s.to_calendar().unwrap_err().code, "time_zone_invalid");
    let mut s = office_spec();
    s.holidays = vec!["2026-13-01".into()];
    assert_eq!(s.to_calendar().unwrap_err().code, "date_invalid");
    let empty = CalendarSpec {
        hours: BTreeMap::new(),
        ..office_spec()
    };
    assert!(empty.to_calendar().is_err());
}

#[test]
fn daylight_saving_edges() {
    // New York springs forward on 2026-03-08 at 02:00 (one hour vanishes).
    let ny = Calendar::always(TimeZone::get("America/New_York").unwrap());
    let a = date(2026, 3, 8)
        .at(0, 0, 0, 0)
        .to_zoned(ny.tz.clone())
        .unwrap()
        .timestamp();
    let b = date(2026, 3, 8)
        .at(4, 0, 0, 0)
        .to_zoned(ny.tz.clone())
        .unwrap()
        .timestamp();
    assert_eq!(ny.business_ms(a, b), 3 * H, "only three real hours pass");
    // A business calendar working 01:00–05:00 that day has 3 real hours.
    let mut hours = BTreeMap::new();
    hours.insert("sun".to_string(), vec!["01:00-05:00".to_string()]);
    let spec = CalendarSpec {
        time_zone: "America/New_York".into(),
        always: false,
        hours,
        holidays: vec![],
        extra_workdays: vec![],
    };
    let cal = spec.to_calendar().unwrap();
    let day_start = date(2026, 3, 8)
        .at(0, 0, 0, 0)
        .to_zoned(cal.tz.clone())
        .unwrap()
        .timestamp();
    let day_end = date(2026, 3, 9)
        .at(0, 0, 0, 0)
        .to_zoned(cal.tz.clone())
        .unwrap()
        .timestamp();
    assert_eq!(cal.business_ms(day_start, day_end), 3 * H);
}

fn hist(items: &[(&str, State)]) -> Vec<(Timestamp, State)> {
    items.iter().map(|(t, s)| (at(t), *s)).collect()
}

#[test]
fn response_stops_at_acceptance_and_stays_stopped() {
    let c = Calendar::always(sh());
    let h = hist(&[
        ("2026-11-27T10:00", State::Received),
        ("2026-11-27T10:10", State::Dispatched),
        ("2026-11-27T10:25", State::Accepted),
        ("2026-11-27T11:00", State::InProgress),
        ("2026-11-27T12:00", State::AwaitingAcceptance),
        ("2026-11-27T13:00", State::InProgress), // rework does not reopen a response
    ]);
    let r = ClockState::evaluate(Metric::Response, 30 * M, &c, &h, at("2026-11-27T15:00"));
    assert_eq!((r.stage, r.elapsed_ms), (Stage::Met, 25 * M));
    assert_eq!(r.deadline, None);
    let late = ClockState::evaluate(Metric::Response, 20 * M, &c, &h, at("2026-11-27T15:00"));
    assert_eq!((late.stage, late.breach_minutes), (Stage::Breached, 5));
    assert_eq!(late.breached_at, Some(at("2026-11-27T10:20")));
}

#[test]
fn resolution_pauses_on_hold_and_reopens_on_rework() {
    let c = Calendar::always(sh());
    let h = hist(&[
        ("2026-11-27T08:00", State::Received),
        ("2026-11-27T08:30", State::Accepted),
        ("2026-11-27T09:00", State::OnHold),
        ("2026-11-27T19:00", State::InProgress), // 10 h waiting for parts
        ("2026-11-27T20:00", State::AwaitingAcceptance),
    ]);
    let r = ClockState::evaluate(Metric::Resolution, 4 * H, &c, &h, at("2026-11-27T21:00"));
    assert_eq!(
        (r.stage, r.elapsed_ms, r.paused_ms),
        (Stage::Met, 2 * H, 10 * H)
    );
    // Rejected at 21:00: the clock runs again from 2 h elapsed.
    let mut h2 = h.clone();
    h2.push((at("2026-11-27T21:00"), State::InProgress));
    let r = ClockState::evaluate(Metric::Resolution, 4 * H, &c, &h2, at("2026-11-27T22:00"));
    assert_eq!((r.stage, r.elapsed_ms), (Stage::Running, 3 * H));
    assert_eq!(r.deadline, Some(at("2026-11-27T23:00")));
    assert_eq!(r.remaining_ms(), H);
    // While on hold, no deadline.
    let mut h3 = h.clone();
    h3.truncate(3);
    let r = ClockState::evaluate(Metric::Resolution, 4 * H, &c, &h3, at("2026-11-27T12:00"));
    assert_eq!(
        (r.stage, r.deadline, r.paused_ms),
        (Stage::Paused, None, 3 * H)
    );
}

#[test]
fn cancelled_orders_end_their_clocks() {
    let c = Calendar::always(sh());
    let h = hist(&[
        ("2026-11-27T08:00", State::Received),
        ("2026-11-27T08:05", State::Cancelled),
    ]);
    let r = ClockState::evaluate(Metric::Response, 30 * M, &c, &h, at("2026-11-28T08:00"));
    assert_eq!((r.stage, r.elapsed_ms), (Stage::Cancelled, 5 * M));
}

#[test]
fn business_hours_deadline_over_a_weekend() {
    let c = office();
    let h = hist(&[("2026-11-27T17:00", State::Received)]); // Friday
    let r = ClockState::evaluate(Metric::Response, 2 * H, &c, &h, at("2026-11-28T10:00"));
    assert_eq!((r.stage, r.elapsed_ms), (Stage::Running, 30 * M));
    assert_eq!(r.deadline, Some(at("2026-11-30T10:00")));
    // Warning at 80%: 96 minutes of working time.
    assert_eq!(r.threshold_at(&c, 96 * M), Some(at("2026-11-30T09:36")));
    // Escalation +30 min after the target.
    assert_eq!(
        level_threshold_ms(2 * H, 80, 1, &default_policies()[1].escalations),
        Some(2 * H + 30 * M)
    );
}

#[test]
fn policy_selection_first_match_by_rank() {
    let ps: Vec<(i64, PolicySpec)> = default_policies()
        .into_iter()
        .enumerate()
        .map(|(i, p)| (i as i64, p))
        .collect();
    let facts = |kind, priority, grade, emergency| OrderFacts {
        kind,
        priority,
        grade,
        category: None,
        community: CommunityId(1),
        emergency,
    };
    let name = |f| {
        policy::select(&ps, &f)
            .map(|(_, p)| p.name.clone())
            .unwrap()
    };
    assert_eq!(
        name(facts(Kind::Repair, Priority::Urgent, None, false)),
        "紧急报修"
    );
    assert_eq!(
        name(facts(Kind::Repair, Priority::Regular, None, false)),
        "常规报修"
    );
    assert_eq!(
        name(facts(Kind::Repair, Priority::Urgent, None, true)),
        "应急事件（停水停电、电梯困人等）"
    );
    assert_eq!(
        name(facts(
            Kind::Complaint,
            Priority::Regular,
            Some(Grade::B),
            false
        )),
        "B级投诉"
    );
    assert_eq!(
        name(facts(Kind::Consultation, Priority::Consult, None, false)),
        "咨询答复"
    );
    assert_eq!(
        name(facts(Kind::Praise, Priority::Consult, None, false)),
        "其他（建议、表扬）"
    );
    for p in default_policies() {
        p.validate().unwrap();
    }
    let a = &default_policies()[3];
    assert_eq!(
        (a.response_minutes, a.resolution_minutes),
        (Some(120), Some(24 * 60))
    );
}

#[test]
fn policies_are_validated() {
    let mut p = default_policies()[1].clone();
    p.escalations.reverse();
    assert_eq!(p.validate().unwrap_err().code, "escalations_unordered");
    let mut p = default_policies()[1].clone();
    p.response_minutes = Some(0);
    assert_eq!(p.validate().unwrap_err().code, "target_invalid");
    let mut p = default_policies()[1].clone();
    p.warn_percent = 100;
    assert_eq!(p.validate().unwrap_err().code, "warn_percent_invalid");
}

fn any_calendar() -> impl Strategy<Value = Calendar> {
    prop_oneof![Just(Calendar::always(sh())), Just(office())]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Adding working time and measuring it back agree, to the millisecond.
    #[test]
    fn add_then_measure(cal in any_calendar(), start_min in 0i64..(60 * 24 * 60), ms in 0i64..(300 * H)) {
        let start = at("2026-09-20T00:00").checked_add(jiff::Span::new().minutes(start_min)).unwrap();
        let end = cal.add_business(start, ms).unwrap();
        prop_assert_eq!(cal.business_ms(start, end), ms);
        prop_assert!(end >= start);
    }

    /// Working time is additive over a split point.
    #[test]
    fn additive(cal in any_calendar(), a in 0i64..100_000, b in 0i64..100_000, c in 0i64..100_000) {
        let mut v = [a, b, c];
        v.sort();
        let base = at("2026-09-25T00:00");
        let t = |m: i64| base.checked_add(jiff::Span::new().minutes(m)).unwrap();
        prop_assert_eq!(cal.business_ms(t(v[0]), t(v[2])), cal.business_ms(t(v[0]), t(v[1])) + cal.business_ms(t(v[1]), t(v[2])));
    }

    /// Recomputing a clock gives the same answer, and elapsed + paused never
    /// exceed the working time since creation.
    #[test]
    fn clocks_are_stable(cal in any_calendar(), steps in proptest::collection::vec((1i64..600, 0usize..6), 1..12)) {
        let states = [State::Dispatched, State::Accepted, State::InProgress, State::OnHold, State::AwaitingAcceptance, State::InProgress];
        let mut t = at("2026-11-26T09:00");
        let mut h = vec![(t, State::Received)];
        for (mins, s) in steps {
            t = t.checked_add(jiff::Span::new().minutes(mins)).unwrap();
            h.push((t, states[s]));
        }
        let now = t.checked_add(jiff::Span::new().hours(3)).unwrap();
        for m in Metric::ALL {
            let a = ClockState::evaluate(m, 4 * H, &cal, &h, now);
            let b = ClockState::evaluate(m, 4 * H, &cal, &h, now);
            prop_assert_eq!(&a, &b);
            prop_assert!(a.elapsed_ms + a.paused_ms <= cal.business_ms(h[0].0, now));
            if let Some(d) = a.breached_at {
                prop_assert!(d <= now);
                prop_assert_eq!(a.stage, Stage::Breached);
            }
        }
    }
}
