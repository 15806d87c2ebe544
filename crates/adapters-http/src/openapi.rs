//! The OpenAPI 3.1 document, assembled from the handlers' annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "realty",
        description = "Register, describe the properties you own, browse everyone's.\n\n\
            Errors are RFC 9457 problems (`application/problem+json`). Authenticate with \
            `POST /auth/token`, then send `Authorization: Bearer <token>`.",
        license(name = "MIT")
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    tags(
        (name = "auth", description = "Tokens"),
        (name = "users", description = "Accounts and profiles"),
        (name = "properties", description = "Properties and their history"),
        (name = "rooms", description = "The rooms of a property"),
        (name = "property types", description = "The catalogue of property types"),
        (name = "operations", description = "Probes and build information"),
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
