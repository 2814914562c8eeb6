//! Sign-in accounts for staff and residents: created by admins (API or CLI),
//! passwords reset by admins.

use crate::App;
use crate::error::{NotFoundAs, Result};
use crate::passwords::hash_password;
use serde::Deserialize;
use wuye_domain::Error;
use wuye_domain::access::{Access, Actor, Resource, Role};
use wuye_domain::ids::*;
use wuye_domain::values::{NewPassword, Username};
use wuye_store::accounts::{self, NewUser};
use wuye_store::people;

/// Who gets the account.
#[derive(Debug, Clone, Copy)]
pub enum AccountHolder {
    Staff(StaffId),
    Resident(ResidentId),
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    /// Sign-in name (staff). Residents sign in with their phone number.
    pub username: Option<String>,
    pub password: String,
}

impl App {
    /// Creates the sign-in account of a staff member or a resident. Staff may
    /// sign in by username or phone; residents by phone.
    pub async fn create_account(
        &self,
        actor: &Actor,
        holder: AccountHolder,
        input: &AccountInput,
    ) -> Result<UserId> {
        let password = NewPassword::parse(&input.password).map_err(|e| e.with_field("password"))?;
        let username = input
            .username
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .map(Username::parse)
            .transpose()
            .map_err(|e| e.with_field("username"))?;
        let company = actor.company_id;
        let (name, phone, kind) = {
            let mut c = self.db.read().await?;
            match holder {
                AccountHolder::Staff(id) => {
                    actor.require(Resource::Staff, Access::Write)?;
                    let s = people::get_staff(&mut c, company, id)
                        .await
                        .or_not_found("员工", "staff member")?;
                    if !actor.is_admin() && !s.communities.iter().any(|m| actor.in_community(*m)) {
                        return Err(Error::not_found("员工", "staff member").into());
                    }
                    if s.roles.contains(&Role::Admin) && !actor.is_admin() {
                        return Err(Error::forbidden().into());
                    }
                    (s.name, s.phone, "staff")
                }
                AccountHolder::Resident(id) => {
                    actor.require(Resource::Resident, Access::Write)?;
                    let r = people::get_resident(&mut c, company, id)
                        .await
                        .or_not_found("住户", "resident")?;
                    if !actor.is_admin()
                        && !r.homes.is_empty()
                        && !r.homes.iter().any(|h| actor.in_community(h.community_id))
                    {
                        return Err(Error::not_found("住户", "resident").into());
                    }
                    (r.name, r.phone, "resident")
                }
            }
        };
        let hash = hash_password(password.expose()).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let user = accounts::insert_user(
            &mut tx,
            &NewUser {
                company,
                username: username.as_ref().map(|u| u.as_str()),
                phone: Some(&phone),
                display_name: &name,
                password_hash: &hash,
                kind,
            },
            now,
        )
        .await?;
        let (entity, entity_id) = match holder {
            AccountHolder::Staff(id) => {
                people::set_staff_user(&mut tx, id, user).await?;
                ("staff", id.0)
            }
            AccountHolder::Resident(id) => {
                people::set_resident_user(&mut tx, id, user).await?;
                ("resident", id.0)
            }
        };
        crate::audit::record(
            &mut tx,
            actor,
            now,
            entity,
            entity_id,
            "create_account",
            None,
            Some(serde_json::json!({"user_id": user.0, "username": username.map(String::from)})),
        )
        .await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Sets a new password for an account (admins; the CLI) and signs it out
    /// everywhere.
    pub async fn reset_password(&self, actor: &Actor, user: UserId, password: &str) -> Result<()> {
        actor.require(Resource::Staff, Access::Write)?;
        if !actor.is_admin() {
            return Err(Error::forbidden().into());
        }
        let password = NewPassword::parse(password).map_err(|e| e.with_field("password"))?;
        {
            let mut c = self.db.read().await?;
            let u = accounts::get_user(&mut c, user)
                .await
                .or_not_found("账号", "account")?;
            if u.company_id != actor.company_id.0 {
                return Err(Error::not_found("账号", "account").into());
            }
        }
        let hash = hash_password(password.expose()).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        accounts::set_password(&mut tx, user, &hash, now).await?;
        accounts::delete_user_sessions(&mut tx, user, None).await?;
        crate::audit::record(
            &mut tx,
            actor,
            now,
            "user",
            user.0,
            "reset_password",
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actor the command line works as: the company's system identity,
    /// with admin rights (whoever runs `wuye` on the server already owns it).
    pub async fn system_actor(&self) -> Result<Actor> {
        let mut c = self.db.read().await?;
        let (company, _) = wuye_store::directory::first_company(&mut c)
            .await?
            .ok_or_else(|| {
                Error::invalid(
                    "no_company",
                    "数据库里还没有物业公司：请先运行 wuye user create 创建管理员，或 wuye demo 载入演示数据",
                    "The database has no company yet: run `wuye user create` to create an admin, or `wuye demo`",
                )
            })?;
        Ok(system_actor(company))
    }
}

pub fn system_actor(company: CompanyId) -> Actor {
    Actor {
        user_id: UserId(0),
        company_id: company,
        display_name: "system (命令行)".into(),
        roles: vec![Role::Admin],
        staff_id: None,
        resident_id: None,
        communities: vec![],
        teams: vec![],
        lead_teams: vec![],
        homes: vec![],
    }
}
