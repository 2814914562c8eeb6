//! Orders awaiting acceptance are accepted automatically after N days
//! (default 3, `AppConfig::auto_accept_days`). A background task sleeps until
//! the next one is due; on PostgreSQL with several nodes the row lock and the
//! state check make a second node's attempt a harmless no-op.

use crate::App;
use crate::accounts::system_actor;
use crate::error::Result;
use std::time::Duration;
use wuye_domain::ids::CompanyId;
use wuye_domain::work_order::Command;
use wuye_store::orders;

impl App {
    /// Accepts every order whose time has come; returns how many.
    pub async fn run_auto_accept(&self) -> Result<usize> {
        let mut done = 0;
        loop {
            let due = {
                let mut c = self.db.read().await?;
                orders::due_for_auto_accept(&mut c, self.now_ms(), 100).await?
            };
            if due.is_empty() {
                return Ok(done);
            }
            let batch = due.len();
            for (id, company) in due {
                let mut sys = system_actor(CompanyId(company));
                sys.display_name = "系统自动验收".into();
                match self
                    .apply_step(&sys, id, &Command::AutoAccept, true, &[])
                    .await
                {
                    Ok(()) => done += 1,
                    // Someone confirmed or rejected it meanwhile: nothing to do.
                    Err(crate::AppError::Coded(e))
                        if e.kind == wuye_domain::ErrorKind::Conflict => {}
                    Err(e) => return Err(e),
                }
            }
            if batch < 100 {
                return Ok(done);
            }
        }
    }

    /// Runs for the life of the server: sleeps until the next auto-accept is
    /// due (at most a minute, so new ones are noticed), then runs it.
    pub async fn auto_accept_loop(self) {
        loop {
            if let Err(e) = self.run_auto_accept().await {
                tracing::warn!(error = %e, "auto-accept failed; retrying in a minute");
            }
            let next = match self.db.read().await {
                Ok(mut c) => orders::next_auto_accept(&mut c).await.ok().flatten(),
                Err(_) => None,
            };
            let wait = next
                .map(|t| (t - self.now_ms()).clamp(0, 60_000))
                .unwrap_or(60_000);
            tokio::time::sleep(Duration::from_millis(wait as u64 + 50)).await;
        }
    }
}
