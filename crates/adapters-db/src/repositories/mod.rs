//! The domain's ports implemented on [`crate::Database`], one module per
//! port. Each write runs in one transaction together with its audit event.

mod audit;
mod idempotency;
mod login_throttle;
mod properties;
mod property_types;
mod users;
