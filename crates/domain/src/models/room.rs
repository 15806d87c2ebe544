//! Rooms and their characteristics.

use std::fmt;

use super::PropertyId;
use super::text::{bounded_description, bounded_name};
use crate::FieldError;

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
    RoomName, "name", 1..=80
);

bounded_description!(
    /// A room's description: up to 1000 characters, kept as entered.
    RoomDescription, "description", 1000
);

/// What a room is used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

    pub fn as_str(self) -> &'static str {
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
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|kind| kind.as_str()).collect();
            FieldError::new("kind", format!("must be one of {}", names.join(", ")))
        })
    }
}

/// A floor area in square metres: more than 0, at most 10 000.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct AreaM2(f64);

impl AreaM2 {
    pub const FIELD: &'static str = "area_m2";
    pub const MAX: f64 = 10_000.0;

    /// # Errors
    /// When not a finite number in (0, 10000].
    pub fn parse(value: f64) -> Result<Self, FieldError> {
        if !value.is_finite() || value <= 0.0 || value > Self::MAX {
            return Err(FieldError::new(Self::FIELD, "must be a number greater than 0 and at most 10000"));
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
    pub const FIELD: &'static str = "floor";
    pub const MIN: i64 = -5;
    pub const MAX: i64 = 200;

    /// Takes an `i64` so that any JSON integer reaches this check rather
    /// than failing deserialisation with a less helpful message.
    ///
    /// # Errors
    /// When outside -5..=200.
    pub fn parse(value: i64) -> Result<Self, FieldError> {
        if !(Self::MIN..=Self::MAX).contains(&value) {
            return Err(FieldError::new(Self::FIELD, "must be between -5 and 200"));
        }
        let floor = i32::try_from(value).map_err(|_| FieldError::new(Self::FIELD, "out of range"))?;
        Ok(Self(floor))
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
