//! Accounts: registration, login and its throttling, token checks, profiles
//! and the `create-admin` path, each against mocked ports.
#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Duration, Utc};
use common::*;
use realty_app::{Credentials, LoginPolicy, ProfilePatch, Registration};
use realty_domain::ports::{IssuedToken, TokenClaims};
use realty_domain::{
    Action, AuditEntry, BirthDate, DomainError, FieldValue, LoginEmail, NewUser, Page, PasswordHash, Role,
    User, UserId, UserQuery, UserUpdate,
};

const PASSWORD: &str = "correct horse battery";

// ======================================================================= register

fn birth(y: i32, m: u32, d: u32) -> BirthDate {
    BirthDate::parse(date(y, m, d), today()).unwrap()
}

fn registration() -> Registration {
    Registration {
        email: email("  Ada@Example.COM "),
        password: secret(PASSWORD),
        first_name: name(" Ada "),
        last_name: name("Lovelace"),
        birth_date: Some(birth(1990, 5, 17)),
    }
}

/// What the repository answers for an insert.
fn stored(new: &NewUser) -> User {
    User {
        id: UserId(42),
        email: new.email.clone(),
        password_hash: new.password_hash.clone(),
        first_name: new.first_name.clone(),
        last_name: new.last_name.clone(),
        birth_date: new.birth_date,
        role: new.role,
        created_at: new.at,
        updated_at: new.at,
        password_changed_at: new.at,
    }
}

/// Expects one hash of `password` and one insert, captured.
fn expect_registration(mocks: &mut AccountsMocks, password: &'static str) -> Captured<(NewUser, AuditEntry)> {
    let captured = Captured::default();
    mocks
        .hasher
        .expect_hash()
        .withf(move |given| given.expose() == password)
        .times(1)
        .returning(|_| Ok(PasswordHash::new(NEW_HASH.into())));
    let sink = captured.clone();
    mocks.users.expect_create().times(1).returning(move |new, audit| {
        sink.push((new.clone(), audit));
        Ok(stored(&new))
    });
    captured
}

#[tokio::test]
async fn registering_hashes_the_password_and_creates_a_plain_user() {
    let mut mocks = AccountsMocks::new();
    let captured = expect_registration(&mut mocks, PASSWORD);
    let accounts = mocks.build();

    let user = accounts.register(registration()).await.unwrap();

    let (new, _) = captured.only();
    assert_eq!(new.email.as_str(), "ada@example.com", "email is trimmed and lower-cased");
    assert_eq!(new.password_hash.as_str(), NEW_HASH);
    assert_eq!(new.first_name.as_str(), "Ada", "names are trimmed");
    assert_eq!(new.last_name.as_str(), "Lovelace");
    assert_eq!(new.birth_date.map(BirthDate::date), Some(date(1990, 5, 17)));
    assert_eq!(new.role, Role::User);
    assert_eq!(new.at, now());
    assert_eq!(user.id, UserId(42));
    assert_eq!(user.role, Role::User);
}

#[tokio::test]
async fn registering_records_a_create_event_without_actor_nor_password() {
    let mut mocks = AccountsMocks::new();
    let captured = expect_registration(&mut mocks, PASSWORD);
    let accounts = mocks.build();

    accounts.register(registration()).await.unwrap();

    let (_, audit) = captured.only();
    assert_eq!(audit.actor_id, None, "the new user has no id yet");
    assert_eq!(audit.action, Action::Create);
    assert_eq!(audit.at, now());
    assert_eq!(changed_fields(&audit.changes), ["birth_date", "email", "first_name", "last_name", "role"]);
    assert_eq!(change(&audit.changes, "email"), (FieldValue::Null, text("ada@example.com")));
    assert_eq!(change(&audit.changes, "first_name"), (FieldValue::Null, text("Ada")));
    assert_eq!(change(&audit.changes, "last_name"), (FieldValue::Null, text("Lovelace")));
    assert_eq!(change(&audit.changes, "birth_date"), (FieldValue::Null, FieldValue::from(date(1990, 5, 17))));
    assert_eq!(change(&audit.changes, "role"), (FieldValue::Null, text("user")));
    assert_no_secret(&audit, &[PASSWORD, NEW_HASH]);
}

#[tokio::test]
async fn registering_without_birth_date_records_no_birth_date_change() {
    let mut mocks = AccountsMocks::new();
    let captured = expect_registration(&mut mocks, PASSWORD);
    let accounts = mocks.build();

    accounts.register(Registration { birth_date: None, ..registration() }).await.unwrap();

    let (new, audit) = captured.only();
    assert_eq!(new.birth_date, None);
    assert_eq!(changed_fields(&audit.changes), ["email", "first_name", "last_name", "role"]);
}

#[tokio::test]
async fn registering_a_taken_email_passes_the_conflict_through() {
    let mut mocks = AccountsMocks::new();
    mocks.hasher.expect_hash().times(1).returning(|_| Ok(PasswordHash::new(NEW_HASH.into())));
    mocks.users.expect_create().times(1).returning(|_, _| Err(DomainError::Conflict("email taken".into())));
    let accounts = mocks.build();

    let result = accounts.register(registration()).await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "got {result:?}");
}

// ======================================================================= login

fn credentials(email: &str, password: &str) -> Credentials {
    Credentials { email: LoginEmail::parse(email).unwrap(), password: secret(password) }
}

fn window_start() -> DateTime<Utc> {
    now() - Duration::minutes(15)
}

/// `recent_failures` for `key` since the start of the window answers `failures`.
fn expect_failures(mocks: &mut AccountsMocks, key: &'static str, failures: Vec<DateTime<Utc>>) {
    mocks
        .throttle
        .expect_recent_failures()
        .withf(move |asked, since| asked == key && *since == window_start())
        .times(1)
        .returning(move |_, _| Ok(failures.clone()));
}

/// `find_by_email` answers user 1 (stored as `user1@example.com`).
fn expect_known_email(mocks: &mut AccountsMocks) {
    mocks
        .users
        .expect_find_by_email()
        .withf(|email| email.as_str() == "user1@example.com")
        .times(1)
        .returning(|_| Ok(Some(user(1))));
}

fn expect_verify(mocks: &mut AccountsMocks, presented: &'static str, matches: bool) {
    mocks
        .hasher
        .expect_verify()
        .withf(move |password, hash| password.expose() == presented && hash.as_str() == OLD_HASH)
        .times(1)
        .returning(move |_, _| Ok(matches));
}

fn expect_token(mocks: &mut AccountsMocks) {
    mocks
        .tokens
        .expect_issue()
        .withf(|user, at| *user == UserId(1) && *at == now())
        .times(1)
        .returning(|_, _| Ok(IssuedToken { token: "v4.public.token".into(), expires_in_secs: 3600 }));
}

fn expect_failure_recorded(mocks: &mut AccountsMocks, key: &'static str) {
    mocks
        .throttle
        .expect_record_failure()
        .withf(move |asked, at, forget_before| {
            asked == key && *at == now() && *forget_before == window_start()
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
}

/// `minutes_ago` failures, oldest first.
fn failures(minutes_ago: &[i64]) -> Vec<DateTime<Utc>> {
    minutes_ago.iter().map(|minutes| now() - Duration::minutes(*minutes)).collect()
}

#[tokio::test]
async fn logging_in_with_the_right_password_issues_a_token() {
    let mut mocks = AccountsMocks::new();
    expect_failures(&mut mocks, "user1@example.com", vec![]);
    expect_known_email(&mut mocks);
    expect_verify(&mut mocks, PASSWORD, true);
    expect_token(&mut mocks);
    mocks.throttle.expect_record_failure().never();
    mocks.throttle.expect_clear().never();
    let accounts = mocks.build();

    let token = accounts.login(credentials("user1@example.com", PASSWORD)).await.unwrap();

    assert_eq!(token, IssuedToken { token: "v4.public.token".into(), expires_in_secs: 3600 });
}

#[tokio::test]
async fn logging_in_counts_failures_under_the_trimmed_lower_case_email() {
    let mut mocks = AccountsMocks::new();
    expect_failures(&mut mocks, "user1@example.com", vec![]);
    expect_known_email(&mut mocks);
    expect_verify(&mut mocks, PASSWORD, true);
    expect_token(&mut mocks);
    let accounts = mocks.build();

    let result = accounts.login(credentials("  User1@EXAMPLE.com ", PASSWORD)).await;

    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn a_successful_login_clears_earlier_failures() {
    let mut mocks = AccountsMocks::new();
    expect_failures(&mut mocks, "user1@example.com", failures(&[10, 5]));
    expect_known_email(&mut mocks);
    expect_verify(&mut mocks, PASSWORD, true);
    expect_token(&mut mocks);
    mocks.throttle.expect_clear().withf(|key| key == "user1@example.com").times(1).returning(|_| Ok(()));
    let accounts = mocks.build();

    let result = accounts.login(credentials("user1@example.com", PASSWORD)).await;

    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn failures_below_the_limit_still_allow_a_login() {
    let mut mocks = AccountsMocks::new();
    expect_failures(&mut mocks, "user1@example.com", failures(&[14, 12, 9, 1]));
    expect_known_email(&mut mocks);
    expect_verify(&mut mocks, PASSWORD, true);
    expect_token(&mut mocks);
    mocks.throttle.expect_clear().times(1).returning(|_| Ok(()));
    let accounts = mocks.build();

    let result = accounts.login(credentials("user1@example.com", PASSWORD)).await;

    assert!(result.is_ok(), "four failures out of five allowed, got {result:?}");
}

#[tokio::test]
async fn a_wrong_password_is_unauthenticated_and_recorded_as_a_failure() {
    let mut mocks = AccountsMocks::new();
    expect_failures(&mut mocks, "user1@example.com", vec![]);
    expect_known_email(&mut mocks);
    expect_verify(&mut mocks, "wrong password", false);
    expect_failure_recorded(&mut mocks, "user1@example.com");
    mocks.tokens.expect_issue().never();
    mocks.throttle.expect_clear().never();
    let accounts = mocks.build();

    let result = accounts.login(credentials("user1@example.com", "wrong password")).await;

    assert!(matches!(result, Err(DomainError::Unauthenticated)), "got {result:?}");
}

#[tokio::test]
async fn an_unknown_email_costs_one_hash_and_gets_the_same_answer_as_a_wrong_password() {
    let mut mocks = AccountsMocks::new();
    expect_failures(&mut mocks, "nobody@example.com", vec![]);
    mocks
        .users
        .expect_find_by_email()
        .withf(|email| email.as_str() == "nobody@example.com")
        .times(1)
        .returning(|_| Ok(None));
    mocks.hasher.expect_verify().never();
    mocks
        .hasher
        .expect_verify_against_nothing()
        .withf(|password| password.expose() == PASSWORD)
        .times(1)
        .returning(|_| Ok(()));
    expect_failure_recorded(&mut mocks, "nobody@example.com");
    mocks.tokens.expect_issue().never();
    let accounts = mocks.build();

    let result = accounts.login(credentials("nobody@example.com", PASSWORD)).await;

    assert!(matches!(result, Err(DomainError::Unauthenticated)), "got {result:?}");
}

#[tokio::test]
async fn a_malformed_email_is_unauthenticated_not_invalid() {
    let mut mocks = AccountsMocks::new();
    expect_failures(&mut mocks, "not an email", vec![]);
    mocks.users.expect_find_by_email().never();
    mocks.hasher.expect_verify().never();
    mocks.hasher.expect_verify_against_nothing().times(1).returning(|_| Ok(()));
    expect_failure_recorded(&mut mocks, "not an email");
    mocks.tokens.expect_issue().never();
    let accounts = mocks.build();

    let result = accounts.login(credentials(" Not an Email ", PASSWORD)).await;

    assert!(matches!(result, Err(DomainError::Unauthenticated)), "got {result:?}");
}

/// A throttled login touches nothing but the failure counter.
fn forbid_login_work(mocks: &mut AccountsMocks) {
    mocks.users.expect_find_by_email().never();
    mocks.hasher.expect_verify().never();
    mocks.hasher.expect_verify_against_nothing().never();
    mocks.throttle.expect_record_failure().never();
    mocks.throttle.expect_clear().never();
    mocks.tokens.expect_issue().never();
}

#[tokio::test]
async fn too_many_failures_refuse_even_the_right_password_without_checking_it() {
    let mut mocks = AccountsMocks::new();
    expect_failures(&mut mocks, "user1@example.com", failures(&[14, 13, 12, 11, 10]));
    forbid_login_work(&mut mocks);
    let accounts = mocks.build();

    let result = accounts.login(credentials("user1@example.com", PASSWORD)).await;

    // The oldest failure (14 minutes ago) leaves the 15-minute window in 60 s.
    assert!(matches!(result, Err(DomainError::TooManyAttempts { retry_after_secs: 60 })), "got {result:?}");
}

#[tokio::test]
async fn retry_after_counts_from_the_oldest_failure_that_still_blocks() {
    let mut mocks = AccountsMocks::new();
    // Seven failures: logins resume when the count drops below five, i.e.
    // when the third oldest (12 minutes ago) expires, in 3 minutes.
    expect_failures(&mut mocks, "user1@example.com", failures(&[14, 13, 12, 8, 6, 4, 2]));
    forbid_login_work(&mut mocks);
    let accounts = mocks.build();

    let result = accounts.login(credentials("user1@example.com", PASSWORD)).await;

    assert!(matches!(result, Err(DomainError::TooManyAttempts { retry_after_secs: 180 })), "got {result:?}");
}

#[tokio::test]
async fn retry_after_is_at_least_one_second() {
    let mut mocks = AccountsMocks::new();
    let at_window_edge = vec![window_start(); 5];
    expect_failures(&mut mocks, "user1@example.com", at_window_edge);
    forbid_login_work(&mut mocks);
    let accounts = mocks.build();

    let result = accounts.login(credentials("user1@example.com", PASSWORD)).await;

    assert!(matches!(result, Err(DomainError::TooManyAttempts { retry_after_secs: 1 })), "got {result:?}");
}

#[tokio::test]
async fn the_login_policy_sets_the_failure_limit_and_the_window() {
    let mut mocks = AccountsMocks::new();
    mocks.policy = LoginPolicy { max_failures: 3, window: std::time::Duration::from_secs(600) };
    mocks
        .throttle
        .expect_recent_failures()
        .withf(|_, since| *since == now() - Duration::minutes(10))
        .times(1)
        .returning(|_, _| Ok(failures(&[9, 5, 1])));
    forbid_login_work(&mut mocks);
    let accounts = mocks.build();

    let result = accounts.login(credentials("user1@example.com", PASSWORD)).await;

    assert!(matches!(result, Err(DomainError::TooManyAttempts { retry_after_secs: 60 })), "got {result:?}");
}

#[tokio::test]
async fn retry_after_rounds_up_to_the_next_whole_second() {
    let mut mocks = AccountsMocks::new();
    // The deciding failure leaves the window in 299.5 s: waiting 299 s is not enough.
    let deciding = now() - Duration::minutes(10) - Duration::milliseconds(500);
    expect_failures(&mut mocks, "user1@example.com", vec![deciding; 5]);
    forbid_login_work(&mut mocks);
    let accounts = mocks.build();

    let result = accounts.login(credentials("user1@example.com", PASSWORD)).await;

    assert!(matches!(result, Err(DomainError::TooManyAttempts { retry_after_secs: 300 })), "got {result:?}");
}

#[tokio::test]
async fn a_zero_failure_limit_does_not_panic() {
    let mut mocks = AccountsMocks::new();
    mocks.policy = LoginPolicy { max_failures: 0, ..LoginPolicy::default() };
    mocks.throttle.expect_recent_failures().returning(|_, _| Ok(vec![]));
    mocks.users.expect_find_by_email().returning(|_| Ok(Some(user(1))));
    mocks.hasher.expect_verify().returning(|_, _| Ok(true));
    mocks.tokens.expect_issue().returning(|_, _| Ok(IssuedToken { token: "t".into(), expires_in_secs: 1 }));
    let accounts = mocks.build();

    let result = accounts.login(credentials("user1@example.com", PASSWORD)).await;

    assert!(
        matches!(result, Ok(_) | Err(DomainError::TooManyAttempts { .. })),
        "either throttling is off or every login is refused; got {result:?}"
    );
}

// ======================================================================= authenticate

fn expect_token_for(mocks: &mut AccountsMocks, user: i64, issued_at: DateTime<Utc>) {
    mocks
        .tokens
        .expect_verify()
        .withf(|token, at| token == "the-token" && *at == now())
        .times(1)
        .returning(move |_, _| Ok(TokenClaims { user_id: UserId(user), issued_at }));
}

#[tokio::test]
async fn a_valid_token_stands_for_its_user() {
    let mut mocks = AccountsMocks::new().with_user(user(1));
    expect_token_for(&mut mocks, 1, now() - Duration::minutes(5));
    let accounts = mocks.build();

    let user = accounts.authenticate("the-token").await.unwrap();

    assert_eq!(user.id, UserId(1));
}

#[tokio::test]
async fn a_token_that_fails_verification_is_unauthenticated() {
    let mut mocks = AccountsMocks::new();
    mocks.tokens.expect_verify().times(1).returning(|_, _| Err(DomainError::Unauthenticated));
    mocks.users.expect_find_by_id().never();
    let accounts = mocks.build();

    let result = accounts.authenticate("tampered").await;

    assert!(matches!(result, Err(DomainError::Unauthenticated)), "got {result:?}");
}

#[tokio::test]
async fn a_token_of_a_deleted_user_is_unauthenticated() {
    let mut mocks = AccountsMocks::new().without_users();
    expect_token_for(&mut mocks, 1, now() - Duration::minutes(5));
    let accounts = mocks.build();

    let result = accounts.authenticate("the-token").await;

    assert!(matches!(result, Err(DomainError::Unauthenticated)), "got {result:?}");
}

#[tokio::test]
async fn a_token_issued_before_the_last_password_change_is_unauthenticated() {
    let changed = now() - Duration::minutes(1);
    let mut mocks = AccountsMocks::new().with_user(User { password_changed_at: changed, ..user(1) });
    expect_token_for(&mut mocks, 1, changed - Duration::seconds(1));
    let accounts = mocks.build();

    let result = accounts.authenticate("the-token").await;

    assert!(matches!(result, Err(DomainError::Unauthenticated)), "got {result:?}");
}

#[tokio::test]
async fn a_token_issued_at_the_password_change_is_accepted() {
    let changed = now() - Duration::minutes(1);
    let mut mocks = AccountsMocks::new().with_user(User { password_changed_at: changed, ..user(1) });
    expect_token_for(&mut mocks, 1, changed);
    let accounts = mocks.build();

    let result = accounts.authenticate("the-token").await;

    assert!(result.is_ok(), "got {result:?}");
}

// ======================================================================= get_user

#[tokio::test]
async fn users_read_their_own_profile() {
    let accounts = AccountsMocks::new().with_user(user(1)).build();

    let user = accounts.get_user(&actor(1), UserId(1)).await.unwrap();

    assert_eq!(user.id, UserId(1));
}

#[tokio::test]
async fn admins_read_any_profile() {
    let accounts = AccountsMocks::new().with_user(user(1)).build();

    let user = accounts.get_user(&admin(ADMIN), UserId(1)).await.unwrap();

    assert_eq!(user.id, UserId(1));
}

#[tokio::test]
async fn stranger_cannot_read_a_profile() {
    let accounts = AccountsMocks::new().with_user(user(1)).build();

    let result = accounts.get_user(&actor(STRANGER), UserId(1)).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn a_missing_user_is_not_found_even_for_admins() {
    let accounts = AccountsMocks::new().without_users().build();

    let result = accounts.get_user(&admin(ADMIN), UserId(404)).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "user" })), "got {result:?}");
}

#[tokio::test]
async fn a_missing_user_is_not_found_rather_than_forbidden_for_strangers() {
    let accounts = AccountsMocks::new().without_users().build();

    let result = accounts.get_user(&actor(STRANGER), UserId(404)).await;

    assert!(matches!(result, Err(DomainError::NotFound { .. })), "got {result:?}");
}

// ======================================================================= update_user

/// Expects one update of user 1, answering the updated user.
fn expect_update(mocks: &mut AccountsMocks) -> Captured<(UserUpdate, AuditEntry)> {
    let captured = Captured::default();
    let sink = captured.clone();
    mocks.users.expect_update().withf(|id, _, _| *id == UserId(1)).times(1).returning(
        move |_, update, audit| {
            sink.push((update.clone(), audit));
            let mut updated = user(1);
            if let Some(first_name) = update.first_name {
                updated.first_name = first_name;
            }
            if let Some(last_name) = update.last_name {
                updated.last_name = last_name;
            }
            if let Some(birth_date) = update.birth_date {
                updated.birth_date = birth_date;
            }
            Ok(updated)
        },
    );
    captured
}

#[tokio::test]
async fn users_rename_themselves() {
    let mut mocks = AccountsMocks::new().with_user(user(1));
    mocks.hasher.expect_hash().never();
    let captured = expect_update(&mut mocks);
    let accounts = mocks.build();
    let patch = ProfilePatch {
        first_name: Some(name(" Grace ")),
        last_name: Some(name("Hopper")),
        ..ProfilePatch::default()
    };

    let updated = accounts.update_user(&actor(1), UserId(1), Ok(patch)).await.unwrap();

    let (update, audit) = captured.only();
    assert_eq!(
        update,
        UserUpdate {
            first_name: Some(name("Grace")),
            last_name: Some(name("Hopper")),
            ..UserUpdate::default()
        }
    );
    assert_eq!(audit.actor_id, Some(UserId(1)));
    assert_eq!(audit.action, Action::Update);
    assert_eq!(audit.at, now());
    assert_eq!(changed_fields(&audit.changes), ["first_name", "last_name"]);
    assert_eq!(change(&audit.changes, "first_name"), (text("Ada"), text("Grace")));
    assert_eq!(change(&audit.changes, "last_name"), (text("Lovelace"), text("Hopper")));
    assert_eq!(updated.first_name.as_str(), "Grace");
}

#[tokio::test]
async fn only_the_fields_that_change_are_audited() {
    let mut mocks = AccountsMocks::new().with_user(user(1));
    let captured = expect_update(&mut mocks);
    let accounts = mocks.build();
    let patch = ProfilePatch {
        first_name: Some(name("Ada")),
        last_name: Some(name("Byron")),
        ..ProfilePatch::default()
    };

    accounts.update_user(&actor(1), UserId(1), Ok(patch)).await.unwrap();

    let (_, audit) = captured.only();
    assert_eq!(changed_fields(&audit.changes), ["last_name"]);
}

#[tokio::test]
async fn users_set_their_birth_date() {
    let mut mocks = AccountsMocks::new().with_user(User { birth_date: None, ..user(1) });
    let captured = expect_update(&mut mocks);
    let accounts = mocks.build();
    let patch = ProfilePatch { birth_date: Some(Some(birth(1985, 2, 1))), ..ProfilePatch::default() };

    accounts.update_user(&actor(1), UserId(1), Ok(patch)).await.unwrap();

    let (update, audit) = captured.only();
    assert_eq!(update.birth_date, Some(Some(BirthDate::parse(date(1985, 2, 1), today()).unwrap())));
    assert_eq!(change(&audit.changes, "birth_date"), (FieldValue::Null, FieldValue::from(date(1985, 2, 1))));
}

#[tokio::test]
async fn users_clear_their_birth_date_with_null() {
    let mut mocks = AccountsMocks::new().with_user(user(1));
    let captured = expect_update(&mut mocks);
    let accounts = mocks.build();
    let patch = ProfilePatch { birth_date: Some(None), ..ProfilePatch::default() };

    let updated = accounts.update_user(&actor(1), UserId(1), Ok(patch)).await.unwrap();

    let (update, audit) = captured.only();
    assert_eq!(update, UserUpdate { birth_date: Some(None), ..UserUpdate::default() });
    assert_eq!(change(&audit.changes, "birth_date"), (FieldValue::from(date(1990, 5, 17)), FieldValue::Null));
    assert_eq!(updated.birth_date, None);
}

#[tokio::test]
async fn clearing_an_absent_birth_date_writes_nothing() {
    let accounts =
        AccountsMocks::new().with_user(User { birth_date: None, ..user(1) }).forbid_writes().build();
    let patch = ProfilePatch { birth_date: Some(None), ..ProfilePatch::default() };

    let result = accounts.update_user(&actor(1), UserId(1), Ok(patch)).await;

    assert!(result.is_ok(), "got {result:?}");
}

#[tokio::test]
async fn users_change_their_password_with_the_current_one() {
    let mut mocks = AccountsMocks::new().with_user(user(1));
    expect_verify(&mut mocks, "old password", true);
    mocks
        .hasher
        .expect_hash()
        .withf(|password| password.expose() == "brand new password")
        .times(1)
        .returning(|_| Ok(PasswordHash::new(NEW_HASH.into())));
    let captured = expect_update(&mut mocks);
    let accounts = mocks.build();
    let patch = ProfilePatch {
        password: Some(secret("brand new password")),
        current_password: Some(secret("old password")),
        ..ProfilePatch::default()
    };

    accounts.update_user(&actor(1), UserId(1), Ok(patch)).await.unwrap();

    let (update, audit) = captured.only();
    assert_eq!(
        update,
        UserUpdate { password_hash: Some(PasswordHash::new(NEW_HASH.into())), ..UserUpdate::default() }
    );
    assert_eq!(changed_fields(&audit.changes), ["password"]);
    assert_eq!(change(&audit.changes, "password"), (text("***"), text("***")), "recorded as a secret");
    assert_no_secret(&audit, &["brand new password", "old password", NEW_HASH, OLD_HASH]);
}

#[tokio::test]
async fn a_wrong_current_password_is_invalid_and_changes_nothing() {
    let mut mocks = AccountsMocks::new().with_user(user(1)).forbid_writes();
    expect_verify(&mut mocks, "guessed password", false);
    let accounts = mocks.build();
    let patch = ProfilePatch {
        first_name: Some(name("Grace")),
        password: Some(secret("brand new password")),
        current_password: Some(secret("guessed password")),
        ..ProfilePatch::default()
    };

    let result = accounts.update_user(&actor(1), UserId(1), Ok(patch)).await;

    assert_eq!(invalid_fields(result), ["current_password"]);
}

#[tokio::test]
async fn ones_own_password_changes_with_both_the_new_and_the_current_password() {
    let new_only = ProfilePatch { password: Some(secret("brand new password")), ..ProfilePatch::default() };
    let current_only =
        ProfilePatch { current_password: Some(secret("old password")), ..ProfilePatch::default() };
    let cases = [
        ("a user's new password without the current one", actor(1), user(1), new_only.clone()),
        ("an admin's own new password without the current one", admin(ADMIN), admin_user(ADMIN), new_only),
        ("a current password without a new one", actor(1), user(1), current_only),
    ];
    for (case, actor, user, patch) in cases {
        let id = user.id;
        let mut mocks = AccountsMocks::new().with_user(user).forbid_writes();
        mocks.hasher.expect_verify().never();
        let accounts = mocks.build();

        let result = accounts.update_user(&actor, id, Ok(patch)).await;

        assert_eq!(invalid_fields(result), ["current_password"], "{case}");
    }
}

#[tokio::test]
async fn admins_reset_another_users_password_without_the_current_one() {
    let mut mocks = AccountsMocks::new().with_user(user(1));
    mocks.hasher.expect_verify().never();
    mocks.hasher.expect_hash().times(1).returning(|_| Ok(PasswordHash::new(NEW_HASH.into())));
    let captured = expect_update(&mut mocks);
    let accounts = mocks.build();
    let patch = ProfilePatch { password: Some(secret("brand new password")), ..ProfilePatch::default() };

    accounts.update_user(&admin(ADMIN), UserId(1), Ok(patch)).await.unwrap();

    let (update, audit) = captured.only();
    assert_eq!(update.password_hash, Some(PasswordHash::new(NEW_HASH.into())));
    assert_eq!(audit.actor_id, Some(UserId(ADMIN)));
    assert_eq!(changed_fields(&audit.changes), ["password"]);
}

#[tokio::test]
async fn the_parse_errors_of_a_patch_are_reported_once_the_user_is_known_and_reachable() {
    let accounts = AccountsMocks::new().with_user(user(1)).forbid_writes().build();

    let result = accounts.update_user(&actor(1), UserId(1), Err(parse_error("first_name"))).await;

    assert_eq!(invalid_fields(result), ["first_name"]);
}

#[tokio::test]
async fn an_empty_profile_patch_writes_nothing() {
    let accounts = AccountsMocks::new().with_user(user(1)).forbid_writes().build();

    let unchanged = accounts.update_user(&actor(1), UserId(1), Ok(ProfilePatch::default())).await.unwrap();

    assert_eq!(unchanged, user(1));
}

#[tokio::test]
async fn a_patch_repeating_the_current_values_writes_nothing() {
    let accounts = AccountsMocks::new().with_user(user(1)).forbid_writes().build();
    let patch = ProfilePatch {
        first_name: Some(name("Ada")),
        last_name: Some(name(" Lovelace ")),
        birth_date: Some(Some(birth(1990, 5, 17))),
        ..ProfilePatch::default()
    };

    let unchanged = accounts.update_user(&actor(1), UserId(1), Ok(patch)).await.unwrap();

    assert_eq!(unchanged, user(1));
}

#[tokio::test]
async fn stranger_cannot_edit_a_profile() {
    let accounts = AccountsMocks::new().with_user(user(1)).forbid_writes().build();
    let patch = ProfilePatch { first_name: Some(name("Mallory")), ..ProfilePatch::default() };

    let result = accounts.update_user(&actor(STRANGER), UserId(1), Ok(patch)).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn stranger_with_an_invalid_patch_is_forbidden_before_validation() {
    let accounts = AccountsMocks::new().with_user(user(1)).forbid_writes().build();

    let result = accounts.update_user(&actor(STRANGER), UserId(1), Err(parse_error("first_name"))).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn a_missing_user_with_an_invalid_patch_is_not_found_before_validation() {
    let accounts = AccountsMocks::new().without_users().forbid_writes().build();

    let result = accounts.update_user(&admin(ADMIN), UserId(404), Err(parse_error("first_name"))).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "user" })), "got {result:?}");
}

#[tokio::test]
async fn editing_a_missing_user_is_not_found() {
    let accounts = AccountsMocks::new().without_users().forbid_writes().build();
    let patch = ProfilePatch { first_name: Some(name("Grace")), ..ProfilePatch::default() };

    let result = accounts.update_user(&admin(ADMIN), UserId(404), Ok(patch)).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "user" })), "got {result:?}");
}

// ======================================================================= delete_user

fn expect_delete(mocks: &mut AccountsMocks) -> Captured<AuditEntry> {
    let captured = Captured::default();
    let sink = captured.clone();
    mocks.users.expect_delete().withf(|id, _| *id == UserId(1)).times(1).returning(move |_, audit| {
        sink.push(audit);
        Ok(())
    });
    captured
}

#[tokio::test]
async fn users_delete_their_own_account() {
    let mut mocks = AccountsMocks::new().with_user(user(1));
    let captured = expect_delete(&mut mocks);
    let accounts = mocks.build();

    accounts.delete_user(&actor(1), UserId(1)).await.unwrap();

    let audit = captured.only();
    assert_eq!(audit.actor_id, Some(UserId(1)));
    assert_eq!(audit.action, Action::Delete);
    assert_eq!(audit.at, now());
    assert_eq!(changed_fields(&audit.changes), ["email", "first_name", "last_name", "role"]);
    assert_eq!(change(&audit.changes, "email"), (text("user1@example.com"), FieldValue::Null));
    assert_eq!(change(&audit.changes, "role"), (text("user"), FieldValue::Null));
    assert_eq!(change(&audit.changes, "first_name"), (text("Ada"), FieldValue::Null));
    assert_eq!(change(&audit.changes, "last_name"), (text("Lovelace"), FieldValue::Null));
    assert_no_secret(&audit, &[OLD_HASH]);
}

#[tokio::test]
async fn admins_delete_any_account() {
    let mut mocks = AccountsMocks::new().with_user(user(1));
    let captured = expect_delete(&mut mocks);
    let accounts = mocks.build();

    accounts.delete_user(&admin(ADMIN), UserId(1)).await.unwrap();

    assert_eq!(captured.only().actor_id, Some(UserId(ADMIN)));
}

#[tokio::test]
async fn stranger_cannot_delete_an_account() {
    let accounts = AccountsMocks::new().with_user(user(1)).forbid_writes().build();

    let result = accounts.delete_user(&actor(STRANGER), UserId(1)).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

#[tokio::test]
async fn deleting_the_last_admin_passes_the_repositorys_conflict_through() {
    let mut mocks = AccountsMocks::new().with_user(admin_user(ADMIN));
    mocks
        .users
        .expect_delete()
        .times(1)
        .returning(|_, _| Err(DomainError::Conflict("the last admin cannot be deleted".into())));
    let accounts = mocks.build();

    let result = accounts.delete_user(&admin(ADMIN), UserId(ADMIN)).await;

    assert!(matches!(result, Err(DomainError::Conflict(_))), "got {result:?}");
}

#[tokio::test]
async fn deleting_a_missing_account_is_not_found() {
    let accounts = AccountsMocks::new().without_users().forbid_writes().build();

    let result = accounts.delete_user(&admin(ADMIN), UserId(404)).await;

    assert!(matches!(result, Err(DomainError::NotFound { resource: "user" })), "got {result:?}");
}

// ======================================================================= list_users

#[tokio::test]
async fn admins_list_the_users_with_the_query_as_given() {
    let mut mocks = AccountsMocks::new();
    let query = UserQuery { role: Some(Role::Admin), limit: 10, ..UserQuery::default() };
    let expected = query.clone();
    mocks
        .users
        .expect_list()
        .withf(move |asked| *asked == expected)
        .times(1)
        .returning(|_| Ok(Page { items: vec![admin_user(ADMIN)], more: false }));
    let accounts = mocks.build();

    let page = accounts.list_users(&admin(ADMIN), query).await.unwrap();

    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn a_user_may_not_list_the_users() {
    let mut mocks = AccountsMocks::new();
    mocks.users.expect_list().never();
    let accounts = mocks.build();

    let result = accounts.list_users(&actor(1), UserQuery::default()).await;

    assert!(matches!(result, Err(DomainError::Forbidden(_))), "got {result:?}");
}

// ======================================================================= ensure_admin

fn expect_email_lookup(mocks: &mut AccountsMocks, found: Option<User>) {
    mocks
        .users
        .expect_find_by_email()
        .withf(|email| email.as_str() == "boss@example.com")
        .times(1)
        .returning(move |_| Ok(found.clone()));
}

#[tokio::test]
async fn ensure_admin_creates_an_admin_for_a_new_email() {
    let mut mocks = AccountsMocks::new();
    expect_email_lookup(&mut mocks, None);
    let captured = expect_registration(&mut mocks, PASSWORD);
    let accounts = mocks.build();

    let admin = accounts.ensure_admin(" Boss@Example.com ", PASSWORD).await.unwrap();

    let (new, audit) = captured.only();
    assert_eq!(new.email.as_str(), "boss@example.com");
    assert_eq!(new.role, Role::Admin);
    assert_eq!(new.password_hash.as_str(), NEW_HASH);
    assert_eq!(new.first_name.as_str(), "Admin");
    assert_eq!(new.last_name.as_str(), "Admin");
    assert_eq!(new.birth_date, None);
    assert_eq!(audit.actor_id, None);
    assert_eq!(audit.action, Action::Create);
    assert_eq!(change(&audit.changes, "role"), (FieldValue::Null, text("admin")));
    assert_no_secret(&audit, &[PASSWORD, NEW_HASH]);
    assert_eq!(admin.role, Role::Admin);
}

#[tokio::test]
async fn ensure_admin_promotes_an_existing_user_and_keeps_their_password() {
    let existing = User { email: realty_domain::Email::parse("boss@example.com").unwrap(), ..user(5) };
    let mut mocks = AccountsMocks::new();
    expect_email_lookup(&mut mocks, Some(existing.clone()));
    mocks.hasher.expect_hash().never();
    mocks.users.expect_create().never();
    let captured: Captured<(UserUpdate, AuditEntry)> = Captured::default();
    let sink = captured.clone();
    mocks.users.expect_update().withf(|id, _, _| *id == UserId(5)).times(1).returning(
        move |_, update, audit| {
            sink.push((update, audit));
            Ok(User { role: Role::Admin, ..existing.clone() })
        },
    );
    let accounts = mocks.build();

    let promoted = accounts.ensure_admin("boss@example.com", "whatever it is").await.unwrap();

    let (update, audit) = captured.only();
    assert_eq!(update, UserUpdate { role: Some(Role::Admin), ..UserUpdate::default() });
    assert_eq!(audit.actor_id, Some(UserId(5)));
    assert_eq!(audit.action, Action::Update);
    assert_eq!(changed_fields(&audit.changes), ["role"]);
    assert_eq!(change(&audit.changes, "role"), (text("user"), text("admin")));
    assert_eq!(promoted.role, Role::Admin);
}

#[tokio::test]
async fn ensure_admin_leaves_an_existing_admin_alone() {
    let existing = User { email: realty_domain::Email::parse("boss@example.com").unwrap(), ..admin_user(5) };
    let mut mocks = AccountsMocks::new().forbid_writes();
    expect_email_lookup(&mut mocks, Some(existing.clone()));
    let accounts = mocks.build();

    let admin = accounts.ensure_admin("boss@example.com", PASSWORD).await.unwrap();

    assert_eq!(admin, existing);
}

#[tokio::test]
async fn ensure_admin_rejects_a_malformed_email() {
    let mut mocks = AccountsMocks::new().forbid_writes();
    mocks.users.expect_find_by_email().never();
    let accounts = mocks.build();

    let result = accounts.ensure_admin("boss at example", PASSWORD).await;

    assert_eq!(invalid_fields(result), ["email"]);
}

#[tokio::test]
async fn ensure_admin_rejects_a_short_password_for_a_new_admin() {
    let mut mocks = AccountsMocks::new().forbid_writes();
    expect_email_lookup(&mut mocks, None);
    let accounts = mocks.build();

    let result = accounts.ensure_admin("boss@example.com", "short").await;

    assert_eq!(invalid_fields(result), ["password"]);
}
