//! The catalogue of property types: anyone reads it, admins change it.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use realty_domain::ports::MockPropertyTypeRepository;
use realty_domain::{Action, AuditEntry, DomainError, FieldValue, PropertyType, UserId};

fn no_writes(types: &mut MockPropertyTypeRepository) {
    types.expect_create().never();
    types.expect_delete().never();
}

/// `find("villa")` answers the villa type, anything else nothing.
fn with_villa(types: &mut MockPropertyTypeRepository) {
    types
        .expect_find()
        .returning(|slug| Ok((slug.as_str() == "villa").then(|| property_type("villa", "Villa"))));
}

fn input(slug: &str, name: &str) -> PropertyType {
    property_type(slug, name)
}

// ======================================================================= list and get

#[tokio::test]
async fn anyone_lists_the_property_types() {
    let mut types = MockPropertyTypeRepository::new();
    types
        .expect_list()
        .times(1)
        .returning(|| Ok(vec![property_type("apartment", "Apartment"), property_type("house", "House")]));
    let use_case = property_types(types);

    let listed = use_case.list().await.unwrap();

    assert_eq!(listed, [property_type("apartment", "Apartment"), property_type("house", "House")]);
}

#[tokio::test]
async fn anyone_reads_a_property_type() {
    let mut types = MockPropertyTypeRepository::new();
    with_villa(&mut types);
    let use_case = property_types(types);

    let found = use_case.get("villa").await.unwrap();

    assert_eq!(found, property_type("villa", "Villa"));
}

#[tokio::test]
async fn an_unknown_property_type_is_not_found() {
    let mut types = MockPropertyTypeRepository::new();
    with_villa(&mut types);
    let use_case = property_types(types);

    let result = use_case.get("castle").await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property type" })), "got {result:?}");
}

#[tokio::test]
async fn a_slug_that_cannot_exist_is_not_found_without_a_lookup() {
    for raw in ["Villa", "", "villa!", &"a".repeat(41)] {
        let mut types = MockPropertyTypeRepository::new();
        types.expect_find().never();
        let use_case = property_types(types);

        let result = use_case.get(raw).await;

        assert!(matches!(result, Err(DomainError::NotFound { .. })), "{raw:?}: got {result:?}");
    }
}

// ======================================================================= create

#[tokio::test]
async fn admins_create_a_property_type_with_an_audit_event() {
    let mut types = MockPropertyTypeRepository::new();
    let captured: Captured<(PropertyType, AuditEntry)> = Captured::default();
    let sink = captured.clone();
    types.expect_create().times(1).returning(move |created, audit| {
        sink.push((created.clone(), audit));
        Ok(created)
    });
    let use_case = property_types(types);

    let created = use_case.create(&admin(ADMIN), input("tiny-house", "  Tiny house ")).await.unwrap();

    let (written, audit) = captured.only();
    assert_eq!(written, property_type("tiny-house", "Tiny house"), "the name is trimmed");
    assert_eq!(created, written);
    assert_eq!(audit.actor_id, Some(UserId(ADMIN)));
    assert_eq!(audit.action, Action::Create);
    assert_eq!(audit.at, now());
    assert_eq!(changed_fields(&audit.changes), ["name", "slug"]);
    assert_eq!(change(&audit.changes, "slug"), (FieldValue::Null, text("tiny-house")));
    assert_eq!(change(&audit.changes, "name"), (FieldValue::Null, text("Tiny house")));
}

#[tokio::test]
async fn non_admins_cannot_create_a_property_type() {
    let mut types = MockPropertyTypeRepository::new();
    no_writes(&mut types);
    let use_case = property_types(types);

    let result = use_case.create(&actor(OWNER), input("tiny-house", "Tiny house")).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn creating_a_taken_slug_passes_the_conflict_through() {
    let mut types = MockPropertyTypeRepository::new();
    types.expect_create().times(1).returning(|_, _| Err(DomainError::Conflict("slug taken".into())));
    let use_case = property_types(types);

    let result = use_case.create(&admin(ADMIN), input("villa", "Villa")).await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "got {result:?}");
}

// ======================================================================= delete

#[tokio::test]
async fn admins_delete_a_property_type_with_an_audit_event() {
    let mut types = MockPropertyTypeRepository::new();
    with_villa(&mut types);
    let captured: Captured<AuditEntry> = Captured::default();
    let sink = captured.clone();
    types.expect_delete().withf(|slug, _| slug.as_str() == "villa").times(1).returning(move |_, audit| {
        sink.push(audit);
        Ok(())
    });
    let use_case = property_types(types);

    use_case.delete(&admin(ADMIN), "villa").await.unwrap();

    let audit = captured.only();
    assert_eq!(audit.actor_id, Some(UserId(ADMIN)));
    assert_eq!(audit.action, Action::Delete);
    assert_eq!(audit.at, now());
    assert_eq!(changed_fields(&audit.changes), ["name", "slug"]);
    assert_eq!(change(&audit.changes, "slug"), (text("villa"), FieldValue::Null));
    assert_eq!(change(&audit.changes, "name"), (text("Villa"), FieldValue::Null));
}

#[tokio::test]
async fn non_admins_cannot_delete_a_property_type() {
    let mut types = MockPropertyTypeRepository::new();
    with_villa(&mut types);
    no_writes(&mut types);
    let use_case = property_types(types);

    let result = use_case.delete(&actor(OWNER), "villa").await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn deleting_a_missing_property_type_is_not_found_whoever_asks() {
    for who in [admin(ADMIN), actor(OWNER)] {
        let mut types = MockPropertyTypeRepository::new();
        with_villa(&mut types);
        no_writes(&mut types);
        let use_case = property_types(types);

        let result = use_case.delete(&who, "castle").await;

        assert!(matches!(result, Err(DomainError::NotFound { .. })), "{who:?}: got {result:?}");
    }
}

#[tokio::test]
async fn deleting_a_property_type_in_use_passes_the_conflict_through() {
    let mut types = MockPropertyTypeRepository::new();
    with_villa(&mut types);
    types.expect_delete().times(1).returning(|_, _| Err(DomainError::Conflict("in use".into())));
    let use_case = property_types(types);

    let result = use_case.delete(&admin(ADMIN), "villa").await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "got {result:?}");
}
