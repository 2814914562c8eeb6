//! Admins set notifications up: delivery settings, the SMS provider and the
//! mail server (secrets write-only: kept on save, shown as "••••", never
//! logged or audited), group robots and webhooks. Rules and templates are in
//! `authoring.rs`.

use super::inbox::require_admin;
use super::setup::{self, Secrets};
use crate::App;
use crate::audit::{record, snapshot};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use wuye_domain::Error;
use wuye_domain::access::Actor;
use wuye_domain::ids::*;
use wuye_domain::notify::providers::{EmailConfig, EndpointSpec, SmsConfig};
use wuye_domain::notify::{NotifySettings, masked, merge_secret};
use wuye_store::{notify as store, people};

/// The SMS provider; `access_key_secret` is write-only.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SmsChannel {
    #[serde(flatten)]
    pub config: SmsConfig,
    /// Aliyun AccessKeySecret / Tencent SecretKey. Omit or send "••••" to
    /// keep the stored one, "" to clear it. Shown as "••••".
    pub access_key_secret: Option<String>,
}

/// The mail server; `password` is write-only.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmailChannel {
    #[serde(flatten)]
    pub config: EmailConfig,
    /// Omit or send "••••" to keep, "" to clear. Shown as "••••".
    pub password: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChannelsView {
    pub sms: Option<SmsChannel>,
    pub email: Option<EmailChannel>,
}

/// A robot or webhook; `token` and `secret` are write-only.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EndpointInput {
    #[serde(flatten)]
    pub spec: EndpointSpec,
    /// 企业微信 key / 钉钉 access_token (or paste the whole robot address as `url`).
    pub token: Option<String>,
    /// 钉钉 signing secret (SEC…) / the webhook's HMAC key.
    pub secret: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EndpointView {
    pub id: i64,
    #[serde(flatten)]
    pub spec: EndpointSpec,
    pub token: Option<String>,
    pub secret: Option<String>,
}

pub(crate) fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialises")
}

fn sms_view(config: SmsConfig, s: &Secrets) -> SmsChannel {
    SmsChannel {
        config,
        access_key_secret: masked(s.get("access_key_secret")),
    }
}

fn email_view(config: EmailConfig, s: &Secrets) -> EmailChannel {
    EmailChannel {
        config,
        password: masked(s.get("password")),
    }
}

fn endpoint_view(e: setup::Endpoint) -> EndpointView {
    EndpointView {
        id: e.id,
        token: masked(e.secrets.get("token")),
        secret: masked(e.secrets.get("secret")),
        spec: e.spec,
    }
}

fn not_found_endpoint() -> Error {
    Error::not_found("机器人或 Webhook", "robot or webhook")
}

impl App {
    pub async fn notify_settings(&self, actor: &Actor) -> Result<NotifySettings> {
        require_admin(actor)?;
        let mut c = self.db.read().await?;
        setup::settings(&mut c, actor.company_id).await
    }

    pub async fn set_notify_settings(
        &self,
        actor: &Actor,
        s: &NotifySettings,
    ) -> Result<NotifySettings> {
        require_admin(actor)?;
        s.validate()?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let before = setup::settings(&mut tx, actor.company_id).await?;
        store::put_settings(&mut tx, actor.company_id, &json(s), now).await?;
        record(
            &mut tx,
            actor,
            now,
            "notify_settings",
            actor.company_id.0,
            "update",
            snapshot(&before),
            snapshot(s),
        )
        .await?;
        tx.commit().await?;
        Ok(s.clone())
    }

    pub async fn notify_channels(&self, actor: &Actor) -> Result<ChannelsView> {
        require_admin(actor)?;
        let mut c = self.db.read().await?;
        Ok(ChannelsView {
            sms: setup::sms(&mut c, actor.company_id)
                .await?
                .map(|(cfg, s)| sms_view(cfg, &s)),
            email: setup::email(&mut c, actor.company_id)
                .await?
                .map(|(cfg, s)| email_view(cfg, &s)),
        })
    }

    pub async fn set_sms_channel(&self, actor: &Actor, input: &SmsChannel) -> Result<SmsChannel> {
        require_admin(actor)?;
        input.config.validate()?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let mut secrets = setup::sms(&mut tx, actor.company_id)
            .await?
            .map(|(_, s)| s)
            .unwrap_or_default();
        let merged = merge_secret(
            input.access_key_secret.as_deref(),
            secrets.get("access_key_secret"),
        );
        secrets.set("access_key_secret", merged);
        let view = sms_view(input.config.clone(), &secrets);
        store::put_channel(
            &mut tx,
            actor.company_id,
            "sms",
            &json(&input.config),
            &secrets.to_json(),
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "notify_channel",
            actor.company_id.0,
            "sms",
            None,
            snapshot(&view),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn set_email_channel(
        &self,
        actor: &Actor,
        input: &EmailChannel,
    ) -> Result<EmailChannel> {
        require_admin(actor)?;
        input.config.validate()?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let mut secrets = setup::email(&mut tx, actor.company_id)
            .await?
            .map(|(_, s)| s)
            .unwrap_or_default();
        let merged = merge_secret(input.password.as_deref(), secrets.get("password"));
        secrets.set("password", merged);
        let view = email_view(input.config.clone(), &secrets);
        store::put_channel(
            &mut tx,
            actor.company_id,
            "email",
            &json(&input.config),
            &secrets.to_json(),
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "notify_channel",
            actor.company_id.0,
            "email",
            None,
            snapshot(&view),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Removes the SMS provider or the mail server (`sms`, `email`).
    pub async fn delete_notify_channel(&self, actor: &Actor, channel: &str) -> Result<()> {
        require_admin(actor)?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        if !matches!(channel, "sms" | "email")
            || !store::delete_channel(&mut tx, actor.company_id, channel).await?
        {
            return Err(Error::not_found("渠道配置", "channel setup").into());
        }
        record(
            &mut tx,
            actor,
            now,
            "notify_channel",
            actor.company_id.0,
            "delete",
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_endpoints(&self, actor: &Actor) -> Result<Vec<EndpointView>> {
        require_admin(actor)?;
        let mut c = self.db.read().await?;
        Ok(setup::endpoints(&mut c, actor.company_id)
            .await?
            .into_iter()
            .map(endpoint_view)
            .collect())
    }

    /// Creates (`id` None) or replaces a robot or webhook.
    pub async fn save_endpoint(
        &self,
        actor: &Actor,
        id: Option<i64>,
        input: &EndpointInput,
    ) -> Result<EndpointView> {
        require_admin(actor)?;
        let mut spec = input.spec.clone();
        let pasted_token = spec.validate()?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        if let Some(team) = spec.team_id {
            people::get_team(&mut tx, actor.company_id, TeamId(team))
                .await
                .map_err(|_| Error::not_found("班组", "team").with_field("team_id"))?;
        }
        let mut secrets = match id {
            Some(id) => {
                let row = store::endpoint(&mut tx, actor.company_id, id)
                    .await?
                    .ok_or_else(not_found_endpoint)?;
                Secrets::parse(&row.secrets)
            }
            None => Secrets::default(),
        };
        let token = merge_secret(
            input.token.as_deref().or(pasted_token.as_deref()),
            secrets.get("token"),
        );
        secrets.set("token", token);
        let secret = merge_secret(input.secret.as_deref(), secrets.get("secret"));
        secrets.set("secret", secret);
        let needs = match spec.kind {
            wuye_domain::notify::providers::EndpointKind::Webhook => {
                ("secret", "签名密钥", "signing secret")
            }
            _ => ("token", "机器人 key/access_token", "robot key/access token"),
        };
        if secrets.get(needs.0).is_none() {
            return Err(Error::invalid(
                "setting_required",
                format!("请填写{}", needs.1),
                format!("Fill in the {}", needs.2),
            )
            .with_field(needs.0)
            .into());
        }
        let kind = spec.kind.channel().code();
        let fields = store::EndpointFields {
            kind,
            team_id: spec.team_id,
            spec: &json(&spec),
            secrets: &secrets.to_json(),
            enabled: spec.enabled,
        };
        let id = match id {
            Some(id) => {
                store::update_endpoint(&mut tx, actor.company_id, id, &fields, now).await?;
                id
            }
            None => store::insert_endpoint(&mut tx, actor.company_id, &fields, now).await?,
        };
        let view = endpoint_view(setup::Endpoint { id, spec, secrets });
        record(
            &mut tx,
            actor,
            now,
            "notify_endpoint",
            id,
            "save",
            None,
            snapshot(&view),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    pub async fn delete_endpoint(&self, actor: &Actor, id: i64) -> Result<()> {
        require_admin(actor)?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        if !store::delete_endpoint(&mut tx, actor.company_id, id).await? {
            return Err(not_found_endpoint().into());
        }
        record(
            &mut tx,
            actor,
            now,
            "notify_endpoint",
            id,
            "delete",
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
