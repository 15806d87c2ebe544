//! `PropertyRepository::edit` on the property itself: the decision, what it
//! applies, and what a refused or failed edit leaves (rooms have their own
//! module).

use std::sync::{Arc, Mutex};

use realty_domain::ports::{AuditLog, PropertyRepository};
use realty_domain::{
    Action, AuditEntry, Changes, City, CityKey, Description, DomainError, Edit, PropertyChange, PropertyId,
    PropertyName, PropertyQuery, PropertyUpdate, Resource, ResourceId, Version,
};

use crate::fixture::{
    TestDb, apply, apply_if, at, audit, contract_tests, create_house, creation_trail, found, owned_house,
    query, register, rename, room, slug, trail,
};

contract_tests!(
    an_update_applies_bumps_the_version_once_and_records_one_property_event,
    the_decision_sees_the_stored_property_and_keep_changes_nothing,
    a_decision_that_fails_writes_nothing_and_its_error_is_returned,
    editing_a_missing_property_is_not_found_without_calling_the_decision,
    an_update_to_an_unknown_type_is_invalid_naming_property_type_and_changes_nothing,
    a_stale_precondition_is_precondition_failed_and_changes_nothing,
    a_matching_precondition_applies,
    deleting_removes_the_property_its_rooms_and_words_and_keeps_the_history,
    a_failed_statement_rolls_the_whole_edit_back,
);

async fn history_len(t: &TestDb, id: PropertyId) -> usize {
    AuditLog::property_history(&t.db, id).await.expect("the history reads").len()
}

async fn an_update_applies_bumps_the_version_once_and_records_one_property_event(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let update = PropertyUpdate {
        name: Some(PropertyName::parse("Villa Rosa").expect("a valid name")),
        description: Some(Description::parse("").expect("a valid description")),
        property_type: Some(slug("villa")),
        city: Some(City::parse("Île-de-Ré").expect("a valid city")),
    };
    let mut changes = Changes::default();
    changes.record("name", "House", "Villa Rosa");
    changes.record("city", "Lyon", "Île-de-Ré");
    let entry =
        AuditEntry { at: at(30), actor_id: Some(owner.id), action: Action::Update, changes: changes.clone() };

    let edited = apply(&t.db, house.id, PropertyChange::Update(update), entry.clone())
        .await
        .expect("the update applies");

    let updated = edited.property.clone().expect("an update returns the property");
    assert_eq!(edited.room, None, "an update names no room");
    assert_eq!(updated.name.as_str(), "Villa Rosa", "the name is updated");
    assert_eq!(updated.description.as_str(), "", "the description is updated");
    assert_eq!(updated.property_type.as_str(), "villa", "the type is updated");
    assert_eq!(updated.city.as_str(), "Île-de-Ré", "the city is updated");
    assert_eq!(updated.version, Version(2), "one update, one version bump");
    assert_eq!(updated.updated_at, entry.at, "updated_at is the audit entry's instant");
    assert_eq!(updated.created_at, house.created_at, "created_at stays");
    assert_eq!(updated.rooms, house.rooms, "the rooms come along unchanged");
    assert_eq!(found(&t.db, house.id).await, updated, "what is stored is what the edit returned");
    let by_new_city = PropertyQuery { cities: vec![CityKey::normalise("ile de re")], ..query(10) };
    let page = PropertyRepository::list(&t.db, &by_new_city).await.expect("the list runs");
    assert_eq!(page.items, [updated], "the city key follows the city");
    let history = AuditLog::property_history(&t.db, house.id).await.expect("the history reads");
    assert_eq!(history.len(), 4, "the creation's three events and the update's one");
    let event = &history[3];
    assert_eq!(
        (event.action, event.resource, event.resource_id.clone()),
        (Action::Update, Resource::Property, ResourceId::Number(house.id.0)),
        "the update's event is about the property"
    );
    assert_eq!(
        (event.at, event.actor_id, event.property_id),
        (entry.at, owner.id, Some(house.id)),
        "its instant, actor and property"
    );
    assert_eq!(event.changes, changes, "its changes as given");
}

async fn the_decision_sees_the_stored_property_and_keep_changes_nothing(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    apply(&t.db, house.id, rename("Renamed"), audit(Some(owner.id), Action::Update, 5))
        .await
        .expect("the rename applies");
    let stored = found(&t.db, house.id).await;
    let seen = Arc::new(Mutex::new(None));
    let seen_by_decision = Arc::clone(&seen);

    let edited = PropertyRepository::edit(
        &t.db,
        house.id,
        Box::new(move |current| {
            *seen_by_decision.lock().expect("the lock is not poisoned") = Some(current.clone());
            Ok(Edit::Keep)
        }),
    )
    .await
    .expect("keeping succeeds");

    let seen = seen.lock().expect("the lock is not poisoned").clone();
    assert_eq!(seen.as_ref(), Some(&stored), "the decision sees the property as stored, rooms included");
    assert_eq!(edited.property.as_ref(), Some(&stored), "keeping returns the property as it is");
    assert_eq!(edited.room, None, "keeping names no room");
    assert_eq!(found(&t.db, house.id).await, stored, "keeping bumps no version and moves no instant");
    assert_eq!(history_len(&t, house.id).await, 4, "keeping records no event");
}

async fn a_decision_that_fails_writes_nothing_and_its_error_is_returned(t: TestDb) {
    let (_, house) = owned_house(&t.db).await;

    let result =
        PropertyRepository::edit(&t.db, house.id, Box::new(|_| Err(DomainError::Forbidden("not the owner"))))
            .await;

    assert!(
        matches!(result, Err(DomainError::Forbidden("not the owner"))),
        "the decision's error comes back: {result:?}"
    );
    assert_eq!(found(&t.db, house.id).await, house, "a refused edit changes nothing");
    assert_eq!(history_len(&t, house.id).await, 3, "a refused edit records no event");
}

async fn editing_a_missing_property_is_not_found_without_calling_the_decision(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let called = Arc::new(Mutex::new(false));
    let called_by_decision = Arc::clone(&called);
    let entry = audit(Some(owner.id), Action::Update, 5);

    let result = PropertyRepository::edit(
        &t.db,
        PropertyId(404),
        Box::new(move |_| {
            *called_by_decision.lock().expect("the lock is not poisoned") = true;
            Ok(Edit::Apply { change: PropertyChange::Delete, audit: entry.clone() })
        }),
    )
    .await;

    assert!(
        matches!(result, Err(DomainError::NotFound { resource: "property" })),
        "a missing property: {result:?}"
    );
    assert!(
        !*called.lock().expect("the lock is not poisoned"),
        "the decision is not called for a missing property"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) AS n FROM audit_events WHERE resource <> 'user'").await,
        0,
        "no event"
    );
}

async fn an_update_to_an_unknown_type_is_invalid_naming_property_type_and_changes_nothing(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let update = PropertyUpdate {
        name: Some(PropertyName::parse("Renamed castle").expect("a valid name")),
        property_type: Some(slug("castle")),
        ..PropertyUpdate::default()
    };

    let result =
        apply(&t.db, house.id, PropertyChange::Update(update), audit(Some(owner.id), Action::Update, 5))
            .await;

    assert!(
        matches!(&result, Err(DomainError::Invalid(errors)) if errors.len() == 1 && errors[0].field == "property_type"),
        "an unknown type is Invalid naming property_type: {result:?}"
    );
    assert_eq!(found(&t.db, house.id).await, house, "the property is as it was");
    assert_eq!(history_len(&t, house.id).await, 3, "no event for the refused update");
    let renamed = PropertyQuery { words: crate::fixture::words("castle"), ..query(10) };
    let page = PropertyRepository::list(&t.db, &renamed).await.expect("the list runs");
    assert!(page.items.is_empty(), "the refused name's words are not indexed");
}

async fn a_stale_precondition_is_precondition_failed_and_changes_nothing(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    apply_if(&t.db, house.id, house.version, rename("First"), audit(Some(owner.id), Action::Update, 5))
        .await
        .expect("the first write names the current version");
    let current = found(&t.db, house.id).await;

    let renamed =
        apply_if(&t.db, house.id, house.version, rename("Second"), audit(Some(owner.id), Action::Update, 6))
            .await;
    let deleted = apply_if(
        &t.db,
        house.id,
        Version(7),
        PropertyChange::Delete,
        audit(Some(owner.id), Action::Delete, 7),
    )
    .await;

    for (case, result) in [("rename", renamed), ("delete", deleted)] {
        assert!(
            matches!(result, Err(DomainError::PreconditionFailed { current: 2 })),
            "a stale {case} reports the current version: {result:?}"
        );
    }
    assert_eq!(found(&t.db, house.id).await, current, "stale writes change nothing");
    assert_eq!(history_len(&t, house.id).await, 4, "stale writes record no event");
}

async fn a_matching_precondition_applies(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;

    let edited =
        apply_if(&t.db, house.id, Version(1), rename("Current"), audit(Some(owner.id), Action::Update, 5))
            .await
            .expect("the current version matches");

    let property = edited.property.expect("an update returns the property");
    assert_eq!((property.name.as_str(), property.version), ("Current", Version(2)), "applied on version 1");
}

async fn deleting_removes_the_property_its_rooms_and_words_and_keeps_the_history(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let other = create_house(&t.db, owner.id).await;
    let words_before = t.word_count(house.id).await;

    let edited = apply(&t.db, house.id, PropertyChange::Delete, audit(Some(owner.id), Action::Delete, 7))
        .await
        .expect("the delete applies");

    assert_eq!((edited.property, edited.room), (None, None), "a delete returns no property and no room");
    assert!(words_before > 0, "the house had words to remove");
    assert_eq!(t.property(house.id).await, None, "the property is gone");
    assert_eq!(t.room_count(house.id).await, 0, "its rooms cascade");
    assert_eq!(t.word_count(house.id).await, 0, "its words cascade");
    let history = AuditLog::property_history(&t.db, house.id).await.expect("the history reads");
    assert_eq!(
        trail(&history),
        [creation_trail(&house), vec![(Action::Delete, Resource::Property, ResourceId::Number(house.id.0))]]
            .concat(),
        "the trail outlives the property, its deletion last"
    );
    assert_eq!(found(&t.db, other.id).await, other, "another property is untouched");
    assert_eq!(t.word_count(other.id).await, words_before, "another property keeps its words");
}

async fn a_failed_statement_rolls_the_whole_edit_back(t: TestDb) {
    let (owner, house) = owned_house(&t.db).await;
    let summary = t.stored_summary(house.id).await;
    t.reject_rooms_named("Cursed cellar").await;

    let result = apply(
        &t.db,
        house.id,
        PropertyChange::AddRoom(room("Cursed cellar", 30.0)),
        audit(Some(owner.id), Action::Create, 5),
    )
    .await;

    assert!(matches!(result, Err(DomainError::Internal(_))), "the rejected room fails the edit: {result:?}");
    assert_eq!(found(&t.db, house.id).await, house, "no version bump, no room, no new updated_at");
    assert_eq!(t.stored_summary(house.id).await, summary, "the summary is as it was");
    assert_eq!(history_len(&t, house.id).await, 3, "no event for the failed edit");
}
