//! The searches behind `GET /properties` and `GET /users`, built once for
//! both backends: each filter a condition on a stored column, each sort an
//! index order, each page a keyset position — never an OFFSET.
//!
//! Each is a macro that expands to the query inside the `on_connection!`
//! block that runs it, because that is where the backend is known: Diesel
//! can box a query for one backend, not for "any backend" without a wall of
//! trait bounds. The macros only build an expression; they neither return
//! nor use `?`.
//!
//! A keyset condition is written `sort <= v AND (sort < v OR id < last)`
//! (the ascending order flips each comparison) rather than as the row
//! comparison `(sort, id) < (v, last)`: both backends read it as an index
//! range starting at `v`, with the id test filtering only the rows that tie
//! on `v`.

/// Orders `$page` by `$column` then `$id` (the property's id), in one
/// direction, starting after the keyset `$after` (whose value, destructured
/// by `$pattern`, is converted by `$value` to the column's type). A keyset
/// of another sort cannot reach here: the cursor names its sort and is
/// refused for another.
macro_rules! ordered_by {
    ($page:expr, $column:expr, $id:expr, $descending:expr, $after:expr, $pattern:pat => $value:expr) => {{
        let mut page = $page;
        if let Some(::realty_domain::Keyset { value: $pattern, id }) = $after {
            let value = $value;
            page = if $descending {
                page.filter($column.le(value).and($column.lt(value).or($id.lt(id.0))))
            } else {
                page.filter($column.ge(value).and($column.gt(value).or($id.gt(id.0))))
            };
        }
        if $descending {
            page.order_by(($column.desc(), $id.desc()))
        } else {
            page.order_by(($column.asc(), $id.asc()))
        }
    }};
}

pub(crate) use ordered_by;

/// The page of properties `$query` (a `&PropertyQuery`) asks for, each
/// row a property with its rooms (see `PropertyRooms`), with one row more than
/// its limit (to tell whether another page follows).
///
/// Newest first with a room filter or words, the page is found in two
/// steps: the ids, by a walk of the `created_at` index that also carries
/// the room counts (so the rows the filter passes over are never fetched),
/// then those rows by id. See [`ids_first`].
macro_rules! property_page {
    ($query:expr) => {{
        use ::diesel::prelude::*;
        use $crate::schema::properties;
        let query: &::realty_domain::PropertyQuery = $query;
        let limit = i64::from(query.limit) + 1;
        let mut rows = properties::table
            .select(($crate::rows::PropertyRow::as_select(), $crate::rows::PropertyRooms))
            .into_boxed();
        // How many properties a word or a bound matches decides the plan (walk
        // the sort's index and filter, or find the few matches and sort them).
        // A cached prepared statement gets a generic plan after five runs, one
        // blind to the values, which hashed the whole table for common words
        // (14 ms instead of 2.8 at 10 000 properties; BENCHMARKS.md, "Search").
        // This condition is always true, and as a literal it keeps the statement
        // out of the cache, so that PostgreSQL plans it for its values each time.
        // (Words known common and bounds met often are the exception:
        // `walk_planned_once!`.)
        if $crate::search::value_dependent(query) {
            rows = rows.filter(::diesel::dsl::sql::<::diesel::sql_types::Bool>("TRUE"));
        }
        if $crate::search::ids_first(query) {
            let ids = properties::table.select(properties::id).into_boxed();
            let ids = $crate::search::sorted!($crate::search::filtered!(ids, query), query.sort, query.after)
                .limit(limit);
            $crate::search::sorted!(rows.filter(properties::id.eq_any(ids)), query.sort, None)
        } else {
            $crate::search::sorted!($crate::search::filtered!(rows, query), query.sort, query.after)
                .limit(limit)
        }
    }};
}

/// The page of properties `$query` asks for, as `property_page!`, when
/// its only condition is words and `$word`, one of them, is rare (see
/// [`starts_from_a_word`] and `rare_words`): the ids are read from `$word`'s
/// entries in the word index, which stores them by creation, so that no
/// property's row is visited but the page's. Each other word is a probe of
/// the match's own words.
///
/// With `one_word = $stored`, every entry of the prefix is of the stored
/// word `$stored`: the index then gives them in the page's order, and the
/// walk stops at its limit. The statement checks that it is still so (no
/// other stored word in the prefix's range, one index lookup) and finds
/// nothing otherwise, which the caller answers by asking the other way.
/// Without, the prefix's entries are all read and sorted, and a property
/// that has two words starting with it is counted once by the grouping.
macro_rules! word_first_page {
    ($query:expr, $word:expr, one_word = $stored:expr) => {
        $crate::search::word_first_page!($query, $word, one_word = $stored, planned_once = false)
    };
    ($query:expr, $word:expr, one_word = $stored:expr, planned_once = $once:expr) => {{
        use ::diesel::prelude::*;
        use $crate::schema::property_words;
        let word: &::realty_domain::SearchWord = $word;
        let stored: &str = $stored;
        let others = ::diesel::alias!(property_words as other_words);
        let alone = ::diesel::dsl::not(::diesel::dsl::exists(
            others
                .filter(others.field(property_words::word).gt(stored))
                .filter(others.field(property_words::word).lt(word.upper_bound())),
        ));
        let ids = property_words::table
            .filter(property_words::word.eq(stored))
            .filter(alone)
            .select(property_words::property_id)
            .into_boxed();
        $crate::search::word_first_page!(@page $query, word, others, ids, $once)
    }};
    ($query:expr, $word:expr) => {{
        use ::diesel::prelude::*;
        use $crate::schema::property_words;
        let word: &::realty_domain::SearchWord = $word;
        let others = ::diesel::alias!(property_words as other_words);
        let ids = property_words::table
            .filter(property_words::word.ge(word.as_str()))
            .filter(property_words::word.lt(word.upper_bound()))
            .group_by((property_words::created_at, property_words::property_id))
            .select(property_words::property_id)
            .into_boxed();
        $crate::search::word_first_page!(@page $query, word, others, ids, false)
    }};
    (@page $query:expr, $word:ident, $others:ident, $ids:ident, $planned_once:expr) => {{
        use $crate::schema::properties;
        use ::realty_domain::SortValue;
        let query: &::realty_domain::PropertyQuery = $query;
        let planned_once: bool = $planned_once;
        let mut ids = $ids;
        // Planned for its values each time (see `property_page!`): with the
        // limit a parameter the generic plan, blind to how rare the word is,
        // runs in parallel workers (13 ms instead of 0.2 for one stored word
        // and another, at a million properties) or hashes the other word's
        // matches (770 ms). Planned once (one stored word), the statement is
        // cached with its limit written in, which makes its generic plan the
        // walk of the word's entries, stopping at the limit; each other
        // word's test carries an `OFFSET`, which keeps PostgreSQL from
        // turning it into a join it could hash (its generic estimate of the
        // word's entries is blind: 1.8 ms at ten thousand properties), so
        // that it stays a probe of each entry's own words.
        if !planned_once {
            ids = ids.filter(::diesel::dsl::sql::<::diesel::sql_types::Bool>("TRUE"));
        }
        for other in query.words.iter().filter(|other| *other != $word) {
            let probe = $others
                .filter($others.field(property_words::property_id).eq(property_words::property_id))
                .filter($others.field(property_words::word).ge(other.as_str()))
                .filter($others.field(property_words::word).lt(other.upper_bound()))
                // The key's own columns: the probe reads the index alone.
                .select($others.field(property_words::property_id));
            ids = if planned_once {
                ids.filter(::diesel::dsl::exists(probe.offset(0)))
            } else {
                ids.filter(::diesel::dsl::exists(probe))
            };
        }
        let ids = $crate::search::ordered_by!(
            ids, property_words::created_at, property_words::property_id, query.sort.descending, query.after,
            SortValue::Instant(at) => $crate::rows::stored(at)
        );
        let rows = properties::table
            .select(($crate::rows::PropertyRow::as_select(), $crate::rows::PropertyRooms))
            .into_boxed();
        let rows = if planned_once {
            rows.filter($crate::search::AmongFirst { ids, limit: query.limit + 1 })
        } else {
            rows.filter(properties::id.eq_any(ids.limit(i64::from(query.limit) + 1)))
        };
        $crate::search::sorted!(rows, query.sort, None)
    }};
}

pub(crate) use word_first_page;

/// Whether a page of `query` can start from one of its words (see
/// `word_first_page!`): words are its only condition, and it is in the
/// order of creation, which the word index stores. Any other condition
/// needs each match's row, and then today's plans serve it as well.
pub(crate) fn starts_from_a_word(query: &realty_domain::PropertyQuery) -> bool {
    query.sort.key == realty_domain::SortKey::CreatedAt && conditions(query) == Conditions::WordsAlone
}

/// What a query's conditions are, as far as choosing its plan needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Conditions {
    /// Search words and nothing else.
    WordsAlone,
    /// Room counts or areas (`min_rooms`, `max_rooms`, `min_bedrooms`,
    /// `min_area`, `max_area`), one or several, and nothing else.
    BoundsAlone,
    /// None, or another mix.
    Other,
}

pub(crate) fn conditions(query: &realty_domain::PropertyQuery) -> Conditions {
    // Written out in full so that a new filter cannot be forgotten here.
    let realty_domain::PropertyQuery {
        cities,
        types,
        owner,
        // The bounds, which `bounded` reads.
        min_rooms: _,
        max_rooms: _,
        min_area: _,
        max_area: _,
        min_bedrooms: _,
        has,
        words,
        updated_since,
        sort: _,
        limit: _,
        after: _,
    } = query;
    let others = !cities.is_empty()
        || !types.is_empty()
        || owner.is_some()
        || !has.is_empty()
        || updated_since.is_some();
    match (others, !words.is_empty(), bounded(query)) {
        (false, true, false) => Conditions::WordsAlone,
        (false, false, true) => Conditions::BoundsAlone,
        _ => Conditions::Other,
    }
}

/// `$page` (a boxed query of `properties`) with the conditions of `$query`.
macro_rules! filtered {
    ($page:expr, $query:expr) => {{
        use ::diesel::prelude::*;
        use $crate::schema::{properties, property_words};
        let query: &::realty_domain::PropertyQuery = $query;
        let mut page = $page;
        if !query.cities.is_empty() {
            page = page.filter(properties::city_key.eq_any(query.cities.iter().map(|key| key.as_str())));
        }
        if !query.types.is_empty() {
            page =
                page.filter(properties::property_type.eq_any(query.types.iter().map(|slug| slug.as_str())));
        }
        if let Some(owner) = query.owner {
            page = page.filter(properties::owner_id.eq(owner.0));
        }
        // Bounds beyond the column's range saturate: a minimum above it matches
        // nothing, a maximum above it everything.
        if let Some(min) = query.min_rooms {
            page = page.filter(properties::room_count.ge($crate::search::saturate(min)));
        }
        if let Some(max) = query.max_rooms {
            page = page.filter(properties::room_count.le($crate::search::saturate(max)));
        }
        if let Some(min) = query.min_bedrooms {
            page = page.filter(properties::bedroom_count.ge($crate::search::saturate(min)));
        }
        if let Some(min) = query.min_area {
            page = page.filter(properties::total_area_m2.ge(min));
        }
        if let Some(max) = query.max_area {
            page = page.filter(properties::total_area_m2.le(max));
        }
        if !query.has.is_empty() {
            let required = query.has.bits();
            page = page.filter(
                $crate::search::BitAnd::new(
                    properties::room_kinds,
                    required.into_sql::<::diesel::sql_types::Integer>(),
                )
                .eq(required),
            );
        }
        // The signature's test comes first, and both backends read it from the
        // index they walk: a property without the bits is passed over unprobed.
        // With m the missing bits, `(~s3 & r3) | (~s4 & r4)`, it is written
        // `1 / (m + 1) <> 0` rather than `m = 0` for PostgreSQL's planner, which
        // has no statistics for it and guesses the share of rows it keeps from
        // the operator alone: 0.5 % for `=` (0.0025 % for two, which made it sort
        // a parallel sequential scan, 3 s a page at a million), a third for `<=`
        // (a sequential scan and hash joins at 10 000, 5 ms instead of 0.4),
        // 99.5 % for `<>`. Then the words' own statistics choose between walking
        // the newest-first index and starting from a rare word's matches
        // (BENCHMARKS.md, "Word signature"). No mask has the sign bit, and at most
        // twenty bits (ten words), so `m + 1` cannot overflow.
        let required = $crate::word_signature::WordSignature::required_by(&query.words);
        if !required.is_empty() {
            page = page.filter($crate::search::SignatureAllows(required));
        }
        for word in &query.words {
            page = page.filter(::diesel::dsl::exists(
                property_words::table
                    .filter(property_words::property_id.eq(properties::id))
                    .filter(property_words::word.ge(word.as_str()))
                    .filter(property_words::word.lt(word.upper_bound())),
            ));
        }
        if let Some(since) = query.updated_since {
            page = page.filter(properties::updated_at.ge($crate::rows::stored(since)));
        }
        page
    }};
}

/// `$page` in the order of `$sort` (a `Sort`), after the keyset `$after`
/// (an `Option<Keyset>`) when there is one.
macro_rules! sorted {
    ($page:expr, $sort:expr, $after:expr) => {{
        use $crate::schema::properties;
        use ::realty_domain::{SortKey, SortValue};
        let sort: ::realty_domain::Sort = $sort;
        let after: Option<::realty_domain::Keyset> = $after;
        match sort.key {
            SortKey::CreatedAt => $crate::search::ordered_by!(
                $page, properties::created_at, properties::id, sort.descending, after,
                SortValue::Instant(at) => $crate::rows::stored(at)
            ),
            SortKey::UpdatedAt => $crate::search::ordered_by!(
                $page, properties::updated_at, properties::id, sort.descending, after,
                SortValue::Instant(at) => $crate::rows::stored(at)
            ),
            SortKey::TotalArea => $crate::search::ordered_by!(
                $page, properties::total_area_m2, properties::id, sort.descending, after,
                SortValue::Area(area) => area
            ),
            SortKey::RoomCount => $crate::search::ordered_by!(
                $page, properties::room_count, properties::id, sort.descending, after,
                SortValue::Count(n) => $crate::search::saturate(n)
            ),
        }
    }};
}

pub(crate) use {filtered, sorted};

/// Whether the page is found ids first (see `property_page!`): newest
/// first, the default order, with a condition the `created_at` index can
/// tell from its own entries (the room counts it carries) or words, whose
/// probes then pass over index entries instead of rows. A filter with an
/// index of its own (city, type, owner) reads just its page's rows and
/// gains nothing from the second step, which costs about 0.2 ms and wins
/// from about 200 rows walked (BENCHMARKS.md, "Search, later the same day").
pub(crate) fn ids_first(query: &realty_domain::PropertyQuery) -> bool {
    query.sort.key == realty_domain::SortKey::CreatedAt
        && query.cities.is_empty()
        && query.types.is_empty()
        && query.owner.is_none()
        && (value_dependent(query) || !query.has.is_empty())
}

/// Whether how many properties the query matches depends on its values
/// (words, bounds), so that it is planned for them each time.
pub(crate) fn value_dependent(query: &realty_domain::PropertyQuery) -> bool {
    !query.words.is_empty() || bounded(query)
}

/// Whether the query bounds a room count or the area.
fn bounded(query: &realty_domain::PropertyQuery) -> bool {
    query.min_rooms.is_some()
        || query.max_rooms.is_some()
        || query.min_area.is_some()
        || query.max_area.is_some()
        || query.min_bedrooms.is_some()
}

pub(crate) use property_page;

/// The page of `$query`, as `property_page!`, when [`can_be_planned_once`]
/// and its words are all common or its bounds are met often (see
/// `common_bounds`): the ids by the walk of the newest-first index, in a
/// statement that is cached, its limit written in (see [`AmongFirst`]), to
/// be run where PostgreSQL keeps its generic plan (`Plans::Generic`). Its
/// conditions are known to be met often, so that plan, the walk, is the one
/// every value of them would get, and it is made once per connection
/// instead of each time (0.5 ms of planning a page of words at a million
/// properties, as much as the walk; BENCHMARKS.md, "Common words, planned
/// once", "Bounds planned once").
macro_rules! walk_planned_once {
    ($query:expr) => {{
        use ::diesel::prelude::*;
        use $crate::schema::properties;
        let query: &::realty_domain::PropertyQuery = $query;
        let ids = properties::table.select(properties::id).into_boxed();
        let ids = $crate::search::sorted!($crate::search::filtered!(ids, query), query.sort, query.after);
        let rows = properties::table
            .select(($crate::rows::PropertyRow::as_select(), $crate::rows::PropertyRooms))
            .filter($crate::search::AmongFirst { ids, limit: query.limit + 1 })
            .into_boxed();
        $crate::search::sorted!(rows, query.sort, None)
    }};
}

pub(crate) use walk_planned_once;

/// The page sizes a page is planned once for: each limit is a statement of
/// its own (it is written in), so the sizes front ends ask for, and no
/// more, keep the cached statements of a connection few (at most two
/// directions × with or without a keyset × four sizes × ten word counts
/// and two forms, or × the 31 sets of bounds). Another size is planned
/// each time, as before.
const CACHED_LIMITS: [u32; 4] = [10, 20, 50, 100];

/// Whether a page of `query` can be planned once per connection, once the
/// service knows how rare each of its words is (which the caller asks of
/// `rare_words`) or how often its bounds are met (`common_bounds`): words
/// or bounds are its only conditions ([`conditions`]), in the order of
/// creation, so that its plan depends on nothing but whether its words are
/// common or its bounds met often (`walk_planned_once!`) or it is one rare
/// word of one stored word (`word_first_page!` with `planned_once`), and
/// its size is one of [`CACHED_LIMITS`].
pub(crate) fn can_be_planned_once(query: &realty_domain::PropertyQuery) -> bool {
    query.sort.key == realty_domain::SortKey::CreatedAt
        && conditions(query) != Conditions::Other
        && CACHED_LIMITS.contains(&query.limit)
}

/// `properties.id IN (ids LIMIT n)`, with `n` written into the statement
/// rather than bound, so that the statement's generic plan knows how few
/// ids it needs: with the limit a parameter, PostgreSQL plans for a tenth
/// of the matches and hashed both words' entries, 900 ms a page
/// (BENCHMARKS.md, "Rare words"). Diesel's own `limit` always binds; a SQL
/// literal would keep the statement out of the cache.
pub(crate) struct AmongFirst<Q> {
    pub(crate) ids: Q,
    pub(crate) limit: u32,
}

impl<Q, DB> diesel::query_builder::QueryFragment<DB> for AmongFirst<Q>
where
    DB: diesel::backend::Backend,
    Q: diesel::query_builder::QueryFragment<DB>,
    crate::schema::properties::id: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        crate::schema::properties::id.walk_ast(out.reborrow())?;
        out.push_sql(" IN (");
        self.ids.walk_ast(out.reborrow())?;
        out.push_sql(" LIMIT ");
        out.push_sql(&self.limit.to_string());
        out.push_sql(")");
        Ok(())
    }
}

/// The word signature's test (see `filtered!`), `1 / (m + 1) <> 0` where
/// `m` is the bits of the required signature a property's lacks. Written
/// as an expression of its own because diesel has no `~`, and a SQL
/// literal would keep a page of common words out of the statement cache.
pub(crate) struct SignatureAllows(pub(crate) crate::word_signature::WordSignature);

impl<DB> diesel::query_builder::QueryFragment<DB> for SignatureAllows
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
    crate::schema::properties::word_signature_3: diesel::query_builder::QueryFragment<DB>,
    crate::schema::properties::word_signature_4: diesel::query_builder::QueryFragment<DB>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    ) -> diesel::QueryResult<()> {
        use diesel::sql_types::BigInt;
        out.push_sql("1 / (((~");
        crate::schema::properties::word_signature_3.walk_ast(out.reborrow())?;
        out.push_sql(" & ");
        out.push_bind_param::<BigInt, i64>(&self.0.three)?;
        out.push_sql(") | (~");
        crate::schema::properties::word_signature_4.walk_ast(out.reborrow())?;
        out.push_sql(" & ");
        out.push_bind_param::<BigInt, i64>(&self.0.four)?;
        out.push_sql(")) + 1) <> 0");
        Ok(())
    }
}

/// Makes `$type` a condition on `properties` that diesel can filter by:
/// a boolean of one row, cached by its SQL text (which holds what is
/// written in).
macro_rules! condition_on_properties {
    (impl<$($generic:ident),*> for $type:ty) => {
        impl<$($generic),*> diesel::Expression for $type {
            type SqlType = diesel::sql_types::Bool;
        }

        impl<$($generic),*> diesel::query_builder::QueryId for $type {
            type QueryId = ();
            const HAS_STATIC_QUERY_ID: bool = false;
        }

        impl<$($generic,)* GroupBy> diesel::expression::ValidGrouping<GroupBy> for $type {
            type IsAggregate = diesel::expression::is_aggregate::Never;
        }

        impl<$($generic),*> diesel::expression::AppearsOnTable<crate::schema::properties::table> for $type {}

        impl<$($generic),*> diesel::expression::SelectableExpression<crate::schema::properties::table> for $type {}
    };
}

condition_on_properties!(impl<Q> for AmongFirst<Q>);
condition_on_properties!(impl<> for SignatureAllows);

/// The page of users `$query` (a `&UserQuery`) asks for, newest first, with
/// one row more than its limit.
macro_rules! user_page {
    ($query:expr) => {{
        use ::diesel::prelude::*;
        use $crate::schema::{user_words, users};
        let query: &::realty_domain::UserQuery = $query;
        let mut page = users::table.select($crate::rows::UserRow::as_select()).into_boxed();
        if let Some(role) = query.role {
            page = page.filter(users::role.eq(role.as_str()));
        }
        for word in &query.words {
            page = page.filter(::diesel::dsl::exists(
                user_words::table
                    .filter(user_words::user_id.eq(users::id))
                    .filter(user_words::word.ge(word.as_str()))
                    .filter(user_words::word.lt(word.upper_bound())),
            ));
        }
        if let Some(after) = query.after {
            page = page.filter(users::id.lt(after.0));
        }
        page.order_by(users::id.desc()).limit(i64::from(query.limit) + 1)
    }};
}

pub(crate) use user_page;

// `room_kinds & required`: an operator diesel knows, where a SQL literal
// would keep the statement out of the prepared-statement cache (`has` needs
// no plan for its values: no index serves it, whatever the kinds).
diesel::infix_operator!(BitAnd, " & ", diesel::sql_types::Integer);

/// A count the domain bounds far below `INTEGER`'s range, or the range's
/// end when a query asks beyond it.
pub(crate) fn saturate(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}
