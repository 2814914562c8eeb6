//! Staff: their roles, working hours, communities and sign-ins.

use crate::dialect;
use crate::directory::prefixed;
use crate::reader::Read;
use crate::sql::Sql;
use crate::{Backend, Conn, Result, StoreError};
use sqlx::FromRow;
use wuye_domain::access::Role;
use wuye_domain::directory::{Staff, WorkingHours};
use wuye_domain::ids::*;
use wuye_domain::time::from_millis;

#[derive(FromRow, serde::Deserialize)]
struct StaffRow {
    id: i64,
    name: String,
    phone: String,
    roles: String,
    working_hours: String,
    active: i64,
    user_id: Option<i64>,
    created_at: i64,
}

const STAFF_COLS: &str = "id, name, phone, roles, working_hours, active, user_id, created_at";

pub fn roles_to_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

fn roles_from_text(s: &str) -> Vec<Role> {
    s.split(',').filter_map(|r| Role::parse(r).ok()).collect()
}

pub struct StaffFields<'a> {
    pub name: &'a str,
    pub phone: &'a str,
    pub roles: &'a [Role],
    pub working_hours: &'a WorkingHours,
    pub active: bool,
}

pub async fn insert_staff(
    c: &mut Conn,
    company: CompanyId,
    f: &StaffFields<'_>,
    now_ms: i64,
) -> Result<StaffId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO staff (company_id, name, phone, roles, working_hours, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
    )
    .bind(company.0)
    .bind(f.name.to_string())
    .bind(f.phone.to_string())
    .bind(roles_to_text(f.roles))
    .bind(serde_json::to_string(f.working_hours).expect("working hours serialise"))
    .bind(f.active as i64)
    .bind(now_ms)
    .fetch_one(c)
    .await?;
    Ok(StaffId(id))
}

pub async fn update_staff(
    c: &mut Conn,
    id: StaffId,
    f: &StaffFields<'_>,
    now_ms: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE staff SET name = $1, phone = $2, roles = $3, working_hours = $4, active = $5, updated_at = $6 \
         WHERE id = $7",
    )
    .bind(f.name.to_string())
    .bind(f.phone.to_string())
    .bind(roles_to_text(f.roles))
    .bind(serde_json::to_string(f.working_hours).expect("working hours serialise"))
    .bind(f.active as i64)
    .bind(now_ms)
    .bind(id.0)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn set_staff_user(c: &mut Conn, id: StaffId, user: UserId) -> Result<()> {
    sqlx::query("UPDATE staff SET user_id = $1 WHERE id = $2")
        .bind(user.0)
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn set_staff_communities(
    c: &mut Conn,
    id: StaffId,
    communities: &[CommunityId],
) -> Result<()> {
    sqlx::query("DELETE FROM staff_communities WHERE staff_id = $1")
        .bind(id.0)
        .execute(&mut *c)
        .await?;
    for m in communities {
        sqlx::query("INSERT INTO staff_communities (staff_id, community_id) VALUES ($1, $2)")
            .bind(id.0)
            .bind(m.0)
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// Staff members' communities and teams, and which of those teams they
/// lead, by staff id, in one read (every signed-in request reads them).
#[derive(Default)]
struct StaffLinks {
    communities: Vec<(i64, i64)>,
    teams: Vec<(i64, i64)>,
    leads: Vec<(i64, i64)>,
}

impl StaffLinks {
    fn of(links: &[(i64, i64)], staff: i64) -> impl Iterator<Item = i64> + '_ {
        links
            .iter()
            .filter(move |(s, _)| *s == staff)
            .map(|(_, x)| *x)
    }
}

async fn staff_links(c: &mut impl Read, ids: &[i64]) -> Result<StaffLinks> {
    if ids.is_empty() {
        return Ok(StaffLinks::default());
    }
    // k: 0 a community served, 1 a team, 2 a team led.
    let mut q = Sql::new(
        "SELECT staff_id, CAST(0 AS BIGINT) AS k, community_id AS v FROM staff_communities WHERE staff_id IN ",
    );
    q.bind_list(ids.iter().copied()).push(
        " UNION ALL SELECT staff_id, CASE WHEN is_lead = 1 THEN 2 ELSE 1 END, team_id FROM team_members WHERE staff_id IN ",
    );
    q.bind_list(ids.iter().copied()).push(" ORDER BY 3");
    let rows: Vec<(i64, i64, i64)> = c.all(q).await?;
    let mut links = StaffLinks::default();
    for (staff, k, v) in rows {
        if k == 0 {
            links.communities.push((staff, v));
        } else {
            links.teams.push((staff, v));
            if k == 2 {
                links.leads.push((staff, v));
            }
        }
    }
    Ok(links)
}

fn staff_from_row(r: StaffRow, links: &StaffLinks) -> Staff {
    Staff {
        id: StaffId(r.id),
        communities: StaffLinks::of(&links.communities, r.id)
            .map(CommunityId)
            .collect(),
        teams: StaffLinks::of(&links.teams, r.id).map(TeamId).collect(),
        name: r.name,
        phone: r.phone,
        roles: roles_from_text(&r.roles),
        working_hours: serde_json::from_str(&r.working_hours).unwrap_or_default(),
        active: r.active != 0,
        user_id: r.user_id.map(UserId),
        created_at: from_millis(r.created_at),
    }
}

async fn assemble_staff(c: &mut impl Read, rows: Vec<StaffRow>) -> Result<Vec<Staff>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let links = staff_links(c, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| staff_from_row(r, &links))
        .collect())
}

pub async fn get_staff(c: &mut Conn, company: CompanyId, id: StaffId) -> Result<Staff> {
    let row: StaffRow = sqlx::query_as(&format!(
        "SELECT {STAFF_COLS} FROM staff WHERE company_id = $1 AND id = $2"
    ))
    .bind(company.0)
    .bind(id.0)
    .fetch_one(&mut *c)
    .await?;
    assemble_staff(c, vec![row])
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// Several staff members of a company at once (ids not found are left
/// out), in id order: what dispatch reads for a team's candidates.
pub async fn get_staff_many(
    c: &mut impl Read,
    company: CompanyId,
    ids: &[StaffId],
) -> Result<Vec<Staff>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut q = Sql::new(&format!(
        "SELECT {STAFF_COLS} FROM staff WHERE company_id = "
    ));
    q.bind(company.0).push(" AND id IN ");
    q.bind_list(ids.iter().map(|i| i.0)).push(" ORDER BY id");
    let rows: Vec<StaffRow> = c.all(q).await?;
    assemble_staff(c, rows).await
}

pub async fn staff_by_user(c: &mut Conn, user: UserId) -> Result<Option<Staff>> {
    Ok(staff_and_leads_by_user(c, user).await?.map(|(s, _)| s))
}

/// The staff member of an account, with the teams they lead (what a
/// signed-in request needs of its caller).
pub async fn staff_and_leads_by_user(
    c: &mut impl Read,
    user: UserId,
) -> Result<Option<(Staff, Vec<TeamId>)>> {
    let mut q = Sql::new(&format!(
        "SELECT {STAFF_COLS} FROM staff WHERE user_id = $1"
    ));
    q.arg(user.0);
    let row: Option<StaffRow> = c.optional(q).await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let links = staff_links(c, &[row.id]).await?;
    let leads = StaffLinks::of(&links.leads, row.id).map(TeamId).collect();
    Ok(Some((staff_from_row(row, &links), leads)))
}

#[derive(Default)]
pub struct StaffFilter<'a> {
    /// Only staff serving one of these communities (None = any).
    pub communities: Option<&'a [CommunityId]>,
    pub team: Option<TeamId>,
    pub only: Option<StaffId>,
    pub q: Option<&'a str>,
    pub after: Option<StaffId>,
    pub limit: i64,
}

pub async fn list_staff(
    c: &mut Conn,
    backend: Backend,
    company: CompanyId,
    f: &StaffFilter<'_>,
) -> Result<Vec<Staff>> {
    let mut q = Sql::new(&format!(
        "SELECT {} FROM staff s WHERE s.company_id = ",
        prefixed("s", STAFF_COLS)
    ));
    q.bind(company.0);
    if let Some(ids) = f.communities {
        q.push(" AND EXISTS (SELECT 1 FROM staff_communities sc WHERE sc.staff_id = s.id AND sc.community_id IN ")
            .bind_list(ids.iter().map(|i| i.0))
            .push(")");
    }
    if let Some(t) = f.team {
        q.push(
            " AND EXISTS (SELECT 1 FROM team_members tm WHERE tm.staff_id = s.id AND tm.team_id = ",
        )
        .bind(t.0)
        .push(")");
    }
    if let Some(s) = f.only {
        q.push(" AND s.id = ").bind(s.0);
    }
    if let Some(text) = f.q {
        let like = dialect::ilike(backend);
        let pat = dialect::contains_pattern(text);
        q.push(&format!(" AND (s.name {like} "))
            .bind(pat.clone())
            .push(&format!(" ESCAPE '\\' OR s.phone {like} "))
            .bind(pat)
            .push(" ESCAPE '\\')");
    }
    if let Some(a) = f.after {
        q.push(" AND s.id > ").bind(a.0);
    }
    q.push(" ORDER BY s.id LIMIT ").bind(f.limit);
    let rows: Vec<StaffRow> = q.fetch_all(&mut *c).await?;
    assemble_staff(c, rows).await
}

/// Removes a staff row that was never used (an aborted creation).
pub async fn delete_staff_row(c: &mut Conn, id: StaffId) -> Result<()> {
    sqlx::query("DELETE FROM staff WHERE id = $1")
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}
