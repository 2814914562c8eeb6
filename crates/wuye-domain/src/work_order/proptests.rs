//! Property tests of the life cycle: random steps by random callers.

use super::kinds::{Kind, VisitOutcome};
use super::machine::{Command, OrderCore};
use super::state::{Action, Standing, State};
use crate::ids::{StaffId, TeamId};
use proptest::prelude::*;

fn command() -> impl Strategy<Value = Command> {
    let text = prop_oneof![
        Just(String::new()),
        Just("  ".to_string()),
        Just("原因".to_string())
    ];
    let team = (1i64..4).prop_map(TeamId);
    let staff = proptest::option::of((1i64..4).prop_map(StaffId));
    prop_oneof![
        (team.clone(), staff.clone())
            .prop_map(|(team, assignee)| Command::Dispatch { team, assignee }),
        Just(Command::Grab),
        Just(Command::Accept),
        Just(Command::Start),
        text.clone().prop_map(|reason| Command::Hold { reason }),
        Just(Command::Resume),
        text.clone().prop_map(|note| Command::Finish { note }),
        Just(Command::Confirm),
        text.clone().prop_map(|reason| Command::Reject { reason }),
        Just(Command::AutoAccept),
        text.clone().prop_map(|note| Command::ReturnVisit {
            outcome: VisitOutcome::Satisfied,
            note
        }),
        text.clone().prop_map(|reason| Command::Cancel { reason }),
        (team.clone(), text.clone()).prop_map(|(team, reason)| Command::Transfer { team, reason }),
        text.clone().prop_map(|reason| Command::Dispute { reason }),
        (team, staff, text.clone()).prop_map(|(team, assignee, note)| Command::Rule {
            team,
            assignee,
            note
        }),
        text.clone().prop_map(|note| Command::Answer { note }),
        text.prop_map(|note| Command::Merge { into: 99, note }),
    ]
}

fn standing() -> impl Strategy<Value = (Standing, Option<StaffId>)> {
    (
        any::<[bool; 7]>(),
        proptest::option::of((1i64..4).prop_map(StaffId)),
    )
        .prop_map(|(b, staff)| {
            (
                Standing {
                    desk: b[0],
                    supervisor: b[1],
                    assignee: b[2],
                    team_lead: b[3],
                    team_member: b[4],
                    reporter: b[5],
                    system: b[6],
                },
                staff,
            )
        })
}

fn kind() -> impl Strategy<Value = Kind> {
    proptest::sample::select(Kind::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn random_steps_keep_the_rules(kind in kind(), steps in proptest::collection::vec((command(), standing()), 1..40)) {
        let mut order = OrderCore::new(kind, None);
        let mut timeline = Vec::new();
        for (cmd, (who, actor)) in steps {
            let before = order.clone();
            match order.apply(&cmd, &who, actor) {
                Ok(change) => {
                    // A final state never changes again.
                    prop_assert!(!before.state.is_final(), "{:?} left final state {:?}", cmd, before.state);
                    prop_assert_eq!(change.from, before.state);
                    prop_assert_eq!(change.to, order.state);
                    // Steps that need a reason or note have one.
                    if matches!(cmd, Command::Hold { .. } | Command::Reject { .. } | Command::Cancel { .. } | Command::Transfer { .. } | Command::Dispute { .. }) {
                        prop_assert!(change.note.as_deref().is_some_and(|n| !n.trim().is_empty()));
                    }
                    // Repairs are never answered without dispatch.
                    prop_assert!(!(kind == Kind::Repair && change.action == Action::Answer));
                    // The first staff member to act becomes the owner, and stays.
                    if before.owner.is_some() {
                        prop_assert_eq!(order.owner, before.owner);
                    } else {
                        prop_assert_eq!(order.owner, actor);
                    }
                    timeline.push(change);
                }
                Err(_) => {
                    // A refused step changes nothing.
                    prop_assert_eq!(&order, &before);
                }
            }
        }
        // The timeline is a chain: each step starts where the last ended.
        for w in timeline.windows(2) {
            prop_assert_eq!(w[0].to, w[1].from);
        }
        if let Some(first) = timeline.first() {
            prop_assert_eq!(first.from, State::Received);
        }
        // Counters match the timeline.
        let rejects = timeline.iter().filter(|c| c.action == Action::Reject).count() as i64;
        let disputes = timeline.iter().filter(|c| c.action == Action::Dispute).count() as i64;
        let transfers = timeline
            .iter()
            .filter(|c| c.action == Action::Transfer || (c.action == Action::Rule && c.data["from_team_id"] != c.data["team_id"]))
            .count() as i64;
        prop_assert_eq!(order.reopen_count, rejects);
        prop_assert_eq!(order.dispute_count, disputes);
        prop_assert_eq!(order.transfer_count, transfers);
    }
}
