//! Accounts: sign-up, profiles, and the user as the API shows it.

use chrono::{DateTime, NaiveDate, Utc};
use realty_app::{ProfilePatch, Registration};
use realty_domain::{Email, Password, PersonName, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules;
use crate::extract::{Body, Field, Fields};

/// Sign-up.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// Compared case-insensitively; at most 254 characters.
    #[schema(schema_with = rules::email, required = true)]
    #[serde(default)]
    email: Field,
    /// 8 to 128 characters, kept exactly as typed.
    #[schema(schema_with = rules::new_password, required = true)]
    #[serde(default)]
    password: Field,
    /// 1 to 100 characters after trimming.
    #[schema(schema_with = rules::person_name, required = true)]
    #[serde(default)]
    first_name: Field,
    /// 1 to 100 characters after trimming.
    #[schema(schema_with = rules::person_name, required = true)]
    #[serde(default)]
    last_name: Field,
    /// From 1900-01-01 to today; absent or `null`: none.
    #[schema(schema_with = rules::birth_date)]
    #[serde(default)]
    birth_date: Field,
}

impl Body for RegisterBody {
    type Command = Registration;

    fn parse(self, fields: &mut Fields<'_>) -> Option<Registration> {
        let email = fields.text("email", self.email, Email::parse);
        let password = fields.text("password", self.password, Password::parse);
        let first_name = fields.text("first_name", self.first_name, PersonName::parse);
        let last_name = fields.text("last_name", self.last_name, PersonName::parse);
        let birth_date = fields.nullable_birth_date("birth_date", self.birth_date);
        Some(Registration {
            email: email?,
            password: password?,
            first_name: first_name?,
            last_name: last_name?,
            birth_date: birth_date.flatten(),
        })
    }
}

/// A profile change; absent fields are left as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// 1 to 100 characters after trimming.
    #[schema(schema_with = rules::person_name)]
    #[serde(default)]
    first_name: Field,
    /// 1 to 100 characters after trimming.
    #[schema(schema_with = rules::person_name)]
    #[serde(default)]
    last_name: Field,
    /// From 1900-01-01 to today; `null` clears it.
    #[schema(schema_with = rules::birth_date)]
    #[serde(default)]
    birth_date: Field,
    /// A new password, 8 to 128 characters; changing one's own needs
    /// `current_password`. Tokens issued before the change stop working.
    #[schema(schema_with = rules::new_password)]
    #[serde(default)]
    password: Field,
    /// The caller's current password, needed with `password` when users
    /// change their own.
    #[schema(schema_with = rules::presented_password)]
    #[serde(default)]
    current_password: Field,
}

impl Body for ProfileBody {
    type Command = ProfilePatch;

    fn parse(self, fields: &mut Fields<'_>) -> Option<ProfilePatch> {
        Some(ProfilePatch {
            first_name: fields.optional_text("first_name", self.first_name, PersonName::parse),
            last_name: fields.optional_text("last_name", self.last_name, PersonName::parse),
            birth_date: fields.nullable_birth_date("birth_date", self.birth_date),
            password: fields.optional_text("password", self.password, Password::parse),
            current_password: fields.optional_text(
                "current_password",
                self.current_password,
                Password::presented,
            ),
        })
    }
}

/// A user as the API shows it (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse<'a> {
    pub id: i64,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub birth_date: Option<NaiveDate>,
    /// `user` or `admin`.
    #[schema(example = "user")]
    pub role: &'static str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl<'a> From<&'a User> for UserResponse<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            id: user.id.0,
            email: user.email.as_str(),
            first_name: user.first_name.as_str(),
            last_name: user.last_name.as_str(),
            birth_date: user.birth_date.map(|date| date.date()),
            role: user.role.as_str(),
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

/// A page of the admin directory, newest account first.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage<'a> {
    pub items: Vec<UserResponse<'a>>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}
