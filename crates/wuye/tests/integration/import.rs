//! CSV import through the API: UTF-8 and GBK, all or nothing, every bad line
//! reported with line, column and reason.

use crate::backend_tests;
use crate::common::{TestApp, code};
use reqwest::StatusCode;
use std::sync::Arc;

backend_tests!(
    homes_import_creates_buildings_entrances_homes,
    gbk_files_import,
    bad_lines_are_all_reported_and_nothing_is_written,
    residents_import_links_homes,
    garbage_and_missing_columns_are_refused,
);

async fn homes_import_creates_buildings_entrances_homes(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let csv = "小区,楼栋,单元,房号,楼层,面积\n翠湖花园,5栋,1单元,101,1,89.5\n翠湖花园,5栋,1单元,102,1,90\n翠湖花园,5栋,2单元,101,1,\n锦绣华庭,B座,,801,8,120.25\n";
    let (s, r) = admin
        .post_bytes("/api/v1/import/homes", "text/csv", csv.into())
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["imported"], true);
    assert_eq!(r["encoding"], "UTF-8");
    assert_eq!(
        (
            r["created_homes"].as_i64(),
            r["created_buildings"].as_i64(),
            r["created_entrances"].as_i64()
        ),
        (Some(4), Some(2), Some(2))
    );
    let (_, page) = admin.get("/api/v1/homes?q=5栋2单元").await;
    assert_eq!(page["items"][0]["label"], "5栋2单元101");
    let (_, page) = admin.get("/api/v1/homes?q=B座801").await;
    assert_eq!(page["items"][0]["area"], "120.25");
    // The same file again: every line already exists, nothing changes.
    let (s, r) = admin
        .post_bytes("/api/v1/import/homes", "text/csv", csv.into())
        .await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "import_invalid")
    );
    assert_eq!(r["report"]["errors"].as_array().unwrap().len(), 4);
    assert_eq!(r["report"]["errors"][0]["code"], "home_exists");
}

async fn gbk_files_import(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let (bytes, _, _) = encoding_rs::GBK.encode("小区,楼栋,房号\r\n翠湖花园,6栋,0601\r\n");
    let (s, r) = admin
        .post_bytes("/api/v1/import/homes", "text/csv", bytes.into_owned())
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["encoding"], "GBK");
    let (_, page) = admin.get("/api/v1/homes?q=6栋0601").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

async fn bad_lines_are_all_reported_and_nothing_is_written(t: Arc<TestApp>) {
    let admin = t.login("admin").await.english();
    let csv = "community,building,entrance,number,floor,area\n\
               翠湖花园,7栋,1单元,101,1,80\n\
               不存在小区,7栋,1单元,102,1,80\n\
               翠湖花园,7栋,1单元,,1,80\n\
               翠湖花园,7栋,1单元,103,abc,80\n\
               翠湖花园,7栋,1单元,104,1,-5\n\
               翠湖花园,7栋,1单元,101,1,80\n";
    let (s, r) = admin
        .post_bytes("/api/v1/import/homes", "text/csv", csv.into())
        .await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::UNPROCESSABLE_ENTITY, "import_invalid"),
        "{r}"
    );
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was imported")
    );
    let errors = r["report"]["errors"].as_array().unwrap();
    let got: Vec<(i64, &str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["column"].as_str().unwrap(),
                e["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (3, "community", "community_unknown"),
            (4, "number", "value_missing"),
            (5, "floor", "floor_invalid"),
            (6, "area", "area_invalid"),
            (7, "number", "home_repeated"),
        ]
    );
    assert!(
        errors[0]["message_zh"]
            .as_str()
            .unwrap()
            .contains("不存在小区")
    );
    assert!(
        errors[0]["message_en"]
            .as_str()
            .unwrap()
            .contains("No community")
    );
    // The good line was not imported either.
    let (_, page) = admin.get("/api/v1/homes?q=7栋").await;
    assert!(page["items"].as_array().unwrap().is_empty());
    let (_, bs) = admin
        .get(&format!("/api/v1/communities/{}/buildings", t.fx.a.0))
        .await;
    assert!(!bs.as_array().unwrap().iter().any(|b| b["name"] == "7栋"));
}

async fn residents_import_links_homes(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let csv = "姓名,手机号,小区,楼栋,单元,房号,关系\n\
               钱多多,13512340001,翠湖花园,1栋,1单元,101,业主\n\
               钱多多,13512340001,翠湖花园,1栋,1单元,102,业主\n\
               钱小宝,13512340002,翠湖花园,1栋,1单元,101,家属\n\
               业主甲,13900000001,翠湖花园,1栋,1单元,102,租户\n";
    let (s, r) = admin
        .post_bytes("/api/v1/import/residents", "text/csv", csv.into())
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(
        (r["created_residents"].as_i64(), r["linked_homes"].as_i64()),
        (Some(2), Some(4))
    );
    let (_, page) = admin.get("/api/v1/residents?q=钱多多").await;
    assert_eq!(page["items"][0]["homes"].as_array().unwrap().len(), 2);
    // A phone that belongs to someone else, a missing home, a bad relation.
    let csv = "姓名,手机号,小区,楼栋,单元,房号,关系\n\
               冒名,13900000001,翠湖花园,1栋,1单元,101,业主\n\
               无房,13512340009,翠湖花园,1栋,1单元,999,业主\n\
               关系怪,13512340008,翠湖花园,1栋,1单元,101,邻居\n\
               号码错,12345,翠湖花园,1栋,1单元,101,业主\n";
    let (s, r) = admin
        .post_bytes("/api/v1/import/residents", "text/csv", csv.into())
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let codes: Vec<_> = r["report"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            (2, "phone_taken".to_string()),
            (3, "home_unknown".to_string()),
            (4, "relation_invalid".to_string()),
            (5, "phone_invalid".to_string()),
        ]
    );
}

async fn garbage_and_missing_columns_are_refused(t: Arc<TestApp>) {
    let admin = t.login("admin").await;
    let (s, v) = admin
        .post_bytes(
            "/api/v1/import/homes",
            "text/csv",
            vec![0xff, 0xfe, 0x00, 0x81, 0x00],
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "encoding_unknown")
    );
    let (s, v) = admin
        .post_bytes(
            "/api/v1/import/homes",
            "text/csv",
            "小区,房号\n翠湖花园,101\n".into(),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "column_missing")
    );
    assert!(v["error"]["message"].as_str().unwrap().contains("楼栋"));
    let (s, v) = admin
        .post_bytes(
            "/api/v1/import/homes",
            "text/csv",
            "小区,楼栋,房号\n".into(),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "file_empty")
    );
}
