//! Password hashes: argon2id at 7 MiB, 5 passes, one lane, computed off the
//! async runtime in working memory that is kept and reused.
//!
//! Why these parameters: OWASP's password storage guidance lists settings of
//! equal strength for argon2id (19 MiB × 2 passes, 12 × 3, 9 × 4, 7 × 5) and
//! this is the one with the least memory, at about the same CPU time as the
//! crate's default (19 MiB × 2, which wuye used before). The server keeps one
//! working memory per core, so memory is what it pays for every core.
//! Hashes stored with other parameters still verify, and are replaced at
//! the next successful sign-in ([`needs_rehash`]).
//!
//! Why the memory is kept: so that what sign-ins cost is bounded by the
//! code, not by what the allocator keeps of freed blocks. At most
//! [`HASHING`] hashes run at once, so at most that many buffers are ever
//! made, and each is used again by the next hash. Measured on a fresh
//! server, 32 sign-ins at once: +43 MB resident with 19 MiB allocated per
//! hash, +20 MB now (BENCHMARKS.md, the midday build).

use crate::error::AppError;
use argon2::password_hash::{self, Output, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{LazyLock, Mutex};

/// At most this many argon2 computations at once. Each takes 7 MiB and a
/// core for tens of milliseconds; a flood of sign-ins would starve
/// everything else. Waiting sign-ins queue.
static HASHING: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::sync::Semaphore::new(cores)
});

/// A hash of nothing in particular with today's parameters, verified against
/// when a sign-in names no account, so that "no such user" takes as long as
/// "wrong password".
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=7168,t=5,p=1$c29tZXNhbHRzb21lc2FsdA$3ViaRdJ6+SsmkxGZlDGudGLDUgVg+vmwT3lXX5spP7s";

/// argon2id, 7 MiB, 5 passes, 1 lane, 32-byte output.
fn params() -> Params {
    Params::new(7 * 1024, 5, 1, Some(Params::DEFAULT_OUTPUT_LEN)).expect("valid argon2 parameters")
}

fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// The working memories not in use right now (one per permit at most).
static IDLE_BLOCKS: Mutex<Vec<Vec<Block>>> = Mutex::new(Vec::new());

/// Runs `f` on `n` blocks of working memory: a kept buffer when `n` is the
/// size of [`params`], else a buffer for this call only (a hash stored with other
/// parameters must not leave a buffer of its size behind).
fn with_blocks<T>(n: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    if n != params().block_count() {
        return f(&mut vec![Block::default(); n]);
    }
    let kept = IDLE_BLOCKS.lock().unwrap_or_else(|e| e.into_inner()).pop();
    let mut blocks = kept.unwrap_or_else(|| vec![Block::default(); n]);
    let out = f(&mut blocks);
    IDLE_BLOCKS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(blocks);
    out
}

/// What `PasswordHasher::hash_password` computes, in kept working memory.
fn hash_with_salt(password: &[u8], salt: Salt<'_>) -> password_hash::Result<String> {
    let argon = hasher();
    let params = argon.params().clone();
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    with_blocks(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password, salt_bytes, &mut out, blocks)
    })?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: (&params).try_into()?,
        salt: Some(salt),
        hash: Some(Output::new(&out)?),
    };
    Ok(hash.to_string())
}

/// Whether `password` gives the stored PHC hash (any argon2 variant and
/// parameters it names); the outputs are compared in constant time.
fn matches(password: &[u8], stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) =
        (Algorithm::try_from(hash.algorithm), Params::try_from(&hash))
    else {
        return false;
    };
    let version = match hash.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut out = vec![0u8; expected.len()];
    with_blocks(params.block_count(), |blocks| {
        argon.hash_password_into_with_memory(password, salt_bytes, &mut out, blocks)
    })
    .is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
}

/// Whether a stored hash was made with other parameters than today's, so
/// that a successful sign-in should store a new one.
pub fn needs_rehash(stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return true;
    };
    let current = params();
    hash.algorithm != Algorithm::Argon2id.ident()
        || hash.version != Some(Version::V0x13.into())
        || Params::try_from(&hash).map_or(true, |p| {
            (p.m_cost(), p.t_cost(), p.p_cost())
                != (current.m_cost(), current.t_cost(), current.p_cost())
        })
}

/// Hashes a new password (a fresh random salt) as a PHC string.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let pw = password.to_string();
    let _permit = HASHING.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut password_hash::rand_core::OsRng);
        hash_with_salt(pw.as_bytes(), salt.as_salt()).map_err(AppError::internal)
    })
    .await
    .map_err(AppError::internal)?
}

/// Whether `password` matches the stored hash; false for a hash that cannot
/// be read.
pub async fn verify_password(password: &str, hash: &str) -> bool {
    let (pw, hash) = (password.to_string(), hash.to_string());
    let Ok(_permit) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || matches(pw.as_bytes(), &hash))
        .await
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn hashes_are_the_crates_own() {
        let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").unwrap();
        let ours = hash_with_salt(b"bench2026", salt.as_salt()).unwrap();
        let crates = hasher()
            .hash_password(b"bench2026", &salt)
            .unwrap()
            .to_string();
        assert_eq!(ours, crates);
        assert!(ours.starts_with("$argon2id$v=19$m=7168,t=5,p=1$"), "{ours}");
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(hasher().verify_password(b"bench2026", &parsed).is_ok());
        assert!(!needs_rehash(&ours));
    }

    #[test]
    fn the_dummy_hash_has_todays_parameters() {
        let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").unwrap();
        let made = hash_with_salt(b"wuye-no-such-account", salt.as_salt()).unwrap();
        assert_eq!(made, DUMMY_HASH);
        assert!(!needs_rehash(DUMMY_HASH));
        assert!(!matches(b"", DUMMY_HASH));
    }

    #[test]
    fn hashes_of_the_old_default_verify_and_want_replacing() {
        let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").unwrap();
        let old = Argon2::default()
            .hash_password(b"bench2026", &salt)
            .unwrap()
            .to_string();
        assert!(old.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(matches(b"bench2026", &old));
        assert!(!matches(b"bench2027", &old));
        assert!(needs_rehash(&old));
        assert!(needs_rehash("not a hash"));
    }

    #[test]
    fn verification_accepts_the_password_and_nothing_else() {
        let salt = SaltString::from_b64("YW5vdGhlcnNhbHR2YWx1ZQ").unwrap();
        let stored = hasher()
            .hash_password("门禁卡 8 位".as_bytes(), &salt)
            .unwrap()
            .to_string();
        // Twice: the second call runs in the kept working memory.
        assert!(matches("门禁卡 8 位".as_bytes(), &stored));
        assert!(matches("门禁卡 8 位".as_bytes(), &stored));
        assert!(!matches("门禁卡 8 位 ".as_bytes(), &stored));
        assert!(!matches(b"", &stored));
        assert!(!matches(b"x", "not a hash"));
        assert!(!matches(b"x", "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ"));
    }

    #[test]
    fn hashes_with_other_parameters_are_verified_too() {
        let params = Params::new(1024, 1, 1, None).unwrap();
        let argon = Argon2::new(Algorithm::Argon2i, Version::V0x10, params);
        let salt = SaltString::from_b64("c29tZXNhbHRzb21lc2FsdA").unwrap();
        let stored = argon.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(stored.starts_with("$argon2i$v=16$m=1024"));
        assert!(matches(b"pw", &stored));
        assert!(!matches(b"pW", &stored));
    }
}
