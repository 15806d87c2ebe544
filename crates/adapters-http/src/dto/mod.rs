//! The JSON shapes of the API, separate from the domain types so that
//! neither constrains the other. Request bodies parse themselves into the
//! use cases' commands (see `extract::json`); responses borrow from the
//! domain's entities and serialise without copying them.

pub mod audit;
pub mod auth;
pub mod properties;
pub mod property_types;
pub mod rooms;
pub mod search;
pub mod users;
