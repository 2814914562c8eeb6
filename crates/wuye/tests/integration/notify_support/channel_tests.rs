//! Each channel against its stand-in: Aliyun and Tencent SMS, 企业微信 and
//! 钉钉 robots, e-mail over STARTTLS (tests registered in `notify.rs`).

use super::http::{CREDS, Receiver};
use super::smtp::SmtpServer;
use super::*;
use crate::common::{TestApp, code};
use crate::orders::create;
use reqwest::StatusCode;
use serde_json::json;
use std::sync::Arc;

pub async fn aliyun_sms_is_signed_and_sent_once(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    put_settings(&admin, test_settings()).await;
    put_sms(&admin, aliyun_sms(&r)).await;
    let o = phoned_in(&t, &agent, "卫生间下水道堵了", false).await;
    let number = o["order"]["number"].as_str().unwrap();
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!(rep.delivered, 1, "{rep:?}");
    let hits = r.hits_of("aliyun");
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert!(h.verified, "{:?}", h.problem);
    assert_eq!(h.fields["phone"], "13900000001");
    assert_eq!(h.fields["template"], "SMS_465920001");
    assert_eq!(h.fields["params"]["number"], number);
    assert!(
        h.fields["params"]["place"]
            .as_str()
            .unwrap()
            .starts_with("翠湖花园")
    );
    let log = deliveries(&agent, id_of(&o)).await;
    let sms = log.iter().find(|d| d["channel"] == "sms").unwrap();
    assert_eq!(
        (&sms["status"], &sms["attempts"], &sms["address"]),
        (&json!("delivered"), &json!(1), &json!("139****0001"))
    );
    assert_eq!(
        sms["idempotency_key"].as_str().unwrap(),
        h.key,
        "OutId carries the key"
    );
    assert!(
        sms["provider_ref"]
            .as_str()
            .unwrap()
            .starts_with("900619746936498440")
    );
    // Nothing is sent twice.
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 0);
    assert_eq!(r.hits().len(), 1);
}

pub async fn tencent_sms_is_signed_and_sent_once(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    put_settings(&admin, test_settings()).await;
    put_sms(&admin, tencent_sms(&r)).await;
    let o = phoned_in(&t, &agent, "客厅天花板渗水", false).await;
    let number = o["order"]["number"].as_str().unwrap();
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 1);
    let hits = r.hits_of("tencent");
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert!(h.verified, "{:?}", h.problem);
    assert_eq!(h.fields["phone"], "+8613900000001");
    assert_eq!(h.fields["template"], "1110001");
    assert_eq!(h.fields["sdk_app_id"], "1400787878");
    assert_eq!(h.fields["params"][0], number);
    assert_eq!(h.fields["region"], "ap-guangzhou");
    let log = deliveries(&agent, id_of(&o)).await;
    let sms = log.iter().find(|d| d["channel"] == "sms").unwrap();
    assert_eq!(
        sms["idempotency_key"].as_str().unwrap(),
        h.key,
        "SessionContext carries the key"
    );
    assert_eq!(sms["provider_ref"], "5000:104670");
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 0);
}

pub async fn team_robots_wecom_and_dingtalk(t: Arc<TestApp>) {
    let r = Receiver::start().await;
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    put_settings(&admin, test_settings()).await;
    let pasted = format!(
        "{}?key={}",
        r.url("/wecom/cgi-bin/webhook/send"),
        CREDS.wecom_key
    );
    add_endpoint(
        &admin,
        json!({"kind": "wecom", "name": "水电班群", "team_id": t.fx.team_water.0, "url": pasted}),
    )
    .await;
    add_endpoint(&admin, json!({"kind": "dingtalk", "name": "水电班钉钉群", "team_id": t.fx.team_water.0,
        "url": r.url("/dingtalk/robot/send"), "token": CREDS.ding_token, "secret": CREDS.ding_secret})).await;
    add_endpoint(
        &admin,
        json!({"kind": "wecom", "name": "保洁群", "team_id": t.fx.team_cleaning.0,
        "url": r.url("/wecom/cgi-bin/webhook/send"), "token": "cleaning-key"}),
    )
    .await;
    let o = create(
        &agent,
        json!({"kind": "repair", "text": "地下车库积水", "building_id": t.fx.building_a.0,
        "team_id": t.fx.team_water.0, "assignee_id": t.fx.tech.0}),
    )
    .await;
    let number = o["order"]["number"].as_str().unwrap();
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!(rep.delivered, 2, "{rep:?}");
    let wecom = r.hits_of("wecom");
    assert_eq!(wecom.len(), 1, "only the order's team group: {wecom:?}");
    assert!(wecom[0].verified, "{:?}", wecom[0].problem);
    assert_eq!(wecom[0].fields["msgtype"], "markdown");
    assert!(wecom[0].key.contains(number) && wecom[0].key.contains("地下车库积水"));
    let ding = r.hits_of("dingtalk");
    assert_eq!(ding.len(), 1);
    assert!(ding[0].verified, "{:?}", ding[0].problem);
    assert!(ding[0].key.contains(number));
    // A robot whose key is wrong is refused by the provider: dead at once.
    let (_, eps) = admin.get("/api/v1/notify/endpoints").await;
    let wrong = eps
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "保洁群")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    create(
        &agent,
        json!({"kind": "repair", "text": "大堂地面脏", "building_id": t.fx.building_a.0,
        "team_id": t.fx.team_cleaning.0}),
    )
    .await;
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!((rep.delivered, rep.dead), (0, 1), "{rep:?}");
    let (_, dead) = admin.get("/api/v1/notify/deliveries?status=dead").await;
    assert_eq!(dead["items"][0]["recipient_id"], wrong);
    assert!(
        dead["items"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("errcode 93000")
    );
}

/// Decodes `=?utf-8?b?…?=` words of a header (the space between two
/// encoded words is not part of the text).
fn decode_words(h: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    let mut last_encoded = false;
    for (i, w) in h.split_whitespace().enumerate() {
        let encoded = w.to_ascii_lowercase().starts_with("=?utf-8?b?") && w.ends_with("?=");
        if i > 0 && !(encoded && last_encoded) {
            out.push(' ');
        }
        if encoded {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&w[10..w.len() - 2])
                .unwrap();
            out.push_str(&String::from_utf8(bytes).unwrap());
        } else {
            out.push_str(w);
        }
        last_encoded = encoded;
    }
    out
}

pub async fn email_over_starttls_with_login(t: Arc<TestApp>) {
    let smtp = SmtpServer::start().await;
    smtp.inbox
        .tempfail
        .store(1, std::sync::atomic::Ordering::SeqCst);
    let admin = t.login("admin").await;
    let agent = t.login("agent").await;
    let supervisor = t.login("supervisor").await;
    put_settings(&admin, test_settings()).await;
    let (s, v) = admin
        .put(
            "/api/v1/notify/channels/email",
            json!({"host": "127.0.0.1", "port": smtp.port, "security": "starttls",
            "username": "notice@cuihu.test", "password": "mail-pass-9", "from": "notice@cuihu.test",
            "from_name": "翠湖物业", "ca_cert_pem": smtp.ca_pem}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, _) = supervisor
        .put(
            "/api/v1/notify/preferences",
            json!({"email": "li.zhuguan@cuihu.test"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = supervisor
        .put(
            "/api/v1/notify/preferences",
            json!({"email": "not-an-address"}),
        )
        .await;
    assert_eq!(
        (s, code(&v)),
        (StatusCode::UNPROCESSABLE_ENTITY, "email_invalid")
    );
    let (s, _) = admin
        .put(
            "/api/v1/notify/rules/order_created",
            json!({"to": [{"who": "supervisor", "via": ["email"]}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let o = phoned_in(&t, &agent, "小区路灯不亮", false).await;
    let number = o["order"]["number"].as_str().unwrap();
    let rep = t.app.deliver_notifications().await.unwrap();
    assert_eq!(
        (rep.delivered, rep.retried),
        (0, 1),
        "451 is temporary: {rep:?}"
    );
    t.clock.advance_hours(2);
    assert_eq!(t.app.deliver_notifications().await.unwrap().delivered, 1);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let m = &mails[0];
    assert!(m.tls, "STARTTLS before MAIL FROM");
    assert_eq!(
        m.auth,
        Some(("notice@cuihu.test".into(), "mail-pass-9".into()))
    );
    assert_eq!(m.to, vec!["<li.zhuguan@cuihu.test>".to_string()]);
    assert_eq!(m.from, "<notice@cuihu.test>");
    assert_eq!(
        decode_words(&m.header("Subject").unwrap()),
        format!("工单已受理 {number}")
    );
    let log = deliveries(&agent, id_of(&o)).await;
    let email = log.iter().find(|d| d["channel"] == "email").unwrap();
    assert_eq!(
        (&email["attempts"], &email["address"]),
        (&json!(2), &json!("l***@cuihu.test"))
    );
    let key = email["idempotency_key"]
        .as_str()
        .unwrap()
        .replace([':', '|'], ".");
    assert_eq!(
        m.header("Message-ID").unwrap(),
        format!("<{key}@wuye.notify>")
    );
    assert_eq!(email["provider_ref"], "2.0.0 queued as TEST1");
}
