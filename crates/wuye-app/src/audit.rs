//! Writing and reading the audit log.

use crate::App;
use crate::error::Result;
use crate::page::{Page, PageParams, page_of};
use serde::Serialize;
use wuye_domain::access::{Access, Actor, Resource};
use wuye_store::Conn;
use wuye_store::audit::{self, AuditEntry, AuditFilter};

/// Records one change, in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    c: &mut Conn,
    actor: &Actor,
    at_ms: i64,
    entity: &str,
    entity_id: i64,
    action: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<()> {
    audit::insert(
        c,
        AuditEntry {
            company: actor.company_id,
            // The command line acts as user 0, which is no account.
            actor: Some(actor.user_id).filter(|u| u.0 != 0),
            actor_name: &actor.display_name,
            at_ms,
            entity,
            entity_id: entity_id.to_string(),
            action,
            before,
            after,
        },
    )
    .await?;
    Ok(())
}

/// A value as the audit log stores it.
pub fn snapshot<T: Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditItem {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    #[schema(value_type = String)]
    pub at: jiff::Timestamp,
    pub entity: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl App {
    pub async fn list_audit(
        &self,
        actor: &Actor,
        entity: Option<&str>,
        entity_id: Option<&str>,
        page: &PageParams,
    ) -> Result<Page<AuditItem>> {
        actor.require(Resource::Audit, Access::Read)?;
        let limit = page.limit()?;
        let mut c = self.db.read().await?;
        let rows = audit::list(
            &mut c,
            actor.company_id,
            &AuditFilter {
                entity,
                entity_id,
                before: page.after_id()?,
                limit: limit + 1,
            },
        )
        .await?;
        let items = rows
            .into_iter()
            .map(|r| AuditItem {
                id: r.id,
                actor_id: r.actor_id,
                actor_name: r.actor_name,
                at: wuye_domain::time::from_millis(r.at),
                entity: r.entity,
                entity_id: r.entity_id,
                action: r.action,
                before: r.before_json.and_then(|s| serde_json::from_str(&s).ok()),
                after: r.after_json.and_then(|s| serde_json::from_str(&s).ok()),
            })
            .collect();
        Ok(page_of(items, limit, |i| i.id))
    }
}
