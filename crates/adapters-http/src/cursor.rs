//! The opaque pagination cursor of `GET /properties`.
//!
//! It encodes the id the next page starts below. Opaque (base64url of a
//! versioned string) so that clients do not build cursors by hand and we
//! may change what is inside without breaking them.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use realty_domain::PropertyId;

const PREFIX: &str = "v1:";

/// The cursor of the page that starts below `last`.
pub fn encode(last: PropertyId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{}", last.0))
}

/// `None` for anything `encode` did not produce (the caller answers 400).
pub fn decode(cursor: &str) -> Option<PropertyId> {
    // A cursor is short; refuse to decode megabytes of garbage.
    if cursor.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let id: i64 = text.strip_prefix(PREFIX)?.parse().ok()?;
    (id > 0).then_some(PropertyId(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips() {
        assert_eq!(decode(&encode(PropertyId(12345))), Some(PropertyId(12345)));
    }

    #[test]
    fn garbage_cursors_decode_to_nothing() {
        for cursor in ["", "!!!", "djE6", "djE6LTE", "eHl6OjE", &"A".repeat(100)] {
            assert_eq!(decode(cursor), None, "cursor {cursor:?}");
        }
    }
}
