//! The property directory: company → communities → buildings → entrances →
//! homes; residents living in homes; staff and the teams they work in.

pub mod teams;
pub mod working_hours;

use crate::error::Error;
use crate::ids::*;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use teams::{DEFAULT_TEAMS, DefaultTeam, DispatchMode};
pub use working_hours::WorkingHours;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Community {
    pub id: CommunityId,
    pub company_id: CompanyId,
    pub name: String,
    pub address: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Building {
    pub id: BuildingId,
    pub community_id: CommunityId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Entrance {
    pub id: EntranceId,
    pub building_id: BuildingId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Home {
    pub id: HomeId,
    pub community_id: CommunityId,
    pub building_id: BuildingId,
    pub entrance_id: Option<EntranceId>,
    pub number: String,
    pub floor: Option<i64>,
    /// Square metres, exact (a decimal string).
    pub area: Option<String>,
    /// How people say it: 3栋2单元1202.
    pub label: String,
}

/// How a home's label reads: building, entrance, number, run together as
/// people write them (3栋2单元1202). A bare number gets its 栋/单元 suffix.
pub fn home_label(building: &str, entrance: Option<&str>, number: &str) -> String {
    fn suffixed(s: &str, suffix: &str) -> String {
        if s.chars().all(|c| c.is_ascii_digit()) {
            format!("{s}{suffix}")
        } else {
            s.to_string()
        }
    }
    let mut label = suffixed(building, "栋");
    if let Some(e) = entrance.filter(|e| !e.is_empty()) {
        label.push_str(&suffixed(e, "单元"));
    }
    label.push_str(number);
    label
}

/// How a resident relates to a home.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// 业主
    Owner,
    /// 租户
    Tenant,
    /// 家属
    Family,
}

impl Relation {
    pub fn code(self) -> &'static str {
        match self {
            Relation::Owner => "owner",
            Relation::Tenant => "tenant",
            Relation::Family => "family",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Relation::Owner => "业主",
            Relation::Tenant => "租户",
            Relation::Family => "家属",
        }
    }

    pub fn parse(s: &str) -> Result<Relation, Error> {
        match s.trim() {
            "owner" | "业主" | "户主" => Ok(Relation::Owner),
            "tenant" | "租户" | "租客" => Ok(Relation::Tenant),
            "family" | "家属" | "家庭成员" => Ok(Relation::Family),
            other => Err(Error::invalid(
                "relation_invalid",
                format!("“{other}”不是有效的关系：应为 业主、租户 或 家属"),
                format!("“{other}” is not a relation: owner, tenant or family"),
            )
            .with_field("relation")),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResidentHome {
    pub home_id: HomeId,
    pub community_id: CommunityId,
    pub label: String,
    pub relation: Relation,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Resident {
    pub id: ResidentId,
    pub name: String,
    pub phone: String,
    pub user_id: Option<UserId>,
    pub homes: Vec<ResidentHome>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Staff {
    pub id: StaffId,
    pub name: String,
    pub phone: String,
    pub roles: Vec<crate::access::Role>,
    pub communities: Vec<CommunityId>,
    pub teams: Vec<TeamId>,
    #[schema(value_type = std::collections::BTreeMap<String, Vec<String>>, example = json!({"mon": ["08:00-18:00"]}))]
    pub working_hours: WorkingHours,
    pub active: bool,
    pub user_id: Option<UserId>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamMember {
    pub staff_id: StaffId,
    pub name: String,
    pub is_lead: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Team {
    pub id: TeamId,
    pub code: String,
    pub name: String,
    pub department: String,
    /// 外包: an outsourced vendor's team.
    pub is_vendor: bool,
    pub vendor_name: Option<String>,
    pub dispatch_mode: DispatchMode,
    pub members: Vec<TeamMember>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_people_write_them() {
        assert_eq!(home_label("3", Some("2"), "1202"), "3栋2单元1202");
        assert_eq!(home_label("3栋", Some("2单元"), "1202"), "3栋2单元1202");
        assert_eq!(home_label("B座", None, "801"), "B座801");
        assert_eq!(home_label("12幢", Some(""), "101"), "12幢101");
    }
}
