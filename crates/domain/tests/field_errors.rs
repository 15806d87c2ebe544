//! Validation errors: a value object states the rule, the caller names the
//! field, and a request's errors are collected so the client learns all of
//! them at once.

use realty_domain::{AreaM2, DomainError, FieldError, FieldErrors, PropertyName, RoomName, ValueError};

#[test]
fn check_keeps_a_valid_value_and_records_nothing() {
    let mut errors = FieldErrors::default();

    let name = errors.check("name", PropertyName::parse(" Villa "));

    assert_eq!(name.map(PropertyName::into_inner).as_deref(), Some("Villa"));
    assert!(errors.is_empty());
    assert_eq!(errors.finish(()), Ok(()));
}

#[test]
fn check_records_every_invalid_value_in_order_under_the_name_given() {
    let mut errors = FieldErrors::default();

    let name = errors.check("name", PropertyName::parse(""));
    let area = errors.check("rooms[1].area_m2", AreaM2::parse(0.0));
    let room = errors.check("rooms[2].name", RoomName::parse("Kitchen"));

    assert!(name.is_none() && area.is_none(), "invalid values are dropped");
    assert!(room.is_some(), "a valid value is kept");
    let fields = errors.finish(()).expect_err("two errors were recorded");
    assert_eq!(
        fields,
        [
            FieldError::new("name", "must not be blank"),
            FieldError::new("rooms[1].area_m2", "must be greater than 0 and at most 10000"),
        ]
    );
}

#[test]
fn pushed_errors_join_checked_ones() {
    let mut errors = FieldErrors::default();
    errors.push(FieldError::new("rooms", "must hold at most 100 rooms"));

    let _ = errors.check("name", PropertyName::parse("   "));

    assert_eq!(
        errors.into_vec(),
        [
            FieldError::new("rooms", "must hold at most 100 rooms"),
            FieldError::new("name", "must not be blank"),
        ]
    );
}

#[test]
fn a_value_error_states_the_rule_without_a_field() {
    let cases = [
        (ValueError::Blank, "must not be blank"),
        (ValueError::TooLong(120), "must be at most 120 characters"),
        (ValueError::TooShort(8), "must be at least 8 characters"),
        (ValueError::NotOneOf(&["user", "admin"]), "must be one of user, admin"),
        (ValueError::OutOfRange("between -5 and 200"), "must be between -5 and 200"),
    ];
    for (error, message) in cases {
        assert_eq!(error.to_string(), message);
    }
}

#[test]
fn a_field_error_displays_field_then_rule() {
    let error = FieldError::new("rooms[0].floor", "must be between -5 and 200");

    assert_eq!(error.to_string(), "rooms[0].floor: must be between -5 and 200");
}

#[test]
fn invalid_lists_every_broken_rule_in_its_message() {
    let error = DomainError::Invalid(vec![
        FieldError::new("name", "must not be blank"),
        FieldError::new("city", "must be at most 100 characters"),
    ]);

    assert_eq!(
        error.to_string(),
        "invalid input: name: must not be blank; city: must be at most 100 characters"
    );
}

#[test]
fn field_errors_become_invalid() {
    let cases = [
        ("From<Vec<FieldError>>", DomainError::from(vec![FieldError::new("email", "taken?")])),
        ("DomainError::invalid", DomainError::invalid("email", "taken?")),
    ];
    for (case, error) in cases {
        let DomainError::Invalid(fields) = error else {
            panic!("{case}: expected Invalid");
        };
        assert_eq!(fields, [FieldError::new("email", "taken?")], "{case}");
    }
}
