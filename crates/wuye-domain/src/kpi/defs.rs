//! The KPI catalogue: what each one measures, in words and as a ratio of
//! summed contributions.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Percent,
    Minutes,
    Stars,
    Count,
}

#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct Kpi {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub unit: Unit,
    /// Whether a higher value is better (for arrows and alerts).
    pub higher_is_better: bool,
    /// The figure the report gives as the target, if any.
    pub target: Option<f64>,
    /// The contribution metric summed (numerator / denominator).
    #[serde(skip)]
    pub metric: &'static str,
}

/// The KPIs of PRODUCT.md, in dashboard order.
pub const KPIS: &[Kpi] = &[
    Kpi {
        code: "complaint_response_minutes",
        zh: "平均投诉响应时长",
        en: "Avg complaint response",
        unit: Unit::Minutes,
        higher_is_better: false,
        target: Some(40.0),
        metric: "complaint_response_minutes",
    },
    Kpi {
        code: "repair_24h",
        zh: "维修24小时完结率",
        en: "Repairs done within 24 h",
        unit: Unit::Percent,
        higher_is_better: true,
        target: Some(93.0),
        metric: "repair_24h",
    },
    Kpi {
        code: "satisfaction",
        zh: "业主满意度",
        en: "Satisfaction",
        unit: Unit::Stars,
        higher_is_better: true,
        target: Some(4.8),
        metric: "satisfaction",
    },
    Kpi {
        code: "cycle_minutes",
        zh: "平均处理周期",
        en: "Avg cycle time",
        unit: Unit::Minutes,
        higher_is_better: false,
        target: Some(24.0 * 60.0),
        metric: "cycle_minutes",
    },
    Kpi {
        code: "one_time_fix",
        zh: "一次性修复率",
        en: "One-time fix rate",
        unit: Unit::Percent,
        higher_is_better: true,
        target: Some(93.0),
        metric: "one_time_fix",
    },
    Kpi {
        code: "repeat_repair",
        zh: "重复报修率",
        en: "Repeat repairs",
        unit: Unit::Percent,
        higher_is_better: false,
        target: None,
        metric: "repeat_repair",
    },
    Kpi {
        code: "repeat_complaint",
        zh: "重复投诉率",
        en: "Repeat complaints",
        unit: Unit::Percent,
        higher_is_better: false,
        target: None,
        metric: "repeat_complaint",
    },
    Kpi {
        code: "complaint_escalation",
        zh: "投诉升级率",
        en: "Complaints escalated",
        unit: Unit::Percent,
        higher_is_better: false,
        target: None,
        metric: "complaint_escalation",
    },
    Kpi {
        code: "major_complaint_resolved",
        zh: "重大投诉化解率",
        en: "Major complaints resolved",
        unit: Unit::Percent,
        higher_is_better: true,
        target: Some(88.0),
        metric: "major_complaint_resolved",
    },
    Kpi {
        code: "self_service",
        zh: "非紧急报修线上化率",
        en: "Online self-service (non-urgent repairs)",
        unit: Unit::Percent,
        higher_is_better: true,
        target: Some(75.0),
        metric: "self_service",
    },
    Kpi {
        code: "auto_dispatch_accuracy",
        zh: "智能派单准确率",
        en: "Auto-dispatch accuracy",
        unit: Unit::Percent,
        higher_is_better: true,
        target: Some(90.0),
        metric: "auto_dispatch_accuracy",
    },
    Kpi {
        code: "manual_intervention",
        zh: "人工干预率",
        en: "Manual intervention",
        unit: Unit::Percent,
        higher_is_better: false,
        target: None,
        metric: "manual_intervention",
    },
    Kpi {
        code: "fee_collection",
        zh: "缴费率",
        en: "Fee collection rate",
        unit: Unit::Percent,
        higher_is_better: true,
        target: None,
        metric: "fee_collection",
    },
];

pub fn find(code: &str) -> Option<&'static Kpi> {
    KPIS.iter().find(|k| k.code == code)
}

/// The value of a KPI from its summed numerator and denominator (None when
/// there is nothing to measure).
pub fn value(k: &Kpi, num: i64, den: i64) -> Option<f64> {
    if den == 0 {
        return None;
    }
    let v = num as f64 / den as f64;
    Some(match k.unit {
        Unit::Percent => (v * 1000.0).round() / 10.0,
        Unit::Minutes => v.round(),
        Unit::Stars => (v * 100.0).round() / 100.0,
        Unit::Count => v,
    })
}
