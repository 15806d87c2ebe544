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

use realty_domain::SearchWord;

use crate::remembered::Remembered;

/// A word is rare up to this many entries. A prefix of several stored
/// words has all its entries read and sorted, about 1 µs each, 7 µs with
/// another word's probe, at a million properties (BENCHMARKS.md, "Rare
/// words, built"): up to 1,500 that stays near the cost of a city page,
/// and the walk serves what is more common. (A word of one stored word
/// costs only the entries its page needs, but it is told from the others
/// only once it is found rare.)
pub(crate) const DEFAULT_MOST_MATCHES: u32 = 1_500;

/// What the word index holds for a search word, as far as choosing a plan
/// needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entries {
    /// More than [`RareWords::most_matches`]: the walk serves it.
    Many,
    /// At most that many, all of one stored word (`one_word`, whose entries
    /// a page reads in the index's order, stopping at its limit), or of
    /// several (`None`: all of them are read and sorted).
    Few { one_word: Option<String> },
}

/// What is known of the words searched lately, shared by a database
/// handle's clones.
#[derive(Debug)]
pub(crate) struct RareWords {
    most_matches: u32,
    known: Remembered<SearchWord, Entries>,
}

impl RareWords {
    pub(crate) fn new(most_matches: u32) -> Self {
        Self { most_matches, known: Remembered::new() }
    }

    /// The entries beyond which a word is not rare.
    pub(crate) fn most_matches(&self) -> u32 {
        self.most_matches
    }

    /// What the index holds for `word`, if that was found out lately.
    pub(crate) fn known(&self, word: &SearchWord) -> Option<Entries> {
        self.known.get(word)
    }

    /// What is known lately of `words`, in order, as far as choosing a plan
    /// needs: `Some(None)` when each is common, `Some(Some((word, entries)))`
    /// for the first rare one (those before it common), `None` when a word
    /// that decides it has not been asked about lately.
    pub(crate) fn known_first_rare<'w>(
        &self,
        words: &'w [SearchWord],
    ) -> Option<Option<(&'w SearchWord, Entries)>> {
        for word in words {
            match self.known.get(word)? {
                Entries::Many => {}
                rare => return Some(Some((word, rare))),
            }
        }
        Some(None)
    }

    /// Remembers what the index holds for `word`.
    pub(crate) fn remember(&self, word: &SearchWord, entries: Entries) {
        self.known.remember(word.clone(), entries);
    }
}

/// A future of the first rare word of `$candidates` (a `&[SearchWord]`)
/// and, when its entries are all of one stored word, that word:
/// `Result<Option<(&SearchWord, Option<String>)>, diesel::result::Error>`.
/// What `$known` (a `&RareWords`) does not know yet is asked of the index
/// on `$conn`, and remembered.
macro_rules! first_rare {
    ($conn:ident, $known:expr, $candidates:expr) => {
        async {
            use ::diesel::{BoolExpressionMethods, ExpressionMethods, OptionalExtension, QueryDsl};
            use ::diesel_async::RunQueryDsl;
            use $crate::rare_words::Entries;
            use $crate::schema::property_words;
            let known: &$crate::rare_words::RareWords = $known;
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
                        let entries = if beyond.is_some() {
                            Entries::Many
                        } else {
                            let ends = (
                                ::diesel::dsl::min(property_words::word),
                                ::diesel::dsl::max(property_words::word),
                            );
                            let (first, last): (Option<String>, Option<String>) =
                                property_words::table.filter(in_range).select(ends).get_result($conn).await?;
                            Entries::Few { one_word: first.filter(|first| last.as_ref() == Some(first)) }
                        };
                        known.remember(word, entries.clone());
                        entries
                    }
                };
                if let Entries::Few { one_word } = entries {
                    return Ok(Some((word, one_word)));
                }
            }
            Ok::<_, ::diesel::result::Error>(None)
        }
    };
}

pub(crate) use first_rare;

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> SearchWord {
        SearchWord::parse_all(text).expect("a search word").remove(0)
    }

    #[test]
    fn an_answer_is_remembered_per_word() {
        let words = RareWords::new(10);
        let street = Entries::Few { one_word: Some("montvermont".to_owned()) };

        words.remember(&word("montvermont"), street.clone());
        words.remember(&word("sunny"), Entries::Many);

        assert_eq!(words.known(&word("montvermont")), Some(street.clone()));
        assert_eq!(words.known(&word("sunny")), Some(Entries::Many));
        assert_eq!(words.known(&word("park")), None, "never asked");
        let (sunny, park, montvermont) = (word("sunny"), word("park"), word("montvermont"));
        assert_eq!(words.known_first_rare(std::slice::from_ref(&sunny)), Some(None), "all common");
        let searched = [sunny.clone(), montvermont.clone(), park.clone()];
        assert_eq!(
            words.known_first_rare(&searched),
            Some(Some((&montvermont, street))),
            "the first rare word decides, whatever follows"
        );
        assert_eq!(words.known_first_rare(&[sunny, park]), None, "one is unknown");
    }
}
