//! A property's word signature: 64 bits stored with the property and carried
//! by the newest-first index, one bit set per word of its name and
//! description, chosen by the word's first three characters. A search word
//! of three characters or more can start a stored word only if the bit of
//! its own first three is set, so the search tests the bits in the index
//! before it probes the word table, and probes only the properties that
//! may match. The test lets every match through (it is a necessary
//! condition, never a sufficient one); the word table decides.
//!
//! The bits are stored, so the choice of bit must not change between builds
//! or Rust versions: it is FNV-1a, written out here, not `std`'s hasher.
//! Changing it, or [`PREFIX_CHARS`], calls for a new
//! [`realty_domain::fold::FOLDING_VERSION`] so that stored signatures are
//! recomputed.

use std::collections::BTreeSet;

use realty_domain::SearchWord;

/// The characters of a word that choose its bit. Shorter search words test
/// no bit (their matches are found by the word table alone); longer ones
/// share the bit of their first three characters with every word they can
/// start.
pub(crate) const PREFIX_CHARS: usize = 3;

/// The signature of a property's index words (`Property::index_words`).
pub(crate) fn of_words(words: &BTreeSet<String>) -> i64 {
    words.iter().fold(0, |signature, word| signature | bit(word))
}

/// The bits a property must have to match all of `words`; 0 when no word is
/// long enough to test one.
pub(crate) fn required_by(words: &[SearchWord]) -> i64 {
    words
        .iter()
        .filter(|word| word.as_str().chars().nth(PREFIX_CHARS - 1).is_some())
        .fold(0, |signature, word| signature | bit(word.as_str()))
}

/// The bit of `word`'s first [`PREFIX_CHARS`] characters (all of it when
/// shorter).
fn bit(word: &str) -> i64 {
    let end = word.char_indices().nth(PREFIX_CHARS).map_or(word.len(), |(at, _)| at);
    let hash = word.as_bytes()[..end].iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    1 << (hash % 64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use realty_domain::fold::index_words;

    fn query(q: &str) -> Vec<SearchWord> {
        SearchWord::parse_all(q).expect("a valid q")
    }

    fn covers(signature: i64, required: i64) -> bool {
        signature & required == required
    }

    #[test]
    fn a_property_passes_the_test_of_every_word_that_starts_one_of_its_words() {
        let signature = of_words(&index_words(["Sunny flat", "Near the Park, with a view"]));

        for q in ["sun", "sunny", "park", "par", "sunny park", "view", "near the"] {
            assert!(covers(signature, required_by(&query(q))), "{q:?}");
        }
    }

    #[test]
    fn words_of_one_or_two_characters_test_no_bit() {
        assert_eq!(required_by(&query("a th")), 0);
        assert_ne!(required_by(&query("a the")), 0);
    }

    #[test]
    fn the_bit_is_chosen_by_the_first_three_characters_only() {
        assert_eq!(bit("sunny"), bit("sun"));
        assert_eq!(bit("sunday"), bit("sun"));
        assert_eq!(bit("été"), bit("étéx"));
        assert_eq!(bit("ab"), bit("ab"));
        assert_eq!(bit("ab").count_ones(), 1);
    }

    #[test]
    fn the_bits_are_those_stored_by_earlier_builds() {
        // Stored signatures depend on these values: if this fails, the
        // function changed and FOLDING_VERSION must be bumped.
        assert_eq!(bit("sun").trailing_zeros(), 1);
        assert_eq!(bit("par").trailing_zeros(), 40);
    }

    #[test]
    fn most_other_words_fail_the_test() {
        let signature = of_words(&index_words(["Sunny flat", "Near the park"]));
        let others = ["garage", "terrace", "cellar", "attic", "pool", "garden", "metro", "solar"];

        let failing = others.iter().filter(|q| !covers(signature, required_by(&query(q)))).count();

        assert!(failing >= others.len() / 2, "{failing} of {}", others.len());
    }
}
