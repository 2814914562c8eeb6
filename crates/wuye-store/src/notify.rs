//! Notification storage: settings, providers, endpoints, rules, templates,
//! contacts, the outbox and the in-app inbox.

use crate::sql::Sql;
use crate::{Backend, Conn, Exec, Read, Result};
use sqlx::FromRow;
use wuye_domain::ids::*;

/// `sqlx::query*(sql)` with its arguments bound in order.
macro_rules! q {
    (shim, $sql:expr $(, $arg:expr)* $(,)?) => { crate::exec::query($sql)$(.bind($arg))* };
    ($f:ident, $sql:expr $(, $arg:expr)* $(,)?) => { sqlx::$f($sql)$(.bind($arg))* };
}

/// Runs a statement; how many rows it changed.
async fn exec<'q>(
    c: &mut Conn,
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
) -> Result<u64> {
    Ok(q.execute(c).await?.rows_affected())
}

// ---- settings, providers, rules, templates ---------------------------------

pub async fn settings(c: &mut impl Read, company: CompanyId) -> Result<Option<String>> {
    let mut s = Sql::new("SELECT spec FROM notify_settings WHERE company_id = $1");
    s.arg(company.0);
    Ok(c.optional::<(String,)>(s).await?.map(|(spec,)| spec))
}

pub async fn put_settings(c: &mut Conn, company: CompanyId, spec: &str, now_ms: i64) -> Result<()> {
    let sql = "INSERT INTO notify_settings (company_id, spec, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (company_id) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at";
    exec(c, q!(query, sql, company.0, spec.to_string(), now_ms)).await?;
    Ok(())
}

/// A provider's configuration and its secrets (JSON), if configured.
pub async fn channel(
    c: &mut impl Read,
    company: CompanyId,
    channel: &str,
) -> Result<Option<(String, String)>> {
    let mut s = Sql::new(
        "SELECT config, secrets FROM notify_channels WHERE company_id = $1 AND channel = $2",
    );
    s.arg(company.0).arg(channel.to_string());
    c.optional(s).await
}

pub async fn put_channel(
    c: &mut Conn,
    company: CompanyId,
    channel: &str,
    config: &str,
    secrets: &str,
    now_ms: i64,
) -> Result<()> {
    let sql = "INSERT INTO notify_channels (company_id, channel, config, secrets, updated_at) \
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (company_id, channel) DO UPDATE SET config = excluded.config, \
        secrets = excluded.secrets, updated_at = excluded.updated_at";
    let (ch, cfg, sec) = (channel.to_string(), config.to_string(), secrets.to_string());
    exec(c, q!(query, sql, company.0, ch, cfg, sec, now_ms)).await?;
    Ok(())
}

pub async fn delete_channel(c: &mut Conn, company: CompanyId, channel: &str) -> Result<bool> {
    let sql = "DELETE FROM notify_channels WHERE company_id = $1 AND channel = $2";
    Ok(exec(c, q!(query, sql, company.0, channel.to_string())).await? == 1)
}

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct EndpointRow {
    pub id: i64,
    pub kind: String,
    pub team_id: Option<i64>,
    pub spec: String,
    pub secrets: String,
    pub enabled: i64,
}

const ENDPOINT: &str = "SELECT id, kind, team_id, spec, secrets, enabled FROM notify_endpoints";

pub async fn endpoints(c: &mut impl Read, company: CompanyId) -> Result<Vec<EndpointRow>> {
    let mut s = Sql::new(&format!("{ENDPOINT} WHERE company_id = $1 ORDER BY id"));
    s.arg(company.0);
    c.all(s).await
}

pub async fn endpoint(c: &mut Conn, company: CompanyId, id: i64) -> Result<Option<EndpointRow>> {
    let sql = format!("{ENDPOINT} WHERE company_id = $1 AND id = $2");
    Ok(q!(query_as, &sql, company.0, id).fetch_optional(c).await?)
}

pub struct EndpointFields<'a> {
    pub kind: &'a str,
    pub team_id: Option<i64>,
    pub spec: &'a str,
    pub secrets: &'a str,
    pub enabled: bool,
}

impl EndpointFields<'_> {
    fn args(&self) -> (String, Option<i64>, String, String, i64) {
        let (k, s, x) = (self.kind.into(), self.spec.into(), self.secrets.into());
        (k, self.team_id, s, x, self.enabled as i64)
    }
}

pub async fn insert_endpoint(
    c: &mut Conn,
    company: CompanyId,
    f: &EndpointFields<'_>,
    now_ms: i64,
) -> Result<i64> {
    let sql = "INSERT INTO notify_endpoints (kind, team_id, spec, secrets, enabled, company_id, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id";
    let (k, t, s, x, e) = f.args();
    Ok(q!(query_scalar, sql, k, t, s, x, e, company.0, now_ms)
        .fetch_one(c)
        .await?)
}

pub async fn update_endpoint(
    c: &mut Conn,
    company: CompanyId,
    id: i64,
    f: &EndpointFields<'_>,
    now_ms: i64,
) -> Result<bool> {
    let sql = "UPDATE notify_endpoints SET kind = $1, team_id = $2, spec = $3, secrets = $4, enabled = $5, \
         updated_at = $6 WHERE company_id = $7 AND id = $8";
    let (k, t, s, x, e) = f.args();
    Ok(exec(c, q!(query, sql, k, t, s, x, e, now_ms, company.0, id)).await? == 1)
}

pub async fn delete_endpoint(c: &mut Conn, company: CompanyId, id: i64) -> Result<bool> {
    let sql = "DELETE FROM notify_endpoints WHERE company_id = $1 AND id = $2";
    Ok(exec(c, q!(query, sql, company.0, id)).await? == 1)
}

pub async fn rule(c: &mut impl Read, company: CompanyId, event: &str) -> Result<Option<String>> {
    let mut s = Sql::new("SELECT spec FROM notify_rules WHERE company_id = $1 AND event = $2");
    s.arg(company.0).arg(event.to_string());
    Ok(c.optional::<(String,)>(s).await?.map(|(spec,)| spec))
}

pub async fn put_rule(
    c: &mut Conn,
    company: CompanyId,
    event: &str,
    spec: &str,
    now_ms: i64,
) -> Result<()> {
    let sql = "INSERT INTO notify_rules (company_id, event, spec, updated_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (company_id, event) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at";
    exec(
        c,
        q!(
            query,
            sql,
            company.0,
            event.to_string(),
            spec.to_string(),
            now_ms
        ),
    )
    .await?;
    Ok(())
}

pub async fn delete_rule(c: &mut Conn, company: CompanyId, event: &str) -> Result<bool> {
    let sql = "DELETE FROM notify_rules WHERE company_id = $1 AND event = $2";
    Ok(exec(c, q!(query, sql, company.0, event.to_string())).await? == 1)
}

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct TemplateRow {
    pub event: String,
    pub lang: String,
    pub title: String,
    pub body: String,
}

/// Templates an admin changed, for one event.
pub async fn templates(
    c: &mut impl Read,
    company: CompanyId,
    event: &str,
) -> Result<Vec<TemplateRow>> {
    let mut s = Sql::new(
        "SELECT event, lang, title, body FROM notify_templates WHERE company_id = $1 AND event = $2 ORDER BY lang",
    );
    s.arg(company.0).arg(event.to_string());
    c.all(s).await
}

pub async fn put_template(
    c: &mut Conn,
    company: CompanyId,
    t: &TemplateRow,
    now_ms: i64,
) -> Result<()> {
    let sql = "INSERT INTO notify_templates (company_id, event, lang, title, body, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (company_id, event, lang) DO UPDATE SET \
         title = excluded.title, body = excluded.body, updated_at = excluded.updated_at";
    let (e, l, ti, b) = (
        t.event.clone(),
        t.lang.clone(),
        t.title.clone(),
        t.body.clone(),
    );
    exec(c, q!(query, sql, company.0, e, l, ti, b, now_ms)).await?;
    Ok(())
}

pub async fn delete_template(
    c: &mut Conn,
    company: CompanyId,
    event: &str,
    lang: &str,
) -> Result<bool> {
    let sql = "DELETE FROM notify_templates WHERE company_id = $1 AND event = $2 AND lang = $3";
    let (e, l) = (event.to_string(), lang.to_string());
    Ok(exec(c, q!(query, sql, company.0, e, l)).await? == 1)
}

// ---- people ------------------------------------------------------------------

/// A person who may be told: how to reach them and in which language.
#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct PersonRow {
    pub id: i64,
    pub name: String,
    pub phone: String,
    pub user_id: Option<i64>,
    pub email: Option<String>,
    pub lang: Option<String>,
}

/// Active staff (`staff`) or residents (`residents`) of the company among `ids`.
pub async fn people(
    c: &mut impl Read,
    company: CompanyId,
    residents: bool,
    ids: &[i64],
) -> Result<Vec<PersonRow>> {
    let (table, key, active) = match residents {
        true => ("residents", "resident_id", ""),
        false => ("staff", "staff_id", "p.active = 1 AND "),
    };
    let mut s = Sql::new(&format!(
        "SELECT p.id, p.name, p.phone, p.user_id, n.email, n.lang FROM {table} p \
         LEFT JOIN notify_contacts n ON n.{key} = p.id WHERE {active}p.company_id = "
    ));
    s.bind(company.0)
        .push(" AND p.id IN ")
        .bind_list(ids.iter().copied());
    s.push(" ORDER BY p.id");
    c.all(s).await
}

/// A person's notification contact: (email, lang). Pass one of the two ids.
pub async fn contact(
    c: &mut Conn,
    staff: Option<StaffId>,
    resident: Option<ResidentId>,
) -> Result<Option<(Option<String>, String)>> {
    let sql = "SELECT email, lang FROM notify_contacts WHERE staff_id = $1 OR resident_id = $2";
    let (s, r) = (staff.map_or(-1, |s| s.0), resident.map_or(-1, |r| r.0));
    Ok(q!(query_as, sql, s, r).fetch_optional(c).await?)
}

pub async fn put_contact(
    c: &mut Conn,
    company: CompanyId,
    staff: Option<StaffId>,
    resident: Option<ResidentId>,
    email: Option<&str>,
    lang: &str,
    now_ms: i64,
) -> Result<()> {
    let (s, r) = (staff.map_or(-1, |s| s.0), resident.map_or(-1, |r| r.0));
    let (email, lang) = (email.map(str::to_string), lang.to_string());
    let sql = "UPDATE notify_contacts SET email = $1, lang = $2, updated_at = $3 WHERE staff_id = $4 OR resident_id = $5";
    if exec(c, q!(query, sql, email.clone(), lang.clone(), now_ms, s, r)).await? == 0 {
        let sql = "INSERT INTO notify_contacts (company_id, staff_id, resident_id, email, lang, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6)";
        let (s, r) = (staff.map(|s| s.0), resident.map(|r| r.0));
        exec(c, q!(query, sql, company.0, s, r, email, lang, now_ms)).await?;
    }
    Ok(())
}

// ---- the outbox --------------------------------------------------------------

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

// ---- the inbox (in-app) ------------------------------------------------------

pub struct NewInboxItem<'a> {
    pub company: CompanyId,
    pub user: UserId,
    pub outbox: i64,
    pub order: Option<i64>,
    pub event: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub now_ms: i64,
}

pub async fn insert_inbox(c: &mut impl Exec, i: &NewInboxItem<'_>) -> Result<()> {
    let sql = "INSERT INTO notify_inbox (company_id, user_id, outbox_id, order_id, event, title, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let (e, t, b) = (i.event.to_string(), i.title.to_string(), i.body.to_string());
    q!(
        shim,
        sql,
        i.company.0,
        i.user.0,
        i.outbox,
        i.order,
        e,
        t,
        b,
        i.now_ms
    )
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct InboxRow {
    pub id: i64,
    pub order_id: Option<i64>,
    pub event: String,
    pub title: String,
    pub body: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

pub async fn inbox(
    c: &mut Conn,
    user: UserId,
    unread_only: bool,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<InboxRow>> {
    let mut s = Sql::new(
        "SELECT id, order_id, event, title, body, created_at, read_at FROM notify_inbox WHERE user_id = ",
    );
    s.bind(user.0);
    if unread_only {
        s.push(" AND read_at IS NULL");
    }
    if let Some(b) = before {
        s.push(" AND id < ").bind(b);
    }
    s.push(" ORDER BY id DESC LIMIT ").bind(limit);
    Ok(s.fetch_all(c).await?)
}

pub async fn unread_count(c: &mut Conn, user: UserId) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM notify_inbox WHERE user_id = $1 AND read_at IS NULL";
    Ok(q!(query_scalar, sql, user.0).fetch_one(c).await?)
}

/// Marks one item (`Some(id)`) or all of a user's items read; how many
/// changed, or None when the one item is not the user's.
pub async fn mark_read(
    c: &mut Conn,
    user: UserId,
    id: Option<i64>,
    now_ms: i64,
) -> Result<Option<u64>> {
    if let Some(id) = id {
        let sql = "SELECT COUNT(*) FROM notify_inbox WHERE user_id = $1 AND id = $2";
        let n: i64 = q!(query_scalar, sql, user.0, id).fetch_one(&mut *c).await?;
        if n == 0 {
            return Ok(None);
        }
    }
    let mut s = Sql::new("UPDATE notify_inbox SET read_at = ");
    s.bind(now_ms)
        .push(" WHERE read_at IS NULL AND user_id = ")
        .bind(user.0);
    if let Some(id) = id {
        s.push(" AND id = ").bind(id);
    }
    Ok(Some(s.execute(c).await?))
}
