//! The audit trail's `changes`: only the fields a write changed, with their
//! old and new values, and never a secret (DESIGN §3).

use chrono::NaiveDate;
use realty_domain::{Action, Change, Changes, FieldValue, Resource};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

#[test]
fn records_nothing_for_unchanged_values() {
    let mut changes = Changes::default();

    changes.record("name", "Villa", "Villa");
    changes.record("floor", 3_i64, 3_i64);
    changes.record("area_m2", 12.5, 12.5);
    changes.record("birth_date", Some(date(1990, 1, 1)), Some(date(1990, 1, 1)));
    changes.record("description", None::<&str>, None::<&str>);

    assert!(changes.is_empty(), "unchanged values were recorded: {changes:?}");
    assert_eq!(changes.fields().count(), 0);
}

#[test]
fn records_the_old_and_new_value_of_each_changed_field() {
    let mut changes = Changes::default();

    changes.record("name", "Villa", "Loft");
    changes.record("floor", 1_i64, 2_i64);
    changes.record("area_m2", 12.1, 8.2);
    changes.record("birth_date", date(1990, 1, 1), date(1991, 2, 3));

    let cases = [
        ("name", FieldValue::Text("Villa".into()), FieldValue::Text("Loft".into())),
        ("floor", FieldValue::Integer(1), FieldValue::Integer(2)),
        ("area_m2", FieldValue::Number(12.1), FieldValue::Number(8.2)),
        ("birth_date", FieldValue::from(date(1990, 1, 1)), FieldValue::from(date(1991, 2, 3))),
    ];
    for (field, old, new) in cases {
        assert_eq!(changes.get(field), Some(&Change { old, new }), "{field}");
    }
    assert_eq!(changes.fields().count(), 4);
}

#[test]
fn records_only_the_changed_fields_of_a_write() {
    let mut changes = Changes::default();

    changes.record("name", "Villa", "Villa");
    changes.record("city", "Nice", "Lyon");
    changes.record("description", "", "");

    assert_eq!(changes.fields().collect::<Vec<_>>(), ["city"]);
    assert_eq!(changes.get("name"), None, "unchanged name");
}

#[test]
fn an_absent_value_is_recorded_as_null() {
    let cases = [
        ("set", None, Some(3_i64), FieldValue::Null, FieldValue::Integer(3)),
        ("cleared", Some(3_i64), None, FieldValue::Integer(3), FieldValue::Null),
    ];
    for (case, old, new, expected_old, expected_new) in cases {
        let mut changes = Changes::default();

        changes.record("floor", old, new);

        let change = changes.get("floor").unwrap_or_else(|| panic!("{case}: not recorded"));
        assert_eq!(change.old, expected_old, "{case}: old");
        assert_eq!(change.new, expected_new, "{case}: new");
    }
}

#[test]
fn a_cleared_birth_date_is_recorded_as_null() {
    let mut changes = Changes::default();

    changes.record("birth_date", Some(date(1990, 5, 17)), None::<NaiveDate>);

    let change = changes.get("birth_date").expect("the birth date changed");
    assert_eq!(change.old, FieldValue::from(date(1990, 5, 17)));
    assert_eq!(change.new, FieldValue::Null);
}

#[test]
fn a_secret_is_recorded_as_changed_without_its_value() {
    let mut changes = Changes::default();

    changes.record_secret("password");

    let change = changes.get("password").expect("the password change is recorded");
    let redacted = FieldValue::Text("***".into());
    assert_eq!(change.old, redacted, "old value");
    assert_eq!(change.new, redacted, "new value");
}

#[test]
fn a_secret_never_appears_in_the_recorded_changes() {
    let secret = "correct horse battery staple";
    let mut changes = Changes::default();

    changes.record("first_name", "Ann", "Anna");
    changes.record_secret("password");

    for (field, change) in changes.iter() {
        for value in [&change.old, &change.new] {
            assert!(
                !matches!(value, FieldValue::Text(text) if text.contains(secret)),
                "{field} holds the secret"
            );
        }
    }
    assert!(!format!("{changes:?}").contains(secret));
    assert_eq!(changes.fields().collect::<Vec<_>>(), ["first_name", "password"]);
}

#[test]
fn lists_changed_fields_in_name_order() {
    let mut changes = Changes::default();

    changes.record("name", "a", "b");
    changes.record("city", "a", "b");
    changes.record("description", "a", "b");

    assert_eq!(changes.fields().collect::<Vec<_>>(), ["city", "description", "name"]);
}

#[test]
fn a_new_change_set_is_empty() {
    let changes = Changes::default();

    assert!(changes.is_empty());
    assert_eq!(changes.iter().count(), 0);
}

#[test]
fn field_values_convert_from_their_rust_types() {
    let cases = [
        ("text", FieldValue::from("Nice"), FieldValue::Text("Nice".into())),
        ("integer", FieldValue::from(42_i64), FieldValue::Integer(42)),
        ("number", FieldValue::from(12.5), FieldValue::Number(12.5)),
        ("date", FieldValue::from(date(2000, 2, 29)), FieldValue::Text("2000-02-29".into())),
        ("some", FieldValue::from(Some("Nice")), FieldValue::Text("Nice".into())),
        ("none", FieldValue::from(None::<i64>), FieldValue::Null),
    ];
    for (case, converted, expected) in cases {
        assert_eq!(converted, expected, "{case}");
    }
}

#[test]
fn actions_and_resources_are_spelled_as_stored() {
    let actions = [(Action::Create, "create"), (Action::Update, "update"), (Action::Delete, "delete")];
    for (action, raw) in actions {
        assert_eq!(action.as_str(), raw, "{raw}");
        assert_eq!(Action::parse(raw), Some(action), "{raw}");
    }
    let resources = [
        (Resource::User, "user"),
        (Resource::Property, "property"),
        (Resource::Room, "room"),
        (Resource::PropertyType, "property_type"),
    ];
    for (resource, raw) in resources {
        assert_eq!(resource.as_str(), raw, "{raw}");
        assert_eq!(Resource::parse(raw), Some(resource), "{raw}");
    }
    for unknown in ["", "Create", "insert", "properties", "propertyType"] {
        assert_eq!(Action::parse(unknown), None, "action {unknown:?}");
        assert_eq!(Resource::parse(unknown), None, "resource {unknown:?}");
    }
}
