//! `wuye bench seed`: a realistic company with N orders over 12 months, in
//! every state, written at bulk speed (see `wuye_app::bench_seed`).

use crate::commands::say;
use crate::config::Config;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use wuye_app::bench_seed::{self, BENCH_PASSWORD, Progress, SeedOptions, SeedReport};
use wuye_store::db::redact_url;

#[derive(Args, Debug)]
#[command(
    after_help = "例 / example:\n  wuye --data-dir /tmp/bench bench seed --orders 1000000\n  \
                        DATABASE_URL=postgres://postgres@127.0.0.1/bench wuye bench seed --orders 10000"
)]
pub struct SeedArgs {
    /// 工单数量 / number of orders
    #[arg(long, default_value_t = 10_000)]
    pub orders: u64,
    /// 小区数量（每个约 20 栋楼、2–4 个单元、每单元约 30 户）/ number of communities
    /// (each about 20 buildings of 2–4 entrances of about 30 homes)
    #[arg(long, default_value_t = 20)]
    pub communities: u32,
    /// 随机种子：同样的种子生成同样的数据 / random seed: the same seed makes the same data
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

/// 1,234,567 (thousands separated).
fn grouped(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn megabytes(bytes: i64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_048_576.0)
}

fn summary(r: &SeedReport) -> String {
    let rate = |secs: f64| grouped((r.orders as f64 / secs.max(1e-9)).round() as u64);
    let states: Vec<String> = r
        .by_state
        .iter()
        .map(|(s, n)| format!("{s} {}", grouped(*n)))
        .collect();
    format!(
        "基准数据已生成（{b}）：{o} 张工单、{e} 条时间线事件（共 {rows} 行），{c} 个小区、{h} 户房屋、{res} 位住户、{st} 名员工；\
         用时 {t:.1} 秒（每秒 {rate} 张工单；批量写入 {lt:.1} 秒，每秒 {lrate} 张）；数据库 {size}\n\
         Bench data seeded ({b}): {o} orders, {e} timeline events ({rows} rows), {c} communities, {h} homes, {res} residents, {st} staff; \
         {t:.1} s ({rate} orders/s; bulk load {lt:.1} s, {lrate} orders/s); database {size}\n\
         状态 / states: {states}\n\
         写入方式 / durability: {relaxed}\n\
         账号（密码均为 {pw}）/ accounts (password {pw} for all): bench-admin（管理员 admin）、\
         bench-a1…bench-a{na}（客服 agents）、bench-t1…bench-t{nt}（维修工 technicians）、bench-r1…bench-r{nr}（业主 residents）",
        b = r.backend,
        o = grouped(r.orders),
        e = grouped(r.events),
        rows = grouped(r.rows),
        c = r.communities,
        h = grouped(r.homes as u64),
        res = grouped(r.residents as u64),
        st = r.staff,
        t = r.seconds,
        rate = rate(r.seconds),
        lt = r.load_seconds,
        lrate = rate(r.load_seconds),
        size = megabytes(r.database_bytes),
        states = states.join("，"),
        relaxed = r.relaxed,
        pw = BENCH_PASSWORD,
        na = bench_seed::BENCH_AGENTS,
        nt = bench_seed::BENCH_TECHS,
        nr = bench_seed::BENCH_RESIDENTS,
    )
}

pub async fn run(config: &Config, args: SeedArgs) -> anyhow::Result<ExitCode> {
    if !(1..=100_000_000).contains(&args.orders) {
        anyhow::bail!("工单数量应在 1 到 1 亿之间 / --orders must be 1 to 100,000,000");
    }
    if !(1..=500).contains(&args.communities) {
        anyhow::bail!("小区数量应在 1 到 500 之间 / --communities must be 1 to 500");
    }
    let url = config.database_url()?;
    eprintln!(
        "生成基准数据 / seeding {} orders into {}",
        args.orders,
        redact_url(&url)
    );
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::new(args.orders);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:36} {pos}/{len} 工单 orders · {per_sec} · 剩余 ETA {eta} {msg}",
        )
        .expect("a valid progress template"),
    );
    bar.set_message("准备公司与住户 / preparing the company");
    let ticker = {
        let (bar, progress) = (bar.clone(), progress.clone());
        tokio::spawn(async move {
            loop {
                let n = progress.written.load(Ordering::Relaxed);
                if n > 0 {
                    bar.set_message("");
                }
                bar.set_position(n);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let now = jiff::Timestamp::now().as_millisecond();
    let result = bench_seed::seed(
        &url,
        config.app_config(),
        SeedOptions {
            orders: args.orders,
            communities: args.communities,
            seed: args.seed,
        },
        now,
        progress.clone(),
    )
    .await;
    ticker.abort();
    bar.set_position(progress.written.load(Ordering::Relaxed));
    bar.finish_and_clear();
    let report = result.map_err(|e| say(&e))?;
    println!("{}", summary(&report));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(megabytes(3 * 1_048_576), "3.0 MB");
    }
}
