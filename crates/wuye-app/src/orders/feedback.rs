//! Comments, internal notes and the resident's rating.

use super::OrderNotice;
use super::create::{actor_ref, too_many_photos};
use crate::App;
use crate::error::Result;
use serde::Deserialize;
use wuye_domain::Error;
use wuye_domain::access::Actor;
use wuye_domain::work_order::{self as wo, Rating, State};
use wuye_store::order_log::NewEvent;
use wuye_store::orders;

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    pub text: String,
    /// Staff only: an internal note residents never see.
    #[serde(default)]
    pub internal: bool,
    #[serde(default)]
    pub photo_ids: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingInput {
    /// 1–5
    pub stars: i64,
    pub comment: Option<String>,
}

impl App {
    pub async fn comment(&self, actor: &Actor, id: i64, input: &CommentInput) -> Result<i64> {
        let o = self.visible_order(actor, id).await?;
        let is_staff = actor.staff_id.is_some();
        if input.internal && !is_staff {
            return Err(Error::forbidden().with_field("internal").into());
        }
        let text = input.text.trim();
        if text.is_empty() {
            return Err(
                Error::invalid("text_empty", "请输入内容", "Please write something")
                    .with_field("text")
                    .into(),
            );
        }
        if text.chars().count() > wo::machine::MAX_NOTE_CHARS {
            return Err(Error::invalid(
                "text_too_long",
                format!("最多 {} 个字", wo::machine::MAX_NOTE_CHARS),
                format!("At most {} characters", wo::machine::MAX_NOTE_CHARS),
            )
            .with_field("text")
            .into());
        }
        if input.photo_ids.len() > wo::MAX_PHOTOS_PER_STEP {
            return Err(too_many_photos().into());
        }
        let photos = self.check_photo_refs(actor, &input.photo_ids).await?;
        let now = self.now_ms();
        let (actor_kind, actor_id) = actor_ref(actor);
        let action = if input.internal { "note" } else { "comment" };
        let mut tx = self.db.begin_direct().await?;
        let new_event = NewEvent {
            order: id,
            at_ms: now,
            actor_kind,
            actor_id,
            actor_name: &actor.display_name,
            action,
            from_state: None,
            to_state: None,
            note: Some(text),
            internal: input.internal,
            data: &serde_json::json!({}),
            photos: &photos,
        };
        let event = self
            .record_event(&mut tx, actor.company_id, &new_event)
            .await?;
        tx.commit().await?;
        self.announce(OrderNotice {
            company_id: o.company_id,
            order_id: id,
            event_id: event,
            action: action.into(),
            from: None,
            to: None,
            at_ms: now,
        });
        Ok(event)
    }

    /// The resident rates the finished job once: 1–5 stars and a comment.
    /// Three stars or fewer schedule a return visit.
    pub async fn rate(&self, actor: &Actor, id: i64, input: &RatingInput) -> Result<()> {
        let o = self.visible_order(actor, id).await?;
        let is_reporter = actor
            .resident_id
            .is_some_and(|r| o.reporter_resident_id == Some(r.0));
        if !is_reporter {
            return Err(Error::new(
                wuye_domain::ErrorKind::Forbidden,
                "only_reporter_rates",
                "只有报事的业主可以评价",
                "Only the resident who reported it can rate the job",
            )
            .into());
        }
        let stars = Rating::parse(input.stars)?;
        let comment = crate::directory::opt_text(input.comment.as_deref(), 500, "comment")?;
        let state = State::parse(&o.state)?;
        if !matches!(state, State::Resolved | State::Closed) {
            return Err(Error::new(
                wuye_domain::ErrorKind::Conflict,
                state.conflict_code(),
                format!("工单当前为「{}」，验收完成后才能评价", state.label_zh()),
                format!(
                    "The order is {}; it can be rated once resolved",
                    state.label_en()
                ),
            )
            .with_field("state")
            .into());
        }
        if o.rating.is_some() {
            return Err(already_rated().into());
        }
        let visit =
            (stars.needs_return_visit() && state == State::Resolved).then_some("low_rating");
        let now = self.now_ms();
        let (actor_kind, actor_id) = actor_ref(actor);
        let mut tx = self.db.begin_direct().await?;
        if !orders::set_rating(
            &mut tx,
            id,
            stars.stars() as i64,
            comment.as_deref(),
            visit,
            now,
        )
        .await?
        {
            return Err(already_rated().into());
        }
        let new_event = NewEvent {
            order: id,
            at_ms: now,
            actor_kind,
            actor_id,
            actor_name: &actor.display_name,
            action: "rate",
            from_state: None,
            to_state: None,
            note: comment.as_deref(),
            internal: false,
            data: &serde_json::json!({"stars": stars.stars()}),
            photos: &[],
        };
        let event = self
            .record_event(&mut tx, actor.company_id, &new_event)
            .await?;
        self.kpi_refresh(&mut tx, actor.company_id, id).await?;
        tx.commit().await?;
        self.announce(OrderNotice {
            company_id: o.company_id,
            order_id: id,
            event_id: event,
            action: "rate".into(),
            from: None,
            to: None,
            at_ms: now,
        });
        Ok(())
    }
}

fn already_rated() -> Error {
    Error::conflict(
        "already_rated",
        "该工单已经评价过了",
        "This order has already been rated",
    )
}
