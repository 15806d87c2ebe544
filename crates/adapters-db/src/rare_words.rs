//! Which search words are rare: few enough properties have a word starting
//! with one for a page to start from its entries in the word index
//! (`search::word_first_page!`) rather than walk the newest-first index and
//! probe each property's words. Both answer the same; only the cost
//! differs, and it is lopsided both ways: a word in 488 of a million
//! properties costs the walk 2.4 ms of PostgreSQL's time a page, and its
//! entries alone 0.25 ms; a word in every tenth property costs the walk a
//! few hundred index entries, its entries a sort of a hundred thousand
//! (BENCHMARKS.md, "Rare words").
//!
//! Whether a word is rare is asked of the index itself (is there an entry
//! after the first [`RareWords::most_matches`]?), which costs a read of at
//! most that many index entries, and remembered for a while, so that the
//! words people search again cost nothing more. A misjudged word (one that
//! became common since) is only a slower plan, never another answer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use realty_domain::SearchWord;

/// A word is rare up to this many entries. The walk's cost grows as its
/// matches get fewer (limit × properties ÷ matches entries), the entries'
/// as they get more, and an entry read from the word index costs a tenth of
/// a walked one (which a probe follows); at a million properties they cross
/// near fifteen thousand, at ten thousand near fifteen hundred. Below both:
/// a word that is rare here is cheaper from its entries at any size.
pub(crate) const DEFAULT_MOST_MATCHES: u32 = 1_500;

/// How many words are remembered at most (a few hundred kilobytes); when
/// full, all are forgotten at once, and the next searches ask again.
const REMEMBERED: usize = 10_000;

/// How long an answer is trusted: words grow common or rare slowly.
const TRUSTED_FOR: Duration = Duration::from_secs(600);

/// The words known to be rare or not, shared by a database handle's clones.
#[derive(Debug)]
pub(crate) struct RareWords {
    most_matches: u32,
    known: Mutex<HashMap<SearchWord, (bool, Instant)>>,
}

impl RareWords {
    pub(crate) fn new(most_matches: u32) -> Self {
        Self { most_matches, known: Mutex::new(HashMap::new()) }
    }

    /// The entries beyond which a word is not rare.
    pub(crate) fn most_matches(&self) -> u32 {
        self.most_matches
    }

    /// Whether `word` is rare, if that was found out lately.
    pub(crate) fn known(&self, word: &SearchWord) -> Option<bool> {
        let known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        known.get(word).filter(|(_, at)| at.elapsed() < TRUSTED_FOR).map(|(rare, _)| *rare)
    }

    /// Remembers whether `word` is rare.
    pub(crate) fn remember(&self, word: &SearchWord, rare: bool) {
        let mut known = self.known.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if known.len() >= REMEMBERED && !known.contains_key(word) {
            known.clear();
        }
        known.insert(word.clone(), (rare, Instant::now()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str) -> SearchWord {
        SearchWord::parse_all(text).expect("a search word").remove(0)
    }

    #[test]
    fn an_answer_is_remembered_per_word() {
        let words = RareWords::new(10);

        words.remember(&word("montvermont"), true);
        words.remember(&word("sunny"), false);

        assert_eq!(words.known(&word("montvermont")), Some(true));
        assert_eq!(words.known(&word("sunny")), Some(false));
        assert_eq!(words.known(&word("park")), None, "never asked");
    }

    #[test]
    fn a_full_memory_forgets_everything_rather_than_grow() {
        let words = RareWords::new(10);
        for n in 0..REMEMBERED {
            words.remember(&word(&format!("w{n}")), true);
        }

        words.remember(&word("newcomer"), false);

        assert_eq!(words.known(&word("newcomer")), Some(false), "the newest answer is kept");
        assert_eq!(words.known(&word("w0")), None, "the older ones were forgotten");
        assert_eq!(words.known.lock().expect("not poisoned").len(), 1);
    }
}
