//! A property's derived figures and its version counter.

mod common;

use realty_domain::{AreaM2, Property, PropertyId, Room, RoomId, RoomKind, RoomName, Version};

fn room(id: i64, area: f64) -> Room {
    Room {
        id: RoomId(id),
        property_id: PropertyId(1),
        name: RoomName::parse("Room").expect("valid room name"),
        kind: RoomKind::Other,
        area: AreaM2::parse(area).expect("valid area"),
        floor: None,
        description: None,
    }
}

fn property_with_areas(areas: &[f64]) -> Property {
    common::property(1, (1..).zip(areas).map(|(id, &area)| room(id, area)).collect())
}

#[test]
fn the_total_area_reads_as_the_owner_typed_it() {
    let cases: [(&str, &[f64], f64); 5] = [
        ("one room", &[12.5], 12.5),
        ("12.1 + 8.2", &[12.1, 8.2], 20.3),
        ("0.1 + 0.2", &[0.1, 0.2], 0.3),
        ("three rooms", &[10.01, 20.02, 30.03], 60.06),
        ("two maximal rooms", &[10_000.0, 10_000.0], 20_000.0),
    ];
    for (case, areas, total) in cases {
        let property = property_with_areas(areas);

        let computed = property.total_area_m2();

        assert_eq!(computed.to_bits(), total.to_bits(), "{case}: {computed} instead of {total}");
    }
}

#[test]
fn a_property_without_rooms_has_a_total_area_of_positive_zero() {
    let property = property_with_areas(&[]);

    let total = property.total_area_m2();

    assert_eq!(total.to_bits(), 0.0_f64.to_bits(), "{total} is not +0");
}

#[test]
fn the_total_area_is_rounded_to_the_centimetre() {
    let property = property_with_areas(&[10.004, 10.004]);

    assert_eq!(property.total_area_m2().to_bits(), 20.01_f64.to_bits());
}

#[test]
fn room_count_counts_the_rooms() {
    let cases: [(&str, &[f64], usize); 3] =
        [("none", &[], 0), ("one", &[9.0], 1), ("three", &[9.0, 12.0, 4.5], 3)];
    for (case, areas, count) in cases {
        assert_eq!(property_with_areas(areas).room_count(), count, "{case}");
    }
}

#[test]
fn a_property_starts_at_version_1_and_each_change_adds_1() {
    let cases = [(Version::INITIAL, Version(2)), (Version(2), Version(3)), (Version(41), Version(42))];
    for (version, next) in cases {
        assert_eq!(version.next(), next, "after {version}");
    }
    assert_eq!(Version::INITIAL, Version(1));
    assert_eq!(Version(7).to_string(), "7", "served as the ETag");
}
