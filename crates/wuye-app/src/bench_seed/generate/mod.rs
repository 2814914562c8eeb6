//! The generator: turns the plan's slots into rows, one order (or merged
//! pair) at a time, in creation order, numbering rows as the database
//! would have. Texts, their search terms and the classifier's prediction are
//! computed once per distinct text.

use super::company::{Company, Person};
use super::derive::{self, merge_terms, terms_of};
use super::plan::{DAY, MINUTE, Slot};
use super::replay::{self, Context, Maker, Replayed};
use super::story::{self, Input};
use super::texts::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use std::sync::Arc;
use wuye_domain::category::Category;
use wuye_domain::dispatch::Classifier;
use wuye_domain::ids::CommunityId;
use wuye_domain::kpi::{OrderKpiFacts, contributions};
use wuye_domain::sla::OrderFacts;
use wuye_domain::time::from_millis;
use wuye_domain::work_order::{
    self as wo, Channel, Grade, Kind, OrderCore, PlaceKind, Priority, State,
};
use wuye_store::bulk::{Batch, EventRow, FollowerRow, OrderRow, SearchRow, Str, Text};

mod finish;
mod pick;

use finish::OrderParts;

/// A KPI rollup cell: (community, team, assignee, metric index, day).
pub(super) type RollupKey = (i64, i64, i64, u32, i64);
/// (id, resolved_at, closed_at) of a recent repair.
type RecentRepair = (i64, i64, Option<i64>);
/// (id, created, category, ended_at) of a recent complaint.
type RecentComplaint = (i64, i64, Category, Option<i64>);

/// A distinct order text and what is derived from it once.
pub struct TextInfo {
    pub text: Str,
    pub terms: Arc<[Str]>,
    pub prediction: Option<Str>,
    /// The classifier named the core's category with enough confidence
    /// to dispatch by itself / named another category that confidently.
    pub confident: bool,
    pub wrong: bool,
    pub urgency: String,
}

#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub orders: u64,
    pub events: u64,
    pub by_state: HashMap<&'static str, u64>,
}

/// Ids of the last row of each numbered table (`bulk::NUMBERED` order).
#[derive(Debug, Clone, Default)]
pub struct Ids {
    pub order: i64,
    pub event: i64,
    pub handler: i64,
    pub follower: i64,
    pub trigger: i64,
    pub alert: i64,
}

struct Place {
    kind: PlaceKind,
    community: usize,
    home: Option<usize>,
    building: Option<i64>,
    entrance: Option<i64>,
    text: &'static str,
    label: Str,
}

/// An order made in this slot (what a duplicate needs of its survivor).
struct Made {
    id: i64,
    number: String,
    core: usize,
    home: usize,
    history: Vec<(i64, State)>,
    reporter: Option<usize>,
}

pub struct Generator<'a> {
    co: &'a Company,
    pub rng: ChaCha8Rng,
    now: i64,
    tz: jiff::tz::TimeZone,
    auto_accept_ms: i64,
    sample_percent: u8,
    pub ids: Ids,
    texts: HashMap<(u16, u8, u8), Arc<TextInfo>>,
    label_terms: HashMap<Str, Arc<[Str]>>,
    counters: HashMap<(&'static str, i64), i64>,
    pub(super) rollups: HashMap<RollupKey, (i64, i64)>,
    pub(super) metrics: Vec<String>,
    metric_ix: HashMap<String, u32>,
    /// (home, category) → recent repairs (id, resolved_at, closed_at).
    repairs: HashMap<(usize, Category), Vec<RecentRepair>>,
    /// home → recent complaints (id, created, category, ended_at: cancelled or merged).
    complaints: HashMap<usize, Vec<RecentComplaint>>,
    pub(super) assigned: HashMap<i64, i64>,
    made: u64,
    pub batch: Batch,
    pending: Vec<EventRow>,
    pub stats: Stats,
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())]
}

impl<'a> Generator<'a> {
    pub fn new(co: &'a Company, seed: u64, now: i64, config: &crate::AppConfig, ids: Ids) -> Self {
        Generator {
            co,
            rng: ChaCha8Rng::seed_from_u64(seed),
            now,
            tz: wuye_domain::time::default_zone(),
            auto_accept_ms: config.auto_accept_days * DAY,
            sample_percent: config.return_visit_sample_percent,
            ids,
            texts: HashMap::new(),
            label_terms: HashMap::new(),
            counters: HashMap::new(),
            rollups: HashMap::new(),
            metrics: Vec::new(),
            metric_ix: HashMap::new(),
            repairs: HashMap::new(),
            complaints: HashMap::new(),
            assigned: HashMap::new(),
            made: 0,
            batch: Batch::default(),
            pending: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// Makes the orders of one slot.
    pub fn slot(&mut self, s: &Slot) -> Result<(), wuye_domain::Error> {
        if s.target == State::Merged {
            let target = if self.rng.random_bool(0.85) {
                State::Closed
            } else {
                State::Resolved
            };
            let survivor = self.order(s.created, target, None, true)?;
            let at = s.created + self.rng.random_range(MINUTE..20 * MINUTE);
            self.order(at, State::Merged, Some(&survivor), false)?;
        } else {
            self.order(s.created, s.target, None, false)?;
        }
        // Number the slot's events in time order (a merge adds an event to
        // the survivor at the time of the merge).
        let mut events = std::mem::take(&mut self.pending);
        events.sort_by_key(|e| e.at);
        for mut e in events {
            self.ids.event += 1;
            e.id = self.ids.event;
            self.batch.events.push(e);
        }
        Ok(())
    }

    fn order(
        &mut self,
        created: i64,
        target: State,
        dup_of: Option<&Made>,
        survivor: bool,
    ) -> Result<Made, wuye_domain::Error> {
        let co = self.co;
        self.made += 1;
        // Every 20th order is by a bench resident, at their home.
        let bench = (dup_of.is_none() && self.made % 20 == 1).then(|| {
            let (r, homes) =
                &co.bench_residents[((self.made / 20) as usize) % co.bench_residents.len()];
            (*r, pick(&mut self.rng, homes))
        });
        let mut kind = match dup_of {
            Some(m) => CORES[m.core].kind,
            None if survivor => self.kind_for(State::Merged),
            None => self.kind_for(target),
        };
        if bench.is_some() && kind == Kind::Suggestion {
            kind = Kind::Repair;
        }
        let dispatchable = matches!(kind, Kind::Repair | Kind::Complaint);
        let unsure = target == State::Received && dispatchable;
        let home_only = bench.is_some() || survivor;
        let (core, info) = match self.pick_text(kind, home_only, unsure, dup_of.map(|m| m.core)) {
            Some(x) => x,
            None => {
                kind = Kind::Consultation;
                self.pick_text(kind, home_only, false, None)
                    .expect("consultations about homes exist")
            }
        };
        let place = self.place(core, dup_of.map(|m| m.home).or(bench.map(|b| b.1)));
        // Reporter, channel and who made it.
        let residents_here: Vec<u32> = match place.home {
            Some(h) => co.homes[h].residents.clone(),
            None => {
                let m = &co.communities[place.community];
                co.homes[self.rng.random_range(m.homes.clone())]
                    .residents
                    .clone()
            }
        };
        let staff_found =
            place.home.is_none() && (residents_here.is_empty() || self.rng.random_bool(0.3));
        let reporter: Option<usize> = if staff_found {
            None
        } else if let Some((r, _)) = bench {
            Some(r)
        } else if let Some(m) = dup_of {
            residents_here
                .iter()
                .map(|r| *r as usize)
                .find(|r| Some(*r) != m.reporter)
                .or(m.reporter)
        } else if residents_here.is_empty() {
            None
        } else {
            Some(pick(&mut self.rng, &residents_here) as usize)
        };
        let team = co.team_for(CORES[core].category);
        let agent = pick(&mut self.rng, &co.agents);
        let channel = match (reporter, self.rng.random_range(0..100)) {
            (None, _) => Channel::StaffFound,
            (Some(_), 0..55) => Channel::App,
            (Some(_), 55..83) => Channel::Phone,
            (Some(_), 83..90) => Channel::WalkIn,
            (Some(_), _) => Channel::Assistant,
        };
        let resident_self = matches!(channel, Channel::App | Channel::Assistant);
        let (maker_staff, maker) = match (channel, reporter) {
            (Channel::StaffFound, _) => {
                let members = &co.teams[team].members;
                let s = pick(&mut self.rng, members);
                (Some(s), None)
            }
            (_, Some(r)) if resident_self => (None, Some(r)),
            _ => (Some(agent), None),
        };
        let person: &Person = match (maker_staff, maker) {
            (Some(s), _) => &co.staff[s],
            (None, Some(r)) => &co.residents[r],
            _ => unreachable!("someone makes every order"),
        };
        let contact: &Person = match reporter {
            Some(r) => &co.residents[r],
            None => person,
        };
        let make = Maker {
            kind: if maker_staff.is_some() {
                "staff"
            } else {
                "resident"
            },
            id: Some(person.id),
            name: person.name.clone(),
        };
        // Classification as create_order does it.
        let emergency = info.urgency == "emergency";
        let priority = if dispatchable && matches!(info.urgency.as_str(), "emergency" | "urgent") {
            Priority::Urgent
        } else {
            wo::kinds::default_priority(kind)
        };
        let grade = (kind == Kind::Complaint).then(|| {
            if resident_self {
                Grade::C
            } else {
                pick(
                    &mut self.rng,
                    &[Grade::A, Grade::B, Grade::B, Grade::C, Grade::C, Grade::C],
                )
            }
        });
        let category = CORES[core].category;
        // Number.
        let at = from_millis(created);
        let day = wo::number_day(at, &self.tz);
        let seq = self
            .counters
            .entry((kind.number_prefix(), day))
            .or_insert(0);
        *seq += 1;
        let number = wo::order_number(kind, at, &self.tz, *seq);
        self.ids.order += 1;
        let id = self.ids.order;
        let repeat_of = self.repeat_of(kind, place.home, category, created);
        // What happens to it.
        let target = if dup_of.is_some() {
            State::Merged
        } else {
            target
        };
        let owner0 = maker_staff.map(|s| wuye_domain::ids::StaffId(co.staff[s].id));
        let staff_ids: Vec<i64> = co.staff.iter().map(|p| p.id).collect();
        let mut inp = Input {
            kind,
            target,
            team,
            teams: &co.teams,
            agent,
            supervisor: pick(&mut self.rng, &co.supervisors),
            has_reporter: reporter.is_some(),
            confident: info.confident,
            staff_dispatch: maker_staff == Some(agent) && self.rng.random_bool(0.4),
            merge_into: dup_of.map(|m| (m.id, m.number.clone())),
            auto_accept_ms: self.auto_accept_ms,
            pace: if emergency {
                0.12
            } else if priority == Priority::Urgent {
                0.3
            } else {
                1.0
            },
        };
        let mut st = story::story(&inp, &staff_ids, &mut self.rng);
        story::schedule(&mut st.steps, created, self.now, agent);
        if let (Some(m), Some(merge_at)) = (dup_of, st.steps.last().map(|s| s.at)) {
            let open = m
                .history
                .iter()
                .rev()
                .find(|(t, _)| *t <= merge_at)
                .is_some_and(|(_, s)| s.is_open());
            if !open {
                // The survivor was done before anyone merged: cancel instead.
                inp.merge_into = None;
                inp.target = State::Cancelled;
                st = story::story(&inp, &staff_ids, &mut self.rng);
                story::schedule(&mut st.steps, created, self.now, agent);
            }
        }
        let reporter_p = reporter.map(|r| &co.residents[r]);
        let cx = Context {
            order: id,
            created,
            staff: &co.staff,
            reporter: reporter_p,
            auto_accept_ms: self.auto_accept_ms,
            sample_percent: self.sample_percent,
        };
        let r = replay::replay(OrderCore::new(kind, owner0), &st.steps, &cx)?;
        debug_assert_eq!(
            r.core.state, inp.target,
            "story of {:?} ends elsewhere",
            inp.target
        );
        let duplicates: Vec<i64> = dup_of.map(|m| m.id).into_iter().collect();
        let data = serde_json::json!({
            "kind": kind, "channel": channel, "priority": priority, "grade": grade,
            "category": Some(category), "repeat_of": repeat_of, "duplicates": duplicates,
        });
        self.pending.push(EventRow {
            id: 0,
            order_id: id,
            at: created,
            actor_kind: make.kind,
            actor_id: make.id,
            actor_name: Text::Shared(make.name.clone()),
            action: "create",
            from_state: None,
            to_state: Some("received"),
            note: Some(Text::Shared(info.text.clone())),
            internal: 0,
            data: Text::Owned(data.to_string()),
            photos: "[]",
        });
        let facts = OrderFacts {
            kind,
            priority,
            grade,
            category: Some(category),
            community: CommunityId(co.communities[place.community].id),
            emergency,
        };
        self.finish_order(OrderParts {
            id,
            number: &number,
            kind,
            channel,
            priority,
            grade,
            category,
            place: &place,
            reporter: reporter_p,
            reporter_staff: if reporter.is_none() {
                maker_staff.map(|s| co.staff[s].id)
            } else {
                None
            },
            contact,
            info: &info,
            repeat_of,
            emergency,
            created,
            dispatch_status: st.dispatch_status,
            facts,
            r: &r,
        });
        if let Some((into, at, agent)) = r.merge {
            let p = &co.staff[agent];
            self.pending.push(EventRow {
                id: 0,
                order_id: into,
                at,
                actor_kind: "staff",
                actor_id: Some(p.id),
                actor_name: Text::Shared(p.name.clone()),
                action: "merged_in",
                from_state: None,
                to_state: None,
                note: Some(Text::Owned(format!("{number}：{}", info.text))),
                internal: 0,
                data: Text::Owned(
                    serde_json::json!({"order_id": id, "number": number}).to_string(),
                ),
                photos: "[]",
            });
            self.stats.events += 1;
            if let Some(rp) = reporter_p {
                self.ids.follower += 1;
                self.batch.followers.push(FollowerRow {
                    id: self.ids.follower,
                    order_id: into,
                    resident_id: Some(rp.id),
                    staff_id: None,
                    reason: "reporter_of_merged",
                    added_at: at,
                });
            }
        }
        self.track(kind, place.home, category, id, created, &r);
        Ok(Made {
            id,
            number,
            core,
            home: place.home.unwrap_or(0),
            history: r.history.clone(),
            reporter,
        })
    }

    /// The earlier order this one repeats, as create_order finds it.
    fn repeat_of(
        &self,
        kind: Kind,
        home: Option<usize>,
        category: Category,
        created: i64,
    ) -> Option<i64> {
        let home = home?;
        let since = created - wo::REPEAT_WINDOW_DAYS * DAY;
        match kind {
            Kind::Repair => self.repairs.get(&(home, category))?.iter().rev().find_map(
                |(id, resolved, closed)| {
                    if *resolved > created {
                        return None;
                    }
                    let done = closed.filter(|c| *c <= created).unwrap_or(*resolved);
                    (done >= since).then_some(*id)
                },
            ),
            Kind::Complaint => {
                self.complaints
                    .get(&home)?
                    .iter()
                    .rev()
                    .find_map(|(id, at, cat, ended)| {
                        let live = ended.is_none_or(|e| e > created);
                        (*at >= since && live && *cat == category).then_some(*id)
                    })
            }
            _ => None,
        }
    }

    fn track(
        &mut self,
        kind: Kind,
        home: Option<usize>,
        category: Category,
        id: i64,
        created: i64,
        r: &Replayed,
    ) {
        let Some(home) = home else { return };
        match kind {
            Kind::Repair => {
                if let Some(resolved) = r.fields.resolved_at {
                    let v = self.repairs.entry((home, category)).or_default();
                    v.push((id, resolved, r.fields.closed_at));
                    if v.len() > 4 {
                        v.remove(0);
                    }
                }
            }
            Kind::Complaint => {
                let ended = r.fields.cancelled_at.or(r.merge.map(|m| m.1));
                let v = self.complaints.entry(home).or_default();
                v.push((id, created, category, ended));
                if v.len() > 4 {
                    v.remove(0);
                }
            }
            _ => {}
        }
    }

    fn metric(&mut self, m: &str) -> u32 {
        if let Some(i) = self.metric_ix.get(m) {
            return *i;
        }
        let i = self.metrics.len() as u32;
        self.metrics.push(m.to_string());
        self.metric_ix.insert(m.to_string(), i);
        i
    }

    fn kpi(&mut self, order: i64, community: i64, team: i64, assignee: i64, f: &OrderKpiFacts) {
        for c in contributions(f, &self.tz) {
            let m = self.metric(&c.metric);
            let cell = self
                .rollups
                .entry((community, team, assignee, m, c.day))
                .or_default();
            cell.0 += c.num;
            cell.1 += c.den;
            self.batch.contributions.push(wuye_store::bulk::ContribRow {
                order_id: order,
                metric: Text::Owned(c.metric),
                day: c.day,
                community_id: community,
                team_id: team,
                assignee_id: assignee,
                num: c.num,
                den: c.den,
            });
        }
    }

    /// The counters of order numbers, per prefix and day.
    pub fn counter_rows(&self) -> Vec<wuye_store::bulk::CounterRow> {
        let mut rows: Vec<_> = self
            .counters
            .iter()
            .map(|((prefix, day), value)| wuye_store::bulk::CounterRow {
                company_id: self.co.id.0,
                prefix,
                day: *day,
                value: *value,
            })
            .collect();
        rows.sort_by_key(|r| (r.prefix, r.day));
        rows
    }
}
