//! Photos on orders: uploads checked from the bytes, attached to steps,
//! readable only by those who may see the order; a bad photo leaves no order.

use crate::backend_tests;
use crate::common::{Client, TestApp, code};
use crate::orders::{create, step};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

backend_tests!(photos_on_the_loop, a_bad_photo_leaves_no_order);

fn png(w: u32, h: u32) -> Vec<u8> {
    let img =
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn upload(c: &Client, files: Vec<(&str, Vec<u8>)>) -> (StatusCode, Value) {
    let mut form = Form::new();
    for (name, bytes) in files {
        form = form.part("photos", Part::bytes(bytes).file_name(name.to_string()));
    }
    c.send(c.request(Method::POST, "/api/v1/photos").multipart(form))
        .await
}

async fn photos_on_the_loop(t: Arc<TestApp>) {
    let resident = t.login("13900000001").await;
    let (s, up) = upload(&resident, vec![("leak.png", png(400, 300))]).await;
    assert_eq!(s, StatusCode::CREATED, "{up}");
    let photo = up[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            up[0]["content_type"].as_str(),
            up[0]["width"].as_i64(),
            up[0]["has_thumbnail"].as_bool()
        ),
        (Some("image/png"), Some(400), Some(true))
    );
    let o = create(&resident, json!({"kind": "repair", "text": "阳台漏水", "home_id": t.fx.home_a101.0, "photo_ids": [photo]})).await;
    let id = o["order"]["id"].as_i64().unwrap();
    // The technician finishes with a photo of their own.
    let agent = t.login("agent").await;
    let tech = t.login("tech").await;
    step(
        &agent,
        id,
        json!({"action": "dispatch", "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await;
    step(&tech, id, json!({"action": "accept"})).await;
    step(&tech, id, json!({"action": "start"})).await;
    let (_, up) = upload(&tech, vec![("after.png", png(200, 200))]).await;
    let after = up[0]["id"].as_str().unwrap().to_string();
    // Someone else's upload cannot be attached.
    let (s, v) = tech
        .post(
            &format!("/api/v1/orders/{id}/steps"),
            json!({"action": "finish", "note": "修好了", "photo_ids": [photo]}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "photo_unknown")
    );
    let d = step(
        &tech,
        id,
        json!({"action": "finish", "note": "修好了", "photo_ids": [after]}),
    )
    .await;
    let finish = d["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "finish")
        .unwrap();
    assert_eq!(finish["photos"], json!([after]));
    // The reporter sees both photos; a neighbour sees neither.
    for p in [&photo, &after] {
        let r = resident
            .request(Method::GET, &format!("/api/v1/photos/{p}?thumb=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "image/jpeg");
        let full = resident
            .request(Method::GET, &format!("/api/v1/photos/{p}"))
            .send()
            .await
            .unwrap();
        assert_eq!(full.headers()["content-type"], "image/png");
        let bytes = full.bytes().await.unwrap();
        assert!(image::load_from_memory(&bytes).unwrap().width() > 0);
    }
    let neighbour = t.login("13900000002").await;
    assert_eq!(
        neighbour.get(&format!("/api/v1/photos/{photo}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        neighbour.get("/api/v1/photos/../../etc/passwd").await.0,
        StatusCode::NOT_FOUND
    );
    // Ten photos at once are too many.
    let ten: Vec<String> = (0..10).map(|_| photo.clone()).collect();
    let (s, v) = resident.post("/api/v1/orders", json!({"kind": "repair", "text": "漏水", "home_id": t.fx.home_a101.0, "photo_ids": ten})).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "too_many_photos")
    );
}

async fn a_bad_photo_leaves_no_order(t: Arc<TestApp>) {
    let resident = t.login("13900000001").await;
    // Not an image at all, whatever its name says.
    let (s, v) = upload(
        &resident,
        vec![("photo.jpg", b"PK\x03\x04 this is a zip".to_vec())],
    )
    .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "photo_type_unsupported"),
        "{v}"
    );
    // A PNG that claims to be 60000 × 60000 (a decompression bomb).
    let mut bomb = png(16, 16);
    bomb[16..20].copy_from_slice(&60000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&60000u32.to_be_bytes());
    let (s, v) = upload(&resident, vec![("bomb.png", bomb)]).await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "photo_dimensions_invalid"),
        "{v}"
    );
    // The report form with one good and one corrupt photo: nothing is created.
    let mut corrupt = png(100, 100);
    corrupt.truncate(corrupt.len() / 2);
    let form = Form::new()
        .text(
            "order",
            json!({"kind": "repair", "text": "天花板渗水", "home_id": t.fx.home_a101.0})
                .to_string(),
        )
        .part("photos", Part::bytes(png(64, 64)).file_name("ok.png"))
        .part("photos", Part::bytes(corrupt).file_name("bad.png"));
    let (s, v) = resident
        .send(
            resident
                .request(Method::POST, "/api/v1/orders")
                .multipart(form),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "photo_corrupt"),
        "{v}"
    );
    let (_, list) = resident.get("/api/v1/orders").await;
    assert!(
        list["items"].as_array().unwrap().is_empty(),
        "no half-made order: {list}"
    );
    // The same form with good photos works in one request.
    let form = Form::new()
        .text(
            "order",
            json!({"kind": "repair", "text": "天花板渗水", "home_id": t.fx.home_a101.0})
                .to_string(),
        )
        .part("photos", Part::bytes(png(64, 64)).file_name("a.png"))
        .part("photos", Part::bytes(png(80, 60)).file_name("b.png"));
    let (s, v) = resident
        .send(
            resident
                .request(Method::POST, "/api/v1/orders")
                .multipart(form),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, d) = resident
        .get(&format!("/api/v1/orders/{}", v["order"]["id"]))
        .await;
    assert_eq!(d["timeline"][0]["photos"].as_array().unwrap().len(), 2);
}
