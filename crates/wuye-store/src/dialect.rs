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

/// Row lock for read-modify-write inside a transaction. SQLite needs none:
/// its write transactions are `BEGIN IMMEDIATE` on the single writer.
pub fn for_update(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "",
        Backend::Postgres => " FOR UPDATE",
    }
}

/// Quotes one search term for the backend's full-text query syntax.
fn fts_quote(backend: Backend, term: &str, prefix: bool) -> String {
    match backend {
        Backend::Sqlite => {
            let q = format!("\"{}\"", term.replace('"', "\"\""));
            if prefix { format!("{q}*") } else { q }
        }
        Backend::Postgres => {
            let q = format!("'{}'", term.replace('\'', "''").replace('\\', "\\\\"));
            if prefix { format!("{q}:*") } else { q }
        }
    }
}

/// A full-text query (FTS5 MATCH syntax, or a tsquery literal) requiring
/// every term: the word itself, or all of its bigrams.
pub fn fts_query(backend: Backend, terms: &[wuye_domain::search::QueryTerm]) -> String {
    let (and, or) = match backend {
        Backend::Sqlite => (" AND ", " OR "),
        Backend::Postgres => (" & ", " | "),
    };
    terms
        .iter()
        .map(|t| {
            let word = fts_quote(backend, &t.word, t.prefix);
            if t.bigrams.is_empty() {
                word
            } else {
                let all: Vec<String> = t
                    .bigrams
                    .iter()
                    .map(|b| fts_quote(backend, b, false))
                    .collect();
                format!("({word}{or}({}))", all.join(and))
            }
        })
        .collect::<Vec<_>>()
        .join(and)
}

/// The condition "order `alias`.id matches the query bound next".
pub fn fts_condition(backend: Backend, alias: &str) -> String {
    match backend {
        Backend::Sqlite => {
            format!("{alias}.id IN (SELECT rowid FROM work_order_fts WHERE work_order_fts MATCH ")
        }
        Backend::Postgres => format!("({alias}.search @@ CAST("),
    }
}

/// Closes `fts_condition` after the bound query.
pub fn fts_condition_end(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => ")",
        Backend::Postgres => " AS tsquery))",
    }
}
