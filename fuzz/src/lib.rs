//! The checks behind the fuzz targets, one function per target.
//!
//! Kept free of libFuzzer so that two drivers share them: the cargo-fuzz
//! binaries in `fuzz_targets/`, and `crates/adapters-http/tests/fuzz_regressions.rs`,
//! which includes this file (`#[path]`) so that plain `cargo test` replays
//! every input a fuzzer ever found. A check that fails panics; libFuzzer
//! reports that as a crash and saves the input.
//!
//! Each function takes the raw bytes libFuzzer hands out and only uses
//! what the service itself depends on (realty crates, axum, chrono,
//! serde_json).

use std::collections::BTreeSet;

use axum::http::{StatusCode, header};
use axum::response::IntoResponse as _;
use chrono::DateTime;
use realty_adapters_http::cursor::{self, CursorError, Fingerprint};
use realty_adapters_http::dto::auth::TokenRequest;
use realty_adapters_http::dto::properties::{PropertyBody, PropertyPatchBody};
use realty_adapters_http::dto::property_types::PropertyTypeBody;
use realty_adapters_http::dto::rooms::{RoomBody, RoomPatchBody};
use realty_adapters_http::dto::search::{
    PropertySearchParams, UserSearchParams, next_page_query, property_query, user_query,
};
use realty_adapters_http::dto::users::{ProfileBody, RegisterBody};
use realty_adapters_http::error::ApiError;
use realty_adapters_http::extract::json::scrub_lone_surrogates;
use realty_adapters_http::extract::{ApiJson, Body, Query, QueryParams};
use realty_app::{Credentials, NewPropertyCommand, ProfilePatch, Registration};
use realty_domain::{
    AreaM2, BirthDate, City, CityKey, Description, Email, FieldError, Floor, Keyset, LoginEmail, NewRoom,
    Password, PersonName, PropertyId, PropertyName, PropertyQuery, PropertyType, PropertyUpdate,
    RoomDescription, RoomKind, RoomName, RoomUpdate, SortKey, SortValue, TypeName, TypeSlug, UserId,
    UserQuery, fold,
};
use serde_json::Value;

// ---- request_bodies ----------------------------------------------------------

/// The fields a body type declares, and those of them that are lists of
/// nested bodies: what a field error may name.
#[derive(Debug)]
pub struct Shape {
    pub fields: &'static [&'static str],
    pub lists: &'static [(&'static str, &'static Shape)],
}

pub const REGISTER: Shape =
    Shape { fields: &["email", "password", "first_name", "last_name", "birth_date"], lists: &[] };
pub const PROFILE: Shape =
    Shape { fields: &["first_name", "last_name", "birth_date", "password", "current_password"], lists: &[] };
pub const TOKEN: Shape = Shape { fields: &["email", "password"], lists: &[] };
pub const PROPERTY_TYPE: Shape = Shape { fields: &["slug", "name"], lists: &[] };
pub const ROOM: Shape = Shape { fields: &["name", "kind", "area_m2", "floor", "description"], lists: &[] };
pub const PROPERTY: Shape =
    Shape { fields: &["name", "description", "property_type", "city", "rooms"], lists: &[("rooms", &ROOM)] };
pub const PROPERTY_PATCH: Shape =
    Shape { fields: &["name", "description", "property_type", "city"], lists: &[] };

/// The longest list of nested bodies that is read item by item
/// (`MAX_ROOMS_PER_PROPERTY`); a longer one is refused as a whole.
const MAX_ITEMS: usize = 100;

/// Every request body type, read exactly as a request's is
/// (`ApiJson::<T>::from_bytes`, then `parse`).
///
/// Checks: nothing panics; a body refused while being read is a 400
/// (malformed JSON only: JSON that serde_json reads is never refused, the
/// lone-surrogate scrub included) that renders as a problem; a body read
/// but refused lists field errors, each naming a field the client sent or
/// the type declares (never the body itself when it is an object), with
/// every unknown field among them, and renders as a 422; an accepted body
/// holds values that parse again to themselves.
pub fn request_bodies(data: &[u8]) {
    scrub_is_stable(data);
    if let Some(registration) = body::<RegisterBody>(data, &REGISTER) {
        check_registration(&registration);
    }
    if let Some(patch) = body::<ProfileBody>(data, &PROFILE) {
        check_profile(&patch);
    }
    if let Some(credentials) = body::<TokenRequest>(data, &TOKEN) {
        check_credentials(&credentials);
    }
    if let Some(property_type) = body::<PropertyTypeBody>(data, &PROPERTY_TYPE) {
        check_property_type(&property_type);
    }
    if let Some(property) = body::<PropertyBody>(data, &PROPERTY) {
        check_property(&property);
    }
    if let Some(update) = body::<PropertyPatchBody>(data, &PROPERTY_PATCH) {
        check_property_update(&update);
    }
    if let Some(room) = body::<RoomBody>(data, &ROOM) {
        check_room(&room);
    }
    if let Some(update) = body::<RoomPatchBody>(data, &ROOM) {
        check_room_update(&update);
    }
}

/// The scrub keeps the length (so nothing else moves) and scrubbing twice
/// changes nothing more.
fn scrub_is_stable(data: &[u8]) {
    let once = scrub_lone_surrogates(data);
    assert_eq!(once.len(), data.len(), "the scrub changed the length");
    assert_eq!(scrub_lone_surrogates(&once).as_ref(), once.as_ref(), "the scrub is not idempotent");
}

/// The command `T` reads from `data`, or `None` after checking how it was
/// refused.
pub fn body<T: Body>(data: &[u8], shape: &Shape) -> Option<T::Command> {
    let json = match ApiJson::<T>::from_bytes(data) {
        Ok(json) => json,
        Err(error) => {
            assert!(
                serde_json::from_slice::<Value>(data).is_err(),
                "JSON that serde_json reads was refused: {error:?}"
            );
            assert!(matches!(error, ApiError::BadRequest(_)), "a body was refused with {error:?}");
            is_problem(error, StatusCode::BAD_REQUEST);
            return None;
        }
    };
    // What the body holds once read (the scrub cannot fail once
    // `from_bytes` succeeded).
    let value: Value = serde_json::from_slice(&scrub_lone_surrogates(data)).unwrap_or(Value::Null);
    match json.parse() {
        Ok(command) => {
            let unknown = unknown_fields(&value, shape, "");
            assert!(unknown.is_empty(), "unknown fields {unknown:?} were accepted");
            Some(command)
        }
        Err(errors) => {
            field_errors_name_fields(&errors, &value, shape);
            is_problem(ApiError::Invalid(errors), StatusCode::UNPROCESSABLE_ENTITY);
            None
        }
    }
}

/// Renders `error` and checks it is a problem with `status`.
fn is_problem(error: ApiError, status: StatusCode) {
    let response = error.into_response();
    assert_eq!(response.status(), status, "the problem has another status");
    assert_eq!(
        response.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()),
        Some("application/problem+json"),
        "a refusal is not a problem"
    );
}

/// Each error names a field the client sent or the type declares, with a
/// message; every unknown field sent is among them.
fn field_errors_name_fields(errors: &[FieldError], value: &Value, shape: &Shape) {
    assert!(!errors.is_empty(), "a refused body lists no error");
    let mut allowed = BTreeSet::new();
    nameable(value, shape, "", &mut allowed);
    for error in errors {
        assert!(
            allowed.contains(&error.field),
            "the error {error:?} names no field of the body (could name {allowed:?})"
        );
        assert!(!error.message.is_empty(), "the error on {:?} has no message", error.field);
    }
    let named: BTreeSet<&str> = errors.iter().map(|error| error.field.as_str()).collect();
    for field in unknown_fields(value, shape, "") {
        assert!(named.contains(field.as_str()), "the unknown field {field:?} was not reported");
    }
}

/// What an error about `value`, a body of `shape` under `prefix`, may
/// name: the body itself when it is not an object (`""` for the whole
/// request, `rooms[1]` for an item); else every key it holds and every
/// field its type declares, and the same for the items of its lists.
fn nameable(value: &Value, shape: &Shape, prefix: &str, allowed: &mut BTreeSet<String>) {
    let Value::Object(map) = value else {
        allowed.insert(prefix.trim_end_matches('.').to_owned());
        return;
    };
    allowed.extend(map.keys().map(|key| format!("{prefix}{key}")));
    allowed.extend(shape.fields.iter().map(|field| format!("{prefix}{field}")));
    for (list, item_shape) in shape.lists {
        if let Some(Value::Array(items)) = map.get(*list)
            && items.len() <= MAX_ITEMS
        {
            for (index, item) in items.iter().enumerate() {
                nameable(item, item_shape, &format!("{prefix}{list}[{index}]."), allowed);
            }
        }
    }
}

/// The keys of `value` (and of its lists' items) that its type does not
/// declare, as a field error names them.
fn unknown_fields(value: &Value, shape: &Shape, prefix: &str) -> Vec<String> {
    let Value::Object(map) = value else { return Vec::new() };
    let mut unknown: Vec<String> = map
        .keys()
        .filter(|key| !shape.fields.contains(&key.as_str()))
        .map(|key| format!("{prefix}{key}"))
        .collect();
    for (list, item_shape) in shape.lists {
        if let Some(Value::Array(items)) = map.get(*list)
            && items.len() <= MAX_ITEMS
        {
            for (index, item) in items.iter().enumerate() {
                unknown.extend(unknown_fields(item, item_shape, &format!("{prefix}{list}[{index}].")));
            }
        }
    }
    unknown
}

/// A value a `parse` accepted parses again to itself: what the service
/// stores passes its own rules.
fn stable<V: PartialEq + std::fmt::Debug>(what: &str, value: &V, again: Result<V, impl std::fmt::Debug>) {
    assert_eq!(again.as_ref().ok(), Some(value), "{what}: {value:?} does not parse again to itself");
}

fn check_registration(registration: &Registration) {
    let email = &registration.email;
    stable("email", email, Email::parse(email.as_str()));
    let login = LoginEmail::parse(email.as_str());
    assert_eq!(login.ok().and_then(|login| login.address()).as_ref(), Some(email), "login by the email");
    stable("password", &registration.password, Password::parse(registration.password.expose()));
    stable("first_name", &registration.first_name, PersonName::parse(registration.first_name.as_str()));
    stable("last_name", &registration.last_name, PersonName::parse(registration.last_name.as_str()));
    if let Some(date) = registration.birth_date {
        birth_date(date);
    }
}

fn check_profile(patch: &ProfilePatch) {
    if let Some(name) = &patch.first_name {
        stable("first_name", name, PersonName::parse(name.as_str()));
    }
    if let Some(name) = &patch.last_name {
        stable("last_name", name, PersonName::parse(name.as_str()));
    }
    if let Some(Some(date)) = patch.birth_date {
        birth_date(date);
    }
    if let Some(password) = &patch.password {
        stable("password", password, Password::parse(password.expose()));
    }
    if let Some(current) = &patch.current_password {
        stable("current_password", current, Password::presented(current.expose()));
    }
}

fn birth_date(date: BirthDate) {
    let today = chrono::Utc::now().date_naive();
    assert!(date.date() >= BirthDate::EARLIEST && date.date() <= today, "birth date {date:?}");
    stable("birth_date", &date, BirthDate::parse(date.date(), today));
}

fn check_credentials(credentials: &Credentials) {
    // Login does not check the address (a typo is "bad credentials", not a
    // 422), but failures are counted under the email as typed.
    let email = &credentials.email;
    stable("login email", email, LoginEmail::parse(email.as_str()));
    stable("password", &credentials.password, Password::presented(credentials.password.expose()));
}

fn check_property_type(property_type: &PropertyType) {
    stable("slug", &property_type.slug, TypeSlug::parse(property_type.slug.as_str()));
    stable("type name", &property_type.name, TypeName::parse(property_type.name.as_str()));
}

fn check_property(property: &NewPropertyCommand) {
    stable("property name", &property.name, PropertyName::parse(property.name.as_str()));
    description(&property.description);
    stable("property_type", &property.property_type, TypeSlug::parse(property.property_type.as_str()));
    city(property.city.as_str());
    assert!(property.rooms.len() <= MAX_ITEMS, "{} rooms accepted", property.rooms.len());
    property.rooms.iter().for_each(check_room);
}

fn check_property_update(update: &PropertyUpdate) {
    if let Some(name) = &update.name {
        stable("property name", name, PropertyName::parse(name.as_str()));
    }
    if let Some(text) = &update.description {
        description(text);
    }
    if let Some(slug) = &update.property_type {
        stable("property_type", slug, TypeSlug::parse(slug.as_str()));
    }
    if let Some(raw) = &update.city {
        city(raw.as_str());
    }
}

fn description(text: &Description) {
    stable("description", text, Description::parse(text.as_str()));
}

fn check_room(room: &NewRoom) {
    stable("room name", &room.name, RoomName::parse(room.name.as_str()));
    room_kind(room.kind);
    area(room.area);
    if let Some(value) = room.floor {
        floor(value);
    }
    if let Some(text) = &room.description {
        room_description(text);
    }
}

fn check_room_update(update: &RoomUpdate) {
    if let Some(name) = &update.name {
        stable("room name", name, RoomName::parse(name.as_str()));
    }
    if let Some(kind) = update.kind {
        room_kind(kind);
    }
    if let Some(value) = update.area {
        area(value);
    }
    if let Some(Some(value)) = update.floor {
        floor(value);
    }
    if let Some(Some(text)) = &update.description {
        room_description(text);
    }
}

fn room_kind(kind: RoomKind) {
    stable("room kind", &kind, RoomKind::parse(kind.as_str()));
}

fn area(area: AreaM2) {
    let value = area.value();
    assert!(value.is_finite() && value > 0.0 && value <= AreaM2::MAX, "area {value}");
}

fn floor(floor: Floor) {
    stable("floor", &floor, Floor::parse(i64::from(floor.value())));
}

fn room_description(text: &RoomDescription) {
    stable("room description", text, RoomDescription::parse(text.as_str()));
}

// ---- query -------------------------------------------------------------------

/// Any text as the query string of `GET /properties` and of `GET /users`,
/// read as their handlers read it (`Query::parse`, then `property_query` or
/// `user_query`).
///
/// Checks: nothing panics; a refusal is a 400 problem listing errors, each
/// naming a parameter of the route or one the query holds; an accepted
/// query keeps its bounds, and the link to its next page reads back as the
/// same query (same fingerprint) at the new cursor.
pub fn query(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    property_search(&raw);
    user_search(&raw);
}

fn property_search(raw: &str) {
    let names = PropertySearchParams::NAMES;
    let query = Query::parse(Some(raw), names);
    let parsed = property_query(&query).map(|parsed| (parsed, query));
    let ((search, fingerprint), query) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return invalid_query(error, raw, names),
    };
    property_bounds(&search);
    let keyset = Keyset { value: sample_value(search.sort.key), id: PropertyId(7) };
    let next = next_page_query(&query, &cursor::encode_keyset(&fingerprint, search.sort.key, keyset));
    let again = property_query(&Query::parse(Some(&next), names));
    let Ok((next_search, next_fingerprint)) = again else {
        panic!("the next page's query {next:?} of {raw:?} is refused: {again:?}");
    };
    assert_eq!(next_fingerprint, fingerprint, "{raw:?}: the next page is another query");
    assert_eq!(next_search, PropertyQuery { after: Some(keyset), ..search }, "{raw:?}: next page");
}

fn user_search(raw: &str) {
    let names = UserSearchParams::NAMES;
    let query = Query::parse(Some(raw), names);
    let parsed = user_query(&query).map(|parsed| (parsed, query));
    let ((search, fingerprint), query) = match parsed {
        Ok(parsed) => parsed,
        Err(error) => return invalid_query(error, raw, names),
    };
    assert!((1..=PropertyQuery::MAX_LIMIT).contains(&search.limit), "limit {}", search.limit);
    assert!(search.words.len() <= 10, "{} words", search.words.len());
    let next = next_page_query(&query, &cursor::encode_user(&fingerprint, UserId(7)));
    let again = user_query(&Query::parse(Some(&next), names));
    let Ok((next_search, next_fingerprint)) = again else {
        panic!("the next page's query {next:?} of {raw:?} is refused: {again:?}");
    };
    assert_eq!(next_fingerprint, fingerprint, "{raw:?}: the next page is another query");
    assert_eq!(next_search, UserQuery { after: Some(UserId(7)), ..search }, "{raw:?}: next page");
}

fn property_bounds(search: &PropertyQuery) {
    assert!((1..=PropertyQuery::MAX_LIMIT).contains(&search.limit), "limit {}", search.limit);
    if let (Some(min), Some(max)) = (search.min_rooms, search.max_rooms) {
        assert!(min <= max, "min_rooms {min} above max_rooms {max}");
    }
    if let (Some(min), Some(max)) = (search.min_area, search.max_area) {
        assert!(min <= max, "min_area {min} above max_area {max}");
    }
    for area in [search.min_area, search.max_area].into_iter().flatten() {
        assert!(area.is_finite() && area >= 0.0, "area bound {area}");
    }
    assert!(search.cities.iter().all(|city| !city.as_str().is_empty()), "an empty city key");
    assert!(search.words.len() <= 10, "{} words", search.words.len());
}

/// A sort value of the kind `key` orders by.
fn sample_value(key: SortKey) -> SortValue {
    match key {
        SortKey::CreatedAt | SortKey::UpdatedAt => {
            SortValue::Instant(DateTime::from_timestamp_micros(1_767_225_600_000_007).unwrap_or_default())
        }
        SortKey::TotalArea => SortValue::Area(42.25),
        SortKey::RoomCount => SortValue::Count(3),
    }
}

/// A refused query is a 400 problem whose errors each name a parameter of
/// the route or one the query holds (decoded as the parser decodes names).
fn invalid_query(error: ApiError, raw: &str, names: &[&str]) {
    let ApiError::InvalidQuery(errors) = &error else {
        panic!("{raw:?} was refused with {error:?}");
    };
    assert!(!errors.is_empty(), "{raw:?}: a refused query lists no error");
    let mut sent = BTreeSet::new();
    for part in raw.split('&') {
        let name = part.split_once('=').map_or(part, |(name, _)| name);
        sent.insert(percent_decode_lossy(&name.replace('+', " ")));
        sent.insert(percent_decode_lossy(name));
    }
    for error in errors {
        assert!(
            names.contains(&error.field.as_str()) || sent.contains(&error.field),
            "{raw:?}: the error {error:?} names no parameter"
        );
    }
    is_problem(error, StatusCode::BAD_REQUEST);
}

/// `%XX` decoding with invalid UTF-8 replaced, as the query parser names a
/// parameter whose name is not UTF-8.
fn percent_decode_lossy(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

// ---- cursor ------------------------------------------------------------------

const SORTS: [SortKey; 4] = [SortKey::CreatedAt, SortKey::UpdatedAt, SortKey::TotalArea, SortKey::RoomCount];

/// `cursor::decode_keyset` and `cursor::decode_user` on any text, and the
/// cursors of keysets and ids read from the bytes.
///
/// Checks: nothing panics; whatever decodes has a positive id and its own
/// cursor decodes to it; a keyset or id built from the input round-trips
/// through `encode_*` exactly when it is one the API could issue (positive
/// id, finite non-negative area), is `Malformed` otherwise, and is
/// `OtherQuery` under another fingerprint.
pub fn cursor(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let query = Fingerprint::of("city=[\"lyon\"]");
    for sort in SORTS {
        if let Ok(keyset) = cursor::decode_keyset(&text, &query, sort) {
            assert!(keyset.id.0 > 0, "{text:?} decoded to the id {:?}", keyset.id);
            let again = cursor::decode_keyset(&cursor::encode_keyset(&query, sort, keyset), &query, sort);
            assert_eq!(again, Ok(keyset), "{text:?}: re-encoded cursor");
        }
    }
    if let Ok(user) = cursor::decode_user(&text, &query) {
        assert!(user.0 > 0, "{text:?} decoded to the user {user:?}");
        assert_eq!(cursor::decode_user(&cursor::encode_user(&query, user), &query), Ok(user));
    }

    let word = |at: usize| data.get(at..at + 8).and_then(|bytes| <[u8; 8]>::try_from(bytes).ok());
    let (Some(id), Some(value)) = (word(0), word(8)) else { return };
    let id = i64::from_le_bytes(id);
    let other = Fingerprint::of("city=[\"nice\"]");
    for sort in SORTS {
        let (value, valid) = match sort {
            SortKey::CreatedAt | SortKey::UpdatedAt => {
                let Some(at) = DateTime::from_timestamp_micros(i64::from_le_bytes(value)) else { continue };
                (SortValue::Instant(at), true)
            }
            SortKey::TotalArea => {
                let area = f64::from_le_bytes(value);
                (SortValue::Area(area), area.is_finite() && area >= 0.0)
            }
            SortKey::RoomCount => {
                let [a, b, c, d, ..] = value;
                (SortValue::Count(u32::from_le_bytes([a, b, c, d])), true)
            }
        };
        let keyset = Keyset { value, id: PropertyId(id) };
        let issued = cursor::encode_keyset(&query, sort, keyset);
        let expected = if valid && id > 0 { Ok(keyset) } else { Err(CursorError::Malformed) };
        assert_eq!(cursor::decode_keyset(&issued, &query, sort), expected, "{keyset:?} by {sort:?}");
        if expected.is_ok() {
            let refused = cursor::decode_keyset(&issued, &other, sort);
            assert_eq!(refused, Err(CursorError::OtherQuery), "{keyset:?} under another query");
        }
    }
    let issued = cursor::encode_user(&query, UserId(id));
    let expected = if id > 0 { Ok(UserId(id)) } else { Err(CursorError::Malformed) };
    assert_eq!(cursor::decode_user(&issued, &query), expected, "user {id}");
    if id > 0 {
        assert_eq!(cursor::decode_user(&issued, &other), Err(CursorError::OtherQuery), "user {id}");
    }
}

// ---- city_key ----------------------------------------------------------------

/// `fold`, `CityKey::parse_filter` and `City::parse` on any text.
///
/// Checks: nothing panics; folding is idempotent and gives words of
/// lower-case letters and digits joined by single spaces; an accepted
/// filter is the folded text, never empty, and accepted again as its own
/// key (when that is not longer than a city may be); a valid city is
/// stable, its key is the folding of what was typed, and `?city=<the city's
/// own name>` is accepted and finds it.
pub fn city_key(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let folded = fold(&text);
    is_folded(&text, &folded);
    assert_eq!(CityKey::normalise(&text).as_str(), folded, "{text:?}: normalise is not fold");
    if let Ok(filter) = CityKey::parse_filter(&text) {
        assert_eq!(filter.as_str(), folded, "{text:?}: the filter's key is not the folded text");
        assert!(!filter.as_str().is_empty(), "{text:?}: an empty filter was accepted");
        if filter.as_str().chars().count() <= City::MAX_CHARS {
            let again = CityKey::parse_filter(filter.as_str());
            assert_eq!(again.as_ref().ok(), Some(&filter), "{text:?}: its key is refused as a filter");
        }
    }
    city(&text);
}

fn is_folded(raw: &str, folded: &str) {
    assert_eq!(fold(folded), folded, "{raw:?}: folding is not idempotent");
    assert!(
        !folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "),
        "{raw:?}: the folding {folded:?} has stray spaces"
    );
    assert!(
        folded.chars().all(|c| c == ' ' || c.is_alphanumeric()),
        "{raw:?}: the folding {folded:?} keeps a separator"
    );
}

/// A city as a property names it: `City::parse`, then everything a stored
/// city must allow.
fn city(raw: &str) {
    let Ok(city) = City::parse(raw) else {
        return;
    };
    stable("city", &city, City::parse(city.as_str()));
    let key = city.key();
    assert_eq!(key.as_str(), fold(city.as_str()), "city {raw:?}: key");
    assert_eq!(key.as_str(), fold(raw), "city {raw:?}: trimming changed the key");
    assert!(!key.as_str().is_empty(), "city {raw:?} has an empty key: no filter finds it");
    let found_by_own_name = CityKey::parse_filter(city.as_str());
    assert_eq!(found_by_own_name.as_ref().ok(), Some(&key), "city {raw:?}: ?city=<its name> is refused");
}
