//! The checks behind the fuzz targets, one function per target.
//!
//! Kept free of libFuzzer so that two drivers share them: the cargo-fuzz
//! binaries in `fuzz_targets/`, and `crates/adapters-http/tests/fuzz_regressions.rs`,
//! which includes this file (`#[path]`) so that plain `cargo test` replays
//! every input a fuzzer ever found. A check that fails panics; libFuzzer
//! reports that as a crash and saves the input.
//!
//! Each function takes the raw bytes libFuzzer hands out and only uses
//! what the service itself depends on (realty crates, axum, chrono, serde).

use axum::http::{StatusCode, header};
use axum::response::IntoResponse as _;
use chrono::NaiveDate;
use realty_adapters_http::dto::{
    ListParams, ProfileBody, PropertyBody, PropertyPatchBody, PropertyTypeBody, RegisterBody, RoomBody,
    RoomPatchBody, TokenRequest,
};
use realty_adapters_http::{cursor, extract};
use realty_app::{
    Credentials, ProfileChanges, PropertyChanges, PropertyInput, PropertyTypeInput, Registration,
    RoomChanges, RoomInput,
};
use realty_domain::{
    AreaM2, BirthDate, City, CityKey, Description, Email, FieldError, Floor, Password, PersonName,
    PropertyId, PropertyName, RoomDescription, RoomKind, RoomName, TypeName, TypeSlug,
};
use serde::de::DeserializeOwned;

// ---- request_bodies ----------------------------------------------------------

/// Every request body type, parsed exactly as `ApiJson` parses a request
/// (`extract::parse_json`), then converted into the use-case input and
/// validated with the domain's `parse` functions, as the use cases do.
///
/// Checks: nothing panics; a rejected body is a 400 or 422 problem that
/// renders; an accepted value parses again to itself (validation is
/// idempotent: what the service stores passes its own rules).
pub fn request_bodies(data: &[u8]) {
    if let Some(body) = parse::<RegisterBody>(data) {
        registration(body.into());
    }
    if let Some(body) = parse::<ProfileBody>(data) {
        profile(body.into());
    }
    if let Some(body) = parse::<TokenRequest>(data) {
        let credentials: Credentials = body.into();
        // Login does not validate (a typo is "bad credentials", not a 422),
        // but it derives the throttling key from whatever was sent.
        let key = Email::throttle_key(&credentials.email);
        assert_eq!(Email::throttle_key(&key), key, "throttle key is not stable");
        let _ = Password::presented(&credentials.password);
    }
    if let Some(body) = parse::<PropertyTypeBody>(data) {
        let input: PropertyTypeInput = body.into();
        if let Ok(slug) = TypeSlug::parse("slug", &input.slug) {
            assert_eq!(TypeSlug::parse("slug", slug.as_str()).ok(), Some(slug.clone()), "slug");
        }
        if let Ok(name) = TypeName::parse(&input.name) {
            assert_eq!(TypeName::parse(name.as_str()).ok(), Some(name.clone()), "type name");
        }
    }
    if let Some(body) = parse::<PropertyBody>(data) {
        property(body.into());
    }
    if let Some(body) = parse::<PropertyPatchBody>(data) {
        property_changes(body.into());
    }
    if let Some(body) = parse::<RoomBody>(data) {
        room(body.into());
    }
    if let Some(body) = parse::<RoomPatchBody>(data) {
        room_changes(body.into());
    }
    // `GET /properties` takes these from the query string; JSON is the
    // fuzzer's language, and the values reach the same rules either way.
    if let Some(params) = parse::<ListParams>(data) {
        list(params);
    }
}

/// `parse_json::<T>`; a refusal must be a client error that renders as a
/// problem (it echoes parts of the input in its detail).
fn parse<T: DeserializeOwned>(data: &[u8]) -> Option<T> {
    match extract::parse_json::<T>(data) {
        Ok(value) => Some(value),
        Err(error) => {
            let status = error.status();
            assert!(
                status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
                "parse_json refused a body with {status}"
            );
            let response = error.into_response();
            assert_eq!(response.status(), status, "the problem changed the status");
            assert_eq!(
                response.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()),
                Some("application/problem+json"),
                "a refusal is not a problem"
            );
            None
        }
    }
}

/// Runs a domain `parse` and, when it accepts, checks that parsing the
/// accepted value again gives the same value.
fn stable<V, F>(what: &str, raw: &str, parse: F) -> Option<V>
where
    V: PartialEq + std::fmt::Debug + AsRef<str>,
    F: Fn(&str) -> Result<V, FieldError>,
{
    let value = parse(raw).ok()?;
    let again = parse(value.as_ref());
    assert_eq!(again.as_ref().ok(), Some(&value), "{what}: {raw:?} is not stable under parse");
    Some(value)
}

/// Today for `BirthDate`: any fixed date does, the rule is a comparison.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default()
}

fn registration(input: Registration) {
    email(&input.email);
    let _ = Password::parse("password", &input.password);
    person_name("first_name", &input.first_name);
    person_name("last_name", &input.last_name);
    if let Some(date) = input.birth_date {
        let _ = BirthDate::parse(date, today());
    }
}

fn profile(input: ProfileChanges) {
    if let Some(name) = &input.first_name {
        person_name("first_name", name);
    }
    if let Some(name) = &input.last_name {
        person_name("last_name", name);
    }
    if let Some(Some(date)) = input.birth_date {
        let _ = BirthDate::parse(date, today());
    }
    if let Some(password) = &input.password {
        let _ = Password::parse("password", password);
    }
    if let Some(current) = &input.current_password {
        let _ = Password::presented(current);
    }
}

fn email(raw: &str) {
    if let Ok(email) = Email::parse(raw) {
        assert_eq!(Email::parse(email.as_str()).ok(), Some(email.clone()), "email {raw:?} is not stable");
        assert_eq!(
            Email::throttle_key(raw),
            email.as_str(),
            "email {raw:?}: throttle key differs from the email"
        );
    }
}

fn person_name(field: &str, raw: &str) {
    if let Ok(name) = PersonName::parse(field, raw) {
        let again = PersonName::parse(field, name.as_str());
        assert_eq!(again.ok(), Some(name), "{field} {raw:?} is not stable");
    }
}

fn property(input: PropertyInput) {
    property_name(&input.name);
    if let Some(description) = &input.description {
        property_description(description);
    }
    let _ = TypeSlug::parse("property_type", &input.property_type);
    city(&input.city);
    for room_input in input.rooms {
        room(room_input);
    }
}

fn property_changes(input: PropertyChanges) {
    if let Some(name) = &input.name {
        property_name(name);
    }
    if let Some(description) = &input.description {
        property_description(description);
    }
    if let Some(slug) = &input.property_type {
        let _ = TypeSlug::parse("property_type", slug);
    }
    if let Some(raw) = &input.city {
        city(raw);
    }
}

fn property_name(raw: &str) {
    stable("property name", raw, PropertyName::parse);
}

fn property_description(raw: &str) {
    if let Ok(description) = Description::parse(raw) {
        assert_eq!(description.as_str(), raw, "a description is kept as entered");
    }
}

fn room(input: RoomInput) {
    stable("room name", &input.name, RoomName::parse);
    room_kind(&input.kind);
    area(input.area_m2);
    if let Some(value) = input.floor {
        floor(value);
    }
    if let Some(description) = &input.description {
        room_description(description);
    }
}

fn room_changes(input: RoomChanges) {
    if let Some(name) = &input.name {
        stable("room name", name, RoomName::parse);
    }
    if let Some(kind) = &input.kind {
        room_kind(kind);
    }
    if let Some(value) = input.area_m2 {
        area(value);
    }
    if let Some(Some(value)) = input.floor {
        floor(value);
    }
    if let Some(Some(description)) = &input.description {
        room_description(description);
    }
}

fn room_kind(raw: &str) {
    if let Ok(kind) = RoomKind::parse(raw) {
        assert_eq!(kind.as_str(), raw, "room kind {raw:?}");
    }
}

fn area(value: f64) {
    if let Ok(area) = AreaM2::parse(value) {
        let stored = area.value();
        assert!(stored.is_finite() && stored > 0.0 && stored <= AreaM2::MAX, "area {value}");
    }
}

fn floor(value: i64) {
    if let Ok(floor) = Floor::parse(value) {
        assert_eq!(i64::from(floor.value()), value, "floor {value}");
    }
}

fn room_description(raw: &str) {
    if let Ok(description) = RoomDescription::parse(raw) {
        assert_eq!(description.as_str(), raw, "a room description is kept as entered");
    }
}

/// The list handler's steps without the repository: the cursor, then the
/// query's rules (a 400 when they fail, never a panic).
fn list(params: ListParams) {
    let before = params.cursor.as_deref().map(cursor::decode);
    if let Some(None) = before {
        return; // the handler answers 400 here
    }
    let query = params.into_query(before.flatten());
    if let Ok(filter) = query.into_filter() {
        assert!((1..=100).contains(&filter.limit), "limit {} out of range", filter.limit);
        if let Some(key) = &filter.city {
            assert!(!key.as_str().is_empty(), "empty city key accepted");
        }
        if let (Some(min), Some(max)) = (filter.min_rooms, filter.max_rooms) {
            assert!(min <= max, "min_rooms {min} above max_rooms {max} accepted");
        }
    }
}

// ---- cursor ------------------------------------------------------------------

/// `cursor::decode` on any text: never panics; whatever it accepts is a
/// positive id whose own cursor decodes to it; and every positive id read
/// from the input round-trips (`decode(encode(id)) == Some(id)`), while
/// other ids do not decode.
pub fn cursor(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(id) = cursor::decode(&text) {
        assert!(id.0 > 0, "{text:?} decoded to the non-positive id {id:?}");
        assert_eq!(cursor::decode(&cursor::encode(id)), Some(id), "{text:?}: re-encoded cursor");
    }
    let mut ids = Vec::new();
    if let Ok(bytes) = <[u8; 8]>::try_from(data.get(..8).unwrap_or_default()) {
        ids.push(i64::from_le_bytes(bytes));
    }
    if let Ok(id) = text.trim().parse::<i64>() {
        ids.push(id);
    }
    for id in ids {
        let round_trip = cursor::decode(&cursor::encode(PropertyId(id)));
        let expected = (id > 0).then_some(PropertyId(id));
        assert_eq!(round_trip, expected, "id {id} does not round-trip");
    }
}

// ---- city_key ----------------------------------------------------------------

/// `CityKey::normalise` and `City::parse` on any text.
///
/// Checks: no panic; normalising is idempotent; a key has no hyphen and no
/// space at its ends or doubled; a valid city's key is its
/// normalised text, and a filter equal to the city's own name is accepted
/// and finds it.
pub fn city_key(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let key = CityKey::normalise(&text);
    key_is_folded(&text, &key);
    if let Ok(filter) = CityKey::parse_filter(&text) {
        assert_eq!(filter, key, "{text:?}: the filter's key is not the normalised text");
        assert!(!filter.as_str().is_empty(), "{text:?}: an empty filter was accepted");
    }
    city(&text);
}

fn key_is_folded(raw: &str, key: &CityKey) {
    let folded = key.as_str();
    assert_eq!(CityKey::normalise(folded).as_str(), folded, "{raw:?}: normalise is not idempotent");
    assert!(
        !folded.starts_with(' ') && !folded.ends_with(' ') && !folded.contains("  "),
        "{raw:?}: the key {folded:?} has stray spaces"
    );
    assert!(!folded.contains('-'), "{raw:?}: the key {folded:?} keeps a hyphen");
}

/// A city as a property names it: `City::parse`, then everything a stored
/// city must allow.
fn city(raw: &str) {
    let Ok(city) = City::parse(raw) else {
        return;
    };
    assert_eq!(City::parse(city.as_str()).ok(), Some(city.clone()), "city {raw:?} is not stable");
    let key = city.key();
    assert_eq!(key, CityKey::normalise(city.as_str()), "city {raw:?}: key");
    assert_eq!(key, CityKey::normalise(raw), "city {raw:?}: trimming changed the key");
    assert!(!key.as_str().is_empty(), "city {raw:?} has an empty key: no filter finds it");
    let found_by_own_name = CityKey::parse_filter(city.as_str());
    assert_eq!(found_by_own_name.as_ref().ok(), Some(&key), "city {raw:?}: ?city=<its name> is refused");
}
