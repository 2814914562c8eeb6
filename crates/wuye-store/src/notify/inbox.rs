//! The in-app inbox: what a signed-in user is told, and what they have read.

use crate::sql::Sql;
use crate::{Conn, Exec, Result};
use sqlx::FromRow;
use wuye_domain::ids::*;

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
