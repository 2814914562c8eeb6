//! The plan of a seed: how many orders end in which state (fixed shares, so
//! even a small seed has every state), and when each was created (over the
//! last 12 months, busier by day than by night; open orders are recent).

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use wuye_domain::work_order::State;

pub const DAY: i64 = 86_400_000;
pub const HOUR: i64 = 3_600_000;
pub const MINUTE: i64 = 60_000;

/// Shares of the final states (the rest is closed). A merged order comes
/// with the order it was merged into (a pair from one slot).
pub const SHARES: &[(State, f64)] = &[
    (State::Received, 0.008),
    (State::Dispatched, 0.010),
    (State::Accepted, 0.006),
    (State::InProgress, 0.012),
    (State::OnHold, 0.005),
    (State::Disputed, 0.0025),
    (State::AwaitingAcceptance, 0.010),
    (State::Resolved, 0.12),
    (State::Cancelled, 0.05),
    (State::Merged, 0.01),
];

/// One planned order (or, for `Merged`, a pair: the survivor, then the
/// duplicate merged into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub created: i64,
    pub target: State,
}

impl Slot {
    #[cfg(test)]
    pub fn orders(&self) -> u64 {
        if self.target == State::Merged { 2 } else { 1 }
    }
}

/// How many orders end in each state (pairs count two: the survivor closes).
pub fn quotas(n: u64) -> Vec<(State, u64)> {
    let min = u64::from(n >= 60);
    let mut out = Vec::new();
    let mut used = 0u64;
    for (s, share) in SHARES {
        let k = ((n as f64 * share).round() as u64).max(min);
        let orders = if *s == State::Merged { 2 * k } else { k };
        if used + orders > n {
            continue;
        }
        used += orders;
        out.push((*s, k));
    }
    out.push((State::Closed, n - used));
    out
}

/// Hour-of-day weights (Asia/Shanghai): quiet at night, busy mornings and evenings.
const HOURS: [u32; 24] = [
    1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 11, 9, 10, 11, 11, 10, 11, 13, 14, 12, 9, 5, 2,
];

/// A creation time between `min_age` and `max_age` ago, shaped by the hour.
fn shaped(rng: &mut ChaCha8Rng, now: i64, min_age: i64, max_age: i64) -> i64 {
    const ZONE: i64 = 8 * HOUR;
    let total: u32 = HOURS.iter().sum();
    for _ in 0..16 {
        let day_start = (now - rng.random_range(min_age..max_age) + ZONE) / DAY * DAY - ZONE;
        let mut pick = rng.random_range(0..total);
        let mut hour = 0;
        while pick >= HOURS[hour] {
            pick -= HOURS[hour];
            hour += 1;
        }
        let t = day_start + hour as i64 * HOUR + rng.random_range(0..HOUR);
        if (now - max_age..=now - min_age).contains(&t) {
            return t;
        }
    }
    now - rng.random_range(min_age..max_age)
}

/// When an order ending in `s` was created.
pub fn created_for(s: State, rng: &mut ChaCha8Rng, now: i64) -> i64 {
    let (lo, hi) = match s {
        State::Received => (2 * MINUTE, 6 * HOUR),
        State::Dispatched => (15 * MINUTE, 20 * HOUR),
        State::Accepted => (HOUR, 2 * DAY),
        State::InProgress => (2 * HOUR, 5 * DAY),
        State::OnHold => (DAY, 20 * DAY),
        State::Disputed => (2 * HOUR, 3 * DAY),
        State::AwaitingAcceptance => (3 * HOUR, 60 * HOUR),
        State::Resolved => return shaped(rng, now, DAY, 120 * DAY),
        _ => return shaped(rng, now, DAY, 365 * DAY),
    };
    now - rng.random_range(lo..hi)
}

/// The slots of a seed of `n` orders, oldest first.
pub fn plan(n: u64, now: i64, rng: &mut ChaCha8Rng) -> Vec<Slot> {
    let mut slots = Vec::new();
    for (s, k) in quotas(n) {
        for _ in 0..k {
            slots.push(Slot {
                created: created_for(s, rng, now),
                target: s,
            });
        }
    }
    slots.sort_by_key(|s| s.created);
    slots
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn quotas_add_up_and_cover_every_state() {
        for n in [60u64, 2_000, 10_000, 1_000_000] {
            let q = quotas(n);
            let total: u64 = q
                .iter()
                .map(|(s, k)| if *s == State::Merged { 2 * k } else { *k })
                .sum();
            assert_eq!(total, n);
            for s in State::ALL {
                assert!(q.iter().any(|(x, k)| *x == s && *k > 0), "{n}: {s:?}");
            }
            // Tiny seeds spend most of their orders on one of each state.
            let closed = q.iter().find(|(s, _)| *s == State::Closed).unwrap().1;
            if n >= 2_000 {
                assert!(closed * 10 > n * 7, "most orders are closed: {closed}/{n}");
            } else {
                assert!(closed * 2 > n, "most orders are closed: {closed}/{n}");
            }
        }
        let one: Vec<_> = quotas(1).into_iter().filter(|(_, k)| *k > 0).collect();
        assert_eq!(one, vec![(State::Closed, 1)]);
    }

    #[test]
    fn plans_are_sorted_within_the_year_and_open_orders_are_recent() {
        let now = 1_800_000_000_000;
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let p = plan(5_000, now, &mut rng);
        assert_eq!(p.iter().map(Slot::orders).sum::<u64>(), 5_000);
        assert!(p.windows(2).all(|w| w[0].created <= w[1].created));
        assert!(
            p.iter()
                .all(|s| s.created < now && s.created >= now - 365 * DAY)
        );
        for s in p.iter().filter(|s| s.target.is_open()) {
            assert!(s.created > now - 21 * DAY, "{s:?}");
        }
    }
}
