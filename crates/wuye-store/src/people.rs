//! Residents (and the homes they live in), staff, and teams.

use crate::dialect;
use crate::directory::prefixed;
use crate::reader::Read;
use crate::sql::Sql;
use crate::{Backend, Conn, Result, StoreError};
use sqlx::FromRow;
use wuye_domain::access::Role;
use wuye_domain::directory::{
    DispatchMode, Relation, Resident, ResidentHome, Staff, Team, TeamMember, WorkingHours,
};
use wuye_domain::ids::*;
use wuye_domain::time::from_millis;

// ---- residents -------------------------------------------------------------

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

// ---- staff -----------------------------------------------------------------

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

// ---- teams -----------------------------------------------------------------

#[derive(FromRow, serde::Deserialize)]
struct TeamRow {
    id: i64,
    code: String,
    name: String,
    department: String,
    is_vendor: i64,
    vendor_name: Option<String>,
    dispatch_mode: String,
}

const TEAM_COLS: &str = "id, code, name, department, is_vendor, vendor_name, dispatch_mode";

pub struct TeamFields<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub department: &'a str,
    pub is_vendor: bool,
    pub vendor_name: Option<&'a str>,
    pub dispatch_mode: DispatchMode,
}

pub async fn insert_team(
    c: &mut Conn,
    company: CompanyId,
    f: &TeamFields<'_>,
    now_ms: i64,
) -> Result<TeamId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO teams (company_id, code, name, department, is_vendor, vendor_name, dispatch_mode, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(company.0)
    .bind(f.code.to_string())
    .bind(f.name.to_string())
    .bind(f.department.to_string())
    .bind(f.is_vendor as i64)
    .bind(f.vendor_name.map(str::to_string))
    .bind(f.dispatch_mode.code().to_string())
    .bind(now_ms)
    .fetch_one(c)
    .await?;
    Ok(TeamId(id))
}

pub async fn update_team(c: &mut Conn, id: TeamId, f: &TeamFields<'_>, now_ms: i64) -> Result<()> {
    sqlx::query(
        "UPDATE teams SET code = $1, name = $2, department = $3, is_vendor = $4, vendor_name = $5, \
         dispatch_mode = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(f.code.to_string())
    .bind(f.name.to_string())
    .bind(f.department.to_string())
    .bind(f.is_vendor as i64)
    .bind(f.vendor_name.map(str::to_string))
    .bind(f.dispatch_mode.code().to_string())
    .bind(now_ms)
    .bind(id.0)
    .execute(c)
    .await?;
    Ok(())
}

async fn assemble_teams(c: &mut impl Read, rows: Vec<TeamRow>) -> Result<Vec<Team>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let members: Vec<(i64, i64, String, i64)> = if ids.is_empty() {
        vec![]
    } else {
        let mut q = Sql::new(
            "SELECT tm.team_id, s.id, s.name, tm.is_lead FROM team_members tm JOIN staff s ON s.id = tm.staff_id \
             WHERE tm.team_id IN ",
        );
        q.bind_list(ids.iter().copied())
            .push(" ORDER BY tm.is_lead DESC, s.id");
        c.all(q).await?
    };
    Ok(rows
        .into_iter()
        .map(|r| Team {
            id: TeamId(r.id),
            members: members
                .iter()
                .filter(|m| m.0 == r.id)
                .map(|m| TeamMember {
                    staff_id: StaffId(m.1),
                    name: m.2.clone(),
                    is_lead: m.3 != 0,
                })
                .collect(),
            code: r.code,
            name: r.name,
            department: r.department,
            is_vendor: r.is_vendor != 0,
            vendor_name: r.vendor_name,
            dispatch_mode: DispatchMode::parse(&r.dispatch_mode).unwrap_or_default(),
        })
        .collect())
}

pub async fn get_team(c: &mut Conn, company: CompanyId, id: TeamId) -> Result<Team> {
    let row: TeamRow = sqlx::query_as(&format!(
        "SELECT {TEAM_COLS} FROM teams WHERE company_id = $1 AND id = $2"
    ))
    .bind(company.0)
    .bind(id.0)
    .fetch_one(&mut *c)
    .await?;
    assemble_teams(c, vec![row])
        .await?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// The team of a company with this code (codes are unique per company).
pub async fn team_by_code(
    c: &mut impl Read,
    company: CompanyId,
    code: &str,
) -> Result<Option<Team>> {
    let row: Option<TeamRow> = crate::exec::query(&format!(
        "SELECT {TEAM_COLS} FROM teams WHERE company_id = $1 AND code = $2"
    ))
    .bind(company.0)
    .bind(code.to_string())
    .fetch_optional(&mut *c)
    .await?;
    Ok(match row {
        Some(row) => assemble_teams(c, vec![row]).await?.pop(),
        None => None,
    })
}

/// Teams of a company; `only` narrows to these ids.
pub async fn list_teams(
    c: &mut impl Read,
    company: CompanyId,
    only: Option<&[TeamId]>,
) -> Result<Vec<Team>> {
    let mut q = Sql::new(&format!(
        "SELECT {TEAM_COLS} FROM teams WHERE company_id = "
    ));
    q.bind(company.0);
    if let Some(ids) = only {
        q.push(" AND id IN ").bind_list(ids.iter().map(|i| i.0));
    }
    q.push(" ORDER BY id");
    let rows: Vec<TeamRow> = c.all(q).await?;
    assemble_teams(c, rows).await
}

pub async fn delete_team(c: &mut Conn, id: TeamId) -> Result<()> {
    sqlx::query("DELETE FROM teams WHERE id = $1")
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}

pub async fn upsert_member(
    c: &mut Conn,
    team: TeamId,
    staff: StaffId,
    is_lead: bool,
) -> Result<()> {
    let n =
        sqlx::query("UPDATE team_members SET is_lead = $1 WHERE team_id = $2 AND staff_id = $3")
            .bind(is_lead as i64)
            .bind(team.0)
            .bind(staff.0)
            .execute(&mut *c)
            .await?
            .rows_affected();
    if n == 0 {
        sqlx::query("INSERT INTO team_members (team_id, staff_id, is_lead) VALUES ($1, $2, $3)")
            .bind(team.0)
            .bind(staff.0)
            .bind(is_lead as i64)
            .execute(c)
            .await?;
    }
    Ok(())
}

pub async fn remove_member(c: &mut Conn, team: TeamId, staff: StaffId) -> Result<bool> {
    let n = sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND staff_id = $2")
        .bind(team.0)
        .bind(staff.0)
        .execute(c)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// Removes a staff row that was never used (an aborted creation).
pub async fn delete_staff_row(c: &mut Conn, id: StaffId) -> Result<()> {
    sqlx::query("DELETE FROM staff WHERE id = $1")
        .bind(id.0)
        .execute(c)
        .await?;
    Ok(())
}
