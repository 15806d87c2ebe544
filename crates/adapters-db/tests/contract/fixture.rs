//! Fixtures: a fresh database per test on each backend, the macro that runs
//! one test body against every backend, and builders of domain values.
//!
//! SQLite: a new file in a temporary directory. PostgreSQL: a new schema in
//! the database named by `TEST_DATABASE_URL`, used through `search_path` and
//! dropped afterwards, so tests run in parallel without seeing each other.
//! Without `TEST_DATABASE_URL` the PostgreSQL tests say they were skipped,
//! unless `REALTY_REQUIRE_POSTGRES=1`, where they fail (CI must not skip them
//! silently).

use std::future::Future;
use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, SqliteConnection};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use realty_adapters_db::{Database, PoolOptions};
use realty_domain::ports::{PropertyRepository, UserRepository};
use realty_domain::{
    Action, AreaM2, AuditEntry, BirthDate, Changes, City, Description, Email, NewProperty, NewRoom, NewUser,
    PasswordHash, PersonName, Property, PropertyName, Role, RoomKind, RoomName, TypeSlug, User, UserId,
};

/// Generates, for each named `async fn(TestDb)` of the enclosing module, a
/// `sqlite::<name>` and a `postgres::<name>` test.
macro_rules! contract_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::fixture::run_on_sqlite(super::$name).await;
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    $crate::fixture::run_on_postgres(super::$name).await;
                }
            )+
        }
    };
}

pub(crate) use contract_tests;

/// A migrated, empty database of one backend, and raw access to it for
/// what the ports do not expose (row counts, sabotage).
pub struct TestDb {
    pub db: Database,
    storage: Storage,
}

enum Storage {
    Sqlite { path: PathBuf },
    Postgres { url: String },
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl TestDb {
    /// A second, independent handle on the same storage (another instance
    /// of the service).
    pub async fn connect_again(&self) -> Database {
        Database::connect(&self.url(), PoolOptions::default()).await.expect("the test database reopens")
    }

    /// Runs raw SQL (one or more statements) on a connection of its own.
    pub async fn execute(&self, sql: &str) {
        match &self.storage {
            Storage::Sqlite { path, .. } => {
                let mut conn = SyncConnectionWrapper::<SqliteConnection>::establish(&path.to_string_lossy())
                    .await
                    .expect("the SQLite file opens");
                conn.batch_execute(sql).await.expect("raw SQL runs on SQLite");
            }
            Storage::Postgres { url } => {
                let mut conn =
                    AsyncPgConnection::establish(url).await.expect("PostgreSQL accepts a connection");
                conn.batch_execute(sql).await.expect("raw SQL runs on PostgreSQL");
            }
        }
    }

    /// Runs `SELECT COUNT(*) AS n …`.
    pub async fn count(&self, sql: &str) -> i64 {
        let query = diesel::sql_query(sql);
        let count: Count = match &self.storage {
            Storage::Sqlite { path, .. } => {
                let mut conn = SyncConnectionWrapper::<SqliteConnection>::establish(&path.to_string_lossy())
                    .await
                    .expect("the SQLite file opens");
                query.get_result(&mut conn).await.expect("the count runs on SQLite")
            }
            Storage::Postgres { url } => {
                let mut conn =
                    AsyncPgConnection::establish(url).await.expect("PostgreSQL accepts a connection");
                query.get_result(&mut conn).await.expect("the count runs on PostgreSQL")
            }
        };
        count.n
    }

    /// Makes the database refuse to insert a room called `name`, so that a
    /// test can make the second statement of a write fail.
    pub async fn reject_rooms_named(&self, name: &str) {
        let sql = match self.storage {
            Storage::Sqlite { .. } => format!(
                "CREATE TRIGGER reject_room BEFORE INSERT ON rooms WHEN NEW.name = '{name}' \
                 BEGIN SELECT RAISE(ABORT, 'room rejected by the test'); END;"
            ),
            Storage::Postgres { .. } => format!(
                "CREATE FUNCTION reject_room() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN IF NEW.name = '{name}' THEN RAISE EXCEPTION 'room rejected by the test'; END IF; \
                 RETURN NEW; END $$; \
                 CREATE TRIGGER reject_room BEFORE INSERT ON rooms FOR EACH ROW EXECUTE FUNCTION reject_room();"
            ),
        };
        self.execute(&sql).await;
    }

    fn url(&self) -> String {
        match &self.storage {
            Storage::Sqlite { path, .. } => format!("sqlite://{}", path.display()),
            Storage::Postgres { url } => url.clone(),
        }
    }
}

pub async fn run_on_sqlite<F, Fut>(test: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("realty.db");
    let db = Database::connect(&path.to_string_lossy(), PoolOptions::default())
        .await
        .expect("a new SQLite file opens");
    db.migrate().await.expect("SQLite migrations apply");
    test(TestDb { db, storage: Storage::Sqlite { path } }).await;
    // Only now: a test body that keeps `t.db` alone must still find its file.
    drop(dir);
}

pub async fn run_on_postgres<F, Fut>(test: F)
where
    F: FnOnce(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(base_url) = postgres_url() else {
        return;
    };
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin =
        AsyncPgConnection::establish(&base_url).await.expect("TEST_DATABASE_URL accepts a connection");
    admin.batch_execute(&format!("CREATE SCHEMA {schema}")).await.expect("a test schema can be created");

    let separator = if base_url.contains('?') { '&' } else { '?' };
    let url = format!("{base_url}{separator}options=-csearch_path%3D{schema}");
    let db = Database::connect(&url, PoolOptions::default()).await.expect("PostgreSQL accepts the pool");
    db.migrate().await.expect("PostgreSQL migrations apply");

    // On a task of its own, so that the schema is dropped even when the
    // test panics; the panic is raised again afterwards.
    let outcome = tokio::spawn(test(TestDb { db, storage: Storage::Postgres { url } })).await;
    admin
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .expect("the test schema can be dropped");
    if let Err(error) = outcome {
        match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => panic!("the test task failed: {error}"),
        }
    }
}

fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("REALTY_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "REALTY_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set: the PostgreSQL tests cannot run"
            );
            eprintln!("skipped: set TEST_DATABASE_URL to run this test against PostgreSQL");
            None
        }
    }
}

// ---------------------------------------------------------------- domain builders

/// A fixed instant (microsecond precision, as stored) plus `minutes`.
pub fn at(minutes: i64) -> DateTime<Utc> {
    let base = Utc.with_ymd_and_hms(2025, 3, 1, 9, 30, 0).single().expect("a valid instant");
    base + Duration::minutes(minutes) + Duration::microseconds(123_456)
}

pub fn audit(actor: Option<UserId>, action: Action, minutes: i64) -> AuditEntry {
    AuditEntry { at: at(minutes), actor_id: actor, action, changes: Changes::default() }
}

pub fn new_user(email: &str) -> NewUser {
    NewUser {
        email: Email::parse(email).expect("a valid email"),
        password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        first_name: PersonName::parse("first_name", "Ada").expect("a valid name"),
        last_name: PersonName::parse("last_name", "Lovelace").expect("a valid name"),
        birth_date: Some(birth_date(1990, 5, 17)),
        role: Role::User,
        at: at(0),
    }
}

pub fn birth_date(year: i32, month: u32, day: u32) -> BirthDate {
    let date = NaiveDate::from_ymd_opt(year, month, day).expect("a valid date");
    BirthDate::parse(date, at(0).date_naive()).expect("a plausible birth date")
}

/// Registers a user (self-registration: the entry names no actor).
pub async fn register(db: &Database, email: &str) -> User {
    UserRepository::create(db, new_user(email), audit(None, Action::Create, 0))
        .await
        .expect("the user registers")
}

pub fn room(name: &str, area: f64) -> NewRoom {
    NewRoom {
        name: RoomName::parse(name).expect("a valid room name"),
        kind: RoomKind::Bedroom,
        area: AreaM2::parse(area).expect("a valid area"),
        floor: None,
        description: None,
    }
}

pub fn new_property(
    owner: UserId,
    name: &str,
    city: &str,
    property_type: &str,
    rooms: Vec<NewRoom>,
) -> NewProperty {
    NewProperty {
        owner_id: owner,
        name: PropertyName::parse(name).expect("a valid property name"),
        description: Description::parse("Bright and quiet").expect("a valid description"),
        property_type: TypeSlug::parse("property_type", property_type).expect("a well-formed slug"),
        city: City::parse(city).expect("a valid city"),
        rooms,
        at: at(1),
    }
}

/// Creates a house in Lyon with two rooms.
pub async fn create_house(db: &Database, owner: UserId) -> Property {
    let property =
        new_property(owner, "House", "Lyon", "house", vec![room("Bedroom", 12.5), room("Office", 9.0)]);
    PropertyRepository::create(db, property, audit(Some(owner), Action::Create, 1))
        .await
        .expect("the property is created")
}
