//! Residents (and the homes they live in), staff, and teams.

mod residents;
mod staff;
mod teams;

pub use residents::*;
pub use staff::*;
pub use teams::*;
