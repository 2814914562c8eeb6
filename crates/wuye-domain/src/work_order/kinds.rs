//! What an order is: its kind, how it came in, how urgent it is, where.

use crate::error::Error;
use serde::{Deserialize, Serialize};

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident, $field:literal, $what_zh:literal, $what_en:literal,
     { $($variant:ident = $code:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),* }
            }

            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),* }
            }

            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),* }
            }

            /// Parses a code (or the Chinese label).
            pub fn parse(s: &str) -> Result<Self, Error> {
                let t = s.trim();
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == t || v.label_zh() == t)
                    .ok_or_else(|| {
                        let codes: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                        Error::invalid(
                            concat!($field, "_invalid"),
                            format!("{}“{}”无效，可选：{}", $what_zh, t, codes.join("、")),
                            format!("{} “{}” is not valid; use one of: {}", $what_en, t, codes.join(", ")),
                        )
                        .with_field($field)
                    })
            }
        }
    };
}

coded_enum!(
    /// 工单类型
    Kind, "kind", "工单类型", "Kind", {
        Repair = "repair", "报修", "Repair";
        Complaint = "complaint", "投诉", "Complaint";
        Consultation = "consultation", "咨询", "Consultation";
        Suggestion = "suggestion", "建议", "Suggestion";
        Praise = "praise", "表扬", "Praise";
    }
);

impl Kind {
    /// The prefix of order numbers: 报修 BX, 投诉 TS, 咨询 ZX, 建议 JY, 表扬 BY.
    pub fn number_prefix(self) -> &'static str {
        match self {
            Kind::Repair => "BX",
            Kind::Complaint => "TS",
            Kind::Consultation => "ZX",
            Kind::Suggestion => "JY",
            Kind::Praise => "BY",
        }
    }
}

coded_enum!(
    /// 受理渠道
    Channel, "channel", "渠道", "Channel", {
        App = "app", "业主端", "Resident app";
        Phone = "phone", "电话", "Phone";
        WalkIn = "walk_in", "前台", "Walk-in";
        StaffFound = "staff_found", "巡查发现", "Found by staff";
        Api = "api", "接口", "API";
        Assistant = "assistant", "智能客服", "Assistant";
    }
);

coded_enum!(
    /// 优先级 (the report's 紧急/常规/咨询)
    Priority, "priority", "优先级", "Priority", {
        Urgent = "urgent", "紧急", "Urgent";
        Regular = "regular", "常规", "Regular";
        Consult = "consult", "咨询", "Consultation";
    }
);

coded_enum!(
    /// 投诉等级 A/B/C (by severity; responded to within 2 h / 8 h / 24 h)
    Grade, "grade", "投诉等级", "Complaint grade", {
        A = "a", "A级", "Grade A";
        B = "b", "B级", "Grade B";
        C = "c", "C级", "Grade C";
    }
);

coded_enum!(
    /// Where the problem is: a home, or a public place of the community.
    PlaceKind, "place_kind", "位置类型", "Place kind", {
        Home = "home", "房屋", "Home";
        Building = "building", "楼栋公共区域", "Building common area";
        Entrance = "entrance", "单元", "Entrance";
        Garage = "garage", "车库", "Garage";
        Grounds = "grounds", "小区公共区域", "Grounds";
    }
);

coded_enum!(
    /// 回访结果
    VisitOutcome, "outcome", "回访结果", "Return-visit outcome", {
        Satisfied = "satisfied", "满意", "Satisfied";
        Unsatisfied = "unsatisfied", "不满意", "Unsatisfied";
        Unreachable = "unreachable", "联系不上", "Unreachable";
    }
);

/// The priority an order gets when the reporter does not say.
pub fn default_priority(kind: Kind) -> Priority {
    match kind {
        Kind::Consultation | Kind::Suggestion | Kind::Praise => Priority::Consult,
        Kind::Repair | Kind::Complaint => Priority::Regular,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_parse() {
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.code()).unwrap(), *k);
            assert_eq!(Kind::parse(k.label_zh()).unwrap(), *k);
        }
        let e = Priority::parse("asap").unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            ("priority_invalid", Some("priority"))
        );
        assert_eq!(Grade::parse("A级").unwrap(), Grade::A);
        assert_eq!(Kind::Repair.number_prefix(), "BX");
    }
}
