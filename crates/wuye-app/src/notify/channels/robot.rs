//! Group robots: 企业微信 (POST JSON to `…/webhook/send?key=KEY`) and 钉钉
//! custom robots in signed-secret mode (`…/robot/send?access_token=T&
//! timestamp=MS&sign=URLENCODE(BASE64(HMAC-SHA256(MS\nSECRET)))`). Both
//! answer `{"errcode": 0}` on success.

use super::sign::{dingtalk_sign, percent_encode};
use super::{HTTP, Outcome, by_status, http_error, snippet};
use crate::notify::setup::Endpoint;
use std::time::Duration;
use wuye_domain::notify::providers::EndpointKind;
use wuye_store::notify::DeliveryRow;

/// The message body each robot documents (markdown or text).
pub fn message(kind: EndpointKind, markdown: bool, title: &str, body: &str) -> serde_json::Value {
    match (kind, markdown) {
        (EndpointKind::Wecom, true) => serde_json::json!({
            "msgtype": "markdown",
            "markdown": {"content": format!("**{title}**\n> {body}")},
        }),
        (EndpointKind::Dingtalk, true) => serde_json::json!({
            "msgtype": "markdown",
            "markdown": {"title": title, "text": format!("#### {title}\n\n{body}")},
        }),
        _ => serde_json::json!({
            "msgtype": "text",
            "text": {"content": format!("{title}\n{body}")},
        }),
    }
}

fn with_query(url: &str, query: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{query}")
}

pub async fn send(
    e: &Endpoint,
    row: &DeliveryRow,
    payload: &serde_json::Value,
    timeout: Duration,
) -> Outcome {
    let Some(token) = e.secrets.get("token") else {
        return Outcome::Permanent("the robot has no key/access token".into());
    };
    let url = match e.spec.kind {
        EndpointKind::Wecom => with_query(e.spec.url(), &format!("key={}", percent_encode(token))),
        EndpointKind::Dingtalk => {
            let mut q = format!("access_token={}", percent_encode(token));
            if let Some(secret) = e.secrets.get("secret") {
                let ts = jiff::Timestamp::now().as_millisecond();
                q.push_str(&format!(
                    "&timestamp={ts}&sign={}",
                    percent_encode(&dingtalk_sign(ts, secret))
                ));
            }
            with_query(e.spec.url(), &q)
        }
        EndpointKind::Webhook => return Outcome::Permanent("not a robot".into()),
    };
    let markdown = payload["markdown"].as_bool().unwrap_or(true);
    let msg = message(e.spec.kind, markdown, &row.title, &row.body);
    let resp = match HTTP.post(url).json(&msg).timeout(timeout).send().await {
        Ok(r) => r,
        Err(err) => return http_error(err),
    };
    let status = resp.status();
    let text = match resp.text().await {
        Ok(t) => t,
        Err(err) => return http_error(err),
    };
    if let Some(o) = by_status(status, &text) {
        return o;
    }
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    match v["errcode"].as_i64() {
        Some(0) => Outcome::Delivered(None),
        Some(code) => {
            let msg = format!(
                "errcode {code}: {}",
                snippet(v["errmsg"].as_str().unwrap_or(""))
            );
            // 企业微信 45009 / 钉钉 130101: too many messages a minute; -1: busy.
            if matches!(code, 45009 | 130101 | -1) {
                Outcome::Retry(msg)
            } else {
                Outcome::Permanent(msg)
            }
        }
        None => Outcome::Retry(format!("unexpected answer: {}", snippet(&text))),
    }
}
