//! Conditional requests (RFC 9110 §13): `If-Match` on writes, as the
//! domain's [`Precondition`], and `If-None-Match` on reads, for 304s.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use realty_domain::{Precondition, Version};

use crate::error::ApiError;

/// `If-Match` as the versions it names (see [`Precondition`]).
#[derive(Debug, Clone)]
pub struct IfMatch(pub Precondition);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut values = parts.headers.get_all(header::IF_MATCH).iter().peekable();
        if values.peek().is_none() {
            return Ok(Self(Precondition::None));
        }
        let mut versions = Vec::new();
        for value in values {
            let value = value.to_str().map_err(|_| ApiError::BadRequest("If-Match must be ASCII".into()))?;
            if value.trim() == "*" {
                return Ok(Self(Precondition::Any));
            }
            for tag in entity_tags(value)? {
                // Strong comparison: a weak tag never matches, nor does a tag
                // that is not a version of ours.
                if let EntityTag { weak: false, opaque } = tag
                    && let Ok(version) = opaque.parse::<i64>()
                {
                    versions.push(Version(version));
                }
            }
        }
        Ok(Self(Precondition::OneOf(versions)))
    }
}

/// One entity tag of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTag<'a> {
    pub weak: bool,
    pub opaque: &'a str,
}

/// The entity tags of a list (RFC 9110 §8.8.3: `W/`? then a quoted opaque
/// part, which may itself hold commas, so the list is not split on them).
///
/// # Errors
/// A 400 when the value is not a list of quoted tags.
pub fn entity_tags(value: &str) -> Result<Vec<EntityTag<'_>>, ApiError> {
    let malformed = || ApiError::BadRequest("entity tags must be quoted, e.g. \"3\" or W/\"3\"".into());
    let mut tags = Vec::new();
    let mut rest = value.trim_start();
    while !rest.is_empty() {
        let (weak, tag) = match rest.strip_prefix("W/") {
            Some(tag) => (true, tag),
            None => (false, rest),
        };
        let (opaque, after) =
            tag.strip_prefix('"').and_then(|tag| tag.split_once('"')).ok_or_else(malformed)?;
        tags.push(EntityTag { weak, opaque });
        rest = after.trim_start();
        rest = match rest.strip_prefix(',') {
            Some(next) => next.trim_start(),
            None if rest.is_empty() => rest,
            None => return Err(malformed()),
        };
    }
    Ok(tags)
}

/// Whether the request's `If-None-Match` matches `etag` under the weak
/// comparison reads use (RFC 9110 §13.1.2): then the answer is a 304. A
/// malformed header is ignored, as if absent: the full answer is never wrong.
pub fn none_match(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(ours) =
        etag.to_str().ok().and_then(|etag| entity_tags(etag).ok()).and_then(|tags| tags.into_iter().next())
    else {
        return false;
    };
    headers.get_all(header::IF_NONE_MATCH).iter().filter_map(|value| value.to_str().ok()).any(|value| {
        value.trim() == "*"
            || entity_tags(value).is_ok_and(|tags| tags.iter().any(|tag| tag.opaque == ours.opaque))
    })
}

/// The strong entity tag of a property version.
pub fn strong_etag(version: Version) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(value: &str) -> Vec<(bool, String)> {
        entity_tags(value)
            .expect("a list of tags")
            .into_iter()
            .map(|tag| (tag.weak, tag.opaque.to_owned()))
            .collect()
    }

    #[test]
    fn a_list_of_tags_is_read_whole_with_commas_inside_tags() {
        assert_eq!(tags("\"7\", \"3\""), [(false, "7".into()), (false, "3".into())]);
        assert_eq!(tags("W/\"3\",\"a,b\""), [(true, "3".into()), (false, "a,b".into())]);
    }

    #[test]
    fn unquoted_tags_are_malformed() {
        for value in ["3", "\"3\" 4", "\"3", "W/3"] {
            assert!(entity_tags(value).is_err(), "{value}");
        }
    }

    #[test]
    fn if_none_match_compares_weakly_and_star_matches() {
        let etag = strong_etag(Version(3));
        let matching = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static(value));
            none_match(&headers, &etag)
        };
        assert!(matching("\"3\""));
        assert!(matching("W/\"3\""));
        assert!(matching("\"1\", \"3\""));
        assert!(matching("*"));
        assert!(!matching("\"4\""));
        assert!(!matching("garbage"));
    }
}
