//! Keyset pagination: a page of items and the cursor to the next page.

use serde::{Deserialize, Serialize};
use wuye_domain::Error;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; absent on the last page.
    pub next: Option<String>,
}

/// Paging parameters from a query string.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
pub struct PageParams {
    /// The cursor of the previous page's `next`.
    pub after: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

impl PageParams {
    pub fn limit(&self) -> Result<i64, Error> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=200).contains(&n) => Ok(n),
            Some(_) => Err(Error::invalid(
                "limit_invalid",
                "每页条数应在 1 到 200 之间",
                "limit must be between 1 and 200",
            )
            .with_field("limit")),
        }
    }

    pub fn after_id(&self) -> Result<Option<i64>, Error> {
        match self.after.as_deref() {
            None | Some("") => Ok(None),
            Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
                Error::invalid(
                    "cursor_invalid",
                    "分页游标无效",
                    "The page cursor is not valid",
                )
                .with_field("after")
            }),
        }
    }
}

/// Builds a page from a fetch of `limit + 1` rows.
pub fn page_of<T>(mut rows: Vec<T>, limit: i64, id: impl Fn(&T) -> i64) -> Page<T> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more {
        rows.last().map(|r| id(r).to_string())
    } else {
        None
    };
    Page { items: rows, next }
}
