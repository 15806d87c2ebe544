//! [`LoginThrottle`] on the database, so that the failed-login limit holds
//! across every instance sharing it.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{ExpressionMethods, QueryDsl};
use diesel_async::{AsyncConnection, RunQueryDsl};
use realty_domain::DomainError;
use realty_domain::ports::LoginThrottle;

use crate::connection::{Database, with_conn};
use crate::errors::{Abort, Writing, db_error};
use crate::models::{NewLoginFailure, stored};
use crate::schema::login_failures;

#[async_trait]
impl LoginThrottle for Database {
    // The key (an email as typed) stays out of the span: it is personal data.
    #[tracing::instrument(skip_all, level = "debug")]
    async fn recent_failures(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, DomainError> {
        with_conn!(self, conn => {
            let instants: Vec<NaiveDateTime> = login_failures::table
                .filter(login_failures::email_key.eq(key))
                .filter(login_failures::at.ge(stored(since)))
                .order_by((login_failures::at.asc(), login_failures::id.asc()))
                .select(login_failures::at)
                .load(conn)
                .await
                .map_err(|error| db_error(error, Writing::Other))?;
            Ok(instants.into_iter().map(|at| at.and_utc()).collect())
        })
    }

    #[tracing::instrument(skip_all, level = "debug")]
    async fn record_failure(
        &self,
        key: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        with_conn!(self, conn => {
            conn.transaction(async |conn| -> Result<(), Abort> {
                diesel::insert_into(login_failures::table)
                    .values(NewLoginFailure { email_key: key, at: stored(at) })
                    .execute(conn)
                    .await?;
                diesel::delete(login_failures::table.filter(login_failures::at.lt(stored(forget_before))))
                    .execute(conn)
                    .await?;
                Ok(())
            })
            .await
            .map_err(DomainError::from)
        })
    }

    #[tracing::instrument(skip_all, level = "debug")]
    async fn clear(&self, key: &str) -> Result<(), DomainError> {
        with_conn!(self, conn => {
            diesel::delete(login_failures::table.filter(login_failures::email_key.eq(key)))
                .execute(conn)
                .await
                .map(|_| ())
                .map_err(|error| db_error(error, Writing::Other))
        })
    }
}
