//! The query parameters of the two searches, `GET /properties` and
//! `GET /users`: read from the strict [`Query`] into the domain's queries,
//! every malformed value a 400 naming its parameter.

use chrono::{DateTime, Utc};
use realty_domain::{
    CityKey, FieldError, FieldErrors, PropertyQuery, Role, RoomKind, RoomKinds, SearchWord, Sort, TypeSlug,
    UserId, UserQuery, ValueError,
};
use utoipa::IntoParams;

use super::rooms::RoomKindSchema;
use super::rules;
use crate::cursor::{self, Fingerprint};
use crate::error::ApiError;
use crate::extract::{Query, QueryParams};

/// The sorts as an OpenAPI string enum, listed from `Sort::NAMES`.
#[derive(Debug)]
pub struct SortSchema;

impl utoipa::PartialSchema for SortSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Sort::NAMES.iter().copied()))
            .default(Some(Sort::DEFAULT.as_str().into()))
            .into()
    }
}

impl utoipa::ToSchema for SortSchema {}

/// A `city` filter's value, as [`rules::city_filter`] states it.
#[derive(Debug)]
pub struct CityFilterSchema;

impl utoipa::PartialSchema for CityFilterSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        rules::city_filter().into()
    }
}

impl utoipa::ToSchema for CityFilterSchema {}

/// A `type` filter's value: a slug, as [`rules::type_slug`] states it.
#[derive(Debug)]
pub struct TypeSlugSchema;

impl utoipa::PartialSchema for TypeSlugSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        rules::type_slug().into()
    }
}

impl utoipa::ToSchema for TypeSlugSchema {}

/// The roles as an OpenAPI string enum, listed from `Role::NAMES`.
#[derive(Debug)]
pub struct RoleSchema;

impl utoipa::PartialSchema for RoleSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(Role::NAMES.iter().copied()))
            .into()
    }
}

impl utoipa::ToSchema for RoleSchema {}

/// Browse and search (documentation: the handler reads the parameters from
/// [`Query`]). Different filters combine with AND; repeated `city` and
/// `type` with OR; every `has` kind and every `q` word is required.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct PropertySearchParams {
    /// A city, compared case-, accent-, script- and separator-insensitively
    /// (`saint etienne` finds "Saint-Étienne", `lodz` finds "Łódź"). Repeat
    /// for any of several.
    #[param(value_type = Option<Vec<CityFilterSchema>>, inline, explode = true, style = Form)]
    city: Option<Vec<String>>,
    /// A property type slug; an unknown one matches nothing. Repeat for any
    /// of several.
    #[param(rename = "type", value_type = Option<Vec<TypeSlugSchema>>, inline, explode = true, style = Form)]
    property_type: Option<Vec<String>>,
    /// The owner's user id.
    #[param(minimum = 1)]
    owner_id: Option<i64>,
    /// At least this many rooms.
    #[param(minimum = 0, maximum = 2147483647)]
    min_rooms: Option<i64>,
    /// At most this many rooms; not below `min_rooms`.
    #[param(minimum = 0, maximum = 2147483647)]
    max_rooms: Option<i64>,
    /// At least this total area, in square metres.
    #[param(minimum = 0)]
    min_area: Option<f64>,
    /// At most this total area; not below `min_area`.
    #[param(minimum = 0)]
    max_area: Option<f64>,
    /// At least this many bedrooms.
    #[param(minimum = 0, maximum = 2147483647)]
    min_bedrooms: Option<i64>,
    /// A room kind the property must have; repeat to require several.
    #[param(value_type = Option<Vec<RoomKindSchema>>, explode = true, style = Form)]
    has: Option<Vec<String>>,
    /// 1 to 10 words of at most 50 characters; each must start a word of the
    /// name or the description (case, accents and punctuation ignored).
    #[param(schema_with = rules::search_text, example = "sunny park")]
    q: Option<String>,
    /// Only properties changed at or after this instant (RFC 3339).
    updated_since: Option<DateTime<Utc>>,
    /// The order; ties are broken by id in the same direction.
    // Inline: the document has no component of this name to refer to.
    #[param(value_type = Option<SortSchema>, inline)]
    sort: Option<String>,
    /// 1 to 100, default 20.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page of the same query.
    cursor: Option<String>,
}

impl QueryParams for PropertySearchParams {
    const NAMES: &'static [&'static str] = &[
        "city",
        "type",
        "owner_id",
        "min_rooms",
        "max_rooms",
        "min_area",
        "max_area",
        "min_bedrooms",
        "has",
        "q",
        "updated_since",
        "sort",
        "limit",
        "cursor",
    ];
}

/// The admin directory's parameters (documentation, as above).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct UserSearchParams {
    /// Words (1 to 10) each starting a word of the email, first or last
    /// name (case and accents ignored).
    #[param(schema_with = rules::search_text, example = "ada")]
    q: Option<String>,
    /// Only accounts of this role.
    #[param(value_type = Option<RoleSchema>, inline)]
    role: Option<String>,
    /// 1 to 100, default 20.
    #[param(minimum = 1, maximum = 100, default = 20)]
    limit: Option<i64>,
    /// The `next_cursor` of the previous page of the same query.
    cursor: Option<String>,
}

impl QueryParams for UserSearchParams {
    const NAMES: &'static [&'static str] = &["q", "role", "limit", "cursor"];
}

/// `GET /properties`'s query, with the fingerprint its cursors carry.
///
/// # Errors
/// [`ApiError::InvalidQuery`] naming every malformed parameter.
pub fn property_query(query: &Query) -> Result<(PropertyQuery, Fingerprint), ApiError> {
    let mut errors = query.errors();
    let one = |errors: &mut FieldErrors, name: &str| match query.one(name) {
        Ok(value) => value,
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let mut search = PropertyQuery {
        cities: query
            .all("city")
            .filter_map(|raw| errors.check("city", CityKey::parse_filter(raw)))
            .collect(),
        types: query.all("type").filter_map(|raw| errors.check("type", TypeSlug::parse(raw))).collect(),
        has: query
            .all("has")
            .filter_map(|raw| errors.check("has", RoomKind::parse(raw)))
            .collect::<RoomKinds>(),
        ..PropertyQuery::default()
    };
    search.owner =
        one(&mut errors, "owner_id").and_then(|raw| errors.check("owner_id", positive(raw))).map(UserId);
    search.min_rooms = one(&mut errors, "min_rooms").and_then(|raw| errors.check("min_rooms", count(raw)));
    search.max_rooms = one(&mut errors, "max_rooms").and_then(|raw| errors.check("max_rooms", count(raw)));
    search.min_bedrooms =
        one(&mut errors, "min_bedrooms").and_then(|raw| errors.check("min_bedrooms", count(raw)));
    search.min_area = one(&mut errors, "min_area").and_then(|raw| errors.check("min_area", area(raw)));
    search.max_area = one(&mut errors, "max_area").and_then(|raw| errors.check("max_area", area(raw)));
    search.words = one(&mut errors, "q")
        .and_then(|raw| errors.check("q", SearchWord::parse_all(raw)))
        .unwrap_or_default();
    search.updated_since =
        one(&mut errors, "updated_since").and_then(|raw| errors.check("updated_since", instant(raw)));
    search.sort =
        one(&mut errors, "sort").and_then(|raw| errors.check("sort", Sort::parse(raw))).unwrap_or_default();
    search.limit = one(&mut errors, "limit")
        .map_or(Some(PropertyQuery::DEFAULT_LIMIT), |raw| errors.check("limit", limit(raw)))
        .unwrap_or(PropertyQuery::DEFAULT_LIMIT);
    if let (Some(min), Some(max)) = (search.min_rooms, search.max_rooms)
        && min > max
    {
        errors.push(FieldError::new("min_rooms", "must not be greater than max_rooms"));
    }
    if let (Some(min), Some(max)) = (search.min_area, search.max_area)
        && min > max
    {
        errors.push(FieldError::new("min_area", "must not be greater than max_area"));
    }
    let fingerprint = Fingerprint::of(&canonical(&search));
    if let Some(raw) = one(&mut errors, "cursor") {
        match cursor::decode_keyset(raw, &fingerprint, search.sort.key) {
            Ok(keyset) => search.after = Some(keyset),
            Err(error) => errors.push(FieldError::new("cursor", error.to_string())),
        }
    }
    errors.finish((search, fingerprint)).map_err(ApiError::InvalidQuery)
}

/// The filters and sort of a query in a fixed order and form: two queries
/// that differ only in how they were written share it (and their cursors).
fn canonical(search: &PropertyQuery) -> String {
    let mut cities: Vec<&str> = search.cities.iter().map(CityKey::as_str).collect();
    cities.sort_unstable();
    cities.dedup();
    let mut types: Vec<&str> = search.types.iter().map(TypeSlug::as_str).collect();
    types.sort_unstable();
    types.dedup();
    let words: Vec<&str> = search.words.iter().map(SearchWord::as_str).collect();
    format!(
        "city={cities:?};type={types:?};owner={:?};rooms={:?}-{:?};area={:?}-{:?};bedrooms={:?};has={};q={words:?};since={:?};sort={}",
        search.owner.map(|owner| owner.0),
        search.min_rooms,
        search.max_rooms,
        search.min_area.map(f64::to_bits),
        search.max_area.map(f64::to_bits),
        search.min_bedrooms,
        search.has.bits(),
        search.updated_since.map(|at| at.timestamp_micros()),
        search.sort.as_str(),
    )
}

/// `GET /users`'s query, with the fingerprint its cursors carry.
///
/// # Errors
/// [`ApiError::InvalidQuery`] naming every malformed parameter.
pub fn user_query(query: &Query) -> Result<(UserQuery, Fingerprint), ApiError> {
    let mut errors = query.errors();
    let mut one = |name: &str| match query.one(name) {
        Ok(value) => value,
        Err(error) => {
            errors.push(error);
            None
        }
    };
    let (q, role, raw_limit, raw_cursor) = (one("q"), one("role"), one("limit"), one("cursor"));
    let mut search = UserQuery {
        words: q.and_then(|raw| errors.check("q", SearchWord::parse_all(raw))).unwrap_or_default(),
        role: role.and_then(|raw| errors.check("role", Role::parse(raw))),
        limit: raw_limit
            .map_or(Some(PropertyQuery::DEFAULT_LIMIT), |raw| errors.check("limit", limit(raw)))
            .unwrap_or(PropertyQuery::DEFAULT_LIMIT),
        after: None,
    };
    let words: Vec<&str> = search.words.iter().map(SearchWord::as_str).collect();
    let fingerprint = Fingerprint::of(&format!("q={words:?};role={:?}", search.role.map(Role::as_str)));
    if let Some(raw) = raw_cursor {
        match cursor::decode_user(raw, &fingerprint) {
            Ok(after) => search.after = Some(after),
            Err(error) => errors.push(FieldError::new("cursor", error.to_string())),
        }
    }
    errors.finish((search, fingerprint)).map_err(ApiError::InvalidQuery)
}

/// The query of the next page: the same parameters, this cursor.
pub fn next_page_query(query: &Query, cursor: &str) -> String {
    let mut next = form_urlencoded::Serializer::new(String::new());
    for (name, value) in query.pairs().filter(|(name, _)| *name != "cursor") {
        next.append_pair(name, value);
    }
    next.append_pair("cursor", cursor);
    next.finish()
}

fn positive(raw: &str) -> Result<i64, ValueError> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(ValueError::OutOfRange("a positive integer"))
}

/// A count bound, 0 to `i32::MAX` as the schema says. Digits only: Rust
/// would accept "+3", which a client's validator would not.
fn count(raw: &str) -> Result<u32, ValueError> {
    raw.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| raw.parse::<i32>().ok())
        .flatten()
        .and_then(|count| u32::try_from(count).ok())
        .ok_or(ValueError::OutOfRange("an integer between 0 and 2147483647"))
}

fn area(raw: &str) -> Result<f64, ValueError> {
    raw.parse::<f64>()
        .ok()
        .filter(|area| area.is_finite() && *area >= 0.0 && !raw.starts_with('+'))
        .ok_or(ValueError::OutOfRange("a number greater than or equal to 0"))
}

fn limit(raw: &str) -> Result<u32, ValueError> {
    raw.parse::<u32>()
        .ok()
        .filter(|limit| (1..=PropertyQuery::MAX_LIMIT).contains(limit) && !raw.starts_with('+'))
        .ok_or(ValueError::OutOfRange("an integer between 1 and 100"))
}

fn instant(raw: &str) -> Result<DateTime<Utc>, ValueError> {
    DateTime::parse_from_rfc3339(raw)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| ValueError::OutOfRange("an RFC 3339 instant, e.g. 2026-01-31T12:00:00Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The handlers check their query against `NAMES`, the document lists
    /// the `IntoParams` fields: both must say the same.
    fn documented<P: IntoParams>() -> Vec<String> {
        P::into_params(|| None).into_iter().map(|parameter| parameter.name).collect()
    }

    #[test]
    fn the_documented_parameters_are_the_accepted_ones() {
        assert_eq!(documented::<PropertySearchParams>(), PropertySearchParams::NAMES);
        assert_eq!(documented::<UserSearchParams>(), UserSearchParams::NAMES);
    }

    #[test]
    fn errors_of_the_query_string_are_named_with_the_values() {
        let query = Query::parse(Some("colour=red&city=%00&limit=0&q=%ff"), PropertySearchParams::NAMES);
        let Err(ApiError::InvalidQuery(errors)) = property_query(&query) else {
            panic!("a 400");
        };
        let mut fields: Vec<String> = errors.into_iter().map(|error| error.field).collect();
        fields.sort();
        assert_eq!(fields, ["city", "colour", "limit", "q"]);
    }
}
