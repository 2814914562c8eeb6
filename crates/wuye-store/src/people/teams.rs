//! Teams and their members.

use crate::reader::Read;
use crate::sql::Sql;
use crate::{Conn, Result, StoreError};
use sqlx::FromRow;
use wuye_domain::directory::{DispatchMode, Team, TeamMember};
use wuye_domain::ids::*;

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
