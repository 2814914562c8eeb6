//! Policies, calendars, explicit recomputation, clocks and alerts for the API.

use super::refresh::{ensure_defaults, load_setup};
use super::view::{AlertView, ClockView};
use crate::App;
use crate::audit::record;
use crate::error::Result;
use crate::page::{Page, PageParams, page_of};
use serde::{Deserialize, Serialize};
use wuye_domain::Error;
use wuye_domain::access::{Access, Actor, Resource};
use wuye_domain::sla::{CalendarSpec, PolicySpec};
use wuye_store::SideReads;
use wuye_store::sla as store;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PolicyView {
    pub id: i64,
    #[serde(flatten)]
    pub spec: PolicySpec,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarInput {
    pub name: String,
    #[serde(flatten)]
    pub spec: CalendarSpec,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CalendarView {
    pub id: i64,
    pub name: String,
    #[serde(flatten)]
    pub spec: CalendarSpec,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecomputeReport {
    pub orders: usize,
}

fn not_found_policy() -> Error {
    Error::not_found("时限策略", "SLA policy")
}

impl App {
    fn require_sla_admin(actor: &Actor) -> Result<()> {
        // Editing SLA rules is the job of those who edit teams (admins, managers).
        actor.require(Resource::Team, Access::Write)?;
        Ok(())
    }

    async fn seeded(&self, actor: &Actor) -> Result<()> {
        let mut tx = self.db.begin().await?;
        ensure_defaults(&mut tx, actor.company_id, self.now_ms()).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_policies(&self, actor: &Actor) -> Result<Vec<PolicyView>> {
        actor.require(Resource::Team, Access::Read)?;
        self.seeded(actor).await?;
        let mut c = self.db.read().await?;
        let setup = load_setup(
            &mut SideReads::none(),
            &mut c,
            actor.company_id,
            self.now_ms(),
        )
        .await?;
        let mut v: Vec<PolicyView> = setup
            .policies
            .into_iter()
            .map(|(id, spec)| PolicyView { id, spec })
            .collect();
        v.sort_by_key(|p| (p.spec.rank, p.id));
        Ok(v)
    }

    async fn check_policy(&self, actor: &Actor, spec: &PolicySpec) -> Result<()> {
        spec.validate()?;
        if let Some(cal) = spec.calendar_id {
            let mut c = self.db.read().await?;
            if !store::calendars(&mut c, actor.company_id)
                .await?
                .iter()
                .any(|r| r.id == cal)
            {
                return Err(Error::not_found("日历", "calendar")
                    .with_field("calendar_id")
                    .into());
            }
        }
        if let Some(m) = spec.community_id {
            self.get_community(actor, m)
                .await
                .map_err(|e| crate::directory::property::with_field(e, "community_id"))?;
        }
        Ok(())
    }

    pub async fn create_policy(&self, actor: &Actor, spec: &PolicySpec) -> Result<PolicyView> {
        Self::require_sla_admin(actor)?;
        self.seeded(actor).await?;
        self.check_policy(actor, spec).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let id = store::insert_policy(
            &mut tx,
            actor.company_id,
            &serde_json::to_string(spec).expect("serialises"),
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "sla_policy",
            id,
            "create",
            None,
            crate::audit::snapshot(spec),
        )
        .await?;
        tx.commit().await?;
        Ok(PolicyView {
            id,
            spec: spec.clone(),
        })
    }

    /// Changes a policy. Clocks keep their old targets until an explicit
    /// recompute (so a change never silently rewrites history).
    pub async fn update_policy(
        &self,
        actor: &Actor,
        id: i64,
        spec: &PolicySpec,
    ) -> Result<PolicyView> {
        Self::require_sla_admin(actor)?;
        self.check_policy(actor, spec).await?;
        let before = self
            .list_policies(actor)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(not_found_policy)?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::update_policy(
            &mut tx,
            actor.company_id,
            id,
            &serde_json::to_string(spec).expect("serialises"),
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "sla_policy",
            id,
            "update",
            crate::audit::snapshot(&before.spec),
            crate::audit::snapshot(spec),
        )
        .await?;
        tx.commit().await?;
        Ok(PolicyView {
            id,
            spec: spec.clone(),
        })
    }

    pub async fn delete_policy(&self, actor: &Actor, id: i64) -> Result<()> {
        Self::require_sla_admin(actor)?;
        let before = self
            .list_policies(actor)
            .await?
            .into_iter()
            .find(|p| p.id == id)
            .ok_or_else(not_found_policy)?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::delete_policy(&mut tx, actor.company_id, id).await?;
        record(
            &mut tx,
            actor,
            now,
            "sla_policy",
            id,
            "delete",
            crate::audit::snapshot(&before.spec),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn list_calendars(&self, actor: &Actor) -> Result<Vec<CalendarView>> {
        actor.require(Resource::Team, Access::Read)?;
        self.seeded(actor).await?;
        let mut c = self.db.read().await?;
        let rows = store::calendars(&mut c, actor.company_id).await?;
        Ok(rows
            .into_iter()
            .filter_map(|r| {
                serde_json::from_str(&r.spec).ok().map(|spec| CalendarView {
                    id: r.id,
                    name: r.name,
                    spec,
                })
            })
            .collect())
    }

    pub async fn create_calendar(
        &self,
        actor: &Actor,
        input: &CalendarInput,
    ) -> Result<CalendarView> {
        Self::require_sla_admin(actor)?;
        self.seeded(actor).await?;
        let name =
            wuye_domain::values::Name::parse(&input.name).map_err(|e| e.with_field("name"))?;
        input.spec.to_calendar()?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let id = store::insert_calendar(
            &mut tx,
            actor.company_id,
            name.as_str(),
            &serde_json::to_string(&input.spec).expect("serialises"),
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "sla_calendar",
            id,
            "create",
            None,
            crate::audit::snapshot(input),
        )
        .await?;
        tx.commit().await?;
        Ok(CalendarView {
            id,
            name: name.to_string(),
            spec: input.spec.clone(),
        })
    }

    pub async fn update_calendar(
        &self,
        actor: &Actor,
        id: i64,
        input: &CalendarInput,
    ) -> Result<CalendarView> {
        Self::require_sla_admin(actor)?;
        let name =
            wuye_domain::values::Name::parse(&input.name).map_err(|e| e.with_field("name"))?;
        input.spec.to_calendar()?;
        let before = self
            .list_calendars(actor)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Error::not_found("日历", "calendar"))?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        store::update_calendar(
            &mut tx,
            actor.company_id,
            id,
            name.as_str(),
            &serde_json::to_string(&input.spec).expect("serialises"),
            now,
        )
        .await?;
        record(
            &mut tx,
            actor,
            now,
            "sla_calendar",
            id,
            "update",
            crate::audit::snapshot(&before.spec),
            crate::audit::snapshot(&input.spec),
        )
        .await?;
        tx.commit().await?;
        Ok(CalendarView {
            id,
            name: name.to_string(),
            spec: input.spec.clone(),
        })
    }

    pub async fn delete_calendar(&self, actor: &Actor, id: i64) -> Result<()> {
        Self::require_sla_admin(actor)?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        if store::calendar_in_use(&mut tx, actor.company_id, id).await? {
            return Err(crate::error::in_use().into());
        }
        if !store::delete_calendar(&mut tx, actor.company_id, id).await? {
            return Err(Error::not_found("日历", "calendar").into());
        }
        record(
            &mut tx,
            actor,
            now,
            "sla_calendar",
            id,
            "delete",
            None,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Recomputes the clocks of every open order under the current policies
    /// and calendars (an explicit admin action, recorded in the audit log).
    pub async fn recompute_sla(&self, actor: &Actor) -> Result<RecomputeReport> {
        Self::require_sla_admin(actor)?;
        let mut after = 0;
        let mut n = 0;
        loop {
            let ids = {
                let mut c = self.db.read().await?;
                store::open_orders(&mut c, actor.company_id, after, 500).await?
            };
            let Some(last) = ids.last().copied() else {
                break;
            };
            let now = self.now_ms();
            let mut tx = self.db.begin().await?;
            let setup = load_setup(&mut SideReads::none(), &mut tx, actor.company_id, now).await?;
            for id in &ids {
                self.sla_refresh_with(&mut tx, actor.company_id, *id, now, &setup)
                    .await?;
            }
            tx.commit().await?;
            n += ids.len();
            after = last;
        }
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        record(
            &mut tx,
            actor,
            now,
            "sla",
            0,
            "recompute",
            None,
            Some(serde_json::json!({"orders": n})),
        )
        .await?;
        tx.commit().await?;
        self.sla_wakeup.notify_one();
        Ok(RecomputeReport { orders: n })
    }

    /// An order's clocks (for whoever may see the order).
    pub async fn order_clocks(&self, actor: &Actor, order: i64) -> Result<Vec<ClockView>> {
        self.visible_order(actor, order).await?;
        let mut c = self.db.read().await?;
        let now = self.now_ms();
        Ok(store::clocks(&mut c, order)
            .await?
            .into_iter()
            .map(|r| ClockView::from_row(r, now))
            .collect())
    }

    /// The caller's alerts, newest first.
    pub async fn my_alerts(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: &PageParams,
    ) -> Result<Page<AlertView>> {
        let Some(staff) = actor.staff_id else {
            return Ok(Page {
                items: vec![],
                next: None,
            });
        };
        let limit = page.limit()?;
        let mut c = self.db.read().await?;
        let rows =
            store::alerts_for(&mut c, staff, unread_only, page.after_id()?, limit + 1).await?;
        Ok(page_of(
            rows.into_iter().map(AlertView::from).collect(),
            limit,
            |a| a.id,
        ))
    }

    pub async fn mark_alert_read(&self, actor: &Actor, id: i64) -> Result<()> {
        let staff = actor.staff_id.ok_or_else(Error::forbidden)?;
        let mut tx = self.db.begin().await?;
        if !store::mark_alert_read(&mut tx, staff, id, self.now_ms()).await? {
            return Err(Error::not_found("提醒", "alert").into());
        }
        tx.commit().await?;
        Ok(())
    }
}
