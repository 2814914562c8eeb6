//! Teams (班组), in-house or outsourced (外包), and their members.

use crate::App;
use crate::audit::{record, snapshot};
use crate::error::{NotFoundAs, Result};
use serde::Deserialize;
use wuye_domain::Error;
use wuye_domain::access::{Access, Actor, Resource};
use wuye_domain::directory::{DispatchMode, Team};
use wuye_domain::ids::*;
use wuye_domain::values::Name;
use wuye_store::people::{self as store, TeamFields};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    /// Short stable code, e.g. eng_water_power
    pub code: String,
    /// e.g. 工程部·水电班
    pub name: String,
    #[serde(default)]
    pub department: Option<String>,
    /// An outsourced vendor's team (外包).
    #[serde(default)]
    pub is_vendor: bool,
    pub vendor_name: Option<String>,
    /// auto | grab | manual
    pub dispatch_mode: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamPatch {
    pub code: Option<String>,
    pub name: Option<String>,
    pub department: Option<String>,
    pub is_vendor: Option<bool>,
    pub vendor_name: Option<String>,
    pub dispatch_mode: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    /// Team lead (班组长).
    #[serde(default)]
    pub is_lead: bool,
}

fn parse_code(raw: &str) -> Result<String> {
    let t = raw.trim().to_ascii_lowercase();
    if (2..=32).contains(&t.len())
        && t.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        Ok(t)
    } else {
        Err(Error::invalid(
            "team_code_invalid",
            "班组编码应为 2–32 位小写字母、数字或下划线",
            "A team code has 2–32 lower-case letters, digits or underscores",
        )
        .with_field("code")
        .into())
    }
}

struct ParsedTeam {
    code: String,
    name: String,
    department: String,
    is_vendor: bool,
    vendor_name: Option<String>,
    mode: DispatchMode,
}

impl ParsedTeam {
    fn fields(&self) -> TeamFields<'_> {
        TeamFields {
            code: &self.code,
            name: &self.name,
            department: &self.department,
            is_vendor: self.is_vendor,
            vendor_name: self.vendor_name.as_deref(),
            dispatch_mode: self.mode,
        }
    }
}

fn vendor_name(is_vendor: bool, name: Option<&str>) -> Result<Option<String>> {
    let n = super::opt_text(name, 50, "vendor_name")?;
    if is_vendor && n.is_none() {
        return Err(Error::invalid(
            "vendor_name_required",
            "外包班组需填写外包单位名称",
            "An outsourced team needs the vendor's name",
        )
        .with_field("vendor_name")
        .into());
    }
    Ok(if is_vendor { n } else { None })
}

impl App {
    pub async fn list_teams(&self, actor: &Actor) -> Result<Vec<Team>> {
        let access = actor.require(Resource::Team, Access::Own)?;
        let only = (access == Access::Own).then_some(actor.teams.as_slice());
        let mut c = self.db.read().await?;
        Ok(store::list_teams(&mut c, actor.company_id, only).await?)
    }

    pub async fn get_team(&self, actor: &Actor, id: TeamId) -> Result<Team> {
        let access = actor.require(Resource::Team, Access::Own)?;
        if access == Access::Own && !actor.teams.contains(&id) {
            return Err(Error::not_found("班组", "team").into());
        }
        let mut c = self.db.read().await?;
        store::get_team(&mut c, actor.company_id, id)
            .await
            .or_not_found("班组", "team")
    }

    pub async fn create_team(&self, actor: &Actor, input: &TeamInput) -> Result<Team> {
        actor.require(Resource::Team, Access::Write)?;
        let p = ParsedTeam {
            code: parse_code(&input.code)?,
            name: Name::parse(&input.name)
                .map_err(|e| e.with_field("name"))?
                .to_string(),
            department: super::opt_text(input.department.as_deref(), 50, "department")?
                .unwrap_or_default(),
            is_vendor: input.is_vendor,
            vendor_name: vendor_name(input.is_vendor, input.vendor_name.as_deref())?,
            mode: input
                .dispatch_mode
                .as_deref()
                .map(DispatchMode::parse)
                .transpose()?
                .unwrap_or_default(),
        };
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let id = store::insert_team(&mut tx, actor.company_id, &p.fields(), now).await?;
        let t = store::get_team(&mut tx, actor.company_id, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "team",
            id.0,
            "create",
            None,
            snapshot(&t),
        )
        .await?;
        tx.commit().await?;
        Ok(t)
    }

    pub async fn update_team(&self, actor: &Actor, id: TeamId, patch: &TeamPatch) -> Result<Team> {
        actor.require(Resource::Team, Access::Write)?;
        let before = self.get_team(actor, id).await?;
        let is_vendor = patch.is_vendor.unwrap_or(before.is_vendor);
        let p = ParsedTeam {
            code: match &patch.code {
                Some(c) => parse_code(c)?,
                None => before.code.clone(),
            },
            name: match &patch.name {
                Some(n) => Name::parse(n)
                    .map_err(|e| e.with_field("name"))?
                    .to_string(),
                None => before.name.clone(),
            },
            department: match &patch.department {
                Some(d) => super::opt_text(Some(d), 50, "department")?.unwrap_or_default(),
                None => before.department.clone(),
            },
            is_vendor,
            vendor_name: vendor_name(
                is_vendor,
                patch
                    .vendor_name
                    .as_deref()
                    .or(before.vendor_name.as_deref()),
            )?,
            mode: match &patch.dispatch_mode {
                Some(m) => DispatchMode::parse(m)?,
                None => before.dispatch_mode,
            },
        };
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::update_team(&mut tx, id, &p.fields(), now).await?;
        let after = store::get_team(&mut tx, actor.company_id, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "team",
            id.0,
            "update",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_team(&self, actor: &Actor, id: TeamId) -> Result<()> {
        actor.require(Resource::Team, Access::Write)?;
        let before = self.get_team(actor, id).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::delete_team(&mut tx, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "team",
            id.0,
            "delete",
            snapshot(&before),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_team_member(
        &self,
        actor: &Actor,
        team: TeamId,
        staff: StaffId,
        input: &MemberInput,
    ) -> Result<Team> {
        actor.require(Resource::Team, Access::Write)?;
        let before = self.get_team(actor, team).await?;
        self.get_staff(actor, staff).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::upsert_member(&mut tx, team, staff, input.is_lead).await?;
        let after = store::get_team(&mut tx, actor.company_id, team).await?;
        record(
            &mut tx,
            actor,
            now,
            "team",
            team.0,
            "set_member",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn remove_team_member(
        &self,
        actor: &Actor,
        team: TeamId,
        staff: StaffId,
    ) -> Result<Team> {
        actor.require(Resource::Team, Access::Write)?;
        let before = self.get_team(actor, team).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        if !store::remove_member(&mut tx, team, staff).await? {
            return Err(Error::not_found("班组成员", "team member").into());
        }
        let after = store::get_team(&mut tx, actor.company_id, team).await?;
        record(
            &mut tx,
            actor,
            now,
            "team",
            team.0,
            "remove_member",
            snapshot(&before),
            snapshot(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}
