use super::delivery::rate_limited_until;
use super::providers::{EndpointKind, EndpointSpec};
use super::rules::default_rule;
use super::templates::{Vars, default_template, excerpt};
use super::*;
use crate::Lang;
use jiff::civil::date;
use jiff::tz::TimeZone;

fn shanghai_ms(y: i16, m: i8, d: i8, h: i8, min: i8) -> i64 {
    date(y, m, d)
        .at(h, min, 0, 0)
        .to_zoned(TimeZone::get("Asia/Shanghai").unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

#[test]
fn timeline_actions_map_to_events() {
    assert_eq!(classify("create", None), Some(Event::OrderCreated));
    assert_eq!(classify("rule", None), Some(Event::Dispatched));
    assert_eq!(classify("grab", None), Some(Event::Accepted));
    assert_eq!(classify("auto_accept", None), Some(Event::Resolved));
    assert_eq!(classify("rate", Some(3)), Some(Event::LowRating));
    assert_eq!(classify("rate", Some(4)), None);
    assert_eq!(classify("start", None), None);
    assert_eq!(classify("merged_in", None), None);
    assert_eq!(classify_alert("breach"), Some(Event::SlaBreach));
}

#[test]
fn every_default_rule_and_template_is_valid() {
    for e in Event::ALL {
        default_rule(*e).validate(*e).unwrap();
        for lang in [Lang::Zh, Lang::En] {
            default_template(*e, lang).validate().unwrap();
        }
    }
}

#[test]
fn rules_are_checked() {
    let bad = |to: Vec<Target>| {
        Rule { enabled: true, to }
            .validate(Event::Dispatched)
            .unwrap_err()
            .code
    };
    assert_eq!(
        bad(vec![Target {
            who: Who::TeamGroup,
            via: vec![Via::Sms]
        }]),
        "rule_robot_mismatch"
    );
    assert_eq!(
        bad(vec![Target {
            who: Who::Assignee,
            via: vec![Via::Robot]
        }]),
        "rule_robot_mismatch"
    );
    assert_eq!(
        bad(vec![Target {
            who: Who::Alerted,
            via: vec![Via::InApp]
        }]),
        "rule_alerted_not_sla"
    );
    assert_eq!(
        bad(vec![Target {
            who: Who::Owner,
            via: vec![]
        }]),
        "rule_channels_empty"
    );
}

#[test]
fn templates_render_and_refuse_unknown_placeholders() {
    let mut vars = Vars::new();
    vars.insert("number", "BX2026112700007".into());
    vars.insert("place", "翠湖花园 1栋1单元101".into());
    let t = Template {
        title: "工单 {number}".into(),
        body: "{place}：{missing}{".into(),
    };
    let r = t.render(&vars);
    assert_eq!(r.title, "工单 BX2026112700007");
    assert_eq!(r.body, "翠湖花园 1栋1单元101：{");
    assert_eq!(t.validate().unwrap_err().code, "template_unclosed");
    let t = Template {
        title: "x".into(),
        body: "{colour}".into(),
    };
    assert_eq!(
        t.validate().unwrap_err().code,
        "template_unknown_placeholder"
    );
    assert_eq!(excerpt("一二三四五", 3), "一二三…");
    assert_eq!(excerpt(" 短 ", 3), "短");
}

#[test]
fn quiet_hours_wrap_midnight_in_shanghai() {
    let s = NotifySettings::default();
    let q = s.quiet_hours.clone().unwrap();
    // 23:30 → 08:00 the next morning; 03:00 → 08:00 the same day.
    assert_eq!(
        q.until(shanghai_ms(2026, 11, 27, 23, 30)),
        Some(shanghai_ms(2026, 11, 28, 8, 0))
    );
    assert_eq!(
        q.until(shanghai_ms(2026, 11, 28, 3, 0)),
        Some(shanghai_ms(2026, 11, 28, 8, 0))
    );
    assert_eq!(q.until(shanghai_ms(2026, 11, 28, 8, 0)), None);
    assert_eq!(q.until(shanghai_ms(2026, 11, 28, 21, 59)), None);
    assert_eq!(
        q.until(shanghai_ms(2026, 11, 28, 22, 0)),
        Some(shanghai_ms(2026, 11, 29, 8, 0))
    );
    // Only non-urgent SMS wait.
    let night = shanghai_ms(2026, 11, 27, 23, 30);
    assert_eq!(
        s.not_before(Channel::Sms, false, night),
        shanghai_ms(2026, 11, 28, 8, 0)
    );
    assert_eq!(s.not_before(Channel::Sms, true, night), night);
    assert_eq!(s.not_before(Channel::Wecom, false, night), night);
    // A window inside one day.
    let day = QuietHours {
        start: "12:00".into(),
        end: "14:00".into(),
        time_zone: "Asia/Shanghai".into(),
    };
    assert_eq!(
        day.until(shanghai_ms(2026, 1, 1, 13, 0)),
        Some(shanghai_ms(2026, 1, 1, 14, 0))
    );
    assert_eq!(day.until(shanghai_ms(2026, 1, 1, 15, 0)), None);
}

#[test]
fn backoff_grows_exponentially_with_bounded_jitter() {
    let s = NotifySettings::default();
    for attempt in 1..=12 {
        let exp = (30_000i64 << (attempt - 1)).min(3_600_000);
        let lo = s.backoff_ms(attempt, 0.0);
        let hi = s.backoff_ms(attempt, 0.999_999);
        assert_eq!(lo, exp / 2);
        assert!(hi <= exp && hi >= exp - 10, "{attempt}: {hi} vs {exp}");
    }
    assert_eq!(s.backoff_ms(60, 0.0), 1_800_000, "capped, no overflow");
}

#[test]
fn rate_limits_free_a_slot_when_the_oldest_leaves_the_window() {
    let l = Limit {
        max: 2,
        per_minutes: 60,
    };
    let now = 10 * 3_600_000;
    assert_eq!(rate_limited_until(l, &[now - 1000], now), None);
    assert_eq!(
        rate_limited_until(l, &[now - 5000, now - 1000], now),
        Some(now - 5000 + 3_600_000)
    );
    assert_eq!(
        rate_limited_until(l, &[now - 3_600_000, now - 1000], now),
        None,
        "the oldest has left"
    );
}

#[test]
fn settings_are_checked() {
    let mut s = NotifySettings::default();
    s.validate().unwrap();
    s.max_attempts = 0;
    assert_eq!(s.validate().unwrap_err().code, "setting_out_of_range");
    let mut s = NotifySettings::default();
    s.quiet_hours.as_mut().unwrap().start = "25:00".into();
    assert_eq!(s.validate().unwrap_err().code, "time_invalid");
}

#[test]
fn pasted_robot_addresses_are_split_and_secrets_merge() {
    let mut e = EndpointSpec {
        kind: EndpointKind::Wecom,
        name: " 水电班群 ".into(),
        team_id: Some(1),
        url: Some("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123".into()),
        events: vec![],
        markdown: None,
        enabled: true,
    };
    assert_eq!(e.validate().unwrap().as_deref(), Some("abc-123"));
    assert_eq!(e.url(), "https://qyapi.weixin.qq.com/cgi-bin/webhook/send");
    assert_eq!(e.name, "水电班群");
    assert_eq!(merge_secret(None, Some("old")).as_deref(), Some("old"));
    assert_eq!(
        merge_secret(Some(MASK), Some("old")).as_deref(),
        Some("old")
    );
    assert_eq!(merge_secret(Some(""), Some("old")), None);
    assert_eq!(
        merge_secret(Some("new"), Some("old")).as_deref(),
        Some("new")
    );
    assert_eq!(masked(Some("s3cret")).as_deref(), Some(MASK));
    assert_eq!(
        mask_address(Channel::Email, "zhang@example.com"),
        "z***@example.com"
    );
    assert_eq!(mask_address(Channel::Sms, "13900000001"), "139****0001");
}

#[test]
fn kpi_alerts_read_naturally_and_reach_only_supervisors_and_robots() {
    use super::templates::{KpiAlertFacts, kpi_alert_vars};
    let k = crate::kpi::defs::find("repair_24h").unwrap();
    let facts = KpiAlertFacts {
        kpi: k,
        value: 85.0,
        op: "below",
        threshold: 90.0,
        period: "month",
        community: Some("翠湖花园"),
    };
    let zh = default_template(Event::KpiAlert, Lang::Zh).render(&kpi_alert_vars(&facts, Lang::Zh));
    assert_eq!(zh.title, format!("指标预警：{}", k.zh));
    assert_eq!(
        zh.body,
        format!(
            "翠湖花园本月的{}为 85%，低于 90%，请在数据看板查看明细。",
            k.zh
        )
    );
    let company = KpiAlertFacts {
        community: None,
        period: "week",
        ..facts
    };
    let en =
        default_template(Event::KpiAlert, Lang::En).render(&kpi_alert_vars(&company, Lang::En));
    assert!(
        en.body
            .contains("for the whole company, this week, is 85% (below 90%)"),
        "{}",
        en.body
    );
    // Order-relative recipients make no sense for a company's numbers.
    let mut rule = default_rule(Event::KpiAlert);
    assert!(rule.validate(Event::KpiAlert).is_ok());
    rule.to.push(Target {
        who: Who::Reporter,
        via: vec![Via::InApp],
    });
    assert_eq!(
        rule.validate(Event::KpiAlert).unwrap_err().code,
        "rule_not_for_kpi"
    );
    assert!(rule.validate(Event::Comment).is_ok());
}
