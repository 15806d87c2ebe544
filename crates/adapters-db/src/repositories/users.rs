//! [`UserRepository`] on the database.

use async_trait::async_trait;
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::{AsyncConnection, RunQueryDsl};
use realty_domain::ports::UserRepository;
use realty_domain::{AuditEntry, DomainError, Email, NewUser, Resource, User, UserId, UserUpdate};

use super::record;
use crate::connection::{Database, with_conn};
use crate::errors::{Abort, Writing, db_error};
use crate::models::{NewAuditRow, NewUserRow, UserChanges, UserRow};
use crate::schema::users;

const NOT_FOUND: DomainError = DomainError::NotFound { resource: "user" };

#[async_trait]
impl UserRepository for Database {
    #[tracing::instrument(skip_all, level = "debug")]
    async fn create(&self, user: NewUser, audit: AuditEntry) -> Result<User, DomainError> {
        with_conn!(self, conn => {
            conn.transaction(async |conn| -> Result<User, Abort> {
                let row = diesel::insert_into(users::table)
                    .values(NewUserRow::new(&user))
                    .returning(UserRow::as_returning())
                    .get_result(conn)
                    .await
                    .map_err(|error| db_error(error, Writing::User))?;
                let user = row.into_domain()?;
                let event = NewAuditRow::new(&audit, Resource::User, user.id.to_string(), None, Some(user.id))?;
                record!(conn, event)?;
                Ok(user)
            })
            .await
            .map_err(DomainError::from)
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(user_id = id.0))]
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, DomainError> {
        with_conn!(self, conn => {
            let row = users::table
                .find(id.0)
                .select(UserRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|error| db_error(error, Writing::Other))?;
            row.map(UserRow::into_domain).transpose()
        })
    }

    #[tracing::instrument(skip_all, level = "debug")]
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError> {
        with_conn!(self, conn => {
            let row = users::table
                .filter(users::email.eq(email.as_str()))
                .select(UserRow::as_select())
                .first(conn)
                .await
                .optional()
                .map_err(|error| db_error(error, Writing::Other))?;
            row.map(UserRow::into_domain).transpose()
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(user_id = id.0))]
    async fn update(&self, id: UserId, update: UserUpdate, audit: AuditEntry) -> Result<User, DomainError> {
        with_conn!(self, conn => {
            conn.transaction(async |conn| -> Result<User, Abort> {
                let row = diesel::update(users::table.find(id.0))
                    .set(UserChanges::new(&update, audit.at))
                    .returning(UserRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()
                    .map_err(|error| db_error(error, Writing::User))?
                    .ok_or(NOT_FOUND)?;
                let user = row.into_domain()?;
                record!(conn, NewAuditRow::new(&audit, Resource::User, id.to_string(), None, None)?)?;
                Ok(user)
            })
            .await
            .map_err(DomainError::from)
        })
    }

    /// The user's properties and rooms go with them through `ON DELETE
    /// CASCADE`; the audit trail has no foreign keys and stays.
    #[tracing::instrument(skip_all, level = "debug", fields(user_id = id.0))]
    async fn delete(&self, id: UserId, audit: AuditEntry) -> Result<(), DomainError> {
        with_conn!(self, conn => {
            conn.transaction(async |conn| -> Result<(), Abort> {
                let deleted = diesel::delete(users::table.find(id.0)).execute(conn).await?;
                if deleted == 0 {
                    return Err(NOT_FOUND.into());
                }
                record!(conn, NewAuditRow::new(&audit, Resource::User, id.to_string(), None, None)?)?;
                Ok(())
            })
            .await
            .map_err(DomainError::from)
        })
    }
}
