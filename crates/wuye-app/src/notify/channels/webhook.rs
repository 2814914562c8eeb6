//! Signed webhooks: POST the event as JSON with
//! `X-Wuye-Timestamp: <unix seconds>` and
//! `X-Wuye-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`;
//! `X-Wuye-Delivery` and `Idempotency-Key` carry the delivery's key, the
//! same on every retry, so the receiver can drop repeats.

use super::sign::webhook_signature;
use super::{HTTP, Outcome, by_status, http_error};
use crate::notify::setup::Endpoint;
use std::time::Duration;
use wuye_store::notify::DeliveryRow;

pub async fn send(e: &Endpoint, row: &DeliveryRow, timeout: Duration) -> Outcome {
    let Some(secret) = e.secrets.get("secret") else {
        return Outcome::Permanent("the webhook has no signing secret".into());
    };
    let body = row.payload.clone().into_bytes();
    let ts = jiff::Timestamp::now().as_second();
    let resp = HTTP
        .post(e.spec.url())
        .header("content-type", "application/json")
        .header("x-wuye-event", &row.event)
        .header("x-wuye-delivery", &row.idem_key)
        .header("idempotency-key", &row.idem_key)
        .header("x-wuye-timestamp", ts.to_string())
        .header("x-wuye-signature", webhook_signature(secret, ts, &body))
        .body(body)
        .timeout(timeout)
        .send()
        .await;
    let resp = match resp {
        Ok(r) => r,
        Err(err) => return http_error(err),
    };
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    by_status(status, &text).unwrap_or(Outcome::Delivered(None))
}
