//! What people write: the rules (who hears of which event, how), the
//! templates in Chinese and English with a preview, and everyone's own
//! e-mail address and language for notifications.

use super::admin::json;
use super::inbox::require_admin;
use super::setup;
use crate::App;
use crate::audit::{record, snapshot};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use wuye_domain::access::Actor;
use wuye_domain::ids::*;
use wuye_domain::notify::providers::check_email;
use wuye_domain::notify::templates::Vars;
use wuye_domain::notify::{Event, Rule, Template};
use wuye_domain::{Error, Lang};
use wuye_store::{notify as store, orders};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleView {
    pub event: Event,
    pub label_zh: String,
    pub label_en: String,
    /// false: the shipped default is in force.
    pub customized: bool,
    #[serde(flatten)]
    pub rule: Rule,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TemplateView {
    pub event: Event,
    /// zh-CN | en
    pub lang: String,
    pub customized: bool,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewInput {
    pub event: String,
    /// zh-CN (default) | en
    pub lang: Option<String>,
    /// A draft to try; default the template in force.
    pub title: Option<String>,
    pub body: Option<String>,
    /// Fill in from this order; default sample values.
    pub order_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// Where e-mail notifications go (none: no e-mail).
    pub email: Option<String>,
    /// zh-CN (default) | en
    #[serde(default = "zh")]
    pub lang: String,
}

fn zh() -> String {
    Lang::Zh.code().into()
}

fn parse_lang(s: &str) -> Result<Lang> {
    Lang::parse(s).ok_or_else(|| {
        Error::invalid(
            "lang_invalid",
            "语言应为 zh-CN 或 en",
            "The language must be zh-CN or en",
        )
        .with_field("lang")
        .into()
    })
}

/// Whose preferences the caller edits: their staff record, else their resident one.
fn whose(actor: &Actor) -> (Option<StaffId>, Option<ResidentId>) {
    match actor.staff_id {
        Some(s) => (Some(s), None),
        None => (None, actor.resident_id),
    }
}

/// Sample values for previews without an order.
fn sample_vars(event: Event, lang: Lang) -> Vars {
    if event.is_kpi() {
        return super::enqueue::kpi_sample_vars(lang);
    }
    let zh = lang == Lang::Zh;
    let pick = |a: &str, b: &str| if zh { a.to_string() } else { b.to_string() };
    let mut v = Vars::new();
    v.insert("number", "BX2026112700007".into());
    v.insert("kind", pick("报修", "repair"));
    v.insert("place", "翠湖花园 3栋2单元1502".into());
    v.insert("text", "厨房水管漏水，地上全是水".into());
    v.insert("state", pick("已派单", "dispatched"));
    v.insert("team", "工程部水电班".into());
    v.insert("assignee", "刘师傅".into());
    v.insert("actor", "张客服".into());
    v.insert("note", pick("等配件，明天上午上门", "waiting for parts"));
    v.insert("stars", "2".into());
    v.insert("metric", pick("响应", "response"));
    v.insert("level", "1".into());
    v.insert("event", event.label(lang).into());
    v
}

impl App {
    /// Every event's rule in force.
    pub async fn list_notify_rules(&self, actor: &Actor) -> Result<Vec<RuleView>> {
        require_admin(actor)?;
        let mut c = self.db.read().await?;
        let mut out = Vec::new();
        for e in Event::ALL {
            let (rule, customized) = setup::rule(&mut c, actor.company_id, *e).await?;
            out.push(RuleView {
                event: *e,
                label_zh: e.label_zh().into(),
                label_en: e.label_en().into(),
                customized,
                rule,
            });
        }
        Ok(out)
    }

    /// Replaces an event's rule (`None`: back to the shipped default).
    pub async fn set_notify_rule(
        &self,
        actor: &Actor,
        event: &str,
        rule: Option<&Rule>,
    ) -> Result<RuleView> {
        require_admin(actor)?;
        let e = Event::parse(event)?;
        if let Some(r) = rule {
            r.validate(e)?;
        }
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        match rule {
            Some(r) => store::put_rule(&mut tx, actor.company_id, e.code(), &json(r), now).await?,
            None => {
                store::delete_rule(&mut tx, actor.company_id, e.code()).await?;
            }
        }
        let (rule, customized) = setup::rule(&mut tx, actor.company_id, e).await?;
        let view = RuleView {
            event: e,
            label_zh: e.label_zh().into(),
            label_en: e.label_en().into(),
            customized,
            rule,
        };
        record(
            &mut tx,
            actor,
            now,
            "notify_rule",
            actor.company_id.0,
            e.code(),
            None,
            snapshot(&view),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Every event's templates in force, both languages.
    pub async fn list_notify_templates(&self, actor: &Actor) -> Result<Vec<TemplateView>> {
        require_admin(actor)?;
        let mut c = self.db.read().await?;
        let mut out = Vec::new();
        for e in Event::ALL {
            for (lang, (t, customized)) in setup::templates(&mut c, actor.company_id, *e).await? {
                out.push(TemplateView {
                    event: *e,
                    lang: lang.into(),
                    customized,
                    title: t.title,
                    body: t.body,
                });
            }
        }
        Ok(out)
    }

    /// Replaces a template (`None`: back to the shipped one).
    pub async fn set_notify_template(
        &self,
        actor: &Actor,
        event: &str,
        lang: &str,
        t: Option<&Template>,
    ) -> Result<TemplateView> {
        require_admin(actor)?;
        let e = Event::parse(event)?;
        let lang = parse_lang(lang)?;
        if let Some(t) = t {
            t.validate()?;
        }
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        match t {
            Some(t) => {
                let row = store::TemplateRow {
                    event: e.code().into(),
                    lang: lang.code().into(),
                    title: t.title.trim().into(),
                    body: t.body.trim().into(),
                };
                store::put_template(&mut tx, actor.company_id, &row, now).await?;
            }
            None => {
                store::delete_template(&mut tx, actor.company_id, e.code(), lang.code()).await?;
            }
        }
        let (t, customized) = setup::templates(&mut tx, actor.company_id, e)
            .await?
            .remove(lang.code())
            .expect("both languages");
        let view = TemplateView {
            event: e,
            lang: lang.code().into(),
            customized,
            title: t.title,
            body: t.body,
        };
        record(
            &mut tx,
            actor,
            now,
            "notify_template",
            actor.company_id.0,
            e.code(),
            None,
            snapshot(&view),
        )
        .await?;
        tx.commit().await?;
        Ok(view)
    }

    /// Renders a template (a draft, or the one in force) with an order's
    /// values or sample values.
    pub async fn preview_notify_template(
        &self,
        actor: &Actor,
        p: &PreviewInput,
    ) -> Result<Template> {
        require_admin(actor)?;
        let e = Event::parse(&p.event)?;
        let lang = parse_lang(p.lang.as_deref().unwrap_or("zh-CN"))?;
        let mut c = self.db.read().await?;
        let current = setup::templates(&mut c, actor.company_id, e)
            .await?
            .remove(lang.code())
            .expect("both languages")
            .0;
        let t = Template {
            title: p.title.clone().unwrap_or(current.title),
            body: p.body.clone().unwrap_or(current.body),
        };
        t.validate()?;
        let vars = match p.order_id {
            Some(id) => {
                drop(c);
                self.visible_order(actor, id)
                    .await
                    .map_err(|e| crate::directory::property::with_field(e, "order_id"))?;
                let mut c = self.db.read().await?;
                let o = orders::get(&mut c, self.db.backend(), actor.company_id, id, false).await?;
                super::enqueue::order_vars(&o, e, lang, &actor.display_name)
            }
            None => sample_vars(e, lang),
        };
        Ok(t.render(&vars))
    }

    /// The caller's own e-mail address and language for notifications.
    pub async fn my_notify_preferences(&self, actor: &Actor) -> Result<Preferences> {
        if actor.staff_id.is_none() && actor.resident_id.is_none() {
            return Err(Error::forbidden().into());
        }
        let (staff, resident) = whose(actor);
        let mut c = self.db.read().await?;
        Ok(match store::contact(&mut c, staff, resident).await? {
            Some((email, lang)) => Preferences { email, lang },
            None => Preferences {
                email: None,
                lang: zh(),
            },
        })
    }

    pub async fn set_my_notify_preferences(
        &self,
        actor: &Actor,
        p: &Preferences,
    ) -> Result<Preferences> {
        if actor.staff_id.is_none() && actor.resident_id.is_none() {
            return Err(Error::forbidden().into());
        }
        let lang = parse_lang(&p.lang)?;
        let email = match p.email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(e) => Some(check_email(e, "email")?),
            None => None,
        };
        let (staff, resident) = whose(actor);
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::put_contact(
            &mut tx,
            actor.company_id,
            staff,
            resident,
            email.as_deref(),
            lang.code(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Preferences {
            email,
            lang: lang.code().into(),
        })
    }
}
