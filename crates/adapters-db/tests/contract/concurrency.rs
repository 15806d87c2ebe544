//! Racing writers to one property, through two `Database` handles on the
//! same storage (two instances of the service): the locked edit serialises
//! them, so none fails, none needs to retry, and no change is lost.

use std::future::Future;

use realty_adapters_db::Database;
use realty_domain::ports::{AuditLog, PropertyRepository};
use realty_domain::{Action, DomainError, Edit, Edited, PropertyChange, Version};
use tokio::task::JoinSet;

use crate::fixture::{TestDb, audit, contract_tests, create, found, new_property, register, rename, room};

contract_tests!(
    racing_edits_through_two_handles_all_apply_and_lose_no_increment,
    racing_room_additions_through_two_handles_all_apply_and_keep_the_summary,
);

const WRITERS: i64 = 16;

/// Runs `write` for writers `0..WRITERS` at once, alternating between two
/// handles, and returns the writers that failed with their errors.
async fn race<W, F>(t: &TestDb, write: W) -> Vec<(i64, DomainError)>
where
    W: Fn(Database, i64) -> F,
    F: Future<Output = Result<Edited, DomainError>> + Send + 'static,
{
    let handles = [t.db.clone(), t.connect_again().await];
    let mut writers = JoinSet::new();
    for writer in 0..WRITERS {
        let db = handles[usize::try_from(writer % 2).expect("0 or 1")].clone();
        let written = write(db, writer);
        writers.spawn(async move { written.await.map(|_| ()).map_err(|error| (writer, error)) });
    }
    let mut failures = Vec::new();
    while let Some(joined) = writers.join_next().await {
        if let Err(failure) = joined.expect("the writer task completes") {
            failures.push(failure);
        }
    }
    failures
}

async fn racing_edits_through_two_handles_all_apply_and_lose_no_increment(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let counter = create(&t.db, new_property(owner.id, "Counter 0", "Lyon", "house", Vec::new())).await;
    let failures = race(&t, move |db, writer| async move {
        let entry = audit(Some(owner.id), Action::Update, 10 + writer);
        let decide = Box::new(move |current: &realty_domain::Property| {
            let seen: i64 = current
                .name
                .as_str()
                .strip_prefix("Counter ")
                .and_then(|count| count.parse().ok())
                .ok_or_else(|| DomainError::internal("the name holds no counter"))?;
            Ok(Edit::Apply { change: rename(&format!("Counter {}", seen + 1)), audit: entry.clone() })
        });
        PropertyRepository::edit(&db, counter.id, decide).await
    })
    .await;

    assert!(failures.is_empty(), "no racing writer fails: {failures:?}");
    let stored = found(&t.db, counter.id).await;
    assert_eq!(stored.name.as_str(), format!("Counter {WRITERS}"), "every increment saw the one before");
    assert_eq!(stored.version, Version(1 + WRITERS), "one version bump per writer");
    let history = AuditLog::property_history(&t.db, counter.id).await.expect("the history reads");
    assert_eq!(history.len() as i64, 1 + WRITERS, "the creation's event and one per writer");
}

async fn racing_room_additions_through_two_handles_all_apply_and_keep_the_summary(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let empty = create(&t.db, new_property(owner.id, "Empty", "Lyon", "house", Vec::new())).await;
    let failures = race(&t, move |db, writer| async move {
        let change = PropertyChange::AddRoom(room(&format!("Room {writer}"), 10.0));
        let entry = audit(Some(owner.id), Action::Create, 10 + writer);
        crate::fixture::apply(&db, empty.id, change, entry).await
    })
    .await;

    assert!(failures.is_empty(), "no racing room addition fails: {failures:?}");
    let stored = found(&t.db, empty.id).await;
    assert_eq!(stored.room_count() as i64, WRITERS, "every added room is kept");
    assert_eq!(stored.version, Version(1 + WRITERS), "one version bump per added room");
    assert_eq!(t.stored_summary(empty.id).await, stored.summary(), "the stored summary counts every room");
}
