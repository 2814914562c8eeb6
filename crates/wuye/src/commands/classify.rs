//! `wuye classify`: the smart-dispatch classifier on the command line
//! (`shared/docs/DISPATCH.md`): classify a message, evaluate, train and
//! cross-validate models. Needs no configuration and no database.

use crate::cli::{
    ClassifyArgs, ClassifyCommand, ClassifyCvArgs, ClassifyEvalArgs, ClassifyTrainArgs,
};
use anyhow::{Context, anyhow};
use serde::Serialize;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;
use wuye_domain::category::Category;
use wuye_domain::directory::teams::default_team_for;
use wuye_domain::dispatch::{
    Classifier, CvProgress, Dataset, Model, Prediction, Report, Target, TrainOptions,
    TrainProgress, UrgencyRules, cross_validate, evaluate,
};

pub fn run(args: ClassifyArgs) -> anyhow::Result<ExitCode> {
    match args.cmd {
        Some(ClassifyCommand::Eval(a)) => eval(a),
        Some(ClassifyCommand::Train(a)) => train(a),
        Some(ClassifyCommand::Cv(a)) => cv(a),
        Some(ClassifyCommand::Retrain) => {
            unreachable!("handled with the database in commands::run")
        }
        None => match &args.text {
            Some(text) => classify(text, &args),
            None => Err(anyhow!(
                "请给出要分类的文字，或使用 eval / train / cv 子命令（wuye classify --help）/ \
                 give a message to classify, or use the eval / train / cv subcommands (wuye classify --help)"
            )),
        },
    }
}

/// Writes to stdout, ignoring a closed pipe (`wuye classify … | head`).
macro_rules! say_out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// A domain error as one bilingual line.
fn say(e: wuye_domain::Error) -> anyhow::Error {
    anyhow!("{} / {} [{}]", e.zh, e.en, e.code)
}

fn urgency_zh(code: &str) -> &str {
    match code {
        "emergency" => "紧急",
        "urgent" => "加急",
        "normal" => "一般",
        other => other,
    }
}

fn kind_zh(code: &str) -> &str {
    match code {
        "repair" => "报修",
        "complaint" => "投诉",
        "consultation" => "咨询",
        "suggestion" => "建议",
        "praise" => "表扬",
        other => other,
    }
}

/// The Chinese name of a default category code (empty for other labels).
fn category_zh(code: &str) -> &'static str {
    Category::ALL
        .into_iter()
        .find(|c| c.code() == code)
        .map_or("", Category::label_zh)
}

fn read_bytes(path: &Path, what_zh: &str, what_en: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| {
        format!(
            "无法读取{what_zh} {} / cannot read the {what_en} {}",
            path.display(),
            path.display()
        )
    })
}

/// Reads a CSV file as text: UTF-8 (with or without BOM); a GBK file is
/// refused with the command that converts it.
fn read_csv(path: &Path) -> anyhow::Result<Dataset> {
    let bytes = read_bytes(path, "数据文件", "data file")?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(_) => {
            let gbk = encoding_rs::GBK
                .decode_without_bom_handling_and_without_replacement(&bytes)
                .is_some();
            let p = path.display();
            return Err(if gbk {
                anyhow!(
                    "{p} 是 GBK 编码（Excel 默认的“CSV”格式），请转换为 UTF-8：iconv -f GBK -t UTF-8 {p} > utf8.csv，\
                     或在 Excel 中另存为“CSV UTF-8” / {p} is GBK-encoded (Excel's default CSV); convert it to UTF-8: \
                     iconv -f GBK -t UTF-8 {p} > utf8.csv, or save it from Excel as “CSV UTF-8” [csv_gbk]"
                )
            } else {
                anyhow!(
                    "{p} 不是 UTF-8 文本，请另存为 UTF-8 编码的 CSV / {p} is not UTF-8 text; save it as a UTF-8 CSV [csv_not_utf8]"
                )
            });
        }
    };
    Dataset::from_csv(text).map_err(|e| {
        anyhow!(
            "{}：{} / {}: {} [{}]",
            path.display(),
            e.zh,
            path.display(),
            e.en,
            e.code
        )
    })
}

fn read_rules(path: Option<&Path>) -> anyhow::Result<UrgencyRules> {
    match path {
        None => Ok(UrgencyRules::bundled()),
        Some(p) => {
            let bytes = read_bytes(p, "规则文件", "rules file")?;
            let text = String::from_utf8(bytes).map_err(|_| {
                anyhow!(
                    "规则文件不是 UTF-8 文本 / the rules file is not UTF-8 text [rules_invalid]"
                )
            })?;
            UrgencyRules::parse(&text).map_err(say)
        }
    }
}

fn read_model(path: Option<&Path>, rules: UrgencyRules) -> anyhow::Result<Model> {
    Ok(match path {
        None => Model::Classifier(Box::new(Classifier::bundled().clone())),
        Some(p) => {
            let bytes = read_bytes(p, "模型文件", "model file")?;
            Model::from_bytes(&bytes).map_err(|e| anyhow!("{}: {}", p.display(), say(e)))?
        }
    }
    .with_rules(rules))
}

#[derive(Serialize)]
struct ClassifyJson<'a> {
    #[serde(flatten)]
    prediction: &'a Prediction,
    team: Option<&'static str>,
}

fn pct(x: f32) -> String {
    format!("{:.1}%", x * 100.0)
}

fn classify(text: &str, args: &ClassifyArgs) -> anyhow::Result<ExitCode> {
    let rules = read_rules(args.rules.as_deref())?;
    let model = read_model(args.model.as_deref(), rules)?;
    let c = match model {
        Model::Classifier(c) => c,
        Model::Head(h) => {
            wuye_domain::dispatch::validate(text).map_err(say)?;
            let p = h.model.predict_text(text);
            let mut idx: Vec<usize> = (0..p.len()).collect();
            idx.sort_by(|&a, &b| p[b].total_cmp(&p[a]));
            if args.json {
                let top: Vec<_> = idx
                    .iter()
                    .take(3)
                    .map(|&i| serde_json::json!({"label": h.model.labels()[i], "confidence": p[i]}))
                    .collect();
                say_out!(
                    "{}",
                    serde_json::json!({"target": h.target.code(), "top3": top})
                );
            } else {
                say_out!(
                    "{}（{}）/ {} ({}):",
                    h.target.code(),
                    "前三",
                    h.target.code(),
                    "top 3"
                );
                for &i in idx.iter().take(3) {
                    say_out!("  {:<24} {}", h.model.labels()[i], pct(p[i]));
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
    };
    let p = c.classify(text).map_err(say)?;
    let team = Category::parse(&p.category.label)
        .ok()
        .map(|cat| default_team_for(cat).name);
    if args.json {
        say_out!(
            "{}",
            serde_json::to_string_pretty(&ClassifyJson {
                prediction: &p,
                team
            })?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let others: Vec<String> = p
        .category_top3
        .iter()
        .skip(1)
        .map(|s| {
            format!(
                "{} {} {}",
                category_zh(&s.label),
                s.label,
                pct(s.confidence)
            )
        })
        .collect();
    say_out!(
        "类别 category:   {} {}  {}    其次 next: {}",
        category_zh(&p.category.label),
        p.category.label,
        pct(p.category.confidence),
        others.join("，")
    );
    let rule = match &p.urgency_rule {
        Some(name) => match c.rules().rule(name) {
            Some(r) => format!("    规则 rule: {} / {} ({name})", r.zh, r.en),
            None => format!("    规则 rule: {name}"),
        },
        None => String::new(),
    };
    say_out!(
        "紧急 urgency:    {} {}  {}{rule}",
        urgency_zh(&p.urgency.label),
        p.urgency.label,
        pct(p.urgency.confidence)
    );
    say_out!(
        "类型 kind:       {} {}  {}",
        kind_zh(&p.kind.label),
        p.kind.label,
        pct(p.kind.confidence)
    );
    if let Some(team) = team {
        say_out!("派给 team:       {team}");
    }
    say_out!(
        "依据 decided by: {}",
        if p.reasons.is_empty() {
            "—".to_string()
        } else {
            p.reasons.join("、")
        }
    );
    Ok(ExitCode::SUCCESS)
}

fn target_of(labels: Option<&str>) -> Target {
    labels.map_or(Target::Category, |l| {
        Target::parse(l).expect("clap checked the value")
    })
}

fn options(epochs: Option<u32>, seed: Option<u64>) -> TrainOptions {
    let mut o = TrainOptions::default();
    if let Some(e) = epochs {
        o = o.with_epochs(e);
    }
    if let Some(s) = seed {
        o.seed = s;
    }
    o
}

fn show_epoch(p: &TrainProgress, prefix: &str) {
    let e = p.epoch;
    if e.epoch == 1 || e.epoch == e.epochs || e.epoch.is_multiple_of(10) {
        eprintln!(
            "{prefix}训练 training {:<8} 第 {}/{} 轮 epoch  loss {:.4}  训练集准确率 train accuracy {:.3}",
            p.head, e.epoch, e.epochs, e.loss, e.accuracy
        );
    }
}

fn train(a: ClassifyTrainArgs) -> anyhow::Result<ExitCode> {
    let data = read_csv(&a.data)?;
    let target = target_of(a.labels.as_deref());
    if target == Target::Category
        && a.labels.as_deref() == Some("label")
        && data.label_column != "label"
    {
        eprintln!(
            "注意 / note: {} 没有 label 列，使用 category 列 / has no label column, using category",
            a.data.display()
        );
    }
    let opts = options(a.epochs, a.seed);
    let start = Instant::now();
    let model = Model::train(&data, target, &opts, |p| show_epoch(&p, "")).map_err(say)?;
    let bytes = model.to_bytes();
    std::fs::write(&a.out, &bytes).with_context(|| {
        format!(
            "无法写入模型文件 {} / cannot write the model file {}",
            a.out.display(),
            a.out.display()
        )
    })?;
    let what = match &model {
        Model::Classifier(_) => {
            "三头分类器（类别、紧急程度、类型）/ three-head classifier (category, urgency, kind)"
                .to_string()
        }
        Model::Head(h) => format!("单列模型 / one-column model: {}", h.target.code()),
    };
    say_out!(
        "已训练 / trained {what}\n  样本 examples: {}   标签 labels: {}\n  文件 file: {} ({:.1} MB)   用时 time: {:.1} s",
        data.len(),
        model.main_labels().join(", "),
        a.out.display(),
        bytes.len() as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn eval(a: ClassifyEvalArgs) -> anyhow::Result<ExitCode> {
    let rules = read_rules(a.rules.as_deref())?;
    let start = Instant::now();
    if a.model.is_none() {
        let _ = Classifier::bundled();
    }
    let load = start.elapsed();
    let start = Instant::now();
    let _ = wuye_domain::dispatch::features::features("预热", &Default::default());
    let segmenter = start.elapsed();
    let model = read_model(a.model.as_deref(), rules)?;
    let data = read_csv(&a.data)?;
    let report = evaluate(&model, &data).map_err(say)?;
    let source = a
        .model
        .as_ref()
        .map_or("内置 bundled".to_string(), |p| p.display().to_string());
    if !a.json && a.model.is_none() {
        say_out!(
            "内置模型加载 bundled model load: {:.1} ms；分词词典加载 segmenter dictionary load: {:.1} ms",
            load.as_secs_f64() * 1e3,
            segmenter.as_secs_f64() * 1e3
        );
    }
    print_report(&report, a.json, &a.data, &source)
}

fn cv(a: ClassifyCvArgs) -> anyhow::Result<ExitCode> {
    let rules = read_rules(a.rules.as_deref())?;
    let data = read_csv(&a.data)?;
    let target = target_of(a.labels.as_deref());
    let opts = options(a.epochs, a.seed);
    let mut last_fold = 0;
    let report = cross_validate(&data, target, a.folds, &opts, &rules, |p: CvProgress| {
        if p.fold != last_fold {
            last_fold = p.fold;
            eprintln!(
                "第 {}/{} 折 fold：训练 training on {} 条 examples",
                p.fold,
                p.folds,
                data.len() - data.len() / p.folds
            );
        }
        let e = p.training.epoch;
        if e.epoch == e.epochs {
            eprintln!(
                "  {:<8} {} 轮 epochs  loss {:.4}",
                p.training.head, e.epochs, e.loss
            );
        }
    })
    .map_err(say)?;
    print_report(
        &report,
        a.json,
        &a.data,
        &format!("{}-fold cross-validation", a.folds),
    )
}

fn opt(x: Option<f64>) -> String {
    x.map_or("—".to_string(), |v| format!("{v:.4}"))
}

fn print_report(r: &Report, json: bool, data: &Path, source: &str) -> anyhow::Result<ExitCode> {
    if json {
        say_out!("{}", serde_json::to_string_pretty(r)?);
        return Ok(ExitCode::SUCCESS);
    }
    say_out!(
        "评估 evaluation: {}   模型 model: {source}   样本 n = {}   标签列 column: {}",
        data.display(),
        r.n,
        r.target
    );
    say_out!("  准确率 accuracy                 {:.4}", r.accuracy);
    say_out!("  前二准确率 top-2 accuracy       {:.4}", r.top2_accuracy);
    say_out!("  宏平均 F1 macro-F1              {:.4}", r.macro_f1);
    if let Some(n) = r.emergency_n {
        say_out!(
            "  紧急召回率 emergency recall     {}   (共 {n} 条紧急 / {n} emergencies)",
            opt(r.emergency_recall)
        );
        say_out!(
            "  紧急精确率 emergency precision  {}",
            opt(r.emergency_precision)
        );
        say_out!(
            "  紧急程度准确率 urgency accuracy {}",
            opt(r.urgency_accuracy)
        );
    }
    if r.kind_accuracy.is_some() {
        say_out!("  类型准确率 kind accuracy        {}", opt(r.kind_accuracy));
    }
    if let Some(f) = r.rules_fired {
        say_out!("  规则触发 rules fired            {f}");
    }
    say_out!(
        "  速度 throughput                 {:.0} 条/秒 texts/s (单线程 one thread)",
        r.texts_per_second
    );
    say_out!("");
    say_out!(
        "  {:<20} {:<10} {:>9} {:>7} {:>7} {:>7}",
        "label",
        "中文",
        "precision",
        "recall",
        "F1",
        "n"
    );
    for c in &r.per_category {
        say_out!(
            "  {:<20} {:<10} {:>9.3} {:>7.3} {:>7.3} {:>7}",
            c.label,
            category_zh(&c.label),
            c.precision,
            c.recall,
            c.f1,
            c.support
        );
    }
    Ok(ExitCode::SUCCESS)
}
