//! SLA levels as rows: every level is a trigger; a fired one raised the
//! alerts the SLA timer raises, to whoever held the order then.

use super::company::Company;
use super::derive::Sla;
use super::generate::Ids;
use super::plan::{DAY, MINUTE};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use wuye_domain::sla::audience::{FALLBACK, Group, Holders, alert_message, audience};
use wuye_store::bulk::{AlertRow, Batch, Text, TriggerRow};

/// The order as the timer sees it.
pub struct Subject<'a> {
    pub order: i64,
    pub number: &'a str,
    pub place_label: &'a str,
    /// (from, team, assignee, owner) after each change.
    pub holders: &'a [super::replay::Holder],
}

pub struct Out<'a> {
    pub ids: &'a mut Ids,
    pub batch: &'a mut Batch,
    pub rng: &'a mut ChaCha8Rng,
}

/// Adds the trigger rows of an order's levels, and the alerts of those fired.
pub fn add(co: &Company, now: i64, s: &Subject, sla: &Sla, out: Out) {
    let policy = sla
        .clocks
        .first()
        .and_then(|c| c.policy_id)
        .and_then(|id| co.sla.policies.iter().find(|(p, _)| *p == id))
        .map(|(_, p)| p);
    let leads = |team: i64| -> Vec<i64> {
        co.teams
            .iter()
            .find(|t| t.id == team)
            .and_then(|t| t.members.first())
            .map(|s| vec![co.staff[*s].id])
            .unwrap_or_default()
    };
    let of = |xs: &[usize]| xs.iter().map(|s| co.staff[*s].id).collect::<Vec<_>>();
    for l in &sla.levels {
        out.ids.trigger += 1;
        out.batch.triggers.push(TriggerRow {
            id: out.ids.trigger,
            order_id: s.order,
            company_id: co.id.0,
            metric: l.metric.code(),
            level: l.level,
            fire_at: l.fire_at,
            fired_at: l.fired_at,
        });
        let Some(fired) = l.fired_at else { continue };
        let (_, team, assignee, owner) = s
            .holders
            .iter()
            .rev()
            .find(|h| h.0 <= fired)
            .copied()
            .unwrap_or((0, None, None, None));
        let escalation = usize::try_from(l.level)
            .ok()
            .and_then(|n| policy?.escalations.get(n));
        let holders = Holders {
            assignee,
            team,
            owner,
        };
        let Some(aud) = audience(l.level, escalation, holders) else {
            continue;
        };
        let members = |g: Group| match g {
            Group::Staff(s) => vec![s],
            Group::TeamLeads(t) => leads(t),
            Group::Supervisors => of(&co.supervisors),
            Group::Managers => of(&co.managers),
        };
        let (kind, mut role) = (aud.kind, aud.role);
        let mut who: Vec<i64> = aud.groups.into_iter().flat_map(members).collect();
        if who.is_empty() {
            who = members(FALLBACK.0);
            role = FALLBACK.1;
        }
        let message = alert_message(s.number, s.place_label, l.metric, l.level, escalation);
        let mut seen = Vec::new();
        for staff in who {
            if seen.contains(&staff) {
                continue;
            }
            seen.push(staff);
            let read_at =
                (fired < now - 3 * DAY).then(|| fired + out.rng.random_range(10 * MINUTE..DAY));
            out.ids.alert += 1;
            out.batch.alerts.push(AlertRow {
                id: out.ids.alert,
                company_id: co.id.0,
                order_id: s.order,
                metric: l.metric.code(),
                level: l.level,
                kind,
                target_role: role,
                staff_id: Some(staff),
                message: Text::Owned(message.clone()),
                created_at: fired,
                read_at,
            });
        }
    }
}
