//! An HTTP server on 127.0.0.1 standing in for Aliyun SMS, Tencent Cloud SMS,
//! 企业微信 and 钉钉 robots and webhook receivers. It checks every request
//! the way each provider documents — signatures recomputed here, from the
//! documents, independently of wuye's own signing code — answers like the
//! provider, and can be told to fail (HTTP errors, slow answers, hanging).

use super::verify;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The credentials the stand-in expects (the same the test configures).
#[derive(Debug, Clone)]
pub struct Creds {
    pub aliyun_id: &'static str,
    pub aliyun_secret: &'static str,
    pub tencent_id: &'static str,
    pub tencent_key: &'static str,
    pub wecom_key: &'static str,
    pub ding_token: &'static str,
    pub ding_secret: &'static str,
    pub hook_secret: &'static str,
}

pub const CREDS: Creds = Creds {
    aliyun_id: "LTAI5tTestKeyId",
    aliyun_secret: "aliyun-secret-Zk9",
    tencent_id: "AKIDtestSecretId",
    tencent_key: "tencent-secret-Qp3",
    wecom_key: "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
    ding_token: "ding-access-token-1",
    ding_secret: "SECding-signing-secret",
    hook_secret: "whsec_test_4242",
};

/// What the next request gets instead of a normal answer.
#[derive(Debug, Clone, Copy)]
pub enum Fault {
    Status(u16),
    /// Answer normally after this many milliseconds.
    Delay(u64),
    /// Never answer (the request arrived; the caller may be killed now).
    Hang,
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Hit {
    /// aliyun | tencent | wecom | dingtalk | hook
    pub provider: String,
    /// The idempotency key sent (OutId, SessionContext, X-Wuye-Delivery), or
    /// the message text for robots, which take none.
    pub key: String,
    /// Signature and payload as documented.
    pub verified: bool,
    pub problem: Option<String>,
    /// The parsed request (phone, template, params, message …).
    pub fields: Value,
    /// The status answered (0 while hanging or delayed).
    pub status: u16,
}

#[derive(Default)]
pub struct Inner {
    pub hits: Mutex<Vec<Hit>>,
    pub faults: Mutex<VecDeque<Fault>>,
    pub arrived: tokio::sync::Notify,
}

pub struct Receiver {
    pub addr: SocketAddr,
    pub inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener)
    }

    /// Starts on a given port (a receiver that was "down" comes up).
    pub async fn start_on(port: u16) -> Receiver {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        Self::serve(listener)
    }

    fn serve(listener: tokio::net::TcpListener) -> Receiver {
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(Inner::default());
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(inner.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Receiver { addr, inner, task }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn fail_next(&self, faults: &[Fault]) {
        self.inner.faults.lock().unwrap().extend(faults);
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.inner.hits.lock().unwrap().clone()
    }

    pub fn hits_of(&self, provider: &str) -> Vec<Hit> {
        self.hits()
            .into_iter()
            .filter(|h| h.provider == provider)
            .collect()
    }
}

/// A port where nothing listens (for "the receiver is down").
pub async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

async fn handle(
    State(st): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().trim_start_matches('/').to_string();
    let provider = path.split('/').next().unwrap_or("").to_string();
    let query = uri.query().unwrap_or("");
    let c = &CREDS;
    let (key, check, fields) = match provider.as_str() {
        "aliyun" => verify::aliyun(&method, &headers, &body, c.aliyun_id, c.aliyun_secret),
        "tencent" => verify::tencent(&headers, &body, uri.path(), c.tencent_id, c.tencent_key),
        "wecom" => verify::wecom(query, &body, c.wecom_key),
        "dingtalk" => verify::dingtalk(query, &body, c.ding_token, c.ding_secret),
        "hook" => verify::webhook(&headers, &body, c.hook_secret),
        _ => (String::new(), Err("unknown path".into()), Value::Null),
    };
    let index = {
        let mut hits = st.hits.lock().unwrap();
        hits.push(Hit {
            provider: provider.clone(),
            key,
            verified: check.is_ok(),
            problem: check.clone().err(),
            fields,
            status: 0,
        });
        hits.len() - 1
    };
    st.arrived.notify_one();
    let fault = st.faults.lock().unwrap().pop_front();
    let (status, body) = match fault {
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            (200, json!({}))
        }
        Some(Fault::Status(s)) => (s, json!({"error": "injected"})),
        Some(Fault::Delay(ms)) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            answer(&provider, index, &check)
        }
        None => answer(&provider, index, &check),
    };
    st.hits.lock().unwrap()[index].status = status;
    let mut resp = (
        axum::http::StatusCode::from_u16(status).unwrap(),
        axum::Json(body),
    )
        .into_response();
    // No kept-alive connections: a stopped receiver must refuse at once.
    resp.headers_mut()
        .insert("connection", "close".parse().unwrap());
    resp
}

/// The provider's documented answer to a good or a bad request.
fn answer(provider: &str, n: usize, check: &Result<(), String>) -> (u16, Value) {
    match (provider, check) {
        ("aliyun", Ok(())) => (
            200,
            json!({"Code": "OK", "Message": "OK", "BizId": format!("900619746936498440^{n}"), "RequestId": "F655A8D5"}),
        ),
        ("aliyun", Err(e)) => (
            400,
            json!({"Code": "SignatureDoesNotMatch", "Message": e, "RequestId": "F655A8D5"}),
        ),
        ("tencent", Ok(())) => (
            200,
            json!({"Response": {"SendStatusSet": [{"SerialNo": format!("5000:10467{n}"), "PhoneNumber": "+8613711112222",
                "Fee": 1, "SessionContext": "", "Code": "Ok", "Message": "send success", "IsoCode": "CN"}],
                "RequestId": "a0aabda6"}}),
        ),
        ("tencent", Err(e)) => (
            200,
            json!({"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": e}, "RequestId": "a0aabda6"}}),
        ),
        ("wecom" | "dingtalk", Ok(())) => (200, json!({"errcode": 0, "errmsg": "ok"})),
        ("wecom", Err(e)) => (200, json!({"errcode": 93000, "errmsg": e})),
        ("dingtalk", Err(e)) => (200, json!({"errcode": 310000, "errmsg": e})),
        ("hook", Ok(())) => (200, json!({"ok": true})),
        (_, _) => (401, json!({"error": "bad signature"})),
    }
}
