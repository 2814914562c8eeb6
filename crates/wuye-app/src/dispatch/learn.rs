//! Learning from dispatchers: corrections become labelled examples; the
//! model is retrained on the bundled corpus plus the company's corrections
//! and versioned; live accuracy and the manual-intervention rate.

use crate::App;
use crate::error::{AppError, Result};
use crate::orders::access::is_desk;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use wuye_domain::Error;
use wuye_domain::access::{Access, Actor, Resource};
use wuye_domain::category::Category;
use wuye_domain::dispatch::data::Dataset;
use wuye_domain::dispatch::eval::evaluate;
use wuye_domain::dispatch::model::TrainOptions;
use wuye_domain::dispatch::{Classifier, Model};
use wuye_domain::ids::*;
use wuye_domain::work_order::{Grade, Kind, Priority};
use wuye_store::dispatch::{self as store, NewExample};
use wuye_store::order_log::{self, NewEvent};
use wuye_store::orders;

/// The corpus the bundled model was trained on, and its test file.
pub const TRAIN_CSV: &str = include_str!("../../../../data/dispatch/train.csv");
pub const TEST_CSV: &str = include_str!("../../../../data/dispatch/test.csv");

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// The right category.
    pub category: String,
    /// The right urgency: emergency | urgent | normal (optional).
    pub urgency: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DispatchStats {
    /// Orders that went through dispatch in the window (repairs and complaints).
    pub orders: i64,
    pub auto_dispatched: i64,
    /// Auto-dispatched orders a dispatcher corrected afterwards.
    pub corrected: i64,
    /// Share of auto-dispatched orders not corrected (%).
    pub live_accuracy: Option<f64>,
    /// Orders that needed a dispatcher.
    pub needed_human: i64,
    /// Share of orders that needed a dispatcher (%).
    pub manual_intervention_rate: Option<f64>,
    /// Corrections stored so far (training examples).
    pub examples: i64,
    pub model_version: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ModelVersion {
    pub id: i64,
    pub examples: i64,
    pub metrics: serde_json::Value,
    #[schema(value_type = String)]
    pub created_at: jiff::Timestamp,
}

fn pct(n: i64, d: i64) -> Option<f64> {
    (d > 0).then(|| (n as f64 * 1000.0 / d as f64).round() / 10.0)
}

impl App {
    /// A dispatcher says what the order really is. The category (and
    /// urgency) change, the example is kept for training, and an
    /// auto-dispatched order counts as corrected.
    pub async fn correct(&self, actor: &Actor, id: i64, c: &Correction) -> Result<()> {
        let o = self.visible_order(actor, id).await?;
        if !is_desk(actor) {
            return Err(Error::forbidden().into());
        }
        let category = Category::parse(&c.category)?;
        let urgency = match c.urgency.as_deref() {
            Some(u @ ("emergency" | "urgent" | "normal")) => Some(u.to_string()),
            Some(other) => {
                return Err(Error::invalid(
                    "urgency_invalid",
                    format!("紧急程度“{other}”无效：emergency、urgent 或 normal"),
                    format!("Urgency “{other}” is not emergency, urgent or normal"),
                )
                .with_field("urgency")
                .into());
            }
            None => None,
        };
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let (prediction, status, _) = store::order_dispatch(&mut tx, id).await?;
        let predicted_urgency = prediction
            .as_deref()
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .and_then(|v| v["urgency"]["label"].as_str().map(str::to_string));
        let urgency_label = urgency
            .clone()
            .or(predicted_urgency)
            .unwrap_or_else(|| "normal".into());
        let priority = match (Kind::parse(&o.kind)?, urgency.as_deref()) {
            (Kind::Repair | Kind::Complaint, Some("emergency" | "urgent")) => {
                Priority::Urgent.code()
            }
            (_, Some("normal")) if o.priority == "urgent" => Priority::Regular.code(),
            _ => o.priority.as_str(),
        }
        .to_string();
        let grade = o
            .grade
            .as_deref()
            .map(Grade::parse)
            .transpose()?
            .map(|g| g.code());
        orders::set_classification(&mut tx, id, Some(category.code()), &priority, grade, now)
            .await?;
        if let Some(u) = &urgency {
            orders::set_emergency(&mut tx, id, u == "emergency").await?;
        }
        store::insert_example(
            &mut tx,
            &NewExample {
                company: actor.company_id,
                order: Some(id),
                text: &o.text,
                category: category.code(),
                urgency: &urgency_label,
                kind: &o.kind,
                by: Some(actor.user_id),
                now_ms: now,
            },
        )
        .await?;
        let was_auto = matches!(status.as_str(), "auto" | "team" | "pool");
        if was_auto && o.category.as_deref() != Some(category.code()) {
            store::set_corrected(&mut tx, id).await?;
        }
        order_log::insert_event(
            &mut tx,
            &NewEvent {
                order: id,
                at_ms: now,
                actor_kind: "staff",
                actor_id: actor.staff_id.map(|s| s.0),
                actor_name: &actor.display_name,
                action: "classify",
                from_state: None,
                to_state: None,
                note: None,
                internal: true,
                data: &serde_json::json!({"from": o.category, "to": category.code(), "urgency": urgency}),
                photos: &[],
            },
        )
        .await?;
        self.refresh_derived(&mut tx, actor.company_id, id, now, false)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn dispatch_stats(&self, actor: &Actor, days: i64) -> Result<DispatchStats> {
        actor.require(Resource::Team, Access::Read)?;
        if !is_desk(actor) {
            return Err(Error::forbidden().into());
        }
        let since = self.now_ms() - days.clamp(1, 366) * 86_400_000;
        let mut c = self.db.read().await?;
        let (orders, auto, corrected, human) =
            store::stats(&mut c, actor.company_id, since).await?;
        let examples = store::count_examples(&mut c, actor.company_id).await?;
        let version = store::latest_model_id(&mut c, actor.company_id)
            .await?
            .unwrap_or(0);
        Ok(DispatchStats {
            orders,
            auto_dispatched: auto,
            corrected,
            live_accuracy: pct(auto - corrected, auto),
            needed_human: human,
            manual_intervention_rate: pct(human, orders),
            examples,
            model_version: version,
        })
    }

    pub async fn model_versions(&self, actor: &Actor) -> Result<Vec<ModelVersion>> {
        actor.require(Resource::Team, Access::Read)?;
        let mut c = self.db.read().await?;
        Ok(store::models(&mut c, actor.company_id)
            .await?
            .into_iter()
            .map(|m| ModelVersion {
                id: m.id,
                examples: m.examples,
                metrics: serde_json::from_str(&m.metrics).unwrap_or_default(),
                created_at: wuye_domain::time::from_millis(m.created_at),
            })
            .collect())
    }

    /// Retrains on the bundled corpus plus the company's corrections, stores
    /// the new version (the one dispatch uses from now on) and returns it.
    pub async fn retrain(&self, company: CompanyId) -> Result<ModelVersion> {
        let examples = {
            let mut c = self.db.read().await?;
            store::examples(&mut c, company).await?
        };
        let mut w = csv::Writer::from_writer(Vec::new());
        for e in &examples {
            w.write_record([e.text.as_str(), &e.category, &e.urgency, &e.kind])
                .map_err(AppError::internal)?;
        }
        let extra = String::from_utf8(w.into_inner().map_err(AppError::internal)?)
            .map_err(AppError::internal)?;
        let corpus = format!("{}\n{}", TRAIN_CSV.trim_end(), extra);
        let epochs = self.config.dispatch_train_epochs;
        let (bytes, metrics) = tokio::task::spawn_blocking(move || -> Result<(Vec<u8>, serde_json::Value)> {
            let data = Dataset::from_csv(&corpus)?;
            let opts = TrainOptions::default().with_epochs(epochs);
            let c = Classifier::train(&data, &opts, |_| {})?;
            let model = Model::Classifier(Box::new(c));
            let report = evaluate(&model, &Dataset::from_csv(TEST_CSV)?)?;
            Ok((model.to_bytes(), serde_json::json!({
                "accuracy": report.accuracy, "top2_accuracy": report.top2_accuracy, "macro_f1": report.macro_f1,
                "emergency_recall": report.emergency_recall, "emergency_precision": report.emergency_precision,
                "test_file": "data/dispatch/test.csv", "n": report.n,
            })))
        })
        .await
        .map_err(AppError::internal)??;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let id = store::insert_model(
            &mut tx,
            company,
            bytes,
            examples.len() as i64,
            &metrics.to_string(),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ModelVersion {
            id,
            examples: examples.len() as i64,
            metrics,
            created_at: wuye_domain::time::from_millis(now),
        })
    }

    /// Retrains (an admin's explicit action).
    pub async fn retrain_for(&self, actor: &Actor) -> Result<ModelVersion> {
        actor.require(Resource::Team, Access::Write)?;
        self.retrain(actor.company_id).await
    }

    /// Once a day per company, when there are corrections the latest model
    /// has not seen.
    pub async fn retrain_loop(self) {
        loop {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            let companies: Vec<CompanyId> = match self.db.read().await {
                Ok(mut c) => wuye_store::directory::companies(&mut c)
                    .await
                    .unwrap_or_default(),
                Err(_) => continue,
            };
            for company in companies {
                let (n, latest) = match self.db.read().await {
                    Ok(mut c) => (
                        store::count_examples(&mut c, company).await.unwrap_or(0),
                        store::models(&mut c, company)
                            .await
                            .ok()
                            .and_then(|m| m.into_iter().next()),
                    ),
                    Err(_) => continue,
                };
                let due = match latest {
                    None => n > 0,
                    Some(m) => n > m.examples && self.now_ms() - m.created_at > 86_400_000,
                };
                if due && let Err(e) = self.retrain(company).await {
                    tracing::warn!(error = %e, "scheduled retraining failed");
                }
            }
        }
    }
}
