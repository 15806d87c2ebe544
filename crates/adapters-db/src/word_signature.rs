//! A property's word signature: two 63-bit masks stored with the property
//! and carried by the newest-first index, which say which prefixes the
//! words of its name and description may start with. Each word sets one
//! bit of `three`, chosen by its first three characters (the whole word
//! when shorter), and, from four characters on, one bit of `four`, chosen
//! by its first four. A search word can start a stored word only if the
//! bits of its own prefixes are set, so the search tests them in the index
//! before it probes the word table, and probes only the properties that may
//! match. The test lets every match through (a necessary condition, never a
//! sufficient one); the word table decides.
//!
//! Two masks of one length each, rather than one mask of both: a word sets
//! one bit in each, so neither fills up as fast, and a search word of four
//! characters or more must pass both (BENCHMARKS.md, "Word signature").
//!
//! The bits are stored, so the choice of bit must not change between builds
//! or Rust versions: it is FNV-1a, written out here, not `std`'s hasher.
//! Changing it calls for a migration that marks the derived data stale (as
//! `2026-12-01-200000_word_signature` does), so that stored signatures are
//! recomputed.

use std::collections::BTreeSet;

use realty_domain::SearchWord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WordSignature {
    /// A bit per distinct first three characters.
    pub(crate) three: i64,
    /// A bit per distinct first four characters.
    pub(crate) four: i64,
}

impl WordSignature {
    /// The signature of a property's index words (`Property::index_words`).
    pub(crate) fn of_words(words: &BTreeSet<String>) -> Self {
        let mut signature = Self { three: 0, four: 0 };
        for word in words {
            signature.three |= bit(prefix(word, 3));
            if let Some(four) = prefix_of_length(word, 4) {
                signature.four |= bit(four);
            }
        }
        signature
    }

    /// The bits a property must have to match all of `words`. Words of one
    /// or two characters test none: their matches are found by the word
    /// table alone.
    pub(crate) fn required_by(words: &[SearchWord]) -> Self {
        let mut required = Self { three: 0, four: 0 };
        for word in words.iter().map(SearchWord::as_str) {
            if let Some(three) = prefix_of_length(word, 3) {
                required.three |= bit(three);
            }
            if let Some(four) = prefix_of_length(word, 4) {
                required.four |= bit(four);
            }
        }
        required
    }

    /// Whether it tests no bit.
    pub(crate) fn is_empty(&self) -> bool {
        self.three == 0 && self.four == 0
    }
}

/// The first `chars` characters of `word`, all of it when shorter.
fn prefix(word: &str, chars: usize) -> &str {
    word.char_indices().nth(chars).map_or(word, |(end, _)| &word[..end])
}

/// The first `chars` characters of `word`, if it has that many.
fn prefix_of_length(word: &str, chars: usize) -> Option<&str> {
    word.chars().nth(chars - 1).map(|_| prefix(word, chars))
}

/// The bit of a prefix: one of the 63 below the sign bit, so that a mask is
/// never negative and adding one to it never overflows (see the search).
fn bit(prefix: &str) -> i64 {
    let hash = prefix.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    1 << (hash % 63)
}

#[cfg(test)]
mod tests {
    use super::*;
    use realty_domain::fold::index_words;

    fn required(q: &str) -> WordSignature {
        WordSignature::required_by(&SearchWord::parse_all(q).expect("a valid q"))
    }

    fn passes(signature: WordSignature, required: WordSignature) -> bool {
        signature.three & required.three == required.three && signature.four & required.four == required.four
    }

    #[test]
    fn a_property_passes_the_test_of_every_word_that_starts_one_of_its_words() {
        let signature = WordSignature::of_words(&index_words(["Sunny flat", "Near the Park, with a view"]));

        for q in ["sun", "sunn", "sunny", "park", "par", "sunny park", "view", "near the", "a", "wi"] {
            assert!(passes(signature, required(q)), "{q:?}");
        }
    }

    #[test]
    fn words_of_one_or_two_characters_test_no_bit_and_three_characters_one() {
        assert_eq!(required("a th"), WordSignature { three: 0, four: 0 });
        assert_eq!(required("the").three.count_ones(), 1);
        assert_eq!(required("the").four, 0);
        assert_eq!(required("them").four.count_ones(), 1);
    }

    #[test]
    fn the_bits_are_chosen_by_the_first_three_and_four_characters_only() {
        assert_eq!(required("sunny").three, required("sunday").three);
        assert_eq!(required("sunny").three, required("sun").three);
        assert_eq!(required("sunny").four, required("sunnier").four);
        assert_eq!(required("étété"), required("ététa"));
    }

    #[test]
    fn the_bits_are_those_stored_by_earlier_builds() {
        // Stored signatures depend on these values: if this fails, the bit
        // choice changed and stored signatures must be recomputed (see the
        // module's documentation).
        assert_eq!(bit("sun").trailing_zeros(), 40);
        assert_eq!(bit("sunn").trailing_zeros(), 23);
        assert_eq!(bit("par").trailing_zeros(), 21);
        assert_eq!(bit("park").trailing_zeros(), 41);
    }

    #[test]
    fn most_other_words_fail_the_test() {
        let signature = WordSignature::of_words(&index_words(["Sunny flat", "Near the park"]));
        let others = ["garage", "terrace", "cellar", "attic", "pool", "garden", "metro", "solar", "parquet"];

        let failing = others.iter().filter(|q| !passes(signature, required(q))).count();

        assert!(failing >= others.len() - 1, "{failing} of {}", others.len());
    }
}
