//! `wuye classify` as a user runs it: no configuration, no database.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wuye(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wuye"))
        .args(args)
        // Must not need (or touch) any configured database.
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/nothing")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("the wuye binary runs")
}

fn repo(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
        .to_string_lossy()
        .into_owned()
}

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("wuye-classify-{}-{name}", std::process::id()))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        stdout(o),
        stderr(o)
    );
}

fn json(o: &Output) -> Value {
    ok(o);
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

#[test]
fn classifies_a_message() {
    let o = wuye(&["classify", "3栋电梯困人了"]);
    ok(&o);
    let out = stdout(&o);
    for want in [
        "elevator",
        "电梯",
        "emergency",
        "紧急",
        "repair",
        "电梯维保",
        "依据 decided by",
    ] {
        assert!(out.contains(want), "{want} missing in:\n{out}");
    }

    let v = json(&wuye(&["classify", "--json", "厨房水管漏水"]));
    assert_eq!(v["category"]["label"], "plumbing");
    assert_eq!(v["team"], "工程部·水电班");
    assert_eq!(v["category_top3"].as_array().unwrap().len(), 3);
    assert!(
        v["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "漏水" || r == "水管")
    );

    let o = wuye(&["classify", "😭😭！！"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("text_unclassifiable"), "{}", stderr(&o));
    let o = wuye(&["classify"]);
    assert_eq!(o.status.code(), Some(1));
}

/// The bundled model on the held-out split: the targets of the issue.
/// Top-2 meets its 97% target; category accuracy falls short of 92% and
/// emergency recall of 99% (see BENCHMARKS.md, "Smart dispatch classifier",
/// for the figures and why). The floors below hold the measured level (never
/// above it) so that a regression shows.
#[test]
fn eval_on_the_test_split() {
    let v = json(&wuye(&[
        "classify",
        "eval",
        "--data",
        &repo("data/dispatch/test.csv"),
        "--json",
    ]));
    for key in [
        "accuracy",
        "top2_accuracy",
        "macro_f1",
        "emergency_recall",
        "emergency_precision",
        "kind_accuracy",
        "per_category",
        "texts_per_second",
        "n",
    ] {
        assert!(v.get(key).is_some(), "{key} missing: {v}");
    }
    let f = |k: &str| v[k].as_f64().unwrap();
    assert_eq!(v["n"], 758);
    assert!(f("accuracy") >= 0.88, "{v}"); // target 0.92: missed (0.884), see BENCHMARKS.md
    assert!(f("top2_accuracy") >= 0.97, "{v}"); // target 0.97: met (0.975)
    assert!(f("emergency_recall") >= 0.98, "{v}"); // target 0.99: missed (0.984, 120 of 122)
    assert!(f("emergency_precision") >= 0.85, "{v}"); // target 0.8: met (0.857)
    assert!(f("macro_f1") >= 0.88, "{v}"); // 0.885
    assert!(f("kind_accuracy") >= 0.90, "{v}");
    assert_eq!(v["per_category"].as_array().unwrap().len(), 16);
}

#[test]
fn trains_and_evaluates_another_domain() {
    let data = repo("data/other_domain/ecommerce_intents.csv");
    let model = temp("ecommerce.model");
    let model_s = model.to_string_lossy().into_owned();
    let o = wuye(&[
        "classify", "train", "--data", &data, "--out", &model_s, "--epochs", "10",
    ]);
    ok(&o);
    assert!(
        stderr(&o).contains("epoch"),
        "progress on stderr: {}",
        stderr(&o)
    );
    assert!(stdout(&o).contains("refund"), "{}", stdout(&o));

    let v = json(&wuye(&[
        "classify", "eval", "--data", &data, "--model", &model_s, "--json",
    ]));
    assert_eq!(v["target"], "label");
    assert!(v["accuracy"].as_f64().unwrap() > 0.9, "{v}");
    assert!(v["emergency_recall"].is_null() && v["kind_accuracy"].is_null());
    assert_eq!(v["per_category"].as_array().unwrap().len(), 10);

    let o = wuye(&["classify", "--model", &model_s, "退款什么时候到账"]);
    ok(&o);
    assert!(stdout(&o).contains("refund"), "{}", stdout(&o));

    // Evaluating the dispatch file with this model: its labels are unknown to it.
    let o = wuye(&[
        "classify",
        "eval",
        "--data",
        &repo("data/dispatch/test.csv"),
        "--model",
        &model_s,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("label_unknown_to_model"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_file(model);
}

#[test]
fn cross_validates() {
    let o = wuye(&[
        "classify",
        "cv",
        "--data",
        &repo("data/other_domain/ecommerce_intents.csv"),
        "--folds",
        "3",
        "--epochs",
        "10",
        "--json",
    ]);
    let v = json(&o);
    assert_eq!(v["folds"], 3);
    assert_eq!(v["n"], 704);
    assert!(v["accuracy"].as_f64().unwrap() > 0.6, "{v}");
    let err = stderr(&o);
    assert!(err.contains("3/3"), "fold progress on stderr: {err}");
}

#[test]
fn refuses_gbk_with_a_hint() {
    let path = temp("gbk.csv");
    let (bytes, _, _) = encoding_rs::GBK.encode("text,category\n厨房水管漏水,plumbing\n");
    std::fs::write(&path, &bytes).unwrap();
    let o = wuye(&["classify", "eval", "--data", &path.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("GBK") && err.contains("iconv"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let _ = std::fs::remove_file(path);
}

#[test]
fn bad_files_are_clear_errors() {
    let cases = [
        (
            "unknown.csv",
            "text,category\n漏水,plumbing\n太吵了,noisy\n",
            "line 3",
        ),
        (
            "columns.csv",
            "message,category\n漏水,plumbing\n",
            "csv_missing_column",
        ),
        ("empty.csv", "", "csv_empty"),
        (
            "header_only.csv",
            "text,category,urgency,kind\n",
            "csv_empty",
        ),
        (
            "urgency.csv",
            "text,category,urgency\n漏水,plumbing,asap\n",
            "line 2: urgency",
        ),
    ];
    for (name, body, want) in cases {
        let path = temp(name);
        std::fs::write(&path, body).unwrap();
        let o = wuye(&["classify", "eval", "--data", &path.to_string_lossy()]);
        assert_eq!(o.status.code(), Some(1), "{name}");
        let err = stderr(&o);
        assert!(err.contains(want), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        let _ = std::fs::remove_file(path);
    }
    let o = wuye(&["classify", "eval", "--data", "/no/such/file.csv"]);
    assert_eq!(o.status.code(), Some(1));
    let o = wuye(&[
        "classify",
        "train",
        "--data",
        &repo("data/dispatch/test.csv"),
        "--out",
        "/no/such/dir/m.bin",
        "--epochs",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(1));
}
