//! Message templates, in Chinese and English, with `{name}` placeholders.
//! wuye ships one per event and language; admins may replace any of them.

use super::Event;
use crate::Lang;
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The values a template may use, by name.
pub type Vars = BTreeMap<&'static str, String>;

/// The placeholders templates may use, and what they hold.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("number", "工单号 order number"),
    ("kind", "类型 kind (报修/投诉…)"),
    ("place", "位置 place"),
    (
        "text",
        "问题描述（前 60 字） the request, first 60 characters",
    ),
    ("state", "当前状态 current state"),
    ("team", "班组 team"),
    ("assignee", "处理人 assignee"),
    ("actor", "操作人 who acted"),
    ("note", "说明/原因/留言（前 60 字） note, reason or comment"),
    ("stars", "评分 stars"),
    ("metric", "时限 SLA metric (响应/解决)"),
    ("level", "升级级别 escalation level"),
    ("event", "事件 event"),
    ("kpi", "指标（指标预警） KPI (KPI alerts)"),
    ("value", "指标当前值 the KPI's value"),
    (
        "threshold",
        "预警条件，如“低于 90%” the threshold, e.g. below 90%",
    ),
    (
        "scope",
        "范围：全公司或小区 scope: the company or a community",
    ),
    (
        "period",
        "周期：今天/本周/本月 period: today, this week, this month",
    ),
];

/// Longest title and body an admin may write (characters).
pub const MAX_TITLE: usize = 100;
pub const MAX_BODY: usize = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// The subject (e-mail), the heading (in-app, robots).
    pub title: String,
    pub body: String,
}

fn tpl(title: &str, body: &str) -> Template {
    Template {
        title: title.into(),
        body: body.into(),
    }
}

/// The shipped template of an event in a language.
pub fn default_template(event: Event, lang: Lang) -> Template {
    use Event::*;
    match (lang, event) {
        (Lang::Zh, OrderCreated) => tpl(
            "工单已受理 {number}",
            "您的{kind}（{place}）已受理：{text}。我们会尽快安排处理。",
        ),
        (Lang::Zh, Dispatched) => tpl(
            "新派单 {number}",
            "{place} 的{kind}已派给{team}（{assignee}）：{text}",
        ),
        (Lang::Zh, Accepted) => tpl(
            "已接单 {number}",
            "{assignee}已接单，正在安排上门处理：{text}",
        ),
        (Lang::Zh, OnHold) => tpl("工单挂起 {number}", "工单暂时挂起，原因：{note}"),
        (Lang::Zh, AwaitingAcceptance) => tpl(
            "请验收 {number}",
            "{place} 的{kind}已处理完成，请在 App 中验收并评价。",
        ),
        (Lang::Zh, Resolved) => tpl("工单已完成 {number}", "{place} 的{kind}已完成：{text}"),
        (Lang::Zh, LowRating) => tpl(
            "差评提醒 {number}",
            "{place} 的{kind}获得 {stars} 星评价：{note}。请安排回访。",
        ),
        (Lang::Zh, SlaWarning) => tpl(
            "时限预警 {number}",
            "工单 {number}（{place}）的{metric}时限即将到期，请尽快处理。",
        ),
        (Lang::Zh, SlaBreach) => tpl(
            "已超时 {number}",
            "工单 {number}（{place}）的{metric}时限已超时：{text}",
        ),
        (Lang::Zh, SlaEscalation) => tpl(
            "升级第 {level} 级 {number}",
            "工单 {number}（{place}）的{metric}时限已超时并升级至第 {level} 级，请督办。",
        ),
        (Lang::Zh, Comment) => tpl("新留言 {number}", "{actor}：{note}"),
        (Lang::Zh, Transfer) => tpl(
            "转单 {number}",
            "{place} 的{kind}已转给{team}，原因：{note}",
        ),
        (Lang::Zh, Dispute) => tpl(
            "派单争议 {number}",
            "{team}对工单 {number}（{place}）提出争议：{note}。请裁定。",
        ),
        (Lang::En, OrderCreated) => tpl(
            "Order {number} received",
            "Your {kind} ({place}) has been received: {text}. We will arrange it shortly.",
        ),
        (Lang::En, Dispatched) => tpl(
            "New job {number}",
            "The {kind} at {place} was dispatched to {team} ({assignee}): {text}",
        ),
        (Lang::En, Accepted) => tpl(
            "Order {number} accepted",
            "{assignee} accepted the job and will come to fix it: {text}",
        ),
        (Lang::En, OnHold) => tpl("Order {number} on hold", "The job is on hold: {note}"),
        (Lang::En, AwaitingAcceptance) => tpl(
            "Please check order {number}",
            "The {kind} at {place} is done; please check and rate it in the app.",
        ),
        (Lang::En, Resolved) => tpl(
            "Order {number} resolved",
            "The {kind} at {place} is resolved: {text}",
        ),
        (Lang::En, LowRating) => tpl(
            "Low rating on {number}",
            "The {kind} at {place} was rated {stars} stars: {note}. Please call back.",
        ),
        (Lang::En, SlaWarning) => tpl(
            "SLA warning {number}",
            "The {metric} time of order {number} ({place}) is about to run out.",
        ),
        (Lang::En, SlaBreach) => tpl(
            "SLA breached {number}",
            "The {metric} time of order {number} ({place}) has run out: {text}",
        ),
        (Lang::En, SlaEscalation) => tpl(
            "Escalation level {level} {number}",
            "The {metric} time of order {number} ({place}) has run out; escalated to level {level}.",
        ),
        (Lang::En, Comment) => tpl("New comment on {number}", "{actor}: {note}"),
        (Lang::En, Transfer) => tpl(
            "Order {number} transferred",
            "The {kind} at {place} was transferred to {team}: {note}",
        ),
        (Lang::En, Dispute) => tpl(
            "Dispute on {number}",
            "{team} disputes order {number} ({place}): {note}. Please rule.",
        ),
        (Lang::Zh, KpiAlert) => tpl(
            "指标预警：{kpi}",
            "{scope}{period}的{kpi}为 {value}，{threshold}，请在数据看板查看明细。",
        ),
        (Lang::En, KpiAlert) => tpl(
            "KPI alert: {kpi}",
            "{kpi} for {scope}, {period}, is {value} ({threshold}). See the dashboard for the orders behind it.",
        ),
    }
}

/// The placeholders a text uses, in order; an unclosed `{` is an error.
fn placeholders(text: &str) -> Result<Vec<&str>, usize> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(offset + open);
        };
        out.push(&after[..close]);
        offset += open + close + 2;
        rest = &after[close + 1..];
    }
    Ok(out)
}

impl Template {
    /// Checks an admin's template: lengths and known placeholders only.
    pub fn validate(&self) -> Result<(), Error> {
        for (field, text, max) in [
            ("title", &self.title, MAX_TITLE),
            ("body", &self.body, MAX_BODY),
        ] {
            let n = text.chars().count();
            if text.trim().is_empty() || n > max {
                return Err(Error::invalid(
                    "template_length",
                    format!("{field} 应为 1 到 {max} 个字"),
                    format!("The {field} must have 1 to {max} characters"),
                )
                .with_field(field));
            }
            let names = placeholders(text).map_err(|_| {
                Error::invalid(
                    "template_unclosed",
                    "模板中有未闭合的 {",
                    "The template has an unclosed {",
                )
                .with_field(field)
            })?;
            if let Some(bad) = names
                .iter()
                .find(|n| !PLACEHOLDERS.iter().any(|(p, _)| p == *n))
            {
                let known: Vec<&str> = PLACEHOLDERS.iter().map(|(p, _)| *p).collect();
                return Err(Error::invalid(
                    "template_unknown_placeholder",
                    format!("没有 {{{bad}}} 这个占位符，可用：{}", known.join("、")),
                    format!(
                        "There is no placeholder {{{bad}}}; use one of: {}",
                        known.join(", ")
                    ),
                )
                .with_field(field));
            }
        }
        Ok(())
    }

    /// Fills the placeholders (unknown or missing values become empty).
    pub fn render(&self, vars: &Vars) -> Template {
        Template {
            title: render_text(&self.title, vars),
            body: render_text(&self.body, vars),
        }
    }
}

pub fn render_text(text: &str, vars: &Vars) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                if let Some(v) = vars.get(&after[..close]) {
                    out.push_str(v);
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first `n` characters of a text, with an ellipsis when cut.
pub fn excerpt(text: &str, n: usize) -> String {
    let t = text.trim();
    if t.chars().count() <= n {
        t.to_string()
    } else {
        let mut s: String = t.chars().take(n).collect();
        s.push('…');
        s
    }
}

/// What a KPI alert tells: the KPI, its value and threshold, where and when.
#[derive(Debug, Clone)]
pub struct KpiAlertFacts<'a> {
    pub kpi: &'a crate::kpi::defs::Kpi,
    pub value: f64,
    /// `below` or `above`.
    pub op: &'a str,
    pub threshold: f64,
    /// `day`, `week` or `month`.
    pub period: &'a str,
    /// The community's name; none for the whole company.
    pub community: Option<&'a str>,
}

/// The placeholders of a KPI alert in a language (“本月的24小时完成率为
/// 85%，低于 90%”).
pub fn kpi_alert_vars(f: &KpiAlertFacts<'_>, lang: Lang) -> Vars {
    use crate::kpi::defs::Unit;
    let zh = lang == Lang::Zh;
    let show = |x: f64| {
        let x = (x * 100.0).round() / 100.0;
        match (f.kpi.unit, zh) {
            (Unit::Percent, _) => format!("{x}%"),
            (Unit::Minutes, true) => format!("{x} 分钟"),
            (Unit::Minutes, false) => format!("{x} min"),
            (Unit::Stars, _) => format!("{x} / 5"),
            (Unit::Count, _) => format!("{x}"),
        }
    };
    let mut v = Vars::new();
    v.insert("kpi", if zh { f.kpi.zh } else { f.kpi.en }.to_string());
    v.insert("value", show(f.value));
    let below = f.op == "below";
    v.insert(
        "threshold",
        match (zh, below) {
            (true, true) => format!("低于 {}", show(f.threshold)),
            (true, false) => format!("高于 {}", show(f.threshold)),
            (false, true) => format!("below {}", show(f.threshold)),
            (false, false) => format!("above {}", show(f.threshold)),
        },
    );
    v.insert(
        "scope",
        match (f.community, zh) {
            (Some(name), _) => name.to_string(),
            (None, true) => "全公司".to_string(),
            (None, false) => "the whole company".to_string(),
        },
    );
    v.insert(
        "period",
        match (f.period, zh) {
            ("day", true) => "今天",
            ("week", true) => "本周",
            (_, true) => "本月",
            ("day", false) => "today",
            ("week", false) => "this week",
            (_, false) => "this month",
        }
        .to_string(),
    );
    v.insert("event", Event::KpiAlert.label(lang).to_string());
    v
}
