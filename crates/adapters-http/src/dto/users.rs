//! Accounts: sign-up, profiles, and the user as the API shows it.

use chrono::{DateTime, NaiveDate, Utc};
use realty_app::{ProfilePatch, Registration};
use realty_domain::{Email, Password, PersonName, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::extract::{Body, Field, Fields};

/// Sign-up.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// Compared case-insensitively; at most 254 characters.
    #[schema(value_type = String, required = true, format = Email, max_length = 254, example = "ada@example.com")]
    #[serde(default)]
    email: Field,
    /// 8 to 128 characters, kept exactly as typed.
    #[schema(value_type = String, required = true, min_length = 8, max_length = 128, example = "correct horse battery")]
    #[serde(default)]
    password: Field,
    /// 1 to 100 characters after trimming.
    #[schema(value_type = String, required = true, example = "Ada")]
    #[serde(default)]
    first_name: Field,
    /// 1 to 100 characters after trimming.
    #[schema(value_type = String, required = true, example = "Lovelace")]
    #[serde(default)]
    last_name: Field,
    /// From 1900-01-01 to today; absent or `null`: none.
    #[schema(value_type = Option<NaiveDate>, format = Date, example = "1990-12-10")]
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
    #[schema(value_type = String)]
    #[serde(default)]
    first_name: Field,
    /// 1 to 100 characters after trimming.
    #[schema(value_type = String)]
    #[serde(default)]
    last_name: Field,
    /// From 1900-01-01 to today; `null` clears it.
    #[schema(value_type = Option<NaiveDate>, format = Date)]
    #[serde(default)]
    birth_date: Field,
    /// A new password, 8 to 128 characters; changing one's own needs
    /// `current_password`. Tokens issued before the change stop working.
    #[schema(value_type = String, min_length = 8, max_length = 128)]
    #[serde(default)]
    password: Field,
    #[schema(value_type = String, max_length = 128)]
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
    #[schema(format = Email)]
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
