//! Use cases of the property directory.

pub mod communities;
pub mod property;
pub mod residents;
pub mod staff;
pub mod teams;

use crate::error::Result;
use wuye_domain::Error;
use wuye_domain::access::Actor;
use wuye_domain::ids::CommunityId;

/// Things outside the actor's communities answer "not found", never
/// "forbidden", so that ids of other communities cannot be probed.
pub(crate) fn require_community(actor: &Actor, c: CommunityId, zh: &str, en: &str) -> Result<()> {
    if actor.in_community(c) {
        Ok(())
    } else {
        Err(Error::not_found(zh, en).into())
    }
}

/// An optional text field: trimmed, `None` when blank, at most `max` chars.
pub(crate) fn opt_text(v: Option<&str>, max: usize, field: &str) -> Result<Option<String>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) if s.chars().count() > max => Err(Error::invalid(
            "text_too_long",
            format!("内容不能超过 {max} 个字"),
            format!("At most {max} characters"),
        )
        .with_field(field)
        .into()),
        Some(s) => Ok(Some(s.to_string())),
    }
}
