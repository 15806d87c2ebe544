//! Query strings, read strictly: a parameter the route does not know is a
//! 400 naming it (like an unknown body field is a 422), values are
//! percent-decoded as UTF-8 (anything else is a 400, not a silent U+FFFD),
//! and no value may hold control characters (NUL above all: a database
//! cannot store it, and no filter needs it).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use percent_encoding::percent_decode;
use realty_domain::FieldError;

use crate::error::ApiError;

/// The query parameters of a route that knows the names `S::NAMES`.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

/// The parameters a route accepts.
pub trait QueryParams {
    const NAMES: &'static [&'static str];
}

/// A route that takes no query parameter.
#[derive(Debug)]
pub struct NoParams;

impl QueryParams for NoParams {
    const NAMES: &'static [&'static str] = &[];
}

impl Query {
    /// Parses `raw` (the part after `?`), accepting only `known` names.
    ///
    /// # Errors
    /// [`ApiError::InvalidQuery`] naming each unknown parameter and each
    /// value that is not UTF-8 or holds a control character.
    pub fn parse(raw: Option<&str>, known: &[&str]) -> Result<Self, ApiError> {
        let mut pairs = Vec::new();
        let mut errors = Vec::new();
        for part in raw.unwrap_or_default().split('&').filter(|part| !part.is_empty()) {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            let Some(name) = decode(name) else {
                errors.push(FieldError::new(lossy(name), "is not valid UTF-8"));
                continue;
            };
            if !known.contains(&name.as_str()) {
                errors.push(FieldError::new(name, "is not a parameter of this route"));
                continue;
            }
            match decode(value) {
                None => errors.push(FieldError::new(name, "must be valid UTF-8")),
                Some(value) if value.chars().any(char::is_control) => {
                    errors.push(FieldError::new(name, "must not contain control characters"));
                }
                Some(value) => pairs.push((name, value)),
            }
        }
        if errors.is_empty() { Ok(Self { pairs }) } else { Err(ApiError::InvalidQuery(errors)) }
    }

    /// Every value of a repeatable parameter, in order.
    pub fn all<'q>(&'q self, name: &'q str) -> impl Iterator<Item = &'q str> {
        self.pairs.iter().filter(move |(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// The value of a parameter given at most once.
    ///
    /// # Errors
    /// When given more than once.
    pub fn one(&self, name: &str) -> Result<Option<&str>, FieldError> {
        let mut values = self.pairs.iter().filter(|(key, _)| key == name).map(|(_, value)| value.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(FieldError::new(name, "must be given at most once"));
        }
        Ok(first)
    }

    /// The parameters in the order given, for building the next page's link.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }
}

/// The query of a request, checked against `P::NAMES`.
#[derive(Debug)]
pub struct ApiQuery<P>(pub Query, pub std::marker::PhantomData<P>);

impl<S: Send + Sync, P: QueryParams> FromRequestParts<S> for ApiQuery<P> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Query::parse(parts.uri.query(), P::NAMES).map(|query| Self(query, std::marker::PhantomData))
    }
}

/// `application/x-www-form-urlencoded` decoding: `+` is a space.
fn decode(raw: &str) -> Option<String> {
    let spaced = raw.replace('+', " ");
    percent_decode(spaced.as_bytes()).decode_utf8().ok().map(std::borrow::Cow::into_owned)
}

fn lossy(raw: &str) -> String {
    percent_decode(raw.as_bytes()).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(error: ApiError) -> Vec<(String, String)> {
        match error {
            ApiError::InvalidQuery(errors) => errors.into_iter().map(|e| (e.field, e.message)).collect(),
            other => panic!("expected InvalidQuery, got {other:?}"),
        }
    }

    #[test]
    fn repeated_parameters_keep_their_order_and_pluses_are_spaces() {
        let query = Query::parse(Some("city=Lyon&city=Saint+%C3%89tienne&limit=5"), &["city", "limit"])
            .expect("valid");
        assert_eq!(query.all("city").collect::<Vec<_>>(), ["Lyon", "Saint Étienne"]);
        assert_eq!(query.one("limit"), Ok(Some("5")));
        assert!(query.one("city").is_err(), "city is given twice");
    }

    #[test]
    fn unknown_names_invalid_utf8_and_nul_are_named() {
        let error = Query::parse(Some("sort=x&q=%ED%A0%80&city=%00&limit=2"), &["q", "city", "limit"])
            .expect_err("invalid");
        let names: Vec<String> = fields(error).into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["sort", "q", "city"]);
    }

    #[test]
    fn an_empty_query_has_no_parameters() {
        for raw in [None, Some(""), Some("&&")] {
            assert_eq!(Query::parse(raw, &[]).expect("empty").pairs().count(), 0);
        }
    }
}
