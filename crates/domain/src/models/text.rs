//! Bounded text: the rule shared by every name, city and description.

use crate::FieldError;

/// Checks the length of `value` in characters (not bytes: "Île" is three).
pub(crate) fn check_length(field: &str, value: &str, min: usize, max: usize) -> Result<(), FieldError> {
    let length = value.chars().count();
    if length < min {
        return Err(if min == 1 {
            FieldError::new(field, "must not be blank")
        } else {
            FieldError::new(field, format!("must be at least {min} characters"))
        });
    }
    if length > max {
        return Err(FieldError::new(field, format!("must be at most {max} characters")));
    }
    Ok(())
}

/// Rejects control characters (other than line breaks and tabs, which
/// descriptions may contain): they have no place in names and make logs and
/// UIs misbehave.
pub(crate) fn check_printable(field: &str, value: &str, multiline: bool) -> Result<(), FieldError> {
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(())
}

/// Declares a trimmed, length-bounded, single-line text value object.
macro_rules! bounded_name {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:literal..=$max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The field this value is validated as, in error messages.
            pub const FIELD: &'static str = $field;
            pub const MAX_CHARS: usize = $max;

            /// Trims `raw` and checks it holds
            #[doc = concat!(stringify!($min), " to ", stringify!($max), " characters.")]
            ///
            /// # Errors
            /// A [`FieldError`](crate::FieldError) naming the field and the rule.
            pub fn parse(raw: &str) -> Result<Self, $crate::FieldError> {
                let trimmed = raw.trim();
                $crate::models::text::check_length($field, trimmed, $min, $max)?;
                $crate::models::text::check_printable($field, trimmed, false)?;
                Ok(Self(trimmed.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

/// Declares a free-text value object bounded in length; kept as entered
/// (descriptions may be formatted with leading spaces or line breaks).
macro_rules! bounded_description {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name(String);

        impl $name {
            pub const FIELD: &'static str = $field;
            pub const MAX_CHARS: usize = $max;

            /// Checks `raw` holds at most
            #[doc = concat!(stringify!($max), " characters.")]
            ///
            /// # Errors
            /// A [`FieldError`](crate::FieldError) naming the field and the rule.
            pub fn parse(raw: &str) -> Result<Self, $crate::FieldError> {
                $crate::models::text::check_length($field, raw, 0, $max)?;
                $crate::models::text::check_printable($field, raw, true)?;
                Ok(Self(raw.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_inner(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

pub(crate) use {bounded_description, bounded_name};
