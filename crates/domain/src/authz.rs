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

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::{City, Description, PropertyId, PropertyName, Role, TypeSlug, Version};

    fn actor(id: i64, role: Role) -> Actor {
        Actor { id: UserId(id), role }
    }

    fn property_owned_by(owner: i64) -> Property {
        let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().expect("valid instant");
        Property {
            id: PropertyId(1),
            name: PropertyName::parse("Villa").expect("valid name"),
            description: Description::default(),
            property_type: TypeSlug::parse("villa").expect("valid slug"),
            city: City::parse("Nice").expect("valid city"),
            owner_id: UserId(owner),
            version: Version::INITIAL,
            created_at: at,
            updated_at: at,
            rooms: vec![],
        }
    }

    #[test]
    fn users_manage_themselves_only() {
        assert!(ensure_can_manage_user(&actor(1, Role::User), UserId(1)).is_ok());
        assert!(matches!(
            ensure_can_manage_user(&actor(1, Role::User), UserId(2)),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn admins_manage_any_user() {
        assert!(ensure_can_manage_user(&actor(9, Role::Admin), UserId(2)).is_ok());
    }

    #[test]
    fn owner_and_admin_edit_a_property_but_a_stranger_cannot() {
        let property = property_owned_by(1);
        assert!(ensure_can_edit_property(&actor(1, Role::User), &property).is_ok());
        assert!(ensure_can_edit_property(&actor(9, Role::Admin), &property).is_ok());
        assert!(matches!(
            ensure_can_edit_property(&actor(2, Role::User), &property),
            Err(DomainError::Forbidden(_))
        ));
    }

    #[test]
    fn only_admins_manage_property_types() {
        assert!(ensure_can_manage_property_types(&actor(9, Role::Admin)).is_ok());
        assert!(ensure_can_manage_property_types(&actor(1, Role::User)).is_err());
    }

    #[test]
    fn only_admins_list_the_users() {
        assert!(ensure_can_list_users(&actor(9, Role::Admin)).is_ok());
        assert!(matches!(ensure_can_list_users(&actor(1, Role::User)), Err(DomainError::Forbidden(_))));
    }
}
