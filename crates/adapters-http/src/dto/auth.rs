//! Login: credentials in, a bearer token out.

use realty_app::Credentials;
use realty_domain::{LoginEmail, Password};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules;
use crate::extract::{Body, Field, Fields};

/// Login.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// At most 254 characters; an address that is not registered (or not an
    /// address at all) gets the same 401 as a wrong password.
    #[schema(schema_with = rules::login_email, required = true)]
    #[serde(default)]
    email: Field,
    /// At most 128 characters.
    #[schema(schema_with = rules::presented_password, required = true)]
    #[serde(default)]
    password: Field,
}

impl Body for TokenRequest {
    type Command = Credentials;

    fn parse(self, fields: &mut Fields<'_>) -> Option<Credentials> {
        let email = fields.text("email", self.email, LoginEmail::parse);
        let password = fields.text("password", self.password, Password::presented);
        Some(Credentials { email: email?, password: password? })
    }
}

/// An access token (RFC 6749 §5.1 shape).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A PASETO v4.public token.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}
