//! SMS through Aliyun (dysmsapi `SendSms`, RPC signature 1.0) and Tencent
//! Cloud (`SendSms` 2021-01-11, TC3-HMAC-SHA256). The delivery's
//! idempotency key goes along as Aliyun's `OutId` and Tencent's
//! `SessionContext`, which both echo it in their delivery receipts.

use super::sign::{Tc3, aliyun_sign, percent_encode, tc3_authorization};
use super::{HTTP, Outcome, by_status, http_error, snippet};
use crate::notify::setup::Secrets;
use std::time::Duration;
use wuye_domain::notify::providers::{SmsConfig, SmsProvider};
use wuye_store::notify::DeliveryRow;

/// Template code and (name, value) parameters from the outbox payload.
fn template(payload: &serde_json::Value) -> Option<(String, Vec<(String, String)>)> {
    let code = payload["template_code"].as_str()?.to_string();
    let params = payload["params"]
        .as_array()?
        .iter()
        .filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string())))
        .collect();
    Some((code, params))
}

pub async fn send(
    cfg: &SmsConfig,
    secrets: &Secrets,
    row: &DeliveryRow,
    payload: &serde_json::Value,
    timeout: Duration,
) -> Outcome {
    let Some(secret) = secrets.get("access_key_secret") else {
        return Outcome::Permanent("the SMS access key secret is not set".into());
    };
    let Some((code, params)) = template(payload) else {
        return Outcome::Permanent("the delivery has no SMS template".into());
    };
    match cfg.provider {
        SmsProvider::Aliyun => aliyun(cfg, secret, row, &code, &params, timeout).await,
        SmsProvider::Tencent => tencent(cfg, secret, row, &code, &params, timeout).await,
    }
}

/// Aliyun error codes that retrying will not fix.
const ALIYUN_PERMANENT: &[&str] = &[
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.DENY_IP_RANGE",
    "InvalidAccessKeyId.NotFound",
    "SignatureDoesNotMatch",
];

async fn aliyun(
    cfg: &SmsConfig,
    secret: &str,
    row: &DeliveryRow,
    code: &str,
    params: &[(String, String)],
    timeout: Duration,
) -> Outcome {
    let template_param: serde_json::Map<String, serde_json::Value> = params
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
        .collect();
    let now = jiff::Timestamp::now();
    let p = |k: &str, v: &str| (k.to_string(), v.to_string());
    let query = vec![
        p("AccessKeyId", &cfg.access_key_id),
        p("Action", "SendSms"),
        p("Format", "JSON"),
        p("OutId", &row.idem_key),
        p("PhoneNumbers", &row.address),
        p("RegionId", cfg.region()),
        p("SignName", &cfg.sign_name),
        p("SignatureMethod", "HMAC-SHA1"),
        p(
            "SignatureNonce",
            &format!("{:032x}", rand::random::<u128>()),
        ),
        p("SignatureVersion", "1.0"),
        p("TemplateCode", code),
        p(
            "TemplateParam",
            &serde_json::Value::Object(template_param).to_string(),
        ),
        p("Timestamp", &now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()),
        p("Version", "2017-05-25"),
    ];
    let (canonical, signature) = aliyun_sign("POST", &query, secret);
    let body = format!("Signature={}&{canonical}", percent_encode(&signature));
    let resp = HTTP
        .post(cfg.endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .timeout(timeout)
        .send()
        .await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => return http_error(e),
    };
    let status = resp.status();
    let text = match resp.text().await {
        Ok(t) => t,
        Err(e) => return http_error(e),
    };
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    match v["Code"].as_str() {
        Some("OK") if status.is_success() => {
            Outcome::Delivered(v["BizId"].as_str().map(str::to_string))
        }
        Some(code) => {
            let msg = format!(
                "Aliyun {code}: {}",
                snippet(v["Message"].as_str().unwrap_or(""))
            );
            if ALIYUN_PERMANENT.contains(&code) {
                Outcome::Permanent(msg)
            } else {
                Outcome::Retry(msg)
            }
        }
        None => by_status(status, &text)
            .unwrap_or_else(|| Outcome::Retry(format!("Aliyun answered {}", snippet(&text)))),
    }
}

/// Mainland numbers in E.164, as Tencent wants them.
fn e164(phone: &str) -> String {
    if phone.starts_with('+') {
        phone.to_string()
    } else {
        format!("+86{phone}")
    }
}

async fn tencent(
    cfg: &SmsConfig,
    secret: &str,
    row: &DeliveryRow,
    code: &str,
    params: &[(String, String)],
    timeout: Duration,
) -> Outcome {
    let url = match reqwest::Url::parse(cfg.endpoint()) {
        Ok(u) => u,
        Err(e) => return Outcome::Permanent(format!("the SMS endpoint is not a URL: {e}")),
    };
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        (None, _) => return Outcome::Permanent("the SMS endpoint has no host".into()),
    };
    let body = serde_json::json!({
        "PhoneNumberSet": [e164(&row.address)],
        "SmsSdkAppId": cfg.sdk_app_id.clone().unwrap_or_default(),
        "SignName": cfg.sign_name,
        "TemplateId": code,
        "TemplateParamSet": params.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
        "SessionContext": row.idem_key,
    })
    .to_string();
    let content_type = "application/json; charset=utf-8";
    let timestamp = jiff::Timestamp::now().as_second();
    let auth = tc3_authorization(&Tc3 {
        secret_id: &cfg.access_key_id,
        secret_key: secret,
        service: "sms",
        host: &host,
        path: url.path(),
        action: "SendSms",
        content_type,
        payload: &body,
        timestamp,
    });
    let resp = HTTP
        .post(url)
        .header("authorization", auth)
        .header("content-type", content_type)
        .header("host", &host)
        .header("x-tc-action", "SendSms")
        .header("x-tc-timestamp", timestamp.to_string())
        .header("x-tc-version", "2021-01-11")
        .header("x-tc-region", cfg.region())
        .body(body)
        .timeout(timeout)
        .send()
        .await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => return http_error(e),
    };
    let status = resp.status();
    let text = match resp.text().await {
        Ok(t) => t,
        Err(e) => return http_error(e),
    };
    if let Some(o) = by_status(status, &text) {
        return o;
    }
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let r = &v["Response"];
    let (code, message, serial) = match r["Error"]["Code"].as_str() {
        Some(c) => (c, r["Error"]["Message"].as_str().unwrap_or(""), None),
        None => {
            let s = &r["SendStatusSet"][0];
            (
                s["Code"].as_str().unwrap_or("NoStatus"),
                s["Message"].as_str().unwrap_or(""),
                s["SerialNo"].as_str(),
            )
        }
    };
    if code == "Ok" {
        return Outcome::Delivered(serial.map(str::to_string));
    }
    let msg = format!("Tencent {code}: {}", snippet(message));
    let transient = [
        "LimitExceeded",
        "RequestLimitExceeded",
        "InternalError",
        "NoStatus",
    ];
    if transient.iter().any(|t| code.starts_with(t)) {
        Outcome::Retry(msg)
    } else {
        Outcome::Permanent(msg)
    }
}
