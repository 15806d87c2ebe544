//! Which search words are rare: few enough properties have a word starting
//! with one for a page to start from its entries in the word index
//! (`search::word_first_page!`) rather than walk the newest-first index and
//! probe each property's words. Both answer the same; only the cost
//! differs, and it is lopsided both ways: a word in 488 of a million
//! properties costs the walk 2.4 ms of PostgreSQL's time a page, and its
//! entries alone 0.03 ms; a word in every tenth property costs the walk a
//! few hundred index entries, its entries (as a prefix of several words)
//! a sort of a hundred thousand (BENCHMARKS.md, "Rare words", "Rare words,
//! built").
//!
//! Whether a word is rare is asked of the index itself (is there an entry
//! after the first [`RareWords::most_matches`]?), which costs a read of at
//! most that many index entries; of a rare word, then, whether its entries
//! are all of one stored word (the smallest and the largest, two index
//! lookups), since then the index gives them in the page's order. The
//! answers are remembered for a while, so that the words people search
//! again cost nothing more. A word misjudged since is only a slower plan,
//! never another answer: a word grown common is read whole, and a page of
//! one stored word checks in its own statement that no other word has
//! joined it (and reads the prefix's entries when one has).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use realty_domain::SearchWord;

/// A word is rare up to this many entries. A prefix of several stored
/// words has all its entries read and sorted, about 1 µs each, 7 µs with
/// another word's probe, at a million properties (BENCHMARKS.md, "Rare
/// words, built"): up to 1,500 that stays near the cost of a city page,
/// and the walk serves what is more common. (A word of one stored word
/// costs only the entries its page needs, but it is told from the others
/// only once it is found rare.)
pub(crate) const DEFAULT_MOST_MATCHES: u32 = 1_500;

/// How many words are remembered at most (a few hundred kilobytes); when
/// full, all are forgotten at once, and the next searches ask again.
const REMEMBERED: usize = 10_000;

/// How long an answer is trusted: words grow common or rare slowly.
const TRUSTED_FOR: Duration = Duration::from_secs(600);

/// What the word index holds for a search word, as far as choosing a plan
/// needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entries {
    /// At most [`RareWords::most_matches`]: the word is rare.
    pub(crate) few: bool,
    /// The stored word all of them are of, when they are of one: its
    /// entries are then in the page's order in the index.
    pub(crate) one_word: Option<String>,
}

/// The word a page of words starts from, and how (`search::word_first_page!`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Driver<'q> {
    /// A rare word: all its entries are read, in the index's order when
    /// they are of `one_word`, else sorted.
    Rare { word: &'q SearchWord, one_word: Option<String> },
    /// A common word of one stored word, read in the index's order over a
    /// window of its next [`RareWords::window`] entries; when that window
    /// does not hold the page, the walk finds it.
    Window { word: &'q SearchWord, one_word: String },
}

/// What is known of the words searched lately, shared by a database
/// handle's clones.
#[derive(Debug)]
pub(crate) struct RareWords {
    most_matches: u32,
    known: Mutex<HashMap<SearchWord, (Entries, Instant)>>,
}

impl RareWords {
    pub(crate) fn new(most_matches: u32) -> Self {
        Self { most_matches, known: Mutex::new(HashMap::new()) }
    }

    /// The entries beyond which a word is not rare.
    pub(crate) fn most_matches(&self) -> u32 {
        self.most_matches
    }

    /// How many entries of a common word a page of `limit` reads before it
    /// leaves the page to the walk: twenty pages' worth, and no more than
    /// a rare word has. Two common words that meet in one property of
    /// twenty find their page there; where they meet less, the window costs
    /// at most its probes on top of the walk.
    pub(crate) fn window(&self, limit: u32) -> u32 {
        self.most_matches.min(limit.saturating_add(1).saturating_mul(20))
    }

    /// What the index holds for `word`, if that was found out lately.
    pub(crate) fn known(&self, word: &SearchWord) -> Option<Entries> {
        let known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        known.get(word).filter(|(_, at)| at.elapsed() < TRUSTED_FOR).map(|(entries, _)| entries.clone())
    }

    /// Remembers what the index holds for `word`.
    pub(crate) fn remember(&self, word: &SearchWord, entries: Entries) {
        let mut known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if known.len() >= REMEMBERED && !known.contains_key(word) {
            known.clear();
        }
        known.insert(word.clone(), (entries, Instant::now()));
    }
}

/// A future of the word of `$candidates` (a `&[SearchWord]`) that a page
/// starts from, if any: `Result<Option<Driver>, diesel::result::Error>`.
/// The first rare word; else the first common word of one stored word.
/// What `$known` (a `&RareWords`) does not know yet is asked of the index
/// on `$conn` (how many entries, then which words: two short statements),
/// and remembered.
macro_rules! driving_word {
    ($conn:ident, $known:expr, $candidates:expr) => {
        async {
            use ::diesel::{BoolExpressionMethods, ExpressionMethods, OptionalExtension, QueryDsl};
            use ::diesel_async::RunQueryDsl;
            use $crate::rare_words::{Driver, Entries};
            use $crate::schema::property_words;
            let known: &$crate::rare_words::RareWords = $known;
            let mut common = None;
            for word in $candidates {
                let entries = match known.known(word) {
                    Some(entries) => entries,
                    None => {
                        let in_range = property_words::word
                            .ge(word.as_str())
                            .and(property_words::word.lt(word.upper_bound()));
                        // The entry after the first `most_matches`, if any.
                        let beyond: Option<i64> = property_words::table
                            .filter(in_range.clone())
                            .select(property_words::property_id)
                            .offset(i64::from(known.most_matches()))
                            .limit(1)
                            .get_result($conn)
                            .await
                            .optional()?;
                        let ends = (
                            ::diesel::dsl::min(property_words::word),
                            ::diesel::dsl::max(property_words::word),
                        );
                        let (first, last): (Option<String>, Option<String>) =
                            property_words::table.filter(in_range).select(ends).get_result($conn).await?;
                        let one_word = first.filter(|first| last.as_ref() == Some(first));
                        let entries = Entries { few: beyond.is_none(), one_word };
                        known.remember(word, entries.clone());
                        entries
                    }
                };
                match entries {
                    Entries { few: true, one_word } => return Ok(Some(Driver::Rare { word, one_word })),
                    Entries { few: false, one_word: Some(one_word) } if common.is_none() => {
                        common = Some(Driver::Window { word, one_word });
                    }
                    Entries { .. } => {}
                }
            }
            Ok::<_, ::diesel::result::Error>(common)
        }
    };
}

pub(crate) use driving_word;

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> SearchWord {
        SearchWord::parse_all(text).expect("a search word").remove(0)
    }

    #[test]
    fn an_answer_is_remembered_per_word() {
        let words = RareWords::new(10);
        let street = Entries { few: true, one_word: Some("montvermont".to_owned()) };
        let sunny = Entries { few: false, one_word: None };

        words.remember(&word("montvermont"), street.clone());
        words.remember(&word("sunny"), sunny.clone());

        assert_eq!(words.known(&word("montvermont")), Some(street));
        assert_eq!(words.known(&word("sunny")), Some(sunny));
        assert_eq!(words.known(&word("park")), None, "never asked");
    }

    #[test]
    fn a_common_word_is_read_over_twenty_pages_at_most_and_never_more_than_a_rare_word_has() {
        assert_eq!(RareWords::new(1_500).window(20), 420);
        assert_eq!(RareWords::new(1_500).window(100), 1_500);
        assert_eq!(RareWords::new(5).window(2), 5);
    }

    #[test]
    fn a_full_memory_forgets_everything_rather_than_grow() {
        let words = RareWords::new(10);
        for n in 0..REMEMBERED {
            words.remember(&word(&format!("w{n}")), Entries { few: false, one_word: None });
        }
        let newcomer = Entries { few: true, one_word: None };

        words.remember(&word("newcomer"), newcomer.clone());

        assert_eq!(words.known(&word("newcomer")), Some(newcomer), "the newest is kept");
        assert_eq!(words.known(&word("w0")), None, "the older ones were forgotten");
        assert_eq!(words.known.lock().expect("not poisoned").len(), 1);
    }
}
