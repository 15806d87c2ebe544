//! realty's use cases: one method per user action of the API.
//!
//! Each use case takes the acting user and a typed command (domain values,
//! parsed by the inbound adapter), then, in the order the API contract
//! fixes: loads the object (404), checks the actor's right (403), checks the
//! version the client based its change on (412), reports what is wrong with
//! the command (422), and writes through a port together with the audit
//! event. A command that may be invalid arrives as [`Parsed`], so that its
//! errors are reported in that order, after 404, 403 and 412. Use cases hold
//! their ports as `Arc<dyn Port>`, so the composition root picks the
//! adapters and tests pick mocks.

mod accounts;
mod idempotency;
mod properties;
mod property_types;
mod rooms;

pub use accounts::{Accounts, Credentials, LoginPolicy, ProfilePatch, Registration};
pub use idempotency::Idempotency;
pub use properties::{MAX_ROOMS_PER_PROPERTY, NewPropertyCommand, Properties};
pub use property_types::PropertyTypes;
pub use realty_domain::{self as domain, DomainError};
pub use rooms::RoomWritten;

/// The result of every use case.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;

/// A command as the inbound adapter parsed it: valid, or every rule its
/// fields break. Use cases that must answer 404, 403 or 412 first take it
/// as it is and report the errors after those checks.
pub type Parsed<T> = std::result::Result<T, Vec<realty_domain::FieldError>>;
