//! [`PropertyTypeRepository`] on the database.

use async_trait::async_trait;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::{AsyncConnection, RunQueryDsl};
use realty_domain::ports::PropertyTypeRepository;
use realty_domain::{AuditEntry, DomainError, PropertyType, Resource, TypeSlug};

use super::record;
use crate::connection::{Database, with_conn};
use crate::errors::{Abort, Writing, db_error};
use crate::models::{NewAuditRow, PropertyTypeRow};
use crate::schema::property_types;

#[async_trait]
impl PropertyTypeRepository for Database {
    #[tracing::instrument(skip_all, level = "debug")]
    async fn list(&self) -> Result<Vec<PropertyType>, DomainError> {
        with_conn!(self, conn => {
            let rows = property_types::table
                .order_by(property_types::slug.asc())
                .select(PropertyTypeRow::as_select())
                .load(conn)
                .await
                .map_err(|error| db_error(error, Writing::Other))?;
            rows.into_iter().map(PropertyTypeRow::into_domain).collect()
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(slug = slug.as_str()))]
    async fn find(&self, slug: &TypeSlug) -> Result<Option<PropertyType>, DomainError> {
        with_conn!(self, conn => {
            let row = property_types::table
                .find(slug.as_str())
                .select(PropertyTypeRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|error| db_error(error, Writing::Other))?;
            row.map(PropertyTypeRow::into_domain).transpose()
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(slug = property_type.slug.as_str()))]
    async fn create(
        &self,
        property_type: PropertyType,
        audit: AuditEntry,
    ) -> Result<PropertyType, DomainError> {
        with_conn!(self, conn => {
            conn.transaction(async |conn| -> Result<(), Abort> {
                diesel::insert_into(property_types::table)
                    .values(PropertyTypeRow::new(&property_type))
                    .execute(conn)
                    .await
                    .map_err(|error| db_error(error, Writing::NewPropertyType))?;
                let slug = property_type.slug.to_string();
                record!(conn, NewAuditRow::new(&audit, Resource::PropertyType, slug, None, None)?)?;
                Ok(())
            })
            .await?;
            Ok(property_type)
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(slug = slug.as_str()))]
    async fn delete(&self, slug: &TypeSlug, audit: AuditEntry) -> Result<(), DomainError> {
        with_conn!(self, conn => {
            conn.transaction(async |conn| -> Result<(), Abort> {
                // `ON DELETE RESTRICT` refuses while a property uses the type.
                let deleted = diesel::delete(property_types::table.find(slug.as_str()))
                    .execute(conn)
                    .await
                    .map_err(|error| db_error(error, Writing::PropertyTypeRemoval))?;
                if deleted == 0 {
                    return Err(DomainError::NotFound { resource: "property type" }.into());
                }
                record!(conn, NewAuditRow::new(&audit, Resource::PropertyType, slug.to_string(), None, None)?)?;
                Ok(())
            })
            .await
            .map_err(DomainError::from)
        })
    }
}
