//! `IdempotencyStore`: the answers kept under an `Idempotency-Key`, shared
//! by every instance.

use realty_domain::UserId;
use realty_domain::ports::{Claim, IdempotencyStore, Lease, StoredResponse};
use tokio::task::JoinSet;

use crate::fixture::{TestDb, at, contract_tests};

contract_tests!(
    a_new_key_is_claimed_and_the_same_request_meanwhile_is_in_progress,
    a_completed_key_replays_its_status_headers_and_body,
    a_key_used_for_another_request_is_a_mismatch,
    a_released_key_is_claimed_again_but_a_completed_one_is_kept,
    an_expired_record_is_claimed_again_even_for_another_request,
    an_unanswered_claim_whose_lease_ran_out_is_claimed_again,
    keys_are_per_user,
    purging_deletes_only_the_expired_records_and_counts_them,
    of_sixteen_concurrent_claims_of_one_new_key_through_two_handles_exactly_one_is_claimed,
    a_request_that_outlived_its_lease_neither_answers_nor_releases_the_claim_that_took_over,
);

const ADA: UserId = UserId(1);
const BOB: UserId = UserId(2);

fn created() -> StoredResponse {
    StoredResponse {
        status: 201,
        headers: vec![
            ("Location".to_owned(), "/properties/7".to_owned()),
            ("ETag".to_owned(), "\"1\"".to_owned()),
            ("Content-Type".to_owned(), "application/json".to_owned()),
        ],
        // Any bytes, not only text.
        body: [b"{\"id\":7}".as_slice(), &[0, 0xff, 0xfe]].concat(),
    }
}

/// Claims `key` at minute `now` with a lease of one minute.
async fn claim(t: &TestDb, user: UserId, key: &str, fingerprint: &str, now: i64) -> Claim {
    IdempotencyStore::claim(&t.db, user, key, fingerprint, at(now), at(now + 1))
        .await
        .expect("the claim runs")
}

/// Claims a key that must be free, as `claim` does; its lease.
async fn claimed(t: &TestDb, user: UserId, key: &str, fingerprint: &str, now: i64) -> Lease {
    let claim = claim(t, user, key, fingerprint, now).await;
    assert_eq!(claim, Claim::Claimed(Lease(at(now + 1))), "{key} is claimed, leased for a minute");
    Lease(at(now + 1))
}

async fn complete(t: &TestDb, user: UserId, key: &str, lease: Lease, expires: i64) {
    let completed = IdempotencyStore::complete(&t.db, user, key, lease, created(), at(expires))
        .await
        .expect("the completion runs");
    assert!(completed, "{key} is completed");
}

async fn a_new_key_is_claimed_and_the_same_request_meanwhile_is_in_progress(t: TestDb) {
    let first = claim(&t, ADA, "key-1", "fp-a", 0).await;

    let again =
        IdempotencyStore::claim(&t.db, ADA, "key-1", "fp-a", at(0), at(1)).await.expect("the claim runs");

    assert_eq!(first, Claim::Claimed(Lease(at(1))), "a new key is claimed, with its lease");
    assert_eq!(again, Claim::InProgress, "the same request before completion is in progress");
}

async fn a_completed_key_replays_its_status_headers_and_body(t: TestDb) {
    let lease = claimed(&t, ADA, "key-1", "fp-a", 0).await;
    complete(&t, ADA, "key-1", lease, 60).await;

    let replay = claim(&t, ADA, "key-1", "fp-a", 30).await;

    assert_eq!(replay, Claim::Replay(created()), "the kept answer, headers in order and body byte for byte");
}

async fn a_key_used_for_another_request_is_a_mismatch(t: TestDb) {
    let lease = claimed(&t, ADA, "key-1", "fp-a", 0).await;

    let while_in_progress = claim(&t, ADA, "key-1", "fp-b", 0).await;
    complete(&t, ADA, "key-1", lease, 60).await;
    let once_completed = claim(&t, ADA, "key-1", "fp-b", 30).await;

    assert_eq!(while_in_progress, Claim::Mismatch, "another request while the first is processed");
    assert_eq!(once_completed, Claim::Mismatch, "another request once the first is answered");
    assert_eq!(
        claim(&t, ADA, "key-1", "fp-a", 30).await,
        Claim::Replay(created()),
        "the first request still replays"
    );
}

async fn a_released_key_is_claimed_again_but_a_completed_one_is_kept(t: TestDb) {
    let first = claimed(&t, ADA, "key-1", "fp-a", 0).await;
    let second = claimed(&t, ADA, "key-2", "fp-a", 0).await;
    complete(&t, ADA, "key-2", second, 60).await;

    IdempotencyStore::release(&t.db, ADA, "key-1", first).await.expect("the key is released");
    IdempotencyStore::release(&t.db, ADA, "key-2", second).await.expect("the release runs");

    assert_eq!(
        claim(&t, ADA, "key-1", "fp-a", 0).await,
        Claim::Claimed(Lease(at(1))),
        "a released key is claimed anew"
    );
    assert_eq!(
        claim(&t, ADA, "key-2", "fp-a", 0).await,
        Claim::Replay(created()),
        "releasing an answered key keeps it"
    );
}

async fn an_expired_record_is_claimed_again_even_for_another_request(t: TestDb) {
    let lease = claimed(&t, ADA, "key-1", "fp-a", 0).await;
    complete(&t, ADA, "key-1", lease, 10).await;

    let at_expiry = claim(&t, ADA, "key-1", "fp-a", 10).await;
    let after_expiry = claim(&t, ADA, "key-1", "fp-b", 11).await;
    let retried = claim(&t, ADA, "key-1", "fp-b", 11).await;

    assert_eq!(at_expiry, Claim::Replay(created()), "a record is kept until its expires_at");
    assert_eq!(
        after_expiry,
        Claim::Claimed(Lease(at(12))),
        "an expired record counts as absent, whatever the request"
    );
    assert_eq!(retried, Claim::InProgress, "the new claim is in progress, its old answer gone");
}

async fn an_unanswered_claim_whose_lease_ran_out_is_claimed_again(t: TestDb) {
    IdempotencyStore::claim(&t.db, ADA, "key-1", "fp-a", at(0), at(5)).await.expect("the claim runs");

    let within_lease = claim(&t, ADA, "key-1", "fp-a", 4).await;
    let after_lease = claim(&t, ADA, "key-1", "fp-a", 6).await;

    assert_eq!(within_lease, Claim::InProgress, "the lease blocks retries while it runs");
    assert_eq!(after_lease, Claim::Claimed(Lease(at(7))), "a claim whose instance died is taken over");
}

async fn keys_are_per_user(t: TestDb) {
    let ada = claimed(&t, ADA, "shared-key", "fp-a", 0).await;

    let bob = claim(&t, BOB, "shared-key", "fp-b", 0).await;
    complete(&t, ADA, "shared-key", ada, 60).await;

    assert_eq!(bob, Claim::Claimed(Lease(at(1))), "one key, two users, two claims");
    assert_eq!(claim(&t, BOB, "shared-key", "fp-b", 0).await, Claim::InProgress, "Ada's answer is not Bob's");
    assert_eq!(claim(&t, ADA, "shared-key", "fp-a", 0).await, Claim::Replay(created()), "Ada's is kept");
}

async fn purging_deletes_only_the_expired_records_and_counts_them(t: TestDb) {
    for (key, expires) in [("expired", 10), ("at-the-instant", 20), ("kept", 30)] {
        let lease = claimed(&t, ADA, key, "fp", 0).await;
        complete(&t, ADA, key, lease, expires).await;
    }
    // An unanswered claim leased until minute 1.
    claim(&t, BOB, "abandoned", "fp", 0).await;

    let purged = IdempotencyStore::purge_expired(&t.db, at(20)).await.expect("the purge runs");
    let again = IdempotencyStore::purge_expired(&t.db, at(20)).await.expect("the purge runs");

    assert_eq!(purged, 2, "the expired answer and the abandoned claim");
    assert_eq!(again, 0, "nothing left to purge");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM idempotency_keys").await, 2, "two records stay");
    assert_eq!(
        claim(&t, ADA, "at-the-instant", "fp", 19).await,
        Claim::Replay(created()),
        "expiring now is kept"
    );
    assert_eq!(claim(&t, ADA, "kept", "fp", 19).await, Claim::Replay(created()), "a later expiry is kept");
}

async fn of_sixteen_concurrent_claims_of_one_new_key_through_two_handles_exactly_one_is_claimed(t: TestDb) {
    let handles = [t.db.clone(), t.connect_again().await];
    let mut claims = JoinSet::new();

    for index in 0..16 {
        let db = handles[index % 2].clone();
        claims.spawn(async move { IdempotencyStore::claim(&db, ADA, "raced", "fp-a", at(0), at(1)).await });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = claims.join_next().await {
        outcomes.push(joined.expect("the claim task completes").expect("the claim runs"));
    }

    let claimed = outcomes.iter().filter(|outcome| matches!(outcome, Claim::Claimed(_))).count();
    assert_eq!(claimed, 1, "exactly one of 16 racing claims wins: {outcomes:?}");
    assert!(
        outcomes.iter().all(|outcome| matches!(outcome, Claim::Claimed(_) | Claim::InProgress)),
        "the others see it in progress: {outcomes:?}"
    );
}

async fn a_request_that_outlived_its_lease_neither_answers_nor_releases_the_claim_that_took_over(t: TestDb) {
    let late = claimed(&t, ADA, "key-1", "fp-a", 0).await;
    // Its lease ran out (minute 1): a retry, another request here, takes
    // the key over at minute 2.
    let retry = claimed(&t, ADA, "key-1", "fp-b", 2).await;

    let late_answer = IdempotencyStore::complete(&t.db, ADA, "key-1", late, created(), at(60))
        .await
        .expect("the completion runs");
    IdempotencyStore::release(&t.db, ADA, "key-1", late).await.expect("the release runs");

    assert!(!late_answer, "the late answer is refused");
    assert_eq!(
        claim(&t, ADA, "key-1", "fp-b", 2).await,
        Claim::InProgress,
        "the retry's claim stands: neither answered by the late request nor released"
    );
    complete(&t, ADA, "key-1", retry, 60).await;
    assert_eq!(
        claim(&t, ADA, "key-1", "fp-b", 3).await,
        Claim::Replay(created()),
        "the retry's answer is kept"
    );
    let answered_again = IdempotencyStore::complete(&t.db, ADA, "key-1", retry, created(), at(60))
        .await
        .expect("the completion runs");
    assert!(!answered_again, "an answered claim is not answered twice");
}
