//! E-mail over SMTP with lettre: STARTTLS required by default (or TLS from
//! the first byte, or plain for a local relay), optional login, an extra
//! trusted CA for private relays. The `Message-ID` is derived from the
//! delivery's idempotency key, so a repeat is recognisable as the same mail.

use super::Outcome;
use crate::notify::setup::Secrets;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;
use wuye_domain::notify::providers::{EmailConfig, SmtpSecurity};
use wuye_store::notify::DeliveryRow;

/// A Message-ID from an idempotency key (only characters an id may hold).
pub fn message_id(key: &str) -> String {
    let id: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '.'
            }
        })
        .collect();
    format!("<{id}@wuye.notify>")
}

fn transport(
    cfg: &EmailConfig,
    secrets: &Secrets,
    timeout: Duration,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = || -> Result<TlsParameters, String> {
        let mut b = TlsParameters::builder(cfg.host.clone());
        if let Some(pem) = &cfg.ca_cert_pem {
            let cert = Certificate::from_pem(pem.as_bytes())
                .map_err(|e| format!("the CA certificate cannot be read: {e}"))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls()
            .map_err(|e| format!("TLS setup failed: {e}"))
    };
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(cfg.host.clone())
        .port(cfg.port)
        .timeout(Some(timeout))
        .tls(match cfg.security {
            SmtpSecurity::Starttls => Tls::Required(tls()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls()?),
            SmtpSecurity::Plain => Tls::None,
        });
    if let Some(user) = cfg.username.as_deref().filter(|u| !u.is_empty()) {
        let password = secrets.get("password").unwrap_or_default();
        b = b.credentials(Credentials::new(user.to_string(), password.to_string()));
    }
    Ok(b.build())
}

pub async fn send(
    cfg: &EmailConfig,
    secrets: &Secrets,
    row: &DeliveryRow,
    timeout: Duration,
) -> Outcome {
    let from_name = cfg
        .from_name
        .clone()
        .unwrap_or_else(|| "物业服务中心".into());
    let from = match cfg.from.parse() {
        Ok(addr) => Mailbox::new(Some(from_name), addr),
        Err(e) => return Outcome::Permanent(format!("the sender address is not valid: {e}")),
    };
    let to: Mailbox = match row.address.parse() {
        Ok(addr) => Mailbox::new(Some(row.recipient_name.clone()), addr),
        Err(e) => return Outcome::Permanent(format!("the recipient address is not valid: {e}")),
    };
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(row.title.clone())
        .message_id(Some(message_id(&row.idem_key)))
        .header(ContentType::TEXT_PLAIN)
        .body(row.body.clone());
    let message = match message {
        Ok(m) => m,
        Err(e) => return Outcome::Permanent(format!("the message cannot be built: {e}")),
    };
    let mailer = match transport(cfg, secrets, timeout) {
        Ok(m) => m,
        Err(e) => return Outcome::Permanent(e),
    };
    // lettre's own timeout covers each command; this bounds the whole dialogue.
    match tokio::time::timeout(timeout * 3, mailer.send(message)).await {
        Ok(Ok(r)) => Outcome::Delivered(r.message().next().map(|s| s.chars().take(100).collect())),
        Ok(Err(e)) if e.is_permanent() => Outcome::Permanent(format!("SMTP: {e}")),
        Ok(Err(e)) => Outcome::Retry(format!("SMTP: {e}")),
        Err(_) => Outcome::Retry("SMTP: timed out".into()),
    }
}
