//! `LoginThrottle`: failed logins counted per key, stored as a SHA-256 of
//! the key and nothing of the key itself.

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Binary};
use realty_domain::ports::LoginThrottle;
use sha2::{Digest, Sha256};

use crate::fixture::{TestDb, at, contract_tests};

contract_tests!(
    reports_the_failures_of_a_key_since_an_instant_oldest_first,
    recording_forgets_failures_older_than_the_cutoff_whatever_their_key,
    clearing_forgets_only_that_key,
    the_stored_key_is_a_32_byte_digest_whatever_its_length_and_no_email_text,
    keys_that_differ_only_in_length_are_apart,
);

#[derive(QueryableByName)]
struct StoredKey {
    #[diesel(sql_type = Binary)]
    key_digest: Vec<u8>,
    #[diesel(sql_type = BigInt)]
    bytes: i64,
}

async fn reports_the_failures_of_a_key_since_an_instant_oldest_first(t: TestDb) {
    for minute in [3, 1, 2, 10] {
        LoginThrottle::record_failure(&t.db, "ada@example.com", at(minute), at(-60)).await.expect("recorded");
    }
    LoginThrottle::record_failure(&t.db, "bob@example.com", at(2), at(-60)).await.expect("recorded");

    let recent =
        LoginThrottle::recent_failures(&t.db, "ada@example.com", at(2)).await.expect("the failures read");

    assert_eq!(recent, [at(2), at(3), at(10)], "since is inclusive, oldest first, other keys apart");
}

async fn recording_forgets_failures_older_than_the_cutoff_whatever_their_key(t: TestDb) {
    LoginThrottle::record_failure(&t.db, "ada@example.com", at(0), at(-60)).await.expect("recorded");
    LoginThrottle::record_failure(&t.db, "bob@example.com", at(5), at(-60)).await.expect("recorded");

    LoginThrottle::record_failure(&t.db, "carol@example.com", at(20), at(5)).await.expect("recorded");

    let since_ever = at(-1000);
    let ada = LoginThrottle::recent_failures(&t.db, "ada@example.com", since_ever)
        .await
        .expect("the failures read");
    let bob = LoginThrottle::recent_failures(&t.db, "bob@example.com", since_ever)
        .await
        .expect("the failures read");
    let carol = LoginThrottle::recent_failures(&t.db, "carol@example.com", since_ever)
        .await
        .expect("the failures read");
    assert!(ada.is_empty(), "a failure older than the cutoff is forgotten, whatever the key");
    assert_eq!(bob, [at(5)], "a failure at the cutoff is kept");
    assert_eq!(carol, [at(20)], "the new failure is kept");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM login_failures").await, 2, "the forgotten row is deleted");
}

async fn clearing_forgets_only_that_key(t: TestDb) {
    LoginThrottle::record_failure(&t.db, "ada@example.com", at(1), at(-60)).await.expect("recorded");
    LoginThrottle::record_failure(&t.db, "bob@example.com", at(1), at(-60)).await.expect("recorded");

    LoginThrottle::clear(&t.db, "ada@example.com").await.expect("cleared");

    let ada =
        LoginThrottle::recent_failures(&t.db, "ada@example.com", at(0)).await.expect("the failures read");
    let bob =
        LoginThrottle::recent_failures(&t.db, "bob@example.com", at(0)).await.expect("the failures read");
    assert!(ada.is_empty(), "the cleared key has no failures");
    assert_eq!(bob, [at(1)], "another key keeps its failures");
}

async fn the_stored_key_is_a_32_byte_digest_whatever_its_length_and_no_email_text(t: TestDb) {
    let long = format!("{}@example.com", "a".repeat(1_000));
    let keys = ["ada@example.com", "", long.as_str()];
    for key in keys {
        LoginThrottle::record_failure(&t.db, key, at(1), at(-60)).await.expect("recorded");
    }

    // length() counts the bytes of a BLOB on SQLite and of a bytea on PostgreSQL.
    let stored: Vec<StoredKey> = t
        .rows(
            "SELECT key_digest, CAST(length(key_digest) AS BIGINT) AS bytes FROM login_failures ORDER BY id",
        )
        .await;

    assert_eq!(stored.len(), keys.len(), "one row per failure");
    for (key, row) in keys.iter().zip(&stored) {
        let shown = &key[..key.len().min(20)];
        assert_eq!(row.bytes, 32, "the key {shown:?} is stored in 32 bytes");
        assert_eq!(
            row.key_digest,
            Sha256::digest(key.as_bytes()).to_vec(),
            "the key {shown:?} is stored as its SHA-256"
        );
        let text_kept =
            !key.is_empty() && row.key_digest.windows(key.len()).any(|window| window == key.as_bytes());
        assert!(!text_kept, "no text of the key {shown:?} is stored");
    }
    let found = LoginThrottle::recent_failures(&t.db, &long, at(0)).await.expect("the failures read");
    assert_eq!(found, [at(1)], "a long key is found by its digest");
}

async fn keys_that_differ_only_in_length_are_apart(t: TestDb) {
    LoginThrottle::record_failure(&t.db, "ada@example.com", at(1), at(-60)).await.expect("recorded");

    let prefix =
        LoginThrottle::recent_failures(&t.db, "ada@example.co", at(0)).await.expect("the failures read");
    let longer =
        LoginThrottle::recent_failures(&t.db, "ada@example.com.", at(0)).await.expect("the failures read");

    assert!(prefix.is_empty() && longer.is_empty(), "only the exact key matches: {prefix:?} {longer:?}");
}
