//! Residents and the homes they are linked to.

use crate::dialect;
use crate::directory::prefixed;
use crate::reader::Read;
use crate::sql::Sql;
use crate::{Backend, Conn, Result};
use sqlx::FromRow;
use wuye_domain::directory::{Relation, Resident, ResidentHome};
use wuye_domain::ids::*;
use wuye_domain::time::from_millis;

#[derive(FromRow, serde::Deserialize)]
struct ResidentRow {
    id: i64,
    name: String,
    phone: String,
    user_id: Option<i64>,
    created_at: i64,
}

const RESIDENT_COLS: &str = "id, name, phone, user_id, created_at";

impl ResidentRow {
    fn into_resident(self, homes: Vec<ResidentHome>) -> Resident {
        Resident {
            id: ResidentId(self.id),
            name: self.name,
            phone: self.phone,
            user_id: self.user_id.map(UserId),
            homes,
            created_at: from_millis(self.created_at),
        }
    }
}

pub async fn insert_resident(
    c: &mut Conn,
    company: CompanyId,
    name: &str,
    phone: &str,
    now_ms: i64,
) -> Result<ResidentId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO residents (company_id, name, phone, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $4) RETURNING id",
    )
    .bind(company.0)
    .bind(name.to_string())
    .bind(phone.to_string())
    .bind(now_ms)
    .fetch_one(c)
    .await?;
    Ok(ResidentId(id))
}

pub async fn link_home(c: &mut Conn, r: ResidentId, h: HomeId, rel: Relation) -> Result<()> {
    sqlx::query("INSERT INTO resident_homes (resident_id, home_id, relation) VALUES ($1, $2, $3)")
        .bind(r.0)
        .bind(h.0)
        .bind(rel.code().to_string())
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_relation(c: &mut Conn, r: ResidentId, h: HomeId, rel: Relation) -> Result<()> {
    sqlx::query("UPDATE resident_homes SET relation = $1 WHERE resident_id = $2 AND home_id = $3")
        .bind(rel.code().to_string())
        .bind(r.0)
        .bind(h.0)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn unlink_home(c: &mut Conn, r: ResidentId, h: HomeId) -> Result<bool> {
    let n = sqlx::query("DELETE FROM resident_homes WHERE resident_id = $1 AND home_id = $2")
        .bind(r.0)
        .bind(h.0)
        .execute(c)
        .await?
        .rows_affected();
    Ok(n > 0)
}

async fn homes_of(c: &mut impl Read, ids: &[i64]) -> Result<Vec<(i64, ResidentHome)>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut q = Sql::new(
        "SELECT rh.resident_id, h.id, h.community_id, h.label, rh.relation FROM resident_homes rh \
         JOIN homes h ON h.id = rh.home_id WHERE rh.resident_id IN ",
    );
    q.bind_list(ids.iter().copied())
        .push(" ORDER BY rh.resident_id, h.id");
    let rows: Vec<(i64, i64, i64, String, String)> = c.all(q).await?;
    Ok(rows
        .into_iter()
        .map(|(r, h, m, label, rel)| {
            (
                r,
                ResidentHome {
                    home_id: HomeId(h),
                    community_id: CommunityId(m),
                    label,
                    relation: Relation::parse(&rel).unwrap_or(Relation::Family),
                },
            )
        })
        .collect())
}

pub async fn get_resident(
    c: &mut impl Read,
    company: CompanyId,
    id: ResidentId,
) -> Result<Resident> {
    let row: ResidentRow = crate::exec::query(&format!(
        "SELECT {RESIDENT_COLS} FROM residents WHERE company_id = $1 AND id = $2"
    ))
    .bind(company.0)
    .bind(id.0)
    .fetch_one(&mut *c)
    .await?;
    let homes = homes_of(c, &[row.id])
        .await?
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    Ok(row.into_resident(homes))
}

/// The resident of an account, if it has one.
pub async fn resident_by_user(
    c: &mut impl Read,
    company: CompanyId,
    user: UserId,
) -> Result<Option<Resident>> {
    let mut q = Sql::new(&format!(
        "SELECT {RESIDENT_COLS} FROM residents WHERE company_id = $1 AND user_id = $2"
    ));
    q.arg(company.0).arg(user.0);
    let row: Option<ResidentRow> = c.optional(q).await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let homes = homes_of(c, &[row.id])
        .await?
        .into_iter()
        .map(|(_, h)| h)
        .collect();
    Ok(Some(row.into_resident(homes)))
}

pub async fn find_resident_by_phone(
    c: &mut Conn,
    company: CompanyId,
    phone: &str,
) -> Result<Option<ResidentId>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM residents WHERE company_id = $1 AND phone = $2")
            .bind(company.0)
            .bind(phone.to_string())
            .fetch_optional(c)
            .await?;
    Ok(id.map(ResidentId))
}

#[derive(Default)]
pub struct ResidentFilter<'a> {
    /// Only residents with a home in one of these communities (None = any).
    pub communities: Option<&'a [CommunityId]>,
    pub home: Option<HomeId>,
    /// Name or phone substring, or a home label substring.
    pub q: Option<&'a str>,
    pub after: Option<ResidentId>,
    pub limit: i64,
}

pub async fn list_residents(
    c: &mut Conn,
    backend: Backend,
    company: CompanyId,
    f: &ResidentFilter<'_>,
) -> Result<Vec<Resident>> {
    let mut q = Sql::new(&format!(
        "SELECT {} FROM residents r WHERE r.company_id = ",
        prefixed("r", RESIDENT_COLS)
    ));
    q.bind(company.0);
    if f.communities.is_some() || f.home.is_some() {
        q.push(" AND EXISTS (SELECT 1 FROM resident_homes rh JOIN homes h ON h.id = rh.home_id WHERE rh.resident_id = r.id");
        if let Some(ids) = f.communities {
            q.push(" AND h.community_id IN ")
                .bind_list(ids.iter().map(|i| i.0));
        }
        if let Some(h) = f.home {
            q.push(" AND h.id = ").bind(h.0);
        }
        q.push(")");
    }
    if let Some(text) = f.q {
        let like = dialect::ilike(backend);
        let pat = dialect::contains_pattern(text);
        q.push(&format!(" AND (r.name {like} "))
            .bind(pat.clone())
            .push(&format!(" ESCAPE '\\' OR r.phone {like} "))
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR EXISTS (SELECT 1 FROM resident_homes rh2 JOIN homes h2 ON h2.id = rh2.home_id \
                   WHERE rh2.resident_id = r.id AND h2.label ")
            .push(like)
            .push(" ")
            .bind(pat)
            .push(" ESCAPE '\\'))");
    }
    if let Some(a) = f.after {
        q.push(" AND r.id > ").bind(a.0);
    }
    q.push(" ORDER BY r.id LIMIT ").bind(f.limit);
    let rows: Vec<ResidentRow> = q.fetch_all(&mut *c).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut homes = homes_of(c, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mine: Vec<ResidentHome> = homes
                .iter()
                .filter(|(rid, _)| *rid == r.id)
                .map(|(_, h)| h.clone())
                .collect();
            homes.retain(|(rid, _)| *rid != r.id);
            r.into_resident(mine)
        })
        .collect())
}

pub async fn update_resident(
    c: &mut Conn,
    id: ResidentId,
    name: &str,
    phone: &str,
    now_ms: i64,
) -> Result<()> {
    sqlx::query("UPDATE residents SET name = $1, phone = $2, updated_at = $3 WHERE id = $4")
        .bind(name.to_string())
        .bind(phone.to_string())
        .bind(now_ms)
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_resident_user(c: &mut Conn, id: ResidentId, user: UserId) -> Result<()> {
    sqlx::query("UPDATE residents SET user_id = $1 WHERE id = $2")
        .bind(user.0)
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

/// Erases a resident: their home links and the row itself.
pub async fn delete_resident(c: &mut Conn, id: ResidentId) -> Result<()> {
    sqlx::query("DELETE FROM resident_homes WHERE resident_id = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    sqlx::query("DELETE FROM residents WHERE id = $1")
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}
