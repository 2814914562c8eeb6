//! A small SMTP server on 127.0.0.1 that offers STARTTLS with a certificate
//! from a throwaway CA (the test gives wuye that CA as `ca_cert_pem`),
//! offers AUTH only after the upgrade, and keeps what it receives. It can
//! answer the next MAIL FROM with a temporary failure (451).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

#[derive(Debug, Clone, Default)]
pub struct Mail {
    /// Whether the dialogue was upgraded with STARTTLS before MAIL FROM.
    pub tls: bool,
    /// (user, password) from AUTH PLAIN.
    pub auth: Option<(String, String)>,
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

impl Mail {
    /// A header's value (unfolded).
    pub fn header(&self, name: &str) -> Option<String> {
        let head = self.data.split("\r\n\r\n").next().unwrap_or("");
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            if let Some(v) = value.as_mut()
                && (line.starts_with(' ') || line.starts_with('\t'))
            {
                v.push_str(line.trim_start());
                continue;
            }
            if value.is_some() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.eq_ignore_ascii_case(name)
            {
                value = Some(v.trim().to_string());
            }
        }
        value
    }
}

#[derive(Default)]
pub struct Inbox {
    pub mails: Mutex<Vec<Mail>>,
    pub tempfail: AtomicUsize,
}

pub struct SmtpServer {
    pub port: u16,
    /// The CA that signed the server's certificate (PEM).
    pub ca_pem: String,
    pub inbox: Arc<Inbox>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

fn tls_setup() -> (String, tokio_rustls::TlsAcceptor) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "wuye test mail CA");
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
    .unwrap();
    (ca.pem(), tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

impl SmtpServer {
    pub async fn start() -> SmtpServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (ca_pem, acceptor) = tls_setup();
        let inbox = Arc::new(Inbox::default());
        let st = inbox.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let st = st.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let _ = session(Box::new(sock), acceptor, st).await;
                });
            }
        });
        SmtpServer {
            port,
            ca_pem,
            inbox,
            task,
        }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.inbox.mails.lock().unwrap().clone()
    }
}

async fn session(
    sock: Box<dyn Io>,
    acceptor: tokio_rustls::TlsAcceptor,
    st: Arc<Inbox>,
) -> std::io::Result<()> {
    let mut r = BufReader::new(sock);
    let mut tls = false;
    let mut mail = Mail::default();
    let mut auth = None;
    r.get_mut()
        .write_all(b"220 mail.test ESMTP ready\r\n")
        .await?;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            if tls {
                "250-mail.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n".into()
            } else {
                "250-mail.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n".into()
            }
        } else if upper == "STARTTLS" && !tls {
            r.get_mut().write_all(b"220 2.0.0 go ahead\r\n").await?;
            let plain = r.into_inner();
            let secured = acceptor.accept(plain).await?;
            r = BufReader::new(Box::new(secured));
            tls = true;
            continue;
        } else if upper.starts_with("AUTH PLAIN") {
            let b64 = match cmd.split_whitespace().nth(2) {
                Some(b) => b.to_string(),
                None => {
                    r.get_mut().write_all(b"334 \r\n").await?;
                    let mut l = String::new();
                    r.read_line(&mut l).await?;
                    l.trim().to_string()
                }
            };
            use base64::Engine;
            let raw = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap_or_default();
            let parts: Vec<String> = raw
                .split(|b| *b == 0)
                .map(|p| String::from_utf8_lossy(p).into_owned())
                .collect();
            auth = Some((
                parts.get(1).cloned().unwrap_or_default(),
                parts.get(2).cloned().unwrap_or_default(),
            ));
            "235 2.7.0 authenticated\r\n".into()
        } else if upper.starts_with("MAIL FROM:") {
            let fail = st
                .tempfail
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            if fail {
                "451 4.3.0 try again later\r\n".into()
            } else {
                mail = Mail {
                    tls,
                    auth: auth.clone(),
                    from: cmd[10..].trim().to_string(),
                    ..Default::default()
                };
                "250 2.1.0 ok\r\n".into()
            }
        } else if upper.starts_with("RCPT TO:") {
            mail.to.push(cmd[8..].trim().to_string());
            "250 2.1.5 ok\r\n".into()
        } else if upper == "DATA" {
            r.get_mut().write_all(b"354 end with .\r\n").await?;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if r.read_line(&mut l).await? == 0 {
                    return Ok(());
                }
                if l == ".\r\n" {
                    break;
                }
                data.push_str(
                    l.strip_prefix('.')
                        .filter(|_| l.starts_with(".."))
                        .unwrap_or(&l),
                );
            }
            mail.data = data;
            let n = {
                let mut m = st.mails.lock().unwrap();
                m.push(std::mem::take(&mut mail));
                m.len()
            };
            format!("250 2.0.0 queued as TEST{n}\r\n")
        } else if upper == "QUIT" {
            r.get_mut().write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            "250 2.0.0 ok\r\n".into()
        } else {
            "502 5.5.2 not implemented\r\n".into()
        };
        r.get_mut().write_all(reply.as_bytes()).await?;
    }
}
