//! Validation errors: each names the field and the rule, and a request's
//! errors are collected so the client learns all of them at once.

use realty_domain::{AreaM2, DomainError, FieldError, FieldErrors, PropertyName, RoomName};

#[test]
fn check_keeps_a_valid_value_and_records_nothing() {
    let mut errors = FieldErrors::default();

    let name = errors.check(PropertyName::parse(" Villa "));

    assert_eq!(name.map(PropertyName::into_inner).as_deref(), Some("Villa"));
    assert!(errors.is_empty());
    assert!(errors.into_result().is_ok());
}

#[test]
fn check_records_every_invalid_value_in_order() {
    let mut errors = FieldErrors::default();

    let name = errors.check(PropertyName::parse(""));
    let area = errors.check(AreaM2::parse(0.0));
    let room = errors.check(RoomName::parse("Kitchen"));

    assert!(name.is_none() && area.is_none(), "invalid values are dropped");
    assert!(room.is_some(), "a valid value is kept");
    assert!(!errors.is_empty());
    let Err(DomainError::Invalid(fields)) = errors.into_result() else {
        panic!("expected Invalid");
    };
    let names: Vec<_> = fields.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(names, ["name", "area_m2"]);
}

#[test]
fn pushed_errors_join_checked_ones() {
    let mut errors = FieldErrors::default();
    errors.push(FieldError::new("rooms", "must not be empty"));

    let _ = errors.check(PropertyName::parse("   "));

    let DomainError::Invalid(fields) = errors.into_error() else {
        panic!("expected Invalid");
    };
    assert_eq!(
        fields,
        [FieldError::new("rooms", "must not be empty"), FieldError::new("name", "must not be blank")]
    );
}

#[test]
fn an_empty_accumulator_yields_ok() {
    let errors = FieldErrors::default();

    assert!(errors.is_empty());
    assert!(errors.into_result().is_ok());
}

#[test]
fn within_prefixes_the_field_with_its_position() {
    let cases = [
        ("room in a list", "rooms[2]", "name", "rooms[2].name"),
        ("nested object", "address", "city", "address.city"),
    ];
    for (case, prefix, field, expected) in cases {
        let error = FieldError::new(field, "must not be blank");

        let nested = error.within(prefix);

        assert_eq!(nested.field, expected, "{case}");
        assert_eq!(nested.message, "must not be blank", "{case}: message kept");
    }
}

#[test]
fn within_applied_twice_nests_outermost_first() {
    let error = FieldError::new("area_m2", "too big").within("rooms[0]").within("property");

    assert_eq!(error.field, "property.rooms[0].area_m2");
}

#[test]
fn a_room_error_inside_a_property_names_the_room() {
    let error = AreaM2::parse(-1.0).expect_err("a negative area is invalid");

    let nested = error.within("rooms[1]");

    assert_eq!(nested.field, "rooms[1].area_m2");
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
fn a_single_field_error_becomes_invalid() {
    let cases = [
        ("From<FieldError>", DomainError::from(FieldError::new("email", "taken?"))),
        ("DomainError::invalid", DomainError::invalid("email", "taken?")),
    ];
    for (case, error) in cases {
        let DomainError::Invalid(fields) = error else {
            panic!("{case}: expected Invalid");
        };
        assert_eq!(fields, [FieldError::new("email", "taken?")], "{case}");
    }
}
