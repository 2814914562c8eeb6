//! Typed ids, so that a home id can never be passed where a resident id is
//! expected. They are plain 64-bit integers in storage and in JSON.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! ids {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = i64)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<i64> for $name {
            fn from(v: i64) -> Self {
                Self(v)
            }
        }
    )*};
}

ids!(
    CompanyId,
    CommunityId,
    BuildingId,
    EntranceId,
    HomeId,
    ResidentId,
    StaffId,
    TeamId,
    UserId,
);
