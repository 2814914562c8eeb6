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
