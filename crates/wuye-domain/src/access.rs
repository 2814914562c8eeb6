//! Who may do what: roles, the resources they touch, and the actor making a
//! request with the scope it works in (communities served, teams, own homes).
//!
//! The grant table is data, read by `grant`; the app layer asks it before
//! every use case and narrows lists to the actor's scope.

use crate::error::Error;
use crate::ids::{CommunityId, CompanyId, HomeId, ResidentId, StaffId, TeamId, UserId};
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
pub enum Role {
    Admin,
    Manager,
    Supervisor,
    Agent,
    Technician,
    Vendor,
    Resident,
}

impl Role {
    pub const STAFF: [Role; 6] = [
        Role::Admin,
        Role::Manager,
        Role::Supervisor,
        Role::Agent,
        Role::Technician,
        Role::Vendor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Technician => "technician",
            Role::Vendor => "vendor",
            Role::Resident => "resident",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "管理员",
            Role::Manager => "项目经理",
            Role::Supervisor => "客服主管",
            Role::Agent => "客服专员",
            Role::Technician => "维修工",
            Role::Vendor => "外包单位",
            Role::Resident => "业主",
        }
    }

    pub fn parse(code: &str) -> Result<Role, Error> {
        let r = match code.trim() {
            "admin" | "管理员" => Role::Admin,
            "manager" | "项目经理" | "经理" => Role::Manager,
            "supervisor" | "客服主管" | "主管" => Role::Supervisor,
            "agent" | "客服专员" | "客服" => Role::Agent,
            "technician" | "维修工" | "技工" => Role::Technician,
            "vendor" | "外包单位" | "外包" => Role::Vendor,
            "resident" | "业主" => Role::Resident,
            other => {
                return Err(Error::invalid(
                    "role_invalid",
                    format!("没有“{other}”这个角色"),
                    format!("Unknown role “{other}”"),
                )
                .with_field("roles"));
            }
        };
        Ok(r)
    }
}

/// Parses a staff member's role list: at least one, no `resident`, no repeats.
pub fn parse_staff_roles(codes: &[String]) -> Result<Vec<Role>, Error> {
    let mut roles = Vec::new();
    for c in codes {
        let r = Role::parse(c)?;
        if r == Role::Resident {
            return Err(Error::invalid(
                "role_invalid",
                "员工不能拥有“业主”角色",
                "Staff cannot have the resident role",
            )
            .with_field("roles"));
        }
        if !roles.contains(&r) {
            roles.push(r);
        }
    }
    if roles.is_empty() {
        return Err(Error::invalid(
            "roles_empty",
            "请至少选择一个角色",
            "Choose at least one role",
        )
        .with_field("roles"));
    }
    roles.sort();
    Ok(roles)
}

/// The families of things the API exposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    Community,
    /// Buildings, entrances and homes.
    Property,
    Resident,
    Staff,
    Team,
    Import,
    Audit,
}

/// How far a role reaches into a resource family (ordered: more is more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Access {
    None,
    /// Only what is the actor's own: a resident's homes, a staff member's own record.
    Own,
    Read,
    Write,
}

/// The grant table. Scope (communities served, own team) narrows it further.
pub fn grant(role: Role, resource: Resource) -> Access {
    use Access::*;
    use Resource as R;
    use Role::*;
    match (role, resource) {
        (Admin, _) => Write,

        (Manager, R::Community) => Read,
        (Manager, R::Property | R::Resident | R::Staff | R::Team | R::Import) => Write,
        (Manager, R::Audit) => None,

        (Supervisor | Agent, R::Community | R::Property | R::Staff | R::Team) => Read,
        (Supervisor | Agent, R::Resident) => Write,
        (Supervisor | Agent, R::Import | R::Audit) => None,

        (Technician, R::Community | R::Property | R::Team) => Read,
        (Technician, R::Staff) => Own,
        (Technician, R::Resident | R::Import | R::Audit) => None,

        (Vendor, R::Community) => Read,
        (Vendor, R::Team | R::Staff) => Own,
        (Vendor, R::Property | R::Resident | R::Import | R::Audit) => None,

        (Resident, R::Community | R::Property | R::Resident) => Own,
        (Resident, _) => None,
    }
}

/// Who is acting, and the scope they act in. Built by the app layer from the
/// session; every use case takes one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Actor {
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub display_name: String,
    pub roles: Vec<Role>,
    pub staff_id: Option<StaffId>,
    pub resident_id: Option<ResidentId>,
    /// Communities a staff member serves, or where a resident has a home.
    pub communities: Vec<CommunityId>,
    pub teams: Vec<TeamId>,
    /// Teams this staff member leads (班组长).
    pub lead_teams: Vec<TeamId>,
    pub homes: Vec<HomeId>,
}

impl Actor {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::Admin)
    }

    pub fn access(&self, resource: Resource) -> Access {
        self.roles
            .iter()
            .map(|r| grant(*r, resource))
            .max()
            .unwrap_or(Access::None)
    }

    /// Refuses unless the actor reaches `resource` at least to `needed`.
    pub fn require(&self, resource: Resource, needed: Access) -> Result<Access, Error> {
        let a = self.access(resource);
        if a >= needed && a != Access::None {
            Ok(a)
        } else {
            Err(Error::forbidden())
        }
    }

    /// Whether the actor works in (or, for a resident, lives in) a community.
    /// Admins reach every community of their company.
    pub fn in_community(&self, c: CommunityId) -> bool {
        self.is_admin() || self.communities.contains(&c)
    }

    /// `None` means "all communities of the company"; otherwise the list the
    /// actor is confined to (possibly empty).
    pub fn community_filter(&self) -> Option<&[CommunityId]> {
        if self.is_admin() {
            None
        } else {
            Some(&self.communities)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_parses_from_its_code_and_label() {
        for r in Role::STAFF.iter().chain([Role::Resident].iter()) {
            assert_eq!(Role::parse(r.code()).unwrap(), *r);
            assert_eq!(Role::parse(r.label_zh()).unwrap(), *r);
        }
    }

    #[test]
    fn staff_roles_refuse_resident_and_empty() {
        assert!(parse_staff_roles(&[]).is_err());
        assert!(parse_staff_roles(&["resident".into()]).is_err());
        assert_eq!(
            parse_staff_roles(&["agent".into(), "admin".into(), "agent".into()]).unwrap(),
            vec![Role::Admin, Role::Agent]
        );
    }

    #[test]
    fn only_admins_read_the_audit_log() {
        for r in Role::STAFF.iter().chain([Role::Resident].iter()) {
            assert_eq!(
                grant(*r, Resource::Audit) == Access::Write,
                *r == Role::Admin
            );
        }
    }
}
