//! Request signatures, as each provider documents them:
//! - Aliyun RPC (signature version 1.0): HMAC-SHA1 over
//!   `METHOD&%2F&percentEncode(canonicalised query)` with key `secret&`;
//! - Tencent Cloud API 3.0 (TC3-HMAC-SHA256): a canonical request hashed into
//!   a string to sign, signed with a key derived from date and service;
//! - DingTalk robots (加签): HMAC-SHA256 of `timestamp\nsecret`, Base64;
//! - wuye webhooks: HMAC-SHA256 of `timestamp.body`, hex.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).expect("HMAC takes any key");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn base64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// RFC 3986 percent-encoding: everything but `A–Z a–z 0–9 - _ . ~`, as
/// Aliyun's `percentEncode` (space → %20, * → %2A, ~ kept) and URL query
/// values need.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Aliyun: the canonicalised query (sorted by name, each name and value
/// percent-encoded) and its signature (Base64).
pub fn aliyun_sign(method: &str, params: &[(String, String)], secret: &str) -> (String, String) {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let canonical = sorted
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let to_sign = format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonical)
    );
    let sig = base64(&hmac_sha1(
        format!("{secret}&").as_bytes(),
        to_sign.as_bytes(),
    ));
    (canonical, sig)
}

/// What a TC3-HMAC-SHA256 request signs.
pub struct Tc3<'a> {
    pub secret_id: &'a str,
    pub secret_key: &'a str,
    pub service: &'a str,
    pub host: &'a str,
    pub path: &'a str,
    pub action: &'a str,
    pub content_type: &'a str,
    pub payload: &'a str,
    pub timestamp: i64,
}

/// Tencent Cloud: the `Authorization` header of a POST.
pub fn tc3_authorization(r: &Tc3<'_>) -> String {
    let date = jiff::Timestamp::from_second(r.timestamp)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .strftime("%Y-%m-%d")
        .to_string();
    let signed_headers = "content-type;host;x-tc-action";
    let canonical_request = format!(
        "POST\n{}\n\ncontent-type:{}\nhost:{}\nx-tc-action:{}\n\n{signed_headers}\n{}",
        r.path,
        r.content_type,
        r.host,
        r.action.to_ascii_lowercase(),
        sha256_hex(r.payload.as_bytes())
    );
    let scope = format!("{date}/{}/tc3_request", r.service);
    let to_sign = format!(
        "TC3-HMAC-SHA256\n{}\n{scope}\n{}",
        r.timestamp,
        sha256_hex(canonical_request.as_bytes())
    );
    let k_date = hmac_sha256(format!("TC3{}", r.secret_key).as_bytes(), date.as_bytes());
    let k_service = hmac_sha256(&k_date, r.service.as_bytes());
    let k_signing = hmac_sha256(&k_service, b"tc3_request");
    let signature = hex::encode(hmac_sha256(&k_signing, to_sign.as_bytes()));
    format!(
        "TC3-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        r.secret_id
    )
}

/// DingTalk: the `sign` query value (Base64, before URL-encoding).
pub fn dingtalk_sign(timestamp_ms: i64, secret: &str) -> String {
    base64(&hmac_sha256(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    ))
}

/// wuye webhooks: `X-Wuye-Signature: sha256=<hex>` over `timestamp.body`.
pub fn webhook_signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut data = format!("{timestamp}.").into_bytes();
    data.extend_from_slice(body);
    format!(
        "sha256={}",
        hex::encode(hmac_sha256(secret.as_bytes(), &data))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_follows_rfc3986() {
        assert_eq!(percent_encode("a b*c~d/e+f=g"), "a%20b%2Ac~d%2Fe%2Bf%3Dg");
        assert_eq!(percent_encode("物业"), "%E7%89%A9%E4%B8%9A");
    }

    /// The worked example of Aliyun's SMS signature document
    /// (AccessKeySecret `testSecret`, GET).
    #[test]
    fn aliyun_documented_example() {
        let p = |k: &str, v: &str| (k.to_string(), v.to_string());
        let params = vec![
            p("AccessKeyId", "testId"),
            p("Action", "SendSms"),
            p("Format", "XML"),
            p("OutId", "123"),
            p("PhoneNumbers", "15300000001"),
            p("RegionId", "cn-hangzhou"),
            p("SignName", "阿里云短信测试专用"),
            p("SignatureMethod", "HMAC-SHA1"),
            p("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            p("SignatureVersion", "1.0"),
            p("TemplateCode", "SMS_71390007"),
            p("TemplateParam", "{\"customer\":\"test\"}"),
            p("Timestamp", "2017-07-12T02:42:19Z"),
            p("Version", "2017-05-25"),
        ];
        let (canonical, sig) = aliyun_sign("GET", &params, "testSecret");
        assert!(canonical.starts_with("AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123"));
        assert_eq!(sig, "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
    }

    #[test]
    fn signatures_are_stable() {
        assert_eq!(
            webhook_signature("k", 1, b"{}"),
            format!("sha256={}", hex::encode(hmac_sha256(b"k", b"1.{}")))
        );
        assert_eq!(dingtalk_sign(1, "s").len(), 44);
        let auth = tc3_authorization(&Tc3 {
            secret_id: "AKID",
            secret_key: "key",
            service: "sms",
            host: "sms.tencentcloudapi.com",
            path: "/",
            action: "SendSms",
            content_type: "application/json; charset=utf-8",
            payload: "{}",
            timestamp: 1_551_113_065,
        });
        assert!(auth.starts_with(
            "TC3-HMAC-SHA256 Credential=AKID/2019-02-25/sms/tc3_request, SignedHeaders=content-type;host;x-tc-action, Signature="
        ));
    }
}
