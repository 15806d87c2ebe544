//! The OpenAPI 3.1 document, assembled from the handlers' annotations.
//!
//! Every problem response is declared once here, as a reusable response
//! component; a route lists the statuses its own logic can return and
//! refers to them (`(status = 404, response = NotFound)`). The statuses that
//! follow from what an operation reads (429 from the rate limit, 400 for an
//! unknown query parameter, 500, 503 while the database is unreachable or a
//! request runs too long; 401 with a token; 413, 415 and 422 with a body;
//! 412 with `If-Match`) are added by [`add_common_responses`], once the
//! routes are in the document.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::{Problem, ProblemField};

/// A problem response component: the RFC 9457 body, its media type and
/// what it means, declared once.
macro_rules! problem_responses {
    ($($(#[$doc:meta])* $name:ident $(headers($($header:tt)*))?;)+) => {
        $(
            $(#[$doc])*
            #[derive(Debug, ToResponse)]
            #[response(content_type = "application/problem+json" $(, headers($($header)*))?)]
            #[allow(dead_code)]
            pub(crate) struct $name(Problem);
        )+
    };
}

problem_responses! {
    /// Malformed request: JSON syntax, a header, a path segment, or a query
    /// parameter that is unknown or breaks a rule (each named in `errors`).
    BadRequest;
    /// No valid token: missing, malformed, tampered, expired or revoked.
    Unauthenticated headers(("WWW-Authenticate" = String, description = "Bearer realm=\"realty\"…"));
    /// The caller may not do this.
    Forbidden;
    /// No such resource (for everyone, whatever their rights).
    NotFound;
    /// The request collides with the current state.
    Conflict;
    /// `If-Match` names no current version; nothing was changed.
    PreconditionFailed;
    /// The request body is larger than the limit.
    PayloadTooLarge;
    /// The request body is not JSON.
    UnsupportedMediaType;
    /// Fields that break a rule, each named in `errors` (a missing field, a
    /// field of the wrong JSON type, an unknown field, `null` where none is
    /// allowed, or a value out of bounds).
    Unprocessable;
    /// Too many requests or failed logins; retry after the given seconds.
    TooManyRequests headers(("Retry-After" = u64, description = "Seconds to wait"));
    /// The database is unreachable or the request took too long; retry.
    ServiceUnavailable headers(("Retry-After" = u64, description = "Seconds to wait"));
    /// An unexpected error; the detail carries the request id to quote.
    InternalError;
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "realty",
        description = "Register, describe the properties you own, browse and search everyone's.\n\n\
            Errors are RFC 9457 problems (`application/problem+json`). Authenticate with \
            `POST /auth/token`, then send `Authorization: Bearer <token>`. Every route is rate \
            limited per client and answers with the `RateLimit-Policy` and `RateLimit` fields.",
        license(name = "MIT")
    ),
    modifiers(&BearerAuth),
    components(
        schemas(Problem, ProblemField),
        responses(
            BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, PreconditionFailed, PayloadTooLarge,
            UnsupportedMediaType, Unprocessable, TooManyRequests, ServiceUnavailable, InternalError
        )
    ),
    tags(
        (name = "auth", description = "Tokens"),
        (name = "users", description = "Accounts, profiles and the admin directory"),
        (name = "properties", description = "Properties, their search and their history"),
        (name = "rooms", description = "The rooms of a property"),
        (name = "property types", description = "The catalogue of property types"),
        (name = "operations", description = "Probes, metrics, build information and this documentation"),
    )
)]
pub(crate) struct ApiDoc;

/// Declares the `bearer` scheme the routes' `security(("bearer" = []))`
/// refer to; Swagger UI shows it as its "Authorize" button.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("PASETO v4.public")
                    .description(Some("A token from POST /auth/token"))
                    .build(),
            ),
        );
    }
}

/// Adds to every operation of `openapi` the statuses that follow from what
/// it reads, so that no route lists them by hand: any operation can answer
/// 400 (an unknown query parameter), 429, 500 and 503; one that needs a
/// token 401 (the `AuthUser` extractor); one that reads a body 413, 415 and
/// 422 (`ApiJson`); one that takes `If-Match` 412 (`IfMatch`). Called on
/// the assembled document: a `modifiers(...)` entry of [`ApiDoc`] would run
/// before the routers add their paths, and so change nothing.
pub(crate) fn add_common_responses(openapi: &mut utoipa::openapi::OpenApi) {
    let common = [
        ("400", "BadRequest"),
        ("429", "TooManyRequests"),
        ("500", "InternalError"),
        ("503", "ServiceUnavailable"),
    ];
    for item in openapi.paths.paths.values_mut() {
        let operations = [&mut item.get, &mut item.post, &mut item.patch, &mut item.delete, &mut item.put];
        for operation in operations.into_iter().flatten() {
            add_responses(operation, &common);
            if operation.security.as_ref().is_some_and(|security| !security.is_empty()) {
                add_responses(operation, &[("401", "Unauthenticated")]);
            }
            if operation.request_body.is_some() {
                add_responses(
                    operation,
                    &[("413", "PayloadTooLarge"), ("415", "UnsupportedMediaType"), ("422", "Unprocessable")],
                );
            }
            let takes_if_match = operation.parameters.iter().flatten().any(|parameter| {
                parameter.parameter_in == ParameterIn::Header
                    && parameter.name.eq_ignore_ascii_case("if-match")
            });
            if takes_if_match {
                add_responses(operation, &[("412", "PreconditionFailed")]);
            }
        }
    }
}

fn add_responses(operation: &mut Operation, responses: &[(&str, &str)]) {
    for (status, component) in responses {
        operation
            .responses
            .responses
            .entry((*status).to_owned())
            .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*component)));
    }
}
