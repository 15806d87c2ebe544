//! realty's pure core: entities, value objects, authorization rules and the
//! ports that adapters implement.
//!
//! Nothing here performs I/O. Every value object validates on construction,
//! so a `Property` or a `User` that exists is a valid one; adapters and use
//! cases never re-check what a type already guarantees.

pub mod authz;
pub mod error;
pub mod fold;
pub mod models;
pub mod ports;

pub use error::{DomainError, FieldError, FieldErrors, ValueError, error_chain};
pub use fold::fold;
pub use models::*;
