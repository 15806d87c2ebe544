//! realty's use cases: one method per user action of the API.
//!
//! Each use case takes the acting user and a plain input, then, in the order
//! the API contract fixes: loads the object (404), checks the actor's right
//! (403), checks the version the client based its change on (412), validates
//! the input into domain values (422), and writes through a port together
//! with the audit event. Use cases hold their ports as `Arc<dyn Port>`, so
//! the composition root picks the adapters and tests pick mocks.

mod accounts;
mod properties;
mod property_types;
mod rooms;

pub use accounts::{Accounts, Credentials, LoginPolicy, ProfileChanges, Registration};
pub use properties::{
    ListQuery, MAX_ROOMS_PER_PROPERTY, Properties, PropertyChanges, PropertyInput, WRITE_ATTEMPTS,
};
pub use property_types::{PropertyTypeInput, PropertyTypes};
pub use realty_domain::{self as domain, DomainError};
pub use rooms::{RoomChanges, RoomInput};

/// The result of every use case.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;
