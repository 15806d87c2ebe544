//! The [`Database`] handle: which backend the URL names, the bb8 pools of
//! each, the setup every pooled connection gets, and [`on_connection!`],
//! through which every query is written once for both backends.
//!
//! Availability: a checkout waits at most the pool's connection timeout
//! (and opening a connection takes at most as long), and a repository call
//! at most the statement timeout; either running out is `Unavailable` (503),
//! never a hang. A connection found broken on checkout (the server
//! restarted, the network dropped it) is replaced, at no round trip, and so
//! is one whose call ran out of time (it may sit on a path that no longer
//! answers); a call that fails because its connection died before anything
//! could be committed is run once more on a fresh one. So is a write whose
//! connection died during its `COMMIT`, once PostgreSQL says (on another
//! connection) that the transaction did not commit.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{IntoSql, SqliteConnection};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolError, PoolableConnection, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, TransactionManager};
use realty_domain::DomainError;

use crate::common_bounds::{self, CommonBounds};
use crate::error::{DbError, Failure, StorageError};
use crate::rare_words::{DEFAULT_MOST_MATCHES, RareWords};

/// Runs `$work`, an `async` block using `$conn`, on a pooled connection of
/// whichever backend the database has, and evaluates to its
/// `Result<_, DomainError>`. The block is written once and compiled once per
/// backend, so a query cannot drift between them; `?` inside it returns from
/// the block. The macro itself returns nothing early: a failed checkout or a
/// timeout is the `Err` it evaluates to, and a block that failed with
/// `retry` set (its connection died first) runs once more, on a connection
/// opened for it rather than one from the pool (see [`Database::checkout`]).
/// With `plans = Plans::Generic`, the block runs where PostgreSQL keeps one
/// plan per cached statement (see [`Plans`]).
macro_rules! on_connection {
    ($db:expr, |$conn:ident| $work:expr) => {
        $crate::connection::on_connection!($db, plans = $crate::connection::Plans::ForValues, |$conn| $work)
    };
    ($db:expr, plans = $plans:expr, |$conn:ident| $work:expr) => {{
        let db: &$crate::connection::Database = $db;
        let plans: $crate::connection::Plans = $plans;
        let mut attempt = 1;
        loop {
            let outcome: Result<_, $crate::error::Failure> = match &db.pools {
                $crate::connection::Pools::Postgres { for_values, generic } => match db
                    .checkout(if plans == $crate::connection::Plans::Generic { generic } else { for_values }, attempt > 1)
                    .await
                {
                    Ok(mut pooled) => {
                        let outcome = {
                            let $conn: &mut ::diesel_async::AsyncPgConnection = &mut pooled;
                            db.bounded($crate::connection::COMMITS.scope(db.clone(), $work)).await
                        };
                        db.settle(&mut *pooled, outcome)
                    }
                    Err(failure) => Err(failure),
                },
                $crate::connection::Pools::Sqlite(pool) => match db.checkout(pool, attempt > 1).await {
                    Ok(mut pooled) => {
                        let outcome = {
                            let $conn: &mut $crate::connection::SqliteConn = &mut pooled;
                            db.bounded($crate::connection::COMMITS.scope(db.clone(), $work)).await
                        };
                        db.settle(&mut *pooled, outcome)
                    }
                    Err(failure) => Err(failure),
                },
            };
            match outcome {
                Err(failure) if failure.retry && attempt == 1 => {
                    tracing::warn!(error = %failure.error, "database connection lost; retrying on a fresh one");
                    attempt += 1;
                }
                outcome => break outcome.map_err(::realty_domain::DomainError::from),
            }
        }
    }};
}

pub(crate) use on_connection;

/// Runs `$work` (an `async` block using `$conn`, the same connection) in a
/// transaction and evaluates to its result. A failure before `COMMIT` keeps
/// its `retry` flag (nothing was committed). A failure of the `COMMIT`
/// itself is not retried as it is, since the commit may have happened: when
/// the connection was lost, the transaction's fate is looked up on another
/// connection ([`commit_fate`], by the id asked for just before, see
/// [`TransactionId`]); committed, the call succeeds with what the work
/// returned; rolled back, it may be retried; otherwise it is final.
macro_rules! in_transaction {
    ($conn:ident, $work:expr) => {{
        let committing = ::std::sync::atomic::AtomicBool::new(false);
        let id = ::std::sync::atomic::AtomicI64::new(i64::MIN);
        let mut value = None;
        let (committing, id, kept) = (&committing, &id, &mut value);
        let outcome = ::diesel_async::AsyncConnection::transaction($conn, async |$conn| {
            *kept = Some($crate::connection::failing($work).await?);
            if let Some(current) = $crate::connection::TransactionId::current($conn).await? {
                id.store(current, ::std::sync::atomic::Ordering::Relaxed);
            }
            committing.store(true, ::std::sync::atomic::Ordering::Relaxed);
            Ok::<_, $crate::error::Failure>(())
        })
        .await;
        let outcome = match outcome {
            Ok(()) => Ok(()),
            Err(failure) if committing.load(::std::sync::atomic::Ordering::Relaxed) => {
                let id = id.load(::std::sync::atomic::Ordering::Relaxed);
                $crate::connection::commit_fate(failure, (id != i64::MIN).then_some(id)).await
            }
            Err(failure) => Err(failure),
        };
        outcome.and_then(|()| {
            value.ok_or_else(|| ::realty_domain::DomainError::internal("a transaction kept no value").into())
        })
    }};
}

pub(crate) use in_transaction;

tokio::task_local! {
    /// The database a call runs on (set by `on_connection!`), for
    /// `in_transaction!` to look up the fate of a `COMMIT` that lost its
    /// connection on another connection.
    pub(crate) static COMMITS: Database;
}

/// What became of a transaction whose `COMMIT` failed with `failure`:
/// `Ok` when it committed, `failure` made retryable when it did not, and
/// final when that cannot be known (the connection was not lost, the
/// backend gives no id, PostgreSQL cannot tell in time).
pub(crate) async fn commit_fate(failure: Failure, id: Option<i64>) -> Result<(), Failure> {
    let failure = failure.at_commit(id);
    let Some(id) = failure.commit_unknown else { return Err(failure) };
    let Ok(db) = COMMITS.try_with(Database::clone) else { return Err(failure) };
    match db.transaction_status(id).await {
        Some(TransactionStatus::Committed) => {
            tracing::warn!(error = %failure.error, "database connection lost during a COMMIT, which happened");
            Ok(())
        }
        Some(TransactionStatus::Aborted) => Err(failure.retryable()),
        None => Err(failure),
    }
}

/// How a transaction ended, as PostgreSQL's `txid_status` tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransactionStatus {
    Committed,
    Aborted,
}

/// The id of the open transaction, for finding out later, on another
/// connection, whether it committed: PostgreSQL's `txid_current()` (one
/// more round trip per write transaction). SQLite has none; its connections
/// are not lost halfway.
pub(crate) trait TransactionId {
    fn current(&mut self) -> impl Future<Output = Result<Option<i64>, Failure>> + Send;
}

impl TransactionId for AsyncPgConnection {
    async fn current(&mut self) -> Result<Option<i64>, Failure> {
        let id = diesel::select(diesel::dsl::sql::<BigInt>("txid_current()")).get_result::<i64>(self).await?;
        Ok(Some(id))
    }
}

impl TransactionId for SqliteConn {
    async fn current(&mut self) -> Result<Option<i64>, Failure> {
        Ok(None)
    }
}

/// Pins a block's error type to [`Failure`], which `?` alone cannot infer.
pub(crate) fn failing<T>(
    work: impl Future<Output = Result<T, Failure>>,
) -> impl Future<Output = Result<T, Failure>> {
    work
}

/// A SQLite connection usable from async code: diesel-async runs each of its
/// statements on tokio's blocking pool.
pub(crate) type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

pub(crate) type PgPool = bb8::Pool<AsyncDieselConnectionManager<AsyncPgConnection>>;
pub(crate) type SqlitePool = bb8::Pool<AsyncDieselConnectionManager<SqliteConn>>;

/// Run on every new SQLite connection, after `PRAGMA busy_timeout` (see
/// [`sqlite_setup`]). Foreign keys are off by default in SQLite and
/// cascades depend on them; WAL lets readers proceed while one writer
/// writes; `synchronous = NORMAL` is durable enough in WAL mode (a power cut
/// may lose the last commits, never corrupt the file).
const SQLITE_SETUP: &str = "PRAGMA foreign_keys = ON;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;";

/// The setup of a new SQLite connection. `busy_timeout` comes first so that
/// the other statements wait for a lock rather than fail, and it is the
/// statement timeout: a call cannot be cut short from the outside on SQLite
/// (diesel-async waits for a cancelled statement to finish on its blocking
/// thread), so the wait for the write lock, the one wait of unbounded
/// length, must give up on its own, as `database is locked` (`Unavailable`).
fn sqlite_setup(options: PoolOptions) -> String {
    let millis = options.statement_timeout.as_millis();
    format!("PRAGMA busy_timeout = {millis};\n{SQLITE_SETUP}")
}

/// The setup of a new PostgreSQL connection. The server gives up on a
/// statement shortly after the client would, so that an abandoned one stops
/// using it.
///
/// Merge joins are not considered: none of the service's statements is
/// better served by one (a page is an index walk with a limit, a write a
/// few rows by key; no captured plan used one, at ten thousand or a million
/// properties), and costing one reads both ends of the join column's index
/// for every pair of relations, which was a third of the planning of a page
/// of words: a search for two words planned in 0.57 ms instead of 1.04 at a
/// million properties, and cost PostgreSQL 1,650 µs instead of 2,317
/// (BENCHMARKS.md, "Planning words").
fn postgres_setup(options: PoolOptions) -> String {
    let millis = options.statement_timeout.as_millis() + 500;
    format!("SET statement_timeout = {millis}; SET enable_mergejoin = off")
}

/// What the connections of [`Plans::Generic`] add to [`postgres_setup`].
const GENERIC_PLANS: &str = "SET plan_cache_mode = force_generic_plan";

/// Sizing and time limits of the connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// The most connections open at once.
    pub max_size: u32,
    /// How long a call waits for a connection (a free one, or a new one
    /// while the server is unreachable) before it is `Unavailable`.
    pub connection_timeout: Duration,
    /// How long one repository call may take on its connection; also the
    /// server-side `statement_timeout` on PostgreSQL and the `busy_timeout`
    /// (the wait for the write lock) on SQLite.
    pub statement_timeout: Duration,
}

impl PoolOptions {
    /// The most connections a database handle opens: `max_size` in its pool
    /// and, on PostgreSQL, as many more in the pool of generic plans (see
    /// [`Plans`]).
    pub fn most_connections(&self) -> u32 {
        self.max_size.saturating_add(self.generic_pool_size())
    }

    /// As large as the first: the pages planned once can be most of the
    /// load, and with half as many connections the requests waiting for one
    /// had twice the tail (p99 2.5–3.4× their p50 against 1.9–2.6× at a
    /// million properties and 16 connections; BENCHMARKS.md, "Bounds
    /// planned once"). They are opened as needed.
    fn generic_pool_size(&self) -> u32 {
        self.max_size
    }
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            connection_timeout: Duration::from_secs(3),
            statement_timeout: Duration::from_secs(5),
        }
    }
}

/// The pools of whichever backend the URL named: PostgreSQL's two (see
/// [`Plans`]), or SQLite's one.
#[derive(Clone)]
pub(crate) enum Pools {
    Postgres { for_values: PgPool, generic: PgPool },
    Sqlite(SqlitePool),
}

/// How PostgreSQL plans the cached (prepared) statements of a call. SQLite
/// plans a statement once, when it is prepared, whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plans {
    /// PostgreSQL's own choice: a cached statement is planned for its values
    /// until its generic plan is estimated no dearer. The value-dependent
    /// searches are not cached, so they are planned for their values each
    /// time (see `search::property_page!`).
    ForValues,
    /// Each cached statement's generic plan, made once per connection, on
    /// connections of their own (`plan_cache_mode = force_generic_plan`),
    /// for a statement whose best plan does not depend on its values though
    /// PostgreSQL's estimate cannot tell: a page of common words walks the
    /// newest-first index whichever they are, and planning it cost more than
    /// running it (BENCHMARKS.md, "Common words, planned once"); so does a
    /// page of bounds met often, and a page of one rare word's entries
    /// (`search::can_be_planned_once`).
    Generic,
}

/// realty's storage: a pool of SQLite connections, or two of PostgreSQL
/// connections (see [`Plans`]), that implements every repository port of
/// the domain. Cheap to clone (the pools are shared).
#[derive(Clone)]
pub struct Database {
    pub(crate) pools: Pools,
    /// The SQLite file, for migrations (which need a plain connection).
    pub(crate) sqlite_path: Option<Arc<str>>,
    options: PoolOptions,
    counts: Arc<StatementCounts>,
    pub(crate) rare_words: Arc<RareWords>,
    pub(crate) common_bounds: Arc<CommonBounds>,
}

impl fmt::Debug for Database {
    // Hand-written so that nothing of the URL (a password) can be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// How many connections a pool has, for the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    pub in_use: u32,
    pub idle: u32,
}

impl Database {
    /// Opens a pool on the database the URL names: `postgres://…` or
    /// `postgresql://…` for PostgreSQL; `sqlite://path`, `sqlite:path` or a
    /// plain file path for SQLite (the file is created when missing). One
    /// connection is opened at once so that a wrong URL fails here.
    ///
    /// # Errors
    /// `UnsupportedUrl` for another scheme or an in-memory SQLite database
    /// (each pooled connection would see its own); `InvalidOptions` for a
    /// zero pool size or timeout; `Connect` when the database cannot be
    /// opened or reached.
    pub async fn connect(url: &str, options: PoolOptions) -> Result<Self, DbError> {
        // bb8 panics on either; a configuration mistake deserves an error.
        if options.max_size == 0 {
            return Err(DbError::InvalidOptions("max_size must be at least 1"));
        }
        if options.connection_timeout.is_zero() || options.statement_timeout.is_zero() {
            return Err(DbError::InvalidOptions("timeouts must not be zero"));
        }
        let counts = Arc::new(StatementCounts::default());
        let (pools, sqlite_path) = match Target::parse(url)? {
            Target::Postgres => {
                let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
                    url,
                    manager_config(options),
                );
                let setup = Setup {
                    statements: Some(postgres_setup(options).into()),
                    counts: Arc::clone(&counts),
                    timeout: options.connection_timeout,
                };
                let for_values = build_pool(manager, setup.clone(), options).await?;
                let generic_setup = Setup {
                    statements: Some(format!("{}; {GENERIC_PLANS}", postgres_setup(options)).into()),
                    ..setup
                };
                let generic_options = PoolOptions { max_size: options.generic_pool_size(), ..options };
                let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
                    url,
                    manager_config(generic_options),
                );
                let generic = build_pool(manager, generic_setup, generic_options).await?;
                (Pools::Postgres { for_values, generic }, None)
            }
            Target::Sqlite(path) => {
                let manager = AsyncDieselConnectionManager::<SqliteConn>::new_with_config(
                    path,
                    manager_config(options),
                );
                let setup = Setup {
                    statements: Some(sqlite_setup(options).into()),
                    counts: Arc::clone(&counts),
                    timeout: options.connection_timeout,
                };
                (Pools::Sqlite(build_pool(manager, setup, options).await?), Some(Arc::from(path)))
            }
        };
        let rare_words = Arc::new(RareWords::new(DEFAULT_MOST_MATCHES));
        let common_bounds = Arc::new(CommonBounds::new(common_bounds::WINDOW, common_bounds::MET_IN_WINDOW));
        Ok(Self { pools, sqlite_path, options, counts, rare_words, common_bounds })
    }

    /// This handle with another bound on the entries of a rare search word
    /// (see `rare_words`), and nothing remembered: tests set it to make
    /// either way of finding a page of words run on a small data set.
    #[must_use]
    pub fn with_rare_word_matches(self, most_matches: u32) -> Self {
        Self { rare_words: Arc::new(RareWords::new(most_matches)), ..self }
    }

    /// This handle with bounds met often when `met_in_window` of the first
    /// `window` properties of a page's order meet them (see
    /// `common_bounds`), and nothing remembered: tests set it to make either
    /// plan of a page of bounds run on a small data set.
    #[must_use]
    pub fn with_common_bounds(self, window: u32, met_in_window: u32) -> Self {
        Self { common_bounds: Arc::new(CommonBounds::new(window, met_in_window)), ..self }
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self.pools {
            Pools::Postgres { .. } => "postgres",
            Pools::Sqlite(_) => "sqlite",
        }
    }

    /// Runs `SELECT 1`: whether the database answers (the readiness probe),
    /// within the connection timeout.
    ///
    /// # Errors
    /// `Unavailable` when no connection can be had or the query fails.
    pub async fn ping(&self) -> Result<(), DbError> {
        let answer: Result<i32, DomainError> = on_connection!(self, |conn| async {
            Ok(diesel::select(1_i32.into_sql::<Integer>()).get_result::<i32>(conn).await?)
        });
        answer.map(|_| ()).map_err(|error| DbError::Unavailable(Box::new(error)))
    }

    /// Connections open now (in both pools on PostgreSQL), in use and idle.
    pub fn pool_state(&self) -> PoolState {
        let states = match &self.pools {
            Pools::Postgres { for_values, generic } => [Some(for_values.state()), Some(generic.state())],
            Pools::Sqlite(pool) => [Some(pool.state()), None],
        };
        states.into_iter().flatten().fold(PoolState { in_use: 0, idle: 0 }, |sum, state| PoolState {
            in_use: sum.in_use + state.connections.saturating_sub(state.idle_connections),
            idle: sum.idle + state.idle_connections,
        })
    }

    /// How many SQL statements this handle's connections have run since it
    /// was opened (`BEGIN`/`COMMIT` included). Always on and cheap (one
    /// atomic add per statement); tests use it to prove that a page costs a
    /// bounded number of queries.
    pub fn query_count(&self) -> u64 {
        AtomicU64::load(&self.counts.started, Ordering::Relaxed)
    }

    /// How many statements this handle's connections have prepared to keep
    /// in their statement caches: tests use it to prove that a statement
    /// meant to be planned once is cached, and then reused.
    pub fn cached_statement_count(&self) -> u64 {
        AtomicU64::load(&self.counts.cached, Ordering::Relaxed)
    }

    /// A connection from `pool` within the connection timeout; with `fresh`
    /// (the retry of a call whose connection died), a new one of its own,
    /// within the same timeout. Not one from the pool: when a server
    /// restarts, every pooled connection dies with the one that failed, and
    /// the client may not have noticed yet, so the check on checkout can
    /// pass a dead one (the retry would then fail with "connection closed").
    pub(crate) async fn checkout<'p, C>(
        &self,
        pool: &'p bb8::Pool<AsyncDieselConnectionManager<C>>,
        fresh: bool,
    ) -> Result<Checkout<'p, C>, Failure>
    where
        C: PoolableConnection + 'static,
        AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
    {
        let unavailable = |error: Box<dyn std::error::Error + Send + Sync>| {
            Failure::from(DomainError::unavailable(StorageError::Checkout(error)))
        };
        if fresh {
            let limit = self.options.connection_timeout;
            return match tokio::time::timeout(limit, pool.dedicated_connection()).await {
                Ok(Ok(conn)) => Ok(Checkout::Fresh(conn)),
                Ok(Err(error)) => Err(unavailable(Box::new(error))),
                Err(_) => Err(DomainError::unavailable(StorageError::Timeout(limit)).into()),
            };
        }
        // bb8 bounds the wait itself (connection_timeout); its error says
        // only "timed out", the cause went to the error sink's log line.
        pool.get().await.map(Checkout::Pooled).map_err(|error| unavailable(Box::new(error)))
    }

    /// `work`, given at most the statement timeout; `Err` when it ran out
    /// (see [`Database::settle`]). The work is dropped mid-statement, which
    /// marks an open transaction broken. (On SQLite the drop waits for the
    /// running statement to end, which the `busy_timeout` bounds.)
    pub(crate) async fn bounded<T>(
        &self,
        work: impl Future<Output = Result<T, Failure>>,
    ) -> Result<Result<T, Failure>, tokio::time::error::Elapsed> {
        tokio::time::timeout(self.options.statement_timeout, work).await
    }

    /// The outcome of a [`Database::bounded`] call on `conn`. A call cut
    /// short is `Unavailable`, and its connection is marked broken so that
    /// the pool discards it instead of handing it out again: outside a
    /// transaction nothing else would, and a connection whose server stopped
    /// answering (a network that loses packets, a failover that left it
    /// behind) would cost every later call on it the whole timeout.
    pub(crate) fn settle<C: AsyncConnection, T>(
        &self,
        conn: &mut C,
        outcome: Result<Result<T, Failure>, tokio::time::error::Elapsed>,
    ) -> Result<T, Failure> {
        outcome.unwrap_or_else(|_| {
            <C::TransactionManager as TransactionManager<C>>::transaction_manager_status_mut(conn)
                .set_in_error();
            Err(DomainError::unavailable(StorageError::Timeout(self.options.statement_timeout)).into())
        })
    }

    /// How transaction `id` ended, as PostgreSQL's `txid_status` tells on a
    /// connection of its own: the transaction's `COMMIT` lost its connection.
    /// While the server still runs it (its backend has not yet noticed the
    /// loss), asks again, within the connection timeout. `None` when it
    /// cannot tell.
    pub(crate) async fn transaction_status(&self, id: i64) -> Option<TransactionStatus> {
        let Pools::Postgres { for_values: pool, .. } = &self.pools else { return None };
        let deadline = tokio::time::Instant::now() + self.options.connection_timeout;
        let mut conn = tokio::time::timeout_at(deadline, self.checkout(pool, true)).await.ok()?.ok()?;
        let status = diesel::dsl::sql::<Nullable<Text>>("txid_status(").bind::<BigInt, _>(id).sql(")");
        loop {
            let asked = diesel::select(status.clone()).get_result::<Option<String>>(&mut *conn);
            match tokio::time::timeout_at(deadline, asked).await.ok()?.ok()?.as_deref() {
                Some("committed") => return Some(TransactionStatus::Committed),
                Some("aborted") => return Some(TransactionStatus::Aborted),
                Some("in progress") if tokio::time::Instant::now() + STATUS_POLL < deadline => {
                    tokio::time::sleep(STATUS_POLL).await;
                }
                _ => return None,
            }
        }
    }
}

/// How often [`Database::transaction_status`] asks again.
const STATUS_POLL: Duration = Duration::from_millis(10);

/// The connection a call runs on: a pooled one, or one opened for a retry
/// (closed after it, see [`Database::checkout`]).
pub(crate) enum Checkout<'p, C>
where
    C: PoolableConnection + 'static,
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C>,
{
    Pooled(bb8::PooledConnection<'p, AsyncDieselConnectionManager<C>>),
    Fresh(C),
}

impl<C> std::ops::Deref for Checkout<'_, C>
where
    C: PoolableConnection + 'static,
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C>,
{
    type Target = C;

    fn deref(&self) -> &C {
        match self {
            Self::Pooled(pooled) => pooled,
            Self::Fresh(conn) => conn,
        }
    }
}

impl<C> std::ops::DerefMut for Checkout<'_, C>
where
    C: PoolableConnection + 'static,
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C>,
{
    fn deref_mut(&mut self) -> &mut C {
        match self {
            Self::Pooled(pooled) => pooled,
            Self::Fresh(conn) => conn,
        }
    }
}

/// Where a URL points.
enum Target<'a> {
    Postgres,
    Sqlite(&'a str),
}

impl<'a> Target<'a> {
    fn parse(url: &'a str) -> Result<Self, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres);
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        if path.is_empty() || path.contains(":memory:") || path.contains("mode=memory") {
            return Err(DbError::UnsupportedUrl(
                "an in-memory SQLite database would differ per pooled connection; give a file path".into(),
            ));
        }
        // Only the scheme is echoed: the rest of a URL may hold a password.
        if let Some((scheme, _)) = path.split_once("://") {
            return Err(DbError::UnsupportedUrl(format!("unknown scheme {scheme}://")));
        }
        Ok(Self::Sqlite(path))
    }
}

/// How the pool opens and checks connections.
///
/// Opening one takes at most the connection timeout: bb8 bounds the wait of
/// a caller, not the attempt itself, and an attempt that hangs (a server
/// that accepts and never answers) would hold its place in the pool for
/// good, so that the pool stays empty once the server is back.
///
/// The check a pooled connection passes on checkout: not broken, i.e. its
/// socket still open and its transaction state clean. No round trip (bb8's
/// default would send `SELECT 1` before every call); a server that went away
/// closes the sockets of its connections, which the client notices at once.
fn manager_config<C: Open>(options: PoolOptions) -> ManagerConfig<C> {
    let mut config = ManagerConfig::default();
    let limit = options.connection_timeout;
    config.custom_setup = Box::new(move |url| {
        let opening = C::open(url);
        Box::pin(async move {
            tokio::time::timeout(limit, opening).await.unwrap_or_else(|_| {
                Err(diesel::ConnectionError::BadConnection(format!("no answer within {limit:?}")))
            })
        })
    });
    config.recycling_method = RecyclingMethod::CustomFunction(Box::new(|conn: &mut C| {
        let broken = conn.is_broken();
        Box::pin(
            async move { if broken { Err(diesel::result::Error::BrokenTransactionManager) } else { Ok(()) } },
        )
    }));
    config
}

/// How a connection of each backend is opened.
trait Open: PoolableConnection + 'static {
    fn open(url: &str) -> Pin<Box<dyn Future<Output = diesel::ConnectionResult<Self>> + Send + '_>>;
}

/// Opened here rather than by diesel-async's `establish`, which keeps only
/// the first words of a failure ("error connecting to server") and drops
/// its cause: the refused connection, the unknown host, the rejected
/// password an operator needs to read at start-up.
impl Open for AsyncPgConnection {
    fn open(url: &str) -> Pin<Box<dyn Future<Output = diesel::ConnectionResult<Self>> + Send + '_>> {
        Box::pin(async move {
            let (client, connection) =
                tokio_postgres::connect(url, tokio_postgres::NoTls).await.map_err(|error| {
                    diesel::ConnectionError::BadConnection(realty_domain::error_chain(&error))
                })?;
            Self::try_from_client_and_connection(client, connection).await
        })
    }
}

impl Open for SqliteConn {
    fn open(url: &str) -> Pin<Box<dyn Future<Output = diesel::ConnectionResult<Self>> + Send + '_>> {
        Box::pin(Self::establish(url))
    }
}

async fn build_pool<C>(
    manager: AsyncDieselConnectionManager<C>,
    setup: Setup,
    options: PoolOptions,
) -> Result<bb8::Pool<AsyncDieselConnectionManager<C>>, DbError>
where
    C: AsyncConnection + 'static,
    AsyncDieselConnectionManager<C>: bb8::ManageConnection<Connection = C, Error = PoolError>,
{
    let pool = bb8::Pool::builder()
        .max_size(options.max_size)
        .connection_timeout(options.connection_timeout)
        .test_on_check_out(true)
        .error_sink(Box::new(LogErrors))
        .connection_customizer(Box::new(setup.clone()))
        .build(manager)
        .await
        .map_err(|error| DbError::Connect(Box::new(error)))?;
    // A pool opens connections lazily and, on failure, retries until its
    // timeout and reports only "timed out". One direct connection gives the
    // real reason now (and, for SQLite, creates the file and turns WAL on
    // before the pool's connections race to do it).
    let mut probe = pool.dedicated_connection().await.map_err(|error| DbError::Connect(Box::new(error)))?;
    setup.apply(&mut probe).await.map_err(|error| DbError::Connect(Box::new(error)))?;
    Ok(pool)
}

/// What every new pooled connection gets: the backend's session settings
/// and the statement counters.
#[derive(Debug, Clone)]
struct Setup {
    statements: Option<std::borrow::Cow<'static, str>>,
    counts: Arc<StatementCounts>,
    /// How long the session settings may take, like the opening itself.
    timeout: Duration,
}

impl Setup {
    async fn apply<C: AsyncConnection + 'static>(&self, conn: &mut C) -> Result<(), PoolError> {
        if let Some(statements) = &self.statements {
            let limit = self.timeout;
            tokio::time::timeout(limit, conn.batch_execute(statements))
                .await
                .map_err(|_| {
                    PoolError::ConnectionError(diesel::ConnectionError::BadConnection(format!(
                        "the session setup got no answer within {limit:?}"
                    )))
                })?
                .map_err(PoolError::QueryError)?;
        }
        conn.set_instrumentation(StatementCounter(Arc::clone(&self.counts)));
        Ok(())
    }
}

impl<C: AsyncConnection + 'static> bb8::CustomizeConnection<C, PoolError> for Setup {
    fn on_acquire<'a>(
        &'a self,
        conn: &'a mut C,
    ) -> Pin<Box<dyn Future<Output = Result<(), PoolError>> + Send + 'a>> {
        Box::pin(self.apply(conn))
    }
}

/// The statements a database handle's connections started, and those they
/// prepared for their caches.
#[derive(Debug, Default)]
struct StatementCounts {
    started: AtomicU64,
    cached: AtomicU64,
}

/// Counts a connection's statements into its handle's [`StatementCounts`].
struct StatementCounter(Arc<StatementCounts>);

impl Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } => self.0.started.fetch_add(1, Ordering::Relaxed),
            InstrumentationEvent::CacheQuery { .. } => self.0.cached.fetch_add(1, Ordering::Relaxed),
            _ => 0,
        };
    }
}

/// Logs why the pool failed to open a connection; bb8 itself only reports
/// a timeout to the caller waiting for one.
#[derive(Debug, Clone, Copy)]
struct LogErrors;

impl bb8::ErrorSink<PoolError> for LogErrors {
    fn sink(&self, error: PoolError) {
        tracing::warn!(error = %error, "database connection failed");
    }

    fn boxed_clone(&self) -> Box<dyn bb8::ErrorSink<PoolError>> {
        Box::new(*self)
    }
}
