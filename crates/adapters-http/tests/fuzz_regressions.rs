//! Replays, under plain `cargo test`, what the fuzz targets in `/fuzz`
//! check: every input a fuzzer found failing (minimised) and a small seed
//! corpus of valid and invalid request bodies.
//!
//! The checks themselves are the fuzz crate's (`fuzz/src/lib.rs`, included
//! here), so a replay runs exactly what libFuzzer ran.

#[path = "../../../fuzz/src/lib.rs"]
mod harness;

use axum::http::StatusCode;
use realty_adapters_http::dto::{PropertyBody, RegisterBody, RoomBody, RoomPatchBody};
use realty_adapters_http::extract::parse_json;
use realty_domain::{City, CityKey, PropertyId};

// ---- crashes found by the fuzzers ---------------------------------------------

/// city_key, found in the first 10 s: a 67-character city holding 17 Hangul
/// syllables keys to 101 characters (NFD splits each syllable into three
/// jamo), and `?city=<that city>` was refused as longer than 100 characters.
/// Fixed in `CityKey::parse_filter`: only a filter longer than a city may be
/// both as typed and folded is too long.
const CITY_KEY_HANGUL_OVER_KEY_BOUND: &[u8] = b"\x81;\xeb\xeb\xeb\x83\x81\x81;\xeb\x81\x81;\xeb\x81\x81\xeb\xeb\x83\
\x81\x81;\xeb\x81\x81;\x83\x81\x81;\x83\x81\x81;\x81\x81;\xeb\x81\x81;\xeb\x81\x81\xeb\xeb\x83\x81\x81;\xeb\x81\
\x81;\x83\x81\x81;\xeb\x81\x81;\x81;\xeb\x81\x81;\x81;\xeb\x81\x81;\xeb\x81\x81\xeb\xeb\x83\x81\x81;\xeb\x81\x81;\
\x83\x81\x81;\xeb\x81\x81;\x81;\xeb\x81\x81;";

#[test]
fn fuzz_crash_city_key_hangul_city_over_key_bound() {
    harness::city_key(CITY_KEY_HANGUL_OVER_KEY_BOUND);
}

#[test]
fn a_city_of_long_hangul_name_is_found_by_its_own_name() {
    // 34 syllables: 34 characters as typed, 102 jamo once folded.
    let name = "한".repeat(34);
    let city = City::parse(&name).expect("34 characters is a valid city");

    let filter = CityKey::parse_filter(city.as_str());

    assert_eq!(filter.ok(), Some(city.key()), "?city=<the city's own name> must find it");
}

#[test]
fn a_city_filter_longer_than_any_city_is_still_refused() {
    let error = CityKey::parse_filter(&"한".repeat(101)).expect_err("101 characters, 303 folded");
    assert!(error.message.contains("at most 100 characters"), "{}", error.message);
}

// ---- seed corpus: request_bodies -------------------------------------------------

/// Bodies every endpoint should accept as JSON of its shape.
const VALID_BODIES: &[&str] = &[
    r#"{"email":"ada@example.com","password":"correct horse battery","first_name":"Ada","last_name":"Lovelace","birth_date":"1990-12-10"}"#,
    r#"{"first_name":" Ada ","birth_date":null,"password":"new password!","current_password":"correct horse battery"}"#,
    r#"{"email":"ADA@example.com ","password":"x"}"#,
    r#"{"slug":"chalet","name":"Chalet"}"#,
    r#"{"name":"Sunny flat","description":"Near the park.\nQuiet.","property_type":"apartment","city":"Saint-Étienne","rooms":[{"name":"Living room","kind":"living_room","area_m2":24.5,"floor":2},{"name":"Bedroom","kind":"bedroom","area_m2":12,"description":null}]}"#,
    r#"{"name":"Renamed","city":"  Aix-en-Provence ","property_type":"loft","description":""}"#,
    r#"{"name":"Kitchen","kind":"kitchen","area_m2":9.5,"floor":-5,"description":"Tiled"}"#,
    r#"{"area_m2":1e-300,"floor":null,"description":null,"kind":"other"}"#,
    r#"{"city":"saint etienne","type":"house","owner_id":1,"min_rooms":1,"max_rooms":3,"limit":100,"cursor":"djE6MTA"}"#,
];

/// Bodies that must be refused while being read: (body, status).
const INVALID_BODIES: &[(&str, StatusCode)] = &[
    (r#"{"name":"x","role":"admin","owner_id":2}"#, StatusCode::UNPROCESSABLE_ENTITY),
    // Well-formed JSON (serde_json's syntax pass does not range-check
    // numbers), so a number out of range is a wrong shape: 422.
    (r#"{"name":"x","description":1e400}"#, StatusCode::UNPROCESSABLE_ENTITY),
    (r#"{"name":"a"} {}"#, StatusCode::BAD_REQUEST),
    (r#"{"name":"#, StatusCode::BAD_REQUEST),
    ("", StatusCode::BAD_REQUEST),
    ("\u{feff}{}", StatusCode::BAD_REQUEST),
];

#[test]
fn seed_bodies_pass_the_request_bodies_checks() {
    for body in VALID_BODIES.iter().copied().chain(INVALID_BODIES.iter().map(|(body, _)| *body)) {
        harness::request_bodies(body.as_bytes());
    }
}

#[test]
fn seed_bodies_parse_as_their_types() {
    let [register, _, _, _, property, _, room, room_patch, _] = VALID_BODIES else {
        panic!("the seed list changed shape");
    };
    assert!(parse_json::<RegisterBody>(register.as_bytes()).is_ok(), "register");
    let property = parse_json::<PropertyBody>(property.as_bytes()).expect("property with rooms");
    assert_eq!(property.rooms.len(), 2, "inline rooms");
    assert!(parse_json::<RoomBody>(room.as_bytes()).is_ok(), "room");
    let patch = parse_json::<RoomPatchBody>(room_patch.as_bytes()).expect("room patch");
    assert_eq!(patch.floor, Some(None), "an explicit null clears the floor");
}

#[test]
fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
    // The syntax pass skips values iteratively and typing stops at the
    // first value of the wrong type, so depth costs no recursion.
    for body in [
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!(r#"{{"name":{}{}}}"#, "[".repeat(100_000), "]".repeat(100_000)),
    ] {
        let error = parse_json::<PropertyBody>(body.as_bytes()).expect_err("wrong shape");

        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        harness::request_bodies(body.as_bytes());
    }
}

#[test]
fn invalid_seed_bodies_are_refused_with_their_status() {
    for (body, status) in INVALID_BODIES {
        let error = parse_json::<PropertyBody>(body.as_bytes()).expect_err(body);
        assert_eq!(error.status(), *status, "{body:?}");
    }
}

// ---- seed corpus: cursor and city_key ----------------------------------------------

#[test]
fn seed_cursors_pass_the_cursor_checks() {
    // v1:10, v1:-1, v1:+5 (a sign), a bare id, the largest id, garbage.
    for cursor in ["djE6MTA", "djE6LTE", "djE6KzU", "9223372036854775807", "12345678", "!!!", ""] {
        harness::cursor(cursor.as_bytes());
    }
    assert_eq!(realty_adapters_http::cursor::decode("djE6MTA"), Some(PropertyId(10)));
}

#[test]
fn seed_cities_pass_the_city_key_checks() {
    for city in ["Saint-Étienne", " -\t Aix--en  Provence ", "İzmir", "서울특별시", "E\u{301}vian", "--", ""]
    {
        harness::city_key(city.as_bytes());
    }
}
