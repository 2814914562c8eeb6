//! The command line: what each command does, in Chinese and English.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "wuye",
    version,
    about = "wuye 物业客服平台：报修、投诉、派单、SLA 与回访 / a service desk for property-management companies",
    long_about = "wuye 物业客服平台：业主报修与投诉，智能派单，SLA 计时，跟进、验收与回访。\n\
                  wuye: residents report repairs and complaints; the desk dispatches them, keeps SLA clocks \
                  and follows up until the resident has accepted and rated the job.\n\n\
                  快速开始 / quick start:  wuye serve --demo\n\n\
                  配置 / configuration: defaults → wuye.toml → WUYE_* environment variables → flags.\n\
                  数据库 / database: SQLite at <data-dir>/wuye.db, or PostgreSQL when DATABASE_URL=postgres://…"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct GlobalArgs {
    /// 配置文件 / config file (default: ./wuye.toml when it exists)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// 数据目录（SQLite 数据库与照片）/ data directory (SQLite database, photos)
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// 数据库地址，优先于数据目录 / database URL, overrides the data directory
    /// (sqlite:PATH or postgres://USER@HOST/DB)
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// 启动服务 / start the server
    Serve(ServeArgs),
    /// 升级数据库结构（serve 时也会自动执行）/ apply database migrations (serve does it too)
    Migrate,
    /// 向空数据库载入演示数据 / load the demo property into an empty database
    Demo,
    /// 管理登录账号 / manage sign-in accounts
    #[command(subcommand)]
    User(UserCommand),
    /// 从 CSV 导入房屋或住户（UTF-8 或 GBK；全部成功或全部不导入）/ import homes or residents from CSV (all or nothing)
    #[command(subcommand)]
    Import(ImportCommand),
    /// 备份数据库（服务运行中也可执行）/ back up the database (safe while serving)
    Backup(BackupArgs),
    /// 智能分类：判断报事的类别、紧急程度和类型；评估与训练模型（无需数据库）/ smart dispatch:
    /// category, urgency and kind of a message; evaluate and train models (no database needed)
    Classify(ClassifyArgs),
    /// 性能基准：生成大量工单、对运行中的服务施压 / benchmarks: seed a large database, load-test a running server
    #[command(subcommand)]
    Bench(BenchCommand),
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// 生成一个真实规模的物业公司和 N 张跨 12 个月的工单 / fill the database with a realistic company and N orders over 12 months
    Seed(crate::commands::bench::SeedArgs),
    /// 对本机运行中的服务施加负载并报告吞吐与延迟 / load-test a server on this machine and report throughput and latency
    Run(crate::commands::bench::RunArgs),
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// 监听地址 / address to listen on
    #[arg(long, value_name = "HOST:PORT")]
    pub addr: Option<String>,
    /// 数据库为空时载入演示数据，并打印演示账号 / load the demo property into an empty database and print the demo sign-ins
    #[arg(long)]
    pub demo: bool,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// 新建员工及其登录账号（首次安装时创建公司和管理员）/ create a staff member with an account (on a fresh install: the company and its first admin)
    Create(UserCreateArgs),
    /// 重置账号密码，并让其所有会话下线 / set a new password for an account and sign it out everywhere
    ResetPassword(ResetPasswordArgs),
}

#[derive(Args, Debug)]
pub struct UserCreateArgs {
    /// 登录用户名 / sign-in name
    #[arg(long)]
    pub username: String,
    /// 姓名 / full name
    #[arg(long)]
    pub name: String,
    /// 手机号 / phone number
    #[arg(long)]
    pub phone: String,
    /// 角色，可多次给出 / role, may repeat: admin, manager, supervisor, agent, technician, vendor
    #[arg(long = "role", required = true)]
    pub roles: Vec<String>,
    /// 服务的小区 id，可多次给出 / community id served, may repeat
    #[arg(long = "community")]
    pub communities: Vec<i64>,
    /// 公司名称（仅首次安装时使用）/ company name (used on a fresh install only)
    #[arg(long, default_value = "我的物业公司")]
    pub company: String,
    /// 密码；不给出时从 WUYE_NEW_PASSWORD 或终端读取 / password; else from WUYE_NEW_PASSWORD or a terminal prompt
    #[arg(long)]
    pub password: Option<String>,
}

#[derive(Args, Debug)]
pub struct ResetPasswordArgs {
    /// 用户名或手机号 / username or phone number
    #[arg(long)]
    pub login: String,
    /// 新密码；不给出时从 WUYE_NEW_PASSWORD 或终端读取 / new password; else from WUYE_NEW_PASSWORD or a prompt
    #[arg(long)]
    pub password: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// 导入楼栋与房屋。列：小区,楼栋,单元,房号,楼层,面积 / import homes: community,building,entrance,number,floor,area
    Homes {
        /// CSV 文件 / CSV file
        file: PathBuf,
    },
    /// 导入住户。列：姓名,手机号,小区,楼栋,单元,房号,关系 / import residents: name,phone,community,building,entrance,number,relation
    Residents {
        /// CSV 文件 / CSV file
        file: PathBuf,
    },
}

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// 备份文件（不能已存在）/ backup file (must not exist yet)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Args, Debug)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "例 / examples:\n  wuye classify \"3栋电梯困人了\"\n  wuye classify eval --data data/dispatch/test.csv\n  \
                  wuye classify train --data my_history.csv --out my.model\n  wuye classify cv --data my_history.csv --folds 5"
)]
pub struct ClassifyArgs {
    /// 要分类的文字 / the message to classify
    pub text: Option<String>,
    /// 使用训练好的模型文件，而不是内置模型 / use a trained model file instead of the bundled one
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// 使用自己的紧急规则文件（TOML）/ use your own emergency rules file (TOML)
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// 输出 JSON / print JSON
    #[arg(long)]
    pub json: bool,
    #[command(subcommand)]
    pub cmd: Option<ClassifyCommand>,
}

#[derive(Subcommand, Debug)]
pub enum ClassifyCommand {
    /// 在带标签的 CSV 上评估模型 / evaluate a model on a labelled CSV
    #[command(
        long_about = "在带标签的 CSV 上评估模型：准确率、前二准确率、宏平均 F1、各类精确率/召回率、\
紧急召回率与精确率、类型准确率、速度。\n\
Evaluate a model on a labelled CSV (UTF-8, header text,category,urgency,kind; urgency and kind are optional; \
or text,label for a model trained on your own labels): accuracy, top-2 accuracy, macro-F1, per-category \
precision/recall, emergency recall and precision, kind accuracy, texts per second."
    )]
    Eval(ClassifyEvalArgs),
    /// 用带标签的 CSV 训练模型（任意标签集）/ train a model from a labelled CSV (any label set)
    #[command(long_about = "用带标签的 CSV 训练模型。\n\
Train a model from a labelled CSV, UTF-8 with a header row. The label column is `category` (checked \
against the 16 default codes of DISPATCH.md) or `label` (any labels: your own categories, or another \
domain altogether). With `urgency` and `kind` columns too and no --labels, the full three-head dispatch \
classifier is trained; otherwise one model for the chosen column.\n\
列：text 加 category（默认 16 个类别代码）或 label（任意标签）；同时有 urgency 和 kind 列且未给 --labels 时训练完整的三头分类器。")]
    Train(ClassifyTrainArgs),
    /// k 折交叉验证（任意标签集）/ k-fold cross-validation on a labelled CSV (any label set)
    Cv(ClassifyCvArgs),
    /// 用内置语料加上调度员的纠正重新训练，并启用新版本（需要数据库）/ retrain on the bundled corpus plus the dispatchers' corrections and put the new version in use (needs the database)
    Retrain,
}

#[derive(Args, Debug)]
pub struct ClassifyEvalArgs {
    /// 带标签的 CSV 文件 / labelled CSV file
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// 模型文件（默认内置模型）/ model file (default: the bundled model)
    #[arg(long, value_name = "PATH")]
    pub model: Option<PathBuf>,
    /// 紧急规则文件（默认内置规则）/ emergency rules file (default: the bundled rules)
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// 输出一个 JSON 对象 / print one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct ClassifyTrainArgs {
    /// 带标签的 CSV 文件：text 加 category 或 label 列 / labelled CSV: text plus a category or label column
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// 输出的模型文件 / the model file to write
    #[arg(long, value_name = "MODEL")]
    pub out: PathBuf,
    /// 训练哪一列（category 也接受 label 列）/ the column to learn (category also means a `label` column)
    #[arg(long, value_parser = ["category", "label", "kind", "urgency"])]
    pub labels: Option<String>,
    /// 每个模型最多训练的遍数（默认：支持向量机 30 遍；软最大回归 120 轮）/ at most this many passes over the data per head (default: 30 for the SVM heads, 120 epochs for a softmax one)
    #[arg(long)]
    pub epochs: Option<u32>,
    /// 随机种子（相同数据与种子得到相同模型）/ seed (same data and seed, same model)
    #[arg(long)]
    pub seed: Option<u64>,
}

#[derive(Args, Debug)]
pub struct ClassifyCvArgs {
    /// 带标签的 CSV 文件 / labelled CSV file
    #[arg(long, value_name = "FILE.csv")]
    pub data: PathBuf,
    /// 折数 / number of folds
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// 评估哪一列（category 也接受 label 列）/ the column to learn (category also means a `label` column)
    #[arg(long, value_parser = ["category", "label", "kind", "urgency"])]
    pub labels: Option<String>,
    /// 每个模型最多训练的遍数（默认：支持向量机 30 遍；软最大回归 120 轮）/ at most this many passes over the data per head (default: 30 for the SVM heads, 120 epochs for a softmax one)
    #[arg(long)]
    pub epochs: Option<u32>,
    /// 随机种子 / seed
    #[arg(long)]
    pub seed: Option<u64>,
    /// 紧急规则文件（默认内置规则）/ emergency rules file (default: the bundled rules)
    #[arg(long, value_name = "FILE")]
    pub rules: Option<PathBuf>,
    /// 输出一个 JSON 对象 / print one JSON object
    #[arg(long)]
    pub json: bool,
}
