//! Loading many properties at once, for load-test data sets
//! (`realty seed --properties N`): multi-row INSERTs in transactions of one
//! batch each, with their rooms and search words but no audit events.

use diesel_async::RunQueryDsl;
use realty_domain::{DomainError, NewProperty, PropertyId};

use crate::connection::{Database, in_transaction, on_connection};
use crate::error::{OnWrite, Writing};
use crate::multi_insert::MultiInsert;
use crate::rows::{BulkPropertyRow, NewRoomRow, PropertyWordRow, stored};

/// Properties per INSERT (13 bound values each). Larger statements gain
/// little and hold the SQLite write lock longer.
const PROPERTIES_PER_STATEMENT: usize = 500;

/// Rows per INSERT of rooms (6 bound values each) or words (3): under
/// SQLite's 32 766 and PostgreSQL's 65 535 bound values per statement.
const ROOMS_PER_STATEMENT: usize = 2_000;
const WORDS_PER_STATEMENT: usize = 10_000;

impl Database {
    /// Inserts `properties` with their rooms and words, without audit
    /// events, in batches of 500 properties, each batch in its own
    /// transaction: on failure the batches before it stay, the failed one
    /// leaves nothing. Returns how many properties were inserted.
    ///
    /// # Errors
    /// `Invalid` naming `property_type` when a type does not exist; storage
    /// failures.
    #[tracing::instrument(skip_all, fields(properties = properties.len()))]
    pub async fn bulk_insert_properties(&self, properties: Vec<NewProperty>) -> Result<u64, DomainError> {
        let mut inserted = 0_u64;
        for batch in properties.chunks(PROPERTIES_PER_STATEMENT) {
            let words: Vec<_> = batch.iter().map(NewProperty::index_words).collect();
            let rows: Vec<BulkPropertyRow<'_>> = batch
                .iter()
                .zip(&words)
                .map(|(property, words)| BulkPropertyRow::new(property, words))
                .collect();
            let (rows, words) = (&rows, &words);
            on_connection!(self, |conn| async {
                in_transaction!(conn, async {
                    let mut ids: Vec<i64> = MultiInsert::new(rows)
                        .returning_ids()
                        .get_results(conn)
                        .await
                        .on_write(Writing::Property)?;
                    ids.sort_unstable();
                    let new_rooms: Vec<NewRoomRow<'_>> = batch
                        .iter()
                        .zip(&ids)
                        .flat_map(|(property, &id)| {
                            property.rooms.iter().map(move |room| NewRoomRow::new(PropertyId(id), room))
                        })
                        .collect();
                    for chunk in new_rooms.chunks(ROOMS_PER_STATEMENT) {
                        MultiInsert::new(chunk).execute(conn).await?;
                    }
                    let new_words: Vec<PropertyWordRow<'_>> = words
                        .iter()
                        .zip(batch)
                        .zip(&ids)
                        .flat_map(|((words, property), &id)| {
                            let created_at = stored(property.at);
                            words.iter().map(move |word| PropertyWordRow {
                                property_id: id,
                                word,
                                created_at,
                            })
                        })
                        .collect();
                    for chunk in new_words.chunks(WORDS_PER_STATEMENT) {
                        MultiInsert::new(chunk).execute(conn).await?;
                    }
                    Ok(())
                })
            })?;
            inserted += batch.len() as u64;
        }
        Ok(inserted)
    }
}
