//! Rooms and their characteristics.

use std::fmt;

use super::PropertyId;
use super::text::{bounded_description, bounded_name};
use crate::ValueError;

/// A room's database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoomId(pub i64);

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

bounded_name!(
    /// A room's label: 1 to 80 characters after trimming.
    RoomName, 1..=80
);

bounded_description!(
    /// A room's description: up to 1000 characters, kept as entered.
    RoomDescription, 1000
);

/// What a room is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoomKind {
    LivingRoom,
    Bedroom,
    Kitchen,
    Bathroom,
    Toilet,
    DiningRoom,
    Office,
    Storage,
    Garage,
    Balcony,
    Other,
}

impl RoomKind {
    pub const ALL: [Self; 11] = [
        Self::LivingRoom,
        Self::Bedroom,
        Self::Kitchen,
        Self::Bathroom,
        Self::Toilet,
        Self::DiningRoom,
        Self::Office,
        Self::Storage,
        Self::Garage,
        Self::Balcony,
        Self::Other,
    ];

    /// The snake_case names, in the order of [`RoomKind::ALL`].
    pub const NAMES: [&'static str; 11] = {
        let mut names = [""; 11];
        let mut index = 0;
        while index < names.len() {
            names[index] = Self::ALL[index].as_str();
            index += 1;
        }
        names
    };

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::LivingRoom => "living_room",
            Self::Bedroom => "bedroom",
            Self::Kitchen => "kitchen",
            Self::Bathroom => "bathroom",
            Self::Toilet => "toilet",
            Self::DiningRoom => "dining_room",
            Self::Office => "office",
            Self::Storage => "storage",
            Self::Garage => "garage",
            Self::Balcony => "balcony",
            Self::Other => "other",
        }
    }

    /// # Errors
    /// When `raw` is not one of the snake_case kinds.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw).ok_or(ValueError::NotOneOf(&Self::NAMES))
    }

    /// The kind's bit in [`RoomKinds`].
    const fn bit(self) -> i32 {
        1 << self as u32
    }
}

/// A set of room kinds, as the bits of an integer: the kinds a property has
/// (stored with it) or the kinds a search requires (`has=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RoomKinds(i32);

impl RoomKinds {
    pub const NONE: Self = Self(0);

    #[must_use]
    pub fn with(self, kind: RoomKind) -> Self {
        Self(self.0 | kind.bit())
    }

    pub fn contains_all(self, required: Self) -> bool {
        self.0 & required.0 == required.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = RoomKind> {
        RoomKind::ALL.into_iter().filter(move |kind| self.0 & kind.bit() != 0)
    }

    /// The stored form.
    pub fn bits(self) -> i32 {
        self.0
    }

    /// A stored set; bits that name no kind are dropped.
    pub fn from_bits(bits: i32) -> Self {
        RoomKind::ALL.into_iter().filter(|kind| bits & kind.bit() != 0).fold(Self::NONE, Self::with)
    }
}

impl FromIterator<RoomKind> for RoomKinds {
    fn from_iter<I: IntoIterator<Item = RoomKind>>(kinds: I) -> Self {
        kinds.into_iter().fold(Self::NONE, Self::with)
    }
}

/// A floor area in square metres: more than 0, at most 10 000.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct AreaM2(f64);

impl AreaM2 {
    pub const MAX: f64 = 10_000.0;

    /// # Errors
    /// When not a finite number in (0, 10000].
    pub fn parse(value: f64) -> Result<Self, ValueError> {
        if !value.is_finite() || value <= 0.0 || value > Self::MAX {
            return Err(ValueError::OutOfRange("greater than 0 and at most 10000"));
        }
        Ok(Self(value))
    }

    pub fn value(self) -> f64 {
        self.0
    }
}

/// A storey: -5 (basements) to 200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Floor(i32);

impl Floor {
    pub const MIN: i32 = -5;
    pub const MAX: i32 = 200;

    /// Takes an `i64` so that any JSON integer reaches this check rather
    /// than failing deserialisation with a less helpful message.
    ///
    /// # Errors
    /// When outside -5..=200.
    pub fn parse(value: i64) -> Result<Self, ValueError> {
        i32::try_from(value)
            .ok()
            .filter(|floor| (Self::MIN..=Self::MAX).contains(floor))
            .map(Self)
            .ok_or(ValueError::OutOfRange("between -5 and 200"))
    }

    pub fn value(self) -> i32 {
        self.0
    }
}

/// A room of a property.
#[derive(Debug, Clone, PartialEq)]
pub struct Room {
    pub id: RoomId,
    pub property_id: PropertyId,
    pub name: RoomName,
    pub kind: RoomKind,
    pub area: AreaM2,
    pub floor: Option<Floor>,
    pub description: Option<RoomDescription>,
}

/// A room to insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRoom {
    pub name: RoomName,
    pub kind: RoomKind,
    pub area: AreaM2,
    pub floor: Option<Floor>,
    pub description: Option<RoomDescription>,
}

impl NewRoom {
    /// The room once stored under `id`.
    pub fn stored(self, id: RoomId, property_id: PropertyId) -> Room {
        let Self { name, kind, area, floor, description } = self;
        Room { id, property_id, name, kind, area, floor, description }
    }
}

/// The fields of a room to change; `None` leaves a field as it is,
/// `Some(None)` clears an optional one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoomUpdate {
    pub name: Option<RoomName>,
    pub kind: Option<RoomKind>,
    pub area: Option<AreaM2>,
    pub floor: Option<Option<Floor>>,
    pub description: Option<Option<RoomDescription>>,
}

impl RoomUpdate {
    /// `room` with this update applied.
    pub fn apply_to(&self, room: &mut Room) {
        if let Some(name) = &self.name {
            room.name = name.clone();
        }
        if let Some(kind) = self.kind {
            room.kind = kind;
        }
        if let Some(area) = self.area {
            room.area = area;
        }
        if let Some(floor) = self.floor {
            room.floor = floor;
        }
        if let Some(description) = &self.description {
            room.description = description.clone();
        }
    }
}
