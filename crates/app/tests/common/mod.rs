//! Fixtures shared by the use-case tests: a fixed clock, builders of valid
//! domain objects, mock bundles per use-case family, a stand-in for the
//! repository's locked edit, and helpers to read errors and audit entries.
//!
//! Every test binary compiles this module and uses a different part of it.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use realty_app::{Accounts, LoginPolicy, Properties, PropertyTypes};
use realty_domain::ports::{
    MockAuditLog, MockClock, MockLoginThrottle, MockPasswordHasher, MockPropertyRepository,
    MockPropertyTypeRepository, MockTokenService, MockUserRepository,
};
use realty_domain::{
    Actor, AreaM2, BirthDate, Changes, City, Description, DomainError, Edit, Edited, Email, FieldError,
    FieldValue, Floor, PasswordHash, PersonName, Property, PropertyChange, PropertyId, PropertyName,
    PropertyType, Role, Room, RoomDescription, RoomId, RoomKind, RoomName, TypeName, TypeSlug, User, UserId,
    Version,
};

// ---------------------------------------------------------------- time

/// The instant every test runs at: 2026-03-15T10:00:00Z.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 15, 10, 0, 0).single().unwrap()
}

/// The date of [`now`].
pub fn today() -> NaiveDate {
    now().date_naive()
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A clock stopped at [`now`]. `today` is a trait method with a default
/// body, which mockall mocks too, so both are fixed.
pub fn clock() -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(now());
    clock.expect_today().return_const(today());
    Arc::new(clock)
}

// ---------------------------------------------------------------- actors and users

pub fn actor(id: i64) -> Actor {
    Actor { id: UserId(id), role: Role::User }
}

pub fn admin(id: i64) -> Actor {
    Actor { id: UserId(id), role: Role::Admin }
}

pub const OLD_HASH: &str = "$argon2id$v=19$old-hash";
pub const NEW_HASH: &str = "$argon2id$v=19$new-hash";

pub fn name(raw: &str) -> PersonName {
    PersonName::parse(raw).unwrap()
}

pub fn email(raw: &str) -> Email {
    Email::parse(raw).unwrap()
}

/// A registered user with a birth date, created a month before [`now`].
pub fn user(id: i64) -> User {
    let created = now() - Duration::days(30);
    User {
        id: UserId(id),
        email: email(&format!("user{id}@example.com")),
        password_hash: PasswordHash::new(OLD_HASH.to_owned()),
        first_name: name("Ada"),
        last_name: name("Lovelace"),
        birth_date: Some(BirthDate::parse(date(1990, 5, 17), today()).unwrap()),
        role: Role::User,
        created_at: created,
        updated_at: created,
        password_changed_at: created,
    }
}

pub fn admin_user(id: i64) -> User {
    User { role: Role::Admin, ..user(id) }
}

// ---------------------------------------------------------------- properties and rooms

pub const PROPERTY_ID: PropertyId = PropertyId(7);
pub const OWNER: i64 = 1;
pub const STRANGER: i64 = 2;
pub const ADMIN: i64 = 9;
/// The version of [`property`].
pub const VERSION: Version = Version(3);

pub fn room(id: i64, property: PropertyId) -> Room {
    Room {
        id: RoomId(id),
        property_id: property,
        name: RoomName::parse(&format!("Room {id}")).unwrap(),
        kind: RoomKind::Bedroom,
        area: AreaM2::parse(12.5).unwrap(),
        floor: Some(Floor::parse(2).unwrap()),
        description: Some(RoomDescription::parse("Facing the garden").unwrap()),
    }
}

/// Property 7 of user 1, at version 3, with rooms 70 and 71.
pub fn property() -> Property {
    let created = now() - Duration::days(10);
    Property {
        id: PROPERTY_ID,
        name: PropertyName::parse("Sunny flat").unwrap(),
        description: Description::parse("Near the park").unwrap(),
        property_type: slug("apartment"),
        city: City::parse("Lyon").unwrap(),
        owner_id: UserId(OWNER),
        version: VERSION,
        created_at: created,
        updated_at: created,
        rooms: vec![room(70, PROPERTY_ID), room(71, PROPERTY_ID)],
    }
}

pub fn property_with_rooms(count: i64) -> Property {
    Property { rooms: (1..=count).map(|id| room(id, PROPERTY_ID)).collect(), ..property() }
}

pub fn slug(raw: &str) -> TypeSlug {
    TypeSlug::parse(raw).unwrap()
}

pub fn property_type(raw_slug: &str, name: &str) -> PropertyType {
    PropertyType { slug: slug(raw_slug), name: TypeName::parse(name).unwrap() }
}

// ---------------------------------------------------------------- mock bundles

/// The ports of [`Accounts`]; set expectations, then [`AccountsMocks::build`].
pub struct AccountsMocks {
    pub users: MockUserRepository,
    pub hasher: MockPasswordHasher,
    pub tokens: MockTokenService,
    pub throttle: MockLoginThrottle,
    pub policy: LoginPolicy,
}

impl AccountsMocks {
    /// Mocks without expectations: any call not set up by the test fails it.
    pub fn new() -> Self {
        Self {
            users: MockUserRepository::new(),
            hasher: MockPasswordHasher::new(),
            tokens: MockTokenService::new(),
            throttle: MockLoginThrottle::new(),
            policy: LoginPolicy::default(),
        }
    }

    /// `find_by_id(id)` answers `user`.
    pub fn with_user(mut self, user: User) -> Self {
        let id = user.id;
        self.users
            .expect_find_by_id()
            .withf(move |asked| *asked == id)
            .returning(move |_| Ok(Some(user.clone())));
        self
    }

    /// `find_by_id` answers `None` for every id.
    pub fn without_users(mut self) -> Self {
        self.users.expect_find_by_id().returning(|_| Ok(None));
        self
    }

    /// No write of any kind may happen.
    pub fn forbid_writes(mut self) -> Self {
        self.users.expect_create().never();
        self.users.expect_update().never();
        self.users.expect_delete().never();
        self.hasher.expect_hash().never();
        self
    }

    pub fn build(self) -> Accounts {
        Accounts::new(
            Arc::new(self.users),
            Arc::new(self.hasher),
            Arc::new(self.tokens),
            Arc::new(self.throttle),
            clock(),
            self.policy,
        )
    }
}

/// The ports of [`Properties`] (rooms included).
pub struct PropertiesMocks {
    pub properties: MockPropertyRepository,
    pub audit: MockAuditLog,
}

impl PropertiesMocks {
    pub fn new() -> Self {
        Self { properties: MockPropertyRepository::new(), audit: MockAuditLog::new() }
    }

    /// `find(property.id)` answers `property`, as often as asked.
    pub fn with_property(mut self, property: Property) -> Self {
        let id = property.id;
        self.properties
            .expect_find()
            .withf(move |asked| *asked == id)
            .returning(move |_| Ok(Some(property.clone())));
        self
    }

    /// `find` answers `None` for every id.
    pub fn without_properties(mut self) -> Self {
        self.properties.expect_find().returning(|_| Ok(None));
        self
    }

    /// `edit(property.id, …)` behaves as the repository's contract says: it
    /// hands `property` to the decision and applies what it decides (in
    /// memory); every decision is captured for the test to inspect.
    pub fn with_edit_of(mut self, property: Property) -> (Self, Decisions) {
        let decisions = Decisions::default();
        let sink = decisions.clone();
        let id = property.id;
        self.properties.expect_edit().withf(move |asked, _| *asked == id).returning(move |_, decide| {
            let decided = decide(&property);
            sink.push(decided.as_ref().map(Clone::clone).map_err(|error| format!("{error:?}")));
            Ok(apply(&property, decided?))
        });
        (self, decisions)
    }

    /// `edit` finds no property, whatever the id, and decides nothing.
    pub fn without_edits(mut self) -> Self {
        self.properties.expect_edit().returning(|_, _| Err(DomainError::NotFound { resource: "property" }));
        self
    }

    pub fn build(self) -> Properties {
        Properties::new(Arc::new(self.properties), Arc::new(self.audit), clock())
    }

    /// The use cases over mocks that expect nothing but edits of
    /// `property` ([`Self::with_edit_of`]), and their decisions.
    pub fn editing(property: Property) -> (Properties, Decisions) {
        let (mocks, decisions) = Self::new().with_edit_of(property);
        (mocks.build(), decisions)
    }
}

/// What the stand-in for the repository's edit applies: the change in
/// memory, the version bumped, `updated_at` moved, an added room given id 99.
fn apply(property: &Property, edit: Edit) -> Edited {
    let Edit::Apply { change, audit } = edit else {
        return Edited { property: Some(property.clone()), room: None };
    };
    let mut after = property.clone();
    after.version = after.version.next();
    after.updated_at = audit.at;
    let room = match change {
        PropertyChange::Update(update) => {
            update.apply_to(&mut after);
            None
        }
        PropertyChange::Delete => return Edited { property: None, room: None },
        PropertyChange::AddRoom(room) => {
            after.rooms.push(room.stored(RoomId(99), after.id));
            Some(RoomId(99))
        }
        PropertyChange::UpdateRoom(id, update) => {
            if let Some(room) = after.rooms.iter_mut().find(|room| room.id == id) {
                update.apply_to(room);
            }
            Some(id)
        }
        PropertyChange::RemoveRoom(id) => {
            after.rooms.retain(|room| room.id != id);
            None
        }
    };
    Edited { property: Some(after), room }
}

/// The decisions an edit made: the [`Edit`], or the error's `Debug`.
pub type Decisions = Captured<Result<Edit, String>>;

impl Decisions {
    /// The one decision, which must have been to apply a change.
    pub fn applied(&self) -> (PropertyChange, realty_domain::AuditEntry) {
        match self.only() {
            Ok(Edit::Apply { change, audit }) => (change, audit),
            other => panic!("expected a change to be applied, got {other:?}"),
        }
    }
}

pub fn property_types(types: MockPropertyTypeRepository) -> PropertyTypes {
    PropertyTypes::new(Arc::new(types), clock())
}

// ---------------------------------------------------------------- capturing writes

/// Collects the arguments a mock was called with, for assertions after the act.
#[derive(Debug)]
pub struct Captured<T>(Arc<Mutex<Vec<T>>>);

impl<T> Clone for Captured<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Default for Captured<T> {
    fn default() -> Self {
        Self(Arc::default())
    }
}

impl<T: Clone> Captured<T> {
    pub fn push(&self, value: T) {
        self.0.lock().unwrap().push(value);
    }

    pub fn all(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }

    /// The one captured value; fails when there were none or several.
    pub fn only(&self) -> T {
        let all = self.all();
        assert_eq!(all.len(), 1, "expected exactly one call");
        all.into_iter().next().unwrap()
    }
}

// ---------------------------------------------------------------- reading results

/// A parse error of one field, as the inbound adapter reports it.
pub fn parse_error(field: &str) -> Vec<FieldError> {
    vec![FieldError::new(field, "must not be blank")]
}

/// The field names of an `Invalid` error, in the order they were reported.
pub fn invalid_fields<T: std::fmt::Debug>(result: Result<T, DomainError>) -> Vec<String> {
    match result {
        Err(DomainError::Invalid(errors)) => errors.into_iter().map(|error| error.field).collect(),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

/// The names of the changed fields, sorted.
pub fn changed_fields(changes: &Changes) -> Vec<&str> {
    changes.fields().collect()
}

/// The `(old, new)` pair recorded for `field`.
pub fn change(changes: &Changes, field: &str) -> (FieldValue, FieldValue) {
    let change = changes.get(field).unwrap_or_else(|| panic!("no change recorded for {field}"));
    (change.old.clone(), change.new.clone())
}

pub fn text(value: &str) -> FieldValue {
    FieldValue::Text(value.to_owned())
}

/// Fails when any recorded value holds one of `secrets`, or a field is
/// named after a hash.
pub fn assert_no_secret(entry: &realty_domain::AuditEntry, secrets: &[&str]) {
    for (field, change) in entry.changes.iter() {
        assert!(!field.contains("hash"), "the audit names a hash field: {field}");
        for value in [&change.old, &change.new] {
            if let FieldValue::Text(value) = value {
                for secret in secrets {
                    assert!(!value.contains(secret), "the audit records a secret in {field}");
                }
            }
        }
    }
}

/// A password as a parsed request carries it.
pub fn secret(raw: &str) -> realty_domain::Password {
    realty_domain::Password::presented(raw).unwrap()
}
