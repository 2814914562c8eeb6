//! A tiny builder for dynamic queries (filters that may or may not apply)
//! that numbers placeholders `$1, $2, …`, which both SQLite and PostgreSQL
//! accept. sqlx's `QueryBuilder` writes `?` for the `Any` driver, which
//! PostgreSQL rejects.

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Encode, Type};

pub struct Sql {
    text: String,
    args: AnyArguments<'static>,
    n: usize,
}

impl Sql {
    pub fn new(start: &str) -> Self {
        Self {
            text: start.to_string(),
            args: AnyArguments::default(),
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
        T: 'static + Send + Encode<'static, Any> + Type<Any>,
    {
        self.n += 1;
        self.text.push('$');
        self.text.push_str(&self.n.to_string());
        self.args
            .add(v)
            .expect("encoding a plain value into Any cannot fail");
        self
    }

    /// Appends `(… $a, $b …)` binding every value; an empty list becomes a
    /// `(NULL)` that matches nothing.
    pub fn bind_list<T>(&mut self, vs: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: 'static + Send + Encode<'static, Any> + Type<Any>,
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

    pub async fn fetch_scalar<T>(self, conn: &mut crate::Conn) -> Result<T, sqlx::Error>
    where
        T: Send + Unpin + for<'r> sqlx::Decode<'r, Any> + Type<Any>,
    {
        sqlx::query_scalar_with(&self.text, self.args)
            .fetch_one(conn)
            .await
    }

    pub async fn execute(self, conn: &mut crate::Conn) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query_with(&self.text, self.args)
            .execute(conn)
            .await?
            .rows_affected())
    }
}
