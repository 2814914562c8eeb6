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
