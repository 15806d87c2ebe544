//! Extractors whose rejections are problems: the handler's signature says
//! what it needs (`AuthUser`, `ApiJson<T>`, `ApiPath<T>`, `ApiQuery<P>`,
//! `IfMatch`), and a request that cannot provide it never reaches the
//! handler.

pub mod auth;
pub mod conditional;
pub mod json;
pub mod query;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub use auth::AuthUser;
pub use conditional::{IfMatch, none_match, strong_etag};
pub use json::{ApiJson, Body, Field, Fields};
pub use query::{ApiQuery, NoParams, Query, QueryParams};

use crate::error::ApiError;

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
            .map_err(|rejection| ApiError::BadRequest(format!("invalid path: {}", rejection.body_text())))
    }
}
