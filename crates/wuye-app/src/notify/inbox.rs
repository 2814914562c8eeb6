//! What people see of notifications: the bell (their in-app messages, unread
//! count, mark read), the delivery log of an order (staff), and the
//! dead-letter list with its retry button (admins).

use crate::App;
use crate::audit::record;
use crate::error::Result;
use crate::page::{Page, PageParams, page_of};
use serde::Serialize;
use wuye_domain::Error;
use wuye_domain::access::Actor;
use wuye_domain::notify::{Channel, mask_address};
use wuye_domain::time::from_millis;
use wuye_store::notify::{self as store, DeliveryFilter, DeliveryRow, InboxRow};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: i64,
    pub order_id: Option<i64>,
    /// The event code (dispatched, sla_breach, …).
    pub event: String,
    pub title: String,
    pub body: String,
    #[schema(value_type = String)]
    pub created_at: jiff::Timestamp,
    pub read: bool,
}

impl From<InboxRow> for InboxItem {
    fn from(r: InboxRow) -> Self {
        InboxItem {
            id: r.id,
            order_id: r.order_id,
            event: r.event,
            title: r.title,
            body: r.body,
            created_at: from_millis(r.created_at),
            read: r.read_at.is_some(),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Marked {
    pub marked: u64,
}

/// One delivery as staff and admins see it (addresses masked).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub order_id: Option<i64>,
    pub event: String,
    /// in_app | sms | email | wecom | dingtalk | webhook
    pub channel: String,
    /// resident | staff | endpoint (a robot or webhook)
    pub recipient_kind: String,
    pub recipient_id: i64,
    pub recipient_name: String,
    /// 139****0001, z***@example.com, or the endpoint's id.
    pub address: String,
    pub lang: String,
    pub title: String,
    /// Emergencies skip quiet hours and rate limits.
    pub urgent: bool,
    /// pending | sending | delivered | dead
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    #[schema(value_type = String)]
    pub created_at: jiff::Timestamp,
    /// When the next attempt is due (pending), or the claim runs out (sending).
    #[schema(value_type = Option<String>)]
    pub next_attempt_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>)]
    pub sent_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<String>)]
    pub delivered_at: Option<jiff::Timestamp>,
    pub last_error: Option<String>,
    /// The provider's message id (Aliyun BizId, Tencent SerialNo, SMTP reply).
    pub provider_ref: Option<String>,
    /// The idempotency key, also sent to providers that take one.
    pub idempotency_key: String,
}

impl From<DeliveryRow> for DeliveryView {
    fn from(r: DeliveryRow) -> Self {
        let channel = Channel::parse(&r.channel).unwrap_or(Channel::InApp);
        let open = matches!(r.status.as_str(), "pending" | "sending");
        DeliveryView {
            id: r.id,
            order_id: r.order_id,
            event: r.event,
            address: match channel {
                Channel::InApp => String::new(),
                c => mask_address(c, &r.address),
            },
            channel: r.channel,
            recipient_kind: r.recipient_kind,
            recipient_id: r.recipient_id,
            recipient_name: r.recipient_name,
            lang: r.lang,
            title: r.title,
            urgent: r.urgent != 0,
            status: r.status,
            attempts: r.attempts,
            max_attempts: r.attempt_limit,
            created_at: from_millis(r.created_at),
            next_attempt_at: open.then(|| from_millis(r.next_attempt_at)),
            sent_at: r.sent_at.map(from_millis),
            delivered_at: r.delivered_at.map(from_millis),
            last_error: r.last_error,
            provider_ref: r.provider_ref,
            idempotency_key: r.idem_key,
        }
    }
}

pub(crate) fn require_admin(actor: &Actor) -> Result<()> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(Error::forbidden().into())
    }
}

fn not_found_delivery() -> Error {
    Error::not_found("通知投递记录", "delivery")
}

impl App {
    /// The caller's in-app notifications, newest first.
    pub async fn my_notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        p: &PageParams,
    ) -> Result<Page<InboxItem>> {
        let limit = p.limit()?;
        let mut c = self.db.read().await?;
        let rows =
            store::inbox(&mut c, actor.user_id, unread_only, p.after_id()?, limit + 1).await?;
        Ok(page_of(
            rows.into_iter().map(InboxItem::from).collect(),
            limit,
            |i| i.id,
        ))
    }

    pub async fn unread_notifications(&self, actor: &Actor) -> Result<UnreadCount> {
        let mut c = self.db.read().await?;
        Ok(UnreadCount {
            unread: store::unread_count(&mut c, actor.user_id).await?,
        })
    }

    /// Marks one of the caller's notifications read (again is fine).
    pub async fn mark_notification_read(&self, actor: &Actor, id: i64) -> Result<()> {
        let mut tx = self.db.begin().await?;
        if store::mark_read(&mut tx, actor.user_id, Some(id), self.now_ms())
            .await?
            .is_none()
        {
            return Err(Error::not_found("通知", "notification").into());
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn mark_all_notifications_read(&self, actor: &Actor) -> Result<Marked> {
        let mut tx = self.db.begin().await?;
        let marked = store::mark_read(&mut tx, actor.user_id, None, self.now_ms())
            .await?
            .unwrap_or(0);
        tx.commit().await?;
        Ok(Marked { marked })
    }

    /// Who was told what about an order, through which channel, and how it
    /// went. Staff who can see the order.
    pub async fn order_deliveries(&self, actor: &Actor, id: i64) -> Result<Vec<DeliveryView>> {
        self.visible_order(actor, id).await?;
        if actor.staff_id.is_none() && !actor.is_admin() {
            return Err(Error::forbidden().into());
        }
        let mut c = self.db.read().await?;
        let f = DeliveryFilter {
            order: Some(id),
            ..DeliveryFilter::of(actor.company_id)
        };
        Ok(store::deliveries(&mut c, f)
            .await?
            .into_iter()
            .map(DeliveryView::from)
            .collect())
    }

    /// The company's deliveries, newest first; `status=dead` is the
    /// dead-letter list. Admins.
    pub async fn list_deliveries(
        &self,
        actor: &Actor,
        status: Option<&str>,
        p: &PageParams,
    ) -> Result<Page<DeliveryView>> {
        require_admin(actor)?;
        if let Some(s) = status
            && !matches!(s, "pending" | "sending" | "delivered" | "dead")
        {
            return Err(Error::invalid(
                "status_invalid",
                "状态应为 pending、sending、delivered 或 dead",
                "status must be pending, sending, delivered or dead",
            )
            .with_field("status")
            .into());
        }
        let limit = p.limit()?;
        let mut c = self.db.read().await?;
        let f = DeliveryFilter {
            status,
            before: p.after_id()?,
            limit: Some(limit + 1),
            ..DeliveryFilter::of(actor.company_id)
        };
        let rows = store::deliveries(&mut c, f).await?;
        Ok(page_of(
            rows.into_iter().map(DeliveryView::from).collect(),
            limit,
            |d| d.id,
        ))
    }

    /// Sends a dead-lettered delivery again, with a fresh set of attempts.
    pub async fn retry_delivery(&self, actor: &Actor, id: i64) -> Result<DeliveryView> {
        require_admin(actor)?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let row = store::deliveries(&mut tx, DeliveryFilter::one(actor.company_id, id))
            .await?
            .pop()
            .ok_or_else(not_found_delivery)?;
        let settings = super::setup::settings(&mut tx, actor.company_id).await?;
        if !store::retry_dead(
            &mut tx,
            actor.company_id,
            id,
            settings.max_attempts as i64,
            now,
        )
        .await?
        {
            return Err(Error::conflict(
                "delivery_not_dead",
                format!(
                    "该投递当前状态为 {}，只有失败（dead）的投递可以重试",
                    row.status
                ),
                format!(
                    "The delivery is {}; only dead deliveries can be retried",
                    row.status
                ),
            )
            .into());
        }
        record(
            &mut tx,
            actor,
            now,
            "notify_delivery",
            id,
            "retry",
            Some(serde_json::json!({"status": row.status, "attempts": row.attempts, "last_error": row.last_error})),
            None,
        )
        .await?;
        let row = store::deliveries(&mut tx, DeliveryFilter::one(actor.company_id, id))
            .await?
            .pop()
            .ok_or_else(not_found_delivery)?;
        tx.commit().await?;
        Ok(row.into())
    }
}
