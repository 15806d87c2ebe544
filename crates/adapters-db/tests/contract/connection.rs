//! `Database` itself: backend choice, readiness, migrations, and staying
//! available when connections die or the database is busy.

use std::time::{Duration, Instant};

use realty_adapters_db::{Database, DbError, PoolOptions};
use realty_domain::ports::{AuditLog, PropertyRepository, PropertyTypeRepository};
use realty_domain::{Action, DomainError};

use crate::fixture::{TestDb, apply, audit, contract_tests, found, owned_house, rename};

contract_tests!(
    answers_the_readiness_probe,
    racing_migrations_apply_the_schema_once,
    a_database_whose_connections_were_terminated_still_answers,
    a_one_connection_pool_answers_right_after_its_connection_is_terminated,
    a_write_blocked_past_the_statement_timeout_is_unavailable_and_writes_nothing,
);

async fn answers_the_readiness_probe(t: TestDb) {
    let backend = t.db.backend();

    let ping = t.db.ping().await;

    assert!(ping.is_ok(), "the probe answers: {ping:?}");
    assert_eq!(backend, if t.is_postgres() { "postgres" } else { "sqlite" }, "the backend the URL names");
    assert!(format!("{:?}", t.db).contains(backend), "Debug names the backend");
}

async fn racing_migrations_apply_the_schema_once(t: TestDb) {
    t.execute(
        "DROP TABLE property_words; DROP TABLE user_words; DROP TABLE derived_data; DROP TABLE idempotency_keys; \
         DROP TABLE login_failures; DROP TABLE audit_events; DROP TABLE rooms; DROP TABLE properties; \
         DROP TABLE property_types; DROP TABLE users; DROP TABLE __diesel_schema_migrations;",
    )
    .await;
    let (first, second) = (t.connect_again().await, t.connect_again().await);

    let (a, b) = tokio::join!(first.migrate(), second.migrate());

    assert!(a.is_ok() && b.is_ok(), "both racing migrations succeed: {a:?} / {b:?}");
    assert_eq!(PropertyTypeRepository::list(&t.db).await.expect("the types list").len(), 8, "seeded once");
    let backend = if t.is_postgres() { "postgres" } else { "sqlite" };
    let migrations = std::fs::read_dir(format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR")))
        .expect("the migrations folder")
        .count();
    assert_eq!(
        t.count("SELECT COUNT(*) AS n FROM __diesel_schema_migrations").await,
        i64::try_from(migrations).expect("a few migrations"),
        "each migration once"
    );
}

async fn a_database_whose_connections_were_terminated_still_answers(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    assert!(open_pooled_connections(&t, 4).await, "the pool answers before");

    let Some(terminated) = t.terminate_connections().await else {
        return; // SQLite: no server to lose connections to.
    };

    assert!(terminated >= 1, "the pool had connections to lose ({terminated})");
    let after = PropertyRepository::find(&t.db, house.id).await;
    assert!(
        matches!(&after, Ok(Some(found)) if *found == house),
        "the next find answers correctly: {after:?}"
    );
    apply(&t.db, house.id, rename("After the restart"), audit(Some(owner.id), Action::Update, 5))
        .await
        .expect("a write works again too");
    assert_eq!(found(&t.db, house.id).await.name.as_str(), "After the restart", "the write is stored");
}

/// Runs `n` finds at once, so that the pool opens several connections.
async fn open_pooled_connections(t: &TestDb, n: usize) -> bool {
    let mut finds = tokio::task::JoinSet::new();
    for id in 0..n {
        let db = t.db.clone();
        finds.spawn(async move {
            PropertyRepository::find(&db, realty_domain::PropertyId(id as i64)).await.is_ok()
        });
    }
    let mut all = true;
    while let Some(joined) = finds.join_next().await {
        all &= joined.expect("the find task completes");
    }
    all
}

async fn a_one_connection_pool_answers_right_after_its_connection_is_terminated(t: TestDb) {
    let (_, house) = owned_house(&t.db).await;
    let single = t.connect_with(PoolOptions { max_size: 1, ..PoolOptions::default() }).await;
    PropertyRepository::find(&single, house.id).await.expect("the pool answers before");

    let Some(terminated) = t.terminate_connections_now().await else {
        return; // SQLite: no server to lose connections to.
    };

    assert!(terminated >= 2, "the single connection and the fixture's are told to end ({terminated})");
    let after = PropertyRepository::find(&single, house.id).await;
    assert!(
        matches!(&after, Ok(Some(found)) if *found == house),
        "the next find answers on a fresh connection: {after:?}"
    );
}

async fn a_write_blocked_past_the_statement_timeout_is_unavailable_and_writes_nothing(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let impatient = t
        .connect_with(PoolOptions { statement_timeout: Duration::from_millis(300), ..PoolOptions::default() })
        .await;
    let lock = t.lock_property(house.id).await;

    let started = Instant::now();
    let blocked =
        apply(&impatient, house.id, rename("Blocked"), audit(Some(owner.id), Action::Update, 5)).await;
    let waited = started.elapsed();
    lock.release().await;

    assert!(
        matches!(blocked, Err(DomainError::Unavailable(_))),
        "a write that cannot get the lock in time: {blocked:?}"
    );
    assert!(
        waited < Duration::from_secs(2),
        "it gives up at about the statement timeout, not later ({waited:?})"
    );
    assert_eq!(found(&t.db, house.id).await, house, "the timed-out write left nothing");
    assert_eq!(
        AuditLog::property_history(&t.db, house.id).await.expect("the history reads").len(),
        3,
        "and no event"
    );
    let retried =
        apply(&impatient, house.id, rename("Retried"), audit(Some(owner.id), Action::Update, 6)).await;
    assert!(retried.is_ok(), "the same handle writes once the lock is gone: {retried:?}");
}

#[tokio::test]
async fn creates_a_missing_sqlite_file_from_any_spelling() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (index, prefix) in ["", "sqlite:", "sqlite://"].iter().enumerate() {
        let path = dir.path().join(format!("realty-{index}.db"));
        let url = format!("{prefix}{}", path.display());

        let db = Database::connect(&url, PoolOptions::default()).await.expect("the file opens");

        assert_eq!(db.backend(), "sqlite", "{url} is SQLite");
        assert!(path.exists(), "{url} creates the file");
        db.migrate().await.expect("the migrations apply");
        db.migrate().await.expect("a second run has nothing to do");
    }
}

#[tokio::test]
async fn refuses_urls_it_cannot_serve() {
    for url in ["mysql://root:secret@localhost/realty", "sqlite::memory:", ":memory:"] {
        let result = Database::connect(url, PoolOptions::default()).await;

        match result {
            Err(DbError::UnsupportedUrl(reason)) => assert!(!reason.contains("secret"), "{url}: {reason}"),
            other => panic!("{url}: expected UnsupportedUrl, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn refuses_pool_options_bb8_would_panic_on() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = dir.path().join("realty.db").display().to_string();
    let no_connections = PoolOptions { max_size: 0, ..PoolOptions::default() };
    let no_patience = PoolOptions { connection_timeout: Duration::ZERO, ..PoolOptions::default() };
    let no_time_to_run = PoolOptions { statement_timeout: Duration::ZERO, ..PoolOptions::default() };

    for options in [no_connections, no_patience, no_time_to_run] {
        let result = Database::connect(&url, options).await;

        assert!(matches!(result, Err(DbError::InvalidOptions(_))), "{options:?}: {result:?}");
    }
}

/// PostgreSQL only, and needs no server: nothing listens on port 1.
#[tokio::test]
async fn a_database_on_a_closed_postgres_port_fails_to_connect_at_once() {
    let options =
        PoolOptions { max_size: 1, connection_timeout: Duration::from_secs(2), ..PoolOptions::default() };
    let started = Instant::now();

    let result = Database::connect("postgres://postgres@127.0.0.1:1/test", options).await;

    assert!(matches!(result, Err(DbError::Connect(_))), "a closed port is a Connect error: {result:?}");
    assert!(started.elapsed() < Duration::from_secs(2), "refused at once, not after the timeout");
    // The cause, which an operator reads at start-up, is kept to its end.
    let error = result.expect_err("a closed port");
    let mut chain = error.to_string();
    let mut cause = std::error::Error::source(&error);
    while let Some(next) = cause {
        chain = format!("{chain}: {next}");
        cause = next.source();
    }
    assert!(chain.to_lowercase().contains("connection refused"), "the cause is kept: {chain}");
}
