//! KPI use cases: keeping the rollups current (in the transaction of every
//! change), the dashboard, threshold alerts, and exports.

pub mod alerts;
pub mod dashboard;
pub mod export;
pub mod refresh;
