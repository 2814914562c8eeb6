//! Administrative commands: demo, user, import, backup.

use super::{open, say};
use crate::cli::{BackupArgs, ImportCommand, UserCommand, UserCreateArgs};
use crate::config::Config;
use anyhow::Context;
use std::process::ExitCode;
use wuye_app::accounts::{AccountHolder, AccountInput, system_actor};
use wuye_app::directory::staff::StaffInput;
use wuye_domain::ids::UserId;

pub async fn demo(config: &Config) -> anyhow::Result<ExitCode> {
    let app = open(config).await?;
    let s = app
        .load_demo(&|step| eprintln!("  {step}"))
        .await
        .map_err(|e| say(&e))?;
    println!(
        "演示数据已载入 / demo loaded: {} 个小区, {} 户房屋, {} 位住户, {} 名员工, {} 个班组, {} 张历史工单",
        s.communities, s.homes, s.residents, s.staff, s.teams, s.orders
    );
    Ok(ExitCode::SUCCESS)
}

fn read_password(given: Option<String>) -> anyhow::Result<String> {
    if let Some(p) = given {
        return Ok(p);
    }
    if let Ok(p) = std::env::var("WUYE_NEW_PASSWORD")
        && !p.is_empty()
    {
        return Ok(p);
    }
    let p = rpassword::prompt_password("密码 / password: ")
        .context("无法读取密码 / cannot read the password")?;
    let again = rpassword::prompt_password("再输一次 / again: ")
        .context("无法读取密码 / cannot read the password")?;
    if p != again {
        anyhow::bail!("两次输入的密码不一致 / the passwords differ");
    }
    Ok(p)
}

pub async fn user(config: &Config, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let app = open(config).await?;
    match cmd {
        UserCommand::Create(args) => create_user(&app, args).await,
        UserCommand::ResetPassword(args) => {
            let password = read_password(args.password)?;
            let actor = app.system_actor().await.map_err(|e| say(&e))?;
            let mut c = app.db.read().await.map_err(|e| anyhow::anyhow!(e))?;
            let login = args.login.trim().to_lowercase();
            let Some(u) = wuye_store::accounts::find_user_by_login(&mut c, &login).await? else {
                anyhow::bail!("找不到账号 / no such account: {login}");
            };
            drop(c);
            app.reset_password(&actor, UserId(u.id), &password)
                .await
                .map_err(|e| say(&e))?;
            println!(
                "密码已重置，该账号已在所有设备下线 / password reset; the account is signed out everywhere"
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn create_user(app: &wuye_app::App, args: UserCreateArgs) -> anyhow::Result<ExitCode> {
    let password = read_password(args.password.clone())?;
    // Check the password before creating anything.
    wuye_domain::values::NewPassword::parse(&password)
        .map_err(|e| anyhow::anyhow!("{} / {}", e.zh, e.en))?;
    let company = {
        let mut c = app.db.read().await.map_err(|e| anyhow::anyhow!(e))?;
        wuye_store::directory::first_company(&mut c).await?
    };
    let company = match company {
        Some((id, _)) => id,
        None => {
            let mut tx = app.db.begin().await.map_err(|e| anyhow::anyhow!(e))?;
            let id =
                wuye_store::directory::insert_company(&mut tx, args.company.trim(), app.now_ms())
                    .await?;
            tx.commit().await?;
            println!("已创建公司 / created the company: {}", args.company.trim());
            id
        }
    };
    let actor = system_actor(company);
    let staff = app
        .create_staff(
            &actor,
            &StaffInput {
                name: args.name,
                phone: args.phone,
                roles: args.roles,
                community_ids: args.communities,
                working_hours: None,
                account: None,
            },
        )
        .await
        .map_err(|e| say(&e))?;
    let created = app
        .create_account(
            &actor,
            AccountHolder::Staff(staff.id),
            &AccountInput {
                username: Some(args.username.clone()),
                password,
            },
        )
        .await;
    if let Err(e) = created {
        // Leave no staff record without the account that was asked for.
        let _ = app.deactivate_staff(&actor, staff.id).await;
        return Err(say(&e));
    }
    println!(
        "已创建账号 / account created: {} ({})",
        args.username, staff.name
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn import(config: &Config, cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let app = open(config).await?;
    let actor = app.system_actor().await.map_err(|e| say(&e))?;
    let (file, homes) = match &cmd {
        ImportCommand::Homes { file } => (file, true),
        ImportCommand::Residents { file } => (file, false),
    };
    let bytes = std::fs::read(file)
        .with_context(|| format!("无法读取文件 / cannot read {}", file.display()))?;
    eprintln!(
        "正在校验 / checking {} ({} KB) …",
        file.display(),
        bytes.len() / 1024
    );
    let report = if homes {
        app.import_homes(&actor, &bytes).await
    } else {
        app.import_residents(&actor, &bytes).await
    }
    .map_err(|e| say(&e))?;
    if report.imported {
        println!(
            "导入完成 / imported ({}): {} 行 rows; 新建 created: {} 楼栋 buildings, {} 单元 entrances, {} 房屋 homes, {} 住户 residents; {} 个房屋关联 home links",
            report.encoding,
            report.rows,
            report.created_buildings,
            report.created_entrances,
            report.created_homes,
            report.created_residents,
            report.linked_homes
        );
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "发现 {} 处错误，未导入任何数据 / {} problems; nothing was imported:",
        report.errors.len(),
        report.errors.len()
    );
    for e in &report.errors {
        eprintln!(
            "  第 {} 行 line {}  [{}] {} / {}",
            e.line, e.line, e.column, e.message_zh, e.message_en
        );
    }
    Ok(ExitCode::from(1))
}

pub async fn backup(config: &Config, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let app = open(config).await?;
    let url = config.database_url()?;
    app.backup(&args.out, &url).await.map_err(|e| say(&e))?;
    let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
    println!(
        "备份完成 / backup written: {} ({} KB)",
        args.out.display(),
        size / 1024
    );
    Ok(ExitCode::SUCCESS)
}

/// `wuye classify retrain`: a new model version for every company.
pub async fn retrain(config: &Config) -> anyhow::Result<ExitCode> {
    let app = open(config).await?;
    let companies = {
        let mut c = app.db.read().await.map_err(|e| anyhow::anyhow!(e))?;
        wuye_store::directory::companies(&mut c).await?
    };
    if companies.is_empty() {
        anyhow::bail!("数据库里还没有公司 / the database has no company yet");
    }
    for company in companies {
        eprintln!("正在训练 / training (company {company}) …");
        let v = app.retrain(company).await.map_err(|e| say(&e))?;
        println!(
            "新模型 / new model v{}: {} 条纠正样本 corrections; 测试集 test accuracy {}, emergency recall {}",
            v.id, v.examples, v.metrics["accuracy"], v.metrics["emergency_recall"]
        );
    }
    Ok(ExitCode::SUCCESS)
}
