//! The documentation: the OpenAPI document and Swagger UI, whose assets are
//! compiled into the binary (it works offline).
//!
//! Swagger UI's page refers to its assets by relative paths; served at
//! `/docs` itself (no redirect: probes and some clients do not follow one),
//! it carries `<base href="/docs/">` so that they resolve under `/docs/`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::Config;

use crate::error::{ApiError, ApiResult};

/// What the documentation routes serve, made once.
#[derive(Clone)]
pub struct Docs {
    document: Bytes,
    config: Arc<Config<'static>>,
}

impl std::fmt::Debug for Docs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Docs").field("document_bytes", &self.document.len()).finish_non_exhaustive()
    }
}

impl Docs {
    pub fn new(document: &utoipa::openapi::OpenApi) -> Self {
        let document = document.to_json().map(Bytes::from).unwrap_or_default();
        Self { document, config: Arc::new(Config::new(["/openapi.json"])) }
    }
}

pub fn router() -> OpenApiRouter<Docs> {
    OpenApiRouter::new().routes(routes!(openapi_json)).routes(routes!(swagger_ui)).routes(routes!(asset))
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document of every route", content_type = "application/json")))]
async fn openapi_json(State(docs): State<Docs>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], docs.document)
}

/// Swagger UI, with an "Authorize" button for a bearer token.
#[utoipa::path(get, path = "/docs", tag = "operations",
    responses((status = 200, description = "The Swagger UI page", content_type = "text/html")))]
async fn swagger_ui(State(docs): State<Docs>) -> ApiResult<Response> {
    let page = file(&docs, "index.html")?;
    let html = String::from_utf8_lossy(&page.0).replacen("<head>", "<head><base href=\"/docs/\">", 1);
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"))], html).into_response())
}

/// An asset of Swagger UI (script, style sheet, icon).
#[utoipa::path(get, path = "/docs/{file}", tag = "operations",
    params(("file" = String, Path, description = "The asset's name")),
    responses((status = 200, description = "The asset"), (status = 404, response = crate::openapi::NotFound)))]
async fn asset(State(docs): State<Docs>, Path(name): Path<String>) -> ApiResult<Response> {
    let (bytes, content_type) = file(&docs, &name)?;
    Ok(([(header::CONTENT_TYPE, content_type)], bytes).into_response())
}

fn file(docs: &Docs, name: &str) -> ApiResult<(Vec<u8>, HeaderValue)> {
    let file = utoipa_swagger_ui::serve(name, Arc::clone(&docs.config))
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::NotFound(format!("no documentation file {name}")))?;
    let content_type =
        HeaderValue::from_str(&file.content_type).unwrap_or(HeaderValue::from_static("text/plain"));
    Ok((file.bytes.into_owned(), content_type))
}
