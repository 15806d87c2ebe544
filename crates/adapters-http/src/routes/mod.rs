//! The routes, one module per resource; each owns its `router()`, which
//! registers handlers together with their OpenAPI description. Handlers
//! extract, call one use case and shape the answer; the helpers below are
//! what several share.

pub mod auth;
pub mod docs;
pub mod ops;
pub mod properties;
pub mod property_types;
pub mod rooms;
pub mod users;

use std::hash::{DefaultHasher, Hash, Hasher};

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::extract::none_match;

/// `Location` for a 201. Paths are built from ids and slugs (ASCII).
fn location(path: &str) -> (header::HeaderName, HeaderValue) {
    (header::LOCATION, HeaderValue::from_str(path).unwrap_or(HeaderValue::from_static("/")))
}

/// A weak entity tag derived from `content` (anything that determines the
/// answer's body): equal content, equal tag, on every instance of one
/// build.
fn weak_etag(content: impl Hash) -> HeaderValue {
    let mut hasher = DefaultHasher::new();
    content.hash(&mut hasher);
    HeaderValue::from_str(&format!("W/\"{:016x}\"", hasher.finish()))
        .unwrap_or(HeaderValue::from_static("W/\"0\""))
}

/// A read's answer: 304 with the tag when the client's `If-None-Match`
/// matches it (RFC 9110 §13.1.2, weak comparison), else `body` with it.
fn conditional(headers: &HeaderMap, etag: HeaderValue, body: impl Serialize) -> Response {
    if none_match(headers, &etag) {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    (StatusCode::OK, [(header::ETAG, etag)], Json(body)).into_response()
}
