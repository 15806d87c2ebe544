//! [`AuditLog`] on the database: reading the trail that every write
//! records in its own transaction.

use async_trait::async_trait;
use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};
use diesel_async::RunQueryDsl;
use realty_domain::ports::AuditLog;
use realty_domain::{AuditEvent, DomainError, PropertyId};

use crate::connection::{Database, on_connection};
use crate::rows::AuditRow;
use crate::schema::audit_events;

#[async_trait]
impl AuditLog for Database {
    /// Ids only grow, so id order is the order the events were recorded in
    /// (timestamps could tie).
    #[tracing::instrument(skip_all, level = "debug", fields(property_id = property.0))]
    async fn property_history(&self, property: PropertyId) -> Result<Vec<AuditEvent>, DomainError> {
        on_connection!(self, |conn| async {
            let rows = audit_events::table
                .filter(audit_events::property_id.eq(property.0))
                .order_by(audit_events::id.asc())
                .select(AuditRow::as_select())
                .load(conn)
                .await?;
            Ok(rows.into_iter().map(AuditRow::into_domain).collect::<Result<Vec<_>, _>>()?)
        })
    }
}
