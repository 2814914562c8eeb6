//! Signed-in callers recently looked up, by the hash of their token.
//!
//! Every signed-in request needs its caller: the session, the account, the
//! roles and the scope, three statements that were half of the SQL of
//! reading one order (`wuye bench`, W3). A caller found here is used only
//! while no write transaction of this process has committed since it was
//! read (`wuye_store::write_generation`), so signing out, a disabled account
//! or a changed role take effect at the next request; and for at most
//! [`CALLER_TTL_MS`], which bounds how long a change made by another process
//! (the command line, a second server on the same PostgreSQL) goes unseen.

use std::collections::HashMap;
use std::sync::Mutex;
use wuye_domain::access::Actor;

/// How long a cached caller is trusted at most, by the application's clock.
pub const CALLER_TTL_MS: i64 = 1_000;

/// Entries kept at most; the cache starts over when full (a burst of
/// distinct sessions costs some misses, never unbounded memory).
const MAX_CALLERS: usize = 10_000;

struct Cached {
    actor: Actor,
    generation: u64,
    at_ms: i64,
}

#[derive(Default)]
pub struct CallerCache(Mutex<HashMap<String, Cached>>);

impl std::fmt::Debug for CallerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallerCache")
    }
}

impl CallerCache {
    /// The caller of `token_hash`, if it was read at `generation` (the
    /// current one) less than [`CALLER_TTL_MS`] before `now_ms`.
    pub fn get(&self, token_hash: &str, generation: u64, now_ms: i64) -> Option<Actor> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let c = map.get(token_hash)?;
        let fresh =
            c.generation == generation && now_ms >= c.at_ms && now_ms - c.at_ms < CALLER_TTL_MS;
        fresh.then(|| c.actor.clone())
    }

    /// Keeps a caller read at `generation` (taken before the read began).
    pub fn put(&self, token_hash: String, actor: Actor, generation: u64, now_ms: i64) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_CALLERS {
            map.clear();
        }
        map.insert(
            token_hash,
            Cached {
                actor,
                generation,
                at_ms: now_ms,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wuye_domain::access::Role;
    use wuye_domain::ids::{CompanyId, UserId};

    fn actor() -> Actor {
        Actor {
            user_id: UserId(7),
            company_id: CompanyId(1),
            display_name: "王师傅".into(),
            roles: vec![Role::Agent],
            staff_id: None,
            resident_id: None,
            communities: vec![],
            teams: vec![],
            lead_teams: vec![],
            homes: vec![],
        }
    }

    #[test]
    fn a_caller_holds_for_its_generation_and_time_only() {
        let cache = CallerCache::default();
        assert!(cache.get("t", 5, 1_000).is_none());
        cache.put("t".into(), actor(), 5, 1_000);
        assert_eq!(cache.get("t", 5, 1_000).unwrap().user_id, UserId(7));
        assert!(cache.get("t", 5, 1_000 + CALLER_TTL_MS - 1).is_some());
        // A write committed since: read again.
        assert!(cache.get("t", 6, 1_001).is_none());
        // Too old, or a clock that went back.
        assert!(cache.get("t", 5, 1_000 + CALLER_TTL_MS).is_none());
        assert!(cache.get("t", 5, 999).is_none());
        assert!(cache.get("other", 5, 1_000).is_none());
    }

    #[test]
    fn the_cache_starts_over_when_full() {
        let cache = CallerCache::default();
        for i in 0..MAX_CALLERS {
            cache.put(format!("t{i}"), actor(), 1, 0);
        }
        assert!(cache.get("t0", 1, 0).is_some());
        cache.put("new".into(), actor(), 1, 0);
        assert!(cache.get("t0", 1, 0).is_none());
        assert!(cache.get("new", 1, 0).is_some());
    }
}
