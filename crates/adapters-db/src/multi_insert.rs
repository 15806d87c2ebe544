//! Multi-row `INSERT … VALUES (…), (…), …` that compiles for both backends.
//!
//! Diesel's own batch insert (`insert_into(t).values(&vec)`) is emulated on
//! SQLite through its *sync* connection only; under diesel-async's
//! `SyncConnectionWrapper` it does not compile (diesel-rs/diesel_async#277).
//! So the statement is built here, once, through Diesel's `AstPass`: each
//! value is still a bound parameter, written with the backend's own
//! placeholder syntax, and never spliced into the SQL text.

use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};

/// A row type that can be inserted many at a time.
pub(crate) trait InsertRow {
    /// `INSERT INTO <table> (<columns>) VALUES `, the columns in the order
    /// [`BindRow::push_values`] binds them.
    const INSERT_INTO: &'static str;
    /// ` RETURNING <columns>`, in the order of [`InsertRow::Returned`].
    const RETURNING: &'static str;
    /// The SQL type of what `RETURNING` reads back.
    type Returned;
}

/// Binds one row's values, for backend `DB`.
pub(crate) trait BindRow<DB: Backend>: InsertRow {
    /// Pushes the row's values as bound parameters separated by commas.
    fn push_values<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()>;
}

/// `INSERT … VALUES` of every row, in one statement. Executing it with no
/// rows is an error: callers skip empty batches.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MultiInsert<'a, R> {
    rows: &'a [R],
}

impl<'a, R: InsertRow> MultiInsert<'a, R> {
    pub(crate) fn new(rows: &'a [R]) -> Self {
        Self { rows }
    }

    /// The same statement, reading back the inserted rows.
    pub(crate) fn returning(self) -> Returning<'a, R> {
        Returning(self)
    }

    fn walk<'b, DB>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend,
        R: BindRow<DB>,
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
    R: BindRow<DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.walk(out)
    }
}

/// A [`MultiInsert`] with `RETURNING`: loads one `R::Returned` per row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Returning<'a, R>(MultiInsert<'a, R>);

impl<R> QueryId for Returning<'_, R> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<R: InsertRow> Query for Returning<'_, R> {
    type SqlType = R::Returned;
}

impl<DB, R> QueryFragment<DB> for Returning<'_, R>
where
    DB: Backend,
    R: BindRow<DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        self.0.walk(out.reborrow())?;
        out.push_sql(R::RETURNING);
        Ok(())
    }
}
