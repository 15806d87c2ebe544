//! [`UserRepository`] on the database, with the word index of the admin
//! directory kept in the same transactions.

use async_trait::async_trait;
use diesel::{BoolExpressionMethods, ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::RunQueryDsl;
use realty_domain::ports::UserRepository;
use realty_domain::{
    AuditEntry, DomainError, Email, NewUser, Page, Resource, ResourceId, Role, User, UserId, UserQuery,
    UserUpdate,
};

use crate::connection::{Database, in_transaction, on_connection};
use crate::error::{OnWrite, Writing};
use crate::multi_insert::MultiInsert;
use crate::rows::{NewAuditRow, NewUserRow, UserChanges, UserRow, UserWordRow};
use crate::schema::{user_words, users};
use crate::search;

const NOT_FOUND: DomainError = DomainError::NotFound { resource: "user" };

#[async_trait]
impl UserRepository for Database {
    #[tracing::instrument(skip_all, level = "debug")]
    async fn create(&self, user: NewUser, audit: AuditEntry) -> Result<User, DomainError> {
        let (user, audit) = (&user, &audit);
        on_connection!(self, |conn| async {
            in_transaction!(conn, async {
                let row = diesel::insert_into(users::table)
                    .values(NewUserRow::new(user))
                    .returning(UserRow::as_returning())
                    .get_result(conn)
                    .await
                    .on_write(Writing::User)?;
                let user = row.into_domain()?;
                let words = user.index_words();
                let rows: Vec<UserWordRow<'_>> =
                    words.iter().map(|word| UserWordRow { user_id: user.id.0, word }).collect();
                if !rows.is_empty() {
                    MultiInsert::new(&rows).execute(conn).await?;
                }
                let event = NewAuditRow::new(
                    audit,
                    ResourceId::Number(user.id.0),
                    Resource::User,
                    None,
                    Some(user.id),
                )?;
                MultiInsert::new(&[event]).execute(conn).await?;
                Ok(user)
            })
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(user_id = id.0))]
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, DomainError> {
        on_connection!(self, |conn| async {
            let row = users::table.find(id.0).select(UserRow::as_select()).first(conn).await.optional()?;
            Ok(row.map(UserRow::into_domain).transpose()?)
        })
    }

    #[tracing::instrument(skip_all, level = "debug")]
    async fn find_by_email(&self, email: &Email) -> Result<Option<User>, DomainError> {
        on_connection!(self, |conn| async {
            let row = users::table
                .filter(users::email.eq(email.as_str()))
                .select(UserRow::as_select())
                .first(conn)
                .await
                .optional()?;
            Ok(row.map(UserRow::into_domain).transpose()?)
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(limit = query.limit))]
    async fn list(&self, query: &UserQuery) -> Result<Page<User>, DomainError> {
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        on_connection!(self, |conn| async {
            let mut rows: Vec<UserRow> = search::user_page!(query).load(conn).await?;
            let more = rows.len() > limit;
            rows.truncate(limit);
            let items = rows.into_iter().map(UserRow::into_domain).collect::<Result<Vec<_>, _>>()?;
            Ok(Page { items, more })
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(user_id = id.0))]
    async fn update(&self, id: UserId, update: UserUpdate, audit: AuditEntry) -> Result<User, DomainError> {
        let (update, audit) = (&update, &audit);
        on_connection!(self, |conn| async {
            in_transaction!(conn, async {
                let row = diesel::update(users::table.find(id.0))
                    .set(UserChanges::new(update, audit.at))
                    .returning(UserRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()
                    .on_write(Writing::User)?
                    .ok_or(NOT_FOUND)?;
                let user = row.into_domain()?;
                if update.first_name.is_some() || update.last_name.is_some() {
                    diesel::delete(user_words::table.filter(user_words::user_id.eq(id.0)))
                        .execute(conn)
                        .await?;
                    let words = user.index_words();
                    let rows: Vec<UserWordRow<'_>> =
                        words.iter().map(|word| UserWordRow { user_id: id.0, word }).collect();
                    if !rows.is_empty() {
                        MultiInsert::new(&rows).execute(conn).await?;
                    }
                }
                let event = NewAuditRow::new(audit, ResourceId::Number(id.0), Resource::User, None, None)?;
                MultiInsert::new(&[event]).execute(conn).await?;
                Ok(user)
            })
        })
    }

    /// The first statement locks the user and every admin at once (a write
    /// that changes nothing, as in the property edit), so that two admins
    /// deleting each other, or themselves, take turns and the second sees
    /// the first one gone. The user's properties, rooms and words go with
    /// them through `ON DELETE CASCADE`; the audit trail has no foreign keys
    /// and stays.
    #[tracing::instrument(skip_all, level = "debug", fields(user_id = id.0))]
    async fn delete(&self, id: UserId, audit: AuditEntry) -> Result<(), DomainError> {
        let audit = &audit;
        on_connection!(self, |conn| async {
            in_transaction!(conn, async {
                let admin = Role::Admin.as_str();
                let locked: Vec<(i64, String)> =
                    diesel::update(users::table.filter(users::id.eq(id.0).or(users::role.eq(admin))))
                        .set(users::role.eq(users::role))
                        .returning((users::id, users::role))
                        .get_results(conn)
                        .await?;
                let Some((_, role)) = locked.iter().find(|(user, _)| *user == id.0) else {
                    return Err(NOT_FOUND.into());
                };
                let admins = locked.iter().filter(|(_, role)| role == admin).count();
                if role == admin && admins <= 1 {
                    return Err(DomainError::Conflict(
                        "the last admin cannot be deleted: make another admin first (realty create-admin)"
                            .into(),
                    )
                    .into());
                }
                diesel::delete(users::table.find(id.0)).execute(conn).await?;
                let event = NewAuditRow::new(audit, ResourceId::Number(id.0), Resource::User, None, None)?;
                MultiInsert::new(&[event]).execute(conn).await?;
                Ok(())
            })
        })
    }
}
