//! The rules of the request values as the OpenAPI document states them,
//! written from the domain's own constants and per-character predicates, so
//! that a client validating against `/openapi.json` accepts what the service
//! accepts and refuses what it refuses, and the two cannot drift apart.
//!
//! Lengths of trimmed text (names, cities, emails) are counted by the
//! patterns, which measure the text between the white space the service
//! trims, not by `maxLength`, which would count that white space too.
//! Patterns are ECMA-262 regular expressions read over code points (the `u`
//! flag), as JSON Schema validators read them: characters outside the Basic
//! Multilingual Plane are written as themselves, the others as `\uXXXX`.

use std::fmt::Write as _;
use std::sync::OnceLock;

use realty_domain::{
    City, Email, Floor, Password, PersonName, PropertyName, RoomDescription, RoomName, SearchWord, TypeName,
    TypeSlug, refused_in_free_text, refused_in_one_line,
};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AllOfBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};

/// The inside of a character class holding exactly the characters `holds`
/// is true of, as ranges of code points (never across the surrogates, which
/// no text holds).
fn class(holds: impl Fn(char) -> bool) -> String {
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for c in '\0'..=char::MAX {
        if !holds(c) {
            continue;
        }
        let code = u32::from(c);
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == code => *end = code,
            _ => ranges.push((code, code)),
        }
    }
    let mut out = String::new();
    for (start, end) in ranges {
        push_code(&mut out, start);
        if end > start {
            if end > start + 1 {
                out.push('-');
            }
            push_code(&mut out, end);
        }
    }
    out
}

fn push_code(out: &mut String, code: u32) {
    match char::from_u32(code) {
        Some(c) if code > 0xFFFF => out.push(c),
        _ => {
            let _ = write!(out, "\\u{code:04X}");
        }
    }
}

/// The character classes the patterns are made of, computed once.
struct Classes {
    /// What `str::trim` removes: Unicode white space.
    space: String,
    /// What one-line text refuses: control and format characters.
    one_line: String,
    /// What free text refuses: control characters but line breaks and tabs.
    free_text: String,
    /// A whole class (brackets included) of the characters that give a city
    /// its key or a search its word: they fold to a letter or digit.
    key: String,
}

fn classes() -> &'static Classes {
    static CLASSES: OnceLock<Classes> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let gives = |c: char| !c.is_whitespace() && !refused_in_one_line(c) && City::gives_a_key(c);
        // Listed rather than complemented, though longer: generators draw
        // from a list of ranges far faster than from a complement.
        let key = format!("[{}]", class(gives));
        Classes {
            space: class(char::is_whitespace),
            one_line: class(refused_in_one_line),
            free_text: class(refused_in_free_text),
            key,
        }
    })
}

/// One-line text of `min..=max` characters once trimmed: white space the
/// service trims, then a core that starts and ends with neither white space
/// nor a refused character and holds no refused character, then white space.
pub fn trimmed_pattern(max: usize) -> String {
    let Classes { space, one_line, .. } = classes();
    let inner = max.saturating_sub(2);
    format!("^[{space}]*[^{space}{one_line}](?:[^{one_line}]{{0,{inner}}}[^{space}{one_line}])?[{space}]*$")
}

fn string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String)
}

fn nullable_string() -> ObjectBuilder {
    ObjectBuilder::new().schema_type(SchemaType::from_iter([Type::String, Type::Null]))
}

/// A trimmed one-line name of `min..=max` characters.
fn name(max: usize, description: &str) -> ObjectBuilder {
    string()
        .description(Some(format!(
            "{description}: 1 to {max} characters once trimmed (leading and trailing white space \
             is removed), none of them a control or format character; not blank."
        )))
        .min_length(Some(1))
        .pattern(Some(trimmed_pattern(max)))
}

pub fn person_name() -> Schema {
    debug_assert_eq!(PersonName::MIN_CHARS, 1);
    name(PersonName::MAX_CHARS, "A first or last name").into()
}

pub fn property_name() -> Schema {
    debug_assert_eq!(PropertyName::MIN_CHARS, 1);
    name(PropertyName::MAX_CHARS, "The property's title").into()
}

pub fn room_name() -> Schema {
    debug_assert_eq!(RoomName::MIN_CHARS, 1);
    name(RoomName::MAX_CHARS, "The room's label").into()
}

pub fn type_name() -> Schema {
    debug_assert_eq!(TypeName::MIN_CHARS, 1);
    name(TypeName::MAX_CHARS, "The type's display name").into()
}

pub fn type_slug() -> Schema {
    slug().into()
}

fn slug() -> ObjectBuilder {
    string()
        .description(Some(format!(
            "A property type's slug: 1 to {} lower-case letters a-z, digits and hyphens.",
            TypeSlug::MAX_CHARS
        )))
        .min_length(Some(1))
        .max_length(Some(TypeSlug::MAX_CHARS))
        .pattern(Some(format!("^[a-z0-9-]{{1,{}}}$", TypeSlug::MAX_CHARS)))
}

/// A city: a trimmed name with a character that folds to a letter or digit.
pub fn city() -> Schema {
    AllOfBuilder::new()
        .description(Some(format!(
            "A city: 1 to {} characters once trimmed, none of them a control or format character, \
             one of them a letter or digit (of any script).",
            City::MAX_CHARS
        )))
        .item(string().min_length(Some(1)).pattern(Some(trimmed_pattern(City::MAX_CHARS))))
        .item(string().pattern(Some(classes().key.clone())))
        .into()
}

/// Free text of at most `max` characters as sent.
fn free_text(max: usize, nullable: bool, description: &str) -> ObjectBuilder {
    let base = if nullable { nullable_string() } else { string() };
    base.description(Some(format!(
        "{description}: at most {max} characters, kept as sent; line breaks and tabs are allowed, \
         other control characters are not."
    )))
    .max_length(Some(max))
    .pattern(Some(format!("^[^{}]*$", classes().free_text)))
}

pub fn property_description() -> Schema {
    free_text(realty_domain::Description::MAX_CHARS, false, "The description").into()
}

pub fn room_description() -> Schema {
    free_text(RoomDescription::MAX_CHARS, true, "The room's description; `null` clears it").into()
}

/// The email of a sign-up: a loose address (one `@`, a dotted domain, no
/// white space, a local part of at most 64 characters), compared
/// case-insensitively.
pub fn email() -> Schema {
    let Classes { space, one_line, .. } = classes();
    let shape = format!(
        "^[{space}]*[^@{space}{one_line}]{{1,{local}}}@[^@.{space}{one_line}]+(?:\\.[^@.{space}{one_line}]+)+[{space}]*$",
        local = Email::MAX_LOCAL_CHARS
    );
    AllOfBuilder::new()
        .description(Some(format!(
            "An address like name@example.com, compared case-insensitively: at most {} characters \
             once trimmed, one `@`, a local part of 1 to {} characters, a domain of dot-separated \
             labels, no white space, control or format character. Only its shape is checked.",
            Email::MAX_CHARS,
            Email::MAX_LOCAL_CHARS
        )))
        .item(string().min_length(Some(1)).pattern(Some(trimmed_pattern(Email::MAX_CHARS))))
        .item(string().pattern(Some(shape)))
        .examples(["ada@example.com"])
        .into()
}

/// The email of a login: any text an address could be (an unknown one gets
/// the 401 of bad credentials).
pub fn login_email() -> Schema {
    string()
        .description(Some(format!(
            "1 to {} characters once trimmed, none of them a control or format character.",
            Email::MAX_CHARS
        )))
        .min_length(Some(1))
        .pattern(Some(trimmed_pattern(Email::MAX_CHARS)))
        .examples(["ada@example.com"])
        .into()
}

fn no_nul(builder: ObjectBuilder) -> ObjectBuilder {
    builder.pattern(Some("^[^\\u0000]*$"))
}

/// A new password.
pub fn new_password() -> Schema {
    no_nul(string())
        .description(Some(format!(
            "{} to {} characters, kept exactly as typed (spaces included); no NUL.",
            Password::MIN_CHARS,
            Password::MAX_CHARS
        )))
        .min_length(Some(Password::MIN_CHARS))
        .max_length(Some(Password::MAX_CHARS))
        .examples(["correct horse battery"])
        .into()
}

/// A password as presented (login, current password).
pub fn presented_password() -> Schema {
    no_nul(string())
        .description(Some(format!("At most {} characters; no NUL.", Password::MAX_CHARS)))
        .max_length(Some(Password::MAX_CHARS))
        .examples(["correct horse battery"])
        .into()
}

/// A birth date, or `null`.
pub fn birth_date() -> Schema {
    nullable_string()
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
        .description(Some(
            "A date `YYYY-MM-DD` from 1900-01-01 to today (the service's clock, UTC); `null`: none. \
             The pattern states the lower bound; a later date than today is a 422 naming the field.",
        ))
        .pattern(Some("^(?:19[0-9]{2}|[2-9][0-9]{3})-[0-9]{2}-[0-9]{2}$"))
        .examples(["1990-12-10"])
        .into()
}

/// A storey, or `null`.
pub fn floor() -> Schema {
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Integer, Type::Null]))
        .description(Some(format!(
            "A storey, {} to {}; an integer (`3.0` reads as 3); `null`: unknown.",
            Floor::MIN,
            Floor::MAX
        )))
        .minimum(Some(Floor::MIN))
        .maximum(Some(Floor::MAX))
        .into()
}

/// A search (`q`): text with a word, no control or format character.
pub fn search_text() -> Schema {
    let Classes { one_line, key, .. } = classes();
    string()
        .description(Some(format!(
            "1 to {} words (runs of letters and digits, of any script, compared folded) of at most \
             {} characters each, with no control or format character.",
            SearchWord::MAX_WORDS,
            realty_domain::fold::MAX_WORD_CHARS
        )))
        .pattern(Some(format!("^[^{one_line}]*{key}[^{one_line}]*$")))
        .into()
}

/// A `city` filter: text with a letter or digit, no control or format
/// character.
pub fn city_filter() -> Schema {
    let Classes { one_line, key, .. } = classes();
    string()
        .description(Some(format!(
            "A city, with a letter or digit and no control or format character; one longer than \
             {} characters both as sent and folded is refused.",
            City::MAX_CHARS
        )))
        .pattern(Some(format!("^[^{one_line}]*{key}[^{one_line}]*$")))
        .into()
}

/// The rooms given with a new property: at most as many as a property may
/// have, each a `RoomBody`.
pub fn inline_rooms() -> Schema {
    let max = realty_app::MAX_ROOMS_PER_PROPERTY;
    utoipa::openapi::schema::ArrayBuilder::new()
        .description(Some(format!("The first rooms, at most {max}; absent: none.")))
        .items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("RoomBody")))
        .max_items(Some(max))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_lists_ranges_and_single_characters() {
        assert_eq!(class(|c| matches!(c, 'a'..='c' | 'x' | 'y')), "\\u0061-\\u0063\\u0078\\u0079");
        assert_eq!(class(|c| c == '🏠'), "🏠");
    }
}
