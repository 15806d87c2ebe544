//! Idempotency keys: claims carry a lease, answers are kept 24 hours.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use realty_app::Idempotency;
use realty_domain::UserId;
use realty_domain::ports::{Claim, Lease, MockIdempotencyStore, StoredResponse};

fn response() -> StoredResponse {
    StoredResponse {
        status: 201,
        headers: vec![("location".into(), "/properties/7".into())],
        body: b"{}".to_vec(),
    }
}

#[tokio::test]
async fn a_claim_holds_the_key_for_the_lease() {
    let mut store = MockIdempotencyStore::new();
    store
        .expect_claim()
        .withf(|user, key, fingerprint, at, lease_until| {
            *user == UserId(1)
                && key == "k-1"
                && fingerprint == "abc"
                && *at == now()
                && *lease_until == now() + chrono::Duration::seconds(60)
        })
        .times(1)
        .returning(|_, _, _, _, lease_until| Ok(Claim::Claimed(Lease(lease_until))));
    let idempotency = Idempotency::new(Arc::new(store), clock(), Duration::from_secs(60));

    let claim = idempotency.claim(UserId(1), "k-1", "abc").await.unwrap();

    assert_eq!(claim, Claim::Claimed(Lease(now() + chrono::Duration::seconds(60))));
}

#[tokio::test]
async fn an_answer_is_kept_for_24_hours() {
    let mut store = MockIdempotencyStore::new();
    store
        .expect_complete()
        .withf(|user, key, lease, kept, expires_at| {
            *user == UserId(1)
                && key == "k-1"
                && *lease == Lease(now())
                && *kept == response()
                && *expires_at == now() + chrono::Duration::hours(24)
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(true));
    let idempotency = Idempotency::new(Arc::new(store), clock(), Duration::from_secs(60));

    assert!(idempotency.complete(UserId(1), "k-1", Lease(now()), response()).await.unwrap());
}

#[tokio::test]
async fn expired_answers_are_purged_as_of_now() {
    let mut store = MockIdempotencyStore::new();
    store.expect_purge_expired().withf(|at| *at == now()).times(1).returning(|_| Ok(3));
    let idempotency = Idempotency::new(Arc::new(store), clock(), Duration::from_secs(60));

    assert_eq!(idempotency.purge_expired().await.unwrap(), 3);
}
