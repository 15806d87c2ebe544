//! realty's storage adapter: Diesel repositories over SQLite (embedded, the
//! default) and PostgreSQL (production), implementing the domain's ports.
//!
//! [`Database`] holds bb8 pools of one backend or the other, chosen by the
//! URL. Each query is written once (see `connection::on_connection!`) and
//! compiled for both; only the migrations differ per backend. Diesel errors
//! stop here: every port returns a [`realty_domain::DomainError`], mapped in
//! one place (`error::db_error`).

mod bulk;
mod common_bounds;
mod connection;
mod derived;
mod error;
mod migrations;
mod multi_insert;
mod rare_words;
mod remembered;
mod repositories;
mod rows;
mod schema;
mod search;
mod word_signature;

pub use connection::{Database, PoolOptions, PoolState};
pub use error::DbError;
