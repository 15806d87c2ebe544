//! `UserRepository`: accounts, the admin directory, and the last admin.

use realty_domain::ports::{AuditLog, UserRepository};
use realty_domain::{
    Action, DomainError, PasswordHash, PersonName, Role, User, UserId, UserQuery, UserUpdate,
};

use crate::fixture::{
    TestDb, audit, contract_tests, create_house, create_user, new_user, person, register, words,
};

contract_tests!(
    registers_a_user_and_finds_them_by_id_and_email,
    self_registration_records_the_new_user_as_actor,
    a_second_account_for_an_email_is_a_conflict_whatever_its_case,
    an_unknown_user_is_none,
    an_update_changes_names_and_clears_the_birth_date,
    a_password_change_moves_password_changed_at_and_nothing_else_does,
    updating_a_missing_user_is_not_found,
    deleting_a_user_removes_their_properties_rooms_and_words_but_keeps_the_trail,
    deleting_a_missing_user_is_not_found,
    the_directory_finds_users_by_prefixes_of_their_folded_email_and_names,
    the_directory_filters_by_role,
    the_directory_pages_newest_first_without_gap_or_duplicate,
    a_renamed_user_is_found_by_the_new_name_only,
    deleting_the_only_admin_is_a_conflict_and_deletes_nothing,
    an_admin_may_delete_another_but_the_last_one_is_refused,
    two_admins_deleting_each_other_at_once_leave_exactly_one,
);

async fn directory(t: &TestDb, query: UserQuery) -> Vec<String> {
    let page = UserRepository::list(&t.db, &query).await.expect("the directory lists");
    page.items.iter().map(|user| user.email.as_str().to_owned()).collect()
}

fn search(raw: &str) -> UserQuery {
    UserQuery { words: words(raw), limit: 10, ..UserQuery::default() }
}

async fn registers_a_user_and_finds_them_by_id_and_email(t: TestDb) {
    let new = new_user("ada@example.com");

    let user = UserRepository::create(&t.db, new.clone(), audit(None, Action::Create, 0))
        .await
        .expect("the user is created");

    assert_eq!(
        (&user.email, &user.first_name, &user.birth_date),
        (&new.email, &new.first_name, &new.birth_date),
        "as given"
    );
    assert_eq!(user.role, Role::User, "a registered user is a user");
    assert_eq!(
        (user.created_at, user.updated_at, user.password_changed_at),
        (new.at, new.at, new.at),
        "all at creation"
    );
    let by_id = UserRepository::find_by_id(&t.db, user.id).await.expect("the find runs");
    let by_email = UserRepository::find_by_email(&t.db, &new.email).await.expect("the find runs");
    assert_eq!(by_id.as_ref(), Some(&user), "found by id");
    assert_eq!(by_email.as_ref(), Some(&user), "found by email");
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

async fn a_second_account_for_an_email_is_a_conflict_whatever_its_case(t: TestDb) {
    register(&t.db, "ada@example.com").await;

    let second =
        UserRepository::create(&t.db, new_user("ADA@example.com"), audit(None, Action::Create, 1)).await;

    assert!(
        matches!(second, Err(DomainError::Conflict(ref message)) if message.contains("email")),
        "{second:?}"
    );
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM users").await, 1, "one account");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM audit_events").await, 1, "no event for the refused write");
    assert_eq!(
        t.count("SELECT COUNT(*) AS n FROM user_words").await,
        t.count("SELECT COUNT(*) AS n FROM user_words WHERE user_id = (SELECT MIN(id) FROM users)").await,
        "no word of the refused account"
    );
}

async fn an_unknown_user_is_none(t: TestDb) {
    let found = UserRepository::find_by_id(&t.db, UserId(404)).await.expect("the find runs");
    let by_email = UserRepository::find_by_email(&t.db, &new_user("nobody@example.com").email).await;

    assert_eq!(found, None, "no user by an unknown id");
    assert!(matches!(by_email, Ok(None)), "no user by an unknown email: {by_email:?}");
}

async fn an_update_changes_names_and_clears_the_birth_date(t: TestDb) {
    let user = register(&t.db, "ada@example.com").await;
    let update = UserUpdate {
        first_name: Some(PersonName::parse("Augusta").expect("a valid name")),
        birth_date: Some(None),
        ..UserUpdate::default()
    };
    let entry = audit(Some(user.id), Action::Update, 10);

    let updated =
        UserRepository::update(&t.db, user.id, update, entry.clone()).await.expect("the user is updated");

    assert_eq!(updated.first_name.as_str(), "Augusta", "the first name is updated");
    assert_eq!(updated.last_name, user.last_name, "untouched fields stay");
    assert_eq!(updated.birth_date, None, "Some(None) clears the birth date");
    assert_eq!(updated.updated_at, entry.at, "updated_at is the entry's instant");
    assert_eq!(updated.password_changed_at, user.password_changed_at, "no password change, no move");
    let stored = UserRepository::find_by_id(&t.db, user.id).await.expect("the find runs");
    assert_eq!(stored, Some(updated), "what is stored is what the update returned");
}

async fn a_password_change_moves_password_changed_at_and_nothing_else_does(t: TestDb) {
    let user = register(&t.db, "ada@example.com").await;
    let new_hash = PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3".to_owned());
    let update = UserUpdate { password_hash: Some(new_hash.clone()), ..UserUpdate::default() };
    let entry = audit(Some(user.id), Action::Update, 20);

    let updated =
        UserRepository::update(&t.db, user.id, update, entry.clone()).await.expect("the user is updated");
    let promoted = UserRepository::update(
        &t.db,
        user.id,
        UserUpdate { role: Some(Role::Admin), ..UserUpdate::default() },
        audit(Some(user.id), Action::Update, 30),
    )
    .await
    .expect("the user is promoted");

    assert_eq!(updated.password_hash, new_hash, "the hash is replaced");
    assert_eq!(updated.password_changed_at, entry.at, "password_changed_at moves with the hash");
    assert_eq!(promoted.role, Role::Admin, "the role is updated");
    assert_eq!(promoted.password_changed_at, entry.at, "a change without a hash leaves it");
}

async fn updating_a_missing_user_is_not_found(t: TestDb) {
    let result = UserRepository::update(
        &t.db,
        UserId(404),
        UserUpdate::default(),
        audit(Some(UserId(1)), Action::Update, 5),
    )
    .await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "user" })), "{result:?}");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM audit_events").await, 0, "no event for a failed write");
}

async fn deleting_a_user_removes_their_properties_rooms_and_words_but_keeps_the_trail(t: TestDb) {
    let owner = register(&t.db, "owner@example.com").await;
    let other = register(&t.db, "other@example.com").await;
    let doomed = create_house(&t.db, owner.id).await;
    let kept = create_house(&t.db, other.id).await;

    UserRepository::delete(&t.db, owner.id, audit(Some(owner.id), Action::Delete, 9))
        .await
        .expect("the user is deleted");

    assert_eq!(
        UserRepository::find_by_id(&t.db, owner.id).await.expect("the find runs"),
        None,
        "the user is gone"
    );
    assert_eq!(t.property(doomed.id).await, None, "their properties cascade");
    assert_eq!(t.room_count(doomed.id).await, 0, "their rooms cascade");
    assert_eq!(t.word_count(doomed.id).await, 0, "their properties' words cascade");
    let user_words = format!("SELECT COUNT(*) AS n FROM user_words WHERE user_id = {}", owner.id);
    assert_eq!(t.count(&user_words).await, 0, "their directory words cascade");
    assert!(t.property(kept.id).await.is_some(), "others' properties stay");
    assert_eq!(directory(&t, search("other")).await, ["other@example.com"], "others stay in the directory");
    let history = AuditLog::property_history(&t.db, doomed.id).await.expect("the history reads");
    assert_eq!(history.len(), 3, "the property's trail outlives it");
    let deletion = format!(
        "SELECT COUNT(*) AS n FROM audit_events WHERE resource = 'user' AND action = 'delete' AND resource_id = '{}'",
        owner.id
    );
    assert_eq!(t.count(&deletion).await, 1, "the deletion is recorded");
}

async fn deleting_a_missing_user_is_not_found(t: TestDb) {
    let result = UserRepository::delete(&t.db, UserId(404), audit(Some(UserId(1)), Action::Delete, 5)).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "user" })), "{result:?}");
    assert_eq!(t.count("SELECT COUNT(*) AS n FROM audit_events").await, 0, "no event for a failed write");
}

async fn the_directory_finds_users_by_prefixes_of_their_folded_email_and_names(t: TestDb) {
    create_user(&t.db, person("elodie.martin@example.com", "Élodie", "Martin", Role::User)).await;
    create_user(&t.db, person("lea@exemple.fr", "Léa", "Dubois", Role::User)).await;
    create_user(&t.db, person("bob@example.com", "Bob", "Martínez", Role::User)).await;
    create_user(&t.db, person("ada@example.com", "Ada", "Lovelace", Role::Admin)).await;
    let cases: [(&str, Vec<&str>); 9] = [
        ("elo", vec!["elodie.martin@example.com"]),
        ("ÉLODIE", vec!["elodie.martin@example.com"]),
        ("mart", vec!["bob@example.com", "elodie.martin@example.com"]),
        ("martinez bob", vec!["bob@example.com"]),
        ("lea dub", vec!["lea@exemple.fr"]),
        ("exemple", vec!["lea@exemple.fr"]),
        ("example", vec!["ada@example.com", "bob@example.com", "elodie.martin@example.com"]),
        ("ovelace", vec![]),
        ("ada bob", vec![]),
    ];

    for (typed, expected) in cases {
        let found = directory(&t, search(typed)).await;

        assert_eq!(found, expected, "the directory search {typed:?}, newest first");
    }
}

async fn the_directory_filters_by_role(t: TestDb) {
    create_user(&t.db, person("ada@example.com", "Ada", "Lovelace", Role::Admin)).await;
    create_user(&t.db, person("bob@example.com", "Bob", "Martin", Role::User)).await;
    create_user(&t.db, person("grace@example.com", "Grace", "Hopper", Role::Admin)).await;

    let admins =
        directory(&t, UserQuery { role: Some(Role::Admin), limit: 10, ..UserQuery::default() }).await;
    let users = directory(&t, UserQuery { role: Some(Role::User), limit: 10, ..UserQuery::default() }).await;
    let admin_bob = directory(&t, UserQuery { role: Some(Role::Admin), ..search("bob") }).await;
    let user_bob = directory(&t, UserQuery { role: Some(Role::User), ..search("bob") }).await;

    assert_eq!(admins, ["grace@example.com", "ada@example.com"], "the admins, newest first");
    assert_eq!(users, ["bob@example.com"], "the users");
    assert!(admin_bob.is_empty(), "role and words combine with AND: no admin is named bob");
    assert_eq!(user_bob, ["bob@example.com"], "the user named bob");
}

async fn the_directory_pages_newest_first_without_gap_or_duplicate(t: TestDb) {
    let mut created: Vec<User> = Vec::new();
    for index in 0..5 {
        created.push(register(&t.db, &format!("user{index}@example.com")).await);
    }
    let mut query = UserQuery { limit: 2, ..UserQuery::default() };
    let (mut seen, mut sizes) = (Vec::new(), Vec::new());

    loop {
        let page = UserRepository::list(&t.db, &query).await.expect("the directory lists");
        sizes.push(page.items.len());
        seen.extend(page.items.iter().map(|user| user.id));
        if !page.more {
            break;
        }
        query.after = page.items.last().map(|user| user.id);
    }

    assert_eq!(sizes, [2, 2, 1], "pages of 2, 2 and 1");
    let newest_first: Vec<UserId> = created.iter().rev().map(|user| user.id).collect();
    assert_eq!(seen, newest_first, "every user once, newest first");
}

async fn a_renamed_user_is_found_by_the_new_name_only(t: TestDb) {
    let user = create_user(&t.db, person("ada@example.com", "Ada", "Byron", Role::User)).await;
    let update = UserUpdate {
        first_name: Some(PersonName::parse("Augusta").expect("a valid name")),
        last_name: Some(PersonName::parse("Lovelace").expect("a valid name")),
        ..UserUpdate::default()
    };

    UserRepository::update(&t.db, user.id, update, audit(Some(user.id), Action::Update, 5))
        .await
        .expect("the user is renamed");

    assert!(directory(&t, search("byron")).await.is_empty(), "the old last name no longer matches");
    assert_eq!(directory(&t, search("love aug")).await, ["ada@example.com"], "the new names match");
    assert_eq!(directory(&t, search("ada")).await, ["ada@example.com"], "the email still matches");
}

async fn deleting_the_only_admin_is_a_conflict_and_deletes_nothing(t: TestDb) {
    let admin = create_user(&t.db, person("admin@example.com", "Ada", "Admin", Role::Admin)).await;
    let events = t.count("SELECT COUNT(*) AS n FROM audit_events").await;

    let result = UserRepository::delete(&t.db, admin.id, audit(Some(admin.id), Action::Delete, 5)).await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "the last admin is kept: {result:?}");
    assert_eq!(
        UserRepository::find_by_id(&t.db, admin.id).await.expect("the find runs"),
        Some(admin),
        "the only admin is still there"
    );
    assert_eq!(
        t.count("SELECT COUNT(*) AS n FROM audit_events").await,
        events,
        "no event for the refused delete"
    );
}

async fn an_admin_may_delete_another_but_the_last_one_is_refused(t: TestDb) {
    let first = create_user(&t.db, person("first@example.com", "Ada", "First", Role::Admin)).await;
    let second = create_user(&t.db, person("second@example.com", "Grace", "Second", Role::Admin)).await;
    let user = register(&t.db, "user@example.com").await;

    let other_deleted =
        UserRepository::delete(&t.db, second.id, audit(Some(first.id), Action::Delete, 5)).await;
    let last_refused =
        UserRepository::delete(&t.db, first.id, audit(Some(first.id), Action::Delete, 6)).await;
    let user_deleted = UserRepository::delete(&t.db, user.id, audit(Some(first.id), Action::Delete, 7)).await;

    assert!(other_deleted.is_ok(), "one of two admins may be deleted: {other_deleted:?}");
    assert!(
        matches!(last_refused, Err(DomainError::Conflict(_))),
        "the remaining admin is refused: {last_refused:?}"
    );
    assert!(user_deleted.is_ok(), "a user may still be deleted beside the last admin: {user_deleted:?}");
    assert!(
        UserRepository::find_by_id(&t.db, first.id).await.expect("the find runs").is_some(),
        "the last admin stays"
    );
}

async fn two_admins_deleting_each_other_at_once_leave_exactly_one(t: TestDb) {
    let first = create_user(&t.db, person("first@example.com", "Ada", "First", Role::Admin)).await;
    let second = create_user(&t.db, person("second@example.com", "Grace", "Second", Role::Admin)).await;
    let other_handle = t.connect_again().await;

    let (first_deletes, second_deletes) = tokio::join!(
        UserRepository::delete(&t.db, second.id, audit(Some(first.id), Action::Delete, 5)),
        UserRepository::delete(&other_handle, first.id, audit(Some(second.id), Action::Delete, 5)),
    );

    let outcomes = [&first_deletes, &second_deletes];
    assert_eq!(
        outcomes.iter().filter(|outcome| outcome.is_ok()).count(),
        1,
        "exactly one succeeds: {outcomes:?}"
    );
    assert!(
        outcomes.iter().any(|outcome| matches!(outcome, Err(DomainError::Conflict(_)))),
        "the other is refused as the last admin: {outcomes:?}"
    );
    let admins = UserRepository::list(
        &t.db,
        &UserQuery { role: Some(Role::Admin), limit: 10, ..UserQuery::default() },
    )
    .await
    .expect("the directory lists");
    assert_eq!(admins.items.len(), 1, "exactly one admin is left");
}
