//! wuye's domain: the types and rules of a property service desk.
//!
//! This crate knows nothing of SQL or HTTP. Everything that decides whether
//! something is allowed, valid or due lives here, so it can be tested without
//! a database and reused by every front end.

pub mod access;
mod bundled;
pub mod category;
pub mod directory;
pub mod dispatch;
pub mod error;
pub mod ids;
pub mod kpi;
pub mod lang;
pub mod notify;
pub mod search;
pub mod sla;
pub mod time;
pub mod values;
pub mod work_order;

pub use error::{Error, ErrorKind};
pub use lang::Lang;
