//! [`PropertyRepository`] on the database: properties, their rooms, the
//! words `q` searches, and the locked edit that serialises writers.
//!
//! An edit's transaction starts with `UPDATE properties SET version =
//! version WHERE id = ? RETURNING …`: a write that changes nothing, chosen
//! over `SELECT … FOR UPDATE` because it takes the lock on both backends
//! (PostgreSQL: the row; SQLite, which has no `FOR UPDATE`: the database's
//! write lock, taken by the first statement so that `busy_timeout` makes
//! writers queue instead of failing on a lock upgrade). Every write to the
//! property or its rooms goes through that lock, so writers run one after
//! the other and each decides on the state the last one left.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, SelectableHelper};
use diesel_async::RunQueryDsl;
use realty_domain::ports::PropertyRepository;
use realty_domain::{
    AuditEntry, Decide, DomainError, Edit, Edited, NewProperty, NewRoom, Page, Property, PropertyChange,
    PropertyId, PropertyQuery, Resource, ResourceId, Room, RoomId,
};

use crate::common_bounds;
use crate::connection::{Database, Plans, in_transaction, on_connection};
use crate::error::{OnWrite, Writing};
use crate::multi_insert::MultiInsert;
use crate::rare_words::{self, Entries};
use crate::rows::{
    NewAuditRow, NewPropertyRow, NewRoomRow, PropertyRooms, PropertyRow, PropertyState, PropertyWordRow,
    RoomChanges, RoomRow, StoredRooms, stored,
};
use crate::schema::{properties, property_words, rooms};
use crate::search::{self, Conditions};

const PROPERTY_NOT_FOUND: DomainError = DomainError::NotFound { resource: "property" };
const ROOM_NOT_FOUND: DomainError = DomainError::NotFound { resource: "room" };

/// The rooms of the given properties, grouped by property then in creation
/// order: one statement for a whole page.
#[diesel::dsl::auto_type(no_type_alias)]
fn rooms_of<'a>(ids: &'a [i64]) -> _ {
    let by_property_then_id = (rooms::property_id.asc(), rooms::id.asc());
    rooms::table.filter(rooms::property_id.eq_any(ids)).order_by(by_property_then_id)
}

#[async_trait]
impl PropertyRepository for Database {
    #[tracing::instrument(skip_all, level = "debug", fields(owner_id = property.owner_id.0))]
    async fn create(
        &self,
        property: NewProperty,
        audit: AuditEntry,
        room_audits: Vec<AuditEntry>,
    ) -> Result<Property, DomainError> {
        let (property, audit, room_audits) = (&property, &audit, &room_audits);
        on_connection!(self, |conn| async {
            in_transaction!(conn, async {
                let words = property.index_words();
                let row = diesel::insert_into(properties::table)
                    .values(NewPropertyRow::new(property, &words))
                    .returning(PropertyRow::as_returning())
                    .get_result(conn)
                    .await
                    .on_write(Writing::Property)?;
                let id = PropertyId(row.id);
                let rooms = if property.rooms.is_empty() {
                    Vec::new()
                } else {
                    let rows: Vec<_> = property.rooms.iter().map(|room| NewRoomRow::new(id, room)).collect();
                    let ids: Vec<i64> = MultiInsert::new(&rows).returning_ids().get_results(conn).await?;
                    stored_rooms(id, &property.rooms, ids)
                };
                let word_rows = word_rows(id, property.at, &words);
                if !word_rows.is_empty() {
                    MultiInsert::new(&word_rows).execute(conn).await?;
                }
                let mut events = vec![NewAuditRow::new(
                    audit,
                    ResourceId::Number(id.0),
                    Resource::Property,
                    Some(id),
                    None,
                )?];
                for (room, entry) in rooms.iter().zip(room_audits) {
                    events.push(NewAuditRow::new(
                        entry,
                        ResourceId::Number(room.id.0),
                        Resource::Room,
                        Some(id),
                        None,
                    )?);
                }
                MultiInsert::new(&events).execute(conn).await?;
                Ok(row.into_domain(rooms)?)
            })
        })
    }

    /// One statement, one row: the property with its rooms (`PropertyRooms`).
    #[tracing::instrument(skip_all, level = "debug", fields(property_id = id.0))]
    async fn find(&self, id: PropertyId) -> Result<Option<Property>, DomainError> {
        on_connection!(self, |conn| async {
            let row: Option<(PropertyRow, StoredRooms)> = properties::table
                .find(id.0)
                .select((PropertyRow::as_select(), PropertyRooms))
                .get_result(conn)
                .await
                .optional()?;
            Ok(row.map(with_rooms).transpose()?)
        })
    }

    /// One statement for the whole page, whatever its size: the properties
    /// with their rooms, one row more than asked (to know whether another
    /// page follows). The filters and the keyset are in `search`. A page of
    /// words alone starts from a rare one's index entries when it has one;
    /// a word not asked about lately costs one or two short statements
    /// first (see `rare_words`), and so do bounds alone (whether they are
    /// met often, `common_bounds`). Once its words or bounds are known,
    /// such a page is mostly a statement planned once per connection (see
    /// `search::can_be_planned_once`).
    #[tracing::instrument(skip_all, level = "debug", fields(sort = query.sort.as_str(), limit = query.limit))]
    async fn list(&self, query: &PropertyQuery) -> Result<Page<Property>, DomainError> {
        let limit = usize::try_from(query.limit).unwrap_or(usize::MAX);
        if search::can_be_planned_once(query) {
            let known = match search::conditions(query) {
                Conditions::BoundsAlone => self.bounds_met_often(query).await?.then_some(None),
                _ => self.rare_words.known_first_rare(&query.words),
            };
            match known {
                // Common words, or bounds met often: the walk.
                Some(None) => {
                    let rows = on_connection!(self, plans = Plans::Generic, |conn| async {
                        Ok(search::walk_planned_once!(query).load(conn).await?)
                    })?;
                    return into_page(rows, limit);
                }
                // A rare word of one stored word, the others probed.
                Some(Some((word, Entries::Few { one_word: Some(stored) }))) => {
                    let mut rows = on_connection!(self, plans = Plans::Generic, |conn| async {
                        let page =
                            search::word_first_page!(query, word, one_word = &stored, planned_once = true);
                        Ok(page.load(conn).await?)
                    })?;
                    if rows.is_empty() {
                        // Nothing, or another word has joined the prefix since.
                        rows = on_connection!(self, |conn| async {
                            Ok(search::word_first_page!(query, word).load(conn).await?)
                        })?;
                    }
                    return into_page(rows, limit);
                }
                _ => {}
            }
        }
        let candidates = if search::starts_from_a_word(query) { query.words.as_slice() } else { &[] };
        let rows = on_connection!(self, |conn| async {
            let rare = rare_words::first_rare!(conn, &self.rare_words, candidates).await?;
            let rows: Vec<(PropertyRow, StoredRooms)> = match &rare {
                None => search::property_page!(query).load(conn).await?,
                Some((word, None)) => search::word_first_page!(query, word).load(conn).await?,
                Some((word, Some(stored))) => {
                    let rows: Vec<_> =
                        search::word_first_page!(query, word, one_word = stored).load(conn).await?;
                    if rows.is_empty() {
                        // Nothing, or another word has joined the prefix since.
                        search::word_first_page!(query, word).load(conn).await?
                    } else {
                        rows
                    }
                }
            };
            Ok(rows)
        })?;
        into_page(rows, limit)
    }

    #[tracing::instrument(skip_all, level = "debug", fields(property_id = id.0))]
    async fn edit(&self, id: PropertyId, decide: Decide) -> Result<Edited, DomainError> {
        // A retry after a lost connection decides again, on what it locks.
        let decide = &decide;
        on_connection!(self, |conn| async {
            in_transaction!(conn, async {
                let locked = diesel::update(properties::table.find(id.0))
                    .set(properties::version.eq(properties::version))
                    .returning(PropertyRow::as_returning())
                    .get_result(conn)
                    .await
                    .optional()?;
                let Some(locked) = locked else {
                    return Err(PROPERTY_NOT_FOUND.into());
                };
                let rooms = rooms_of(&[id.0]).select(RoomRow::as_select()).load(conn).await?;
                let current = locked.into_domain(in_creation_order(rooms)?)?;
                let (change, audit) = match decide(&current)? {
                    Edit::Keep => return Ok(Edited { property: Some(current), room: None }),
                    Edit::Apply { change, audit } => (change, audit),
                };
                let mut after = current.clone();
                after.version = after.version.next();
                after.updated_at = audit.at;
                // What the event is about, and the room the caller wants back.
                let (resource, resource_id, room) = match &change {
                    PropertyChange::Update(update) => {
                        update.apply_to(&mut after);
                        (Resource::Property, id.0, None)
                    }
                    PropertyChange::Delete => {
                        diesel::delete(properties::table.find(id.0)).execute(conn).await?;
                        let event = NewAuditRow::new(
                            &audit,
                            ResourceId::Number(id.0),
                            Resource::Property,
                            Some(id),
                            None,
                        )?;
                        MultiInsert::new(&[event]).execute(conn).await?;
                        return Ok(Edited { property: None, room: None });
                    }
                    PropertyChange::AddRoom(new) => {
                        let row = [NewRoomRow::new(id, new)];
                        let room_id: i64 = MultiInsert::new(&row).returning_ids().get_result(conn).await?;
                        after.rooms.push(new.clone().stored(RoomId(room_id), id));
                        (Resource::Room, room_id, Some(RoomId(room_id)))
                    }
                    PropertyChange::UpdateRoom(room_id, update) => {
                        let room =
                            after.rooms.iter_mut().find(|room| room.id == *room_id).ok_or(ROOM_NOT_FOUND)?;
                        update.apply_to(room);
                        if let Some(changes) = RoomChanges::new(update) {
                            diesel::update(rooms::table.find(room_id.0)).set(changes).execute(conn).await?;
                        }
                        (Resource::Room, room_id.0, Some(*room_id))
                    }
                    PropertyChange::RemoveRoom(room_id) => {
                        let before = after.rooms.len();
                        after.rooms.retain(|room| room.id != *room_id);
                        if after.rooms.len() == before {
                            return Err(ROOM_NOT_FOUND.into());
                        }
                        diesel::delete(rooms::table.find(room_id.0)).execute(conn).await?;
                        (Resource::Room, room_id.0, None)
                    }
                };
                let words = after.index_words();
                diesel::update(properties::table.find(id.0))
                    .set(PropertyState::of(&after, &words))
                    .execute(conn)
                    .await
                    .on_write(Writing::Property)?;
                if after.name != current.name || after.description != current.description {
                    diesel::delete(property_words::table.filter(property_words::property_id.eq(id.0)))
                        .execute(conn)
                        .await?;
                    let word_rows = word_rows(id, after.created_at, &words);
                    if !word_rows.is_empty() {
                        MultiInsert::new(&word_rows).execute(conn).await?;
                    }
                }
                let event =
                    NewAuditRow::new(&audit, ResourceId::Number(resource_id), resource, Some(id), None)?;
                MultiInsert::new(&[event]).execute(conn).await?;
                Ok(Edited { property: Some(after), room })
            })
        })
    }
}

/// The rooms of property `id` as stored under `ids`, drawn in insertion
/// order (see `MultiInsert::returning_ids`).
fn stored_rooms(id: PropertyId, rooms: &[NewRoom], mut ids: Vec<i64>) -> Vec<Room> {
    ids.sort_unstable();
    rooms.iter().cloned().zip(ids).map(|(room, room_id)| room.stored(RoomId(room_id), id)).collect()
}

/// The index rows of the words of property `id`, created at `created_at`.
/// 3 bound values per word and a few hundred words per property: far below
/// either backend's limit on bound values per statement.
fn word_rows(
    id: PropertyId,
    created_at: DateTime<Utc>,
    words: &std::collections::BTreeSet<String>,
) -> Vec<PropertyWordRow<'_>> {
    let created_at = stored(created_at);
    words.iter().map(|word| PropertyWordRow { property_id: id.0, word, created_at }).collect()
}

/// A property from its row and its rooms' column.
fn with_rooms((row, rooms): (PropertyRow, StoredRooms)) -> Result<Property, DomainError> {
    let rooms = rooms.into_domain(row.id)?;
    row.into_domain(rooms)
}

impl Database {
    /// Whether the bounds of `query`, its only conditions, are met often
    /// (see `common_bounds`): remembered, or asked and remembered.
    async fn bounds_met_often(&self, query: &PropertyQuery) -> Result<bool, DomainError> {
        if let Some(often) = self.common_bounds.known(query) {
            return Ok(often);
        }
        let often = on_connection!(self, |conn| async {
            Ok(common_bounds::met_often!(conn, &self.common_bounds, query).await?)
        })?;
        self.common_bounds.remember(query, often);
        Ok(often)
    }
}

/// The page of `limit` properties from rows that may hold one more (then
/// another page follows).
fn into_page(mut rows: Vec<(PropertyRow, StoredRooms)>, limit: usize) -> Result<Page<Property>, DomainError> {
    let more = rows.len() > limit;
    rows.truncate(limit);
    let items = rows.into_iter().map(with_rooms).collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, more })
}

/// Converts a property's room rows, sorted by id (a join promises no order).
fn in_creation_order(mut rows: Vec<RoomRow>) -> Result<Vec<Room>, DomainError> {
    rows.sort_by_key(|row| row.id);
    rows.into_iter().map(RoomRow::into_domain).collect()
}
