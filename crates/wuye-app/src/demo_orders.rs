//! The demo's history: some hundreds of orders over the last six weeks, made
//! through the real use cases (so timelines, SLA clocks, alerts and KPI
//! rollups are what production would have), on a clock that walks forward
//! through the past.

use crate::App;
use crate::error::Result;
use crate::orders::create::OrderInput;
use crate::orders::feedback::RatingInput;
use crate::orders::steps::StepInput;
use jiff::Timestamp;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use wuye_domain::access::{Actor, Role};
use wuye_domain::ids::*;
use wuye_domain::time::Clock;
use wuye_store::people;

/// A clock the demo moves by hand.
#[derive(Debug, Default)]
pub struct DemoClock(AtomicI64);

impl DemoClock {
    fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
    fn add_minutes(&self, m: i64) -> i64 {
        self.0.fetch_add(m * 60_000, Ordering::SeqCst) + m * 60_000
    }
}

impl Clock for DemoClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.0.load(Ordering::SeqCst)).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// (kind, category, text) the demo residents write.
const TEXTS: &[(&str, &str, &str)] = &[
    ("repair", "plumbing", "厨房水管漏水，地上都是水"),
    ("repair", "plumbing", "卫生间下水道堵了，水下不去"),
    ("repair", "plumbing", "马桶一直在流水，关不住"),
    ("repair", "plumbing", "家里停水了，别人家有水"),
    ("repair", "electrical", "客厅插座没电了，空开也没跳"),
    ("repair", "electrical", "楼道灯坏了，晚上黑乎乎的"),
    ("repair", "electrical", "家里总跳闸，一开热水器就跳"),
    ("repair", "elevator", "电梯门关不上，一直开开关关"),
    ("repair", "elevator", "电梯运行的时候有异响，咯噔咯噔的"),
    ("repair", "doors_access", "单元门禁刷卡没反应"),
    ("repair", "doors_access", "楼下大门的闭门器坏了，门关不严"),
    ("repair", "civil", "卧室天花板有水渍，墙皮起鼓了"),
    ("repair", "civil", "楼梯扶手松了，老人扶着害怕"),
    ("repair", "heating_gas", "暖气片不热，屋里太冷了"),
    ("repair", "public_facilities", "小区健身器材螺丝松了"),
    ("repair", "public_facilities", "地库道闸抬不起来"),
    ("repair", "cleaning", "楼道里的垃圾两天没人收了"),
    ("repair", "cleaning", "电梯里有呕吐物，味道很大"),
    ("repair", "greening", "门口的树枝断了挂在半空，怕砸到人"),
    ("repair", "security", "单元门口有陌生人发小广告"),
    ("repair", "parking", "我的车位被别人占了"),
    (
        "complaint",
        "noise_neighbor",
        "楼上每天晚上十一点还在跳，太吵了",
    ),
    (
        "complaint",
        "decoration",
        "隔壁装修中午也在电钻，老人没法休息",
    ),
    ("complaint", "cleaning", "保洁打扫不认真，楼梯角落全是灰"),
    ("complaint", "security", "晚上门岗没人，外卖随便进"),
    ("complaint", "plumbing", "报修三天了还没人来修水管"),
    ("complaint", "parking", "地库乱停车没人管，消防通道都堵了"),
    ("complaint", "fees", "物业费账单多收了一个月"),
    ("consultation", "fees", "物业费可以开电子发票吗？"),
    (
        "consultation",
        "decoration",
        "装修需要办什么手续？押金多少？",
    ),
    ("consultation", "other", "快递放在哪里了？丰巢满了"),
    ("consultation", "doors_access", "怎么给家里老人办门禁卡？"),
    (
        "suggestion",
        "public_facilities",
        "建议在中心花园多放几张长椅",
    ),
    (
        "suggestion",
        "greening",
        "建议春天多种点花，现在草坪光秃秃的",
    ),
    (
        "praise",
        "plumbing",
        "感谢水电班刘师傅，半夜来修水管，很负责",
    ),
    (
        "praise",
        "cleaning",
        "保洁阿姨每天把楼道擦得很干净，表扬一下",
    ),
];

struct Crew {
    agent: Actor,
    supervisor: Actor,
    /// Category → (team, members as actors).
    teams: Vec<(String, TeamId, Vec<Actor>)>,
}

fn staff_actor(company: CompanyId, s: &wuye_domain::directory::Staff, leads: Vec<TeamId>) -> Actor {
    Actor {
        user_id: s.user_id.unwrap_or(UserId(0)),
        company_id: company,
        display_name: s.name.clone(),
        roles: s.roles.clone(),
        staff_id: Some(s.id),
        resident_id: None,
        communities: s.communities.clone(),
        teams: s.teams.clone(),
        lead_teams: leads,
        homes: vec![],
    }
}

impl App {
    /// Makes `n` orders over the last six weeks (chronologically, with the
    /// SLA timer run as time passes).
    pub async fn load_demo_orders(
        &self,
        company: CompanyId,
        n: usize,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<usize> {
        let clock = Arc::new(DemoClock::default());
        let app = self.clone().with_clock(clock.clone());
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        let (crew, residents) = {
            let mut c = self.db.read().await?;
            let all = people::list_staff(
                &mut c,
                self.db.backend(),
                company,
                &people::StaffFilter {
                    limit: 500,
                    ..Default::default()
                },
            )
            .await?;
            let teams = people::list_teams(&mut c, company, None).await?;
            let find = |role: Role| {
                all.iter()
                    .find(|s| s.roles.contains(&role) && s.user_id.is_some())
                    .cloned()
            };
            let (Some(agent), Some(sup)) = (find(Role::Agent), find(Role::Supervisor)) else {
                return Ok(0);
            };
            let mut crew_teams = Vec::new();
            for t in &teams {
                let members: Vec<Actor> = t
                    .members
                    .iter()
                    .filter_map(|m| all.iter().find(|s| s.id == m.staff_id))
                    .map(|s| {
                        staff_actor(
                            company,
                            s,
                            if t.members.iter().any(|m| m.staff_id == s.id && m.is_lead) {
                                vec![t.id]
                            } else {
                                vec![]
                            },
                        )
                    })
                    .collect();
                let cats = wuye_domain::directory::DEFAULT_TEAMS
                    .iter()
                    .find(|d| d.code == t.code)
                    .map(|d| d.categories)
                    .unwrap_or(&[]);
                for cat in cats {
                    crew_teams.push((cat.code().to_string(), t.id, members.clone()));
                }
            }
            let residents = wuye_store::people::list_residents(
                &mut c,
                self.db.backend(),
                company,
                &people::ResidentFilter {
                    limit: 600,
                    ..Default::default()
                },
            )
            .await?;
            (
                Crew {
                    agent: staff_actor(company, &agent, vec![]),
                    supervisor: staff_actor(company, &sup, vec![]),
                    teams: crew_teams,
                },
                residents
                    .into_iter()
                    .filter(|r| !r.homes.is_empty())
                    .collect::<Vec<_>>(),
            )
        };
        if residents.is_empty() {
            return Ok(0);
        }
        let now = self.now_ms();
        let start = now - 42 * 86_400_000;
        let mut made = 0;
        for i in 0..n {
            // Spread over six weeks, busier in the morning and the evening.
            let day = start + (i as i64 * 42 * 86_400_000 / n as i64) / 86_400_000 * 86_400_000;
            let hour = [8, 9, 9, 10, 10, 11, 13, 14, 15, 16, 18, 19, 19, 20, 21, 22]
                [rng.random_range(0..16)];
            let at = day - 8 * 3_600_000 + hour * 3_600_000 + rng.random_range(0..3_600_000);
            if at >= now - 3_600_000 {
                break;
            }
            clock.set(at);
            let r = &residents[rng.random_range(0..residents.len())];
            let home = &r.homes[0];
            let (kind, cat, text) = TEXTS[rng.random_range(0..TEXTS.len())];
            let by_app = rng.random_bool(0.6);
            let input = OrderInput {
                kind: kind.into(),
                text: text.into(),
                category: Some(cat.into()),
                home_id: Some(home.home_id.0),
                resident_id: (!by_app).then_some(r.id.0),
                channel: Some(if by_app { "app" } else { "phone" }.into()),
                priority: (kind == "repair" && rng.random_bool(0.15)).then(|| "urgent".into()),
                grade: (kind == "complaint")
                    .then(|| ["a", "b", "c", "c"][rng.random_range(0..4)].into()),
                ..Default::default()
            };
            let resident_actor = Actor {
                user_id: UserId(0),
                company_id: company,
                display_name: r.name.clone(),
                roles: vec![Role::Resident],
                staff_id: None,
                resident_id: Some(r.id),
                communities: vec![home.community_id],
                teams: vec![],
                lead_teams: vec![],
                homes: r.homes.iter().map(|h| h.home_id).collect(),
            };
            let creator = if by_app { &resident_actor } else { &crew.agent };
            let id = match app
                .create_order(
                    creator,
                    &OrderInput {
                        resident_id: if by_app { None } else { input.resident_id },
                        ..input
                    },
                )
                .await
            {
                Ok(c) => c.order.id,
                Err(e) => {
                    tracing::debug!(error = %e, "demo order skipped");
                    continue;
                }
            };
            made += 1;
            self.demo_story(
                &app,
                &clock,
                &crew,
                &resident_actor,
                id,
                kind,
                cat,
                now,
                &mut rng,
            )
            .await;
            if i % 25 == 0 {
                let _ = app.run_sla_timer().await;
                progress(&format!("工单 {made}/{n} …"));
            }
        }
        clock.set(now);
        let _ = app.run_sla_timer().await;
        Ok(made)
    }

    /// What happens to one order after it is made.
    #[allow(clippy::too_many_arguments)]
    async fn demo_story(
        &self,
        app: &App,
        clock: &DemoClock,
        crew: &Crew,
        resident: &Actor,
        id: i64,
        kind: &str,
        cat: &str,
        now: i64,
        rng: &mut ChaCha8Rng,
    ) {
        let step = |actor: Actor, input: StepInput, minutes: i64| {
            let t = clock.add_minutes(minutes);
            let app = app.clone();
            async move {
                if t >= now {
                    return false;
                }
                app.step(&actor, id, &input).await.is_ok()
            }
        };
        if matches!(kind, "consultation" | "suggestion" | "praise") {
            step(
                crew.agent.clone(),
                StepInput::Answer {
                    note: "已答复业主，感谢反馈".into(),
                },
                rng.random_range(5..180),
            )
            .await;
            return;
        }
        let roll: f64 = rng.random();
        if roll < 0.05 {
            step(
                crew.agent.clone(),
                StepInput::Cancel {
                    reason: "业主来电取消".into(),
                },
                rng.random_range(5..60),
            )
            .await;
            return;
        }
        let Some((_, team, members)) = crew.teams.iter().find(|(c, _, _)| c == cat) else {
            return;
        };
        let Some(tech) = members
            .get(rng.random_range(0..members.len().max(1)))
            .cloned()
        else {
            return;
        };
        let dispatch = StepInput::Dispatch {
            team_id: team.0,
            assignee_id: tech.staff_id.map(|s| s.0),
        };
        if !step(crew.agent.clone(), dispatch, rng.random_range(3..45)).await || roll < 0.10 {
            return; // still waiting to be accepted
        }
        if !step(tech.clone(), StepInput::Accept, rng.random_range(5..90)).await {
            return;
        }
        if roll < 0.13 {
            step(
                tech.clone(),
                StepInput::Dispute {
                    reason: "不属于本班组的范围".into(),
                },
                rng.random_range(5..30),
            )
            .await;
            return;
        }
        step(tech.clone(), StepInput::Start, rng.random_range(0..60)).await;
        if roll < 0.20 {
            step(
                tech.clone(),
                StepInput::Hold {
                    reason: "等配件到货".into(),
                },
                rng.random_range(20..120),
            )
            .await;
            if roll < 0.17 {
                return;
            }
            step(tech.clone(), StepInput::Resume, rng.random_range(120..1440)).await;
        }
        if roll < 0.27 {
            return; // in progress
        }
        let work = if rng.random_bool(0.8) {
            rng.random_range(30..600)
        } else {
            rng.random_range(600..3000)
        };
        step(
            tech.clone(),
            StepInput::Finish {
                note: "已处理完毕，请验收".into(),
                photo_ids: vec![],
            },
            work,
        )
        .await;
        if rng.random_bool(0.08) {
            step(
                resident.clone(),
                StepInput::Reject {
                    reason: "还没修好".into(),
                },
                rng.random_range(60..600),
            )
            .await;
            step(
                tech.clone(),
                StepInput::Finish {
                    note: "已返工处理".into(),
                    photo_ids: vec![],
                },
                rng.random_range(60..600),
            )
            .await;
        }
        if roll < 0.32 {
            return; // awaiting acceptance
        }
        if !step(
            resident.clone(),
            StepInput::Confirm,
            rng.random_range(30..2000),
        )
        .await
        {
            return;
        }
        let stars = [5, 5, 5, 5, 5, 5, 4, 4, 4, 3, 2][rng.random_range(0..11)];
        clock.add_minutes(rng.random_range(5..600));
        if clock.now().as_millisecond() < now {
            let _ = app
                .rate(
                    resident,
                    id,
                    &RatingInput {
                        stars,
                        comment: (stars >= 5).then(|| "师傅很专业，谢谢".into()),
                    },
                )
                .await;
        }
        if stars <= 3 || rng.random_bool(0.3) {
            step(
                crew.supervisor.clone(),
                StepInput::ReturnVisit {
                    outcome: if stars <= 3 {
                        "unsatisfied"
                    } else {
                        "satisfied"
                    }
                    .into(),
                    note: "已电话回访".into(),
                },
                rng.random_range(60..1440),
            )
            .await;
        }
    }
}
