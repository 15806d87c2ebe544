//! `PropertyTypeRepository`.

use realty_domain::ports::PropertyTypeRepository;
use realty_domain::{Action, DomainError, PropertyType, TypeName, TypeSlug};

use crate::fixture::{TestDb, audit, contract_tests, create_house, register};

contract_tests!(
    lists_the_seeded_types_by_slug,
    creates_a_type_and_finds_it,
    unknown_type_is_none,
    rejects_a_taken_slug,
    refuses_to_delete_a_type_in_use,
    deletes_an_unused_type,
    delete_of_missing_type_is_not_found,
);

fn castle() -> PropertyType {
    PropertyType {
        slug: TypeSlug::parse("castle").expect("valid"),
        name: TypeName::parse("Castle").expect("valid"),
    }
}

fn slug(raw: &str) -> TypeSlug {
    TypeSlug::parse(raw).expect("valid")
}

async fn lists_the_seeded_types_by_slug(t: TestDb) {
    let types = PropertyTypeRepository::list(&t.db).await.expect("listed");

    let listed: Vec<(&str, &str)> = types.iter().map(|ty| (ty.slug.as_str(), ty.name.as_str())).collect();
    assert_eq!(
        listed,
        [
            ("apartment", "Apartment"),
            ("commercial", "Commercial"),
            ("house", "House"),
            ("land", "Land"),
            ("loft", "Loft"),
            ("parking", "Parking"),
            ("studio", "Studio"),
            ("villa", "Villa"),
        ]
    );
}

async fn creates_a_type_and_finds_it(t: TestDb) {
    let admin = register(&t.db, "admin@example.com").await;

    let created = PropertyTypeRepository::create(&t.db, castle(), audit(Some(admin.id), Action::Create, 2))
        .await
        .expect("created");

    assert_eq!(created, castle());
    assert_eq!(PropertyTypeRepository::find(&t.db, &slug("castle")).await.expect("runs"), Some(castle()));
    let event =
        "SELECT COUNT(*) AS n FROM audit_events WHERE resource = 'property_type' AND resource_id = 'castle'";
    assert_eq!(t.count(event).await, 1);
}

async fn unknown_type_is_none(t: TestDb) {
    let found = PropertyTypeRepository::find(&t.db, &slug("castle")).await.expect("runs");

    assert_eq!(found, None);
}

async fn rejects_a_taken_slug(t: TestDb) {
    let admin = register(&t.db, "admin@example.com").await;
    let house = PropertyType { slug: slug("house"), name: TypeName::parse("Another house").expect("valid") };

    let result = PropertyTypeRepository::create(&t.db, house, audit(Some(admin.id), Action::Create, 2)).await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "{result:?}");
    let found =
        PropertyTypeRepository::find(&t.db, &slug("house")).await.expect("runs").expect("still there");
    assert_eq!(found.name.as_str(), "House", "the existing type is untouched");
}

async fn refuses_to_delete_a_type_in_use(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    create_house(&t.db, owner.id).await;

    let result =
        PropertyTypeRepository::delete(&t.db, &slug("house"), audit(Some(owner.id), Action::Delete, 3)).await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "{result:?}");
    assert!(PropertyTypeRepository::find(&t.db, &slug("house")).await.expect("runs").is_some());
    let event = "SELECT COUNT(*) AS n FROM audit_events WHERE resource = 'property_type'";
    assert_eq!(t.count(event).await, 0, "no event for the refused delete");
}

async fn deletes_an_unused_type(t: TestDb) {
    let admin = register(&t.db, "admin@example.com").await;

    PropertyTypeRepository::delete(&t.db, &slug("parking"), audit(Some(admin.id), Action::Delete, 3))
        .await
        .expect("deleted");

    assert_eq!(PropertyTypeRepository::find(&t.db, &slug("parking")).await.expect("runs"), None);
    assert_eq!(PropertyTypeRepository::list(&t.db).await.expect("listed").len(), 7);
}

async fn delete_of_missing_type_is_not_found(t: TestDb) {
    let admin = register(&t.db, "admin@example.com").await;

    let result =
        PropertyTypeRepository::delete(&t.db, &slug("castle"), audit(Some(admin.id), Action::Delete, 3))
            .await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "property type" })), "{result:?}");
}
