//! `AuditLog`, and how the trail stores changes.

use chrono::NaiveDate;
use realty_domain::ports::{AuditLog, PropertyRepository};
use realty_domain::{Action, AuditEntry, Changes, FieldValue, PropertyId, PropertyName, PropertyUpdate};

use crate::fixture::{TestDb, at, contract_tests, create_house, register};

contract_tests!(history_of_an_unknown_property_is_empty, changes_keep_every_kind_of_value);

async fn history_of_an_unknown_property_is_empty(t: TestDb) {
    let history = AuditLog::property_history(&t.db, PropertyId(404)).await.expect("read");

    assert!(history.is_empty());
}

async fn changes_keep_every_kind_of_value(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let house = create_house(&t.db, owner.id).await;
    let mut changes = Changes::default();
    changes.record("name", "House", "Maison « Ker Avel »");
    changes.record("room_count", 2_i64, 3_i64);
    changes.record("area_m2", 12.5, 20.3);
    changes.record("floor", None::<i64>, Some(-2_i64));
    changes.record("built_on", None::<NaiveDate>, NaiveDate::from_ymd_opt(1901, 2, 3));
    changes.record_secret("password");
    let entry =
        AuditEntry { at: at(40), actor_id: Some(owner.id), action: Action::Update, changes: changes.clone() };
    let update = PropertyUpdate {
        name: Some(PropertyName::parse("Maison « Ker Avel »").expect("valid")),
        ..PropertyUpdate::default()
    };
    PropertyRepository::update(&t.db, house.id, house.version, update, entry).await.expect("updated");

    let history = AuditLog::property_history(&t.db, house.id).await.expect("read");

    assert_eq!(history[1].changes, changes);
    let floor = history[1].changes.get("floor").expect("recorded");
    assert_eq!((&floor.old, &floor.new), (&FieldValue::Null, &FieldValue::Integer(-2)));
}
