//! Extractors whose rejections are problems: the handler's signature says
//! what it needs (`AuthUser`, `ApiJson<T>`, `ApiPath<T>`, `IfMatch`), and a
//! request that cannot provide it never reaches the handler.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use realty_domain::{User, Version};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// A JSON body of type `T`. Malformed JSON is a 400, another media type a
/// 415, a body over the limit a 413, and JSON of the wrong shape (unknown
/// field, wrong type, missing field) a 422 naming the field.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::unsupported_media_type("the request body must be application/json"));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(body_rejection)?;
        parse_json(&bytes).map(ApiJson)
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::payload_too_large("the request body is larger than the limit")
    } else {
        ApiError::bad_request(format!("the request body could not be read: {rejection}"))
    }
}

/// Parses `bytes` as one JSON value of type `T`, naming the failing field.
/// Public so that the fuzz target exercises exactly what requests go through.
///
/// # Errors
/// 400 for malformed JSON, 422 for JSON of the wrong shape.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    // Syntax first, over the whole body: `{} {}` or a truncated document is
    // malformed (400) even when its start would already fail the shape (422).
    serde_json::from_slice::<serde::de::IgnoredAny>(bytes)
        .map_err(|error| ApiError::bad_request(format!("malformed JSON: {error}")))?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        let field = (path != ".").then_some(path);
        ApiError::unprocessable(field, strip_position(&error.into_inner().to_string()))
    })
}

/// serde_json appends " at line 1 column 42"; the field path says more.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// Path parameters; a segment of the wrong type (`/properties/abc`) is a 400.
#[derive(Debug, Clone, Copy)]
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(value)| ApiPath(value))
            .map_err(|rejection| ApiError::bad_request(format!("invalid path: {}", rejection.body_text())))
    }
}

/// Query parameters; a value of the wrong type (`?limit=abc`) is a 400.
#[derive(Debug, Clone, Copy)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| ApiQuery(value))
            .map_err(|rejection| ApiError::bad_request(format!("invalid query: {}", rejection.body_text())))
    }
}

/// The authenticated caller. Missing, malformed, tampered, expired or
/// revoked tokens are a 401 with a `WWW-Authenticate: Bearer` challenge.
#[derive(Debug, Clone)]
pub struct AuthUser(pub User);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthenticated("this route needs an Authorization: Bearer token", None));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|value| {
                let (scheme, token) = value.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                ApiError::unauthenticated(
                    "the Authorization header must be `Bearer <token>`",
                    Some("invalid_request"),
                )
            })?;
        let user = state.accounts.authenticate(token).await?;
        tracing::Span::current().record("user_id", user.id.0);
        Ok(Self(user))
    }
}

/// The `If-Match` precondition (RFC 9110 §13.1.1) as the version it names.
///
/// `None` when absent or `*` (the property exists, which the use case checks
/// anyway). Weak tags never match under the strong comparison If-Match
/// requires, so they, like tags that are not a version, become version 0,
/// which no property has: the write is refused with 412, as the RFC wants.
/// Of a list of tags, the first is used.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<Version>);

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(header::IF_MATCH) else {
            return Ok(Self(None));
        };
        let value = value.to_str().map_err(|_| ApiError::bad_request("If-Match must be ASCII"))?;
        parse_if_match(value).map(Self)
    }
}

fn parse_if_match(value: &str) -> Result<Option<Version>, ApiError> {
    let value = value.trim();
    if value == "*" {
        return Ok(None);
    }
    // The first entity tag (RFC 9110 §8.8.3): `W/`? then a quoted opaque
    // part, which may itself hold commas, so the list is not split on them.
    let (weak, tag) = match value.strip_prefix("W/") {
        Some(tag) => (true, tag),
        None => (false, value),
    };
    let opaque = tag
        .strip_prefix('"')
        .and_then(|rest| rest.split_once('"'))
        .map(|(opaque, _)| opaque)
        .ok_or_else(|| ApiError::bad_request("If-Match must hold quoted entity tags, e.g. \"3\""))?;
    let version = if weak { None } else { opaque.parse::<i64>().ok() };
    Ok(Some(Version(version.unwrap_or(0))))
}

/// The strong entity tag of a property version.
pub fn etag(version: Version) -> String {
    format!("\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_reads_a_strong_tag_as_its_version() {
        assert_eq!(parse_if_match("\"3\"").ok().flatten(), Some(Version(3)));
    }

    #[test]
    fn if_match_star_means_any_version() {
        assert_eq!(parse_if_match("*").ok().flatten(), None);
    }

    #[test]
    fn if_match_weak_or_foreign_tags_never_match() {
        assert_eq!(parse_if_match("W/\"3\"").ok().flatten(), Some(Version(0)));
        assert_eq!(parse_if_match("\"abc\"").ok().flatten(), Some(Version(0)));
    }

    #[test]
    fn if_match_takes_the_first_tag_of_a_list_even_with_commas_inside() {
        assert_eq!(parse_if_match("\"a,b\"").ok().flatten(), Some(Version(0)));
        assert_eq!(parse_if_match("\"4\", \"5\"").ok().flatten(), Some(Version(4)));
    }

    #[test]
    fn if_match_unquoted_is_a_bad_request() {
        assert!(parse_if_match("3").is_err());
    }

    #[test]
    fn parse_json_names_the_failing_field() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Body {
            area_m2: f64,
        }
        let error = parse_json::<Body>(br#"{"area_m2":"big"}"#).expect_err("wrong type");
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let error = parse_json::<Body>(br#"{"area_m2":"#).expect_err("truncated");
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        let error = parse_json::<Body>(br#"{"area_m2":1}{}"#).expect_err("trailing data");
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }
}
