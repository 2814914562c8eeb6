//! The few places where SQLite and PostgreSQL need different SQL.

use crate::Backend;

/// Case-insensitive substring match operator.
pub fn ilike(backend: Backend) -> &'static str {
    match backend {
        // SQLite's LIKE is case-insensitive for ASCII already.
        Backend::Sqlite => "LIKE",
        Backend::Postgres => "ILIKE",
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern (used with `ESCAPE '\'`).
pub fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `%s%` with the input escaped.
pub fn contains_pattern(s: &str) -> String {
    format!("%{}%", like_escape(s))
}
