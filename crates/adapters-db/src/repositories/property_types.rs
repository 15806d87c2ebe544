//! [`PropertyTypeRepository`] on the database.

use async_trait::async_trait;
use diesel::{OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::RunQueryDsl;
use realty_domain::ports::PropertyTypeRepository;
use realty_domain::{AuditEntry, DomainError, PropertyType, Resource, ResourceId, TypeSlug};

use crate::connection::{Database, in_transaction, on_connection};
use crate::error::{OnWrite, Writing};
use crate::multi_insert::MultiInsert;
use crate::rows::{NewAuditRow, PropertyTypeRow};
use crate::schema::property_types;

#[async_trait]
impl PropertyTypeRepository for Database {
    #[tracing::instrument(skip_all, level = "debug")]
    async fn list(&self) -> Result<Vec<PropertyType>, DomainError> {
        on_connection!(self, |conn| async {
            let rows = property_types::table
                .order_by(property_types::slug)
                .select(PropertyTypeRow::as_select())
                .load(conn)
                .await?;
            Ok(rows.into_iter().map(PropertyTypeRow::into_domain).collect::<Result<Vec<_>, _>>()?)
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(slug = slug.as_str()))]
    async fn find(&self, slug: &TypeSlug) -> Result<Option<PropertyType>, DomainError> {
        on_connection!(self, |conn| async {
            let row = property_types::table
                .find(slug.as_str())
                .select(PropertyTypeRow::as_select())
                .first(conn)
                .await
                .optional()?;
            Ok(row.map(PropertyTypeRow::into_domain).transpose()?)
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(slug = property_type.slug.as_str()))]
    async fn create(
        &self,
        property_type: PropertyType,
        audit: AuditEntry,
    ) -> Result<PropertyType, DomainError> {
        let (property_type, audit) = (&property_type, &audit);
        on_connection!(self, |conn| async {
            in_transaction!(conn, async {
                diesel::insert_into(property_types::table)
                    .values(PropertyTypeRow::new(property_type))
                    .execute(conn)
                    .await
                    .on_write(Writing::NewPropertyType)?;
                let slug = ResourceId::Slug(property_type.slug.to_string());
                let event = NewAuditRow::new(audit, slug, Resource::PropertyType, None, None)?;
                MultiInsert::new(&[event]).execute(conn).await?;
                Ok(property_type.clone())
            })
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(slug = slug.as_str()))]
    async fn delete(&self, slug: &TypeSlug, audit: AuditEntry) -> Result<(), DomainError> {
        let audit = &audit;
        on_connection!(self, |conn| async {
            in_transaction!(conn, async {
                // `ON DELETE RESTRICT` refuses while a property uses the type.
                let deleted = diesel::delete(property_types::table.find(slug.as_str()))
                    .execute(conn)
                    .await
                    .on_write(Writing::PropertyTypeRemoval)?;
                if deleted == 0 {
                    return Err(DomainError::NotFound { resource: "property type" }.into());
                }
                let id = ResourceId::Slug(slug.to_string());
                let event = NewAuditRow::new(audit, id, Resource::PropertyType, None, None)?;
                MultiInsert::new(&[event]).execute(conn).await?;
                Ok(())
            })
        })
    }
}
