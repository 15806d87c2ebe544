//! Loading many properties at once, for load-test data sets
//! (`realty seed --properties N`): multi-row INSERTs in transactions of one
//! batch each, with no audit events.

use diesel_async::{AsyncConnection, RunQueryDsl};
use realty_domain::{DomainError, NewProperty, PropertyId};

use crate::connection::{Database, with_conn};
use crate::errors::{Abort, Writing, db_error};
use crate::models::{NewPropertyRow, NewRoomRow};
use crate::multi_insert::MultiInsert;

/// Properties per INSERT (10 bound values each). Larger statements gain
/// little and hold the SQLite write lock longer.
const PROPERTIES_PER_STATEMENT: usize = 500;

/// Rooms per INSERT: 6 bound values each, so 12 000 per statement, under
/// SQLite's 32 766 and PostgreSQL's 65 535 limits on bound parameters.
const ROOMS_PER_STATEMENT: usize = 2_000;

impl Database {
    /// Inserts `properties` with their rooms, without audit events, in
    /// batches of 500 properties, each batch in its own transaction: on
    /// failure the batches before it stay, the failed one leaves nothing.
    /// Returns how many properties were inserted.
    ///
    /// # Errors
    /// `Invalid` naming `property_type` when a type does not exist;
    /// `Internal` on storage failure.
    #[tracing::instrument(skip_all, fields(properties = properties.len()))]
    pub async fn bulk_insert_properties(&self, properties: Vec<NewProperty>) -> Result<u64, DomainError> {
        with_conn!(self, conn => {
            let mut inserted = 0_u64;
            for batch in properties.chunks(PROPERTIES_PER_STATEMENT) {
                let rows = batch.iter().map(NewPropertyRow::new).collect::<Result<Vec<_>, _>>()?;
                conn.transaction(async |conn| -> Result<(), Abort> {
                    let mut ids: Vec<i64> = MultiInsert::new(&rows)
                        .returning()
                        .get_results(conn)
                        .await
                        .map_err(|error| db_error(error, Writing::Property))?;
                    // RETURNING promises no order, but ids are drawn as the
                    // VALUES rows are inserted, in order: sorted, the i-th id
                    // is the i-th property's.
                    ids.sort_unstable();
                    let new_rooms: Vec<NewRoomRow<'_>> = batch
                        .iter()
                        .zip(&ids)
                        .flat_map(|(property, &id)| {
                            property.rooms.iter().map(move |room| NewRoomRow::new(PropertyId(id), room))
                        })
                        .collect();
                    for rooms_batch in new_rooms.chunks(ROOMS_PER_STATEMENT) {
                        MultiInsert::new(rooms_batch).execute(conn).await?;
                    }
                    Ok(())
                })
                .await?;
                inserted += batch.len() as u64;
            }
            Ok(inserted)
        })
    }
}
