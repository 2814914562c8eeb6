//! A company's notification setup as stored: settings, rules, templates,
//! providers and endpoints, with the shipped defaults where an admin changed
//! nothing. Secrets are held in [`Secrets`], whose `Debug` never prints them.

use crate::error::{AppError, Result};
use std::collections::BTreeMap;
use wuye_domain::Lang;
use wuye_domain::ids::CompanyId;
use wuye_domain::notify::providers::{EmailConfig, EndpointKind, EndpointSpec, SmsConfig};
use wuye_domain::notify::rules::default_rule;
use wuye_domain::notify::templates::default_template;
use wuye_domain::notify::{Event, NotifySettings, Rule, Template};
use wuye_store::{Conn, Read, notify as store};

/// Write-only values (keys, passwords, signing secrets), by name.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secrets(pub BTreeMap<String, String>);

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.keys().map(|k| format!("{k}=••••")))
            .finish()
    }
}

impl Secrets {
    pub fn parse(json: &str) -> Secrets {
        Secrets(serde_json::from_str(json).unwrap_or_default())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|s| !s.is_empty())
    }

    pub fn set(&mut self, name: &str, value: Option<String>) {
        match value {
            Some(v) => self.0.insert(name.to_string(), v),
            None => self.0.remove(name),
        };
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.0).expect("strings serialise")
    }
}

pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::internal(format!("stored notification {what} is not valid: {e}"))
}

pub async fn settings(c: &mut impl Read, company: CompanyId) -> Result<NotifySettings> {
    Ok(match store::settings(c, company).await? {
        Some(s) => serde_json::from_str(&s).map_err(|e| corrupt("settings", e))?,
        None => NotifySettings::default(),
    })
}

/// The rule in force for an event, and whether an admin changed it.
pub async fn rule(c: &mut impl Read, company: CompanyId, event: Event) -> Result<(Rule, bool)> {
    Ok(match store::rule(c, company, event.code()).await? {
        Some(s) => (
            serde_json::from_str(&s).map_err(|e| corrupt("rule", e))?,
            true,
        ),
        None => (default_rule(event), false),
    })
}

/// The templates in force for an event: (zh, en, zh changed, en changed).
pub async fn templates(
    c: &mut impl Read,
    company: CompanyId,
    event: Event,
) -> Result<BTreeMap<&'static str, (Template, bool)>> {
    let mut out = BTreeMap::new();
    for lang in [Lang::Zh, Lang::En] {
        out.insert(lang.code(), (default_template(event, lang), false));
    }
    for r in store::templates(c, company, event.code()).await? {
        if let Some(lang) = Lang::parse(&r.lang) {
            out.insert(
                lang.code(),
                (
                    Template {
                        title: r.title,
                        body: r.body,
                    },
                    true,
                ),
            );
        }
    }
    Ok(out)
}

pub async fn sms(c: &mut impl Read, company: CompanyId) -> Result<Option<(SmsConfig, Secrets)>> {
    match store::channel(c, company, "sms").await? {
        Some((cfg, sec)) => Ok(Some((
            serde_json::from_str(&cfg).map_err(|e| corrupt("SMS settings", e))?,
            Secrets::parse(&sec),
        ))),
        None => Ok(None),
    }
}

pub async fn email(
    c: &mut impl Read,
    company: CompanyId,
) -> Result<Option<(EmailConfig, Secrets)>> {
    match store::channel(c, company, "email").await? {
        Some((cfg, sec)) => Ok(Some((
            serde_json::from_str(&cfg).map_err(|e| corrupt("e-mail settings", e))?,
            Secrets::parse(&sec),
        ))),
        None => Ok(None),
    }
}

/// A robot or webhook as stored.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub id: i64,
    pub spec: EndpointSpec,
    pub secrets: Secrets,
}

impl Endpoint {
    pub fn is_robot(&self) -> bool {
        self.spec.kind != EndpointKind::Webhook
    }
}

pub async fn endpoints(c: &mut impl Read, company: CompanyId) -> Result<Vec<Endpoint>> {
    store::endpoints(c, company)
        .await?
        .into_iter()
        .map(|r| {
            Ok(Endpoint {
                id: r.id,
                spec: serde_json::from_str(&r.spec).map_err(|e| corrupt("endpoint", e))?,
                secrets: Secrets::parse(&r.secrets),
            })
        })
        .collect()
}

/// Everything a worker needs to send for one company, loaded once a batch.
#[derive(Debug, Clone)]
pub struct Outlets {
    pub settings: NotifySettings,
    pub sms: Option<(SmsConfig, Secrets)>,
    pub email: Option<(EmailConfig, Secrets)>,
    pub endpoints: Vec<Endpoint>,
}

pub async fn outlets(c: &mut Conn, company: CompanyId) -> Result<Outlets> {
    Ok(Outlets {
        settings: settings(c, company).await?,
        sms: sms(c, company).await?,
        email: email(c, company).await?,
        endpoints: endpoints(c, company).await?,
    })
}
