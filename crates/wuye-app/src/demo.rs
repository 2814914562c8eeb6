//! The demo property: a company with three communities (about 3,000 homes),
//! residents, teams from DISPATCH.md, and one sign-in per role. Generated
//! from a fixed seed, so every demo database is the same.

use crate::App;
use crate::accounts::system_actor;
use crate::error::Result;
use crate::passwords::hash_password;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use wuye_domain::Error;
use wuye_domain::access::Role;
use wuye_domain::directory::{DEFAULT_TEAMS, DispatchMode, Relation, WorkingHours, home_label};
use wuye_domain::ids::*;
use wuye_store::accounts::{self, NewUser};
use wuye_store::directory::{self as dir, NewHome};
use wuye_store::people::{self, StaffFields, TeamFields};

/// How many orders the demo's history has (`WUYE_DEMO_ORDERS` overrides).
pub const DEMO_ORDERS: usize = 360;

/// The password of every demo account (demo mode only).
pub const DEMO_PASSWORD: &str = "wuye2026";

pub struct DemoLogin {
    pub role: Role,
    pub login: &'static str,
    pub name: &'static str,
}

/// One sign-in per role; the README's table lists the same.
pub const DEMO_LOGINS: &[DemoLogin] = &[
    DemoLogin {
        role: Role::Admin,
        login: "admin",
        name: "周立新",
    },
    DemoLogin {
        role: Role::Manager,
        login: "manager",
        name: "王建国",
    },
    DemoLogin {
        role: Role::Supervisor,
        login: "supervisor",
        name: "李静",
    },
    DemoLogin {
        role: Role::Agent,
        login: "agent",
        name: "张敏",
    },
    DemoLogin {
        role: Role::Technician,
        login: "tech",
        name: "刘强",
    },
    DemoLogin {
        role: Role::Vendor,
        login: "vendor",
        name: "陈桂芳",
    },
    DemoLogin {
        role: Role::Resident,
        login: "13800138000",
        name: "赵雅琴",
    },
];

pub(crate) const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁",
    "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏",
    "韦", "方", "白", "邹", "孟", "熊", "秦", "邱", "欧阳", "司马",
];

pub(crate) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "玉兰", "建国",
    "志强", "国庆", "淑珍", "海燕", "子涵", "浩然", "欣怡", "梓萱", "宇轩", "雨桐", "晨曦", "思远",
    "嘉怡", "俊杰", "婉婷", "一鸣", "佳琪", "亦菲", "德明", "宝珍", "凤英", "春梅", "志刚", "美玲",
    "立新", "振华", "晓东", "丽华", "秋菊", "金凤", "慧敏",
];

struct CommunityPlan {
    name: &'static str,
    address: &'static str,
    buildings: usize,
    entrances: usize,
    floors: i64,
    per_floor: usize,
    /// Building names: None = "N栋"; Some = given letters (villa blocks "A座").
    letters: Option<&'static [&'static str]>,
    area_base: i64,
}

const PLANS: &[CommunityPlan] = &[
    CommunityPlan {
        name: "翠湖花园",
        address: "杭州市西湖区文三路 188 号",
        buildings: 15,
        entrances: 2,
        floors: 30,
        per_floor: 2,
        letters: None,
        area_base: 89,
    },
    CommunityPlan {
        name: "锦绣华庭",
        address: "杭州市滨江区江南大道 1024 号",
        buildings: 10,
        entrances: 2,
        floors: 20,
        per_floor: 3,
        letters: None,
        area_base: 118,
    },
    CommunityPlan {
        name: "云栖苑",
        address: "杭州市西湖区梅灵北路 6 号",
        buildings: 4,
        entrances: 0,
        floors: 6,
        per_floor: 2,
        letters: Some(&["A座", "B座", "C座", "D座"]),
        area_base: 210,
    },
];

/// Staff names for the teams (lead first).
const TEAM_PEOPLE: &[(&str, &[&str], Option<&str>)] = &[
    (
        "eng_water_power",
        &["孙国华", "刘强", "马永亮", "高建军"],
        None,
    ),
    (
        "elevator",
        &["钱海涛", "郑光辉"],
        Some("迅达电梯维保有限公司"),
    ),
    ("eng_general", &["吴志明", "冯立伟", "宋卫东"], None),
    ("eng_civil", &["胡德贵", "曹红兵"], None),
    ("eng_hvac", &["彭晓峰", "蒋勇"], None),
    ("sec_fire", &["梁振宇", "韦浩"], None),
    (
        "cleaning",
        &["陈桂芳", "肖秀兰", "田玉梅", "董春花"],
        Some("洁美保洁服务有限公司"),
    ),
    (
        "greening",
        &["袁德胜", "潘树林"],
        Some("绿源园林工程有限公司"),
    ),
    ("security", &["杜明辉", "叶锋", "程勇刚", "苏建平"], None),
    ("sec_parking", &["魏东", "吕文斌"], None),
    ("cs", &["张敏", "黄丽娟", "林晓雯"], None),
    ("cs_decoration", &["沈佳慧"], None),
    ("cs_billing", &["姚美玲"], None),
];

#[derive(Debug, Default)]
pub struct DemoSummary {
    pub orders: usize,
    pub communities: usize,
    pub homes: usize,
    pub residents: usize,
    pub staff: usize,
    pub teams: usize,
}

fn person_name(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{}{}",
        SURNAMES[rng.random_range(0..SURNAMES.len())],
        GIVEN[rng.random_range(0..GIVEN.len())]
    )
}

fn phone(rng: &mut ChaCha8Rng, used: &mut HashSet<String>) -> String {
    const PREFIXES: &[&str] = &[
        "135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "186", "187", "188",
        "177", "199",
    ];
    loop {
        let p = format!(
            "{}{:08}",
            PREFIXES[rng.random_range(0..PREFIXES.len())],
            rng.random_range(0..100_000_000u32)
        );
        if used.insert(p.clone()) {
            return p;
        }
    }
}

impl App {
    /// Whether this database holds the demo data.
    pub async fn is_demo(&self) -> Result<bool> {
        let mut c = self.db.read().await?;
        Ok(dir::get_setting(&mut c, "demo").await?.as_deref() == Some("1"))
    }

    /// Loads the demo property into an empty database. `progress` hears
    /// what is being done, for the command line.
    pub async fn load_demo(&self, progress: &(dyn Fn(&str) + Sync)) -> Result<DemoSummary> {
        {
            let mut c = self.db.read().await?;
            if dir::first_company(&mut c).await?.is_some() {
                return Err(Error::conflict(
                    "database_not_empty",
                    "数据库里已有数据，演示数据只能载入空数据库（可换一个 --data-dir）",
                    "The database already has data; demo data loads only into an empty database (try another --data-dir)",
                )
                .into());
            }
        }
        let mut rng = ChaCha8Rng::seed_from_u64(20261127);
        let mut used_phones: HashSet<String> = HashSet::new();
        used_phones.insert("13800138000".into());
        let mut summary = DemoSummary::default();
        let hash = hash_password(DEMO_PASSWORD).await?;
        let now = self.now_ms();
        let mut tx = self.db.begin().await?;
        let company = dir::insert_company(&mut tx, "锦华物业服务有限公司", now).await?;
        dir::set_setting(&mut tx, "demo", "1").await?;

        // Property.
        let mut communities = Vec::new();
        let mut resident_home = None;
        for plan in PLANS {
            progress(&format!("小区 {} …", plan.name));
            let m = dir::insert_community(&mut tx, company, plan.name, plan.address, now).await?;
            communities.push(m.id);
            summary.communities += 1;
            for b in 0..plan.buildings {
                let bname = match plan.letters {
                    Some(l) => l[b].to_string(),
                    None => format!("{}栋", b + 1),
                };
                let building = dir::insert_building(&mut tx, m.id, &bname).await?;
                let entrances: Vec<Option<(EntranceId, String)>> = if plan.entrances == 0 {
                    vec![None]
                } else {
                    let mut v = Vec::new();
                    for e in 0..plan.entrances {
                        let ename = format!("{}单元", e + 1);
                        let en = dir::insert_entrance(&mut tx, building.id, &ename).await?;
                        v.push(Some((en.id, ename)));
                    }
                    v
                };
                for entrance in &entrances {
                    for floor in 1..=plan.floors {
                        for k in 1..=plan.per_floor {
                            let number = format!("{}{:02}", floor, k);
                            let area = format!(
                                "{}.{:02}",
                                plan.area_base + rng.random_range(0..25),
                                rng.random_range(0..100)
                            );
                            let label = home_label(
                                &bname,
                                entrance.as_ref().map(|(_, n)| n.as_str()),
                                &number,
                            );
                            let h = dir::insert_home(
                                &mut tx,
                                NewHome {
                                    community: m.id,
                                    building: building.id,
                                    entrance: entrance.as_ref().map(|(id, _)| *id),
                                    number: &number,
                                    floor: Some(floor),
                                    area: Some(
                                        area.trim_end_matches('0')
                                            .trim_end_matches('.')
                                            .to_string(),
                                    ),
                                    label: label.clone(),
                                },
                                now,
                            )
                            .await?;
                            summary.homes += 1;
                            if label == "3栋2单元1202" && plan.name == "翠湖花园" {
                                resident_home = Some(h.id);
                                continue;
                            }
                            // Most homes are lived in: an owner, often family, some tenants.
                            if rng.random_bool(0.85) {
                                let owner = people::insert_resident(
                                    &mut tx,
                                    company,
                                    &person_name(&mut rng),
                                    &phone(&mut rng, &mut used_phones),
                                    now,
                                )
                                .await?;
                                people::link_home(&mut tx, owner, h.id, Relation::Owner).await?;
                                summary.residents += 1;
                                if rng.random_bool(0.35) {
                                    let f = people::insert_resident(
                                        &mut tx,
                                        company,
                                        &person_name(&mut rng),
                                        &phone(&mut rng, &mut used_phones),
                                        now,
                                    )
                                    .await?;
                                    people::link_home(&mut tx, f, h.id, Relation::Family).await?;
                                    summary.residents += 1;
                                }
                            } else if rng.random_bool(0.5) {
                                let t = people::insert_resident(
                                    &mut tx,
                                    company,
                                    &person_name(&mut rng),
                                    &phone(&mut rng, &mut used_phones),
                                    now,
                                )
                                .await?;
                                people::link_home(&mut tx, t, h.id, Relation::Tenant).await?;
                                summary.residents += 1;
                            }
                        }
                    }
                }
            }
        }

        // The demo resident who signs in.
        progress("员工与班组 …");
        let demo_resident = DEMO_LOGINS
            .iter()
            .find(|d| d.role == Role::Resident)
            .expect("resident login");
        let rid = people::insert_resident(
            &mut tx,
            company,
            demo_resident.name,
            demo_resident.login,
            now,
        )
        .await?;
        if let Some(h) = resident_home {
            people::link_home(&mut tx, rid, h, Relation::Owner).await?;
        }
        let uid = accounts::insert_user(
            &mut tx,
            &NewUser {
                company,
                username: None,
                phone: Some(demo_resident.login),
                display_name: demo_resident.name,
                password_hash: &hash,
                kind: "resident",
            },
            now,
        )
        .await?;
        people::set_resident_user(&mut tx, rid, uid).await?;
        summary.residents += 1;

        // Teams and their people.
        let mut staff_ids: std::collections::HashMap<&str, StaffId> = Default::default();
        for t in DEFAULT_TEAMS {
            let vendor = TEAM_PEOPLE.iter().find(|p| p.0 == t.code).and_then(|p| p.2);
            let team = people::insert_team(
                &mut tx,
                company,
                &TeamFields {
                    code: t.code,
                    name: t.name,
                    department: t.department,
                    is_vendor: vendor.is_some(),
                    vendor_name: vendor,
                    dispatch_mode: if t.code == "cleaning" {
                        DispatchMode::Grab
                    } else {
                        DispatchMode::Auto
                    },
                },
                now,
            )
            .await?;
            summary.teams += 1;
            let members = TEAM_PEOPLE
                .iter()
                .find(|p| p.0 == t.code)
                .map(|p| p.1)
                .unwrap_or(&[]);
            for (i, name) in members.iter().enumerate() {
                let role = if vendor.is_some() {
                    Role::Vendor
                } else if t.department == "客服部" {
                    Role::Agent
                } else {
                    Role::Technician
                };
                let roles = [role];
                let hours = if t.department == "安保部" || t.code == "elevator" {
                    WorkingHours::always()
                } else {
                    WorkingHours::default()
                };
                let id = people::insert_staff(
                    &mut tx,
                    company,
                    &StaffFields {
                        name,
                        phone: &phone(&mut rng, &mut used_phones),
                        roles: &roles,
                        working_hours: &hours,
                        active: true,
                    },
                    now,
                )
                .await?;
                people::set_staff_communities(&mut tx, id, &communities).await?;
                people::upsert_member(&mut tx, team, id, i == 0).await?;
                staff_ids.insert(name, id);
                summary.staff += 1;
            }
        }

        // Office staff, and the demo sign-ins.
        for d in DEMO_LOGINS.iter().filter(|d| d.role != Role::Resident) {
            let id = match staff_ids.get(d.name) {
                Some(id) => *id,
                None => {
                    let roles = [d.role];
                    let id = people::insert_staff(
                        &mut tx,
                        company,
                        &StaffFields {
                            name: d.name,
                            phone: &phone(&mut rng, &mut used_phones),
                            roles: &roles,
                            working_hours: &WorkingHours::default(),
                            active: true,
                        },
                        now,
                    )
                    .await?;
                    people::set_staff_communities(&mut tx, id, &communities).await?;
                    summary.staff += 1;
                    id
                }
            };
            let s = people::get_staff(&mut tx, company, id).await?;
            let uid = accounts::insert_user(
                &mut tx,
                &NewUser {
                    company,
                    username: Some(d.login),
                    phone: Some(&s.phone),
                    display_name: d.name,
                    password_hash: &hash,
                    kind: "staff",
                },
                now,
            )
            .await?;
            people::set_staff_user(&mut tx, id, uid).await?;
        }
        crate::audit::record(
            &mut tx,
            &system_actor(company),
            now,
            "demo",
            0,
            "load_demo",
            None,
            Some(serde_json::json!({"homes": summary.homes, "residents": summary.residents, "staff": summary.staff})),
        )
        .await?;
        progress("提交 …");
        tx.commit().await?;
        let n = std::env::var("WUYE_DEMO_ORDERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEMO_ORDERS);
        summary.orders = self.load_demo_orders(company, n, progress).await?;
        Ok(summary)
    }
}
