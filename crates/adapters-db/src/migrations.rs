//! The schema migrations, embedded in the binary, one folder per backend,
//! and [`Database::migrate`] which applies the pending ones, then brings
//! the derived data up to date with the code's folding.

use diesel::connection::SimpleConnection;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use realty_domain::DomainError;

use crate::connection::{Database, Pools};
use crate::error::DbError;

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Keyed by schema, like the migration lock, so that independent schemas
/// (one per test) do not wait on each other.
const LOCK_REFRESH: &str = "SELECT pg_advisory_lock(4243, hashtext(coalesce(current_schema(), '')))";
const UNLOCK_REFRESH: &str = "SELECT pg_advisory_unlock(4243, hashtext(coalesce(current_schema(), '')))";

impl Database {
    /// Applies the migrations not yet applied. Safe to call from several
    /// instances starting together: on PostgreSQL they take turns.
    ///
    /// # Errors
    /// `Connect` when no connection can be opened; `Migrate` when a
    /// migration fails (earlier ones stay applied, each runs in its own
    /// transaction).
    pub async fn migrate(&self) -> Result<(), DbError> {
        let applied = match (&self.pools, &self.sqlite_path) {
            (Pools::Postgres { for_values: pool, .. }, _) => {
                // A connection of its own, outside the pool: the migration
                // harness is synchronous and must own it on a blocking thread.
                let conn =
                    pool.dedicated_connection().await.map_err(|error| DbError::Connect(Box::new(error)))?;
                tokio::task::spawn_blocking(move || migrate_postgres(conn)).await
            }
            (Pools::Sqlite(_), Some(path)) => {
                let path = path.clone();
                tokio::task::spawn_blocking(move || migrate_sqlite(&path)).await
            }
            (Pools::Sqlite(_), None) => {
                return Err(DbError::InvalidOptions("a SQLite database without a path"));
            }
        };
        let applied =
            applied.map_err(|error| DbError::Migrate(Box::new(error)))?.map_err(DbError::Migrate)?;
        for version in &applied {
            tracing::info!(%version, backend = self.backend(), "applied migration");
        }
        self.refresh_if_stale().await
    }

    /// Recomputes derived data made by an older folding. On PostgreSQL an
    /// advisory lock (held on a connection of its own) makes instances
    /// starting together take turns: the second finds the work done.
    async fn refresh_if_stale(&self) -> Result<(), DbError> {
        let refresh_failed = |error: DomainError| DbError::Migrate(Box::new(error));
        if !self.derived_data_is_stale().await.map_err(refresh_failed)? {
            return Ok(());
        }
        let mut lock = match &self.pools {
            Pools::Postgres { for_values: pool, .. } => {
                let mut conn =
                    pool.dedicated_connection().await.map_err(|error| DbError::Connect(Box::new(error)))?;
                diesel_async::RunQueryDsl::execute(diesel::sql_query(LOCK_REFRESH), &mut conn)
                    .await
                    .map_err(|error| DbError::Migrate(Box::new(error)))?;
                Some(conn)
            }
            Pools::Sqlite(_) => None,
        };
        let outcome = async {
            if self.derived_data_is_stale().await? {
                tracing::info!("recomputing city keys, summaries and search words with the current folding");
                self.refresh_derived_data().await?;
            }
            Ok::<_, DomainError>(())
        }
        .await;
        if let Some(conn) = &mut lock {
            // Also released when the connection closes, right after.
            let _ = diesel_async::RunQueryDsl::execute(diesel::sql_query(UNLOCK_REFRESH), conn).await;
        }
        outcome.map_err(refresh_failed)
    }
}

fn migrate_postgres(conn: AsyncPgConnection) -> Result<Vec<String>, BoxError> {
    let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::from(conn);
    // Instances starting together would otherwise both see a migration as
    // pending and both run it. The lock is keyed by schema so that
    // independent schemas (one per test) do not wait on each other; a
    // session lock, it also goes away if this connection dies.
    diesel::sql_query("SELECT pg_advisory_lock(4242, hashtext(coalesce(current_schema(), '')))")
        .execute(&mut conn)?;
    let applied = run(&mut conn, POSTGRES);
    let unlocked =
        diesel::sql_query("SELECT pg_advisory_unlock(4242, hashtext(coalesce(current_schema(), '')))")
            .execute(&mut conn);
    let applied = applied?;
    unlocked?;
    Ok(applied)
}

fn migrate_sqlite(path: &str) -> Result<Vec<String>, BoxError> {
    let mut conn = SqliteConnection::establish(path)?;
    // Another process may hold the write lock: wait for it like the pool does.
    conn.batch_execute("PRAGMA busy_timeout = 5000")?;
    // SQLite has no advisory lock: holding the write lock (BEGIN IMMEDIATE)
    // from before the harness reads which migrations are pending serialises
    // processes starting together. Each migration's own transaction becomes
    // a savepoint inside this one.
    conn.immediate_transaction(|conn| run(conn, SQLITE))
}

fn run<C>(conn: &mut C, migrations: EmbeddedMigrations) -> Result<Vec<String>, BoxError>
where
    C: MigrationHarness<C::Backend> + Connection,
{
    let applied = conn.run_pending_migrations(migrations)?;
    Ok(applied.iter().map(ToString::to_string).collect())
}
