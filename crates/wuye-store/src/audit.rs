//! The audit log: one row per change, written in the change's transaction.

use crate::sql::Sql;
use crate::{Conn, Result};
use serde::Serialize;
use sqlx::FromRow;
use wuye_domain::ids::{CompanyId, UserId};

pub struct AuditEntry<'a> {
    pub company: CompanyId,
    pub actor: Option<UserId>,
    pub actor_name: &'a str,
    pub at_ms: i64,
    pub entity: &'a str,
    pub entity_id: String,
    pub action: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub async fn insert(c: &mut Conn, e: AuditEntry<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (company_id, actor_id, actor_name, at, entity, entity_id, action, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(e.company.0)
    .bind(e.actor.map(|a| a.0))
    .bind(e.actor_name.to_string())
    .bind(e.at_ms)
    .bind(e.entity.to_string())
    .bind(e.entity_id)
    .bind(e.action.to_string())
    .bind(e.before.map(|v| v.to_string()))
    .bind(e.after.map(|v| v.to_string()))
    .execute(c)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow, Serialize)]
pub struct AuditRow {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub at: i64,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
}

#[derive(Default)]
pub struct AuditFilter<'a> {
    pub entity: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    /// Newest first; `before` is the id to continue from.
    pub before: Option<i64>,
    pub limit: i64,
}

pub async fn list(c: &mut Conn, company: CompanyId, f: &AuditFilter<'_>) -> Result<Vec<AuditRow>> {
    let mut q = Sql::new(
        "SELECT id, actor_id, actor_name, at, entity, entity_id, action, before_json, after_json \
         FROM audit_log WHERE company_id = ",
    );
    q.bind(company.0);
    if let Some(e) = f.entity {
        q.push(" AND entity = ").bind(e.to_string());
    }
    if let Some(e) = f.entity_id {
        q.push(" AND entity_id = ").bind(e.to_string());
    }
    if let Some(b) = f.before {
        q.push(" AND id < ").bind(b);
    }
    q.push(" ORDER BY id DESC LIMIT ").bind(f.limit);
    Ok(q.fetch_all(c).await?)
}
