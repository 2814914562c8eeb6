//! Choosing the person (Request Tracker's filter-then-choose): the team's
//! members are filtered to those serving the order's community, on duty now
//! and under their capacity; the one with the least active load is chosen,
//! ties going to whoever waited longest since their last assignment.

use crate::directory::WorkingHours;
use crate::ids::{CommunityId, StaffId};
use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A team member as assignment sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub staff: StaffId,
    pub active: bool,
    pub communities: Vec<CommunityId>,
    pub hours: WorkingHours,
    /// Open orders assigned to them now.
    pub load: i64,
    pub last_assigned_at: Option<Timestamp>,
}

/// Why nobody was chosen (for the dispatcher's queue).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoOne {
    NoMembers,
    NoneServing,
    NoneOnDuty,
    AllAtCapacity,
}

pub fn choose(
    candidates: &[Candidate],
    community: CommunityId,
    now: Timestamp,
    tz: &TimeZone,
    capacity: i64,
) -> Result<StaffId, NoOne> {
    if candidates.is_empty() {
        return Err(NoOne::NoMembers);
    }
    let serving: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.active && c.communities.contains(&community))
        .collect();
    if serving.is_empty() {
        return Err(NoOne::NoneServing);
    }
    let z = now.to_zoned(tz.clone());
    let on_duty: Vec<&Candidate> = serving
        .into_iter()
        .filter(|c| c.hours.on_duty(z.weekday(), z.time()))
        .collect();
    if on_duty.is_empty() {
        return Err(NoOne::NoneOnDuty);
    }
    on_duty
        .into_iter()
        .filter(|c| c.load < capacity)
        .min_by(|a, b| {
            a.load
                .cmp(&b.load)
                .then(a.last_assigned_at.cmp(&b.last_assigned_at))
                .then(a.staff.cmp(&b.staff))
        })
        .map(|c| c.staff)
        .ok_or(NoOne::AllAtCapacity)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(TimeZone::get("Asia/Shanghai").unwrap())
            .unwrap()
            .timestamp()
    }

    fn cand(id: i64, load: i64, last: Option<&str>) -> Candidate {
        Candidate {
            staff: StaffId(id),
            active: true,
            communities: vec![CommunityId(1)],
            hours: WorkingHours::default(),
            load,
            last_assigned_at: last.map(at),
        }
    }

    #[test]
    fn least_load_then_longest_wait() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        let now = at("2026-11-27T10:00");
        let cs = vec![
            cand(1, 3, None),
            cand(2, 1, Some("2026-11-27T09:00")),
            cand(3, 1, Some("2026-11-27T08:00")),
        ];
        assert_eq!(choose(&cs, CommunityId(1), now, &tz, 8), Ok(StaffId(3)));
        let cs = vec![cand(1, 8, None), cand(2, 9, None)];
        assert_eq!(
            choose(&cs, CommunityId(1), now, &tz, 8),
            Err(NoOne::AllAtCapacity)
        );
        assert_eq!(
            choose(&[cand(1, 0, None)], CommunityId(2), now, &tz, 8),
            Err(NoOne::NoneServing)
        );
        // 22:00 is outside the default 08:00–18:00.
        assert_eq!(
            choose(
                &[cand(1, 0, None)],
                CommunityId(1),
                at("2026-11-27T22:00"),
                &tz,
                8
            ),
            Err(NoOne::NoneOnDuty)
        );
        let mut off = cand(4, 0, None);
        off.active = false;
        assert_eq!(
            choose(&[off], CommunityId(1), now, &tz, 8),
            Err(NoOne::NoneServing)
        );
        assert_eq!(
            choose(&[], CommunityId(1), now, &tz, 8),
            Err(NoOne::NoMembers)
        );
    }
}
