//! Creating an order: from a resident's phone, or by staff for a caller.

use super::OrderNotice;
use super::access::{is_desk, visibility};
use super::place::ResolvedPlace;
use super::view::OrderView;
use crate::App;
use crate::directory::property::with_field;
use crate::dispatch::auto::{DispatchPlan, Outcome, auto_dispatcher};
use crate::error::Result;
use serde::{Deserialize, Serialize};
use wuye_domain::Error;
use wuye_domain::access::Actor;
use wuye_domain::category::Category;
use wuye_domain::ids::*;
use wuye_domain::search::index_terms;
use wuye_domain::time::default_zone;
use wuye_domain::values::{Name, Phone};
use wuye_domain::work_order::similarity::{DUPLICATE_THRESHOLD, Shingles};
use wuye_domain::work_order::{
    self as wo, Channel, Command, Grade, Kind, OrderText, Priority, kinds::default_priority,
};
use wuye_store::order_log::NewEvent;
use wuye_store::orders::{self, NewOrder};
use wuye_store::people;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// repair 报修 | complaint 投诉 | consultation 咨询 | suggestion 建议 | praise 表扬
    pub kind: String,
    /// What happened, in the reporter's words (1–2,000 characters).
    pub text: String,
    /// app | phone | walk_in | staff_found | api | assistant (default: app for residents, phone for staff)
    pub channel: Option<String>,
    /// urgent 紧急 | regular 常规 | consult 咨询 (default by kind)
    pub priority: Option<String>,
    /// Complaints: a | b | c (default c)
    pub grade: Option<String>,
    /// A category code of DISPATCH.md (plumbing, elevator, …)
    pub category: Option<String>,
    /// home | building | entrance | garage | grounds (default: home when home_id is given)
    pub place_kind: Option<String>,
    pub home_id: Option<i64>,
    pub community_id: Option<i64>,
    pub building_id: Option<i64>,
    pub entrance_id: Option<i64>,
    /// Where exactly: 电梯间, 地库B2-018 …
    pub place_text: Option<String>,
    /// Staff: the resident on whose behalf the order is made.
    pub resident_id: Option<i64>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// Photos uploaded before (POST /api/v1/photos), at most 9.
    #[serde(default)]
    pub photo_ids: Vec<String>,
    /// Staff: an emergency (停水停电、电梯困人、燃气泄漏…), on the faster clocks.
    pub emergency: Option<bool>,
    /// Staff: dispatch at once to this team (and person).
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// An open order at the same place with similar words (offered for merging).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuplicateCandidate {
    pub id: i64,
    pub number: String,
    pub text: String,
    pub state: String,
    pub place_label: String,
    /// 0–1
    pub similarity: f64,
    #[schema(value_type = String)]
    pub created_at: jiff::Timestamp,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub order: OrderView,
    /// Open orders at the same place in the last 24 h with similar text.
    pub duplicates: Vec<DuplicateCandidate>,
}

impl App {
    /// Open orders at the same place in the last 24 h whose text is similar.
    pub(crate) async fn find_duplicates(
        &self,
        actor: &Actor,
        place: &ResolvedPlace,
        text: &str,
        exclude: Option<i64>,
    ) -> Result<Vec<DuplicateCandidate>> {
        let since = self.now_ms() - 24 * 3_600_000;
        let mut c = self.db.reader().await?;
        let rows = orders::duplicate_candidates(
            &mut c,
            actor.company_id,
            place.community,
            place.home,
            place.building,
            since,
            exclude,
        )
        .await?;
        let new = Shingles::of(text);
        let mut out: Vec<DuplicateCandidate> = rows
            .into_iter()
            .filter_map(|r| {
                let s = new.similarity(&Shingles::of(&r.text));
                (s >= DUPLICATE_THRESHOLD).then(|| DuplicateCandidate {
                    id: r.id,
                    number: r.number,
                    text: r.text,
                    state: r.state,
                    place_label: r.place_label,
                    similarity: (s * 100.0).round() / 100.0,
                    created_at: wuye_domain::time::from_millis(r.created_at),
                })
            })
            .collect();
        out.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
        Ok(out)
    }

    /// Duplicate candidates for an order not created yet (the agent's form
    /// shows them before saving).
    pub async fn check_duplicates(
        &self,
        actor: &Actor,
        input: &OrderInput,
    ) -> Result<Vec<DuplicateCandidate>> {
        if visibility(actor)
            .communities
            .as_ref()
            .is_some_and(|c| c.is_empty())
            && actor.resident_id.is_none()
        {
            return Err(Error::forbidden().into());
        }
        let text = OrderText::parse(&input.text)?;
        let place = self.resolve_place(actor, input).await?;
        self.find_duplicates(actor, &place, text.as_str(), None)
            .await
    }

    pub async fn create_order(&self, actor: &Actor, input: &OrderInput) -> Result<Created> {
        let resident_self = actor.resident_id.is_some() && actor.staff_id.is_none();
        if !resident_self && !is_desk(actor) {
            // Technicians report what they find through the desk's channel.
            if actor.staff_id.is_none() {
                return Err(Error::forbidden().into());
            }
        }
        let kind = Kind::parse(&input.kind)?;
        let text = OrderText::parse(&input.text)?;
        let channel = match &input.channel {
            Some(c) => Channel::parse(c)?,
            None if resident_self => Channel::App,
            None => Channel::Phone,
        };
        // What the classifier makes of the words (category, urgency).
        let prediction = self.predict(actor.company_id, text.as_str()).await?;
        // With smart dispatch off, the prediction is kept as a suggestion only.
        let settings = self.dispatch_settings(actor.company_id).await?;
        let smart = settings.enabled;
        let predicted_urgency = prediction
            .as_ref()
            .filter(|_| smart)
            .map(|(_, p)| p.urgency.label.as_str());
        let emergency = match input.emergency {
            Some(e) if !resident_self => e,
            _ => predicted_urgency == Some("emergency"),
        };
        let priority = match &input.priority {
            Some(p) => Priority::parse(p)?,
            None if matches!(kind, Kind::Repair | Kind::Complaint)
                && matches!(predicted_urgency, Some("emergency" | "urgent")) =>
            {
                Priority::Urgent
            }
            None => default_priority(kind),
        };
        let grade = match (&input.grade, kind) {
            (Some(g), Kind::Complaint) => Some(Grade::parse(g)?),
            (None, Kind::Complaint) => Some(Grade::C),
            (Some(_), _) => {
                return Err(Error::invalid(
                    "grade_only_for_complaints",
                    "只有投诉工单有等级",
                    "Only complaints have a grade",
                )
                .with_field("grade")
                .into());
            }
            (None, _) => None,
        };
        let category = match input.category.as_deref() {
            Some(c) => Some(Category::parse(c)?),
            None => prediction
                .as_ref()
                .filter(|_| smart)
                .and_then(|(_, p)| Category::parse(&p.category.label).ok()),
        };
        if input.photo_ids.len() > wo::MAX_PHOTOS_PER_STEP {
            return Err(too_many_photos().into());
        }
        if resident_self
            && (input.team_id.is_some()
                || input.assignee_id.is_some()
                || input.resident_id.is_some())
        {
            return Err(Error::forbidden().into());
        }
        let place = self.resolve_place(actor, input).await?;

        // Reporter and contact.
        let (reporter_resident, reporter_staff, default_name, default_phone) = if resident_self {
            let r = self
                .get_resident(actor, actor.resident_id.expect("resident"))
                .await?;
            (Some(r.id), None, r.name, r.phone)
        } else if let Some(rid) = input.resident_id {
            let r = self
                .get_resident(actor, ResidentId(rid))
                .await
                .map_err(|e| with_field(e, "resident_id"))?;
            (Some(r.id), None, r.name, r.phone)
        } else {
            let mut c = self.db.read().await?;
            let s =
                people::get_staff(&mut c, actor.company_id, actor.staff_id.expect("staff")).await?;
            (None, Some(s.id), s.name, s.phone)
        };
        let contact_name = match input
            .contact_name
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            Some(n) => Name::parse(n)
                .map_err(|e| e.with_field("contact_name"))?
                .to_string(),
            None => default_name,
        };
        let contact_phone = match input
            .contact_phone
            .as_deref()
            .filter(|s| !s.trim().is_empty())
        {
            Some(p) => Phone::parse(p)
                .map_err(|e| e.with_field("contact_phone"))?
                .to_string(),
            None => default_phone,
        };
        let photos = self.check_photo_refs(actor, &input.photo_ids).await?;
        let dispatch_to = match input.team_id {
            Some(t) => Some(
                self.check_dispatch_target(
                    actor,
                    place.community,
                    TeamId(t),
                    input.assignee_id.map(StaffId),
                )
                .await?,
            ),
            None if input.assignee_id.is_some() => {
                return Err(Error::invalid(
                    "team_required",
                    "指派人员时请同时选择班组",
                    "Choose the team as well",
                )
                .with_field("team_id")
                .into());
            }
            None => None,
        };
        let duplicates = self
            .find_duplicates(actor, &place, text.as_str(), None)
            .await?;
        // Where it goes is decided from reads, before the write lock.
        let plan = match dispatch_to {
            Some((team, assignee)) => DispatchPlan {
                outcome: Outcome::Staff,
                to: Some((team, assignee)),
            },
            None => {
                self.plan_dispatch(
                    actor.company_id,
                    kind,
                    place.community,
                    prediction.as_ref().map(|(_, p)| p),
                    &settings,
                )
                .await?
            }
        };

        let now = self.now_ms();
        let tz = default_zone();
        let at = wuye_domain::time::from_millis(now);
        let owner = if resident_self { None } else { actor.staff_id };
        let day = wo::number_day(at, &tz);
        let reserved =
            orders::reserve_sequence(&self.db, actor.company_id, kind.number_prefix(), day).await?;
        let mut tx = self.db.begin_direct().await?;
        let seq = match reserved {
            Some(seq) => seq,
            None => {
                orders::next_sequence(&mut tx, actor.company_id, kind.number_prefix(), day).await?
            }
        };
        let number = wo::order_number(kind, at, &tz, seq);
        let repeat_of = match (kind, place.home, category) {
            (Kind::Repair, Some(h), Some(cat)) => {
                orders::recent_repair(
                    &mut tx,
                    h,
                    cat.code(),
                    now - wo::REPEAT_WINDOW_DAYS * 86_400_000,
                    -1,
                )
                .await?
            }
            (Kind::Complaint, _, _) => {
                orders::recent_complaint(
                    &mut tx,
                    actor.company_id,
                    place.home,
                    place.building,
                    category.map(|c| c.code()),
                    now - wo::REPEAT_WINDOW_DAYS * 86_400_000,
                )
                .await?
            }
            _ => None,
        };
        let id = orders::insert(
            &mut tx,
            &NewOrder {
                company: actor.company_id,
                number: &number,
                kind: kind.code(),
                channel: channel.code(),
                priority: priority.code(),
                grade: grade.map(|g| g.code()),
                category: category.map(|c| c.code()),
                community: place.community,
                place_kind: place.kind.code(),
                home: place.home,
                building: place.building,
                entrance: place.entrance,
                place_text: &place.text,
                place_label: &place.label,
                reporter_resident,
                reporter_staff,
                contact_name: &contact_name,
                contact_phone: &contact_phone,
                text: text.as_str(),
                owner,
                repeat_of,
                emergency,
                now_ms: now,
            },
        )
        .await?;
        let data = serde_json::json!({
            "kind": kind, "channel": channel, "priority": priority, "grade": grade,
            "category": category, "repeat_of": repeat_of,
            "duplicates": duplicates.iter().map(|d| d.id).collect::<Vec<_>>(),
        });
        let (actor_kind, actor_id) = actor_ref(actor);
        let new_event = NewEvent {
            order: id,
            at_ms: now,
            actor_kind,
            actor_id,
            actor_name: &actor.display_name,
            action: "create",
            from_state: None,
            to_state: Some("received"),
            note: Some(text.as_str()),
            internal: false,
            data: &data,
            photos: &photos,
        };
        let event = self
            .record_event(&mut tx, actor.company_id, &new_event)
            .await?;
        let terms = index_terms(&format!(
            "{number} {} {} {contact_name}",
            text.as_str(),
            place.label
        ));
        orders::index_text(&mut tx, self.db.backend(), id, &terms).await?;
        let prediction_json = match &prediction {
            Some((version, p)) => Some(crate::dispatch::stored_prediction(p, *version)?),
            None => None,
        };
        // The dispatch step joins the creation's transaction: one commit, and
        // the clocks and KPIs computed once, for the order as it stands.
        let (outcome, dispatched) = match plan.to {
            None => (plan.outcome, None),
            Some((team, assignee)) => {
                let cmd = Command::Dispatch { team, assignee };
                let staff = plan.outcome == Outcome::Staff;
                let sys = auto_dispatcher(actor.company_id);
                let by = if staff { actor } else { &sys };
                match self.check_step(&mut tx, by, id, &cmd, !staff).await {
                    Ok(step) => {
                        let notice = self.write_step(&mut tx, by, step, &[], now).await?;
                        (plan.outcome, Some(notice))
                    }
                    // Staff chose the team: their refusal is the answer.
                    Err(e) if staff => return Err(e),
                    // Nothing was written; the order waits for a dispatcher.
                    Err(e) => {
                        tracing::warn!(order = id, error = %e, "automatic dispatch failed; left for a dispatcher");
                        (Outcome::Queue, None)
                    }
                }
            }
        };
        wuye_store::dispatch::set_order_dispatch(
            &mut tx,
            id,
            prediction_json.as_deref(),
            outcome.code(),
        )
        .await?;
        self.refresh_derived(&mut tx, actor.company_id, id, now, true)
            .await?;
        tx.commit().await?;
        self.announce(OrderNotice {
            company_id: actor.company_id.0,
            order_id: id,
            event_id: event,
            action: "create".into(),
            from: None,
            to: Some(wo::State::Received),
            at_ms: now,
        });
        if let Some(notice) = dispatched {
            self.announce(notice);
        }
        // The order only: the answer carries no timeline.
        let order = OrderView::from_row(self.visible_order(actor, id).await?, false);
        Ok(Created { order, duplicates })
    }
}

/// How the timeline names the actor.
pub(crate) fn actor_ref(actor: &Actor) -> (&'static str, Option<i64>) {
    match (actor.staff_id, actor.resident_id) {
        (Some(s), _) => ("staff", Some(s.0)),
        (None, Some(r)) => ("resident", Some(r.0)),
        (None, None) if actor.user_id.0 == 0 => ("system", None),
        _ => ("staff", None),
    }
}

pub fn too_many_photos() -> Error {
    Error::invalid(
        "too_many_photos",
        format!("每次最多上传 {} 张照片", wo::MAX_PHOTOS_PER_STEP),
        format!("At most {} photos per step", wo::MAX_PHOTOS_PER_STEP),
    )
    .with_field("photo_ids")
}
