//! The request categories of `shared/docs/DISPATCH.md`: stable codes, the
//! labels people read, and the team each one goes to by default.

use crate::error::Error;
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
pub enum Category {
    Plumbing,
    Electrical,
    Elevator,
    DoorsAccess,
    Civil,
    HeatingGas,
    FireSafety,
    PublicFacilities,
    Cleaning,
    Greening,
    Security,
    Parking,
    NoiseNeighbor,
    Decoration,
    Fees,
    Other,
}

impl Category {
    pub const ALL: [Category; 16] = [
        Category::Plumbing,
        Category::Electrical,
        Category::Elevator,
        Category::DoorsAccess,
        Category::Civil,
        Category::HeatingGas,
        Category::FireSafety,
        Category::PublicFacilities,
        Category::Cleaning,
        Category::Greening,
        Category::Security,
        Category::Parking,
        Category::NoiseNeighbor,
        Category::Decoration,
        Category::Fees,
        Category::Other,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Plumbing => "plumbing",
            Category::Electrical => "electrical",
            Category::Elevator => "elevator",
            Category::DoorsAccess => "doors_access",
            Category::Civil => "civil",
            Category::HeatingGas => "heating_gas",
            Category::FireSafety => "fire_safety",
            Category::PublicFacilities => "public_facilities",
            Category::Cleaning => "cleaning",
            Category::Greening => "greening",
            Category::Security => "security",
            Category::Parking => "parking",
            Category::NoiseNeighbor => "noise_neighbor",
            Category::Decoration => "decoration",
            Category::Fees => "fees",
            Category::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Category::Plumbing => "给排水",
            Category::Electrical => "电气",
            Category::Elevator => "电梯",
            Category::DoorsAccess => "门窗门禁",
            Category::Civil => "土建",
            Category::HeatingGas => "供暖燃气",
            Category::FireSafety => "消防",
            Category::PublicFacilities => "公共设施",
            Category::Cleaning => "保洁",
            Category::Greening => "绿化",
            Category::Security => "安保",
            Category::Parking => "停车",
            Category::NoiseNeighbor => "噪音与邻里",
            Category::Decoration => "装修",
            Category::Fees => "费用",
            Category::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Category::Plumbing => "Plumbing",
            Category::Electrical => "Electrical",
            Category::Elevator => "Elevator",
            Category::DoorsAccess => "Doors & access",
            Category::Civil => "Civil works",
            Category::HeatingGas => "Heating & gas",
            Category::FireSafety => "Fire safety",
            Category::PublicFacilities => "Public facilities",
            Category::Cleaning => "Cleaning",
            Category::Greening => "Greening",
            Category::Security => "Security",
            Category::Parking => "Parking",
            Category::NoiseNeighbor => "Noise & neighbours",
            Category::Decoration => "Renovation",
            Category::Fees => "Fees",
            Category::Other => "Other",
        }
    }

    pub fn parse(code: &str) -> Result<Category, Error> {
        let c = code.trim();
        Category::ALL
            .into_iter()
            .find(|k| k.code() == c || k.label_zh() == c)
            .ok_or_else(|| {
                Error::invalid(
                    "category_invalid",
                    format!("没有“{c}”这个类别"),
                    format!("Unknown category “{c}”"),
                )
                .with_field("category")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()).unwrap(), c);
            assert_eq!(Category::parse(c.label_zh()).unwrap(), c);
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.code()));
        }
    }
}
