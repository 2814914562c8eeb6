//! The seed's rules: every timeline is a path through the transition table
//! that ends in the planned state; search terms are what the index would
//! make; and a seeded database is one the application's own refreshes
//! (SLA, KPI) and SLA timer find nothing to change in.

use super::company::{Person, TeamInfo};
use super::derive::{merge_terms, terms_of};
use super::plan::{DAY, MINUTE};
use super::replay::{Context, replay};
use super::story::{Input, schedule, story};
use super::*;
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use wuye_domain::directory::{DEFAULT_TEAMS, DispatchMode};
use wuye_domain::ids::StaffId;
use wuye_domain::work_order::state::TRANSITIONS;
use wuye_domain::work_order::{Kind, OrderCore, State};

const NOW: i64 = 1_795_000_000_000;

fn crew() -> (Vec<TeamInfo>, Vec<Person>) {
    let mut staff = Vec::new();
    let mut teams = Vec::new();
    for (i, t) in DEFAULT_TEAMS.iter().enumerate() {
        let members: Vec<usize> = (0..3).map(|k| i * 3 + k).collect();
        for _ in 0..3 {
            staff.push(Person {
                id: 100 + staff.len() as i64,
                name: format!("员工{}", staff.len()).into(),
                phone: "13800000000".into(),
            });
        }
        teams.push(TeamInfo {
            id: 10 + i as i64,
            mode: if t.code == "cleaning" {
                DispatchMode::Grab
            } else {
                DispatchMode::Auto
            },
            members,
        });
    }
    // Two desk agents and a supervisor, in no team.
    for _ in 0..3 {
        staff.push(Person {
            id: 100 + staff.len() as i64,
            name: "客服".into(),
            phone: "13800000001".into(),
        });
    }
    (teams, staff)
}

const TARGETS: [State; 11] = State::ALL;

/// Replays a story and checks its events against the transition table.
fn check_story(
    seed: u64,
    target: State,
    kind: Kind,
    has_reporter: bool,
    confident: bool,
    staff_dispatch: bool,
) {
    let dispatchable = matches!(kind, Kind::Repair | Kind::Complaint);
    let target = if !dispatchable
        && !matches!(
            target,
            State::Received | State::Resolved | State::Closed | State::Cancelled
        ) {
        State::Closed
    } else {
        target
    };
    let (teams, staff) = crew();
    let n = staff.len();
    let staff_ids: Vec<i64> = staff.iter().map(|p| p.id).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let created = super::plan::created_for(target, &mut rng, NOW);
    let inp = Input {
        kind,
        target,
        team: rng.random_range(0..teams.len()),
        teams: &teams,
        agent: n - 3,
        supervisor: n - 1,
        has_reporter,
        confident,
        staff_dispatch,
        merge_into: (target == State::Merged).then(|| (1, "BX2026010100001".to_string())),
        auto_accept_ms: 3 * DAY,
        pace: [1.0, 0.3, 0.12][(seed % 3) as usize],
    };
    let mut st = story(&inp, &staff_ids, &mut rng);
    schedule(&mut st.steps, created, NOW, inp.agent);
    let reporter = Person {
        id: 7,
        name: "业主".into(),
        phone: "13900000000".into(),
    };
    let cx = Context {
        order: 42,
        created,
        staff: &staff,
        reporter: has_reporter.then_some(&reporter),
        auto_accept_ms: 3 * DAY,
        sample_percent: 20,
    };
    let owner = staff_dispatch.then(|| StaffId(staff_ids[inp.agent]));
    let r = replay(OrderCore::new(kind, owner), &st.steps, &cx)
        .unwrap_or_else(|e| panic!("{target:?} {kind:?}: the machine refused a step: {}", e.en));
    assert_eq!(
        r.core.state, target,
        "{kind:?} story ends in {:?}",
        r.core.state
    );
    // Every event with a state change is a row of the transition table,
    // from the state the previous one reached, in time order, before now.
    let mut state = State::Received;
    let mut last = created;
    for e in &r.events {
        assert!(
            e.at >= last && e.at < NOW,
            "times increase and stay in the past"
        );
        last = e.at;
        let Some(to) = e.to_state else {
            assert_eq!(e.action, "rate");
            assert!(
                matches!(state, State::Resolved | State::Closed),
                "rated when done"
            );
            continue;
        };
        assert_eq!(
            e.from_state,
            Some(state.code()),
            "{} follows {state:?}",
            e.action
        );
        let to = State::parse(to).unwrap();
        assert!(
            TRANSITIONS
                .iter()
                .any(|t| t.action.code() == e.action && t.from.contains(&state) && t.to == to),
            "{} from {state:?} to {to:?} is not in the table",
            e.action
        );
        if e.actor_kind == "resident" {
            assert!(has_reporter);
        }
        state = to;
    }
    // The order's fields agree with its timeline.
    let f = &r.fields;
    assert_eq!(f.closed_at.is_some(), target == State::Closed);
    assert_eq!(f.cancelled_at.is_some(), target == State::Cancelled);
    assert_eq!(
        f.auto_accept_at.is_some(),
        target == State::AwaitingAcceptance
    );
    if let Some(a) = f.auto_accept_at {
        assert!(a > NOW, "no auto-accept is overdue");
    }
    if matches!(target, State::Resolved | State::Closed) {
        assert!(f.resolved_at.is_some());
    }
    if f.rating.is_some() {
        assert!(has_reporter && f.rated_at >= f.resolved_at);
    }
    assert_eq!(f.version, 1 + r.events.len() as i64);
    assert_eq!(
        r.history.len(),
        1 + r.events.iter().filter(|e| e.to_state.is_some()).count()
    );
    if dispatchable && !matches!(target, State::Received | State::Cancelled | State::Merged) {
        assert!(r.core.team.is_some(), "{target:?} has a team");
    }
    if matches!(
        target,
        State::Accepted | State::InProgress | State::OnHold | State::AwaitingAcceptance
    ) {
        assert!(r.core.assignee.is_some(), "{target:?} has an assignee");
    }
    // The handler log has at most one open period, held by the current holder.
    let open: Vec<_> = r.handlers.iter().filter(|h| h.ended_at.is_none()).collect();
    assert!(open.len() <= 1);
    if let Some(h) = open.first() {
        assert_eq!(h.staff_id, r.core.assignee.map(|a| a.0));
        assert!(target.is_open());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn every_timeline_is_a_path_through_the_state_machine(
        seed in any::<u64>(),
        t in 0usize..TARGETS.len(),
        k in 0usize..5,
        has_reporter in any::<bool>(),
        confident in any::<bool>(),
        staff_dispatch in any::<bool>(),
    ) {
        let kind = [Kind::Repair, Kind::Complaint, Kind::Consultation, Kind::Suggestion, Kind::Praise][k];
        let target = TARGETS[t];
        let target = if target == State::Merged && !matches!(kind, Kind::Repair | Kind::Complaint) { State::Cancelled } else { target };
        check_story(seed, target, kind, has_reporter, confident, staff_dispatch);
    }
}

#[test]
fn merged_terms_are_the_index_terms_of_the_whole_text() {
    let parts = [
        "BX2026112700007",
        "刚才卧室天花板有水渍，墙皮起鼓了，请师傅明天上午来",
        "锦绣华庭 14栋2单元601 · 电梯间",
        "司马海燕",
    ];
    let lists: Vec<_> = [parts[0].to_lowercase()]
        .iter()
        .map(|n| vec![Str::from(n.as_str())].into())
        .chain(parts[1..].iter().map(|p| terms_of(p)))
        .collect::<Vec<std::sync::Arc<[Str]>>>();
    let refs: Vec<&[Str]> = lists.iter().map(|l| &l[..]).collect();
    assert_eq!(
        merge_terms(&refs),
        wuye_domain::search::index_terms(&parts.join(" "))
    );
}

use rand::Rng;
use wuye_store::bulk::Str;

#[derive(Debug)]
struct Fixed(i64);

impl wuye_domain::time::Clock for Fixed {
    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_millisecond(self.0).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_database_is_what_the_application_would_have_made() {
    let dir = std::env::temp_dir().join(format!(
        "wuye_seed_{}_{}",
        std::process::id(),
        rand::random::<u32>()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.join("wuye.db").display());
    let now = jiff::Timestamp::now().as_millisecond() - 5 * MINUTE;
    let opts = SeedOptions {
        orders: 1_200,
        communities: 1,
        seed: 7,
    };
    let report = seed(
        &url,
        AppConfig::default(),
        opts.clone(),
        now,
        Arc::default(),
    )
    .await
    .unwrap();
    assert_eq!(report.orders, 1_200);
    // A second seed refuses the database.
    let again = seed(&url, AppConfig::default(), opts, now, Arc::default()).await;
    assert!(matches!(again, Err(AppError::Coded(e)) if e.code == "database_not_empty"));

    let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
    let app = crate::App::new(db, AppConfig::default()).with_clock(Arc::new(Fixed(now)));
    let company = {
        let mut c = app.db.read().await.unwrap();
        wuye_store::directory::first_company(&mut c)
            .await
            .unwrap()
            .unwrap()
            .0
    };
    let rollups = |app: crate::App| async move {
        let mut c = app.db.read().await.unwrap();
        let scope = wuye_store::kpi::Scope::default();
        let mut t = wuye_store::kpi::totals(&mut c, company, &scope, 0, 99_999_999)
            .await
            .unwrap();
        t.sort();
        t
    };
    let before = rollups(app.clone()).await;
    let drift = |app: crate::App| async move {
        let mut c = app.db.read().await.unwrap();
        wuye_store::kpi::wide_drift(&mut c, company).await.unwrap()
    };
    assert_eq!(drift(app.clone()).await, vec![], "seeded wide rollups");
    // A bench resident owns many homes, so that W1 (which picks a random
    // one of the signed-in resident's homes) spreads its orders.
    {
        let mut c = app.db.read().await.unwrap();
        let owned: i64 = wuye_store::exec::query(
            "SELECT COUNT(*) FROM resident_homes rh JOIN residents r ON r.id = rh.resident_id \
             JOIN users u ON u.id = r.user_id WHERE u.username = 'bench-r1'",
        )
        .fetch_one_scalar(&mut c)
        .await
        .unwrap();
        assert_eq!(owned, BENCH_HOMES_EACH as i64);
    }
    let ids: Vec<i64> = {
        let mut c = app.db.read().await.unwrap();
        wuye_store::kpi::order_ids(&mut c, company, 0, 5_000)
            .await
            .unwrap()
    };
    assert_eq!(ids.len(), 1_200);
    let mut tx = app.db.begin().await.unwrap();
    let setup =
        crate::sla::refresh::load_setup(&mut wuye_store::SideReads::none(), &mut tx, company, now)
            .await
            .unwrap();
    for id in &ids {
        let clocks = wuye_store::sla::clocks(&mut tx, *id).await.unwrap();
        let triggers = wuye_store::sla::triggers(&mut tx, *id).await.unwrap();
        let contrib = wuye_store::kpi::contributions(&mut tx, *id).await.unwrap();
        app.sla_refresh_with(&mut tx, company, *id, now, &setup)
            .await
            .unwrap();
        app.kpi_refresh(&mut tx, company, *id).await.unwrap();
        let clocks2 = wuye_store::sla::clocks(&mut tx, *id).await.unwrap();
        let key = |k: &wuye_store::sla::ClockRow, exact: bool| {
            let running = k.stopped_at.is_none() && !exact;
            (
                k.metric.clone(),
                k.policy_id,
                k.target_ms,
                k.deadline_at,
                k.warn_at,
                k.stopped_at,
                if running { 0 } else { k.elapsed_ms },
                if running {
                    String::new()
                } else {
                    k.stage.clone()
                },
            )
        };
        let a: Vec<_> = clocks.iter().map(|k| key(k, false)).collect();
        let b: Vec<_> = clocks2.iter().map(|k| key(k, false)).collect();
        assert_eq!(a, b, "clocks of order {id}");
        let t = |v: Vec<wuye_store::sla::TriggerRow>| {
            v.into_iter()
                .map(|t| (t.metric, t.level, t.fire_at, t.fired_at))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            t(triggers),
            t(wuye_store::sla::triggers(&mut tx, *id).await.unwrap()),
            "triggers of order {id}"
        );
        let c = |v: Vec<wuye_store::kpi::ContribRow>| {
            let mut v: Vec<_> = v
                .into_iter()
                .map(|r| (r.metric, r.day, r.num, r.den, r.team_id, r.assignee_id))
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            c(contrib),
            c(wuye_store::kpi::contributions(&mut tx, *id).await.unwrap()),
            "KPIs of order {id}"
        );
    }
    tx.commit().await.unwrap();
    assert_eq!(
        before,
        rollups(app.clone()).await,
        "the rollups are the sums of the contributions"
    );
    assert_eq!(
        drift(app.clone()).await,
        vec![],
        "wide rollups after refresh"
    );
    // The SLA timer finds (almost) nothing overdue: past levels were fired.
    let fired = app.run_sla_timer().await.unwrap();
    assert!(fired <= 2, "{fired} stale levels fired");
    app.db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
