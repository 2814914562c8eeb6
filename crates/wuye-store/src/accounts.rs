//! Sign-in accounts, sessions and the failed-login ledger used for throttling.

use crate::reader::Read;
use crate::sql::Sql;
use crate::{Conn, Result};
use sqlx::FromRow;
use wuye_domain::ids::*;

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub company_id: i64,
    pub username: Option<String>,
    pub phone: Option<String>,
    pub display_name: String,
    pub password_hash: String,
    pub kind: String,
    pub disabled: i64,
}

const USER_COLS: &str =
    "id, company_id, username, phone, display_name, password_hash, kind, disabled";

pub struct NewUser<'a> {
    pub company: CompanyId,
    pub username: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    /// "staff" or "resident".
    pub kind: &'a str,
}

pub async fn insert_user(c: &mut Conn, u: &NewUser<'_>, now_ms: i64) -> Result<UserId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (company_id, username, phone, display_name, password_hash, kind, created_at, password_changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(u.company.0)
    .bind(u.username.map(str::to_string))
    .bind(u.phone.map(str::to_string))
    .bind(u.display_name.to_string())
    .bind(u.password_hash.to_string())
    .bind(u.kind.to_string())
    .bind(now_ms)
    .fetch_one(c)
    .await?;
    Ok(UserId(id))
}

/// The account a login names: a username, or a phone number.
pub async fn find_user_by_login(c: &mut Conn, login: &str) -> Result<Option<UserRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {USER_COLS} FROM users WHERE username = $1 OR phone = $1 ORDER BY id LIMIT 1"
    ))
    .bind(login.to_string())
    .fetch_optional(c)
    .await?)
}

pub async fn get_user(c: &mut Conn, id: UserId) -> Result<UserRow> {
    Ok(
        sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
            .bind(id.0)
            .fetch_one(c)
            .await?,
    )
}

pub async fn set_password(c: &mut Conn, id: UserId, hash: &str, now_ms: i64) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash.to_string())
        .bind(now_ms)
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

/// Stores a new hash of the same password (new hashing parameters), unless
/// the password was changed meanwhile: it is not a password change.
pub async fn replace_password_hash(c: &mut Conn, id: UserId, old: &str, new: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3")
        .bind(new.to_string())
        .bind(id.0)
        .bind(old.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_disabled(c: &mut Conn, id: UserId, disabled: bool) -> Result<()> {
    sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
        .bind(disabled as i64)
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_user_phone(c: &mut Conn, id: UserId, phone: &str, name: &str) -> Result<()> {
    sqlx::query("UPDATE users SET phone = $1, display_name = $2 WHERE id = $3")
        .bind(phone.to_string())
        .bind(name.to_string())
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn count_users(c: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(c)
        .await?)
}

// ---- sessions --------------------------------------------------------------

pub async fn insert_session(
    c: &mut Conn,
    token_hash: &str,
    user: UserId,
    now_ms: i64,
    expires_ms: i64,
    ip: &str,
    user_agent: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, ip, user_agent) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash.to_string())
    .bind(user.0)
    .bind(now_ms)
    .bind(expires_ms)
    .bind(ip.to_string())
    .bind(user_agent.chars().take(200).collect::<String>())
    .execute(c)
    .await?;
    Ok(())
}

/// The live session's account, if the token is known and not expired.
pub async fn session_user(
    c: &mut impl Read,
    token_hash: &str,
    now_ms: i64,
) -> Result<Option<UserRow>> {
    let mut q = Sql::new(&format!(
        "SELECT {} FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
        crate::directory::prefixed("u", USER_COLS)
    ));
    q.arg(token_hash.to_string()).arg(now_ms);
    c.optional(q).await
}

pub async fn delete_session(c: &mut Conn, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Signs a user out everywhere, except (optionally) the session in use.
pub async fn delete_user_sessions(c: &mut Conn, user: UserId, keep: Option<&str>) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user.0)
        .bind(keep.unwrap_or("").to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn delete_expired_sessions(c: &mut Conn, now_ms: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now_ms)
        .execute(c)
        .await?
        .rows_affected())
}

// ---- failed logins ---------------------------------------------------------

pub async fn record_failure(c: &mut Conn, key: &str, now_ms: i64) -> Result<()> {
    sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
        .bind(key.to_string())
        .bind(now_ms)
        .execute(c)
        .await?;
    Ok(())
}

/// Failures for a key since a moment, and the latest of them.
pub async fn failures_since(c: &mut Conn, key: &str, since_ms: i64) -> Result<(i64, Option<i64>)> {
    let row: (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MAX(at) FROM login_failures WHERE key = $1 AND at >= $2")
            .bind(key.to_string())
            .bind(since_ms)
            .fetch_one(c)
            .await?;
    Ok(row)
}

pub async fn clear_failures(c: &mut Conn, key: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE key = $1")
        .bind(key.to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn prune_failures(c: &mut Conn, before_ms: i64) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM login_failures WHERE at < $1")
        .bind(before_ms)
        .execute(c)
        .await?
        .rows_affected())
}

/// A user's language (None: follow the browser) and large-text mode.
pub async fn prefs(c: &mut Conn, id: UserId) -> Result<(Option<String>, bool)> {
    let row: Option<(Option<String>, i64)> =
        sqlx::query_as("SELECT lang, large_text FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_optional(c)
            .await?;
    Ok(row.map(|(l, t)| (l, t != 0)).unwrap_or((None, false)))
}

pub async fn set_prefs(
    c: &mut Conn,
    id: UserId,
    lang: Option<&str>,
    large_text: bool,
) -> Result<()> {
    sqlx::query("UPDATE users SET lang = $1, large_text = $2 WHERE id = $3")
        .bind(lang.map(str::to_string))
        .bind(large_text as i64)
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}
