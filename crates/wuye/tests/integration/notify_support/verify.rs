//! Each provider's checks, written from its public documents and kept apart
//! from wuye's signing code, so that a mistake there shows up here. Every
//! function returns (idempotency key or message, verdict, parsed fields).

use axum::http::{HeaderMap, Method};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

type Verdict = (String, Result<(), String>, Value);

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// Form/URL decoding: `%XX` and `+` for a space.
pub fn url_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz");
                match u8::from_str_radix(h, 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

fn param<'a>(p: &'a [(String, String)], name: &str) -> &'a str {
    p.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// Aliyun's recipe: `URLEncoder.encode(value, "UTF-8")`, then `+` → `%20`,
/// `*` → `%2A`, `%7E` → `~`.
fn aliyun_encode(s: &str) -> String {
    let mut java = String::new();
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => {
                java.push(b as char)
            }
            b' ' => java.push('+'),
            _ => java.push_str(&format!("%{b:02X}")),
        }
    }
    java.replace('+', "%20")
        .replace('*', "%2A")
        .replace("%7E", "~")
}

/// Aliyun dysmsapi SendSms, RPC signature v1 (HMAC-SHA1).
pub fn aliyun(
    method: &Method,
    headers: &HeaderMap,
    body: &[u8],
    id: &str,
    secret: &str,
) -> Verdict {
    let text = String::from_utf8_lossy(body).to_string();
    let p = pairs(&text);
    let fields = json!({
        "phone": param(&p, "PhoneNumbers"), "template": param(&p, "TemplateCode"),
        "params": serde_json::from_str::<Value>(param(&p, "TemplateParam")).unwrap_or(Value::Null),
        "sign_name": param(&p, "SignName"), "out_id": param(&p, "OutId"),
    });
    let key = param(&p, "OutId").to_string();
    let check = (|| {
        if headers.get("content-type").and_then(|v| v.to_str().ok())
            != Some("application/x-www-form-urlencoded")
        {
            return Err("not a form".to_string());
        }
        for (k, want) in [
            ("Action", "SendSms"),
            ("Version", "2017-05-25"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("Format", "JSON"),
            ("AccessKeyId", id),
        ] {
            if param(&p, k) != want {
                return Err(format!("{k} is {:?}", param(&p, k)));
            }
        }
        for k in [
            "PhoneNumbers",
            "SignName",
            "TemplateCode",
            "SignatureNonce",
            "RegionId",
        ] {
            if param(&p, k).is_empty() {
                return Err(format!("{k} missing"));
            }
        }
        // ISO 8601 in UTC, e.g. 2017-07-12T02:42:19Z
        let raw_ts = param(&p, "Timestamp");
        if raw_ts.len() != 20 || !raw_ts.ends_with('Z') {
            return Err(format!("Timestamp {raw_ts:?} is not yyyy-MM-ddTHH:mm:ssZ"));
        }
        let ts: jiff::Timestamp = raw_ts.parse().map_err(|e| format!("Timestamp: {e}"))?;
        if (jiff::Timestamp::now().as_second() - ts.as_second()).abs() > 900 {
            return Err("stale Timestamp".into());
        }
        if !param(&p, "TemplateParam").is_empty()
            && serde_json::from_str::<Value>(param(&p, "TemplateParam"))
                .map(|v| !v.is_object())
                .unwrap_or(true)
        {
            return Err("TemplateParam is not a JSON object".into());
        }
        let mut rest: Vec<&(String, String)> = p.iter().filter(|(k, _)| k != "Signature").collect();
        rest.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
        let canonical = rest
            .iter()
            .map(|(k, v)| format!("{}={}", aliyun_encode(k), aliyun_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let to_sign = format!(
            "{}&{}&{}",
            method.as_str(),
            aliyun_encode("/"),
            aliyun_encode(&canonical)
        );
        let want = b64(&hmac_sha1(
            format!("{secret}&").as_bytes(),
            to_sign.as_bytes(),
        ));
        if param(&p, "Signature") == want {
            Ok(())
        } else {
            Err("Specified signature is not matched with our calculation.".into())
        }
    })();
    (key, check, fields)
}

/// Tencent Cloud SMS SendSms (API 3.0), TC3-HMAC-SHA256.
pub fn tencent(headers: &HeaderMap, body: &[u8], path: &str, id: &str, key: &str) -> Verdict {
    let h = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let fields = json!({
        "phone": v["PhoneNumberSet"][0], "template": v["TemplateId"], "params": v["TemplateParamSet"],
        "sdk_app_id": v["SmsSdkAppId"], "sign_name": v["SignName"], "region": h("x-tc-region"),
    });
    let idem = v["SessionContext"].as_str().unwrap_or("").to_string();
    let check = (|| {
        if h("x-tc-action") != "SendSms" || h("x-tc-version") != "2021-01-11" {
            return Err("wrong action or version".to_string());
        }
        if !v["PhoneNumberSet"][0]
            .as_str()
            .unwrap_or("")
            .starts_with("+86")
            || !v["TemplateParamSet"].is_array()
        {
            return Err("payload not as documented".into());
        }
        let auth = h("authorization");
        let rest = auth
            .strip_prefix("TC3-HMAC-SHA256 ")
            .ok_or("not TC3-HMAC-SHA256")?;
        let part = |name: &str| {
            rest.split(", ")
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .unwrap_or("")
                .to_string()
        };
        let credential = part("Credential");
        let signed_headers = part("SignedHeaders");
        let ts: i64 = h("x-tc-timestamp").parse().map_err(|_| "no timestamp")?;
        if (jiff::Timestamp::now().as_second() - ts).abs() > 300 {
            return Err("stale X-TC-Timestamp".into());
        }
        let date = jiff::Timestamp::from_second(ts)
            .unwrap()
            .strftime("%Y-%m-%d")
            .to_string();
        let scope = format!("{date}/sms/tc3_request");
        if credential != format!("{id}/{scope}") {
            return Err(format!("credential {credential}"));
        }
        let canonical_headers: String = signed_headers
            .split(';')
            .map(|n| format!("{}:{}\n", n, h(n).trim().to_lowercase()))
            .collect();
        let canonical_request = format!(
            "POST\n{path}\n\n{canonical_headers}\n{signed_headers}\n{}",
            hex::encode(Sha256::digest(body))
        );
        let string_to_sign = format!(
            "TC3-HMAC-SHA256\n{ts}\n{scope}\n{}",
            hex::encode(Sha256::digest(canonical_request.as_bytes()))
        );
        let secret_date = hmac_sha256(format!("TC3{key}").as_bytes(), date.as_bytes());
        let secret_service = hmac_sha256(&secret_date, b"sms");
        let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
        let want = hex::encode(hmac_sha256(&secret_signing, string_to_sign.as_bytes()));
        if !signed_headers.contains("host") || !signed_headers.contains("content-type") {
            return Err("host and content-type must be signed".into());
        }
        if part("Signature") == want {
            Ok(())
        } else {
            Err("The provided credentials could not be validated".into())
        }
    })();
    (idem, check, fields)
}

fn robot_text(v: &Value) -> String {
    match v["msgtype"].as_str() {
        Some("markdown") => v["markdown"]["content"]
            .as_str()
            .or(v["markdown"]["text"].as_str())
            .unwrap_or("")
            .to_string(),
        Some("text") => v["text"]["content"].as_str().unwrap_or("").to_string(),
        _ => String::new(),
    }
}

/// 企业微信 group robot: `?key=KEY`, JSON text or markdown.
pub fn wecom(query: &str, body: &[u8], key: &str) -> Verdict {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = robot_text(&v);
    let p = pairs(query);
    let check = if param(&p, "key") != key {
        Err("invalid webhook url".into())
    } else if text.is_empty() || (v["msgtype"] == "markdown" && v["markdown"]["content"].is_null())
    {
        Err("invalid message".into())
    } else {
        Ok(())
    };
    (
        text.clone(),
        check,
        json!({"msgtype": v["msgtype"], "text": text}),
    )
}

/// 钉钉 custom robot, signed-secret mode.
pub fn dingtalk(query: &str, body: &[u8], token: &str, secret: &str) -> Verdict {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let text = robot_text(&v);
    let p = pairs(query);
    let check = (|| {
        if param(&p, "access_token") != token {
            return Err("token is not exist".to_string());
        }
        let ts: i64 = param(&p, "timestamp").parse().map_err(|_| "no timestamp")?;
        if (jiff::Timestamp::now().as_millisecond() - ts).abs() > 3_600_000 {
            return Err("timestamp is more than an hour off".into());
        }
        let want = b64(&hmac_sha256(
            secret.as_bytes(),
            format!("{ts}\n{secret}").as_bytes(),
        ));
        // The raw query must carry the URL-encoded Base64.
        let raw = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("sign="))
            .unwrap_or("");
        if raw.contains('+') || raw.contains('/') || raw.contains('=') {
            return Err("sign is not URL-encoded".into());
        }
        if param(&p, "sign") != want {
            return Err("sign not match".into());
        }
        if v["msgtype"] == "markdown" && v["markdown"]["title"].as_str().unwrap_or("").is_empty() {
            return Err("markdown needs a title".into());
        }
        if text.is_empty() {
            Err("empty message".into())
        } else {
            Ok(())
        }
    })();
    (
        text.clone(),
        check,
        json!({"msgtype": v["msgtype"], "text": text}),
    )
}

/// wuye webhooks: `X-Wuye-Signature: sha256=hex(HMAC-SHA256(secret, ts + "." + body))`.
pub fn webhook(headers: &HeaderMap, body: &[u8], secret: &str) -> Verdict {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let key = h("x-wuye-delivery").to_string();
    let ts = h("x-wuye-timestamp");
    let mut data = format!("{ts}.").into_bytes();
    data.extend_from_slice(body);
    let want = format!(
        "sha256={}",
        hex::encode(hmac_sha256(secret.as_bytes(), &data))
    );
    let fresh = ts
        .parse::<i64>()
        .is_ok_and(|t| (jiff::Timestamp::now().as_second() - t).abs() < 300);
    let check = if h("x-wuye-signature") != want {
        Err("bad signature".into())
    } else if !fresh {
        Err("stale timestamp".into())
    } else if h("idempotency-key") != key || v["id"] != key.as_str() {
        Err("idempotency key missing".into())
    } else {
        Ok(())
    };
    (key, check, v)
}
