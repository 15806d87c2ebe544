//! The opaque pagination cursors of `GET /properties` and `GET /users`.
//!
//! A cursor holds where the next page starts (the keyset: the sort value
//! and id of the last item) and a fingerprint of the query it belongs to
//! (its filters and sort, not its limit), so that a cursor used with other
//! filters or another sort is refused instead of silently skipping or
//! repeating items. Opaque (base64url of a versioned text) so that clients
//! do not build cursors by hand and its content may change.
//!
//! The text ends with a check digest of the rest, so that an edited cursor
//! (a character changed, a part cut off) is refused as not issued here
//! rather than read as another position. It is a checksum, not a secret:
//! whoever knows this format can still write a cursor, which can do no
//! harm, since a position only bounds a query the client may send anyway.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use realty_domain::{Keyset, PropertyId, SortKey, SortValue, UserId};
use sha2::{Digest, Sha256};

const VERSION: &str = "v3";

/// The longest cursor this API issues is far below this; longer input is
/// refused before decoding.
const MAX_LENGTH: usize = 200;

/// The fingerprint of a query: a short digest of its canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The digest of `canonical`, a text that lists a query's filters and
    /// sort in a fixed order.
    pub fn of(canonical: &str) -> Self {
        let digest = Sha256::digest(canonical.as_bytes());
        Self(digest[..8].iter().map(|byte| format!("{byte:02x}")).collect())
    }
}

/// Why a cursor was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    #[error("is not a cursor this API issued")]
    Malformed,
    #[error("belongs to another query (other filters or another sort)")]
    OtherQuery,
}

/// The cursor of the property page that starts after `keyset`.
pub fn encode_keyset(query: &Fingerprint, sort: SortKey, keyset: Keyset) -> String {
    let value = match keyset.value {
        SortValue::Instant(at) => at.timestamp_micros().to_string(),
        // The exact bits: a decimal rendering would have to round-trip.
        SortValue::Area(area) => format!("{:x}", area.to_bits()),
        SortValue::Count(count) => count.to_string(),
    };
    encode(&format!("{VERSION}.{}.{}.{value}.{}", query.0, sort_tag(sort), keyset.id.0))
}

/// The keyset of a property cursor issued for `query` sorted by `sort`.
///
/// # Errors
/// `Malformed` for anything [`encode_keyset`] did not produce; `OtherQuery`
/// for a cursor of another query.
pub fn decode_keyset(cursor: &str, query: &Fingerprint, sort: SortKey) -> Result<Keyset, CursorError> {
    let text = decode(cursor)?;
    let mut parts = text.split('.');
    let (Some(VERSION), Some(fingerprint), Some(tag), Some(value), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CursorError::Malformed);
    };
    let id = positive_id(id)?;
    if fingerprint != query.0 || tag != sort_tag(sort) {
        return Err(CursorError::OtherQuery);
    }
    let value = match sort {
        SortKey::CreatedAt | SortKey::UpdatedAt => {
            value.parse().ok().and_then(DateTime::from_timestamp_micros).map(SortValue::Instant)
        }
        SortKey::TotalArea => u64::from_str_radix(value, 16)
            .ok()
            .map(f64::from_bits)
            .filter(|area| area.is_finite() && *area >= 0.0)
            .map(SortValue::Area),
        SortKey::RoomCount => value.parse().ok().map(SortValue::Count),
    }
    .ok_or(CursorError::Malformed)?;
    Ok(Keyset { value, id: PropertyId(id) })
}

/// The cursor of the user page that starts below `last`.
pub fn encode_user(query: &Fingerprint, last: UserId) -> String {
    encode(&format!("{VERSION}.{}.u.{}", query.0, last.0))
}

/// # Errors
/// As [`decode_keyset`].
pub fn decode_user(cursor: &str, query: &Fingerprint) -> Result<UserId, CursorError> {
    let text = decode(cursor)?;
    let mut parts = text.split('.');
    let (Some(VERSION), Some(fingerprint), Some("u"), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(CursorError::Malformed);
    };
    let id = positive_id(id)?;
    if fingerprint != query.0 {
        return Err(CursorError::OtherQuery);
    }
    Ok(UserId(id))
}

fn sort_tag(sort: SortKey) -> &'static str {
    match sort {
        SortKey::CreatedAt => "c",
        SortKey::UpdatedAt => "m",
        SortKey::TotalArea => "a",
        SortKey::RoomCount => "r",
    }
}

/// The check digest of a cursor's text.
fn check(text: &str) -> String {
    let digest = Sha256::digest(format!("realty cursor {text}").as_bytes());
    digest[..8].iter().map(|byte| format!("{byte:02x}")).collect()
}

fn encode(text: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{text}.{}", check(text)))
}

/// The text of a cursor whose check digest matches it.
fn decode(cursor: &str) -> Result<String, CursorError> {
    if cursor.len() > MAX_LENGTH {
        return Err(CursorError::Malformed);
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| CursorError::Malformed)?;
    let text = String::from_utf8(bytes).map_err(|_| CursorError::Malformed)?;
    match text.rsplit_once('.') {
        Some((body, digest)) if digest == check(body) => Ok(body.to_owned()),
        _ => Err(CursorError::Malformed),
    }
}

fn positive_id(raw: &str) -> Result<i64, CursorError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(CursorError::Malformed)
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;

    fn query(text: &str) -> Fingerprint {
        Fingerprint::of(text)
    }

    #[test]
    fn every_sort_value_round_trips_exactly() {
        let at = Utc.with_ymd_and_hms(2026, 3, 15, 10, 0, 0).single().expect("valid")
            + chrono::Duration::microseconds(7);
        let cases = [
            (SortKey::CreatedAt, SortValue::Instant(at)),
            (SortKey::UpdatedAt, SortValue::Instant(at)),
            (SortKey::TotalArea, SortValue::Area(0.1 + 0.2)),
            (SortKey::RoomCount, SortValue::Count(42)),
        ];
        for (sort, value) in cases {
            let keyset = Keyset { value, id: PropertyId(12345) };
            let cursor = encode_keyset(&query("city=lyon"), sort, keyset);

            assert_eq!(decode_keyset(&cursor, &query("city=lyon"), sort), Ok(keyset), "{sort:?}");
        }
    }

    #[test]
    fn a_cursor_of_another_query_or_sort_is_refused() {
        let keyset = Keyset { value: SortValue::Count(3), id: PropertyId(9) };
        let cursor = encode_keyset(&query("city=lyon"), SortKey::RoomCount, keyset);

        assert_eq!(
            decode_keyset(&cursor, &query("city=nice"), SortKey::RoomCount),
            Err(CursorError::OtherQuery)
        );
        assert_eq!(
            decode_keyset(&cursor, &query("city=lyon"), SortKey::TotalArea),
            Err(CursorError::OtherQuery)
        );
        let user = encode_user(&query("q=ada"), UserId(4));
        assert_eq!(decode_user(&user, &query("q=bob")), Err(CursorError::OtherQuery));
        assert_eq!(decode_user(&user, &query("q=ada")), Ok(UserId(4)));
    }

    #[test]
    fn an_edited_cursor_is_malformed() {
        let keyset = Keyset { value: SortValue::Count(3), id: PropertyId(9) };
        let cursor = encode_keyset(&query("city=lyon"), SortKey::RoomCount, keyset);
        let mut edits = vec![cursor[..cursor.len() - 1].to_owned(), format!("{cursor}A")];
        for (index, c) in cursor.char_indices() {
            let replacement = if c == 'A' { 'B' } else { 'A' };
            edits.push(format!("{}{replacement}{}", &cursor[..index], &cursor[index + 1..]));
        }
        for edited in edits {
            assert_eq!(
                decode_keyset(&edited, &query("city=lyon"), SortKey::RoomCount),
                Err(CursorError::Malformed),
                "{edited}"
            );
        }
        // The same text without its check, as the previous version wrote it.
        let unchecked = URL_SAFE_NO_PAD.encode(format!("{VERSION}.{}.r.3.9", query("city=lyon").0));
        assert_eq!(
            decode_keyset(&unchecked, &query("city=lyon"), SortKey::RoomCount),
            Err(CursorError::Malformed)
        );
    }

    #[test]
    fn garbage_cursors_are_malformed() {
        let long = "A".repeat(300);
        for cursor in ["", "!!!", "djE6MTI", "djIuYWJjLmMuMS4w", long.as_str()] {
            assert_eq!(
                decode_keyset(cursor, &query(""), SortKey::CreatedAt),
                Err(CursorError::Malformed),
                "{cursor}"
            );
        }
    }
}
