//! Who may do what.

mod common;

use realty_domain::authz::{
    ensure_can_edit_property, ensure_can_list_users, ensure_can_manage_property_types, ensure_can_manage_user,
};
use realty_domain::{Actor, DomainError, Role, UserId};

fn actor(id: i64, role: Role) -> Actor {
    Actor { id: UserId(id), role }
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
    let property = common::property(1, Vec::new());
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
