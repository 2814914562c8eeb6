//! A small company for tests: two communities, a few homes, one staff member
//! per role in community A (plus an agent in B), residents with accounts.

use wuye_app::App;
use wuye_app::accounts::{AccountHolder, AccountInput, system_actor};
use wuye_app::directory::communities::CommunityInput;
use wuye_app::directory::property::{HomeInput, NameInput};
use wuye_app::directory::residents::{HomeLink, ResidentInput};
use wuye_app::directory::staff::StaffInput;
use wuye_app::directory::teams::MemberInput;
use wuye_domain::directory::DEFAULT_TEAMS;
use wuye_domain::ids::*;

pub const PASSWORD: &str = "test-pass-1";

#[derive(Debug, Clone)]
pub struct Fixture {
    pub company: CompanyId,
    pub a: CommunityId,
    pub b: CommunityId,
    pub building_a: BuildingId,
    pub entrance_a: EntranceId,
    pub building_b: BuildingId,
    pub home_a101: HomeId,
    pub home_a102: HomeId,
    pub home_b201: HomeId,
    pub res_a: ResidentId,
    pub res_a2: ResidentId,
    pub res_b: ResidentId,
    /// (login, staff id) per staff role, in community A.
    pub admin: StaffId,
    pub manager: StaffId,
    pub supervisor: StaffId,
    pub agent: StaffId,
    pub tech: StaffId,
    pub vendor: StaffId,
    pub agent_b: StaffId,
    pub team_water: TeamId,
    pub team_cleaning: TeamId,
}

/// The sign-ins of the fixture, one per role (residents sign in by phone).
pub const LOGINS: &[(&str, &str)] = &[
    ("admin", "admin"),
    ("manager", "manager"),
    ("supervisor", "supervisor"),
    ("agent", "agent"),
    ("technician", "tech"),
    ("vendor", "vendor"),
    ("resident", "13900000001"),
];

pub async fn build(app: &App) -> Fixture {
    let now = app.now_ms();
    let company = {
        let mut tx = app.db.begin().await.unwrap();
        let id = wuye_store::directory::insert_company(&mut tx, "测试物业", now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        id
    };
    let sys = system_actor(company);
    let comm = |name: &str| CommunityInput {
        name: name.into(),
        address: Some("测试路 1 号".into()),
    };
    let a = app
        .create_community(&sys, &comm("翠湖花园"))
        .await
        .unwrap()
        .id;
    let b = app
        .create_community(&sys, &comm("锦绣华庭"))
        .await
        .unwrap()
        .id;
    let building_a = app
        .create_building(
            &sys,
            a,
            &NameInput {
                name: "1栋".into()
            },
        )
        .await
        .unwrap()
        .id;
    let entrance_a = app
        .create_entrance(
            &sys,
            building_a,
            &NameInput {
                name: "1单元".into(),
            },
        )
        .await
        .unwrap()
        .id;
    let building_b = app
        .create_building(
            &sys,
            b,
            &NameInput {
                name: "2栋".into()
            },
        )
        .await
        .unwrap()
        .id;
    let home = |b: BuildingId, e: Option<EntranceId>, n: &str| HomeInput {
        building_id: b.0,
        entrance_id: e.map(|e| e.0),
        number: n.into(),
        floor: Some(1),
        area: Some("88.50".into()),
    };
    let home_a101 = app
        .create_home(&sys, &home(building_a, Some(entrance_a), "101"))
        .await
        .unwrap()
        .id;
    let home_a102 = app
        .create_home(&sys, &home(building_a, Some(entrance_a), "102"))
        .await
        .unwrap()
        .id;
    let home_b201 = app
        .create_home(&sys, &home(building_b, None, "201"))
        .await
        .unwrap()
        .id;

    // Tests of other features must not depend on what the classifier makes
    // of their texts, nor on the hour of the day: smart dispatch is off here
    // and switched on by the dispatch tests.
    app.set_dispatch_settings(
        &sys,
        &wuye_app::dispatch::DispatchSettings {
            threshold: 0.6,
            capacity: 8,
            enabled: false,
        },
    )
    .await
    .unwrap();
    let mut team_ids = std::collections::HashMap::new();
    for t in DEFAULT_TEAMS {
        let vendor = t.code == "cleaning";
        let team = app
            .create_team(
                &sys,
                &wuye_app::directory::teams::TeamInput {
                    code: t.code.into(),
                    name: t.name.into(),
                    department: Some(t.department.into()),
                    is_vendor: vendor,
                    vendor_name: vendor.then(|| "洁美保洁".to_string()),
                    dispatch_mode: None,
                },
            )
            .await
            .unwrap();
        team_ids.insert(t.code, team.id);
    }

    let staff = |login: &'static str,
                 name: &'static str,
                 phone: &'static str,
                 role: &'static str,
                 comm: CommunityId| {
        let app = app.clone();
        let sys = sys.clone();
        async move {
            let s = app
                .create_staff(
                    &sys,
                    &StaffInput {
                        name: name.into(),
                        phone: phone.into(),
                        roles: vec![role.into()],
                        community_ids: vec![comm.0],
                        working_hours: None,
                        account: Some(AccountInput {
                            username: Some(login.into()),
                            password: PASSWORD.into(),
                        }),
                    },
                )
                .await
                .unwrap();
            s.id
        }
    };
    let admin = staff("admin", "管理员", "13700000001", "admin", a).await;
    let manager = staff("manager", "王经理", "13700000002", "manager", a).await;
    let supervisor = staff("supervisor", "李主管", "13700000003", "supervisor", a).await;
    let agent = staff("agent", "张客服", "13700000004", "agent", a).await;
    let tech = staff("tech", "刘师傅", "13700000005", "technician", a).await;
    let vendor = staff("vendor", "陈阿姨", "13700000006", "vendor", a).await;
    let agent_b = staff("agent_b", "赵客服", "13700000007", "agent", b).await;
    let team_water = team_ids["eng_water_power"];
    let team_cleaning = team_ids["cleaning"];
    app.set_team_member(&sys, team_water, tech, &MemberInput { is_lead: true })
        .await
        .unwrap();
    app.set_team_member(&sys, team_cleaning, vendor, &MemberInput { is_lead: true })
        .await
        .unwrap();

    let resident = |name: &str, phone: &str, home: HomeId| ResidentInput {
        name: name.into(),
        phone: phone.into(),
        homes: vec![HomeLink {
            home_id: home.0,
            relation: "owner".into(),
        }],
    };
    let res_a = app
        .create_resident(&sys, &resident("业主甲", "13900000001", home_a101))
        .await
        .unwrap()
        .id;
    let res_a2 = app
        .create_resident(&sys, &resident("业主乙", "13900000002", home_a102))
        .await
        .unwrap()
        .id;
    let res_b = app
        .create_resident(&sys, &resident("业主丙", "13900000003", home_b201))
        .await
        .unwrap()
        .id;
    for r in [res_a, res_a2] {
        app.create_account(
            &sys,
            AccountHolder::Resident(r),
            &AccountInput {
                username: None,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    }
    Fixture {
        company,
        a,
        b,
        building_a,
        entrance_a,
        building_b,
        home_a101,
        home_a102,
        home_b201,
        res_a,
        res_a2,
        res_b,
        admin,
        manager,
        supervisor,
        agent,
        tech,
        vendor,
        agent_b,
        team_water,
        team_cleaning,
    }
}
