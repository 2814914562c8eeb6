//! `wuye` — the property service desk in one binary.

mod cli;
mod commands;
mod config;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: under `wuye bench run` the read
/// workloads spent about a fifth of the server's CPU in glibc's malloc, free
/// and consolidation (database rows become owned values, then JSON).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_arena_eager_commit` in mimalloc's `mi_option_e` (the same
/// number in its v2 and v3 headers, `include/mimalloc.h`; the Rust bindings
/// have no constant for it).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;

/// mimalloc's arenas are committed lazily instead of all at once. By
/// default on Linux mimalloc commits its 1 GiB arena up front, and then
/// frees memory by resetting it, which Linux may leave counted as resident;
/// committed lazily, freed memory is decommitted. Whole `wuye bench run`
/// at 10,000 orders, three alternated runs each: peak RSS 193–202 MB →
/// 172–183 MB at the same throughput (BENCHMARKS.md, the midday build of
/// 2026-11-28). The environment
/// variable `MIMALLOC_ARENA_EAGER_COMMIT` still decides when it is set.
///
/// It runs before main because the option counts only when the arena is
/// reserved, at the first allocation, and the standard library allocates
/// before main: set at the top of main, it changed nothing.
#[ctor::ctor(unsafe)]
fn configure_allocator() {
    if std::env::var_os("MIMALLOC_ARENA_EAGER_COMMIT").is_none() {
        // SAFETY: sets one integer option of the allocator, single-threaded
        // (before main).
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) };
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误 / error: {e:#}");
            ExitCode::from(1)
        }
    }
}
