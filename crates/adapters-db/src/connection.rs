//! The [`Database`] handle: which backend the URL names, the bb8 pool of
//! each, the setup every pooled connection gets, and `with_conn!`, the
//! macro through which every query is written once for both backends.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::sql_types::Integer;
use diesel::{IntoSql, SqliteConnection};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, PoolError, RecyclingMethod,
};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use realty_domain::DomainError;

use crate::errors::{DbError, Writing, db_error};

/// Checks a connection out of whichever pool the database has and evaluates
/// `$body` with `$conn` bound to it: the body is written once and compiled
/// twice, once per backend, so a query cannot drift between them. The body
/// must evaluate to `Result<_, DomainError>`; a failed checkout returns
/// `Internal` from the enclosing function.
macro_rules! with_conn {
    ($db:expr, $conn:ident => $body:expr) => {
        match &$db.pools {
            $crate::connection::Pools::Postgres(pool) => {
                let mut pooled = pool.get().await.map_err($crate::errors::checkout_failed)?;
                let $conn: &mut ::diesel_async::AsyncPgConnection = &mut pooled;
                $body
            }
            $crate::connection::Pools::Sqlite { pool, .. } => {
                let mut pooled = pool.get().await.map_err($crate::errors::checkout_failed)?;
                let $conn: &mut $crate::connection::SqliteConn = &mut pooled;
                $body
            }
        }
    };
}

pub(crate) use with_conn;

/// A SQLite connection usable from async code: diesel-async runs each of its
/// statements on tokio's blocking pool.
pub(crate) type SqliteConn = SyncConnectionWrapper<SqliteConnection>;

pub(crate) type PgPool = bb8::Pool<AsyncDieselConnectionManager<AsyncPgConnection>>;
pub(crate) type SqlitePool = bb8::Pool<AsyncDieselConnectionManager<SqliteConn>>;

/// Run on every new SQLite connection. `busy_timeout` comes first so that
/// the others wait for a lock rather than fail. Foreign keys are off by
/// default in SQLite and cascades depend on them; WAL lets readers proceed
/// while one writer writes; `synchronous = NORMAL` is durable enough in WAL
/// mode (a power cut may lose the last commits, never corrupt the file).
const SQLITE_SETUP: &str = "PRAGMA busy_timeout = 5000;
PRAGMA foreign_keys = ON;
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;";

/// Sizing of the connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolOptions {
    /// The most connections open at once.
    pub max_size: u32,
    /// How long a query waits for a free connection before failing.
    pub connection_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self { max_size: 10, connection_timeout: Duration::from_secs(5) }
    }
}

/// The pool of whichever backend the URL named.
#[derive(Clone)]
pub(crate) enum Pools {
    Postgres(PgPool),
    /// The path is kept for migrations, which need a plain sync connection.
    Sqlite {
        pool: SqlitePool,
        path: Arc<str>,
    },
}

/// realty's storage: a pool of SQLite or PostgreSQL connections that
/// implements every repository port of the domain. Cheap to clone (the pool
/// is shared).
#[derive(Clone)]
pub struct Database {
    pub(crate) pools: Pools,
    queries: Arc<AtomicU64>,
}

impl fmt::Debug for Database {
    // Hand-written so that nothing of the URL (a password) can be printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend())
            .field("query_count", &self.query_count())
            .finish_non_exhaustive()
    }
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
        if options.connection_timeout.is_zero() {
            return Err(DbError::InvalidOptions("connection_timeout must not be zero"));
        }
        let queries = Arc::new(AtomicU64::new(0));
        let pools = match Target::parse(url)? {
            Target::Postgres => {
                let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(url);
                let setup = Setup { statements: None, queries: Arc::clone(&queries) };
                Pools::Postgres(build_pool(manager, setup, options).await?)
            }
            Target::Sqlite(path) => {
                // A file does not drop connections: skip the `SELECT 1` that
                // the default recycling sends on every checkout.
                let mut config = ManagerConfig::default();
                config.recycling_method = RecyclingMethod::Fast;
                let manager = AsyncDieselConnectionManager::<SqliteConn>::new_with_config(path, config);
                let setup = Setup { statements: Some(SQLITE_SETUP), queries: Arc::clone(&queries) };
                Pools::Sqlite { pool: build_pool(manager, setup, options).await?, path: Arc::from(path) }
            }
        };
        Ok(Self { pools, queries })
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn backend(&self) -> &'static str {
        match self.pools {
            Pools::Postgres(_) => "postgres",
            Pools::Sqlite { .. } => "sqlite",
        }
    }

    /// Runs `SELECT 1`: whether the database answers (the readiness probe).
    ///
    /// # Errors
    /// `Unavailable` when no connection can be had or the query fails.
    pub async fn ping(&self) -> Result<(), DbError> {
        let answer: Result<(), DomainError> = async {
            with_conn!(self, conn => {
                diesel::select(1_i32.into_sql::<Integer>())
                    .get_result::<i32>(conn)
                    .await
                    .map(|_| ())
                    .map_err(|error| db_error(error, Writing::Other))
            })
        }
        .await;
        answer.map_err(|error| DbError::Unavailable(Box::new(error)))
    }

    /// How many SQL statements this handle's connections have run since it
    /// was opened (pool checks and `BEGIN`/`COMMIT` included). Always on and
    /// cheap (one atomic add per statement); tests use it to prove that a
    /// page costs a bounded number of queries.
    pub fn query_count(&self) -> u64 {
        AtomicU64::load(&self.queries, Ordering::Relaxed)
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
        // bb8 would run `SELECT 1` on every checkout: a round trip per
        // repository call. A connection that broke is noticed by diesel-async
        // (`is_broken`) when it comes back and is dropped then instead.
        .test_on_check_out(false)
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
/// and the statement counter.
#[derive(Debug, Clone)]
struct Setup {
    statements: Option<&'static str>,
    queries: Arc<AtomicU64>,
}

impl Setup {
    async fn apply<C: AsyncConnection + 'static>(&self, conn: &mut C) -> Result<(), PoolError> {
        if let Some(statements) = self.statements {
            conn.batch_execute(statements).await.map_err(PoolError::QueryError)?;
        }
        conn.set_instrumentation(QueryCounter(Arc::clone(&self.queries)));
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

/// Counts the statements a connection starts.
struct QueryCounter(Arc<AtomicU64>);

impl Instrumentation for QueryCounter {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
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
