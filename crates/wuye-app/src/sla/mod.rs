//! SLA use cases: keeping each order's clocks and triggers current (in the
//! transaction of every change), the timer that fires warnings, breaches and
//! escalations exactly once, the admin's policies and calendars, alerts.

pub mod admin;
pub mod refresh;
pub mod timer;
pub mod view;

pub use view::{AlertView, ClockView};
