//! The seeded company: communities, buildings and entrances, teams and staff
//! with the bench sign-ins, made through the normal store functions in one
//! transaction; homes and residents (tens of thousands) as bulk rows.

use super::texts::{DISTRICTS, ROADS, community_name};
use super::{BENCH_PASSWORD, SeedOptions};
use crate::demo::{GIVEN, SURNAMES};
use crate::error::Result;
use crate::sla::refresh::{Setup, ensure_defaults, load_setup};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use wuye_domain::access::Role;
use wuye_domain::category::Category;
use wuye_domain::directory::{DEFAULT_TEAMS, DispatchMode, Relation, WorkingHours, home_label};
use wuye_domain::ids::*;
use wuye_store::accounts::{self, NewUser};
use wuye_store::bulk::{HomeRow, ResidentHomeRow, ResidentRow, Str, Text};
use wuye_store::directory as dir;
use wuye_store::people::{self, StaffFields, TeamFields};
use wuye_store::{Conn, SideReads};

#[derive(Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub name: Str,
    pub phone: Str,
}

#[derive(Debug, Clone)]
pub struct TeamInfo {
    pub id: i64,
    pub mode: DispatchMode,
    /// Indexes into `Company::staff`; the first is the lead.
    pub members: Vec<usize>,
}

#[derive(Debug, Clone)]
pub struct Building {
    pub id: i64,
    pub name: String,
    pub entrances: Vec<(i64, String)>,
}

#[derive(Debug, Clone)]
pub struct Community {
    pub id: i64,
    pub name: Str,
    pub buildings: Vec<Building>,
    /// Indexes into `Company::homes`.
    pub homes: std::ops::Range<usize>,
}

#[derive(Debug, Clone)]
pub struct Home {
    pub id: i64,
    pub community: usize,
    pub building_id: i64,
    pub entrance_id: Option<i64>,
    /// "翠湖花园 3栋2单元1202": how orders name the place.
    pub place_label: Str,
    /// Indexes into `Company::residents`.
    pub residents: Vec<u32>,
}

pub struct Company {
    pub id: CompanyId,
    pub communities: Vec<Community>,
    pub homes: Vec<Home>,
    pub residents: Vec<Person>,
    pub staff: Vec<Person>,
    pub agents: Vec<usize>,
    pub supervisors: Vec<usize>,
    pub managers: Vec<usize>,
    pub teams: Vec<TeamInfo>,
    /// The team of each category (`Category::ALL` order).
    pub team_of: Vec<usize>,
    /// (resident, homes) of bench-r1 … bench-r200: each owns
    /// `BENCH_HOMES_EACH` homes of one community.
    pub bench_residents: Vec<(usize, Vec<usize>)>,
    pub sla: Setup,
    /// The directory's bulk rows, written before any order.
    pub home_rows: Vec<HomeRow>,
    pub resident_rows: Vec<ResidentRow>,
    pub link_rows: Vec<ResidentHomeRow>,
}

impl Company {
    pub fn team_for(&self, c: Category) -> usize {
        self.team_of[Category::ALL.iter().position(|x| *x == c).unwrap_or(0)]
    }
}

/// Unique, valid mobile numbers: a bijection of the counter onto 8 digits.
pub fn phone(n: u64) -> String {
    const PREFIXES: &[&str] = &[
        "135", "136", "137", "138", "139", "150", "151", "158", "186", "188",
    ];
    let body = (n.wrapping_mul(7_919) + 10_000_019) % 100_000_000;
    format!(
        "{}{:08}",
        PREFIXES[(n % PREFIXES.len() as u64) as usize],
        body
    )
}

fn person_name(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{}{}",
        SURNAMES[rng.random_range(0..SURNAMES.len())],
        GIVEN[rng.random_range(0..GIVEN.len())]
    )
}

/// How the 40 bench technicians spread over the technical teams.
const TECH_TEAMS: &[(&str, usize)] = &[
    ("eng_water_power", 8),
    ("elevator", 3),
    ("eng_general", 5),
    ("eng_civil", 4),
    ("eng_hvac", 3),
    ("sec_fire", 2),
    ("cleaning", 6),
    ("greening", 3),
    ("security", 4),
    ("sec_parking", 2),
];
/// And the 20 bench agents over the desk's teams.
const AGENT_TEAMS: &[(&str, usize)] = &[("cs", 12), ("cs_decoration", 4), ("cs_billing", 4)];
const VENDORS: &[(&str, &str)] = &[
    ("elevator", "迅达电梯维保有限公司"),
    ("cleaning", "洁美保洁服务有限公司"),
    ("greening", "绿源园林工程有限公司"),
];

struct NewStaff<'a> {
    role: Role,
    login: Option<String>,
    team: Option<&'a str>,
}

/// Makes the company in one transaction (on the app's connection).
pub async fn build(
    c: &mut Conn,
    opts: &SeedOptions,
    rng: &mut ChaCha8Rng,
    now: i64,
    next_ids: &[i64],
) -> Result<Company> {
    let created_at = now - 400 * 86_400_000;
    let hash = crate::passwords::hash_password(BENCH_PASSWORD).await?;
    let company = dir::insert_company(c, "锦程物业服务有限公司", created_at).await?;
    let mut phones = 0u64;
    let mut next_phone = || {
        phones += 1;
        phone(phones)
    };

    // Communities, buildings, entrances (normal path); homes and residents (bulk).
    let (mut home_id, mut resident_id) = (next_ids[0], next_ids[1]);
    let mut communities = Vec::new();
    let mut homes = Vec::new();
    let mut residents: Vec<Person> = Vec::new();
    let (mut home_rows, mut resident_rows, mut link_rows) = (Vec::new(), Vec::new(), Vec::new());
    for ci in 0..opts.communities as usize {
        let name = community_name(ci);
        let address = format!(
            "杭州市{}{} {} 号",
            DISTRICTS[ci % DISTRICTS.len()],
            ROADS[(ci / DISTRICTS.len()) % ROADS.len()],
            8 + ci * 16
        );
        let m = dir::insert_community(c, company, &name, &address, created_at).await?;
        let first_home = homes.len();
        let mut buildings = Vec::new();
        let n_buildings = rng.random_range(16..=24);
        for b in 0..n_buildings {
            let bname = format!("{}栋", b + 1);
            let building = dir::insert_building(c, m.id, &bname).await?;
            let mut entrances = Vec::new();
            for e in 0..rng.random_range(2..=4) {
                let ename = format!("{}单元", e + 1);
                let en = dir::insert_entrance(c, building.id, &ename).await?;
                entrances.push((en.id.0, ename));
            }
            let (floors, per_floor) =
                [(15, 2), (10, 3), (30, 1), (18, 2), (11, 3)][rng.random_range(0..5)];
            for (eid, ename) in &entrances {
                for floor in 1..=floors {
                    for k in 1..=per_floor {
                        home_id += 1;
                        let number = format!("{floor}{k:02}");
                        let label = home_label(&bname, Some(ename), &number);
                        let area = format!(
                            "{}.{:02}",
                            78 + rng.random_range(0..60),
                            rng.random_range(0..100)
                        );
                        home_rows.push(HomeRow {
                            id: home_id,
                            community_id: m.id.0,
                            building_id: building.id.0,
                            entrance_id: Some(*eid),
                            number: Text::Owned(number),
                            floor: Some(floor),
                            area: Some(Text::Owned(area)),
                            label: Text::Owned(label.clone()),
                            created_at,
                            updated_at: created_at,
                        });
                        let mut people_here = Vec::new();
                        let relations: &[Relation] = if rng.random_bool(0.85) {
                            if rng.random_bool(0.35) {
                                &[Relation::Owner, Relation::Family]
                            } else {
                                &[Relation::Owner]
                            }
                        } else if rng.random_bool(0.5) {
                            &[Relation::Tenant]
                        } else {
                            &[]
                        };
                        for rel in relations {
                            resident_id += 1;
                            let p = Person {
                                id: resident_id,
                                name: person_name(rng).into(),
                                phone: next_phone().into(),
                            };
                            resident_rows.push(ResidentRow {
                                id: p.id,
                                company_id: company.0,
                                name: Text::Shared(p.name.clone()),
                                phone: Text::Shared(p.phone.clone()),
                                user_id: None,
                                created_at,
                                updated_at: created_at,
                            });
                            link_rows.push(ResidentHomeRow {
                                resident_id: p.id,
                                home_id,
                                relation: rel.code(),
                            });
                            people_here.push(residents.len() as u32);
                            residents.push(p);
                        }
                        homes.push(Home {
                            id: home_id,
                            community: ci,
                            building_id: building.id.0,
                            entrance_id: Some(*eid),
                            place_label: format!("{name} {label}").into(),
                            residents: people_here,
                        });
                    }
                }
            }
            buildings.push(Building {
                id: building.id.0,
                name: bname,
                entrances,
            });
        }
        communities.push(Community {
            id: m.id.0,
            name: name.into(),
            buildings,
            homes: first_home..homes.len(),
        });
    }
    let community_ids: Vec<CommunityId> = communities.iter().map(|m| CommunityId(m.id)).collect();

    // The bench residents: owners with sign-ins, spread over the communities.
    // Each owns many homes, so that W1's orders (and the seed's orders by
    // bench residents) fall on random homes as a real day's do, instead of
    // piling hundreds of open orders onto 200 homes. The homes are dealt
    // from each community's homes in random order: no two bench residents
    // share one while the community has enough.
    let shuffled = |m: &Community, rng: &mut ChaCha8Rng| {
        let mut d: Vec<usize> = m.homes.clone().collect();
        d.shuffle(rng);
        d
    };
    let mut decks: Vec<Vec<usize>> = communities.iter().map(|m| shuffled(m, rng)).collect();
    let mut bench_residents = Vec::new();
    for k in 1..=super::BENCH_RESIDENTS {
        let at = (k - 1) % communities.len();
        if decks[at].len() < super::BENCH_HOMES_EACH {
            decks[at] = shuffled(&communities[at], rng);
        }
        let deck = &mut decks[at];
        let owned = deck.split_off(deck.len().saturating_sub(super::BENCH_HOMES_EACH));
        resident_id += 1;
        let p = Person {
            id: resident_id,
            name: person_name(rng).into(),
            phone: next_phone().into(),
        };
        let uid = accounts::insert_user(
            c,
            &NewUser {
                company,
                username: Some(&format!("bench-r{k}")),
                phone: Some(&p.phone),
                display_name: &p.name,
                password_hash: &hash,
                kind: "resident",
            },
            created_at,
        )
        .await?;
        resident_rows.push(ResidentRow {
            id: p.id,
            company_id: company.0,
            name: Text::Shared(p.name.clone()),
            phone: Text::Shared(p.phone.clone()),
            user_id: Some(uid.0),
            created_at,
            updated_at: created_at,
        });
        for &h in &owned {
            link_rows.push(ResidentHomeRow {
                resident_id: p.id,
                home_id: homes[h].id,
                relation: Relation::Owner.code(),
            });
            homes[h].residents.push(residents.len() as u32);
        }
        bench_residents.push((residents.len(), owned));
        residents.push(p);
    }

    // Teams and staff.
    let mut teams = Vec::new();
    for t in DEFAULT_TEAMS {
        let vendor = VENDORS.iter().find(|v| v.0 == t.code).map(|v| v.1);
        let mode = if t.code == "cleaning" {
            DispatchMode::Grab
        } else {
            DispatchMode::Auto
        };
        let id = people::insert_team(
            c,
            company,
            &TeamFields {
                code: t.code,
                name: t.name,
                department: t.department,
                is_vendor: vendor.is_some(),
                vendor_name: vendor,
                dispatch_mode: mode,
            },
            created_at,
        )
        .await?;
        teams.push(TeamInfo {
            id: id.0,
            mode,
            members: vec![],
        });
    }
    let team_index = |code: &str| DEFAULT_TEAMS.iter().position(|t| t.code == code);
    let mut plan: Vec<NewStaff> = vec![NewStaff {
        role: Role::Admin,
        login: Some("bench-admin".into()),
        team: None,
    }];
    let mut n = 0;
    for (code, count) in TECH_TEAMS {
        for _ in 0..*count {
            n += 1;
            plan.push(NewStaff {
                role: Role::Technician,
                login: Some(format!("bench-t{n}")),
                team: Some(code),
            });
        }
    }
    n = 0;
    for (code, count) in AGENT_TEAMS {
        for _ in 0..*count {
            n += 1;
            plan.push(NewStaff {
                role: Role::Agent,
                login: Some(format!("bench-a{n}")),
                team: Some(code),
            });
        }
    }
    for _ in 0..opts.communities.div_ceil(5) {
        plan.push(NewStaff {
            role: Role::Supervisor,
            login: None,
            team: None,
        });
    }
    for _ in 0..opts.communities.div_ceil(10) {
        plan.push(NewStaff {
            role: Role::Manager,
            login: None,
            team: None,
        });
    }
    let (mut staff, mut agents, mut supervisors, mut managers) = (vec![], vec![], vec![], vec![]);
    for s in &plan {
        let name = person_name(rng);
        let phone = next_phone();
        let always = matches!(
            s.team,
            Some("security" | "sec_fire" | "sec_parking" | "elevator")
        );
        let hours = if always {
            WorkingHours::always()
        } else {
            WorkingHours::default()
        };
        let id = people::insert_staff(
            c,
            company,
            &StaffFields {
                name: &name,
                phone: &phone,
                roles: &[s.role],
                working_hours: &hours,
                active: true,
            },
            created_at,
        )
        .await?;
        people::set_staff_communities(c, id, &community_ids).await?;
        let idx = staff.len();
        if let Some(ti) = s.team.and_then(team_index) {
            let lead = teams[ti].members.is_empty();
            people::upsert_member(c, TeamId(teams[ti].id), id, lead).await?;
            teams[ti].members.push(idx);
        }
        if let Some(login) = &s.login {
            let uid = accounts::insert_user(
                c,
                &NewUser {
                    company,
                    username: Some(login),
                    phone: Some(&phone),
                    display_name: &name,
                    password_hash: &hash,
                    kind: "staff",
                },
                created_at,
            )
            .await?;
            people::set_staff_user(c, id, uid).await?;
        }
        match s.role {
            Role::Agent => agents.push(idx),
            Role::Supervisor => supervisors.push(idx),
            Role::Manager => managers.push(idx),
            _ => {}
        }
        staff.push(Person {
            id: id.0,
            name: name.into(),
            phone: phone.into(),
        });
    }
    let team_of = Category::ALL
        .iter()
        .map(|cat| {
            team_index(wuye_domain::directory::teams::default_team_for(*cat).code).unwrap_or(0)
        })
        .collect();
    ensure_defaults(c, company, created_at).await?;
    let sla = load_setup(&mut SideReads::none(), c, company, now).await?;
    Ok(Company {
        id: company,
        communities,
        homes,
        residents,
        staff,
        agents,
        supervisors,
        managers,
        teams,
        team_of,
        bench_residents,
        sla,
        home_rows,
        resident_rows,
        link_rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_unique_and_valid() {
        let mut seen = std::collections::HashSet::new();
        for n in 1..=200_000u64 {
            let p = phone(n);
            assert!(wuye_domain::values::Phone::parse(&p).is_ok(), "{p}");
            assert!(seen.insert(p));
        }
    }

    #[test]
    fn bench_teams_exist_and_add_up() {
        for (code, _) in TECH_TEAMS.iter().chain(AGENT_TEAMS) {
            assert!(DEFAULT_TEAMS.iter().any(|t| t.code == *code), "{code}");
        }
        assert_eq!(
            TECH_TEAMS.iter().map(|t| t.1).sum::<usize>(),
            super::super::BENCH_TECHS
        );
        assert_eq!(
            AGENT_TEAMS.iter().map(|t| t.1).sum::<usize>(),
            super::super::BENCH_AGENTS
        );
    }
}
