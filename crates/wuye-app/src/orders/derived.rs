//! What follows from a change of an order, in the change's transaction: its
//! SLA clocks and levels, then its KPI contributions. Both read the order
//! and its state history; here they are read once for the two.

use crate::App;
use crate::error::Result;
use crate::kpi::refresh::kpi_refresh_known;
use crate::sla::refresh::load_setup;
use wuye_domain::ids::CompanyId;
use wuye_store::{Exec, orders, sla};

impl App {
    /// Brings an order's clocks and KPIs up to date after a change.
    /// `created`: the order was inserted in this transaction, so it has no
    /// clocks, levels or contributions to clear or compare yet.
    pub(crate) async fn refresh_derived(
        &self,
        c: &mut impl Exec,
        company: CompanyId,
        order: i64,
        now: i64,
        created: bool,
    ) -> Result<()> {
        let o = orders::get(c, self.db.backend(), company, order, false).await?;
        let history = sla::state_history(c, order).await?;
        let setup = load_setup(&mut self.db.side_reads()?, c, company, now).await?;
        let clocks = self
            .sla_refresh_known(c, &o, &history, now, &setup, created)
            .await?;
        kpi_refresh_known(c, &o, &history, &clocks, created).await
    }
}
