//! Which bounds (`min_rooms`, `max_rooms`, `min_bedrooms`, `min_area`,
//! `max_area`) are met often at the start of the order of creation, so that
//! a page of bounds alone can be a statement planned once per connection
//! (`Plans::Generic`), as a page of known words is.
//!
//! Such a page walks the `created_at` index, which carries the counts and
//! the area, until its limit is met, whatever the plan: PostgreSQL chooses
//! that walk for the values of any bound met often. Planned for them on
//! every request, the statement also costs its parsing, planning (0.24 ms
//! at a million properties, against 0.43 ms for a walk over 4,000 entries)
//! and a round trip to prepare it (BENCHMARKS.md, "Bounds planned once").
//! The generic plan, blind to the values, is that walk for every value,
//! which is a bad plan for a bound few properties meet: it would read the
//! whole index where a plan for the value starts from the bound column's
//! own index. So a page is planned once only when its bounds are known to
//! be met by at least [`MET_IN_WINDOW`] of the [`WINDOW`] properties at the
//! start of its order: its walk then passes over at most about
//! `WINDOW / MET_IN_WINDOW` entries a match. That is asked of the index
//! once (a read of at most `WINDOW` entries) and remembered
//! (`Remembered`). Misjudged (the data has changed since, or the bounds are
//! rarer further down the order), a page is only slower, never another.

use chrono::NaiveDateTime;
use realty_domain::PropertyQuery;

use crate::remembered::Remembered;

/// How many properties, at the start of a page's order, are looked at to
/// tell whether its bounds are met often.
pub(crate) const WINDOW: u32 = 30_000;

/// How many of them must meet the bounds: the largest page planned once
/// (100) and the row that tells whether another follows. At that share, a
/// page of 20 passes over about 6,000 index entries at the most (0.7 ms of
/// PostgreSQL's time at a million properties), where the plan for its
/// values would start from the bound column's index only to read the
/// bound's 3,000-odd matches there (one property in 300) and sort them.
pub(crate) const MET_IN_WINDOW: u32 = 101;

/// A query's bounds and direction: what decides whether it is met often.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Bounds {
    min_rooms: Option<u32>,
    max_rooms: Option<u32>,
    min_bedrooms: Option<u32>,
    /// The areas' bits: an area is a finite `f64`, which is not `Hash`.
    min_area: Option<u64>,
    max_area: Option<u64>,
    descending: bool,
}

impl Bounds {
    pub(crate) fn of(query: &PropertyQuery) -> Self {
        Self {
            min_rooms: query.min_rooms,
            max_rooms: query.max_rooms,
            min_bedrooms: query.min_bedrooms,
            min_area: query.min_area.map(f64::to_bits),
            max_area: query.max_area.map(f64::to_bits),
            descending: query.sort.descending,
        }
    }
}

/// What is known of the bounds searched lately, shared by a database
/// handle's clones.
#[derive(Debug)]
pub(crate) struct CommonBounds {
    window: u32,
    met_in_window: u32,
    known: Remembered<Bounds, bool>,
    /// Where the window ends, newest first (`true`) and oldest first:
    /// shared by every bound, and the dearer of the two statements that
    /// ask (3 to 9 ms at a million properties, against 0.2 to 2.3 for a
    /// bound's count in it).
    window_ends: Remembered<bool, Option<NaiveDateTime>>,
}

impl CommonBounds {
    /// Bounds are met often when `met_in_window` of the first `window`
    /// properties meet them (or there are fewer than `window` in all).
    pub(crate) fn new(window: u32, met_in_window: u32) -> Self {
        Self { window, met_in_window, known: Remembered::new(), window_ends: Remembered::new() }
    }

    pub(crate) fn window(&self) -> u32 {
        self.window
    }

    pub(crate) fn met_in_window(&self) -> u32 {
        self.met_in_window
    }

    /// Whether the bounds of `query` are met often, if that was found out
    /// lately.
    pub(crate) fn known(&self, query: &PropertyQuery) -> Option<bool> {
        self.known.get(&Bounds::of(query))
    }

    /// Remembers whether the bounds of `query` are met often.
    pub(crate) fn remember(&self, query: &PropertyQuery, often: bool) {
        self.known.remember(Bounds::of(query), often);
    }

    /// The creation instant of the last property of the window in an order
    /// (`None`: there are fewer properties than the window), if that was
    /// found out lately.
    pub(crate) fn window_end(&self, descending: bool) -> Option<Option<NaiveDateTime>> {
        self.window_ends.get(&descending)
    }

    pub(crate) fn remember_window_end(&self, descending: bool, end: Option<NaiveDateTime>) {
        self.window_ends.remember(descending, end);
    }
}

/// A future of whether the bounds of `$query` (a `&PropertyQuery` whose only
/// conditions are bounds) are met often among the first properties of its
/// order, asked on `$conn` as `$known` (a `&CommonBounds`) says:
/// `Result<bool, diesel::result::Error>`. Two statements, each a read of at
/// most `window` entries of the `created_at` index, which carries every
/// bounded column: where the window ends (remembered for every bound),
/// then whether `met_in_window` of the properties up to there meet the
/// bounds.
macro_rules! met_often {
    ($conn:ident, $known:expr, $query:expr) => {
        async {
            use ::diesel::{ExpressionMethods, OptionalExtension, QueryDsl};
            use ::diesel_async::RunQueryDsl;
            use $crate::schema::properties;
            let known: &$crate::common_bounds::CommonBounds = $known;
            let query: &::realty_domain::PropertyQuery = $query;
            let descending = query.sort.descending;
            let end = match known.window_end(descending) {
                Some(end) => end,
                None => {
                    let window = properties::table.select(properties::created_at).into_boxed();
                    let window = if descending {
                        window.order_by((properties::created_at.desc(), properties::id.desc()))
                    } else {
                        window.order_by((properties::created_at.asc(), properties::id.asc()))
                    };
                    let end = window
                        .offset(i64::from(known.window()) - 1)
                        .limit(1)
                        .get_result($conn)
                        .await
                        .optional()?;
                    known.remember_window_end(descending, end);
                    end
                }
            };
            let Some(end) = end else {
                // Fewer properties than the window: every walk is short.
                return Ok(true);
            };
            let within = properties::table.select(properties::id).into_boxed();
            let within = if descending {
                within.filter(properties::created_at.ge(end))
            } else {
                within.filter(properties::created_at.le(end))
            };
            let met: Option<i64> = $crate::search::filtered!(within, query)
                .offset(i64::from(known.met_in_window()) - 1)
                .limit(1)
                .get_result($conn)
                .await
                .optional()?;
            Ok::<bool, ::diesel::result::Error>(met.is_some())
        }
    };
}

pub(crate) use met_often;

#[cfg(test)]
mod tests {
    use realty_domain::Sort;

    use super::*;

    fn bounded(min_area: f64, sort: &str) -> PropertyQuery {
        PropertyQuery {
            min_area: Some(min_area),
            sort: Sort::parse(sort).expect("a sort"),
            limit: 20,
            ..PropertyQuery::default()
        }
    }

    #[test]
    fn an_answer_is_remembered_per_bounds_and_direction() {
        let bounds = CommonBounds::new(WINDOW, MET_IN_WINDOW);

        bounds.remember(&bounded(150.0, "-created_at"), true);
        bounds.remember(&bounded(900.0, "-created_at"), false);

        assert_eq!(bounds.known(&bounded(150.0, "-created_at")), Some(true));
        assert_eq!(bounds.known(&bounded(900.0, "-created_at")), Some(false));
        assert_eq!(bounds.known(&bounded(150.0, "created_at")), None, "the other end of the order");
        assert_eq!(bounds.known(&bounded(150.5, "-created_at")), None, "another bound");
        let more = PropertyQuery { limit: 50, ..bounded(150.0, "-created_at") };
        assert_eq!(bounds.known(&more), Some(true), "the page's size does not matter");
    }
}
