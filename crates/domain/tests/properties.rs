//! Property-based tests: the value objects' rules hold for any input, not
//! just the examples of the table tests.

use proptest::prelude::*;
use realty_domain::{
    AreaM2, City, CityKey, Description, Email, Floor, PersonName, PropertyName, RoomDescription, RoomName,
    TypeName, TypeSlug,
};
use unicode_normalization::char::is_combining_mark;

/// Unicode's format characters (category Cf), by a route independent of the
/// one the domain takes: the code points Unicode 16 assigns to Cf.
fn is_format(c: char) -> bool {
    matches!(u32::from(c),
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E | 0x200B..=0x200F
        | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD
        | 0x13430..=0x1343F | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

/// Text that looks like a city: letters (some accented or upper case),
/// digits and plenty of separators.
fn city_like() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9ÀÉÈÊÇÑÅÜéèêçñåüİıßÆæ \\-\t]{0,40}"
}

/// Any text, or text that looks like a city.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), city_like()]
}

/// One word: text without the separators the key folds (whitespace, `-`).
fn word() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-zA-ZéÉçÇ0-9]{1,10}"]
        .prop_map(|raw| raw.chars().filter(|c| !c.is_whitespace() && *c != '-').collect())
}

/// A run of one or more separators.
fn separators() -> impl Strategy<Value = String> {
    "[ \\-\t\n\u{a0}]{1,4}"
}

/// `parse_owned(raw)` (the read-back path: no copy) answers as `parse(&raw)`.
macro_rules! same_as_parse {
    ($raw:expr, $($value:ident),+) => {
        $(prop_assert_eq!($value::parse_owned($raw.clone()), $value::parse(&$raw), "{}", stringify!($value));)+
    };
}

proptest! {
    #[test]
    fn parsing_an_owned_string_gives_what_parsing_a_borrowed_one_gives(
        raw in prop_oneof![any_text(), "[ \t]{0,2}[a-z-]{0,6}[ \t]{0,2}"]
    ) {
        same_as_parse!(raw, PropertyName, Description, City, TypeSlug, TypeName, RoomName, RoomDescription, PersonName);
    }

    #[test]
    fn a_city_is_accepted_only_when_its_key_is_not_empty(raw in "[ \\-a\u{301}\u{300}é]{1,6}") {
        let accepted = City::parse(&raw).is_ok();
        let key_empty = CityKey::normalise(&raw).as_str().is_empty();

        prop_assert_eq!(accepted, !key_empty, "{:?}", raw);
    }

    #[test]
    fn normalising_a_city_key_gives_the_same_key(raw in any_text()) {
        let key = CityKey::normalise(&raw);

        let again = CityKey::normalise(key.as_str());

        prop_assert_eq!(again, key);
    }

    #[test]
    fn a_city_key_is_lower_case_unaccented_and_single_spaced(raw in any_text()) {
        let key = CityKey::normalise(&raw);
        let key = key.as_str();

        // "Lower case" as far as Unicode has a lower case: a few symbols
        // (ℂ, 𝐀…) are upper-case letters with no lower-case form.
        prop_assert_eq!(key.to_lowercase(), key, "upper case left in {:?}", key);
        // Accents go; the vowel signs of Indic scripts are letters and stay.
        prop_assert!(
            !key.chars().any(|c| is_combining_mark(c) && !c.is_alphanumeric()),
            "accent left in {:?}", key
        );
        prop_assert!(!key.contains('-'), "hyphen left in {:?}", key);
        prop_assert!(!key.contains("  "), "double space in {:?}", key);
        prop_assert!(!key.starts_with(' ') && !key.ends_with(' '), "untrimmed {:?}", key);
        prop_assert!(
            !key.chars().any(|c| c.is_whitespace() && c != ' '),
            "whitespace other than a plain space in {:?}", key
        );
    }

    #[test]
    fn extra_separators_between_words_do_not_change_the_city_key(
        words in prop::collection::vec(word(), 1..5),
        runs in prop::collection::vec(separators(), 4),
        leading in "[ \\-\t]{0,3}",
        trailing in "[ \\-\t]{0,3}",
    ) {
        let plain = words.join(" ");
        let mut padded = leading;
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                padded.push_str(&runs[i - 1]);
            }
            padded.push_str(word);
        }
        padded.push_str(&trailing);

        prop_assert_eq!(CityKey::normalise(&padded), CityKey::normalise(&plain), "{:?} vs {:?}", padded, plain);
    }

    #[test]
    fn ascii_case_does_not_change_the_city_key(
        raw in any_text(),
        upper in prop::collection::vec(any::<bool>(), 40),
    ) {
        let mixed: String = raw
            .chars()
            .zip(upper.iter().cycle())
            .map(|(c, &up)| if up { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() })
            .collect();

        let key = CityKey::normalise(&raw);

        prop_assert_eq!(CityKey::normalise(&mixed), key.clone(), "mixed case {:?}", mixed);
        prop_assert_eq!(CityKey::normalise(&raw.to_ascii_uppercase()), key.clone());
        prop_assert_eq!(CityKey::normalise(&raw.to_ascii_lowercase()), key);
    }

    #[test]
    fn a_property_name_is_accepted_exactly_when_its_trimmed_form_is_1_to_120_printable_characters(
        raw in prop_oneof![
            any::<String>(),
            // Around the 120-character limit, with and without padding.
            "[ \t\n\u{a0}]{0,3}[a-zé🏠 ]{115,125}[ \t\n\u{3000}]{0,3}",
            // Short names, sometimes with a control character inside.
            "[ \t]{0,2}[a-zé \u{0}\u{7}\u{1b}\t\n]{1,10}[ \t]{0,2}",
            "[ \t\n\u{a0}\u{85}]{0,5}",
        ],
    ) {
        let trimmed = raw.trim();
        let length = trimmed.chars().count();
        let valid = (1..=120).contains(&length) && !trimmed.chars().any(|c| c.is_control() || is_format(c));

        let parsed = PropertyName::parse(&raw);

        match parsed {
            Ok(name) => {
                prop_assert!(valid, "accepted {:?} ({} chars)", raw, length);
                prop_assert_eq!(name.as_str(), trimmed);
            }
            Err(error) => {
                prop_assert!(!valid, "rejected {:?}: {}", raw, error);
            }
        }
    }

    #[test]
    fn parsing_a_parsed_email_gives_the_same_email(
        raw in prop_oneof![
            any::<String>(),
            "[ \t]{0,2}[a-zA-Z0-9.+_İΣẞÉ\u{212a}]{1,66}@[a-zA-Z0-9\\-É]{1,10}(\\.[a-zA-Z0-9\\-]{1,8}){1,3}[ \t]{0,2}",
        ],
    ) {
        if let Ok(email) = Email::parse(&raw) {
            let again = Email::parse(email.as_str());

            prop_assert_eq!(again, Ok(email));
        }
    }

    #[test]
    fn an_area_is_accepted_exactly_when_finite_above_0_and_at_most_10000(
        value in prop_oneof![
            any::<f64>(),
            -1.0..10_001.0_f64,
            Just(0.0),
            Just(-0.0),
            Just(10_000.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
        ],
    ) {
        let valid = value.is_finite() && value > 0.0 && value <= 10_000.0;

        let parsed = AreaM2::parse(value);

        prop_assert_eq!(parsed.is_ok(), valid, "{}", value);
        if let Ok(area) = parsed {
            prop_assert_eq!(area.value().to_bits(), value.to_bits());
        }
    }

    #[test]
    fn a_floor_is_accepted_exactly_from_minus_5_to_200(
        value in prop_oneof![any::<i64>(), -20_i64..220],
    ) {
        let parsed = Floor::parse(value);

        prop_assert_eq!(parsed.is_ok(), (-5..=200).contains(&value), "{}", value);
        if let Ok(floor) = parsed {
            prop_assert_eq!(i64::from(floor.value()), value);
        }
    }
}
