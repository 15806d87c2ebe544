//! Fixtures: a fresh database per test on each backend, the macro that runs
//! one test body against every backend, raw access for what the ports do
//! not expose, and builders of domain values.
//!
//! SQLite: a new file in a temporary directory. PostgreSQL: a new schema in
//! the database named by `TEST_DATABASE_URL`, used through `search_path` and
//! dropped afterwards, so tests run in parallel without seeing each other;
//! its connections carry the schema's name as `application_name`, so that a
//! test can find (and terminate) its own connections and no one else's.
//! Without `TEST_DATABASE_URL` the PostgreSQL tests say they were skipped,
//! unless `REALTY_REQUIRE_POSTGRES=1`, where they fail (CI must not skip them
//! silently).

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Double, Integer};
use diesel::sqlite::Sqlite;
use diesel::{QueryableByName, SqliteConnection};
use diesel_async::sync_connection_wrapper::SyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use realty_adapters_db::{Database, PoolOptions};
use realty_domain::ports::{PropertyRepository, UserRepository};
use realty_domain::{
    Action, AreaM2, AuditEntry, AuditEvent, BirthDate, Changes, City, Decide, Description, DomainError, Edit,
    Edited, Email, NewProperty, NewRoom, NewUser, Page, PasswordHash, PersonName, Precondition, Property,
    PropertyChange, PropertyId, PropertyName, PropertyQuery, PropertyUpdate, Resource, ResourceId, Role,
    RoomKind, RoomKinds, RoomName, SearchWord, Summary, TypeSlug, User, UserId, Version,
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
/// what the ports do not expose (stored columns, row counts, sabotage).
pub struct TestDb {
    pub db: Database,
    storage: Storage,
}

enum Storage {
    Sqlite { path: PathBuf },
    Postgres { url: String, schema: String },
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The summary columns of a property row.
#[derive(QueryableByName)]
struct SummaryRow {
    #[diesel(sql_type = Integer)]
    room_count: i32,
    #[diesel(sql_type = Integer)]
    bedroom_count: i32,
    #[diesel(sql_type = Double)]
    total_area_m2: f64,
    #[diesel(sql_type = Integer)]
    room_kinds: i32,
}

/// A raw connection of either backend.
enum RawConn {
    Sqlite(SyncConnectionWrapper<SqliteConnection>),
    Postgres(Box<AsyncPgConnection>),
}

/// A raw connection holding a write lock until [`LockHeld::release`].
pub struct LockHeld(RawConn);

impl LockHeld {
    pub async fn release(self) {
        match self.0 {
            RawConn::Sqlite(mut conn) => conn.batch_execute("ROLLBACK").await.expect("the lock is released"),
            RawConn::Postgres(mut conn) => {
                conn.batch_execute("ROLLBACK").await.expect("the lock is released");
            }
        }
    }
}

impl TestDb {
    pub fn is_postgres(&self) -> bool {
        matches!(self.storage, Storage::Postgres { .. })
    }

    /// A second, independent handle on the same storage (another instance
    /// of the service).
    pub async fn connect_again(&self) -> Database {
        self.connect_with(PoolOptions::default()).await
    }

    /// Another handle on the same storage, with its own pool options.
    pub async fn connect_with(&self, options: PoolOptions) -> Database {
        Database::connect(&self.url(), options).await.expect("the test database reopens")
    }

    async fn raw(&self) -> RawConn {
        match &self.storage {
            Storage::Sqlite { path } => {
                let mut conn = SyncConnectionWrapper::<SqliteConnection>::establish(&path.to_string_lossy())
                    .await
                    .expect("the SQLite file opens");
                conn.batch_execute("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;")
                    .await
                    .expect("the SQLite connection is set up");
                RawConn::Sqlite(conn)
            }
            Storage::Postgres { url, .. } => RawConn::Postgres(Box::new(
                AsyncPgConnection::establish(url).await.expect("PostgreSQL accepts a connection"),
            )),
        }
    }

    /// Runs raw SQL (one or more statements) on a connection of its own.
    pub async fn execute(&self, sql: &str) {
        match self.raw().await {
            RawConn::Sqlite(mut conn) => conn.batch_execute(sql).await.expect("raw SQL runs on SQLite"),
            RawConn::Postgres(mut conn) => conn.batch_execute(sql).await.expect("raw SQL runs on PostgreSQL"),
        }
    }

    /// Runs a query whose columns `T` reads by name, on a connection of its
    /// own.
    pub async fn rows<T>(&self, sql: &str) -> Vec<T>
    where
        T: QueryableByName<Pg> + QueryableByName<Sqlite> + Send + 'static,
    {
        let query = diesel::sql_query(sql);
        match self.raw().await {
            RawConn::Sqlite(mut conn) => query.load(&mut conn).await.expect("the query runs on SQLite"),
            RawConn::Postgres(mut conn) => {
                query.load(&mut *conn).await.expect("the query runs on PostgreSQL")
            }
        }
    }

    /// Runs `SELECT COUNT(*) AS n …` (or any query of one `BIGINT` `n`).
    pub async fn count(&self, sql: &str) -> i64 {
        let rows: Vec<Count> = self.rows(sql).await;
        rows.into_iter().next().map(|count| count.n).unwrap_or_else(|| panic!("{sql} returns a row"))
    }

    /// The summary columns stored with property `id`, read with raw SQL.
    pub async fn stored_summary(&self, id: PropertyId) -> Summary {
        let sql = format!(
            "SELECT room_count, bedroom_count, total_area_m2, room_kinds FROM properties WHERE id = {id}"
        );
        let rows: Vec<SummaryRow> = self.rows(&sql).await;
        let row = rows.into_iter().next().unwrap_or_else(|| panic!("property {id} is stored"));
        Summary {
            room_count: u32::try_from(row.room_count).expect("a non-negative room count"),
            bedroom_count: u32::try_from(row.bedroom_count).expect("a non-negative bedroom count"),
            total_area_m2: row.total_area_m2,
            kinds: RoomKinds::from_bits(row.room_kinds),
        }
    }

    /// How many words the index holds for property `id`.
    pub async fn word_count(&self, id: PropertyId) -> i64 {
        self.count(&format!("SELECT COUNT(*) AS n FROM property_words WHERE property_id = {id}")).await
    }

    /// Property `id` as `find` returns it, `None` once it is gone.
    pub async fn property(&self, id: PropertyId) -> Option<Property> {
        PropertyRepository::find(&self.db, id).await.expect("the find runs")
    }

    /// How many rooms of property `id` are stored, counted with raw SQL.
    pub async fn room_count(&self, id: PropertyId) -> i64 {
        self.count(&format!("SELECT COUNT(*) AS n FROM rooms WHERE property_id = {id}")).await
    }

    /// Makes the database refuse to insert a room called `name`, so that a
    /// test can make a later statement of a write fail.
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

    /// Takes a write lock on property `id` (PostgreSQL: its row; SQLite: the
    /// database) on a connection of its own, held until released.
    pub async fn lock_property(&self, id: PropertyId) -> LockHeld {
        let mut conn = self.raw().await;
        match &mut conn {
            RawConn::Sqlite(conn) => conn.batch_execute("BEGIN IMMEDIATE").await.expect("SQLite locks"),
            RawConn::Postgres(conn) => conn
                .batch_execute(&format!("BEGIN; SELECT id FROM properties WHERE id = {id} FOR UPDATE"))
                .await
                .expect("PostgreSQL locks the row"),
        }
        LockHeld(conn)
    }

    /// PostgreSQL: terminates every server connection of this test but the
    /// one running the statement, and waits until they are gone; returns how
    /// many there were. SQLite has no server: `None`.
    pub async fn terminate_connections(&self) -> Option<i64> {
        let ours = self.our_connections()?;
        // Connections the pool opens meanwhile to replace them start later: only
        // those that started before the termination are waited for.
        let before =
            self.count("SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT) AS n").await;
        let terminated = self.terminate_connections_now().await?;
        let left =
            format!("SELECT COUNT(*) AS n {ours} AND backend_start <= to_timestamp({before} / 1000000.0)");
        // A bound, not a timing: ten seconds for a loaded machine to reap them.
        for _ in 0..1000 {
            if self.count(&left).await == 0 {
                return Some(terminated);
            }
            tokio::time::sleep(StdDuration::from_millis(10)).await;
        }
        panic!("the terminated connections did not go away");
    }

    /// Like [`TestDb::terminate_connections`], without waiting: the server
    /// has been told to end them, the client may not know yet.
    pub async fn terminate_connections_now(&self) -> Option<i64> {
        let ours = self.our_connections()?;
        Some(
            self.count(&format!("SELECT COUNT(*) AS n FROM (SELECT pg_terminate_backend(pid) {ours}) AS t"))
                .await,
        )
    }

    /// The `FROM … WHERE` of this test's server connections but the current.
    fn our_connections(&self) -> Option<String> {
        let Storage::Postgres { schema, .. } = &self.storage else {
            return None;
        };
        Some(format!(
            "FROM pg_stat_activity WHERE datname = current_database() \
             AND application_name = '{schema}' AND pid <> pg_backend_pid()"
        ))
    }

    fn url(&self) -> String {
        match &self.storage {
            Storage::Sqlite { path } => format!("sqlite://{}", path.display()),
            Storage::Postgres { url, .. } => url.clone(),
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
    let url = format!("{base_url}{separator}options=-csearch_path%3D{schema}&application_name={schema}");
    let db = Database::connect(&url, PoolOptions::default()).await.expect("PostgreSQL accepts the pool");
    db.migrate().await.expect("PostgreSQL migrations apply");

    // On a task of its own, so that the schema is dropped even when the
    // test panics; the panic is raised again afterwards.
    let outcome =
        tokio::spawn(test(TestDb { db, storage: Storage::Postgres { url, schema: schema.clone() } })).await;
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
    person(email, "Ada", "Lovelace", Role::User)
}

pub fn person(email: &str, first_name: &str, last_name: &str, role: Role) -> NewUser {
    NewUser {
        email: Email::parse(email).expect("a valid email"),
        password_hash: PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        first_name: PersonName::parse(first_name).expect("a valid first name"),
        last_name: PersonName::parse(last_name).expect("a valid last name"),
        birth_date: Some(birth_date(1990, 5, 17)),
        role,
        at: at(0),
    }
}

pub fn birth_date(year: i32, month: u32, day: u32) -> BirthDate {
    let date = NaiveDate::from_ymd_opt(year, month, day).expect("a valid date");
    BirthDate::parse(date, at(0).date_naive()).expect("a plausible birth date")
}

/// Registers a user (self-registration: the entry names no actor).
pub async fn register(db: &Database, email: &str) -> User {
    create_user(db, new_user(email)).await
}

pub async fn create_user(db: &Database, user: NewUser) -> User {
    UserRepository::create(db, user, audit(None, Action::Create, 0)).await.expect("the user registers")
}

/// A bedroom.
pub fn room(name: &str, area: f64) -> NewRoom {
    room_of(RoomKind::Bedroom, name, area)
}

pub fn room_of(kind: RoomKind, name: &str, area: f64) -> NewRoom {
    NewRoom {
        name: RoomName::parse(name).expect("a valid room name"),
        kind,
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
        property_type: slug(property_type),
        city: City::parse(city).expect("a valid city"),
        rooms,
        at: at(1),
    }
}

/// The audit entries of a creation: the property's, and one per room.
pub fn creation_audits(property: &NewProperty) -> (AuditEntry, Vec<AuditEntry>) {
    let entry = AuditEntry {
        at: property.at,
        actor_id: Some(property.owner_id),
        action: Action::Create,
        changes: Changes::default(),
    };
    let rooms = property.rooms.iter().map(|_| entry.clone()).collect();
    (entry, rooms)
}

/// Creates the property, recording its event and one per room.
pub async fn create(db: &Database, property: NewProperty) -> Property {
    let (entry, room_entries) = creation_audits(&property);
    PropertyRepository::create(db, property, entry, room_entries).await.expect("the property is created")
}

/// Registers owner@example.com and creates their house ([`create_house`]).
pub async fn owned_house(db: &Database) -> (User, Property) {
    let owner = register(db, "owner@example.com").await;
    let house = create_house(db, owner.id).await;
    (owner, house)
}

/// Creates a house in Lyon with two bedrooms.
pub async fn create_house(db: &Database, owner: UserId) -> Property {
    create(
        db,
        new_property(owner, "House", "Lyon", "house", vec![room("Bedroom", 12.5), room("Office", 9.0)]),
    )
    .await
}

/// What each event of `history` did to which resource.
pub fn trail(history: &[AuditEvent]) -> Vec<(Action, Resource, ResourceId)> {
    history.iter().map(|event| (event.action, event.resource, event.resource_id.clone())).collect()
}

/// The [`trail`] that creating `property` leaves: the property's event,
/// then one per room in order.
pub fn creation_trail(property: &Property) -> Vec<(Action, Resource, ResourceId)> {
    let rooms =
        property.rooms.iter().map(|room| (Action::Create, Resource::Room, ResourceId::Number(room.id.0)));
    std::iter::once((Action::Create, Resource::Property, ResourceId::Number(property.id.0)))
        .chain(rooms)
        .collect()
}

/// An edit whose decision applies `change`, whatever the property is.
pub async fn apply(
    db: &Database,
    id: PropertyId,
    change: PropertyChange,
    audit: AuditEntry,
) -> Result<Edited, DomainError> {
    PropertyRepository::edit(db, id, applying(Precondition::None, change, audit)).await
}

/// An edit that applies `change` only if the current version is `version`
/// (`If-Match`), `PreconditionFailed` otherwise.
pub async fn apply_if(
    db: &Database,
    id: PropertyId,
    version: Version,
    change: PropertyChange,
    audit: AuditEntry,
) -> Result<Edited, DomainError> {
    PropertyRepository::edit(db, id, applying(Precondition::OneOf(vec![version]), change, audit)).await
}

/// The decision of an edit that applies `change` when `precondition` holds.
fn applying(precondition: Precondition, change: PropertyChange, audit: AuditEntry) -> Decide {
    Box::new(move |current| {
        precondition.check(current.version)?;
        Ok(Edit::Apply { change: change.clone(), audit: audit.clone() })
    })
}

/// A change of the property's name only.
pub fn rename(name: &str) -> PropertyChange {
    PropertyChange::Update(PropertyUpdate {
        name: Some(PropertyName::parse(name).expect("a valid property name")),
        ..PropertyUpdate::default()
    })
}

pub fn slug(raw: &str) -> TypeSlug {
    TypeSlug::parse(raw).expect("a well-formed slug")
}

pub fn words(raw: &str) -> Vec<SearchWord> {
    SearchWord::parse_all(raw).expect("valid search words")
}

/// The ids of a page's properties, in the page's order.
pub fn ids(page: &Page<Property>) -> Vec<PropertyId> {
    page.items.iter().map(|property| property.id).collect()
}

/// Every property, in the default order, up to `limit`.
pub fn query(limit: u32) -> PropertyQuery {
    PropertyQuery { limit, ..PropertyQuery::default() }
}

/// The property as `find` returns it now.
pub async fn found(db: &Database, id: PropertyId) -> Property {
    PropertyRepository::find(db, id)
        .await
        .expect("the find runs")
        .unwrap_or_else(|| panic!("property {id} exists"))
}
