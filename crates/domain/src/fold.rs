//! The one folding of text for comparison, shared by the city filter and the
//! word search, so that a city key and a search word are made the same way
//! from what the owner typed and from what the visitor typed.
//!
//! Text is normalised (NFKC: fullwidth "Ｐａｒｉｓ" and the ligature "ﬁ" become
//! plain letters), transliterated to Latin letters with `deunicode` ("Łódź"
//! → "Lodz", "Straße" → "Strasse", "Œuvre" → "Oeuvre", "Ørsted" → "Orsted",
//! "Αθήνα" → "Athena"), lower-cased, and every run of characters that are
//! neither letters nor digits (spaces, hyphens, en dashes, underscores,
//! apostrophes, punctuation) becomes one space; the result is trimmed.

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;

/// Bumped whenever [`fold`] changes, so that stored keys and words made by
/// an older folding are recomputed (the database adapter does it on
/// migration).
pub const FOLDING_VERSION: i32 = 2;

/// The folded form of `text`: words of lower-case letters and digits
/// separated by single spaces. May be empty (`"--"`, `"!!"`).
pub fn fold(text: &str) -> String {
    let mut folded = Folded { text: String::with_capacity(text.len()), pending_space: false };
    for c in text.nfkc() {
        if c.is_ascii() {
            folded.push(c);
            continue;
        }
        match deunicode::deunicode_char(c) {
            Some(latin) => latin.chars().for_each(|c| folded.push(c)),
            // A letter deunicode does not know may have a lower-case form it
            // knows (U+A7CB → ɤ → "u"); else it stays, lower-cased.
            None => {
                for lower in c.to_lowercase() {
                    match deunicode::deunicode_char(lower) {
                        Some(latin) => latin.chars().for_each(|c| folded.push(c)),
                        None => folded.push(lower),
                    }
                }
            }
        }
    }
    folded.text
}

/// The longest search word (DESIGN §4.1). Longer stored words are cut to it:
/// a prefix query of at most this many characters cannot tell the
/// difference, and index rows stay small.
pub const MAX_WORD_CHARS: usize = 50;

/// The distinct words of `texts`, folded and cut to [`MAX_WORD_CHARS`]:
/// what the word index stores for a property or a user.
pub fn index_words<'a>(texts: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    let mut index = BTreeSet::new();
    for text in texts {
        for word in words(&fold(text)) {
            index.insert(word.chars().take(MAX_WORD_CHARS).collect());
        }
    }
    index
}

/// The words of a folded text, in order.
pub fn words(folded: &str) -> impl Iterator<Item = &str> {
    folded.split(' ').filter(|word| !word.is_empty())
}

struct Folded {
    text: String,
    pending_space: bool,
}

impl Folded {
    fn push(&mut self, c: char) {
        if !c.is_alphanumeric() {
            self.pending_space = true;
            return;
        }
        if self.pending_space && !self.text.is_empty() {
            self.text.push(' ');
        }
        self.pending_space = false;
        self.text.extend(c.to_lowercase());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_and_separators() {
        let cases = [
            ("  Saint-Étienne ", "saint etienne"),
            ("saint etienne", "saint etienne"),
            ("Aix--en---Provence", "aix en provence"),
            ("Sunny flat near the PARK.", "sunny flat near the park"),
        ];
        for (raw, folded) in cases {
            assert_eq!(fold(raw), folded, "{raw:?}");
        }
    }

    #[test]
    fn transliterates_letters_that_do_not_decompose() {
        let cases = [
            ("Łódź", "lodz"),
            ("Straße", "strasse"),
            ("Œuvre", "oeuvre"),
            ("Ørsted", "orsted"),
            ("Þórshöfn", "thorshofn"),
            ("Αθήνα", "athena"),
            ("Москва", "moskva"),
        ];
        for (raw, folded) in cases {
            assert_eq!(fold(raw), folded, "{raw:?}");
        }
    }

    #[test]
    fn fullwidth_letters_ligatures_dashes_and_underscores_fold_like_ascii() {
        let cases = [
            ("Ｐａｒｉｓ", "paris"),
            ("ﬁnistère", "finistere"),
            ("Saint–Étienne", "saint etienne"),
            ("Saint—Étienne", "saint etienne"),
            ("saint_etienne", "saint etienne"),
            ("L’Haÿ-les-Roses", "l hay les roses"),
        ];
        for (raw, folded) in cases {
            assert_eq!(fold(raw), folded, "{raw:?}");
        }
    }

    #[test]
    fn text_without_letters_or_digits_folds_to_nothing() {
        for raw in ["", "   ", "--", "–—_", "!?.", "\u{301}"] {
            assert_eq!(fold(raw), "", "{raw:?}");
        }
    }

    #[test]
    fn index_words_are_distinct_and_cut_to_the_longest_search_word() {
        let long = "a".repeat(80);
        let index = index_words(["Sunny SUNNY flat", &long]);

        assert_eq!(index.len(), 3);
        assert!(index.contains("sunny") && index.contains("flat"));
        assert!(index.contains(&"a".repeat(MAX_WORD_CHARS)));
    }

    #[test]
    fn words_are_the_space_separated_parts() {
        assert_eq!(
            words(&fold("Sunny flat, near the PARK")).collect::<Vec<_>>(),
            ["sunny", "flat", "near", "the", "park"]
        );
    }
}
