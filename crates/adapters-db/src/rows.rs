//! Table rows (what Diesel reads and writes) and their conversions to and
//! from the domain's entities.
//!
//! Rows coming back go through the domain's `parse` constructors, so a row
//! that breaks a rule (edited by hand, written by an older version) is
//! reported as corrupt (`Internal`) instead of flowing on as a value the
//! rest of the code trusts.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment};
use diesel::sql_types::{BigInt, Text, Timestamp};
use realty_domain::{
    Action, AreaM2, AuditEntry, AuditEvent, BirthDate, Changes, City, Description, DomainError, Email, Floor,
    NewProperty, NewRoom, NewUser, PasswordHash, PersonName, Property, PropertyId, PropertyName,
    PropertyType, Resource, ResourceId, Role, Room, RoomDescription, RoomId, RoomKind, RoomName, RoomUpdate,
    Summary, TypeName, TypeSlug, User, UserId, UserUpdate, Version,
};

use crate::error::{StorageError, corrupt};
use crate::multi_insert::insert_rows;
use crate::schema::{properties, property_types, rooms, users};
use crate::word_signature::WordSignature;

/// Every stored timestamp is a UTC instant without zone (see `schema`).
pub(crate) fn stored(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

fn instant(stored: NaiveDateTime) -> DateTime<Utc> {
    stored.and_utc()
}

/// A count of rooms, which the domain caps far below `INTEGER`'s range.
fn count(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

// ---------------------------------------------------------------- users

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct UserRow {
    pub(crate) id: i64,
    email: String,
    password_hash: String,
    first_name: String,
    last_name: String,
    birth_date: Option<NaiveDate>,
    role: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    password_changed_at: NaiveDateTime,
}

impl UserRow {
    pub(crate) fn into_domain(self) -> Result<User, DomainError> {
        let broken = |rule: realty_domain::ValueError| corrupt("user", &rule);
        // A stored birth date was checked against "today" when written; the
        // domain offers no constructor for stored values, so only the lower
        // bound is checked again (`NaiveDate::MAX` stands for "no upper bound").
        let birth_date = self.birth_date.map(|date| BirthDate::parse(date, NaiveDate::MAX)).transpose();
        Ok(User {
            id: UserId(self.id),
            email: Email::parse(&self.email).map_err(broken)?,
            password_hash: PasswordHash::new(self.password_hash),
            first_name: PersonName::parse_owned(self.first_name).map_err(broken)?,
            last_name: PersonName::parse_owned(self.last_name).map_err(broken)?,
            birth_date: birth_date.map_err(broken)?,
            role: Role::parse(&self.role).map_err(broken)?,
            created_at: instant(self.created_at),
            updated_at: instant(self.updated_at),
            password_changed_at: instant(self.password_changed_at),
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
pub(crate) struct NewUserRow<'a> {
    email: &'a str,
    password_hash: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    birth_date: Option<NaiveDate>,
    role: &'static str,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
    password_changed_at: NaiveDateTime,
}

impl<'a> NewUserRow<'a> {
    pub(crate) fn new(user: &'a NewUser) -> Self {
        let at = stored(user.at);
        Self {
            email: user.email.as_str(),
            password_hash: user.password_hash.as_str(),
            first_name: user.first_name.as_str(),
            last_name: user.last_name.as_str(),
            birth_date: user.birth_date.map(BirthDate::date),
            role: user.role.as_str(),
            created_at: at,
            updated_at: at,
            password_changed_at: at,
        }
    }
}

/// `None` leaves a column alone; `Some(None)` sets it to NULL.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = users)]
pub(crate) struct UserChanges<'a> {
    first_name: Option<&'a str>,
    last_name: Option<&'a str>,
    birth_date: Option<Option<NaiveDate>>,
    password_hash: Option<&'a str>,
    password_changed_at: Option<NaiveDateTime>,
    role: Option<&'static str>,
    updated_at: NaiveDateTime,
}

impl<'a> UserChanges<'a> {
    pub(crate) fn new(update: &'a UserUpdate, at: DateTime<Utc>) -> Self {
        let at = stored(at);
        Self {
            first_name: update.first_name.as_ref().map(PersonName::as_str),
            last_name: update.last_name.as_ref().map(PersonName::as_str),
            birth_date: update.birth_date.map(|date| date.map(BirthDate::date)),
            password_hash: update.password_hash.as_ref().map(PasswordHash::as_str),
            // Tokens issued before a password change are refused, so the
            // instant moves with the hash and only with it.
            password_changed_at: update.password_hash.as_ref().map(|_| at),
            role: update.role.map(Role::as_str),
            updated_at: at,
        }
    }
}

insert_rows! {
    /// A word of the admin directory's index.
    UserWordRow<'a> into user_words {
        user_id: i64 => BigInt,
        word: &'a str => Text,
    }
}

// ---------------------------------------------------------------- property types

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = property_types, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct PropertyTypeRow {
    slug: String,
    name: String,
}

impl PropertyTypeRow {
    pub(crate) fn new(property_type: &PropertyType) -> Self {
        Self { slug: property_type.slug.as_str().to_owned(), name: property_type.name.as_str().to_owned() }
    }

    pub(crate) fn into_domain(self) -> Result<PropertyType, DomainError> {
        let broken = |rule: realty_domain::ValueError| corrupt("property type", &rule);
        Ok(PropertyType {
            slug: TypeSlug::parse_owned(self.slug).map_err(broken)?,
            name: TypeName::parse_owned(self.name).map_err(broken)?,
        })
    }
}

// ---------------------------------------------------------------- properties

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = properties, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct PropertyRow {
    pub(crate) id: i64,
    owner_id: i64,
    name: String,
    description: String,
    property_type: String,
    city: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl PropertyRow {
    /// `rooms` are this property's, in id order.
    pub(crate) fn into_domain(self, rooms: Vec<Room>) -> Result<Property, DomainError> {
        let broken = |rule: realty_domain::ValueError| corrupt("property", &rule);
        Ok(Property {
            id: PropertyId(self.id),
            name: PropertyName::parse_owned(self.name).map_err(broken)?,
            description: Description::parse_owned(self.description).map_err(broken)?,
            property_type: TypeSlug::parse_owned(self.property_type).map_err(broken)?,
            city: City::parse_owned(self.city).map_err(broken)?,
            owner_id: UserId(self.owner_id),
            version: Version(self.version),
            created_at: instant(self.created_at),
            updated_at: instant(self.updated_at),
            rooms,
        })
    }
}

/// A property as a write leaves it: every column an edit may change, and
/// all but the owner and creation time of a new row. One list for both, so
/// that an insert and an update cannot disagree on how a column is written.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = properties)]
pub(crate) struct PropertyState<'a> {
    name: &'a str,
    description: &'a str,
    property_type: &'a str,
    city: &'a str,
    city_key: String,
    room_count: i32,
    bedroom_count: i32,
    total_area_m2: f64,
    room_kinds: i32,
    word_signature_3: i64,
    word_signature_4: i64,
    version: i64,
    updated_at: NaiveDateTime,
}

/// The text fields that a new and a stored property share.
type Listing<'a> = (&'a PropertyName, &'a Description, &'a TypeSlug, &'a City);

impl<'a> PropertyState<'a> {
    /// Written from the in-memory result, so that the row and the answer
    /// agree; `words` are its `index_words()`, which the caller also stores.
    pub(crate) fn of(property: &'a Property, words: &BTreeSet<String>) -> Self {
        let Property { name, description, property_type, city, version, updated_at, .. } = property;
        let listing = (name, description, property_type, city);
        Self::new(listing, &property.summary(), words, *version, *updated_at)
    }

    fn new(
        (name, description, property_type, city): Listing<'a>,
        summary: &Summary,
        words: &BTreeSet<String>,
        version: Version,
        updated_at: DateTime<Utc>,
    ) -> Self {
        let words = WordSignature::of_words(words);
        Self {
            name: name.as_str(),
            description: description.as_str(),
            property_type: property_type.as_str(),
            city: city.as_str(),
            city_key: city.key().as_str().to_owned(),
            room_count: count(summary.room_count),
            bedroom_count: count(summary.bedroom_count),
            total_area_m2: summary.total_area_m2,
            room_kinds: summary.kinds.bits(),
            word_signature_3: words.three,
            word_signature_4: words.four,
            version: version.0,
            updated_at: stored(updated_at),
        }
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = properties, treat_none_as_default_value = false)]
pub(crate) struct NewPropertyRow<'a> {
    owner_id: i64,
    #[diesel(embed)]
    state: PropertyState<'a>,
    created_at: NaiveDateTime,
}

impl<'a> NewPropertyRow<'a> {
    /// `words` are the property's `index_words()`, which the caller also stores.
    pub(crate) fn new(property: &'a NewProperty, words: &BTreeSet<String>) -> Self {
        let NewProperty { name, description, property_type, city, at, .. } = property;
        let listing = (name, description, property_type, city);
        let state = PropertyState::new(listing, &property.summary(), words, Version::INITIAL, *at);
        Self { owner_id: property.owner_id.0, state, created_at: stored(*at) }
    }
}

insert_rows! {
    /// Many properties at once (`realty seed --properties N`).
    BulkPropertyRow<'a> into properties {
        owner_id: i64 => BigInt,
        name: &'a str => Text,
        description: &'a str => Text,
        property_type: &'a str => Text,
        city: &'a str => Text,
        city_key: String => Text,
        room_count: i32 => diesel::sql_types::Integer,
        bedroom_count: i32 => diesel::sql_types::Integer,
        total_area_m2: f64 => diesel::sql_types::Double,
        room_kinds: i32 => diesel::sql_types::Integer,
        word_signature_3: i64 => BigInt,
        word_signature_4: i64 => BigInt,
        version: i64 => BigInt,
        created_at: NaiveDateTime => Timestamp,
        updated_at: NaiveDateTime => Timestamp,
    }
}

impl<'a> BulkPropertyRow<'a> {
    /// The columns of [`NewPropertyRow`], flattened.
    pub(crate) fn new(property: &'a NewProperty, words: &BTreeSet<String>) -> Self {
        let NewPropertyRow { owner_id, state, created_at } = NewPropertyRow::new(property, words);
        Self {
            owner_id,
            name: state.name,
            description: state.description,
            property_type: state.property_type,
            city: state.city,
            city_key: state.city_key,
            room_count: state.room_count,
            bedroom_count: state.bedroom_count,
            total_area_m2: state.total_area_m2,
            room_kinds: state.room_kinds,
            word_signature_3: state.word_signature_3,
            word_signature_4: state.word_signature_4,
            version: state.version,
            created_at,
            updated_at: state.updated_at,
        }
    }
}

insert_rows! {
    /// A word of the search index, with its property's creation instant.
    PropertyWordRow<'a> into property_words {
        property_id: i64 => BigInt,
        word: &'a str => Text,
        created_at: NaiveDateTime => Timestamp,
    }
}

// ---------------------------------------------------------------- rooms

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = rooms, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct RoomRow {
    pub(crate) id: i64,
    pub(crate) property_id: i64,
    name: String,
    kind: String,
    area_m2: f64,
    floor: Option<i32>,
    description: Option<String>,
}

impl RoomRow {
    pub(crate) fn into_domain(self) -> Result<Room, DomainError> {
        let broken = |rule: realty_domain::ValueError| corrupt("room", &rule);
        Ok(Room {
            id: RoomId(self.id),
            property_id: PropertyId(self.property_id),
            name: RoomName::parse_owned(self.name).map_err(broken)?,
            kind: RoomKind::parse(&self.kind).map_err(broken)?,
            area: AreaM2::parse(self.area_m2).map_err(broken)?,
            floor: self.floor.map(|floor| Floor::parse(i64::from(floor))).transpose().map_err(broken)?,
            description: self.description.map(RoomDescription::parse_owned).transpose().map_err(broken)?,
        })
    }
}

/// A property's rooms as one column of its row, in id order, read from the
/// `rooms` index on `(property_id, id)`. Selected next to a property's
/// columns, it makes a property with its rooms one row, so a whole page is
/// one statement (and one snapshot), without the property's columns
/// repeated on every room's row as a join would.
///
/// Each backend builds the column its cheapest way: PostgreSQL an array of
/// row values, sent in binary (a JSON aggregate costs its server about
/// twice as much CPU per page: BENCHMARKS.md, "One statement per page");
/// SQLite, which has neither, a JSON array (`json_array` prints a double
/// with 17 significant digits, so it reads back as the same number).
#[derive(Debug, Clone, Copy, diesel::query_builder::QueryId, diesel::expression::ValidGrouping)]
pub(crate) struct PropertyRooms;

/// The SQL type of [`PropertyRooms`]: `record[]` on PostgreSQL, JSON text
/// on SQLite.
#[derive(Debug, Clone, Copy, diesel::sql_types::SqlType, diesel::query_builder::QueryId)]
#[diesel(postgres_type(oid = 2287, array_oid = 0))]
#[diesel(sqlite_type(name = "Text"))]
pub(crate) struct RoomList;

/// One room of [`PropertyRooms`]: id, name, kind, area, floor, description.
type RoomFields = (i64, String, String, f64, Option<i32>, Option<String>);

/// The value of [`PropertyRooms`].
#[derive(Debug, diesel::deserialize::FromSqlRow)]
pub(crate) struct StoredRooms(Vec<RoomFields>);

impl StoredRooms {
    /// The rooms of property `id`.
    pub(crate) fn into_domain(self, id: i64) -> Result<Vec<Room>, DomainError> {
        self.0
            .into_iter()
            .map(|(room_id, name, kind, area_m2, floor, description)| {
                RoomRow { id: room_id, property_id: id, name, kind, area_m2, floor, description }
                    .into_domain()
            })
            .collect()
    }
}

impl Expression for PropertyRooms {
    type SqlType = RoomList;
}

impl AppearsOnTable<properties::table> for PropertyRooms {}
impl SelectableExpression<properties::table> for PropertyRooms {}

/// [`PropertyRooms`] on PostgreSQL: an array of row values.
const PG_ROOMS: &str = "ARRAY(SELECT ROW(r.id, r.name, r.kind, r.area_m2, r.floor, r.description) \
     FROM rooms r WHERE r.property_id = properties.id ORDER BY r.id)";

/// [`PropertyRooms`] on SQLite: a JSON array of arrays.
const SQLITE_ROOMS: &str = "(SELECT json_group_array(json_array(r.id, r.name, r.kind, r.area_m2, r.floor, \
     r.description) ORDER BY r.id) FROM rooms r WHERE r.property_id = properties.id)";

impl QueryFragment<diesel::pg::Pg> for PropertyRooms {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, diesel::pg::Pg>) -> QueryResult<()> {
        out.push_sql(PG_ROOMS);
        Ok(())
    }
}

impl QueryFragment<diesel::sqlite::Sqlite> for PropertyRooms {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, diesel::sqlite::Sqlite>) -> QueryResult<()> {
        out.push_sql(SQLITE_ROOMS);
        Ok(())
    }
}

impl diesel::deserialize::FromSql<RoomList, diesel::pg::Pg> for StoredRooms {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        type Fields = diesel::sql_types::Record<(
            BigInt,
            Text,
            Text,
            diesel::sql_types::Double,
            diesel::sql_types::Nullable<diesel::sql_types::Integer>,
            diesel::sql_types::Nullable<Text>,
        )>;
        let rooms =
            <Vec<RoomFields> as diesel::deserialize::FromSql<diesel::sql_types::Array<Fields>, _>>::from_sql(
                value,
            )?;
        Ok(Self(rooms))
    }
}

impl diesel::deserialize::FromSql<RoomList, diesel::sqlite::Sqlite> for StoredRooms {
    fn from_sql(value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> diesel::deserialize::Result<Self> {
        let json = <String as diesel::deserialize::FromSql<Text, diesel::sqlite::Sqlite>>::from_sql(value)?;
        Ok(Self(serde_json::from_str(&json)?))
    }
}

insert_rows! {
    /// A room to insert.
    NewRoomRow<'a> into rooms {
        property_id: i64 => BigInt,
        name: &'a str => Text,
        kind: &'static str => Text,
        area_m2: f64 => diesel::sql_types::Double,
        floor: Option<i32> => diesel::sql_types::Nullable<diesel::sql_types::Integer>,
        description: Option<&'a str> => diesel::sql_types::Nullable<Text>,
    }
}

impl<'a> NewRoomRow<'a> {
    pub(crate) fn new(property: PropertyId, room: &'a NewRoom) -> Self {
        Self {
            property_id: property.0,
            name: room.name.as_str(),
            kind: room.kind.as_str(),
            area_m2: room.area.value(),
            floor: room.floor.map(Floor::value),
            description: room.description.as_ref().map(RoomDescription::as_str),
        }
    }
}

/// `None` leaves a column alone; `Some(None)` sets it to NULL.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = rooms)]
pub(crate) struct RoomChanges<'a> {
    name: Option<&'a str>,
    kind: Option<&'static str>,
    area_m2: Option<f64>,
    floor: Option<Option<i32>>,
    description: Option<Option<&'a str>>,
}

impl<'a> RoomChanges<'a> {
    /// `None` when the update changes no column (Diesel cannot write an
    /// empty `SET`).
    pub(crate) fn new(update: &'a RoomUpdate) -> Option<Self> {
        let changes = Self {
            name: update.name.as_ref().map(RoomName::as_str),
            kind: update.kind.map(RoomKind::as_str),
            area_m2: update.area.map(AreaM2::value),
            floor: update.floor.map(|floor| floor.map(Floor::value)),
            description: update.description.as_ref().map(|d| d.as_ref().map(RoomDescription::as_str)),
        };
        let empty = changes.name.is_none()
            && changes.kind.is_none()
            && changes.area_m2.is_none()
            && changes.floor.is_none()
            && changes.description.is_none();
        (!empty).then_some(changes)
    }
}

// ---------------------------------------------------------------- audit events

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = crate::schema::audit_events, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct AuditRow {
    id: i64,
    at: NaiveDateTime,
    actor_id: i64,
    action: String,
    resource: String,
    resource_id: String,
    property_id: Option<i64>,
    changes: String,
}

impl AuditRow {
    pub(crate) fn into_domain(self) -> Result<AuditEvent, DomainError> {
        let unknown = |what: &str| corrupt("audit event", &format!("unknown {what}"));
        let resource = Resource::parse(&self.resource).ok_or_else(|| unknown("resource"))?;
        // The text column holds either kind of id; the resource says which.
        let resource_id = match resource {
            Resource::PropertyType => ResourceId::Slug(self.resource_id),
            Resource::User | Resource::Property | Resource::Room => {
                ResourceId::Number(self.resource_id.parse().map_err(|_| unknown("resource id"))?)
            }
        };
        Ok(AuditEvent {
            id: self.id,
            at: instant(self.at),
            actor_id: UserId(self.actor_id),
            action: Action::parse(&self.action).ok_or_else(|| unknown("action"))?,
            resource,
            resource_id,
            property_id: self.property_id.map(PropertyId),
            changes: serde_json::from_str::<Changes>(&self.changes)
                .map_err(|error| DomainError::internal(StorageError::Json(error)))?,
        })
    }
}

insert_rows! {
    /// An audit event, recorded in the transaction of the write it describes.
    NewAuditRow<'a> into audit_events {
        at: NaiveDateTime => Timestamp,
        actor_id: i64 => BigInt,
        action: &'a str => Text,
        resource: &'a str => Text,
        resource_id: String => Text,
        property_id: Option<i64> => diesel::sql_types::Nullable<BigInt>,
        changes: String => Text,
    }
}

impl NewAuditRow<'static> {
    /// The event of `entry` on the resource `id`. The actor is
    /// `entry.actor_id`, or `self_actor` when the entry has none (a user
    /// registering themself).
    pub(crate) fn new(
        entry: &AuditEntry,
        id: ResourceId,
        resource: Resource,
        property: Option<PropertyId>,
        self_actor: Option<UserId>,
    ) -> Result<Self, DomainError> {
        let actor = entry
            .actor_id
            .or(self_actor)
            .ok_or_else(|| DomainError::internal("an audit entry names no actor"))?;
        Ok(Self {
            at: stored(entry.at),
            actor_id: actor.0,
            action: entry.action.as_str(),
            resource: resource.as_str(),
            resource_id: id.to_string(),
            property_id: property.map(|id| id.0),
            changes: serde_json::to_string(&entry.changes)
                .map_err(|error| DomainError::internal(StorageError::Json(error)))?,
        })
    }
}
