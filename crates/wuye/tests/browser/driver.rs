//! Headless Chromium driven over WebDriver (Debian's `chromium` and
//! `chromium-driver`), one chromedriver per test, killed when the test ends.
//! Without them the browser tests print SKIPPED and pass, unless
//! `WUYE_REQUIRE_BROWSER=1` (CI sets it).

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub const PHONE: (u32, u32) = (390, 844);
pub const DESKTOP: (u32, u32) = (1280, 900);
const AXE: &str = include_str!("vendor/axe.min.js");

pub struct Browser {
    pub client: Client,
    pub base: String,
    driver: Child,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn find_binary(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find(|n| {
            Command::new(n)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok()
        })
        .map(|n| n.to_string())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session; None = skipped.
    pub async fn start(base: &str) -> Option<Browser> {
        let required = std::env::var("WUYE_REQUIRE_BROWSER").as_deref() == Ok("1");
        let (Some(driver_bin), Some(chrome)) = (
            find_binary(&["chromedriver"]),
            find_binary(&["chromium", "chromium-browser", "google-chrome"]),
        ) else {
            if required {
                panic!("WUYE_REQUIRE_BROWSER=1 but chromium / chromedriver are not installed");
            }
            eprintln!(
                "SKIPPED: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
            );
            return None;
        };
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let chrome_path = which(&chrome);
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chrome_path,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-quic", "--no-first-run", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--lang=zh-CN",
                         "--window-size=1280,900", "--force-device-scale-factor=1"],
                "prefs": {"intl.accept_languages": "zh-CN,zh"}
            }
        });
        let caps: serde_json::Map<String, Value> = caps.as_object().unwrap().clone();
        let mut last = None;
        for _ in 0..50 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => {
                    return Some(Browser {
                        client,
                        base: base.to_string(),
                        driver,
                    });
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("cannot start a browser session: {last:?}");
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    pub async fn size(&self, (w, h): (u32, u32)) {
        self.client.set_window_size(w, h).await.unwrap();
    }

    pub async fn goto(&self, path: &str) {
        self.client
            .goto(&format!("{}{}", self.base, path))
            .await
            .unwrap();
    }

    pub async fn path(&self) -> String {
        let u = self.client.current_url().await.unwrap();
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "no {css} on {}: {e}",
                    futures::executor::block_on(self.client.current_url())
                        .map(|u| u.to_string())
                        .unwrap_or_default()
                )
            })
    }

    pub async fn fill(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.clear().await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap();
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.wait_for(css)
            .await
            .select_by_value(value)
            .await
            .unwrap();
    }

    pub async fn text(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.unwrap()
    }

    /// The page's text; tolerates the page being replaced while it is read.
    pub async fn body(&self) -> String {
        for _ in 0..20 {
            if let Ok(el) = self.client.find(Locator::Css("body")).await
                && let Ok(t) = el.text().await
            {
                return t;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        String::new()
    }

    /// Waits until the page's text contains `needle`.
    pub async fn wait_text(&self, needle: &str) {
        for _ in 0..50 {
            if self.body().await.contains(needle) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!(
            "“{needle}” never appeared on {}:\n{}",
            self.path().await,
            self.body().await
        );
    }

    pub async fn login(&self, login: &str, password: &str) {
        self.goto("/login").await;
        self.fill("#login", login).await;
        self.fill("#password", password).await;
        self.click("form[action='/login'] button[type=submit]")
            .await;
        self.wait_for("form[action='/logout']").await;
    }

    pub async fn logout(&self) {
        self.click("form[action='/logout'] button").await;
        self.wait_for("#login").await;
    }

    /// Serious and critical accessibility problems on the current page.
    pub async fn axe(&self) -> Vec<String> {
        self.client.execute(AXE, vec![]).await.unwrap();
        let r = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                    .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                        .map(v => v.id + ': ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
                    .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .unwrap();
        r.as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap_or("").to_string())
            .collect()
    }

    /// Saves a screenshot under docs/screenshots when WUYE_SCREENSHOTS is set.
    pub async fn screenshot(&self, name: &str) {
        if std::env::var_os("WUYE_SCREENSHOTS").is_none() {
            return;
        }
        let png = self.client.screenshot().await.unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

fn which(bin: &str) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {bin}"))
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
