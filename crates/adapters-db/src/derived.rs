//! Data derived from stored text and rooms: the city key, the summary the
//! browse filters compare, the word signature, and the search words of
//! properties and users. They are written with every change; this module
//! recomputes them all when the domain's folding changed since they were
//! written (a new [`realty_domain::fold::FOLDING_VERSION`]), or a migration
//! marked them stale (version 0), as part of migrating.

use std::collections::HashMap;

use diesel::upsert::excluded;
use diesel::{ExpressionMethods, Insertable, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::RunQueryDsl;
use realty_domain::fold::FOLDING_VERSION;
use realty_domain::{DomainError, Property, Room};

use crate::connection::{Database, in_transaction, on_connection};
use crate::multi_insert::MultiInsert;
use crate::rows::{PropertyRow, PropertyState, PropertyWordRow, RoomRow, UserRow, UserWordRow, stored};
use crate::schema::{derived_data, properties, property_words, rooms, user_words, users};

/// The `derived_data` row of the folding.
const FOLDING: &str = "folding";

/// Rows recomputed per transaction.
const BATCH: i64 = 500;

/// Starts a batch's transaction with a write that changes nothing, so that
/// it holds the write lock before it reads. On SQLite a transaction that
/// reads first and writes later fails at once with `database is locked`
/// (no busy wait can help: its snapshot is stale) when another connection
/// wrote in between, which a second instance migrating at the same time
/// does; writing first makes the two queue for the lock instead. On
/// PostgreSQL (already serialised by the advisory lock) it locks one row.
macro_rules! take_write_lock {
    ($conn:expr) => {
        diesel::update(derived_data::table.find(FOLDING))
            .set(derived_data::version.eq(derived_data::version))
            .execute($conn)
    };
}

impl Database {
    /// Whether derived data was computed by an older folding than the code's.
    pub(crate) async fn derived_data_is_stale(&self) -> Result<bool, DomainError> {
        let version: Option<i32> = on_connection!(self, |conn| async {
            Ok(derived_data::table
                .find(FOLDING)
                .select(derived_data::version)
                .first(conn)
                .await
                .optional()?)
        })?;
        Ok(version.is_none_or(|version| version < FOLDING_VERSION))
    }

    /// Recomputes every property's city key, summary and words, and every
    /// user's words, in batches of [`BATCH`] rows per transaction, then
    /// records the folding version. Versions, `updated_at` and the audit
    /// trail are left alone: nothing a user sees changes but what the
    /// filters compare.
    pub(crate) async fn refresh_derived_data(&self) -> Result<(), DomainError> {
        let mut properties_done = 0_usize;
        let mut after = 0_i64;
        loop {
            let last = self.refresh_properties_after(after).await?;
            let Some((last, count)) = last else { break };
            properties_done += count;
            after = last;
            if properties_done % 50_000 < 500 {
                tracing::info!(properties = properties_done, "recomputing derived data");
            }
        }
        let mut after = 0_i64;
        while let Some(last) = self.refresh_users_after(after).await? {
            after = last;
        }
        on_connection!(self, |conn| async {
            (derived_data::name.eq(FOLDING), derived_data::version.eq(FOLDING_VERSION))
                .insert_into(derived_data::table)
                .on_conflict(derived_data::name)
                .do_update()
                .set(derived_data::version.eq(excluded(derived_data::version)))
                .execute(conn)
                .await?;
            Ok(())
        })?;
        tracing::info!(properties = properties_done, version = FOLDING_VERSION, "derived data up to date");
        Ok(())
    }

    /// One batch of properties with ids above `after`; the last id and the
    /// count, or `None` when there were none.
    async fn refresh_properties_after(&self, after: i64) -> Result<Option<(i64, usize)>, DomainError> {
        on_connection!(self, |conn| async {
            in_transaction!(conn, async {
                take_write_lock!(conn).await?;
                let rows: Vec<PropertyRow> = properties::table
                    .filter(properties::id.gt(after))
                    .order_by(properties::id)
                    .limit(BATCH)
                    .select(PropertyRow::as_select())
                    .load(conn)
                    .await?;
                let Some(last) = rows.last().map(|row| row.id) else {
                    return Ok(None);
                };
                let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
                let room_rows: Vec<RoomRow> = rooms::table
                    .filter(rooms::property_id.eq_any(&ids))
                    .order_by((rooms::property_id, rooms::id))
                    .select(RoomRow::as_select())
                    .load(conn)
                    .await?;
                let mut rooms_by_property: HashMap<i64, Vec<Room>> = HashMap::new();
                for room in room_rows {
                    rooms_by_property.entry(room.property_id).or_default().push(room.into_domain()?);
                }
                let properties: Vec<Property> = rows
                    .into_iter()
                    .map(|row| {
                        let rooms = rooms_by_property.remove(&row.id).unwrap_or_default();
                        row.into_domain(rooms)
                    })
                    .collect::<Result<_, _>>()?;
                let words: Vec<_> = properties
                    .iter()
                    .map(|property| (property.id.0, stored(property.created_at), property.index_words()))
                    .collect();
                for (property, (_, _, words)) in properties.iter().zip(&words) {
                    diesel::update(properties::table.find(property.id.0))
                        .set(PropertyState::of(property, words))
                        .execute(conn)
                        .await?;
                }
                diesel::delete(property_words::table.filter(property_words::property_id.eq_any(&ids)))
                    .execute(conn)
                    .await?;
                let rows: Vec<PropertyWordRow<'_>> = words
                    .iter()
                    .flat_map(|(id, created_at, words)| {
                        let (property_id, created_at) = (*id, *created_at);
                        words.iter().map(move |word| PropertyWordRow { property_id, word, created_at })
                    })
                    .collect();
                for chunk in rows.chunks(10_000) {
                    MultiInsert::new(chunk).execute(conn).await?;
                }
                Ok(Some((last, properties.len())))
            })
        })
    }

    /// One batch of users with ids above `after`; the last id.
    async fn refresh_users_after(&self, after: i64) -> Result<Option<i64>, DomainError> {
        on_connection!(self, |conn| async {
            in_transaction!(conn, async {
                take_write_lock!(conn).await?;
                let rows: Vec<UserRow> = users::table
                    .filter(users::id.gt(after))
                    .order_by(users::id)
                    .limit(BATCH)
                    .select(UserRow::as_select())
                    .load(conn)
                    .await?;
                let Some(last) = rows.last().map(|row| row.id) else {
                    return Ok(None);
                };
                let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
                let users = rows.into_iter().map(UserRow::into_domain).collect::<Result<Vec<_>, _>>()?;
                diesel::delete(user_words::table.filter(user_words::user_id.eq_any(&ids)))
                    .execute(conn)
                    .await?;
                let words: Vec<_> = users.iter().map(|user| (user.id.0, user.index_words())).collect();
                let rows: Vec<UserWordRow<'_>> = words
                    .iter()
                    .flat_map(|(id, words)| words.iter().map(|word| UserWordRow { user_id: *id, word }))
                    .collect();
                for chunk in rows.chunks(10_000) {
                    MultiInsert::new(chunk).execute(conn).await?;
                }
                Ok(Some(last))
            })
        })
    }
}
