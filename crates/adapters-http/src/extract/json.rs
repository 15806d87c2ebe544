//! JSON request bodies, read so that a 422 names every offending field.
//!
//! A body type declares its fields as [`Field`]s (any JSON value, or
//! absent) and derives `Deserialize` (with `deny_unknown_fields`, which
//! also tells the OpenAPI document that unknown fields are refused) and
//! `ToSchema`. [`ApiJson`] reads the bytes: a syntax error is a 400; a body
//! that is not an object, and each field the type does not know, is
//! recorded. The type's [`Body::parse`] then reads each field through
//! [`Fields`], which records, under the field's name as the client spelled
//! it (`rooms[1].area_m2`), a missing field, `null` where none is allowed,
//! a value of the wrong JSON type or a broken rule, and builds the command
//! only when nothing was recorded.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use chrono::NaiveDate;
use realty_app::Parsed;
use realty_domain::{BirthDate, FieldError, FieldErrors, ValueError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use crate::error::ApiError;

/// A field of a request body: the JSON value as sent, or `None` when absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Field(Option<Value>);

impl<'de> Deserialize<'de> for Field {
    /// Never fails: the value is kept whatever its type, so that its errors
    /// are reported with every other field's, by the body's parse.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Value::deserialize(deserializer).map(|value| Self(Some(value)))
    }
}

/// A request body that parses itself into a command.
pub trait Body: DeserializeOwned {
    type Command;

    /// The command, or `None` when a field broke a rule (then recorded in
    /// `fields`).
    fn parse(self, fields: &mut Fields<'_>) -> Option<Self::Command>;
}

/// A JSON body of type `T` ([`Body`]). Another media type is a 415, a body
/// over the limit a 413, malformed JSON a 400; everything else is reported
/// by [`ApiJson::parse`], after the checks the contract puts first.
#[derive(Debug)]
pub struct ApiJson<T> {
    body: Option<T>,
    errors: FieldErrors,
}

impl<T: Body> ApiJson<T> {
    /// The command the body stands for, or every rule it breaks.
    pub fn parse(self) -> Parsed<T::Command> {
        self.parse_on(chrono::Utc::now().date_naive())
    }

    /// As [`ApiJson::parse`], with dates checked against `today` (a birth
    /// date may not be later), from the use cases' clock.
    pub fn parse_on(self, today: NaiveDate) -> Parsed<T::Command> {
        let Self { body, mut errors } = self;
        let command = body.and_then(|body| body.parse(&mut Fields::new(&mut errors, String::new(), today)));
        match command {
            Some(command) => errors.finish(command),
            None => Err(non_empty(errors)),
        }
    }

    /// The command, or a 422 at once: for creations, where nothing is
    /// checked before the content.
    ///
    /// # Errors
    /// [`ApiError::Invalid`] naming every field that breaks a rule.
    pub fn command(self) -> Result<T::Command, ApiError> {
        self.parse().map_err(ApiError::Invalid)
    }

    /// As [`ApiJson::command`], with dates checked against `today`.
    ///
    /// # Errors
    /// As [`ApiJson::command`].
    pub fn command_on(self, today: NaiveDate) -> Result<T::Command, ApiError> {
        self.parse_on(today).map_err(ApiError::Invalid)
    }

    /// Reads a body from bytes; public so that the fuzz target exercises
    /// exactly what requests go through.
    ///
    /// # Errors
    /// A 400 for malformed JSON.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ApiError> {
        let bytes = scrub_lone_surrogates(bytes);
        let value: Value = serde_json::from_slice(&bytes)
            .map_err(|error| ApiError::BadRequest(format!("malformed JSON: {}", strip_position(&error))))?;
        let mut errors = FieldErrors::default();
        let body = object::<T>(value, "", &mut errors);
        Ok(Self { body, errors })
    }
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: Body,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(body_rejection)?;
        Self::from_bytes(&bytes)
    }
}

/// Reads `value` as an object of type `T`, recording a non-object and every
/// unknown field under `prefix`. `None` when it is not an object.
fn object<T: DeserializeOwned>(value: Value, prefix: &str, errors: &mut FieldErrors) -> Option<T> {
    let Value::Object(mut map) = value else {
        errors.push(FieldError::new(prefix.trim_end_matches('.'), "must be a JSON object"));
        return None;
    };
    let known = serde_aux::serde_introspection::serde_introspect::<T>();
    let unknown: Vec<String> = map.keys().filter(|key| !known.contains(&key.as_str())).cloned().collect();
    for key in unknown {
        map.remove(&key);
        errors.push(FieldError::new(format!("{prefix}{key}"), "is not a field of this request"));
    }
    // Every field is a `Field`, which accepts any value, and the unknown
    // ones are gone: nothing is left to fail.
    match T::deserialize(Value::Object(map)) {
        Ok(body) => Some(body),
        Err(error) => {
            errors.push(FieldError::new(prefix.trim_end_matches('.'), strip_position(&error)));
            None
        }
    }
}

/// Reads the fields of one body (or of one object nested in it, under a
/// prefix such as `rooms[1].`), recording each broken rule.
#[derive(Debug)]
pub struct Fields<'e> {
    errors: &'e mut FieldErrors,
    prefix: String,
    today: NaiveDate,
}

/// How a field may be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Required,
    /// May be absent, not `null`.
    Optional,
    /// May be absent or `null` (which clears it).
    Nullable,
}

impl<'e> Fields<'e> {
    fn new(errors: &'e mut FieldErrors, prefix: String, today: NaiveDate) -> Self {
        Self { errors, prefix, today }
    }

    fn record(&mut self, name: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(format!("{}{name}", self.prefix), message));
    }

    /// A required text field, parsed by `parse`.
    pub fn text<V>(
        &mut self,
        name: &str,
        field: Field,
        parse: impl FnOnce(&str) -> Result<V, ValueError>,
    ) -> Option<V> {
        self.read(name, field, Presence::Required, |value| decode_text(value, parse)).flatten()
    }

    /// A text field that may be absent (`None`), not `null`.
    pub fn optional_text<V>(
        &mut self,
        name: &str,
        field: Field,
        parse: impl FnOnce(&str) -> Result<V, ValueError>,
    ) -> Option<V> {
        self.read(name, field, Presence::Optional, |value| decode_text(value, parse)).flatten()
    }

    /// A text field that may be absent (`None`) or `null` (`Some(None)`).
    pub fn nullable_text<V>(
        &mut self,
        name: &str,
        field: Field,
        parse: impl FnOnce(&str) -> Result<V, ValueError>,
    ) -> Option<Option<V>> {
        self.read(name, field, Presence::Nullable, |value| decode_text(value, parse))
    }

    /// A required number, parsed by `parse`.
    pub fn number<V>(
        &mut self,
        name: &str,
        field: Field,
        parse: impl FnOnce(f64) -> Result<V, ValueError>,
    ) -> Option<V> {
        self.read(name, field, Presence::Required, |value| decode_number(value, parse)).flatten()
    }

    /// A number that may be absent, not `null`.
    pub fn optional_number<V>(
        &mut self,
        name: &str,
        field: Field,
        parse: impl FnOnce(f64) -> Result<V, ValueError>,
    ) -> Option<V> {
        self.read(name, field, Presence::Optional, |value| decode_number(value, parse)).flatten()
    }

    /// An integer that may be absent or `null`. JSON has one number type:
    /// `97.0` is the integer 97 (as JSON Schema reads it), `97.5` is not.
    pub fn nullable_integer<V>(
        &mut self,
        name: &str,
        field: Field,
        parse: impl FnOnce(i64) -> Result<V, ValueError>,
    ) -> Option<Option<V>> {
        self.read(name, field, Presence::Nullable, |value| decode_integer(value, parse))
    }

    /// A birth date (`YYYY-MM-DD`, from 1900-01-01 to today) that may be
    /// absent or `null`.
    pub fn nullable_birth_date(&mut self, name: &str, field: Field) -> Option<Option<BirthDate>> {
        let today = self.today;
        self.read(name, field, Presence::Nullable, |value| {
            BirthDate::parse(decode_date(value)?, today).map_err(|error| error.to_string())
        })
    }

    /// A list of objects that may be absent (`Some(empty)`), of at most
    /// `max` items, each read as a `T` under `name[i].` and parsed by
    /// `parse`. Items past `max` are not read: a body holds bounded work.
    pub fn list<T, V>(
        &mut self,
        name: &str,
        field: Field,
        max: usize,
        parse: impl Fn(T, &mut Fields<'_>) -> Option<V>,
    ) -> Option<Vec<V>>
    where
        T: DeserializeOwned,
    {
        let Some(value) = field.0 else { return Some(Vec::new()) };
        let Value::Array(items) = value else {
            self.record(name, if value.is_null() { "must not be null" } else { "must be an array" });
            return None;
        };
        if items.len() > max {
            self.record(name, format!("must hold at most {max} items"));
            return None;
        }
        let mut parsed = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let prefix = format!("{}{name}[{index}].", self.prefix);
            let body = object::<T>(item, &prefix, self.errors);
            let today = self.today;
            if let Some(value) =
                body.and_then(|body| parse(body, &mut Fields::new(self.errors, prefix, today)))
            {
                parsed.push(value);
            }
        }
        Some(parsed)
    }

    /// The common path of every reader: presence first, then the value.
    /// `None` when the field is absent (for optional fields) or an error was
    /// recorded; `Some(None)` for `null` (nullable fields only).
    fn read<V>(
        &mut self,
        name: &str,
        field: Field,
        presence: Presence,
        decode: impl FnOnce(Value) -> Result<V, String>,
    ) -> Option<Option<V>> {
        match (field.0, presence) {
            (None, Presence::Required) => {
                self.record(name, "is required");
                None
            }
            (None, _) => None,
            (Some(Value::Null), Presence::Nullable) => Some(None),
            (Some(Value::Null), _) => {
                self.record(name, "must not be null");
                None
            }
            (Some(value), _) => match decode(value) {
                Ok(value) => Some(Some(value)),
                Err(message) => {
                    self.record(name, message);
                    None
                }
            },
        }
    }
}

fn decode_text<V>(value: Value, parse: impl FnOnce(&str) -> Result<V, ValueError>) -> Result<V, String> {
    match value {
        Value::String(text) => parse(&text).map_err(|error| error.to_string()),
        _ => Err("must be a string".to_owned()),
    }
}

fn decode_number<V>(value: Value, parse: impl FnOnce(f64) -> Result<V, ValueError>) -> Result<V, String> {
    match value.as_f64() {
        Some(number) => parse(number).map_err(|error| error.to_string()),
        None => Err("must be a number".to_owned()),
    }
}

fn decode_integer<V>(value: Value, parse: impl FnOnce(i64) -> Result<V, ValueError>) -> Result<V, String> {
    let integer = match &value {
        Value::Number(number) => number.as_i64().or_else(|| {
            // 97.0: an integer written with a fraction. The bound keeps the
            // cast exact (every whole f64 below 2^53 is an i64).
            number
                .as_f64()
                .filter(|n| n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0)
                .map(|n| n as i64)
        }),
        _ => None,
    };
    match integer {
        Some(integer) => parse(integer).map_err(|error| error.to_string()),
        None => Err("must be an integer".to_owned()),
    }
}

fn decode_date(value: Value) -> Result<NaiveDate, String> {
    let invalid = || "must be a date in the form YYYY-MM-DD".to_owned();
    let Value::String(text) = value else { return Err(invalid()) };
    // Exactly YYYY-MM-DD: chrono alone would accept "1990-1-5".
    let well_formed = text.len() == 10 && text.as_bytes()[4] == b'-' && text.as_bytes()[7] == b'-';
    if !well_formed {
        return Err(invalid());
    }
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|_| invalid())
}

/// A `FieldErrors` that cannot be empty when parsing gave no command.
fn non_empty(errors: FieldErrors) -> Vec<FieldError> {
    let errors = errors.into_vec();
    if errors.is_empty() {
        // A parse that returns `None` records why; this is a safety net.
        vec![FieldError::new("", "is not a valid request")]
    } else {
        errors
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// The problem for a body that could not be read: 413 past the limit.
pub(crate) fn body_rejection(rejection: BytesRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadRequest(format!("the request body could not be read: {rejection}"))
    }
}

/// serde_json appends " at line 1 column 42"; the field name says more.
fn strip_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message,
    }
}

/// Replaces each `\uD800`–`\uDFFF` escape that is not half of a surrogate
/// pair with `\u0000`. A lone surrogate cannot be a Rust string (nor stored
/// by PostgreSQL), and serde_json refuses it as a syntax error; as NUL it
/// reaches the field's own rule instead, which refuses control characters,
/// so the client learns which field holds text that cannot be stored.
/// Escapes are found by walking the JSON string literals only; the
/// replacement keeps the length, so nothing else moves.
pub fn scrub_lone_surrogates(bytes: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    let mut out: Option<Vec<u8>> = None;
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match (in_string, bytes[i]) {
            (false, b'"') => in_string = true,
            (true, b'"') => in_string = false,
            (true, b'\\') => {
                if bytes.get(i + 1) == Some(&b'u')
                    && let Some(unit) = hex4(bytes, i + 2)
                {
                    let high = (0xD800..0xDC00).contains(&unit);
                    let low = (0xDC00..0xE000).contains(&unit);
                    let paired = high
                        && bytes.get(i + 6) == Some(&b'\\')
                        && bytes.get(i + 7) == Some(&b'u')
                        && hex4(bytes, i + 8).is_some_and(|next| (0xDC00..0xE000).contains(&next));
                    if paired {
                        i += 12;
                        continue;
                    }
                    if high || low {
                        let out = out.get_or_insert_with(|| bytes.to_vec());
                        out[i + 2..i + 6].copy_from_slice(b"0000");
                    }
                    i += 6;
                    continue;
                }
                // Any other escape: skip the escaped byte (it may be a quote).
                i += 2;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    match out {
        Some(scrubbed) => std::borrow::Cow::Owned(scrubbed),
        None => std::borrow::Cow::Borrowed(bytes),
    }
}

fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

/// Reads a JSON object from `map`, for tests and fuzzing of [`Body`] types.
#[doc(hidden)]
pub fn parse_value<T: Body>(map: Map<String, Value>) -> Parsed<T::Command> {
    let mut errors = FieldErrors::default();
    let body = object::<T>(Value::Object(map), "", &mut errors);
    ApiJson { body, errors }.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_surrogate_becomes_nul_and_a_pair_stays() {
        let cases = [
            (r#"{"a":"x\ud800y"}"#, r#"{"a":"x\u0000y"}"#),
            (r#"{"a":"\udc00"}"#, r#"{"a":"\u0000"}"#),
            (r#"{"a":"\ud83d\ude00"}"#, r#"{"a":"\ud83d\ude00"}"#),
            (r#"{"a":"\ud83d\u0041"}"#, r#"{"a":"\u0000\u0041"}"#),
            (r#"{"a":"\\ud800"}"#, r#"{"a":"\\ud800"}"#),
            (r#"{"\ud800":1}"#, r#"{"\u0000":1}"#),
        ];
        for (raw, scrubbed) in cases {
            assert_eq!(
                std::str::from_utf8(&scrub_lone_surrogates(raw.as_bytes())).ok(),
                Some(scrubbed),
                "{raw}"
            );
        }
    }

    #[test]
    fn an_integer_written_with_a_zero_fraction_is_an_integer() {
        assert_eq!(decode_integer(serde_json::json!(97.0), Ok), Ok(97));
        assert!(decode_integer(serde_json::json!(97.5), Ok).is_err());
        assert!(decode_integer(serde_json::json!("97"), Ok).is_err());
    }

    #[test]
    fn a_date_must_be_written_in_full() {
        assert!(decode_date(serde_json::json!("1990-12-31")).is_ok());
        for raw in ["1990-1-5", "1990-02-30", "31/12/1990", "1990-12-31T00:00:00Z"] {
            assert!(decode_date(serde_json::json!(raw)).is_err(), "{raw}");
        }
    }
}
