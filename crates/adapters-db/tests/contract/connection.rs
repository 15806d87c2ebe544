//! `Database` itself: backend choice, readiness, migrations.

use realty_adapters_db::{Database, DbError, PoolOptions};
use realty_domain::ports::PropertyTypeRepository;

use crate::fixture::{TestDb, contract_tests};

contract_tests!(answers_the_readiness_probe, racing_migrations_apply_the_schema_once);

async fn answers_the_readiness_probe(t: TestDb) {
    let backend = t.db.backend();

    let ping = t.db.ping().await;

    assert!(ping.is_ok(), "{ping:?}");
    assert!(["sqlite", "postgres"].contains(&backend));
    assert!(format!("{:?}", t.db).contains(backend));
}

async fn racing_migrations_apply_the_schema_once(t: TestDb) {
    t.execute(
        "DROP TABLE login_failures; DROP TABLE audit_events; DROP TABLE rooms; DROP TABLE properties; \
         DROP TABLE property_types; DROP TABLE users; DROP TABLE __diesel_schema_migrations;",
    )
    .await;
    let (first, second) = (t.connect_again().await, t.connect_again().await);

    let (a, b) = tokio::join!(first.migrate(), second.migrate());

    assert!(a.is_ok() && b.is_ok(), "{a:?} / {b:?}");
    assert_eq!(PropertyTypeRepository::list(&t.db).await.expect("listed").len(), 8, "seeded once");
}

#[tokio::test]
async fn creates_a_missing_sqlite_file_from_any_spelling() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for (index, prefix) in ["", "sqlite:", "sqlite://"].iter().enumerate() {
        let path = dir.path().join(format!("realty-{index}.db"));
        let url = format!("{prefix}{}", path.display());

        let db = Database::connect(&url, PoolOptions::default()).await.expect("opens");

        assert_eq!(db.backend(), "sqlite");
        assert!(path.exists(), "{url} creates the file");
        db.migrate().await.expect("migrates");
        db.migrate().await.expect("a second run has nothing to do");
    }
}

#[tokio::test]
async fn refuses_urls_it_cannot_serve() {
    for url in ["mysql://root:secret@localhost/realty", "sqlite::memory:", ":memory:"] {
        let result = Database::connect(url, PoolOptions::default()).await;

        match result {
            Err(DbError::UnsupportedUrl(reason)) => assert!(!reason.contains("secret"), "{reason}"),
            other => panic!("{url}: expected UnsupportedUrl, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn refuses_pool_options_bb8_would_panic_on() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = dir.path().join("realty.db").display().to_string();
    let no_connections = PoolOptions { max_size: 0, ..PoolOptions::default() };
    let no_patience = PoolOptions { connection_timeout: std::time::Duration::ZERO, ..PoolOptions::default() };

    for options in [no_connections, no_patience] {
        let result = Database::connect(&url, options).await;

        assert!(matches!(result, Err(DbError::InvalidOptions(_))), "{options:?}: {result:?}");
    }
}

#[tokio::test]
async fn unreachable_postgres_fails_at_connect() {
    let options = PoolOptions { max_size: 1, connection_timeout: std::time::Duration::from_secs(2) };

    let result = Database::connect("postgres://nobody@127.0.0.1:1/none", options).await;

    assert!(matches!(result, Err(DbError::Connect(_))), "{result:?}");
}
