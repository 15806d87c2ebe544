//! The storage contract of realty's ports, written once and run against
//! every backend: each test is an `async fn(TestDb)` that `contract_tests!`
//! turns into a `sqlite::<name>` and a `postgres::<name>` test.
//!
//! PostgreSQL runs when `TEST_DATABASE_URL` is set, e.g.
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo test -p realty-adapters-db`.

mod fixture;

mod audit;
mod bulk;
mod common_bounds;
mod concurrency;
mod connection;
mod derived;
mod edits;
mod idempotency;
mod listing;
mod login_throttle;
mod properties;
mod property_types;
mod rare_words;
mod rooms;
mod search;
mod summaries;
mod users;
