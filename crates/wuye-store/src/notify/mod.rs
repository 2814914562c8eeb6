//! Notification storage: settings, providers, endpoints, rules, templates,
//! contacts, the outbox and the in-app inbox.

use crate::sql::Sql;
use crate::{Conn, Read, Result};
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

// The outbox and the inbox are in their own files; the macro above is
// visible in them because they are declared after it.
mod inbox;
mod outbox;

pub use inbox::*;
pub use outbox::*;

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
