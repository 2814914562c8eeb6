//! Turning a replayed order into its rows: the order, events, handlers,
//! followers, search terms, SLA clocks and triggers, alerts and KPI cells.

use super::*;
use wuye_domain::kpi::{held_before, responded_and_finished};

pub(super) struct OrderParts<'p> {
    pub id: i64,
    pub number: &'p str,
    pub kind: Kind,
    pub channel: Channel,
    pub priority: Priority,
    pub grade: Option<Grade>,
    pub category: Category,
    pub(super) place: &'p Place,
    pub reporter: Option<&'p Person>,
    pub reporter_staff: Option<i64>,
    pub contact: &'p Person,
    pub info: &'p TextInfo,
    pub repeat_of: Option<i64>,
    pub emergency: bool,
    pub created: i64,
    pub dispatch_status: &'static str,
    pub facts: OrderFacts,
    pub r: &'p Replayed,
}

impl Generator<'_> {
    pub(super) fn finish_order(&mut self, p: OrderParts) {
        let co = self.co;
        let r = p.r;
        let f = &r.fields;
        let last_change = r.history.last().map(|h| h.0).unwrap_or(p.created);
        let sla = derive::sla(&co.sla, p.id, &p.facts, &r.history, last_change, self.now);
        super::super::alerts::add(
            co,
            self.now,
            &super::super::alerts::Subject {
                order: p.id,
                number: p.number,
                place_label: &p.place.label,
                holders: &r.holders,
            },
            &sla,
            super::super::alerts::Out {
                ids: &mut self.ids,
                batch: &mut self.batch,
                rng: &mut self.rng,
            },
        );
        let state = r.core.state;
        // KPIs, as kpi_refresh computes them.
        let (responded, finished) = responded_and_finished(&r.history);
        let facts = OrderKpiFacts {
            kind: p.kind,
            channel: p.channel,
            priority: p.priority,
            emergency: p.emergency,
            grade: p.grade,
            category: Some(p.category.code().to_string()),
            state,
            created_at: from_millis(p.created),
            responded_at: responded.map(from_millis),
            first_finished_at: finished.map(from_millis),
            held_before_finish_ms: held_before(&r.history, finished),
            resolved_at: f.resolved_at.map(from_millis),
            held_before_resolution_ms: held_before(&r.history, f.resolved_at),
            rating: f.rating,
            rated_at: f.rated_at.map(from_millis),
            reopen_count: r.core.reopen_count,
            repeat_of: p.repeat_of.is_some(),
            escalated: sla.escalated,
            clocks: sla.stopped.clone(),
            auto_dispatched: matches!(p.dispatch_status, "auto" | "team" | "pool"),
            dispatch_corrected: false,
            needed_human: p.dispatch_status == "queue",
        };
        let community = co.communities[p.place.community].id;
        let team = r.core.team.map(|t| t.0);
        let assignee = r.core.assignee.map(|a| a.0);
        self.kpi(
            p.id,
            community,
            team.unwrap_or(0),
            assignee.unwrap_or(0),
            &facts,
        );
        // Search terms: the number, the text, the place and the contact.
        let number_terms: [Str; 1] = [Str::from(p.number.to_lowercase())];
        let label_terms = self.label_terms(&p.place.label);
        let name_terms = self.label_terms(&p.contact.name);
        let terms = merge_terms(&[&number_terms, &p.info.terms, &label_terms, &name_terms]);
        self.batch.search.push(SearchRow {
            order_id: p.id,
            terms,
        });
        for (a, at) in &r.assigned {
            let e = self.assigned.entry(*a).or_insert(*at);
            *e = (*e).max(*at);
        }
        for mut h in r.handlers.iter().cloned() {
            self.ids.handler += 1;
            h.id = self.ids.handler;
            self.batch.handlers.push(h);
        }
        self.pending.extend(r.events.iter().cloned());
        self.stats.events += 1 + r.events.len() as u64;
        self.stats.orders += 1;
        *self.stats.by_state.entry(state.code()).or_default() += 1;
        self.batch.clocks.extend(sla.clocks);
        self.batch.orders.push(OrderRow {
            id: p.id,
            company_id: co.id.0,
            number: Text::Owned(p.number.to_string()),
            kind: p.kind.code(),
            channel: p.channel.code(),
            state: state.code(),
            priority: p.priority.code(),
            grade: p.grade.map(|g| g.code()),
            category: Some(p.category.code()),
            community_id: community,
            place_kind: p.place.kind.code(),
            home_id: p.place.home.map(|h| co.homes[h].id),
            building_id: p.place.building,
            entrance_id: p.place.entrance,
            place_text: Text::Static(p.place.text),
            place_label: Text::Shared(p.place.label.clone()),
            reporter_resident_id: p.reporter.map(|x| x.id),
            reporter_staff_id: p.reporter_staff,
            contact_name: Text::Shared(p.contact.name.clone()),
            contact_phone: Text::Shared(p.contact.phone.clone()),
            text: Text::Shared(p.info.text.clone()),
            team_id: team,
            assignee_id: assignee,
            owner_id: r.core.owner.map(|o| o.0),
            transfer_count: r.core.transfer_count,
            reopen_count: r.core.reopen_count,
            dispute_count: r.core.dispute_count,
            repeat_of: p.repeat_of,
            merged_into: f.merged_into,
            rating: f.rating,
            rating_comment: f.rating_comment.map(Text::Static),
            rated_at: f.rated_at,
            return_visit_due: f.return_visit_due as i64,
            return_visit_reason: f.return_visit_reason,
            created_at: p.created,
            updated_at: f.updated_at,
            dispatched_at: f.dispatched_at,
            accepted_at: f.accepted_at,
            finished_at: f.finished_at,
            resolved_at: f.resolved_at,
            closed_at: f.closed_at,
            cancelled_at: f.cancelled_at,
            auto_accept_at: f.auto_accept_at,
            next_deadline_at: sla.next_deadline,
            version: f.version,
            emergency: p.emergency as i64,
            sla_warn_at: sla.warn_at,
            sla_stage: sla.stage,
            prediction: p.info.prediction.clone().map(Text::Shared),
            dispatch_status: p.dispatch_status,
            dispatch_corrected: 0,
        });
    }
}
