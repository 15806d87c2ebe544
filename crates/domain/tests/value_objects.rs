//! Table tests of every value object's limits, each checked on both sides of
//! its boundary. A rejection must state the rule broken, so every failure
//! case asserts a fragment of the message (the field is named by the seam
//! that knows what the client called it).

use std::fmt::Debug;

use chrono::{NaiveDate, Utc};
use realty_domain::{
    Actor, AreaM2, BirthDate, City, Description, Email, Floor, LoginEmail, Password, PasswordHash,
    PersonName, PropertyName, Role, RoomDescription, RoomKind, RoomName, TypeName, TypeSlug, User, UserId,
    ValueError,
};

const BLANK: &str = "must not be blank";
const CONTROL: &str = "must not contain control characters";
const FORMAT: &str = "must not contain invisible formatting characters";

/// Asserts that `result` is a rejection whose message mentions `rule`,
/// naming `case` when it is not.
fn assert_rejected<T: Debug>(case: &str, result: Result<T, ValueError>, rule: &str) {
    match result {
        Ok(value) => panic!("{case}: expected a rejection, got {value:?}"),
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.contains(rule),
                "{case}: the message {message:?} does not state the rule {rule:?}"
            );
        }
    }
}

/// Unwraps an accepted value, naming `case` when it was rejected.
fn accepted<T>(case: &str, result: Result<T, ValueError>) -> T {
    result.unwrap_or_else(|error| panic!("{case}: expected the value to be accepted, got {error}"))
}

fn repeat(c: char, n: usize) -> String {
    std::iter::repeat_n(c, n).collect()
}

/// `(case, input, stored value)` of an accepted input, or `(case, input,
/// rule)` of a rejected one.
type Case = (String, String, String);

/// The limits shared by every trimmed, single-line name (person, property,
/// type, room, city), for a field of `max` characters: the accepted cases,
/// then the rejected ones.
fn name_cases(max: usize) -> (Vec<Case>, Vec<Case>) {
    let at_max = repeat('a', max);
    let accepted = vec![
        ("1 character".to_owned(), "A".to_owned(), "A".to_owned()),
        (format!("{max} characters"), at_max.clone(), at_max.clone()),
        (format!("{max} two-byte characters ('é')"), repeat('é', max), repeat('é', max)),
        (format!("{max} four-byte characters (emoji)"), repeat('🏠', max), repeat('🏠', max)),
        ("surrounding spaces, trimmed".to_owned(), "  Les Oliviers  ".to_owned(), "Les Oliviers".to_owned()),
        (
            "surrounding tabs and newlines, trimmed".to_owned(),
            "\t\nLes Oliviers\r\n".to_owned(),
            "Les Oliviers".to_owned(),
        ),
        (format!("{max} characters once trimmed"), format!("   {at_max}   "), at_max),
        ("inner spaces kept".to_owned(), "Le  Mas".to_owned(), "Le  Mas".to_owned()),
    ];
    let too_long = format!("at most {max} characters");
    let rejected = vec![
        ("empty".to_owned(), String::new(), BLANK.to_owned()),
        ("spaces only".to_owned(), "     ".to_owned(), BLANK.to_owned()),
        (
            "whitespace only (tab, newline, no-break space)".to_owned(),
            "\t\n\u{a0}\u{3000}".to_owned(),
            BLANK.to_owned(),
        ),
        (format!("{} characters", max + 1), repeat('a', max + 1), too_long.clone()),
        (format!("{} two-byte characters ('é')", max + 1), repeat('é', max + 1), too_long),
        ("a NUL character inside".to_owned(), "Les\u{0}Oliviers".to_owned(), CONTROL.to_owned()),
        ("a bell character inside".to_owned(), "Les Oliviers\u{7}".to_owned(), CONTROL.to_owned()),
        ("an escape character inside".to_owned(), "\u{1b}[31mLes Oliviers".to_owned(), CONTROL.to_owned()),
        ("a newline inside".to_owned(), "Les\nOliviers".to_owned(), CONTROL.to_owned()),
        ("a tab inside".to_owned(), "Les\tOliviers".to_owned(), CONTROL.to_owned()),
        ("a DEL character inside".to_owned(), "Les\u{7f}Oliviers".to_owned(), CONTROL.to_owned()),
        ("a zero-width space inside".to_owned(), "Les\u{200b}Oliviers".to_owned(), FORMAT.to_owned()),
        ("a zero-width joiner inside".to_owned(), "Les\u{200d}Oliviers".to_owned(), FORMAT.to_owned()),
        ("a byte-order mark first".to_owned(), "\u{feff}Les Oliviers".to_owned(), FORMAT.to_owned()),
        ("a right-to-left override".to_owned(), "Les\u{202e}Oliviers".to_owned(), FORMAT.to_owned()),
        ("a soft hyphen".to_owned(), "Oli\u{ad}viers".to_owned(), FORMAT.to_owned()),
    ];
    (accepted, rejected)
}

/// Runs [`name_cases`] against one value object.
fn check_name_limits<T: Debug>(
    what: &str,
    max: usize,
    parse: impl Fn(&str) -> Result<T, ValueError>,
    as_str: impl Fn(&T) -> &str,
) {
    let (accepted_cases, rejected_cases) = name_cases(max);
    for (case, input, stored) in accepted_cases {
        let case = format!("{what}, {case}");

        let value = accepted(&case, parse(&input));

        assert_eq!(as_str(&value), stored, "{case}: stored value");
    }
    for (case, input, rule) in rejected_cases {
        assert_rejected(&format!("{what}, {case}"), parse(&input), &rule);
    }
}

// --- People ---------------------------------------------------------------

#[test]
fn person_names_hold_1_to_100_characters_after_trimming() {
    check_name_limits("person name", 100, PersonName::parse, PersonName::as_str);
}

#[test]
fn rejects_a_101_character_person_name() {
    let raw = repeat('é', 101);

    let result = PersonName::parse(&raw);

    assert_rejected("101 × 'é'", result, "at most 100 characters");
}

#[test]
fn accepts_and_normalises_plausible_email_addresses() {
    let cases = [
        ("plain address", "name@example.com", "name@example.com"),
        ("surrounding spaces trimmed", "  name@example.com \t", "name@example.com"),
        ("upper case folded", "Name.Surname@Example.COM", "name.surname@example.com"),
        ("trimmed and folded", " JOHN@EXAMPLE.ORG\n", "john@example.org"),
        ("plus tag and subdomains", "first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk"),
        ("digits and hyphens in the domain", "a1@my-host2.example", "a1@my-host2.example"),
        ("non-ASCII upper case folded", "ÉLODIE@EXAMPLE.FR", "élodie@example.fr"),
        ("one-character local part", "a@b.co", "a@b.co"),
    ];
    for (case, raw, stored) in cases {
        let email = accepted(case, Email::parse(raw));

        assert_eq!(email.as_str(), stored, "{case}: stored address");
        assert_eq!(email.to_string(), stored, "{case}: displayed address");
    }
}

#[test]
fn rejects_malformed_email_addresses() {
    const MALFORMED: &str = "must be an email address";
    let cases = [
        ("empty", "", BLANK),
        ("spaces only", "   ", BLANK),
        ("missing @", "name.example.com", MALFORMED),
        ("two @", "name@host@example.com", MALFORMED),
        ("two adjacent @", "name@@example.com", MALFORMED),
        ("empty local part", "@example.com", MALFORMED),
        ("empty domain", "name@", MALFORMED),
        ("no dot in the domain", "name@localhost", MALFORMED),
        ("domain starting with a dot", "name@.example.com", MALFORMED),
        ("domain ending with a dot", "name@example.com.", MALFORMED),
        ("domain of a dot only", "name@.", MALFORMED),
        ("two adjacent dots in the domain", "name@example..com", MALFORMED),
        ("space inside the local part", "first last@example.com", MALFORMED),
        ("space inside the domain", "name@exam ple.com", MALFORMED),
        ("space around the @", "name @ example.com", MALFORMED),
        ("tab inside", "name\t@example.com", CONTROL),
        ("no-break space inside", "name\u{a0}x@example.com", MALFORMED),
        ("NUL character inside", "name\u{0}@example.com", CONTROL),
        ("zero-width space inside", "ad\u{200b}min@example.com", FORMAT),
        ("byte-order mark inside", "\u{feff}admin@example.com", FORMAT),
        ("right-to-left override inside", "admin\u{202e}@example.com", FORMAT),
    ];
    for (case, raw, rule) in cases {
        assert_rejected(case, Email::parse(raw), rule);
    }
}

#[test]
fn accepts_a_254_character_email_address_and_rejects_255() {
    // 64 + 1 + 189 = 254 characters.
    let local = repeat('a', 64);
    let at_limit = format!("{local}@{}.com", repeat('b', 185));
    let over_limit = format!("{local}@{}.com", repeat('b', 186));
    assert_eq!(at_limit.chars().count(), 254, "arrangement");
    assert_eq!(over_limit.chars().count(), 255, "arrangement");

    let accepted_email = Email::parse(&at_limit);
    let rejected_email = Email::parse(&over_limit);

    assert_eq!(accepted("254 characters", accepted_email).as_str(), at_limit);
    assert_rejected("255 characters", rejected_email, "at most 254 characters");
}

#[test]
fn the_email_length_limit_applies_after_trimming() {
    let at_limit = format!("{}@{}.com", repeat('a', 64), repeat('b', 185));

    let email = Email::parse(&format!("   {at_limit}   "));

    assert_eq!(accepted("254 characters padded with spaces", email).as_str(), at_limit);
}

#[test]
fn accepts_a_64_character_local_part_and_rejects_65() {
    let at_limit = format!("{}@example.com", repeat('a', 64));
    let over_limit = format!("{}@example.com", repeat('a', 65));

    let accepted_email = Email::parse(&at_limit);
    let rejected_email = Email::parse(&over_limit);

    assert_eq!(accepted("64-character local part", accepted_email).as_str(), at_limit);
    assert_rejected("65-character local part", rejected_email, "must be an email address");
}

#[test]
fn a_login_email_is_the_trimmed_lower_cased_address_even_when_invalid() {
    let cases = [
        ("valid address", " Name@Example.COM ", "name@example.com", true),
        ("invalid address", "  NOT AN EMAIL ", "not an email", false),
    ];
    for (case, raw, key, valid) in cases {
        let login = accepted(case, LoginEmail::parse(raw));

        assert_eq!(login.as_str(), key, "{case}");
        assert_eq!(login.address().is_some(), valid, "{case}: a valid address or not");
    }
}

#[test]
fn a_login_email_is_bounded_and_storable() {
    let cases = [
        ("empty", String::new(), BLANK),
        ("255 characters", repeat('a', 255), "at most 254 characters"),
        ("3000 characters", repeat('a', 3000), "at most 254 characters"),
        ("a NUL character", "a\u{0}@x.test".to_owned(), CONTROL),
        ("a zero-width space", "a\u{200b}@x.test".to_owned(), FORMAT),
    ];
    for (case, raw, rule) in cases {
        assert_rejected(case, LoginEmail::parse(&raw), rule);
    }
}

#[test]
fn accepts_passwords_of_8_to_128_characters() {
    let cases = [
        ("8 characters", repeat('p', 8)),
        ("128 characters", repeat('p', 128)),
        ("8 two-byte characters (16 bytes)", repeat('é', 8)),
        ("128 two-byte characters (256 bytes)", repeat('é', 128)),
        ("8 spaces", repeat(' ', 8)),
    ];
    for (case, raw) in cases {
        let password = accepted(case, Password::parse(&raw));

        assert_eq!(password.expose(), raw, "{case}: kept as typed");
    }
}

#[test]
fn rejects_passwords_shorter_than_8_or_longer_than_128_characters() {
    let cases = [
        ("empty", String::new(), "at least 8 characters"),
        ("7 characters", repeat('p', 7), "at least 8 characters"),
        ("7 two-byte characters (14 bytes)", repeat('é', 7), "at least 8 characters"),
        ("129 characters", repeat('p', 129), "at most 128 characters"),
    ];
    for (case, raw, rule) in cases {
        assert_rejected(case, Password::parse(&raw), rule);
    }
}

#[test]
fn keeps_a_password_untrimmed() {
    let raw = "  correct horse battery  ";

    let password = Password::parse(raw).expect("a 25-character password is valid");

    assert_eq!(password.expose(), raw);
}

#[test]
fn counts_a_password_s_surrounding_spaces_towards_its_length() {
    // 6 letters + 2 spaces: valid only if the spaces are kept.
    let raw = " secret ";

    let password = Password::parse(raw);

    assert_eq!(accepted("6 letters and 2 spaces", password).expose(), raw);
}

#[test]
fn debug_output_never_shows_a_password() {
    let secret = "hunter2-is-my-secret";
    let cases = [
        ("parsed", Password::parse(secret).expect("valid password")),
        ("presented at login", Password::presented(secret).expect("valid password")),
    ];
    for (case, password) in cases {
        let debug = format!("{password:?} {password:#?}");

        assert!(!debug.contains(secret), "{case}: {debug:?} shows the password");
        assert!(!debug.contains("hunter2"), "{case}: {debug:?} shows part of the password");
        assert!(debug.contains("***"), "{case}: {debug:?} is not marked as redacted");
    }
}

#[test]
fn a_presented_password_has_no_minimum_but_the_same_maximum() {
    let cases = [("empty", String::new()), ("128 characters", repeat('x', 128))];
    for (case, raw) in cases {
        assert_eq!(accepted(case, Password::presented(&raw)).expose(), raw, "{case}");
    }
    assert_rejected("129 characters", Password::presented(&repeat('x', 129)), "at most 128 characters");
    assert_rejected("a NUL character", Password::presented("pass\u{0}word"), CONTROL);
}

#[test]
fn a_new_password_may_not_hold_nul() {
    assert_rejected("a NUL character", Password::parse("long enough\u{0}"), CONTROL);
}

#[test]
fn debug_output_never_shows_a_password_hash() {
    let phc = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

    let debug = format!("{:?}", PasswordHash::new(phc.to_owned()));

    assert!(!debug.contains("argon2id"), "{debug:?} shows the hash");
    assert!(!debug.contains("c29tZXNhbHQ"), "{debug:?} shows the salt");
    assert!(debug.contains("***"), "{debug:?} is not marked as redacted");
}

#[test]
fn debug_output_of_a_user_hides_the_password_hash() {
    let phc = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub";
    let now = Utc::now();
    let user = User {
        id: UserId(7),
        email: Email::parse("ann@example.com").expect("valid email"),
        password_hash: PasswordHash::new(phc.to_owned()),
        first_name: PersonName::parse("Ann").expect("valid name"),
        last_name: PersonName::parse("Lee").expect("valid name"),
        birth_date: None,
        role: Role::User,
        created_at: now,
        updated_at: now,
        password_changed_at: now,
    };

    let debug = format!("{user:?}");

    assert!(debug.contains("ann@example.com"), "arrangement: {debug}");
    assert!(!debug.contains("argon2id"), "{debug:?} shows the hash");
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

#[test]
fn accepts_birth_dates_from_1900_01_01_to_today() {
    let today = date(2026, 3, 15);
    let cases = [
        ("1900-01-01", date(1900, 1, 1)),
        ("1900-01-02", date(1900, 1, 2)),
        ("an ordinary date", date(1985, 7, 4)),
        ("a leap day", date(2000, 2, 29)),
        ("yesterday", date(2026, 3, 14)),
        ("today", today),
    ];
    for (case, birth) in cases {
        let birth_date = accepted(case, BirthDate::parse(birth, today));

        assert_eq!(birth_date.date(), birth, "{case}");
    }
}

#[test]
fn rejects_birth_dates_before_1900_or_after_today() {
    let today = date(2026, 3, 15);
    let cases = [
        ("1899-12-31", date(1899, 12, 31), "on or after 1900-01-01"),
        ("year 1", date(1, 1, 1), "on or after 1900-01-01"),
        ("tomorrow", date(2026, 3, 16), "must be today or earlier"),
        ("next year", date(2027, 1, 1), "must be today or earlier"),
    ];
    for (case, birth, rule) in cases {
        assert_rejected(case, BirthDate::parse(birth, today), rule);
    }
}

#[test]
fn the_earliest_birth_date_is_1900_01_01() {
    assert_eq!(BirthDate::EARLIEST, date(1900, 1, 1));
}

#[test]
fn parses_both_roles_and_spells_them_back() {
    let cases = [("user", Role::User), ("admin", Role::Admin)];
    for (raw, role) in cases {
        let parsed = accepted(raw, Role::parse(raw));

        assert_eq!(parsed, role, "{raw}");
        assert_eq!(parsed.as_str(), raw, "{raw}: spelled back");
    }
}

#[test]
fn rejects_unknown_roles() {
    let cases = ["", "Admin", "USER", " user", "user ", "administrator", "owner", "root"];
    for raw in cases {
        assert_rejected(&format!("role {raw:?}"), Role::parse(raw), "must be one of user, admin");
    }
}

#[test]
fn only_an_admin_actor_is_admin() {
    let cases = [(Role::User, false), (Role::Admin, true)];
    for (role, is_admin) in cases {
        assert_eq!(Actor { id: UserId(1), role }.is_admin(), is_admin, "{role:?}");
    }
}

// --- Properties -----------------------------------------------------------

#[test]
fn property_names_hold_1_to_120_characters_after_trimming() {
    check_name_limits("property name", 120, PropertyName::parse, PropertyName::as_str);
}

#[test]
fn rejects_a_121_character_property_name() {
    let raw = repeat('a', 121);

    let result = PropertyName::parse(&raw);

    assert_rejected("121 characters", result, "at most 120 characters");
}

#[test]
fn accepts_a_120_character_property_name() {
    let raw = repeat('a', 120);

    let name = PropertyName::parse(&raw);

    assert_eq!(accepted("120 characters", name).into_inner(), raw);
}

#[test]
fn rejects_a_blank_property_name() {
    assert_rejected("spaces only", PropertyName::parse("   "), BLANK);
}

#[test]
fn the_property_name_limit_is_published() {
    assert_eq!(PropertyName::MAX_CHARS, 120);
}

/// Table cases shared by the two free-text descriptions.
fn check_description_limits<T: Debug>(
    what: &str,
    max: usize,
    parse: impl Fn(&str) -> Result<T, ValueError>,
    as_str: impl Fn(&T) -> &str,
) {
    let accepted_cases = [
        ("empty".to_owned(), String::new()),
        ("spaces only, kept".to_owned(), "   ".to_owned()),
        (format!("{max} characters"), repeat('a', max)),
        (format!("{max} two-byte characters ('é')"), repeat('é', max)),
        ("leading and trailing spaces, kept".to_owned(), "  Bright, south-facing.  ".to_owned()),
        ("line breaks and tabs, kept".to_owned(), "Ground floor:\n\t- kitchen\r\n\t- lounge\n".to_owned()),
        ("an emoji joined by a zero-width joiner, kept".to_owned(), "For 👨\u{200d}👩\u{200d}👧".to_owned()),
    ];
    for (case, raw) in accepted_cases {
        let case = format!("{what}, {case}");

        let description = accepted(&case, parse(&raw));

        assert_eq!(as_str(&description), raw, "{case}: kept as entered");
    }
    let too_long = format!("at most {max} characters");
    let rejected_cases = [
        (format!("{} characters", max + 1), repeat('a', max + 1), too_long.as_str()),
        (format!("{} two-byte characters", max + 1), repeat('é', max + 1), too_long.as_str()),
        (
            format!("{max} characters plus a trailing space"),
            format!("{} ", repeat('a', max)),
            too_long.as_str(),
        ),
        ("a NUL character".to_owned(), "Nice\u{0}view".to_owned(), CONTROL),
        ("an escape character".to_owned(), "\u{1b}[2JNice view".to_owned(), CONTROL),
        ("a form feed".to_owned(), "Nice\u{c}view".to_owned(), CONTROL),
        ("a vertical tab".to_owned(), "Nice\u{b}view".to_owned(), CONTROL),
    ];
    for (case, raw, rule) in rejected_cases {
        assert_rejected(&format!("{what}, {case}"), parse(&raw), rule);
    }
}

#[test]
fn property_descriptions_hold_up_to_5000_characters_kept_as_entered() {
    check_description_limits("property description", 5000, Description::parse, Description::as_str);
}

#[test]
fn rejects_a_5001_character_property_description() {
    let raw = repeat('a', 5001);

    let result = Description::parse(&raw);

    assert_rejected("5001 characters", result, "at most 5000 characters");
}

#[test]
fn an_absent_property_description_is_empty() {
    assert_eq!(Description::default().as_str(), "");
}

#[test]
fn cities_hold_1_to_100_characters_after_trimming() {
    check_name_limits("city", 100, City::parse, City::as_str);
}

#[test]
fn stores_a_city_trimmed_but_otherwise_as_entered() {
    let city = City::parse("  Saint-Étienne  ").expect("a valid city");

    assert_eq!(city.as_str(), "Saint-Étienne");
    assert_eq!(city.to_string(), "Saint-Étienne");
}

#[test]
fn rejects_a_101_character_city() {
    assert_rejected("101 characters", City::parse(&repeat('x', 101)), "at most 100 characters");
}

// --- Property types -------------------------------------------------------

#[test]
fn accepts_slugs_of_lower_case_letters_digits_and_hyphens() {
    let cases = [
        ("1 letter", "a".to_owned()),
        ("a seeded type", "apartment".to_owned()),
        ("digits only", "42".to_owned()),
        ("letters, digits and hyphens", "t2-duplex-3".to_owned()),
        ("a hyphen only", "-".to_owned()),
        ("40 characters", repeat('a', 40)),
    ];
    for (case, raw) in cases {
        let slug = accepted(case, TypeSlug::parse(&raw));

        assert_eq!(slug.as_str(), raw, "{case}: kept as given");
    }
}

#[test]
fn rejects_slugs_outside_a_z_0_9_and_hyphen_or_1_to_40_characters() {
    const CHARSET: &str = "only lower-case letters a-z, digits and hyphens";
    let cases = [
        ("empty", String::new(), BLANK),
        ("41 characters", repeat('a', 41), "at most 40 characters"),
        ("an upper-case letter", "Villa".to_owned(), CHARSET),
        ("all upper case", "LOFT".to_owned(), CHARSET),
        ("an underscore", "living_space".to_owned(), CHARSET),
        ("a space inside", "tiny house".to_owned(), CHARSET),
        ("a leading space (not trimmed)", " house".to_owned(), CHARSET),
        ("a trailing space (not trimmed)", "house ".to_owned(), CHARSET),
        ("an accented letter", "chalet-été".to_owned(), CHARSET),
        ("a non-Latin letter", "дом".to_owned(), CHARSET),
        ("a dot", "v1.2".to_owned(), CHARSET),
        ("a slash", "a/b".to_owned(), CHARSET),
        ("a NUL character", "a\u{0}b".to_owned(), CHARSET),
    ];
    for (case, raw, rule) in cases {
        assert_rejected(case, TypeSlug::parse(&raw), rule);
    }
}

#[test]
fn reports_the_character_rule_for_a_short_non_ascii_slug() {
    // 21 characters, 42 bytes: within the length limit, outside the charset.
    let raw = repeat('é', 21);

    let result = TypeSlug::parse(&raw);

    assert_rejected("21 × 'é'", result, "only lower-case letters a-z, digits and hyphens");
}

#[test]
fn type_names_hold_1_to_100_characters_after_trimming() {
    check_name_limits("type name", 100, TypeName::parse, TypeName::as_str);
}

// --- Rooms ----------------------------------------------------------------

#[test]
fn room_names_hold_1_to_80_characters_after_trimming() {
    check_name_limits("room name", 80, RoomName::parse, RoomName::as_str);
}

#[test]
fn rejects_an_81_character_room_name() {
    assert_rejected("81 characters", RoomName::parse(&repeat('r', 81)), "at most 80 characters");
}

#[test]
fn room_descriptions_hold_up_to_1000_characters_kept_as_entered() {
    check_description_limits("room description", 1000, RoomDescription::parse, RoomDescription::as_str);
}

#[test]
fn rejects_a_1001_character_room_description() {
    let raw = repeat('d', 1001);

    let result = RoomDescription::parse(&raw);

    assert_rejected("1001 characters", result, "at most 1000 characters");
}

#[test]
fn parses_every_room_kind_by_its_snake_case_name() {
    let cases = [
        ("living_room", RoomKind::LivingRoom),
        ("bedroom", RoomKind::Bedroom),
        ("kitchen", RoomKind::Kitchen),
        ("bathroom", RoomKind::Bathroom),
        ("toilet", RoomKind::Toilet),
        ("dining_room", RoomKind::DiningRoom),
        ("office", RoomKind::Office),
        ("storage", RoomKind::Storage),
        ("garage", RoomKind::Garage),
        ("balcony", RoomKind::Balcony),
        ("other", RoomKind::Other),
    ];
    for (raw, kind) in cases {
        let parsed = accepted(raw, RoomKind::parse(raw));

        assert_eq!(parsed, kind, "{raw}");
        assert_eq!(parsed.as_str(), raw, "{raw}: spelled back");
    }
    assert_eq!(RoomKind::ALL.len(), cases.len(), "RoomKind::ALL lists every kind");
    for kind in RoomKind::ALL {
        assert!(cases.iter().any(|(_, listed)| *listed == kind), "{kind:?} is in the table");
    }
}

#[test]
fn rejects_room_kinds_not_spelled_in_snake_case() {
    let cases = [
        "",
        "Bedroom",
        "BEDROOM",
        "bed room",
        "bed_room",
        " bedroom",
        "bedroom ",
        "living-room",
        "livingRoom",
        "LivingRoom",
        "livingroom",
        "living_room_",
        "wc",
        "cellar",
    ];
    for raw in cases {
        let case = format!("kind {raw:?}");

        let result = RoomKind::parse(raw);

        assert_rejected(&case, result.clone(), "must be one of");
        let message = result.expect_err("rejected above").to_string();
        for kind in RoomKind::ALL {
            assert!(message.contains(kind.as_str()), "{case}: {message:?} does not list {}", kind.as_str());
        }
    }
}

#[test]
fn accepts_areas_above_0_up_to_10000_square_metres() {
    let cases = [
        ("smallest positive double", f64::MIN_POSITIVE),
        ("0.01", 0.01),
        ("1", 1.0),
        ("12.5", 12.5),
        ("9999.99", 9_999.99),
        ("10000", 10_000.0),
    ];
    for (case, value) in cases {
        let area = accepted(case, AreaM2::parse(value));

        assert_eq!(area.value().to_bits(), value.to_bits(), "{case}: value kept exactly");
    }
}

#[test]
fn rejects_areas_that_are_not_finite_numbers_in_0_to_10000() {
    let cases = [
        ("0", 0.0),
        ("-0", -0.0),
        ("-1", -1.0),
        ("-0.01", -0.01),
        ("10000.01", 10_000.01),
        ("just above 10000", f64::from_bits(10_000.0_f64.to_bits() + 1)),
        ("largest double", f64::MAX),
        ("most negative double", f64::MIN),
        ("NaN", f64::NAN),
        ("+infinity", f64::INFINITY),
        ("-infinity", f64::NEG_INFINITY),
    ];
    for (case, value) in cases {
        assert_rejected(case, AreaM2::parse(value), "greater than 0 and at most 10000");
    }
}

#[test]
fn accepts_floors_from_minus_5_to_200() {
    let cases = [("-5", -5, -5), ("-1", -1, -1), ("0", 0, 0), ("199", 199, 199), ("200", 200, 200)];
    for (case, raw, value) in cases {
        assert_eq!(accepted(case, Floor::parse(raw)).value(), value, "{case}");
    }
}

#[test]
fn rejects_floors_outside_minus_5_to_200() {
    let cases = [
        ("-6", -6),
        ("201", 201),
        ("i32::MIN", i64::from(i32::MIN)),
        ("i32::MAX + 1", i64::from(i32::MAX) + 1),
        ("i64::MIN", i64::MIN),
        ("i64::MAX", i64::MAX),
    ];
    for (case, raw) in cases {
        assert_rejected(case, Floor::parse(raw), "between -5 and 200");
    }
}
