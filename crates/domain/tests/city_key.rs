//! The folded city key behind `?city=`: case-, accent-, script- and
//! separator-insensitive, so that a visitor finds a city however they type it.

use realty_domain::{City, CityKey};

/// Asserts that each `(case, raw, key)` normalises `raw` to `key`.
fn assert_normalised(cases: &[(&str, &str, &str)]) {
    for (case, raw, key) in cases {
        assert_eq!(CityKey::normalise(raw).as_str(), *key, "{case}: {raw:?}");
    }
}

#[test]
fn saint_etienne_typed_two_ways_shares_one_key() {
    let as_entered = CityKey::normalise("  Saint-Étienne ");
    let as_searched = CityKey::normalise("saint etienne");

    assert_eq!(as_entered.as_str(), "saint etienne");
    assert_eq!(as_entered, as_searched);
}

#[test]
fn folds_case_and_removes_accents() {
    let cases = [
        ("upper case", "PARIS", "paris"),
        ("mixed case", "pArIs", "paris"),
        ("é", "Évry", "evry"),
        ("è", "Sète", "sete"),
        ("ê", "Crêt", "cret"),
        ("ü", "München", "munchen"),
        ("ç", "Besançon", "besancon"),
        ("ñ", "A Coruña", "a coruna"),
        ("Å", "Ålesund", "alesund"),
        ("Å written as the ångström sign", "\u{212b}lesund", "alesund"),
        ("é already decomposed (e + U+0301)", "E\u{301}vian", "evian"),
        ("several accents", "Ÿ Ï Ô Â Ë", "y i o a e"),
        ("İ (dotted capital I)", "İzmir", "izmir"),
        ("digits kept", "Paris 15e", "paris 15e"),
    ];
    assert_normalised(&cases);
}

#[test]
fn transliterates_letters_that_do_not_decompose_into_an_accent() {
    let cases = [
        ("Ł and ź", "Łódź", "lodz"),
        ("ß", "Gießen", "giessen"),
        ("œ", "Œuilly", "oeuilly"),
        ("ø", "Tromsø", "tromso"),
        ("æ", "Ærøskøbing", "aeroskobing"),
        ("đ", "Đà Nẵng", "da nang"),
        ("Greek", "Αθήνα", "athena"),
        ("Cyrillic", "Москва", "moskva"),
        ("fullwidth Latin", "ＰＡＲＩＳ", "paris"),
    ];
    assert_normalised(&cases);
}

#[test]
fn folds_every_run_of_separators_into_one_space() {
    let cases = [
        ("one hyphen", "Aix-en-Provence", "aix en provence"),
        ("a run of spaces", "Aix   en  Provence", "aix en provence"),
        ("a run of hyphens", "Aix--en---Provence", "aix en provence"),
        ("spaces around a hyphen", "Saint - Étienne", "saint etienne"),
        ("an en dash", "Saint–Étienne", "saint etienne"),
        ("an em dash", "Saint—Étienne", "saint etienne"),
        ("an underscore", "saint_etienne", "saint etienne"),
        ("an apostrophe", "L'Haÿ-les-Roses", "l hay les roses"),
        ("a typographic apostrophe", "L’Haÿ-les-Roses", "l hay les roses"),
        ("tabs", "Saint\t\tÉtienne", "saint etienne"),
        ("a newline", "Saint\nÉtienne", "saint etienne"),
        ("a no-break space", "Saint\u{a0}Étienne", "saint etienne"),
        ("an ideographic space", "Saint\u{3000}Étienne", "saint etienne"),
    ];
    assert_normalised(&cases);
}

#[test]
fn drops_leading_and_trailing_separators() {
    let cases = [
        ("spaces", "   Nice   ", "nice"),
        ("hyphens", "--Nice--", "nice"),
        ("mixed separators", " -\t Nice - \n", "nice"),
        ("a lone accent before the name", "\u{301}Nice", "nice"),
    ];
    assert_normalised(&cases);
}

#[test]
fn separators_alone_fold_to_an_empty_key() {
    let cases = [("empty", ""), ("two hyphens", "--"), ("spaces", "   "), ("mixed", " -\t_– ")];
    for (case, raw) in cases {
        assert_eq!(CityKey::normalise(raw).as_str(), "", "{case}: {raw:?}");
    }
}

#[test]
fn a_city_filter_accepts_ordinary_names() {
    let cases = [
        ("hyphenated with accent", "saint-étienne", "saint etienne"),
        ("spaced, capitalised", "Saint Etienne", "saint etienne"),
        ("transliterated", "lodz", "lodz"),
        ("one letter", "y", "y"),
        ("padded", "  Lyon ", "lyon"),
        ("100 characters", &"a".repeat(100), &"a".repeat(100)),
    ];
    for (case, raw, key) in cases {
        let parsed = CityKey::parse_filter(raw).unwrap_or_else(|e| panic!("{case}: rejected with {e}"));

        assert_eq!(parsed.as_str(), key, "{case}");
    }
}

#[test]
fn a_city_filter_that_folds_to_nothing_is_too_long_or_holds_nul_is_rejected() {
    let cases = [
        ("empty", String::new(), "must not be blank"),
        ("spaces", "   ".to_owned(), "must not be blank"),
        ("two hyphens", "--".to_owned(), "must not be blank"),
        ("separators", " - _ – ".to_owned(), "must not be blank"),
        ("101 characters", "a".repeat(101), "at most 100 characters"),
        ("101 accented characters", "é".repeat(101), "at most 100 characters"),
        ("a NUL character", "Ni\u{0}ce".to_owned(), "control characters"),
        ("NUL alone", "\u{0}".to_owned(), "control characters"),
        ("a zero-width space", "Ni\u{200b}ce".to_owned(), "formatting characters"),
    ];
    for (case, raw, rule) in cases {
        let error = CityKey::parse_filter(&raw).expect_err(case).to_string();

        assert!(error.contains(rule), "{case}: {error:?} does not state {rule:?}");
    }
}

#[test]
fn rejects_a_city_without_a_letter_or_digit() {
    for raw in ["--", " - ", "- -", "_–_"] {
        let error = City::parse(raw).expect_err(raw).to_string();

        assert!(error.contains("letter or digit"), "{raw:?}: {error}");
    }
}

#[test]
fn a_city_of_letters_that_only_transliterate_is_accepted() {
    for raw in ["北京", "Αθήνα", "Łódź"] {
        let city = City::parse(raw).unwrap_or_else(|e| panic!("{raw:?}: rejected with {e}"));

        assert!(!city.key().as_str().is_empty(), "{raw:?}");
    }
}

#[test]
fn a_city_s_key_is_the_normalised_city() {
    let cases = ["Saint-Étienne", "  Aix-en-Provence  ", "LYON", "A Coruña", "Ålesund", "Łódź"];
    for raw in cases {
        let city = City::parse(raw).unwrap_or_else(|e| panic!("{raw:?}: rejected with {e}"));

        assert_eq!(city.key(), CityKey::normalise(city.as_str()), "{raw:?}");
        assert_eq!(city.key(), CityKey::normalise(raw), "{raw:?}: trimming does not change the key");
    }
}

#[test]
fn a_city_stored_with_accents_matches_a_filter_typed_without() {
    let cases = [
        ("Saint-Étienne", &["saint-etienne", "Saint Etienne", "SAINT ÉTIENNE", " saint  -  etienne "][..]),
        ("Łódź", &["lodz", "LODZ", "Lódz"][..]),
        ("Gießen", &["giessen", "GIESSEN"][..]),
    ];
    for (stored, filters) in cases {
        let city = City::parse(stored).expect("a valid city");
        for filter in filters {
            let key =
                CityKey::parse_filter(filter).unwrap_or_else(|e| panic!("{filter:?}: rejected with {e}"));

            assert_eq!(key, city.key(), "{stored:?} by {filter:?}");
        }
    }
}

/// Every Unicode scalar value, alone and between letters: proptest samples
/// strings, this covers each character's normalisation and transliteration.
#[test]
fn every_single_character_folds_to_a_stable_key_of_words() {
    for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
        let raw = format!("a{c}b");

        let key = CityKey::normalise(&raw);

        let again = CityKey::normalise(key.as_str());
        assert_eq!(again, key, "U+{:04X}: folding the key changes it", u32::from(c));
        assert!(
            key.as_str().chars().all(|c| c == ' ' || c.is_alphanumeric()),
            "U+{:04X}: {:?} holds a separator other than one space",
            u32::from(c),
            key.as_str()
        );
        assert!(!key.as_str().contains("  "), "U+{:04X}: double space", u32::from(c));
    }
}
