//! `AuditLog`, and how the trail stores changes.

use chrono::NaiveDate;
use realty_domain::ports::{AuditLog, PropertyTypeRepository};
use realty_domain::{Action, AuditEntry, Changes, FieldValue, PropertyId, PropertyType, TypeName};

use crate::fixture::{TestDb, apply, at, audit, contract_tests, owned_house, register, rename, slug};

contract_tests!(
    the_history_of_an_unknown_property_is_empty,
    changes_keep_every_kind_of_value,
    a_property_type_event_names_its_slug,
);

async fn the_history_of_an_unknown_property_is_empty(t: TestDb) {
    let history = AuditLog::property_history(&t.db, PropertyId(404)).await.expect("the history reads");

    assert!(history.is_empty(), "no event for an unknown property");
}

async fn changes_keep_every_kind_of_value(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let mut changes = Changes::default();
    changes.record("name", "House", "Maison « Ker Avel »");
    changes.record("room_count", 2_i64, 3_i64);
    changes.record("area_m2", 12.5, 20.3);
    changes.record("floor", None::<i64>, Some(-2_i64));
    changes.record("built_on", None::<NaiveDate>, NaiveDate::from_ymd_opt(1901, 2, 3));
    changes.record_secret("password");
    let entry =
        AuditEntry { at: at(40), actor_id: Some(owner.id), action: Action::Update, changes: changes.clone() };
    apply(&t.db, house.id, rename("Maison « Ker Avel »"), entry).await.expect("the rename applies");

    let history = AuditLog::property_history(&t.db, house.id).await.expect("the history reads");

    let last = history.last().expect("the history has the update");
    assert_eq!(
        last.changes, changes,
        "text, integers, numbers, nulls, dates and secrets come back as recorded"
    );
    let floor = last.changes.get("floor").expect("the floor change is recorded");
    assert_eq!(
        (&floor.old, &floor.new),
        (&FieldValue::Null, &FieldValue::Integer(-2)),
        "null and integer kept apart"
    );
}

async fn a_property_type_event_names_its_slug(t: TestDb) {
    let admin = register(&t.db, "admin@example.com").await;
    let castle =
        PropertyType { slug: slug("castle"), name: TypeName::parse("Castle").expect("a valid name") };

    PropertyTypeRepository::create(&t.db, castle, audit(Some(admin.id), Action::Create, 2))
        .await
        .expect("the type is created");

    let recorded = t
        .count(
            "SELECT COUNT(*) AS n FROM audit_events WHERE resource = 'property_type' AND resource_id = 'castle' \
             AND property_id IS NULL",
        )
        .await;
    assert_eq!(recorded, 1, "the event names the type by its slug, outside any property");
}
