//! Bounded text: the rules shared by every name, city and description.

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::ValueError;

/// Checks the length of `value` in characters (not bytes: "Île" is three).
pub(crate) fn check_length(value: &str, min: usize, max: usize) -> Result<(), ValueError> {
    let length = value.chars().count();
    if length < min {
        return Err(if min == 1 { ValueError::Blank } else { ValueError::TooShort(min) });
    }
    if length > max {
        return Err(ValueError::TooLong(max));
    }
    Ok(())
}

/// `raw` trimmed (`str::trim`), without a copy when there is nothing to trim.
pub(crate) fn into_trimmed(raw: String) -> String {
    if raw.trim().len() == raw.len() { raw } else { raw.trim().to_owned() }
}

/// Rejects what has no place in a one-line identity (a name, a city, an
/// email): control characters, which make logs and UIs misbehave, and
/// invisible format characters (U+200B zero-width space, U+FEFF byte-order
/// mark, U+202E right-to-left override…), which let "admin" and
/// "ad\u{200B}min" look the same.
pub(crate) fn check_single_line(value: &str) -> Result<(), ValueError> {
    if value.is_ascii() {
        // ASCII has no format character, and its control characters are
        // the bytes below 0x20 and 0x7F. Stored text is checked again on
        // every read (a list of 20 properties checks about 150 texts), so
        // this is one pass the compiler vectorizes: no early exit.
        let refused = value.bytes().fold(false, |refused, byte| refused | byte.is_ascii_control());
        return if refused { Err(ValueError::ControlCharacter) } else { Ok(()) };
    }
    for c in value.chars() {
        if c.is_control() {
            return Err(ValueError::ControlCharacter);
        }
        if is_format(c) {
            return Err(ValueError::FormatCharacter);
        }
    }
    Ok(())
}

/// Whether one-line text (a name, a city, an email, a search) refuses `c`:
/// the rule of [`check_single_line`], one character at a time, from which
/// the HTTP adapter writes the document's patterns.
pub fn refused_in_one_line(c: char) -> bool {
    c.is_control() || is_format(c)
}

/// Free text may hold line breaks and tabs, and format characters (emoji
/// sequences are joined by U+200D), but no other control character.
pub(crate) fn check_multiline(value: &str) -> Result<(), ValueError> {
    if value.is_ascii() {
        // As in `check_single_line`: one vectorized pass for ASCII text.
        let refused = value.bytes().fold(false, |refused, byte| {
            refused | (byte.is_ascii_control() && !matches!(byte, b'\n' | b'\r' | b'\t'))
        });
        return if refused { Err(ValueError::ControlCharacter) } else { Ok(()) };
    }
    if value.chars().any(refused_in_free_text) {
        return Err(ValueError::ControlCharacter);
    }
    Ok(())
}

/// Whether free text (a description) refuses `c`: the rule of
/// [`check_multiline`], one character at a time.
pub fn refused_in_free_text(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\r' | '\t')
}

/// Unicode general category Cf. ASCII has none, so most text skips the
/// table lookup.
fn is_format(c: char) -> bool {
    !c.is_ascii() && c.general_category() == GeneralCategory::Format
}

/// Declares a trimmed, length-bounded, single-line text value object.
macro_rules! bounded_name {
    ($(#[$doc:meta])* $name:ident, $min:literal..=$max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Counted once trimmed (`str::trim`: Unicode white space).
            pub const MIN_CHARS: usize = $min;
            /// Counted once trimmed.
            pub const MAX_CHARS: usize = $max;

            /// Trims `raw` and checks it holds
            #[doc = concat!(stringify!($min), " to ", stringify!($max), " characters,")]
            /// none of them a control or format character.
            ///
            /// # Errors
            /// The rule broken.
            pub fn parse(raw: &str) -> Result<Self, $crate::ValueError> {
                let trimmed = raw.trim();
                Self::check(trimmed)?;
                Ok(Self(trimmed.to_owned()))
            }

            /// [`Self::parse`] of a string the caller owns, such as a value
            /// read back from storage: kept without a copy when it needs no
            /// trimming (every stored one).
            ///
            /// # Errors
            /// The rule broken.
            pub fn parse_owned(raw: String) -> Result<Self, $crate::ValueError> {
                Self::check(raw.trim())?;
                Ok(Self($crate::models::text::into_trimmed(raw)))
            }

            fn check(trimmed: &str) -> Result<(), $crate::ValueError> {
                $crate::models::text::check_length(trimmed, $min, $max)?;
                $crate::models::text::check_single_line(trimmed)
            }
        }

        $crate::models::text::text_accessors!($name);

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
    ($(#[$doc:meta])* $name:ident, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            /// Checks `raw` holds at most
            #[doc = concat!(stringify!($max), " characters")]
            /// and no control character but line breaks and tabs.
            ///
            /// # Errors
            /// The rule broken.
            pub fn parse(raw: &str) -> Result<Self, $crate::ValueError> {
                Self::check(raw)?;
                Ok(Self(raw.to_owned()))
            }

            /// [`Self::parse`] of a string the caller owns, such as a value
            /// read back from storage: kept without a copy.
            ///
            /// # Errors
            /// The rule broken.
            pub fn parse_owned(raw: String) -> Result<Self, $crate::ValueError> {
                Self::check(&raw)?;
                Ok(Self(raw))
            }

            fn check(raw: &str) -> Result<(), $crate::ValueError> {
                $crate::models::text::check_length(raw, 0, $max)?;
                $crate::models::text::check_multiline(raw)
            }
        }

        $crate::models::text::text_accessors!($name);
    };
}

/// `as_str`, `into_inner` and `Display` of a text value object.
macro_rules! text_accessors {
    ($name:ident) => {
        impl $name {
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

pub(crate) use {bounded_description, bounded_name, text_accessors};

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// The rule of `check_single_line` one character at a time, as it
    /// stands for any text.
    fn single_line_by_chars(value: &str) -> Result<(), ValueError> {
        match value.chars().find(|&c| refused_in_one_line(c)) {
            Some(c) if c.is_control() => Err(ValueError::ControlCharacter),
            Some(_) => Err(ValueError::FormatCharacter),
            None => Ok(()),
        }
    }

    proptest! {
        /// The ASCII pass answers as the character rule, on text mostly of
        /// ASCII with its control characters, and on any text.
        #[test]
        fn the_ascii_pass_answers_as_the_character_rule(
            ascii in "[\\x00-\\x7f]{0,40}",
            any in "\\PC{0,10}[\\x00-\\x1f\\x7f\\u{85}\\u{200d}]?\\PC{0,10}",
        ) {
            for value in [ascii.as_str(), any.as_str()] {
                prop_assert_eq!(check_single_line(value), single_line_by_chars(value), "{:?}", value);
                let free_text = if value.chars().any(refused_in_free_text) {
                    Err(ValueError::ControlCharacter)
                } else {
                    Ok(())
                };
                prop_assert_eq!(check_multiline(value), free_text, "{:?}", value);
            }
        }
    }
}
