//! Who may do what: pure functions over the actor and the object.
//!
//! Each rule answers `Ok(())` or `Forbidden`; use cases call them after the
//! object is known to exist, so that a missing object is a 404 for everyone.

use crate::{Actor, DomainError, Property, UserId};

/// A user's profile is readable and editable by that user and by admins.
///
/// # Errors
/// `Forbidden` for anyone else.
pub fn ensure_can_manage_user(actor: &Actor, user: UserId) -> Result<(), DomainError> {
    if actor.id == user || actor.is_admin() {
        Ok(())
    } else {
        Err(DomainError::Forbidden("only the user themself or an admin may do this"))
    }
}

/// A property, its rooms and its history are changed (or read, for the
/// history) by its owner and by admins.
///
/// # Errors
/// `Forbidden` for anyone else.
pub fn ensure_can_edit_property(actor: &Actor, property: &Property) -> Result<(), DomainError> {
    if actor.id == property.owner_id || actor.is_admin() {
        Ok(())
    } else {
        Err(DomainError::Forbidden("only the owner or an admin may do this"))
    }
}

/// Property types are a platform-wide catalogue: admins only.
///
/// # Errors
/// `Forbidden` for non-admins.
pub fn ensure_can_manage_property_types(actor: &Actor) -> Result<(), DomainError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(DomainError::Forbidden("only an admin may manage property types"))
    }
}

/// The directory of every account is personal data: admins only.
///
/// # Errors
/// `Forbidden` for non-admins.
pub fn ensure_can_list_users(actor: &Actor) -> Result<(), DomainError> {
    if actor.is_admin() { Ok(()) } else { Err(DomainError::Forbidden("only an admin may list the users")) }
}
