//! Concurrent writers to one property: none loses another's version bump.

use realty_domain::ports::{AuditLog, PropertyRepository};
use realty_domain::{Action, DomainError, PropertyName, PropertyUpdate, Version};
use tokio::task::JoinSet;

use crate::fixture::{TestDb, audit, contract_tests, create_house, register};

contract_tests!(concurrent_writers_never_lose_a_version_bump);

const WRITERS: i64 = 10;

async fn concurrent_writers_never_lose_a_version_bump(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;
    let mut writers = JoinSet::new();

    for writer in 0..WRITERS {
        let db = t.db.clone();
        writers.spawn(async move {
            // What a client does on 412: read again, then retry.
            let mut attempts = 0;
            loop {
                attempts += 1;
                let current = PropertyRepository::find(&db, house.id).await.expect("read").expect("present");
                let update = PropertyUpdate {
                    name: Some(PropertyName::parse(&format!("Writer {writer}")).expect("valid")),
                    ..PropertyUpdate::default()
                };
                let entry = audit(Some(owner.id), Action::Update, writer);
                match PropertyRepository::update(&db, house.id, current.version, update, entry).await {
                    Ok(_) => return attempts,
                    Err(DomainError::PreconditionFailed { .. }) => continue,
                    Err(other) => panic!("writer {writer} failed: {other:?}"),
                }
            }
        });
    }
    let mut attempts = 0;
    while let Some(joined) = writers.join_next().await {
        attempts += joined.expect("the writer task completes");
    }

    let stored = PropertyRepository::find(&t.db, house.id).await.expect("read").expect("present");
    assert_eq!(stored.version, Version(1 + WRITERS), "after {attempts} attempts");
    let history = AuditLog::property_history(&t.db, house.id).await.expect("history");
    assert_eq!(history.len() as i64, 1 + WRITERS, "one event per successful write");
}
