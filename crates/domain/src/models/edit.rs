//! Writes to a property and its rooms: the version they must be based on
//! and the change they make, decided on the property as it is when the
//! write runs (see [`crate::ports::PropertyRepository::edit`]).

use super::{AuditEntry, NewRoom, Property, PropertyUpdate, RoomId, RoomUpdate, Version};
use crate::DomainError;

/// What `If-Match` asks of the current version (RFC 9110 §13.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Precondition {
    /// No `If-Match`: apply to whatever version is current.
    #[default]
    None,
    /// `If-Match: *`: any current version (the property must exist, which
    /// every write checks anyway).
    Any,
    /// The versions of the strong tags listed; the write goes ahead only if
    /// one of them is current. Weak tags never match under the strong
    /// comparison If-Match requires, so they are not listed: a header of
    /// weak tags only is an empty list, which matches nothing.
    OneOf(Vec<Version>),
}

impl Precondition {
    /// # Errors
    /// `PreconditionFailed` when a list of versions does not hold `current`.
    pub fn check(&self, current: Version) -> Result<(), DomainError> {
        match self {
            Self::OneOf(versions) if !versions.contains(&current) => {
                Err(DomainError::PreconditionFailed { current: current.0 })
            }
            _ => Ok(()),
        }
    }
}

/// A change to a property or to one of its rooms. Each bumps the property's
/// version and moves its `updated_at` to the audit entry's instant.
#[derive(Debug, Clone, PartialEq)]
pub enum PropertyChange {
    Update(PropertyUpdate),
    Delete,
    AddRoom(NewRoom),
    UpdateRoom(RoomId, RoomUpdate),
    RemoveRoom(RoomId),
}

/// What a write decided on seeing the property.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Nothing to change (the PATCH repeats current values): no version bump,
    /// no event.
    Keep,
    Apply {
        change: PropertyChange,
        audit: AuditEntry,
    },
}

/// Decides a write given the property as it is now: checks rights,
/// precondition and content, and says what to change. Runs while the
/// property is locked against other writers, so what it saw is what the
/// change applies to. It may run more than once: when the connection is
/// lost before anything was committed, the repository edits again on a new
/// connection, and decides again on the property as it is by then (another
/// writer may have changed it meanwhile).
pub type Decide = Box<dyn Fn(&Property) -> Result<Edit, DomainError> + Send + Sync>;

/// The outcome of an edit.
#[derive(Debug, Clone, PartialEq)]
pub struct Edited {
    /// The property after the edit; `None` once deleted.
    pub property: Option<Property>,
    /// The room added or changed, when the change was to a room.
    pub room: Option<RoomId>,
}
