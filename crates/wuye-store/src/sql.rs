//! A tiny builder for dynamic queries (filters that may or may not apply)
//! that numbers placeholders `$1, $2, …`, which both SQLite and PostgreSQL
//! accept. sqlx's `QueryBuilder` writes `?` for the `Any` driver, which
//! PostgreSQL rejects.
//!
//! Every value is kept twice: as sqlx arguments, and as SQLite values for
//! the direct read path (`lite`), so one query text and one list of values
//! serve both ways of running it.

use rusqlite::types::{ToSql, Value};
use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Encode, Type};

pub struct Sql {
    text: String,
    args: AnyArguments<'static>,
    pub(crate) lite: Vec<Value>,
    /// A value that has no plain SQLite form was bound.
    pub(crate) lite_unfit: bool,
    n: usize,
}

impl Sql {
    pub fn new(start: &str) -> Self {
        Self {
            text: start.to_string(),
            args: AnyArguments::default(),
            lite: Vec::new(),
            lite_unfit: false,
            n: 0,
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    /// Appends a placeholder and binds `v` to it.
    pub fn bind<T>(&mut self, v: T) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any> + ToSql,
    {
        self.n += 1;
        self.text.push('$');
        self.text.push_str(&self.n.to_string());
        self.arg(v)
    }

    /// Binds `v` to the next placeholder the text already holds (`$1`, `$2`
    /// … written in a fixed query).
    pub fn arg<T>(&mut self, v: T) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any> + ToSql,
    {
        match v.to_sql() {
            Ok(rusqlite::types::ToSqlOutput::Owned(x)) => self.lite.push(x),
            Ok(rusqlite::types::ToSqlOutput::Borrowed(x)) => self.lite.push(x.into()),
            // The plain values bound here (integers, text, floats, their
            // options) always convert; anything else is refused when the
            // query runs on the direct path, never guessed.
            _ => self.lite_unfit = true,
        }
        self.args
            .add(v)
            .expect("encoding a plain value into Any cannot fail");
        self
    }

    /// Appends `(… $a, $b …)` binding every value; an empty list becomes a
    /// `(NULL)` that matches nothing.
    pub fn bind_list<T>(&mut self, vs: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any> + ToSql,
    {
        self.text.push('(');
        let mut first = true;
        for v in vs {
            if !first {
                self.text.push_str(", ");
            }
            first = false;
            self.bind(v);
        }
        if first {
            self.text.push_str("NULL");
        }
        self.text.push(')');
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub async fn fetch_all<O>(self, conn: &mut crate::Conn) -> Result<Vec<O>, sqlx::Error>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        sqlx::query_as_with(&self.text, self.args)
            .fetch_all(conn)
            .await
    }

    pub async fn fetch_optional<O>(self, conn: &mut crate::Conn) -> Result<Option<O>, sqlx::Error>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        sqlx::query_as_with(&self.text, self.args)
            .fetch_optional(conn)
            .await
    }

    pub async fn execute(self, conn: &mut crate::Conn) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query_with(&self.text, self.args)
            .execute(conn)
            .await?
            .rows_affected())
    }
}
