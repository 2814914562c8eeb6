//! HTTP integration tests, each run against SQLite and PostgreSQL.

mod common;

mod api_basics;
mod authorization;
mod dashboard_ui;
mod directory;
mod dispatch;
mod import;
mod kpi;
mod notify;
mod notify_ui;
mod order_finding;
mod order_fuzz;
mod order_lists;
mod order_steps;
mod orders;
mod photos;
mod sla;
