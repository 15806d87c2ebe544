//! [`LoginThrottle`] on the database, so that the failed-login limit holds
//! across every instance sharing it.
//!
//! A failure is stored under the SHA-256 of its key: 32 bytes whatever the
//! client typed (the login email is already bounded, but a record of fixed
//! size keeps the table's growth per attempt known), and no email address
//! is kept for a login that did not happen.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::{ExpressionMethods, Insertable, QueryDsl};
use diesel_async::RunQueryDsl;
use realty_domain::DomainError;
use realty_domain::ports::LoginThrottle;
use sha2::{Digest, Sha256};

use crate::connection::{Database, in_transaction, on_connection};
use crate::rows::stored;
use crate::schema::login_failures;

fn digest(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

#[async_trait]
impl LoginThrottle for Database {
    #[tracing::instrument(skip_all, level = "debug")]
    async fn recent_failures(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, DomainError> {
        let key = digest(key);
        on_connection!(self, |conn| async {
            let instants: Vec<NaiveDateTime> = login_failures::table
                .filter(login_failures::key_digest.eq(&key))
                .filter(login_failures::at.ge(stored(since)))
                .order_by((login_failures::at.asc(), login_failures::id.asc()))
                .select(login_failures::at)
                .load(conn)
                .await?;
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
        let key = digest(key);
        on_connection!(self, |conn| async {
            in_transaction!(conn, async {
                (login_failures::key_digest.eq(&key), login_failures::at.eq(stored(at)))
                    .insert_into(login_failures::table)
                    .execute(conn)
                    .await?;
                diesel::delete(login_failures::table.filter(login_failures::at.lt(stored(forget_before))))
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
    }

    #[tracing::instrument(skip_all, level = "debug")]
    async fn clear(&self, key: &str) -> Result<(), DomainError> {
        let key = digest(key);
        on_connection!(self, |conn| async {
            diesel::delete(login_failures::table.filter(login_failures::key_digest.eq(&key)))
                .execute(conn)
                .await?;
            Ok(())
        })
    }
}
