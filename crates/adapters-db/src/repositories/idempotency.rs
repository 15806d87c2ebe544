//! [`IdempotencyStore`] on the database: the answers to creations sent with
//! an `Idempotency-Key`, shared by every instance.
//!
//! A claim is an `INSERT … ON CONFLICT DO NOTHING`: of two requests racing
//! for a new key, the database lets exactly one row in. A key whose record
//! expired, or whose unanswered claim outlived its lease, is taken over by a
//! conditional `UPDATE`, which again only one racer can win. A claim is
//! answered or released only while its lease (`locked_until`) is the row's,
//! so a request that outlived its lease cannot touch its successor's claim.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::{BoolExpressionMethods, ExpressionMethods, Insertable, OptionalExtension, QueryDsl};
use diesel_async::RunQueryDsl;
use realty_domain::ports::{Claim, IdempotencyStore, Lease, StoredResponse};
use realty_domain::{DomainError, UserId};

use crate::connection::{Database, on_connection};
use crate::error::StorageError;
use crate::rows::stored;
use crate::schema::idempotency_keys as keys;

#[async_trait]
impl IdempotencyStore for Database {
    #[tracing::instrument(skip_all, level = "debug", fields(user_id = user.0))]
    async fn claim(
        &self,
        user: UserId,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim, DomainError> {
        let lease = Lease(lease_until);
        let (now, lease_until) = (stored(now), stored(lease_until));
        on_connection!(self, |conn| async {
            let inserted = (
                keys::user_id.eq(user.0),
                keys::key.eq(key),
                keys::fingerprint.eq(fingerprint),
                keys::locked_until.eq(lease_until),
                keys::expires_at.eq(lease_until),
            )
                .insert_into(keys::table)
                .on_conflict_do_nothing()
                .execute(conn)
                .await?;
            if inserted == 1 {
                return Ok(Claim::Claimed(lease));
            }
            let this_key = keys::table.filter(keys::user_id.eq(user.0)).filter(keys::key.eq(key));
            let stale = keys::expires_at.lt(now).or(keys::status.is_null().and(keys::locked_until.lt(now)));
            let taken_over = diesel::update(this_key.filter(stale))
                .set((
                    keys::fingerprint.eq(fingerprint),
                    keys::status.eq(None::<i32>),
                    keys::headers.eq(None::<String>),
                    keys::body.eq(None::<Vec<u8>>),
                    keys::locked_until.eq(lease_until),
                    keys::expires_at.eq(lease_until),
                ))
                .execute(conn)
                .await?;
            if taken_over == 1 {
                return Ok(Claim::Claimed(lease));
            }
            let record: Option<(String, Option<i32>, Option<String>, Option<Vec<u8>>)> = this_key
                .select((keys::fingerprint, keys::status, keys::headers, keys::body))
                .first(conn)
                .await
                .optional()?;
            Ok(match record {
                // Purged between our statements: the next attempt claims it.
                None => Claim::InProgress,
                Some((kept, _, _, _)) if kept != fingerprint => Claim::Mismatch,
                Some((_, None, _, _)) => Claim::InProgress,
                Some((_, Some(status), headers, body)) => {
                    let headers: Vec<(String, String)> =
                        serde_json::from_str(headers.as_deref().unwrap_or("[]"))
                            .map_err(|error| DomainError::internal(StorageError::Json(error)))?;
                    let status = u16::try_from(status).map_err(DomainError::internal)?;
                    Claim::Replay(StoredResponse { status, headers, body: body.unwrap_or_default() })
                }
            })
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(user_id = user.0))]
    async fn complete(
        &self,
        user: UserId,
        key: &str,
        lease: Lease,
        response: StoredResponse,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, DomainError> {
        let headers = serde_json::to_string(&response.headers)
            .map_err(|error| DomainError::internal(StorageError::Json(error)))?;
        let response = &response;
        let lease_until = stored(lease.0);
        on_connection!(self, |conn| async {
            let this_claim = keys::table
                .filter(keys::user_id.eq(user.0))
                .filter(keys::key.eq(key))
                .filter(keys::status.is_null())
                .filter(keys::locked_until.eq(lease_until));
            let completed = diesel::update(this_claim)
                .set((
                    keys::status.eq(i32::from(response.status)),
                    keys::headers.eq(&headers),
                    keys::body.eq(&response.body),
                    keys::expires_at.eq(stored(expires_at)),
                ))
                .execute(conn)
                .await?;
            Ok(completed == 1)
        })
    }

    #[tracing::instrument(skip_all, level = "debug", fields(user_id = user.0))]
    async fn release(&self, user: UserId, key: &str, lease: Lease) -> Result<(), DomainError> {
        let lease_until = stored(lease.0);
        on_connection!(self, |conn| async {
            diesel::delete(
                keys::table
                    .filter(keys::user_id.eq(user.0))
                    .filter(keys::key.eq(key))
                    .filter(keys::status.is_null())
                    .filter(keys::locked_until.eq(lease_until)),
            )
            .execute(conn)
            .await?;
            Ok(())
        })
    }

    #[tracing::instrument(skip_all, level = "debug")]
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, DomainError> {
        let now = stored(now);
        on_connection!(self, |conn| async {
            let purged = diesel::delete(keys::table.filter(keys::expires_at.lt(now))).execute(conn).await?;
            Ok(u64::try_from(purged).unwrap_or(u64::MAX))
        })
    }
}
