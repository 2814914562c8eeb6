//! Smart dispatch: classify the request (the company's latest retrained
//! model, else the bundled one), pick the team from the category → team map
//! and the person by load, or leave the order in the dispatcher's queue with
//! the top-3 suggestions when the classifier is not sure; learn from every
//! dispatcher correction.

pub mod auto;
pub mod learn;

use crate::App;
use crate::error::{AppError, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use wuye_domain::Error;
use wuye_domain::access::{Access, Actor, Resource};
use wuye_domain::category::Category;
use wuye_domain::directory::Team;
use wuye_domain::directory::teams::default_team_for;
use wuye_domain::dispatch::{Classifier, Model, Prediction};
use wuye_domain::ids::*;
use wuye_store::{dispatch as store, people};

/// The default confidence below which a person dispatches.
pub const DEFAULT_THRESHOLD: f64 = 0.6;
/// Open orders a person may hold before automatic dispatch skips them.
pub const DEFAULT_CAPACITY: i64 = 8;

/// Classifiers by company: (model version, classifier). Version 0 = bundled.
pub type ModelCache = Arc<Mutex<HashMap<CompanyId, (i64, Arc<Classifier>)>>>;

/// A prediction as an order keeps it: the classifier's answer and the
/// version of the model that gave it. Serialised from the struct, not
/// through `serde_json::Value`, whose numbers are f64: there an f32
/// confidence such as 0.8178169 became `0.8178169131278992`, about 100
/// bytes of every order in lists and pages.
pub fn stored_prediction(p: &Prediction, model_version: i64) -> Result<String> {
    #[derive(Serialize)]
    struct Stored<'a> {
        #[serde(flatten)]
        prediction: &'a Prediction,
        model_version: i64,
    }
    serde_json::to_string(&Stored {
        prediction: p,
        model_version,
    })
    .map_err(AppError::internal)
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchSettings {
    /// 0–1: below this category confidence an order waits for a dispatcher.
    pub threshold: f64,
    /// Open orders per person before automatic dispatch passes them over.
    pub capacity: i64,
    /// Off: the classifier only suggests; nothing is set or dispatched by itself.
    #[serde(default = "on")]
    pub enabled: bool,
}

fn on() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryTeam {
    pub category: String,
    pub team_id: i64,
    #[serde(default)]
    pub team_name: Option<String>,
}

/// A suggestion for a text: the prediction and the team it would go to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub prediction: Prediction,
    pub team_id: Option<i64>,
    pub team_name: Option<String>,
    /// The model version used (0: the bundled model).
    pub model_version: i64,
}

impl App {
    /// The classifier the company uses now.
    pub(crate) async fn classifier(&self, company: CompanyId) -> Result<(i64, Arc<Classifier>)> {
        let latest = {
            let mut c = self.db.reader().await?;
            store::latest_model_id(&mut c, company).await?.unwrap_or(0)
        };
        if let Some(hit) = self
            .models
            .lock()
            .expect("model cache")
            .get(&company)
            .cloned()
            && hit.0 == latest
        {
            return Ok(hit);
        }
        let classifier = if latest == 0 {
            Classifier::bundled_shared()
        } else {
            let bytes = {
                let mut c = self.db.read().await?;
                store::model_bytes(&mut c, latest).await?
            };
            match Model::from_bytes(&bytes)? {
                Model::Classifier(c) => Arc::new(*c),
                Model::Head(_) => {
                    return Err(AppError::internal("a stored dispatch model has one head"));
                }
            }
        };
        self.models
            .lock()
            .expect("model cache")
            .insert(company, (latest, classifier.clone()));
        Ok((latest, classifier))
    }

    /// What the classifier says about a text (None for texts it cannot read,
    /// such as emoji only).
    pub(crate) async fn predict(
        &self,
        company: CompanyId,
        text: &str,
    ) -> Result<Option<(i64, Prediction)>> {
        let (version, c) = self.classifier(company).await?;
        Ok(c.classify(text).ok().map(|p| (version, p)))
    }

    pub async fn dispatch_settings(&self, company: CompanyId) -> Result<DispatchSettings> {
        let mut c = self.db.reader().await?;
        Ok(match store::settings(&mut c, company).await? {
            Some((t, cap, on)) => DispatchSettings {
                threshold: t.parse().unwrap_or(DEFAULT_THRESHOLD),
                capacity: cap,
                enabled: on != 0,
            },
            None => DispatchSettings {
                threshold: DEFAULT_THRESHOLD,
                capacity: DEFAULT_CAPACITY,
                enabled: true,
            },
        })
    }

    pub async fn set_dispatch_settings(
        &self,
        actor: &Actor,
        s: &DispatchSettings,
    ) -> Result<DispatchSettings> {
        actor.require(Resource::Team, Access::Write)?;
        if !(0.0..=1.0).contains(&s.threshold) {
            return Err(Error::invalid(
                "threshold_invalid",
                "置信度阈值应在 0 到 1 之间",
                "The threshold is between 0 and 1",
            )
            .with_field("threshold")
            .into());
        }
        if !(1..=100).contains(&s.capacity) {
            return Err(Error::invalid(
                "capacity_invalid",
                "每人最多在办工单数应在 1 到 100 之间",
                "capacity is between 1 and 100",
            )
            .with_field("capacity")
            .into());
        }
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::set_settings(
            &mut tx,
            actor.company_id,
            &s.threshold.to_string(),
            s.capacity,
            s.enabled,
        )
        .await?;
        crate::audit::record(
            &mut tx,
            actor,
            now,
            "dispatch_settings",
            0,
            "update",
            None,
            crate::audit::snapshot(s),
        )
        .await?;
        tx.commit().await?;
        Ok(s.clone())
    }

    /// The team a category goes to: the company's map, else the default team
    /// of DISPATCH.md (matched by its code), else none.
    pub(crate) async fn team_for(
        &self,
        company: CompanyId,
        category: Category,
    ) -> Result<Option<Team>> {
        // Only the one team is read: this runs for every new order.
        let mut c = self.db.reader().await?;
        let mapped = store::category_teams(&mut c, company).await?;
        Ok(
            match mapped.iter().find(|(cat, _)| cat == category.code()) {
                Some((_, t)) => people::list_teams(&mut c, company, Some(&[TeamId(*t)]))
                    .await?
                    .pop(),
                None => {
                    people::team_by_code(&mut c, company, default_team_for(category).code).await?
                }
            },
        )
    }

    pub async fn category_teams(&self, actor: &Actor) -> Result<Vec<CategoryTeam>> {
        actor.require(Resource::Team, Access::Read)?;
        let mut out = Vec::new();
        for cat in Category::ALL {
            let team = self.team_for(actor.company_id, cat).await?;
            out.push(CategoryTeam {
                category: cat.code().into(),
                team_id: team.as_ref().map(|t| t.id.0).unwrap_or(0),
                team_name: team.map(|t| t.name),
            });
        }
        Ok(out)
    }

    pub async fn set_category_team(
        &self,
        actor: &Actor,
        input: &CategoryTeam,
    ) -> Result<Vec<CategoryTeam>> {
        actor.require(Resource::Team, Access::Write)?;
        let cat = Category::parse(&input.category)?;
        let team = self
            .get_team(actor, TeamId(input.team_id))
            .await
            .map_err(|e| crate::directory::property::with_field(e, "team_id"))?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::set_category_team(&mut tx, actor.company_id, cat.code(), team.id).await?;
        crate::audit::record(
            &mut tx,
            actor,
            now,
            "category_team",
            0,
            "update",
            None,
            Some(serde_json::json!({"category": cat.code(), "team_id": team.id})),
        )
        .await?;
        tx.commit().await?;
        self.category_teams(actor).await
    }

    /// A live suggestion for a text (the resident's report form, the agent's).
    pub async fn suggest(&self, actor: &Actor, text: &str) -> Result<Suggestion> {
        wuye_domain::dispatch::validate(text)?;
        let (version, c) = self.classifier(actor.company_id).await?;
        let prediction = c.classify(text)?;
        let team = match Category::parse(&prediction.category.label) {
            Ok(cat) => self.team_for(actor.company_id, cat).await?,
            Err(_) => None,
        };
        Ok(Suggestion {
            team_id: team.as_ref().map(|t| t.id.0),
            team_name: team.map(|t| t.name),
            prediction,
            model_version: version,
        })
    }
}

impl App {
    /// The name of the team a category goes to, for pages.
    pub async fn team_for_category(&self, actor: &Actor, category: Category) -> Option<String> {
        self.team_for(actor.company_id, category)
            .await
            .ok()
            .flatten()
            .map(|t| t.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every company on the bundled model shares its one copy (about 20 MB):
    /// the cache held a clone per company, beside the static itself.
    #[tokio::test]
    async fn companies_on_the_bundled_model_share_one_copy() {
        let dir = std::env::temp_dir().join(format!("wuye-shared-model-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite:{}?mode=rwc", dir.join("t.db").display());
        let db = wuye_store::Db::connect(&url, &wuye_store::DbOptions::default())
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let app = App::new(db, crate::AppConfig::default());
        let (v1, a) = app.classifier(CompanyId(1)).await.unwrap();
        let (v2, b) = app.classifier(CompanyId(2)).await.unwrap();
        assert_eq!((v1, v2), (0, 0));
        assert!(Arc::ptr_eq(&a, &b));
        assert!(std::ptr::eq(&*a, Classifier::bundled()));
        app.db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_stored_prediction_keeps_the_f32_confidences_and_the_version() {
        let p = Classifier::bundled()
            .classify("3栋2单元1202厨房水管漏水了，师傅今天能来吗")
            .unwrap();
        let stored = stored_prediction(&p, 7).unwrap();
        let v: serde_json::Value = serde_json::from_str(&stored).unwrap();
        assert_eq!(v["model_version"], 7);
        assert_eq!(v["category"]["label"], p.category.label);
        assert_eq!(v["reasons"], serde_json::json!(p.reasons));
        // The shortest text that reads back as the same f32, not the f64
        // widening of it.
        let written = v["category"]["confidence"].to_string();
        assert_eq!(written, p.category.confidence.to_string(), "{stored}");
        assert_eq!(written.parse::<f32>().unwrap(), p.category.confidence);
    }
}
