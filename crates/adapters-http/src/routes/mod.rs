//! The routes, one module per resource; each owns its `router()`, which
//! registers handlers together with their OpenAPI description.

pub mod auth;
pub mod ops;
pub mod properties;
pub mod property_types;
pub mod rooms;
pub mod users;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// `Location` for a 201.
fn location(path: String) -> [(header::HeaderName, HeaderValue); 1] {
    // Paths we build hold only ASCII ids and slugs, so this never fails;
    // an empty value would still be a valid (if useless) header.
    [(header::LOCATION, HeaderValue::from_str(&path).unwrap_or(HeaderValue::from_static("/")))]
}

/// A response carrying the property's version as its strong `ETag`.
fn with_etag(version: realty_domain::Version, response: impl IntoResponse) -> Response {
    let mut response = response.into_response();
    if let Ok(value) = HeaderValue::from_str(&crate::extract::etag(version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}
