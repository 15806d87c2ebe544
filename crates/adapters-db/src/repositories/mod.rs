//! The domain's ports implemented on [`crate::Database`], one module per
//! port. Each write runs in one transaction together with its audit event.

mod audit;
mod login_throttle;
mod properties;
mod property_types;
mod users;

/// Inserts an audit event (a `NewAuditRow`); used inside the transaction of
/// the write it records. A macro rather than a function so that it compiles
/// for either backend's connection without spelling out Diesel's trait
/// bounds. Needs `diesel_async::RunQueryDsl` in scope.
macro_rules! record {
    ($conn:ident, $event:expr) => {
        ::diesel::insert_into($crate::schema::audit_events::table)
            .values($event)
            .execute($conn)
            .await
            .map(|_| ())
    };
}

pub(crate) use record;
