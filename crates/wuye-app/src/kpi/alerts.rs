//! KPI thresholds (自动预警阈值): rules per KPI and scope, evaluated on a
//! schedule; an alert is raised when the KPI leaves its range and cleared
//! when it is back.

use super::dashboard::{DashboardQuery, day_num, periods};
use crate::App;
use crate::audit::record;
use crate::error::Result;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use wuye_domain::Error;
use wuye_domain::access::{Access, Actor, Resource};
use wuye_domain::ids::*;
use wuye_domain::kpi::defs::{find, value};
use wuye_domain::notify::templates::KpiAlertFacts;
use wuye_domain::time::from_millis;
use wuye_store::kpi::{self as store, Scope};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    /// A KPI code, e.g. repair_24h, satisfaction, complaint_response_minutes
    pub kpi: String,
    pub community_id: Option<i64>,
    /// below | above
    pub op: String,
    pub threshold: f64,
    /// day | week | month: the current one is evaluated.
    pub period: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RuleView {
    pub id: i64,
    pub kpi: String,
    pub community_id: Option<i64>,
    pub op: String,
    pub threshold: f64,
    pub period: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KpiAlertView {
    pub id: i64,
    pub rule_id: i64,
    pub kpi: String,
    pub label_zh: String,
    pub label_en: String,
    pub community_id: Option<i64>,
    pub op: String,
    pub threshold: f64,
    pub period: String,
    pub value: f64,
    #[schema(value_type = String)]
    pub raised_at: jiff::Timestamp,
    #[schema(value_type = Option<String>)]
    pub cleared_at: Option<jiff::Timestamp>,
}

impl App {
    fn kpi_admin(actor: &Actor) -> Result<()> {
        actor.require(Resource::Team, Access::Write)?;
        Ok(())
    }

    pub async fn create_kpi_rule(&self, actor: &Actor, i: &RuleInput) -> Result<RuleView> {
        Self::kpi_admin(actor)?;
        let k = find(&i.kpi).ok_or_else(|| {
            Error::invalid(
                "kpi_invalid",
                format!("没有“{}”这个指标", i.kpi),
                format!("Unknown KPI “{}”", i.kpi),
            )
            .with_field("kpi")
        })?;
        if !matches!(i.op.as_str(), "below" | "above") {
            return Err(Error::invalid(
                "op_invalid",
                "条件应为 below（低于）或 above（高于）",
                "op is below or above",
            )
            .with_field("op")
            .into());
        }
        if !matches!(i.period.as_str(), "day" | "week" | "month") {
            return Err(Error::invalid(
                "period_invalid",
                "周期应为 day、week 或 month",
                "period is day, week or month",
            )
            .with_field("period")
            .into());
        }
        if !i.threshold.is_finite() {
            return Err(Error::invalid(
                "threshold_invalid",
                "阈值无效",
                "The threshold is not a number",
            )
            .with_field("threshold")
            .into());
        }
        if let Some(m) = i.community_id {
            self.get_community(actor, CommunityId(m)).await?;
        }
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let id = store::insert_rule(
            &mut tx,
            actor.company_id,
            k.code,
            i.community_id.map(CommunityId),
            &i.op,
            &i.threshold.to_string(),
            &i.period,
            now,
        )
        .await?;
        record(&mut tx, actor, now, "kpi_rule", id, "create", None, Some(serde_json::json!({"kpi": k.code, "op": i.op, "threshold": i.threshold, "period": i.period}))).await?;
        tx.commit().await?;
        Ok(RuleView {
            id,
            kpi: k.code.into(),
            community_id: i.community_id,
            op: i.op.clone(),
            threshold: i.threshold,
            period: i.period.clone(),
        })
    }

    pub async fn kpi_rules(&self, actor: &Actor) -> Result<Vec<RuleView>> {
        Self::kpi_scope(actor, &DashboardQuery::default())?;
        let mut c = self.db.read().await?;
        Ok(store::rules(&mut c, Some(actor.company_id))
            .await?
            .into_iter()
            .map(|r| RuleView {
                id: r.id,
                kpi: r.kpi,
                community_id: r.community_id,
                op: r.op,
                threshold: r.threshold.parse().unwrap_or(0.0),
                period: r.period,
            })
            .collect())
    }

    pub async fn delete_kpi_rule(&self, actor: &Actor, id: i64) -> Result<()> {
        Self::kpi_admin(actor)?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        if !store::delete_rule(&mut tx, actor.company_id, id).await? {
            return Err(Error::not_found("预警规则", "alert rule").into());
        }
        record(&mut tx, actor, now, "kpi_rule", id, "delete", None, None).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn kpi_alerts(&self, actor: &Actor, open_only: bool) -> Result<Vec<KpiAlertView>> {
        Self::kpi_scope(actor, &DashboardQuery::default())?;
        let mut c = self.db.read().await?;
        Ok(store::alerts(&mut c, actor.company_id, open_only)
            .await?
            .into_iter()
            .filter(|a| {
                a.community_id
                    .is_none_or(|m| actor.in_community(CommunityId(m)))
            })
            .map(|a| {
                let k = find(&a.kpi);
                KpiAlertView {
                    id: a.id,
                    rule_id: a.rule_id,
                    label_zh: k.map(|k| k.zh).unwrap_or("").into(),
                    label_en: k.map(|k| k.en).unwrap_or("").into(),
                    kpi: a.kpi,
                    community_id: a.community_id,
                    op: a.op,
                    threshold: a.threshold.parse().unwrap_or(0.0),
                    period: a.period,
                    value: a.value.parse().unwrap_or(0.0),
                    raised_at: from_millis(a.raised_at),
                    cleared_at: a.cleared_at.map(from_millis),
                }
            })
            .collect())
    }

    /// Evaluates every rule for its current period; returns (raised, cleared).
    pub async fn evaluate_kpi_rules(&self) -> Result<(usize, usize)> {
        let today = self
            .clock
            .now()
            .to_zoned(wuye_domain::time::default_zone())
            .date();
        let rules = {
            let mut c = self.db.read().await?;
            store::rules(&mut c, None).await?
        };
        let (mut raised, mut cleared) = (0, 0);
        let now = self.now_ms();
        for r in rules {
            let Some(k) = find(&r.kpi) else { continue };
            let q = DashboardQuery {
                period: Some(r.period.clone()),
                ..Default::default()
            };
            let (range, _) = periods(&q, today)?;
            let scope = Scope {
                communities: r.community_id.map(|m| vec![CommunityId(m)]),
                team: None,
                assignee: None,
            };
            let mut tx = self.db.begin().await?;
            let totals = store::totals(
                &mut tx,
                CompanyId(r.company_id),
                &scope,
                day_num(range.from),
                day_num(range.to),
            )
            .await?;
            let (n, d) = totals
                .iter()
                .find(|(m, _, _)| m == k.metric)
                .map(|(_, n, d)| (*n, *d))
                .unwrap_or((0, 0));
            let threshold: f64 = r.threshold.parse().unwrap_or(0.0);
            let v = value(k, n, d);
            let out_of_range = v.is_some_and(|v| {
                if r.op == "below" {
                    v < threshold
                } else {
                    v > threshold
                }
            });
            match (store::open_alert(&mut tx, r.id).await?, out_of_range) {
                (None, true) => {
                    let company = CompanyId(r.company_id);
                    let value = v.unwrap_or(0.0);
                    let alert =
                        store::raise_alert(&mut tx, company, r.id, &value.to_string(), now).await?;
                    let community = r.community_id.map(CommunityId);
                    let name = match community {
                        Some(m) => Some(
                            wuye_store::directory::get_community(&mut tx, company, m)
                                .await?
                                .name,
                        ),
                        None => None,
                    };
                    let facts = KpiAlertFacts {
                        kpi: k,
                        value,
                        op: &r.op,
                        threshold,
                        period: &r.period,
                        community: name.as_deref(),
                    };
                    crate::notify::enqueue::enqueue_for_kpi_alert(
                        self, &mut tx, company, alert, community, facts,
                    )
                    .await?;
                    raised += 1;
                }
                (Some((id, _)), true) => {
                    store::update_alert_value(&mut tx, id, &v.unwrap_or(0.0).to_string()).await?
                }
                (Some((id, _)), false) => {
                    store::clear_alert(&mut tx, id, now).await?;
                    cleared += 1;
                }
                (None, false) => {}
            }
            tx.commit().await?;
        }
        Ok((raised, cleared))
    }

    /// Every five minutes, for the life of the server.
    pub async fn kpi_alert_loop(self) {
        loop {
            if let Err(e) = self.evaluate_kpi_rules().await {
                tracing::warn!(error = %e, "KPI alert evaluation failed");
            }
            tokio::time::sleep(Duration::from_secs(300)).await;
        }
    }
}
