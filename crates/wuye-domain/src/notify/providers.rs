//! How a company reaches the outside: its SMS provider, its mail server, its
//! group robots and webhooks. Secrets (keys, passwords, signing secrets) are
//! not part of these types: they travel in separate write-only fields and are
//! never shown or logged.

use super::templates::PLACEHOLDERS;
use super::{Event, check_url};
use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const ALIYUN_ENDPOINT: &str = "https://dysmsapi.aliyuncs.com/";
pub const TENCENT_ENDPOINT: &str = "https://sms.tencentcloudapi.com/";
pub const WECOM_ENDPOINT: &str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send";
pub const DINGTALK_ENDPOINT: &str = "https://oapi.dingtalk.com/robot/send";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmsProvider {
    /// 阿里云短信 (dysmsapi, RPC signature v1: HMAC-SHA1)
    Aliyun,
    /// 腾讯云短信 (API 3.0, TC3-HMAC-SHA256)
    Tencent,
}

/// A provider-side SMS template (approved at the provider) for one event,
/// with the placeholders that fill its variables, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmsTemplate {
    /// Aliyun TemplateCode (SMS_123456789) or Tencent TemplateId (1234567).
    pub code: String,
    /// Placeholder names (number, place, state, …) whose values fill the
    /// template's variables: by name for Aliyun, by position for Tencent.
    #[serde(default)]
    pub params: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SmsConfig {
    pub provider: SmsProvider,
    /// Default: the provider's public endpoint.
    pub endpoint: Option<String>,
    /// Aliyun AccessKeyId / Tencent SecretId.
    pub access_key_id: String,
    /// 短信签名, e.g. 翠湖物业
    pub sign_name: String,
    /// Aliyun RegionId (default cn-hangzhou) / Tencent region (default ap-guangzhou).
    pub region: Option<String>,
    /// Tencent SmsSdkAppId.
    pub sdk_app_id: Option<String>,
    /// Template per event code; events without one send no SMS.
    #[serde(default)]
    pub templates: BTreeMap<String, SmsTemplate>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

fn required(v: &str, field: &str, zh: &str, en: &str) -> Result<(), Error> {
    if v.trim().is_empty() || v.len() > 200 {
        Err(Error::invalid(
            "setting_required",
            format!("请填写{zh}"),
            format!("Fill in the {en}"),
        )
        .with_field(field))
    } else {
        Ok(())
    }
}

impl SmsConfig {
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(e) = &self.endpoint {
            check_url(e, "endpoint")?;
        }
        required(
            &self.access_key_id,
            "access_key_id",
            "AccessKey ID",
            "access key id",
        )?;
        required(&self.sign_name, "sign_name", "短信签名", "sign name")?;
        if self.provider == SmsProvider::Tencent {
            required(
                self.sdk_app_id.as_deref().unwrap_or(""),
                "sdk_app_id",
                "SmsSdkAppId",
                "SmsSdkAppId",
            )?;
        }
        for (event, t) in &self.templates {
            Event::parse(event).map_err(|e| e.with_field(format!("templates.{event}")))?;
            required(
                &t.code,
                &format!("templates.{event}.code"),
                "模板编号",
                "template code",
            )?;
            if let Some(p) = t
                .params
                .iter()
                .find(|p| !PLACEHOLDERS.iter().any(|(k, _)| k == p))
            {
                return Err(Error::invalid(
                    "template_unknown_placeholder",
                    format!("没有 {{{p}}} 这个占位符"),
                    format!("There is no placeholder {{{p}}}"),
                )
                .with_field(format!("templates.{event}.params")));
            }
        }
        Ok(())
    }

    pub fn endpoint(&self) -> &str {
        self.endpoint.as_deref().unwrap_or(match self.provider {
            SmsProvider::Aliyun => ALIYUN_ENDPOINT,
            SmsProvider::Tencent => TENCENT_ENDPOINT,
        })
    }

    pub fn region(&self) -> &str {
        self.region.as_deref().unwrap_or(match self.provider {
            SmsProvider::Aliyun => "cn-hangzhou",
            SmsProvider::Tencent => "ap-guangzhou",
        })
    }

    pub fn template(&self, event: Event) -> Option<&SmsTemplate> {
        self.templates.get(event.code())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS, which is required (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same host or network.
    Plain,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EmailConfig {
    pub host: String,
    pub port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// The sender address, e.g. notice@cuihu-wuye.cn
    pub from: String,
    /// Shown as the sender's name (default 物业服务中心).
    pub from_name: Option<String>,
    /// PEM of an extra certificate authority to trust (a private relay).
    pub ca_cert_pem: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

/// A plausible e-mail address (one @, something on both sides, a dot after).
pub fn check_email(s: &str, field: &str) -> Result<String, Error> {
    let t = s.trim();
    let ok = t.len() <= 200
        && !t.contains(char::is_whitespace)
        && t.split_once('@').is_some_and(|(u, d)| {
            !u.is_empty() && d.contains('.') && !d.starts_with('.') && !d.contains('@')
        });
    if ok {
        Ok(t.to_string())
    } else {
        Err(Error::invalid(
            "email_invalid",
            format!("“{t}”不是有效的邮箱地址"),
            format!("“{t}” is not a valid e-mail address"),
        )
        .with_field(field))
    }
}

impl EmailConfig {
    pub fn validate(&self) -> Result<(), Error> {
        required(&self.host, "host", "邮件服务器地址", "SMTP host")?;
        if self.port == 0 {
            return Err(
                Error::invalid("port_invalid", "端口无效", "The port is not valid")
                    .with_field("port"),
            );
        }
        check_email(&self.from, "from")?;
        if let Some(pem) = &self.ca_cert_pem
            && !pem.contains("-----BEGIN CERTIFICATE-----")
        {
            return Err(Error::invalid(
                "certificate_invalid",
                "证书应为 PEM 格式",
                "The certificate must be PEM",
            )
            .with_field("ca_cert_pem"));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// 企业微信群机器人 (token = the webhook key)
    Wecom,
    /// 钉钉自定义机器人, signed-secret mode (token = access_token, secret = SEC…)
    Dingtalk,
    /// A signed HTTP callback (secret = the HMAC-SHA256 key)
    Webhook,
}

impl EndpointKind {
    pub fn channel(self) -> super::Channel {
        match self {
            EndpointKind::Wecom => super::Channel::Wecom,
            EndpointKind::Dingtalk => super::Channel::Dingtalk,
            EndpointKind::Webhook => super::Channel::Webhook,
        }
    }
}

/// A robot of a team's group chat, or a company webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EndpointSpec {
    pub kind: EndpointKind,
    pub name: String,
    /// Robots: the team whose group it posts to (none: every team without
    /// a robot of its own).
    pub team_id: Option<i64>,
    /// Robots: default the provider's address; a full webhook address
    /// pasted from the chat app is split into address and token.
    pub url: Option<String>,
    /// Webhooks: the event codes sent (empty: all).
    #[serde(default)]
    pub events: Vec<String>,
    /// Robots: markdown (default) or text.
    #[serde(default)]
    pub markdown: Option<bool>,
    #[serde(default = "yes")]
    pub enabled: bool,
}

impl EndpointSpec {
    /// Checks the spec and splits a token out of a pasted robot address.
    pub fn validate(&mut self) -> Result<Option<String>, Error> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > 50 {
            return Err(Error::invalid(
                "name_invalid",
                "名称应为 1 到 50 个字",
                "The name must have 1 to 50 characters",
            )
            .with_field("name"));
        }
        self.name = self.name.trim().to_string();
        for e in &self.events {
            Event::parse(e).map_err(|x| x.with_field("events"))?;
        }
        let mut token = None;
        match (self.kind, &self.url) {
            (EndpointKind::Webhook, None) => {
                return Err(check_url("", "url").unwrap_err());
            }
            (_, Some(u)) => {
                let u = check_url(u, "url")?;
                let (base, t) = split_token(self.kind, &u);
                self.url = Some(base);
                token = t;
            }
            (_, None) => {}
        }
        if self.kind == EndpointKind::Webhook && self.team_id.is_some() {
            return Err(Error::invalid(
                "webhook_team",
                "Webhook 属于整个公司，不属于班组",
                "Webhooks belong to the company, not to a team",
            )
            .with_field("team_id"));
        }
        Ok(token)
    }

    pub fn url(&self) -> &str {
        match (self.kind, &self.url) {
            (_, Some(u)) => u,
            (EndpointKind::Wecom, None) => WECOM_ENDPOINT,
            (EndpointKind::Dingtalk, None) => DINGTALK_ENDPOINT,
            (EndpointKind::Webhook, None) => "",
        }
    }

    pub fn wants(&self, event: Event) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == event.code())
    }
}

/// `https://qyapi…/send?key=K` → (`https://qyapi…/send`, Some(K)); likewise
/// `access_token=` for DingTalk. Other addresses are kept whole.
fn split_token(kind: EndpointKind, url: &str) -> (String, Option<String>) {
    let name = match kind {
        EndpointKind::Wecom => "key",
        EndpointKind::Dingtalk => "access_token",
        EndpointKind::Webhook => return (url.to_string(), None),
    };
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut token = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|kv| match kv.split_once('=') {
            Some((k, v)) if k == name => {
                token = Some(v.to_string());
                false
            }
            _ => true,
        })
        .collect();
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    (url, token)
}
