//! Row structs (what Diesel reads and writes) and their conversions to and
//! from the domain's types.
//!
//! Rows coming back go through the domain's `parse` constructors, so a row
//! that breaks a rule (edited by hand, written by an older version) is
//! reported as corrupt (`Internal`) instead of flowing on as a value the
//! rest of the code trusts.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::QueryResult;
use diesel::backend::Backend;
use diesel::prelude::*;
use diesel::query_builder::AstPass;
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Double, HasSqlType, Integer, Nullable, Text, Timestamp};
use realty_domain::{
    Action, AreaM2, AuditEntry, AuditEvent, BirthDate, Changes, City, Description, DomainError, Email,
    FieldError, Floor, NewProperty, NewRoom, NewUser, PasswordHash, PersonName, Property, PropertyId,
    PropertyName, PropertyType, PropertyUpdate, Resource, Role, Room, RoomDescription, RoomId, RoomKind,
    RoomName, RoomUpdate, TypeName, TypeSlug, User, UserId, UserUpdate, Version,
};

use crate::errors::{StorageError, corrupt};
use crate::multi_insert::{BindRow, InsertRow};
use crate::schema::{audit_events, login_failures, properties, property_types, rooms, users};

/// Every stored timestamp is a UTC instant without zone (see `schema`).
pub(crate) fn stored(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

fn instant(stored: NaiveDateTime) -> DateTime<Utc> {
    stored.and_utc()
}

/// A count that must fit the `INTEGER` column it is stored in.
pub(crate) fn room_count(count: usize) -> Result<i32, DomainError> {
    i32::try_from(count).map_err(|_| DomainError::internal("room count does not fit an INTEGER column"))
}

// ---------------------------------------------------------------- users

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
pub(crate) struct UserRow {
    id: i64,
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
        let broken = |rule: FieldError| corrupt("user", &rule);
        // A stored birth date was checked against "today" when written; the
        // domain offers no constructor for stored values, so only the lower
        // bound is checked again (`NaiveDate::MAX` stands for "no upper bound").
        let birth_date = self.birth_date.map(|date| BirthDate::parse(date, NaiveDate::MAX)).transpose();
        Ok(User {
            id: UserId(self.id),
            email: Email::parse(&self.email).map_err(broken)?,
            password_hash: PasswordHash::new(self.password_hash),
            first_name: PersonName::parse("first_name", &self.first_name).map_err(broken)?,
            last_name: PersonName::parse("last_name", &self.last_name).map_err(broken)?,
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
        let broken = |rule: FieldError| corrupt("property type", &rule);
        Ok(PropertyType {
            slug: TypeSlug::parse("slug", &self.slug).map_err(broken)?,
            name: TypeName::parse(&self.name).map_err(broken)?,
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
        let broken = |rule: FieldError| corrupt("property", &rule);
        Ok(Property {
            id: PropertyId(self.id),
            name: PropertyName::parse(&self.name).map_err(broken)?,
            description: Description::parse(&self.description).map_err(broken)?,
            property_type: TypeSlug::parse("property_type", &self.property_type).map_err(broken)?,
            city: City::parse(&self.city).map_err(broken)?,
            owner_id: UserId(self.owner_id),
            version: Version(self.version),
            created_at: instant(self.created_at),
            updated_at: instant(self.updated_at),
            rooms,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = properties, treat_none_as_default_value = false)]
pub(crate) struct NewPropertyRow<'a> {
    owner_id: i64,
    name: &'a str,
    description: &'a str,
    property_type: &'a str,
    city: &'a str,
    city_key: String,
    room_count: i32,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl<'a> NewPropertyRow<'a> {
    pub(crate) fn new(property: &'a NewProperty) -> Result<Self, DomainError> {
        let at = stored(property.at);
        Ok(Self {
            owner_id: property.owner_id.0,
            name: property.name.as_str(),
            description: property.description.as_str(),
            property_type: property.property_type.as_str(),
            city: property.city.as_str(),
            city_key: property.city.key().as_str().to_owned(),
            room_count: room_count(property.rooms.len())?,
            version: Version::INITIAL.0,
            created_at: at,
            updated_at: at,
        })
    }
}

impl InsertRow for NewPropertyRow<'_> {
    const INSERT_INTO: &'static str = "INSERT INTO properties (owner_id, name, description, property_type, city, \
                                       city_key, room_count, version, created_at, updated_at) VALUES ";
    const RETURNING: &'static str = " RETURNING id";
    type Returned = BigInt;
}

impl<DB> BindRow<DB> for NewPropertyRow<'_>
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text> + HasSqlType<Integer> + HasSqlType<Timestamp>,
    i64: ToSql<BigInt, DB>,
    str: ToSql<Text, DB>,
    String: ToSql<Text, DB>,
    i32: ToSql<Integer, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn push_values<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_bind_param::<BigInt, _>(&self.owner_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.name)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.description)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.property_type)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.city)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.city_key)?;
        out.push_sql(", ");
        out.push_bind_param::<Integer, _>(&self.room_count)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.version)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.created_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.updated_at)
    }
}

/// The property's own columns of a change; the version, `updated_at` and
/// room count are set by the statement itself (relative to the stored row).
#[derive(Debug, AsChangeset)]
#[diesel(table_name = properties)]
pub(crate) struct PropertyChanges<'a> {
    name: Option<&'a str>,
    description: Option<&'a str>,
    property_type: Option<&'a str>,
    city: Option<&'a str>,
    city_key: Option<String>,
    updated_at: NaiveDateTime,
}

impl<'a> PropertyChanges<'a> {
    /// Only `updated_at`: what a room write changes on its property.
    pub(crate) fn touch(at: DateTime<Utc>) -> Self {
        Self {
            name: None,
            description: None,
            property_type: None,
            city: None,
            city_key: None,
            updated_at: stored(at),
        }
    }

    pub(crate) fn new(update: &'a PropertyUpdate, at: DateTime<Utc>) -> Self {
        Self {
            name: update.name.as_ref().map(PropertyName::as_str),
            description: update.description.as_ref().map(Description::as_str),
            property_type: update.property_type.as_ref().map(TypeSlug::as_str),
            city: update.city.as_ref().map(City::as_str),
            city_key: update.city.as_ref().map(|city| city.key().as_str().to_owned()),
            updated_at: stored(at),
        }
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
        let broken = |rule: FieldError| corrupt("room", &rule);
        Ok(Room {
            id: RoomId(self.id),
            property_id: PropertyId(self.property_id),
            name: RoomName::parse(&self.name).map_err(broken)?,
            kind: RoomKind::parse(&self.kind).map_err(broken)?,
            area: AreaM2::parse(self.area_m2).map_err(broken)?,
            floor: self.floor.map(|floor| Floor::parse(i64::from(floor))).transpose().map_err(broken)?,
            description: self
                .description
                .as_deref()
                .map(RoomDescription::parse)
                .transpose()
                .map_err(broken)?,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = rooms, treat_none_as_default_value = false)]
pub(crate) struct NewRoomRow<'a> {
    property_id: i64,
    name: &'a str,
    kind: &'static str,
    area_m2: f64,
    floor: Option<i32>,
    description: Option<&'a str>,
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

impl InsertRow for NewRoomRow<'_> {
    const INSERT_INTO: &'static str =
        "INSERT INTO rooms (property_id, name, kind, area_m2, floor, description) VALUES ";
    /// The columns of [`RoomRow`], in its field order.
    const RETURNING: &'static str = " RETURNING id, property_id, name, kind, area_m2, floor, description";
    type Returned = (BigInt, BigInt, Text, Text, Double, Nullable<Integer>, Nullable<Text>);
}

impl<DB> BindRow<DB> for NewRoomRow<'_>
where
    DB: Backend + HasSqlType<BigInt> + HasSqlType<Text> + HasSqlType<Double> + HasSqlType<Integer>,
    i64: ToSql<BigInt, DB>,
    str: ToSql<Text, DB>,
    f64: ToSql<Double, DB>,
    i32: ToSql<Integer, DB>,
{
    fn push_values<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_bind_param::<BigInt, _>(&self.property_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.name)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(self.kind)?;
        out.push_sql(", ");
        out.push_bind_param::<Double, _>(&self.area_m2)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Integer>, _>(&self.floor)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Text>, _>(&self.description)
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
    /// `None` when the update changes nothing (an empty `SET` is no SQL).
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

// ---------------------------------------------------------------- audit

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_events, check_for_backend(diesel::pg::Pg, diesel::sqlite::Sqlite))]
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
        let unknown = |what: &str| corrupt("audit event", &FieldError::new(what, "unknown value"));
        Ok(AuditEvent {
            id: self.id,
            at: instant(self.at),
            actor_id: UserId(self.actor_id),
            action: Action::parse(&self.action).ok_or_else(|| unknown("action"))?,
            resource: Resource::parse(&self.resource).ok_or_else(|| unknown("resource"))?,
            resource_id: self.resource_id,
            property_id: self.property_id.map(PropertyId),
            changes: serde_json::from_str::<Changes>(&self.changes)
                .map_err(|error| DomainError::internal(StorageError::Changes(error)))?,
        })
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub(crate) struct NewAuditRow {
    at: NaiveDateTime,
    actor_id: i64,
    action: &'static str,
    resource: &'static str,
    resource_id: String,
    property_id: Option<i64>,
    changes: String,
}

impl NewAuditRow {
    /// The event of `entry` on `resource`. The actor is `entry.actor_id`, or
    /// `self_actor` when the entry has none (a user registering themself).
    pub(crate) fn new(
        entry: &AuditEntry,
        resource: Resource,
        resource_id: String,
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
            resource_id,
            property_id: property.map(|id| id.0),
            changes: serde_json::to_string(&entry.changes)
                .map_err(|error| DomainError::internal(StorageError::Changes(error)))?,
        })
    }
}

// ---------------------------------------------------------------- login failures

#[derive(Debug, Insertable)]
#[diesel(table_name = login_failures)]
pub(crate) struct NewLoginFailure<'a> {
    pub(crate) email_key: &'a str,
    pub(crate) at: NaiveDateTime,
}
