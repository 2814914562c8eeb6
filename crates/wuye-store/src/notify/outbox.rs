//! The outbox: deliveries waiting, being sent, sent, or given up.

use super::exec;
use crate::sql::Sql;
use crate::{Backend, Conn, Exec, Read, Result};
use sqlx::FromRow;
use wuye_domain::ids::*;

pub struct NewDelivery<'a> {
    pub company: CompanyId,
    pub order: Option<i64>,
    pub event: &'a str,
    pub source: &'a str,
    pub idem_key: &'a str,
    pub channel: &'a str,
    pub recipient_kind: &'a str,
    pub recipient_id: i64,
    pub recipient_name: &'a str,
    pub address: &'a str,
    pub lang: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub payload: &'a str,
    pub urgent: bool,
    /// "pending", or "delivered" for in-app rows (delivered by the insert).
    pub status: &'a str,
    pub attempt_limit: i64,
    pub next_attempt_at: i64,
    pub now_ms: i64,
}

/// Adds a delivery unless one with the same idempotency key exists; the id
/// of the new row, or None when it was already there.
pub async fn insert_delivery(c: &mut impl Exec, d: &NewDelivery<'_>) -> Result<Option<i64>> {
    let delivered = d.status == "delivered";
    let sql = "INSERT INTO notify_outbox (company_id, order_id, event, source, idem_key, channel, recipient_kind, \
         recipient_id, recipient_key, recipient_name, address, lang, title, body, payload, urgent, status, attempts, \
         attempt_limit, next_attempt_at, sent_at, delivered_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, \
         $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21, $22, $22) \
         ON CONFLICT (idem_key) DO NOTHING RETURNING id";
    let text = |s: &str| s.to_string();
    q!(
        shim,
        sql,
        d.company.0,
        d.order,
        text(d.event),
        text(d.source),
        text(d.idem_key),
        text(d.channel),
        text(d.recipient_kind),
        d.recipient_id,
        format!("{}:{}", d.recipient_kind, d.recipient_id),
        text(d.recipient_name),
        text(d.address),
        text(d.lang),
        text(d.title),
        text(d.body),
        text(d.payload),
        d.urgent as i64,
        text(d.status),
        delivered as i64,
        d.attempt_limit,
        d.next_attempt_at,
        delivered.then_some(d.now_ms),
        d.now_ms,
    )
    .fetch_optional_scalar(c)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub company_id: i64,
    pub order_id: Option<i64>,
    pub event: String,
    pub idem_key: String,
    pub channel: String,
    pub recipient_kind: String,
    pub recipient_id: i64,
    pub recipient_key: String,
    pub recipient_name: String,
    pub address: String,
    pub lang: String,
    pub title: String,
    pub body: String,
    pub payload: String,
    pub urgent: i64,
    pub status: String,
    pub attempts: i64,
    pub attempt_limit: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub delivered_at: Option<i64>,
    pub last_error: Option<String>,
    pub provider_ref: Option<String>,
    pub created_at: i64,
}

const DELIVERY: &str = "SELECT id, company_id, order_id, event, idem_key, channel, recipient_kind, recipient_id, \
    recipient_key, recipient_name, address, lang, title, body, payload, urgent, status, attempts, attempt_limit, \
    next_attempt_at, sent_at, delivered_at, last_error, provider_ref, created_at FROM notify_outbox";

/// Deliveries of a channel that are due: pending ones whose time has come,
/// and claimed ones whose lease ran out (their worker died). Locked for this
/// transaction; on PostgreSQL `SKIP LOCKED` lets several nodes claim side by
/// side without taking the same row twice; SQLite has one writer.
pub async fn claim_due(
    c: &mut Conn,
    backend: Backend,
    channel: &str,
    now_ms: i64,
    limit: i64,
) -> Result<Vec<DeliveryRow>> {
    let lock = match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    };
    let sql = format!(
        "{DELIVERY} WHERE channel = $1 AND status IN ('pending', 'sending') AND next_attempt_at <= $2 \
         ORDER BY next_attempt_at, id LIMIT $3{lock}"
    );
    Ok(q!(query_as, &sql, channel.to_string(), now_ms, limit)
        .fetch_all(c)
        .await?)
}

/// Send times of a recipient on a channel since `since_ms`, oldest first.
pub async fn sent_since(c: &mut Conn, key: &str, channel: &str, since_ms: i64) -> Result<Vec<i64>> {
    let sql = "SELECT sent_at FROM notify_outbox WHERE recipient_key = $1 AND channel = $2 AND sent_at > $3 \
         AND status IN ('sending', 'delivered') ORDER BY sent_at LIMIT 10000";
    Ok(q!(
        query_scalar,
        sql,
        key.to_string(),
        channel.to_string(),
        since_ms
    )
    .fetch_all(c)
    .await?)
}

/// Claims a delivery for one attempt: `token` fences the attempt, so that a
/// worker whose lease was taken over cannot mark the row afterwards.
pub async fn mark_sending(
    c: &mut Conn,
    id: i64,
    token: &str,
    now_ms: i64,
    lease: i64,
) -> Result<()> {
    let sql = "UPDATE notify_outbox SET status = 'sending', attempts = attempts + 1, claim_token = $1, \
         sent_at = $2, next_attempt_at = $3, updated_at = $2 WHERE id = $4";
    exec(c, q!(query, sql, token.to_string(), now_ms, lease, id)).await?;
    Ok(())
}

/// Puts a delivery off without an attempt (rate limit, quiet hours).
pub async fn defer(c: &mut Conn, id: i64, until_ms: i64, reason: &str, now_ms: i64) -> Result<()> {
    let sql = "UPDATE notify_outbox SET status = 'pending', next_attempt_at = $1, last_error = $2, \
         updated_at = $3 WHERE id = $4";
    exec(c, q!(query, sql, until_ms, reason.to_string(), now_ms, id)).await?;
    Ok(())
}

/// Records the outcome of an attempt. `Ok(ref)` delivered; `Err((error,
/// Some(at)))` retry at `at`; `Err((error, None))` dead. False if the
/// attempt's claim is no longer current.
pub async fn finish_attempt(
    c: &mut Conn,
    id: i64,
    token: &str,
    now_ms: i64,
    outcome: std::result::Result<Option<&str>, (&str, Option<i64>)>,
) -> Result<bool> {
    let fence = "WHERE id = $4 AND claim_token = $5 AND status = 'sending'";
    let token = token.to_string();
    let q = match outcome {
        Ok(provider_ref) => {
            let sql = format!(
                "UPDATE notify_outbox SET status = 'delivered', delivered_at = $1, updated_at = $1, \
                 provider_ref = $2, last_error = $3, claim_token = NULL {fence}"
            );
            let (r, e) = (provider_ref.map(str::to_string), None::<String>);
            exec(c, q!(query, &sql, now_ms, r, e, id, token)).await?
        }
        Err((error, retry_at)) => {
            let sql = format!(
                "UPDATE notify_outbox SET status = CASE WHEN $1 < 0 THEN 'dead' ELSE 'pending' END, \
                 next_attempt_at = CASE WHEN $1 < 0 THEN next_attempt_at ELSE $1 END, updated_at = $2, \
                 last_error = $3, claim_token = NULL {fence}"
            );
            let (at, e) = (retry_at.unwrap_or(-1), error.to_string());
            exec(c, q!(query, &sql, at, now_ms, e, id, token)).await?
        }
    };
    Ok(q == 1)
}

/// Dead-letters a delivery without an attempt (its claim ran out with no
/// attempts left: the worker died mid-delivery every time).
pub async fn mark_dead(c: &mut Conn, id: i64, error: &str, now_ms: i64) -> Result<()> {
    let sql = "UPDATE notify_outbox SET status = 'dead', last_error = $1, claim_token = NULL, updated_at = $2 \
         WHERE id = $3";
    exec(c, q!(query, sql, error.to_string(), now_ms, id)).await?;
    Ok(())
}

/// Gives a dead delivery a fresh set of attempts, due now.
pub async fn retry_dead(
    c: &mut Conn,
    company: CompanyId,
    id: i64,
    attempts: i64,
    now_ms: i64,
) -> Result<bool> {
    let sql = "UPDATE notify_outbox SET status = 'pending', attempt_limit = attempts + $1, next_attempt_at = $2, \
         updated_at = $2 WHERE company_id = $3 AND id = $4 AND status = 'dead'";
    Ok(exec(c, q!(query, sql, attempts, now_ms, company.0, id)).await? == 1)
}

/// Which deliveries to list.
#[derive(Debug, Clone, Copy)]
pub struct DeliveryFilter<'a> {
    pub company: CompanyId,
    pub order: Option<i64>,
    pub id: Option<i64>,
    pub status: Option<&'a str>,
    /// Keyset paging, newest first: ids below this one.
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

impl DeliveryFilter<'_> {
    pub fn of(company: CompanyId) -> Self {
        let (order, id, status, before, limit) = (None, None, None, None, None);
        DeliveryFilter {
            company,
            order,
            id,
            status,
            before,
            limit,
        }
    }

    pub fn one(company: CompanyId, id: i64) -> Self {
        DeliveryFilter {
            id: Some(id),
            ..Self::of(company)
        }
    }
}

/// A company's deliveries: of an order oldest first, otherwise newest first.
pub async fn deliveries(c: &mut Conn, f: DeliveryFilter<'_>) -> Result<Vec<DeliveryRow>> {
    let mut s = Sql::new(&format!("{DELIVERY} WHERE company_id = "));
    s.bind(f.company.0);
    for (col, v) in [
        (" AND order_id = ", f.order),
        (" AND id = ", f.id),
        (" AND id < ", f.before),
    ] {
        if let Some(v) = v {
            s.push(col).bind(v);
        }
    }
    if let Some(st) = f.status {
        s.push(" AND status = ").bind(st.to_string());
    }
    s.push(if f.order.is_some() {
        " ORDER BY id"
    } else {
        " ORDER BY id DESC"
    });
    if let Some(l) = f.limit {
        s.push(" LIMIT ").bind(l);
    }
    Ok(s.fetch_all(c).await?)
}

/// When the next delivery of a channel falls due (workers sleep until then).
pub async fn next_due(c: &mut impl Read, channel: &str) -> Result<Option<i64>> {
    let sql = "SELECT MIN(next_attempt_at) FROM notify_outbox WHERE channel = $1 \
         AND status IN ('pending', 'sending')";
    q!(shim, sql, channel.to_string()).fetch_one_scalar(c).await
}

/// Deliveries per (channel, status), for operators and tests.
pub async fn status_counts(c: &mut Conn, company: CompanyId) -> Result<Vec<(String, String, i64)>> {
    let sql = "SELECT channel, status, COUNT(*) FROM notify_outbox WHERE company_id = $1 \
         GROUP BY channel, status ORDER BY channel, status";
    Ok(q!(query_as, sql, company.0).fetch_all(c).await?)
}
