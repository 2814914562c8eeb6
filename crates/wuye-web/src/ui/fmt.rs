//! Formatting for pages: local times, countdown classes, masked phones.

use jiff::Timestamp;
use wuye_domain::time::default_zone;

/// `11-27 14:05` in the company's zone (the year when not this year).
pub fn local_time(t: &Timestamp) -> String {
    let z = t.to_zoned(default_zone());
    let now = Timestamp::now().to_zoned(default_zone());
    if z.year() == now.year() {
        z.strftime("%m-%d %H:%M").to_string()
    } else {
        z.strftime("%Y-%m-%d %H:%M").to_string()
    }
}

pub fn local_time_opt(t: &Option<Timestamp>) -> String {
    t.as_ref().map(local_time).unwrap_or_default()
}

/// The colour class of an order's clock: breached (red), warn (amber), ok.
pub fn sla_class(
    deadline: Option<Timestamp>,
    warn_at: Option<Timestamp>,
    stage: &str,
) -> &'static str {
    let now = Timestamp::now();
    match (stage, deadline, warn_at) {
        ("breached", _, _) => "sla-breached",
        (_, Some(d), _) if d <= now => "sla-breached",
        (_, _, Some(w)) if w <= now => "sla-warn",
        ("running", Some(_), _) => "sla-ok",
        _ => "",
    }
}

/// "1 h 20 min" / "1小时20分" left, or overdue by as much.
pub fn remaining(deadline: Option<Timestamp>, lang: wuye_domain::Lang) -> String {
    let Some(d) = deadline else {
        return String::new();
    };
    let ms = d.as_millisecond() - Timestamp::now().as_millisecond();
    let mins = ms.abs() / 60_000;
    let (h, m) = (mins / 60, mins % 60);
    let amount = match lang {
        wuye_domain::Lang::Zh if h > 0 => format!("{h}小时{m}分"),
        wuye_domain::Lang::Zh => format!("{m}分钟"),
        wuye_domain::Lang::En if h > 0 => format!("{h} h {m} min"),
        wuye_domain::Lang::En => format!("{m} min"),
    };
    match (lang, ms < 0) {
        (wuye_domain::Lang::Zh, true) => format!("超时 {amount}"),
        (wuye_domain::Lang::Zh, false) => format!("剩余 {amount}"),
        (wuye_domain::Lang::En, true) => format!("{amount} overdue"),
        (wuye_domain::Lang::En, false) => format!("{amount} left"),
    }
}

/// The CSS class of a state (the same colours everywhere).
pub fn state_class(state: &str) -> &'static str {
    match state {
        "received" | "dispatched" | "disputed" => "st-new",
        "accepted" | "in_progress" | "on_hold" => "st-progress",
        "awaiting_acceptance" => "st-waiting",
        "resolved" => "st-done",
        _ => "st-closed",
    }
}
