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

use std::cell::RefCell;
use std::hash::{DefaultHasher, Hash, Hasher};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::extract::none_match;

/// `Location` for a 201. Paths are built from ids and slugs (ASCII).
fn location(path: &str) -> (header::HeaderName, HeaderValue) {
    (header::LOCATION, HeaderValue::from_str(path).unwrap_or(HeaderValue::from_static("/")))
}

/// `response` with `Link: <path?query>; rel="next"` (RFC 8288) when there
/// is a next page, `next` being its query string.
fn with_next_link(mut response: Response, path: &str, next: Option<String>) -> Response {
    let link = next.and_then(|query| HeaderValue::from_str(&format!("<{path}?{query}>; rel=\"next\"")).ok());
    if let Some(link) = link {
        response.headers_mut().insert(header::LINK, link);
    }
    response
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

/// A JSON answer, like axum's `Json`, but written into a buffer kept by the
/// thread and then copied once into a body of the exact size: axum's starts
/// at 128 bytes and doubles, eight reallocations and copies for a page of
/// 20 properties (about 24 kB), which showed in its profile.
struct Json<T>(T);

/// Bound on what a thread keeps between answers.
const KEPT_BUFFER: usize = 256 * 1024;

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        let written = BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            let written =
                serde_json::to_writer(&mut *buffer, &self.0).map(|()| Bytes::copy_from_slice(buffer));
            if buffer.capacity() > KEPT_BUFFER {
                *buffer = Vec::new();
            }
            written
        });
        match written {
            Ok(body) => {
                ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
            }
            // Only a type with a failing `Serialize` gets here; ours have none.
            Err(error) => crate::error::ApiError::internal(error).into_response(),
        }
    }
}
