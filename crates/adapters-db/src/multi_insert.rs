//! Multi-row `INSERT … VALUES (…), (…), …` that compiles for both backends.
//!
//! Diesel's own batch insert (`insert_into(t).values(&vec)`) is emulated on
//! SQLite through its *sync* connection only; under diesel-async's
//! `SyncConnectionWrapper` it does not compile (diesel-rs/diesel_async#277).
//! So the statement is built here, once, through Diesel's `AstPass`: each
//! value is still a bound parameter, written with the backend's own
//! placeholder syntax, and never spliced into the SQL text.
//!
//! A row type is declared with [`insert_rows!`], which takes each column
//! once, with its SQL type, and derives from that one list the struct, the
//! column list of the statement and the order of its bound values.

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::BigInt;

/// A row type that can be inserted many at a time (see [`insert_rows!`]).
pub(crate) trait InsertRow<DB: Backend> {
    /// `INSERT INTO <table> (<columns>) VALUES `.
    const INSERT_INTO: &'static str;
    /// Pushes the row's values as bound parameters separated by commas, in
    /// the order of the columns.
    fn push_values<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()>;
}

/// Declares a struct of borrowed column values and its [`InsertRow`] impl
/// for every backend, from one list of `field: Rust type => SQL type`.
macro_rules! insert_rows {
    // One backend's impl: concrete, so that each value's `ToSql` is resolved.
    (@backend $name:ident<$lifetime:lifetime> into $table:ident, $backend:ty,
        $first:ident: $first_sql:ty $(, $field:ident: $sql:ty)*) => {
        impl<$lifetime> $crate::multi_insert::InsertRow<$backend> for $name<$lifetime> {
            const INSERT_INTO: &'static str = concat!(
                "INSERT INTO ", stringify!($table), " (", stringify!($first), $(", ", stringify!($field),)* ") VALUES "
            );

            fn push_values<'b>(
                &'b self,
                mut out: ::diesel::query_builder::AstPass<'_, 'b, $backend>,
            ) -> ::diesel::QueryResult<()> {
                out.push_bind_param::<$first_sql, _>(&self.$first)?;
                $(
                    out.push_sql(", ");
                    out.push_bind_param::<$sql, _>(&self.$field)?;
                )*
                Ok(())
            }
        }
    };
    (
        $(#[$doc:meta])*
        $name:ident<$lifetime:lifetime> into $table:ident {
            $first:ident: $first_type:ty => $first_sql:ty
            $(, $field:ident: $field_type:ty => $sql:ty)* $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub(crate) struct $name<$lifetime> {
            pub(crate) $first: $first_type,
            $(pub(crate) $field: $field_type,)*
        }

        $crate::multi_insert::insert_rows!(@backend $name<$lifetime> into $table, ::diesel::pg::Pg,
            $first: $first_sql $(, $field: $sql)*);
        $crate::multi_insert::insert_rows!(@backend $name<$lifetime> into $table, ::diesel::sqlite::Sqlite,
            $first: $first_sql $(, $field: $sql)*);
    };
}

pub(crate) use insert_rows;

/// `INSERT … VALUES` of every row, in one statement. Executing it with no
/// rows is an error: callers skip empty batches.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MultiInsert<'a, R> {
    rows: &'a [R],
}

impl<'a, R> MultiInsert<'a, R> {
    pub(crate) fn new(rows: &'a [R]) -> Self {
        Self { rows }
    }

    /// The same statement, reading back the id of each inserted row.
    pub(crate) fn returning_ids(self) -> ReturningIds<'a, R> {
        ReturningIds(self)
    }

    fn walk<'b, DB>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend,
        R: InsertRow<DB>,
    {
        if self.rows.is_empty() {
            return Err(diesel::result::Error::QueryBuilderError("an INSERT needs at least one row".into()));
        }
        // The text depends on the row count: caching each variant as a
        // prepared statement would only fill the cache.
        out.unsafe_to_cache_prepared();
        out.push_sql(R::INSERT_INTO);
        for (index, row) in self.rows.iter().enumerate() {
            out.push_sql(if index == 0 { "(" } else { ", (" });
            row.push_values(out.reborrow())?;
            out.push_sql(")");
        }
        Ok(())
    }
}

impl<R> QueryId for MultiInsert<'_, R> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<DB, R> QueryFragment<DB> for MultiInsert<'_, R>
where
    DB: Backend,
    R: InsertRow<DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.walk(out)
    }
}

/// A [`MultiInsert`] with `RETURNING id`: loads one id per row. Ids are
/// drawn as the `VALUES` rows are inserted, in order, on both backends, but
/// `RETURNING` promises no order: sorted, the i-th id is the i-th row's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReturningIds<'a, R>(MultiInsert<'a, R>);

impl<R> QueryId for ReturningIds<'_, R> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<R> Query for ReturningIds<'_, R> {
    type SqlType = BigInt;
}

impl<DB, R> QueryFragment<DB> for ReturningIds<'_, R>
where
    DB: Backend,
    R: InsertRow<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk(out.reborrow())?;
        out.push_sql(" RETURNING id");
        Ok(())
    }
}
