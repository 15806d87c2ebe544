//! Black-box tests: the real service on a real socket, over HTTP, on
//! SQLite always and on PostgreSQL when `TEST_DATABASE_URL` is set.
//! One test binary for the whole folder (faster to build and link).

#![allow(clippy::unwrap_used)]

mod helpers;
mod proxy;
mod raw;

mod auth;
mod bodies;
mod concurrency;
mod conformance;
mod contention;
mod errors;
mod faults;
mod hostile_input;
mod operations;
mod ops;
mod properties;
mod rooms;
mod scale_out;
mod schema_rules;
mod search;
mod slow_clients;
mod users;
