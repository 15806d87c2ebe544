//! The summary columns (room_count, bedroom_count, total_area_m2,
//! room_kinds) that the filters and sorts compare: written with every room
//! write, always equal to `Property::summary()` of what `find` returns.

use realty_domain::{Action, AreaM2, PropertyChange, RoomKind, RoomKinds, RoomUpdate, Summary};

use crate::fixture::{
    TestDb, apply, audit, contract_tests, create, found, new_property, register, rename, room, room_of,
};

contract_tests!(the_stored_summary_follows_every_room_write, a_property_without_rooms_has_an_empty_summary,);

async fn assert_summary_in_step(t: &TestDb, id: realty_domain::PropertyId, case: &str) {
    let property = found(&t.db, id).await;
    assert_eq!(t.stored_summary(id).await, property.summary(), "the stored summary after {case}");
}

/// The room count, bedroom count and total area of `summary`.
fn counts_and_area(summary: &Summary) -> (u32, u32, f64) {
    (summary.room_count, summary.bedroom_count, summary.total_area_m2)
}

async fn the_stored_summary_follows_every_room_write(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let flat = create(
        &t.db,
        new_property(
            owner.id,
            "Flat",
            "Lyon",
            "apartment",
            vec![room("Bedroom", 12.1), room_of(RoomKind::Kitchen, "Kitchen", 8.2)],
        ),
    )
    .await;
    let kitchen = flat.rooms[1].id;
    let bedroom = flat.rooms[0].id;

    let created = t.stored_summary(flat.id).await;
    assert_summary_in_step(&t, flat.id, "the create").await;
    apply(
        &t.db,
        flat.id,
        PropertyChange::AddRoom(room_of(RoomKind::Bathroom, "Bathroom", 4.33)),
        audit(Some(owner.id), Action::Create, 2),
    )
    .await
    .expect("the room is added");
    assert_summary_in_step(&t, flat.id, "adding a bathroom").await;
    let kitchen_to_bedroom = RoomUpdate {
        kind: Some(RoomKind::Bedroom),
        area: Some(AreaM2::parse(9.99).expect("a valid area")),
        ..RoomUpdate::default()
    };
    apply(
        &t.db,
        flat.id,
        PropertyChange::UpdateRoom(kitchen, kitchen_to_bedroom),
        audit(Some(owner.id), Action::Update, 3),
    )
    .await
    .expect("the room is updated");
    assert_summary_in_step(&t, flat.id, "turning the kitchen into a bedroom").await;
    let after_update = t.stored_summary(flat.id).await;
    apply(&t.db, flat.id, rename("Renamed flat"), audit(Some(owner.id), Action::Update, 4))
        .await
        .expect("the rename applies");
    assert_eq!(t.stored_summary(flat.id).await, after_update, "a rename leaves the summary");
    apply(&t.db, flat.id, PropertyChange::RemoveRoom(bedroom), audit(Some(owner.id), Action::Delete, 5))
        .await
        .expect("the room is removed");
    assert_summary_in_step(&t, flat.id, "removing a bedroom").await;
    let removed = t.stored_summary(flat.id).await;

    assert_eq!(
        counts_and_area(&created),
        (2, 1, 20.3),
        "12.1 + 8.2 is stored as 20.3, rounded to the centimetre²"
    );
    assert_eq!(
        created.kinds,
        RoomKinds::NONE.with(RoomKind::Bedroom).with(RoomKind::Kitchen),
        "bedroom and kitchen"
    );
    assert_eq!(counts_and_area(&after_update), (3, 2, 26.42), "12.1 + 9.99 + 4.33 with two bedrooms");
    assert_eq!(
        after_update.kinds,
        RoomKinds::NONE.with(RoomKind::Bedroom).with(RoomKind::Bathroom),
        "the kitchen kind is gone once no room has it"
    );
    assert_eq!(counts_and_area(&removed), (2, 1, 14.32), "9.99 + 4.33");
}

async fn a_property_without_rooms_has_an_empty_summary(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;

    let land = create(&t.db, new_property(owner.id, "Land", "Lyon", "land", Vec::new())).await;

    let stored = t.stored_summary(land.id).await;
    assert_eq!(stored, land.summary(), "the stored summary of a property without rooms");
    assert_eq!(
        (stored.room_count, stored.bedroom_count, stored.total_area_m2, stored.kinds),
        (0, 0, 0.0, RoomKinds::NONE),
        "nothing counted"
    );
}
