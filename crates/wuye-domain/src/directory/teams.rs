//! The teams a company starts with (`shared/docs/DISPATCH.md`), and how each
//! team takes its work.

use crate::category::Category;
use crate::error::Error;
use serde::{Deserialize, Serialize};

/// How a team's orders reach a person.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DispatchMode {
    /// wuye picks the person.
    #[default]
    Auto,
    /// Orders wait in a pool and technicians grab them (抢单).
    Grab,
    /// A dispatcher assigns every order.
    Manual,
}

impl DispatchMode {
    pub fn code(self) -> &'static str {
        match self {
            DispatchMode::Auto => "auto",
            DispatchMode::Grab => "grab",
            DispatchMode::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "auto" => Ok(Self::Auto),
            "grab" => Ok(Self::Grab),
            "manual" => Ok(Self::Manual),
            other => Err(Error::invalid(
                "dispatch_mode_invalid",
                format!("派单方式“{other}”无效：应为 auto（自动）、grab（抢单）或 manual（人工）"),
                format!("Dispatch mode “{other}” is not valid: auto, grab or manual"),
            )
            .with_field("dispatch_mode")),
        }
    }
}

pub struct DefaultTeam {
    pub code: &'static str,
    pub name: &'static str,
    pub department: &'static str,
    pub categories: &'static [Category],
}

/// One row per default team of DISPATCH.md, with the categories it takes.
pub const DEFAULT_TEAMS: &[DefaultTeam] = &[
    DefaultTeam {
        code: "eng_water_power",
        name: "工程部·水电班",
        department: "工程部",
        categories: &[Category::Plumbing, Category::Electrical],
    },
    DefaultTeam {
        code: "elevator",
        name: "电梯维保",
        department: "工程部",
        categories: &[Category::Elevator],
    },
    DefaultTeam {
        code: "eng_general",
        name: "工程部·综合班",
        department: "工程部",
        categories: &[Category::DoorsAccess, Category::PublicFacilities],
    },
    DefaultTeam {
        code: "eng_civil",
        name: "工程部·土建班",
        department: "工程部",
        categories: &[Category::Civil],
    },
    DefaultTeam {
        code: "eng_hvac",
        name: "工程部·暖通",
        department: "工程部",
        categories: &[Category::HeatingGas],
    },
    DefaultTeam {
        code: "sec_fire",
        name: "安保部·消防",
        department: "安保部",
        categories: &[Category::FireSafety],
    },
    DefaultTeam {
        code: "cleaning",
        name: "保洁部",
        department: "保洁部",
        categories: &[Category::Cleaning],
    },
    DefaultTeam {
        code: "greening",
        name: "绿化部",
        department: "绿化部",
        categories: &[Category::Greening],
    },
    DefaultTeam {
        code: "security",
        name: "安保部",
        department: "安保部",
        categories: &[Category::Security],
    },
    DefaultTeam {
        code: "sec_parking",
        name: "安保部·车管",
        department: "安保部",
        categories: &[Category::Parking],
    },
    DefaultTeam {
        code: "cs",
        name: "客服部",
        department: "客服部",
        categories: &[Category::NoiseNeighbor, Category::Other],
    },
    DefaultTeam {
        code: "cs_decoration",
        name: "客服部·装修管理",
        department: "客服部",
        categories: &[Category::Decoration],
    },
    DefaultTeam {
        code: "cs_billing",
        name: "客服部·收费",
        department: "客服部",
        categories: &[Category::Fees],
    },
];

/// The default team for a category.
pub fn default_team_for(category: Category) -> &'static DefaultTeam {
    DEFAULT_TEAMS
        .iter()
        .find(|t| t.categories.contains(&category))
        .expect("every category has a default team")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_category_has_exactly_one_default_team() {
        for c in Category::ALL {
            let n = DEFAULT_TEAMS
                .iter()
                .filter(|t| t.categories.contains(&c))
                .count();
            assert_eq!(n, 1, "{c:?}");
        }
        assert_eq!(default_team_for(Category::Elevator).name, "电梯维保");
    }
}
