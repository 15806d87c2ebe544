//! `LoginThrottle`.

use realty_domain::ports::LoginThrottle;

use crate::fixture::{TestDb, at, contract_tests};

contract_tests!(
    reports_failures_since_an_instant_oldest_first,
    recording_forgets_failures_older_than_the_cutoff,
    clear_forgets_only_that_key,
);

async fn reports_failures_since_an_instant_oldest_first(t: TestDb) {
    for minute in [3, 1, 2, 10] {
        LoginThrottle::record_failure(&t.db, "ada@example.com", at(minute), at(-60)).await.expect("recorded");
    }
    LoginThrottle::record_failure(&t.db, "bob@example.com", at(2), at(-60)).await.expect("recorded");

    let recent = LoginThrottle::recent_failures(&t.db, "ada@example.com", at(2)).await.expect("read");

    assert_eq!(recent, [at(2), at(3), at(10)], "since is inclusive; other keys are apart");
}

async fn recording_forgets_failures_older_than_the_cutoff(t: TestDb) {
    LoginThrottle::record_failure(&t.db, "ada@example.com", at(0), at(-60)).await.expect("recorded");
    LoginThrottle::record_failure(&t.db, "bob@example.com", at(5), at(-60)).await.expect("recorded");

    LoginThrottle::record_failure(&t.db, "carol@example.com", at(20), at(5)).await.expect("recorded");

    let since_ever = at(-1000);
    let ada = LoginThrottle::recent_failures(&t.db, "ada@example.com", since_ever).await.expect("read");
    let bob = LoginThrottle::recent_failures(&t.db, "bob@example.com", since_ever).await.expect("read");
    let carol = LoginThrottle::recent_failures(&t.db, "carol@example.com", since_ever).await.expect("read");
    assert!(ada.is_empty(), "older than the cutoff, whatever the key");
    assert_eq!(bob, [at(5)], "at the cutoff is kept");
    assert_eq!(carol, [at(20)]);
}

async fn clear_forgets_only_that_key(t: TestDb) {
    LoginThrottle::record_failure(&t.db, "ada@example.com", at(1), at(-60)).await.expect("recorded");
    LoginThrottle::record_failure(&t.db, "bob@example.com", at(1), at(-60)).await.expect("recorded");

    LoginThrottle::clear(&t.db, "ada@example.com").await.expect("cleared");

    assert!(LoginThrottle::recent_failures(&t.db, "ada@example.com", at(0)).await.expect("read").is_empty());
    assert_eq!(LoginThrottle::recent_failures(&t.db, "bob@example.com", at(0)).await.expect("read"), [at(1)]);
}
