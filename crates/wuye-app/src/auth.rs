//! Signing in and out, sessions, and who the caller is.
//!
//! A session token is 32 random bytes (base64url); the database keeps only its
//! SHA-256, so a leaked database does not leak live sessions. The same token
//! works as a bearer token (API clients) and as the session cookie (web).

use crate::App;
use crate::error::Result;
use crate::passwords::{DUMMY_HASH, hash_password, needs_rehash, verify_password};
use base64::Engine;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use wuye_domain::access::{Actor, Role};
use wuye_domain::ids::*;
use wuye_domain::values::NewPassword;
use wuye_domain::{Error, ErrorKind};
use wuye_store::accounts::{self, UserRow};
use wuye_store::people;

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LoginOutcome {
    /// Bearer token for API clients (`Authorization: Bearer …`).
    pub token: String,
    /// When the session ends (RFC 3339).
    #[schema(value_type = String)]
    pub expires_at: jiff::Timestamp,
    pub user: Actor,
}

fn throttled(minutes: i64) -> Error {
    Error::new(
        ErrorKind::RateLimited,
        "login_throttled",
        format!("登录失败次数过多，请 {minutes} 分钟后再试"),
        format!("Too many failed sign-ins; try again in {minutes} minutes"),
    )
}

fn bad_credentials() -> Error {
    Error::new(
        ErrorKind::Unauthenticated,
        "login_failed",
        "账号或密码不正确",
        "Wrong login or password",
    )
}

impl App {
    /// Refuses while the account or the address is locked: too many failures
    /// within the window, the lock lasting a window after the latest failure.
    async fn check_throttle(&self, keys: &[(String, i64)]) -> Result<()> {
        let window = self.config.login_window_minutes * 60_000;
        let now = self.now_ms();
        let mut c = self.db.read().await?;
        for (key, max) in keys {
            let (n, last) = accounts::failures_since(&mut c, key, now - window).await?;
            if n >= *max {
                let remaining = last.unwrap_or(now) + window - now;
                return Err(throttled(((remaining + 59_999) / 60_000).max(1)).into());
            }
        }
        Ok(())
    }

    pub async fn login(
        &self,
        login: &str,
        password: &str,
        ip: &str,
        user_agent: &str,
    ) -> Result<LoginOutcome> {
        let login = login.trim().to_lowercase();
        if login.is_empty() || password.is_empty() {
            return Err(Error::invalid(
                "login_missing",
                "请输入账号和密码",
                "Enter your login and password",
            )
            .into());
        }
        // Phone numbers may be typed with spaces or +86.
        let login = wuye_domain::values::Phone::parse(&login)
            .map(|p| p.as_str().to_string())
            .unwrap_or(login);
        let account_key = format!("account:{login}");
        let ip_key = format!("ip:{ip}");
        self.check_throttle(&[
            (
                account_key.clone(),
                self.config.login_max_failures_per_account,
            ),
            (ip_key.clone(), self.config.login_max_failures_per_ip),
        ])
        .await?;

        let user = {
            let mut c = self.db.read().await?;
            accounts::find_user_by_login(&mut c, &login).await?
        };
        let ok = match &user {
            Some(u) => verify_password(password, &u.password_hash).await && u.disabled == 0,
            None => {
                verify_password(password, DUMMY_HASH).await;
                false
            }
        };
        // A hash made with older parameters is replaced now that the
        // password is known; hashed before the write transaction, which
        // must not wait on argon2.
        let rehashed = match &user {
            Some(u) if ok && needs_rehash(&u.password_hash) => Some(hash_password(password).await?),
            _ => None,
        };
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let Some(user) = user.filter(|_| ok) else {
            accounts::record_failure(&mut tx, &account_key, now).await?;
            accounts::record_failure(&mut tx, &ip_key, now).await?;
            tx.commit().await?;
            tracing::info!(login = %login, ip = %ip, "sign-in failed");
            return Err(bad_credentials().into());
        };
        // A deactivated staff member or an erased resident gets no session.
        let actor = match self.actor_for(&user).await {
            Ok(a) => a,
            Err(e) => {
                tx.rollback().await?;
                return Err(e);
            }
        };
        if let Some(hash) = &rehashed {
            accounts::replace_password_hash(&mut tx, UserId(user.id), &user.password_hash, hash)
                .await?;
        }
        let token = new_token();
        let expires = now + self.config.session_ttl_hours * 3_600_000;
        accounts::insert_session(
            &mut tx,
            &token_hash(&token),
            UserId(user.id),
            now,
            expires,
            ip,
            user_agent,
        )
        .await?;
        accounts::clear_failures(&mut tx, &account_key).await?;
        tx.commit().await?;
        Ok(LoginOutcome {
            token,
            expires_at: wuye_domain::time::from_millis(expires),
            user: actor,
        })
    }

    /// The actor behind a session token, or `unauthenticated`.
    pub async fn authenticate(&self, token: &str) -> Result<Actor> {
        let hash = token_hash(token);
        let now = self.now_ms();
        // Before the read: a write committed during it makes the entry stale.
        let generation = wuye_store::write_generation();
        if let Some(actor) = self.callers.get(&hash, generation, now) {
            return Ok(actor);
        }
        // The session, the account and its roles as of one moment.
        let mut r = self.db.reader().await?;
        r.snapshot()?;
        match accounts::session_user(&mut r, &hash, now).await? {
            Some(u) => {
                let actor = self.actor_with(&mut r, &u).await?;
                self.callers.put(hash, actor.clone(), generation, now);
                Ok(actor)
            }
            None => Err(Error::unauthenticated().into()),
        }
    }

    pub async fn logout(&self, token: &str) -> Result<()> {
        let mut tx = self.db.begin().await?;
        accounts::delete_session(&mut tx, &token_hash(token)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes the caller's password and signs out their other sessions.
    pub async fn change_password(
        &self,
        actor: &Actor,
        token: &str,
        old: &str,
        new: &str,
    ) -> Result<()> {
        let new = NewPassword::parse(new).map_err(|e| e.with_field("new_password"))?;
        let user = {
            let mut c = self.db.read().await?;
            accounts::get_user(&mut c, actor.user_id).await?
        };
        if !verify_password(old, &user.password_hash).await {
            return Err(Error::invalid(
                "password_wrong",
                "原密码不正确",
                "The current password is wrong",
            )
            .with_field("old_password")
            .into());
        }
        let hash = hash_password(new.expose()).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        accounts::set_password(&mut tx, actor.user_id, &hash, now).await?;
        accounts::delete_user_sessions(&mut tx, actor.user_id, Some(&token_hash(token))).await?;
        crate::audit::record(
            &mut tx,
            actor,
            now,
            "user",
            actor.user_id.0,
            "change_password",
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Builds the actor (roles and scope) for an account.
    pub async fn actor_for(&self, u: &UserRow) -> Result<Actor> {
        let mut r = self.db.reader().await?;
        self.actor_with(&mut r, u).await
    }

    async fn actor_with(&self, c: &mut impl wuye_store::Read, u: &UserRow) -> Result<Actor> {
        let mut actor = Actor {
            user_id: UserId(u.id),
            company_id: CompanyId(u.company_id),
            display_name: u.display_name.clone(),
            roles: vec![],
            staff_id: None,
            resident_id: None,
            communities: vec![],
            teams: vec![],
            lead_teams: vec![],
            homes: vec![],
        };
        if u.kind == "staff" {
            if let Some((s, leads)) = people::staff_and_leads_by_user(c, UserId(u.id)).await?
                && s.active
            {
                actor.roles = s.roles;
                actor.staff_id = Some(s.id);
                actor.communities = s.communities;
                actor.lead_teams = leads;
                actor.teams = s.teams;
                actor.display_name = s.name;
            }
        } else if let Some(r) =
            people::resident_by_user(c, CompanyId(u.company_id), UserId(u.id)).await?
        {
            actor.roles = vec![Role::Resident];
            actor.resident_id = Some(r.id);
            actor.display_name = r.name;
            actor.homes = r.homes.iter().map(|h| h.home_id).collect();
            let mut comms: Vec<CommunityId> = r.homes.iter().map(|h| h.community_id).collect();
            comms.sort();
            comms.dedup();
            actor.communities = comms;
        }
        if actor.roles.is_empty() {
            // An account whose staff record was deactivated, or whose resident
            // record was erased, may no longer act.
            return Err(Error::new(
                ErrorKind::Forbidden,
                "account_inactive",
                "该账号已停用",
                "This account is no longer active",
            )
            .into());
        }
        Ok(actor)
    }
}

impl App {
    /// The caller's language (if chosen) and large-text mode.
    pub async fn prefs(&self, actor: &Actor) -> Result<(Option<wuye_domain::Lang>, bool)> {
        let mut c = self.db.read().await?;
        let (lang, large) = accounts::prefs(&mut c, actor.user_id).await?;
        Ok((lang.as_deref().and_then(wuye_domain::Lang::parse), large))
    }

    pub async fn set_prefs(
        &self,
        actor: &Actor,
        lang: Option<wuye_domain::Lang>,
        large_text: bool,
    ) -> Result<()> {
        let mut tx = self.db.begin().await?;
        accounts::set_prefs(&mut tx, actor.user_id, lang.map(|l| l.code()), large_text).await?;
        tx.commit().await?;
        Ok(())
    }
}
