//! `UserRepository`.

use realty_domain::ports::{AuditLog, PropertyRepository, UserRepository};
use realty_domain::{Action, DomainError, PasswordHash, PersonName, Role, UserId, UserUpdate};

use crate::fixture::{TestDb, audit, contract_tests, create_house, new_user, register};

contract_tests!(
    registers_user_and_finds_them_by_id_and_email,
    self_registration_records_the_new_user_as_actor,
    rejects_a_second_account_for_an_email,
    unknown_user_is_none,
    updates_names_and_clears_birth_date,
    password_change_moves_password_changed_at,
    update_of_missing_user_is_not_found,
    deleting_user_removes_their_properties_but_keeps_the_trail,
    delete_of_missing_user_is_not_found,
);

async fn registers_user_and_finds_them_by_id_and_email(t: TestDb) {
    let new = new_user("ada@example.com");

    let user =
        UserRepository::create(&t.db, new.clone(), audit(None, Action::Create, 0)).await.expect("created");

    assert_eq!(user.email, new.email);
    assert_eq!(user.first_name, new.first_name);
    assert_eq!(user.birth_date, new.birth_date);
    assert_eq!(user.role, Role::User);
    assert_eq!((user.created_at, user.updated_at, user.password_changed_at), (new.at, new.at, new.at));
    let by_id = UserRepository::find_by_id(&t.db, user.id).await.expect("found");
    let by_email = UserRepository::find_by_email(&t.db, &new.email).await.expect("found");
    assert_eq!(by_id.as_ref(), Some(&user));
    assert_eq!(by_email.as_ref(), Some(&user));
}

async fn self_registration_records_the_new_user_as_actor(t: TestDb) {
    let user = register(&t.db, "ada@example.com").await;

    let events = t
        .count(&format!(
            "SELECT COUNT(*) AS n FROM audit_events WHERE resource = 'user' AND action = 'create' \
             AND resource_id = '{0}' AND actor_id = {0} AND property_id IS NULL",
            user.id
        ))
        .await;

    assert_eq!(events, 1, "one create event whose actor is the new user");
}

async fn rejects_a_second_account_for_an_email(t: TestDb) {
    register(&t.db, "ada@example.com").await;

    let second =
        UserRepository::create(&t.db, new_user("ADA@example.com"), audit(None, Action::Create, 1)).await;

    assert!(
        matches!(second, Err(DomainError::Conflict(ref message)) if message.contains("email")),
        "{second:?}"
    );
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM users").await, 1);
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM audit_events").await, 1, "no event for the refused write");
}

async fn unknown_user_is_none(t: TestDb) {
    let found = UserRepository::find_by_id(&t.db, UserId(404)).await.expect("the lookup runs");
    let by_email = UserRepository::find_by_email(&t.db, &new_user("nobody@example.com").email).await;

    assert_eq!(found, None);
    assert!(matches!(by_email, Ok(None)));
}

async fn updates_names_and_clears_birth_date(t: TestDb) {
    let user = register(&t.db, "ada@example.com").await;
    let update = UserUpdate {
        first_name: Some(PersonName::parse("first_name", "Augusta").expect("valid")),
        birth_date: Some(None),
        ..UserUpdate::default()
    };
    let entry = audit(Some(user.id), Action::Update, 10);

    let updated = UserRepository::update(&t.db, user.id, update, entry.clone()).await.expect("updated");

    assert_eq!(updated.first_name.as_str(), "Augusta");
    assert_eq!(updated.last_name, user.last_name, "untouched fields stay");
    assert_eq!(updated.birth_date, None, "Some(None) clears the birth date");
    assert_eq!(updated.updated_at, entry.at);
    assert_eq!(updated.password_changed_at, user.password_changed_at, "no password change, no move");
    let stored = UserRepository::find_by_id(&t.db, user.id).await.expect("found");
    assert_eq!(stored, Some(updated));
}

async fn password_change_moves_password_changed_at(t: TestDb) {
    let user = register(&t.db, "ada@example.com").await;
    let new_hash = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3".to_owned());
    let update = UserUpdate { password_hash: Some(new_hash.clone()), ..UserUpdate::default() };
    let entry = audit(Some(user.id), Action::Update, 20);

    let updated = UserRepository::update(&t.db, user.id, update, entry.clone()).await.expect("updated");

    assert_eq!(updated.password_hash, new_hash);
    assert_eq!(updated.password_changed_at, entry.at);
    let promoted = UserRepository::update(
        &t.db,
        user.id,
        UserUpdate { role: Some(Role::Admin), ..UserUpdate::default() },
        audit(Some(user.id), Action::Update, 30),
    )
    .await
    .expect("updated");
    assert_eq!(promoted.role, Role::Admin);
    assert_eq!(promoted.password_changed_at, entry.at, "a change without a hash leaves it");
}

async fn update_of_missing_user_is_not_found(t: TestDb) {
    let result = UserRepository::update(
        &t.db,
        UserId(404),
        UserUpdate::default(),
        audit(Some(UserId(1)), Action::Update, 5),
    )
    .await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "user" })), "{result:?}");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM audit_events").await, 0);
}

async fn deleting_user_removes_their_properties_but_keeps_the_trail(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let other = register(&t.db, "other@example.com").await;
    let doomed = create_house(&t.db, owner.id).await;
    let kept = create_house(&t.db, other.id).await;

    UserRepository::delete(&t.db, owner.id, audit(Some(owner.id), Action::Delete, 9)).await.expect("deleted");

    assert_eq!(UserRepository::find_by_id(&t.db, owner.id).await.expect("runs"), None);
    assert_eq!(PropertyRepository::find(&t.db, doomed.id).await.expect("runs"), None, "properties cascade");
    let orphan_rooms = format!("SELECT COUNT(*) AS n FROM rooms WHERE property_id = {}", doomed.id);
    assert_eq!(t.count(&orphan_rooms).await, 0, "rooms cascade");
    assert!(PropertyRepository::find(&t.db, kept.id).await.expect("runs").is_some(), "others' stay");
    let history = AuditLog::property_history(&t.db, doomed.id).await.expect("history");
    assert_eq!(history.len(), 1, "the property's trail outlives it");
    let deletion = format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE resource = 'user' AND action = 'delete' AND resource_id = '{}'",
        owner.id
    );
    assert_eq!(t.count(&deletion).await, 1);
}

async fn delete_of_missing_user_is_not_found(t: TestDb) {
    let result = UserRepository::delete(&t.db, UserId(404), audit(Some(UserId(1)), Action::Delete, 5)).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "user" })), "{result:?}");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM audit_events").await, 0, "no event for a failed write");
}
