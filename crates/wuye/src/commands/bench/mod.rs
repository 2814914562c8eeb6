//! `wuye bench`: the standard workload (seed) and the load generator (run).
//! Figures and the commands that made them are in `BENCHMARKS.md`.

mod ceiling;
mod http;
mod load;
mod report;
mod run;
mod seed;
mod text;

pub use run::RunArgs;
pub use seed::SeedArgs;

use crate::cli::BenchCommand;
use crate::config::Config;
use std::process::ExitCode;

pub async fn run(config: &Config, cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchCommand::Seed(args) => seed::run(config, args).await,
        BenchCommand::Run(args) => run::run(config, args).await,
    }
}
