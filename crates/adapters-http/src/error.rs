//! The one HTTP error type: every failure becomes an RFC 9457 problem.
//!
//! Each [`ApiError`] variant documents its status; [`ProblemType`] gives
//! each kind of problem its one `type` URI and its one title. Building the
//! response has no side effect: for a 500 (and a 503 from storage) the cause
//! travels in a response extension to the `problems` middleware, which logs
//! it with the request id and answers with nothing but that id.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use realty_domain::{DomainError, FieldError, error_chain};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// How long a client should wait before retrying a 503 (storage down or
/// overloaded): long enough for a restart or a failover, short enough not
/// to strand a client once it is over.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 2;

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
    #[schema(example = "urn:realty:problem:not-found")]
    pub kind: &'static str,
    /// A short summary of the kind of problem, the same for every problem of
    /// a type.
    pub title: &'static str,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time, for people.
    pub detail: String,
    /// Each field or query parameter that breaks a rule; present on every
    /// 422 and on every 400 about query parameters.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One broken rule of a problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field as the client spelled it (`rooms[1].area_m2`), or the query
    /// parameter (`min_area`); `""` for the body as a whole.
    pub field: String,
    /// The rule broken.
    pub message: String,
}

impl From<FieldError> for ProblemField {
    fn from(error: FieldError) -> Self {
        Self { field: error.field, message: error.message }
    }
}

/// The kinds of problem, each with its one `type` URI and title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    BadRequest,
    InvalidQuery,
    Unauthenticated,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    NotAcceptable,
    Conflict,
    PreconditionFailed,
    PayloadTooLarge,
    UnsupportedMediaType,
    Validation,
    TooManyAttempts,
    RateLimited,
    Unavailable,
    Timeout,
    Internal,
}

impl ProblemType {
    pub fn uri(self) -> &'static str {
        match self {
            Self::BadRequest => "urn:realty:problem:bad-request",
            Self::InvalidQuery => "urn:realty:problem:invalid-query",
            Self::Unauthenticated => "urn:realty:problem:unauthenticated",
            Self::Forbidden => "urn:realty:problem:forbidden",
            Self::NotFound => "urn:realty:problem:not-found",
            Self::MethodNotAllowed => "urn:realty:problem:method-not-allowed",
            Self::NotAcceptable => "urn:realty:problem:not-acceptable",
            Self::Conflict => "urn:realty:problem:conflict",
            Self::PreconditionFailed => "urn:realty:problem:precondition-failed",
            Self::PayloadTooLarge => "urn:realty:problem:payload-too-large",
            Self::UnsupportedMediaType => "urn:realty:problem:unsupported-media-type",
            Self::Validation => "urn:realty:problem:validation",
            Self::TooManyAttempts => "urn:realty:problem:too-many-attempts",
            Self::RateLimited => "urn:realty:problem:rate-limited",
            Self::Unavailable => "urn:realty:problem:unavailable",
            Self::Timeout => "urn:realty:problem:timeout",
            Self::Internal => "urn:realty:problem:internal",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::BadRequest => "Malformed request",
            Self::InvalidQuery => "Invalid query parameters",
            Self::Unauthenticated => "Authentication required",
            Self::Forbidden => "Forbidden",
            Self::NotFound => "Not found",
            Self::MethodNotAllowed => "Method not allowed",
            Self::NotAcceptable => "Not acceptable",
            Self::Conflict => "Conflict",
            Self::PreconditionFailed => "Precondition failed",
            Self::PayloadTooLarge => "Request body too large",
            Self::UnsupportedMediaType => "Unsupported media type",
            Self::Validation => "Invalid request content",
            Self::TooManyAttempts => "Too many failed attempts",
            Self::RateLimited => "Too many requests",
            Self::Unavailable => "Service unavailable",
            Self::Timeout => "Request took too long",
            Self::Internal => "Internal server error",
        }
    }
}

/// An HTTP error on its way to becoming a problem response.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the request is malformed (JSON syntax, a header, a path
    /// segment, the body stopped arriving).
    BadRequest(String),
    /// 400: query parameters that break a rule, each named.
    InvalidQuery(Vec<FieldError>),
    /// 401 with a `WWW-Authenticate: Bearer` challenge; `code` is RFC
    /// 6750's `error`, `None` when no credentials were sent at all.
    Unauthenticated { detail: &'static str, code: Option<&'static str> },
    /// 403: the caller is known but may not do this.
    Forbidden(&'static str),
    /// 404: no such resource (for everyone, whatever their rights).
    NotFound(String),
    /// 409: the request collides with the current state.
    Conflict(String),
    /// 412: `If-Match` names no current version.
    PreconditionFailed { current: i64 },
    /// 413: the body is larger than the limit.
    PayloadTooLarge,
    /// 415: the body is not JSON.
    UnsupportedMediaType,
    /// 422: body fields that break a rule, each named.
    Invalid(Vec<FieldError>),
    /// 429 with `Retry-After`: too many failed logins for one email.
    TooManyAttempts { retry_after_secs: u64 },
    /// 429 with `Retry-After`: the client's rate limit is spent.
    RateLimited { retry_after_secs: u64 },
    /// 503 with `Retry-After`: storage is unreachable or did not answer in
    /// time; `cause` is logged, never sent.
    Unavailable { cause: String },
    /// 500; `cause` is logged, never sent.
    Internal { cause: String },
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        self.problem_type().status()
    }

    pub fn problem_type(&self) -> ProblemType {
        match self {
            Self::BadRequest(_) => ProblemType::BadRequest,
            Self::InvalidQuery(_) => ProblemType::InvalidQuery,
            Self::Unauthenticated { .. } => ProblemType::Unauthenticated,
            Self::Forbidden(_) => ProblemType::Forbidden,
            Self::NotFound(_) => ProblemType::NotFound,
            Self::Conflict(_) => ProblemType::Conflict,
            Self::PreconditionFailed { .. } => ProblemType::PreconditionFailed,
            Self::PayloadTooLarge => ProblemType::PayloadTooLarge,
            Self::UnsupportedMediaType => ProblemType::UnsupportedMediaType,
            Self::Invalid(_) => ProblemType::Validation,
            Self::TooManyAttempts { .. } => ProblemType::TooManyAttempts,
            Self::RateLimited { .. } => ProblemType::RateLimited,
            Self::Unavailable { .. } => ProblemType::Unavailable,
            Self::Internal { .. } => ProblemType::Internal,
        }
    }

    /// 500; `cause` is logged, never sent.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal { cause: cause.to_string() }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest(detail) | Self::NotFound(detail) | Self::Conflict(detail) => detail.clone(),
            Self::InvalidQuery(errors) => summary(errors.len(), "query parameter"),
            Self::Invalid(errors) => summary(errors.len(), "field"),
            Self::Unauthenticated { detail, .. } | Self::Forbidden(detail) => (*detail).to_owned(),
            Self::PreconditionFailed { current } => {
                format!(
                    "If-Match names no current version; the current version is {current} (ETag \"{current}\")"
                )
            }
            Self::PayloadTooLarge => "the request body is larger than the limit".to_owned(),
            Self::UnsupportedMediaType => "the request body must be application/json".to_owned(),
            Self::TooManyAttempts { retry_after_secs } => {
                format!("too many failed logins for this email; retry in {retry_after_secs} seconds")
            }
            Self::RateLimited { retry_after_secs } => {
                format!("the rate limit of this client is spent; retry in {retry_after_secs} seconds")
            }
            Self::Unavailable { .. } => {
                "the service cannot reach its database right now; retry shortly".to_owned()
            }
            Self::Internal { .. } => "an unexpected error occurred".to_owned(),
        }
    }
}

impl ProblemType {
    pub fn status(self) -> StatusCode {
        match self {
            Self::BadRequest | Self::InvalidQuery => StatusCode::BAD_REQUEST,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable => StatusCode::NOT_ACCEPTABLE,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyAttempts | Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable | Self::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem of this type with `detail`, as a response.
    pub fn response(self, detail: impl Into<String>) -> Response {
        problem_response(Problem {
            kind: self.uri(),
            title: self.title(),
            status: self.status().as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        })
    }
}

fn summary(count: usize, noun: &str) -> String {
    if count == 1 { format!("1 {noun} is invalid") } else { format!("{count} {noun}s are invalid") }
}

impl From<DomainError> for ApiError {
    fn from(error: DomainError) -> Self {
        match error {
            DomainError::NotFound { resource } => Self::NotFound(format!("{resource} not found")),
            DomainError::Forbidden(reason) => Self::Forbidden(reason),
            DomainError::Unauthenticated => Self::Unauthenticated {
                detail: "the credentials or the token are not valid",
                code: Some("invalid_token"),
            },
            DomainError::Conflict(detail) => Self::Conflict(detail),
            DomainError::Invalid(errors) => Self::Invalid(errors),
            DomainError::PreconditionFailed { current } => Self::PreconditionFailed { current },
            DomainError::TooManyAttempts { retry_after_secs } => Self::TooManyAttempts { retry_after_secs },
            DomainError::Unavailable(source) => Self::Unavailable { cause: error_chain(source.as_ref()) },
            DomainError::Internal(source) => Self::Internal { cause: error_chain(source.as_ref()) },
        }
    }
}

/// The cause of a 500 or a storage 503, handed to the `problems`
/// middleware to log.
#[derive(Debug, Clone)]
pub(crate) struct LoggedCause(pub String);

fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, Json(problem)).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let kind = self.problem_type();
        let detail = self.detail();
        let (retry_after, challenge, cause, errors) = match self {
            Self::InvalidQuery(errors) | Self::Invalid(errors) => (None, None, None, errors),
            Self::Unauthenticated { code, .. } => (None, Some(code), None, Vec::new()),
            Self::TooManyAttempts { retry_after_secs } | Self::RateLimited { retry_after_secs } => {
                (Some(retry_after_secs), None, None, Vec::new())
            }
            Self::Unavailable { cause } => {
                (Some(UNAVAILABLE_RETRY_AFTER_SECS), None, Some(cause), Vec::new())
            }
            Self::Internal { cause } => (None, None, Some(cause), Vec::new()),
            _ => (None, None, None, Vec::new()),
        };
        let mut response = problem_response(Problem {
            kind: kind.uri(),
            title: kind.title(),
            status: kind.status().as_u16(),
            detail,
            errors: errors.into_iter().map(Into::into).collect(),
        });
        let headers = response.headers_mut();
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(code) = challenge {
            let challenge = match code {
                Some(code) => format!("Bearer realm=\"realty\", error=\"{code}\""),
                None => "Bearer realm=\"realty\"".to_owned(),
            };
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                headers.insert(header::WWW_AUTHENTICATE, value);
            }
        }
        if let Some(cause) = cause {
            response.extensions_mut().insert(LoggedCause(cause));
        }
        // For the metrics: a throttled login is counted by its problem type.
        response.extensions_mut().insert(kind);
        response
    }
}

/// The result of every handler.
pub type ApiResult<T> = Result<T, ApiError>;
