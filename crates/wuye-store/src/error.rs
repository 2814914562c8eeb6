//! The storage layer's error. Constraint violations are named with the
//! constraint (the same name on both backends), so the app layer can turn
//! them into the right user-facing error.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A unique constraint refused the row; the name is the constraint's.
    #[error("unique constraint {0} violated")]
    Unique(&'static str),
    /// A foreign key refused the change: a reference to something missing,
    /// or a delete of something still referenced.
    #[error("foreign key violated")]
    ForeignKey,
    #[error("row not found")]
    NotFound,
    /// The database is busy or the pool is exhausted; worth retrying.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Db(sqlx::Error),
    /// A read on SQLite's direct path (`reader`) failed.
    #[error("database error: {0}")]
    Direct(String),
    /// The bulk path (bench seed) failed.
    #[error("bulk load failed: {0}")]
    Bulk(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Bulk(e.to_string())
    }
}

/// Unique keys by name, with the table and columns SQLite reports instead of
/// the name ("UNIQUE constraint failed: communities.company_id, communities.name").
const UNIQUE_KEYS: &[(&str, &str)] = &[
    (
        "communities_name_key",
        "communities.company_id, communities.name",
    ),
    (
        "buildings_name_key",
        "buildings.community_id, buildings.name",
    ),
    (
        "entrances_name_key",
        "entrances.building_id, entrances.name",
    ),
    ("homes_label_key", "homes.community_id, homes.label"),
    ("users_username_key", "users.username"),
    ("users_phone_key", "users.phone"),
    (
        "residents_phone_key",
        "residents.company_id, residents.phone",
    ),
    ("residents_user_idx", "residents.user_id"),
    ("staff_phone_key", "staff.company_id, staff.phone"),
    ("staff_user_idx", "staff.user_id"),
    ("teams_code_key", "teams.company_id, teams.code"),
    ("teams_name_key", "teams.company_id, teams.name"),
    (
        "team_members_pkey",
        "team_members.team_id, team_members.staff_id",
    ),
    (
        "resident_homes_pkey",
        "resident_homes.resident_id, resident_homes.home_id",
    ),
    (
        "staff_communities_pkey",
        "staff_communities.staff_id, staff_communities.community_id",
    ),
];

pub(crate) fn unique_key_name(constraint: Option<&str>, message: &str) -> &'static str {
    if let Some(c) = constraint
        && let Some((name, _)) = UNIQUE_KEYS.iter().find(|(n, _)| *n == c)
    {
        return name;
    }
    UNIQUE_KEYS
        .iter()
        .find(|(_, cols)| message.ends_with(cols))
        .map(|(n, _)| *n)
        .unwrap_or("unknown_key")
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
                StoreError::Unavailable(e.to_string())
            }
            sqlx::Error::Database(db) => {
                if db.is_unique_violation() {
                    StoreError::Unique(unique_key_name(db.constraint(), db.message()))
                } else if db.is_foreign_key_violation() {
                    StoreError::ForeignKey
                } else if db.code().as_deref().is_some_and(|c| c == "5" || c == "517") {
                    // SQLITE_BUSY / SQLITE_BUSY_SNAPSHOT
                    StoreError::Unavailable(e.to_string())
                } else {
                    StoreError::Db(e)
                }
            }
            _ => StoreError::Db(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_messages_map_to_constraint_names() {
        assert_eq!(
            unique_key_name(
                None,
                "UNIQUE constraint failed: communities.company_id, communities.name"
            ),
            "communities_name_key"
        );
        assert_eq!(
            unique_key_name(Some("users_phone_key"), "duplicate key"),
            "users_phone_key"
        );
        assert_eq!(
            unique_key_name(None, "UNIQUE constraint failed: users.username"),
            "users_username_key"
        );
    }
}
