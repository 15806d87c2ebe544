//! The one HTTP error type: every failure becomes an RFC 9457 problem.
//!
//! Building the response has no side effect. For a 500 the cause travels in
//! a response extension to the `problems` middleware, which logs it with the
//! request id and answers with nothing but that id.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use realty_domain::{DomainError, FieldError};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem details document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:realty:problem:validation",
    "title": "Invalid request content",
    "status": 422,
    "detail": "1 field is invalid",
    "errors": [{"field": "name", "message": "must not be blank"}]
}))]
pub struct Problem {
    /// A URI naming the kind of problem; stable, for programs to switch on.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for people.
    pub detail: String,
    /// The fields that break a rule (validation problems only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One broken rule of a validation problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field, as the client spelled it (`rooms[1].area_m2`).
    pub field: String,
    pub message: String,
}

impl From<FieldError> for ProblemField {
    fn from(error: FieldError) -> Self {
        Self { field: error.field, message: error.message }
    }
}

/// The cause of a 500, handed to the `problems` middleware to log.
#[derive(Debug, Clone)]
pub(crate) struct InternalCause(pub String);

/// An HTTP error on its way to becoming a problem response. Boxed: it
/// travels in every handler's `Result`, which should stay small.
#[derive(Debug)]
pub struct ApiError(Box<Details>);

#[derive(Debug)]
struct Details {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<ProblemField>,
    retry_after_secs: Option<u64>,
    /// `Some(error code)` adds `WWW-Authenticate: Bearer …` (RFC 6750).
    bearer_challenge: Option<Option<&'static str>>,
    internal_cause: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self(Box::new(Details {
            status,
            kind,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after_secs: None,
            bearer_challenge: None,
            internal_cause: None,
        }))
    }

    /// 400: the request is syntactically wrong (bad JSON, bad query, bad id).
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Malformed request", detail)
    }

    /// 400 with the offending query parameters listed.
    pub fn bad_query(errors: Vec<FieldError>) -> Self {
        let mut error = Self::bad_request(summary(errors.len(), "query parameter"));
        error.0.errors = errors.into_iter().map(Into::into).collect();
        error
    }

    /// 401 with a bearer challenge; `error_code` is RFC 6750's `error`.
    pub fn unauthenticated(detail: impl Into<String>, error_code: Option<&'static str>) -> Self {
        let mut error =
            Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required", detail);
        error.0.bearer_challenge = Some(error_code);
        error
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    /// 413: the body is larger than the configured limit.
    pub fn payload_too_large(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large", "Request body too large", detail)
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            detail,
        )
    }

    /// 422 for a body that is valid JSON but not of the expected shape.
    pub fn unprocessable(field: Option<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut error =
            Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "Invalid request content", "");
        match field {
            Some(field) => {
                error.0.detail = format!("{field}: {message}");
                error.0.errors.push(ProblemField { field, message });
            }
            None => error.0.detail = message,
        }
        error
    }

    /// 500; `cause` is logged, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut error = Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal server error",
            "an unexpected error occurred",
        );
        error.0.internal_cause = Some(cause.to_string());
        error
    }

    /// A problem for a bare status produced outside any handler (unknown
    /// route, wrong method, timeout…).
    pub fn for_status(status: StatusCode) -> Self {
        let title = status.canonical_reason().unwrap_or("Error");
        let (kind, detail) = match status {
            StatusCode::NOT_FOUND => ("not-found", "no resource at this path"),
            StatusCode::METHOD_NOT_ALLOWED => {
                ("method-not-allowed", "this path does not support the method; see the Allow header")
            }
            StatusCode::PAYLOAD_TOO_LARGE => {
                ("payload-too-large", "the request body is larger than the limit")
            }
            StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long to process"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported-media-type", "unsupported content type"),
            _ if status.is_server_error() => ("internal", "the server could not complete the request"),
            _ => ("error", title),
        };
        Self::new(status, kind, title_for(kind).unwrap_or(title), detail)
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    fn problem(&self) -> Problem {
        Problem {
            kind: format!("urn:realty:problem:{}", self.0.kind),
            title: self.0.title.to_owned(),
            status: self.0.status.as_u16(),
            detail: self.0.detail.clone(),
            errors: self.0.errors.clone(),
        }
    }
}

fn title_for(kind: &str) -> Option<&'static str> {
    match kind {
        "method-not-allowed" => Some("Method not allowed"),
        "timeout" => Some("Request timeout"),
        _ => None,
    }
}

fn summary(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun} is invalid") } else { format!("{count} {noun}s are invalid") }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::NotFound { resource } => Self::not_found(format!("{resource} not found")),
            DomainError::Forbidden(reason) => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", reason)
            }
            DomainError::Unauthenticated => {
                Self::unauthenticated("the credentials or the token are not valid", Some("invalid_token"))
            }
            DomainError::Conflict(detail) => Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail),
            DomainError::Invalid(errors) => {
                let mut api = Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                    "Invalid request content",
                    summary(errors.len(), "field"),
                );
                api.0.errors = errors.into_iter().map(Into::into).collect();
                api
            }
            DomainError::PreconditionFailed { expected, current } => Self::new(
                StatusCode::PRECONDITION_FAILED,
                "precondition-failed",
                "Precondition failed",
                format!("If-Match names version {expected} but the current version is {current}"),
            ),
            DomainError::TooManyAttempts { retry_after_secs } => {
                let mut api = Self::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too-many-attempts",
                    "Too many failed attempts",
                    format!("too many failed logins for this email; retry in {retry_after_secs} seconds"),
                );
                api.0.retry_after_secs = Some(retry_after_secs);
                api
            }
            DomainError::Internal(source) => Self::internal(error_chain(source.as_ref())),
        }
    }
}

/// "outer: inner: root" — the whole cause chain, for the log line.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let Details { status, retry_after_secs, bearer_challenge, internal_cause, .. } = *self.0;
        let mut response = (status, Json(problem)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = retry_after_secs {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(code) = bearer_challenge {
            let challenge = match code {
                Some(code) => format!("Bearer realm=\"realty\", error=\"{code}\""),
                None => "Bearer realm=\"realty\"".to_owned(),
            };
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
        }
        if let Some(cause) = internal_cause {
            response.extensions_mut().insert(InternalCause(cause));
        }
        response
    }
}

/// The result of every handler.
pub type ApiResult<T> = Result<T, ApiError>;
