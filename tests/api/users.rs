//! Sign-up and profiles.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem, problem_fields};

async fn registering_returns_the_user_with_its_location(app: TestApp) {
    let email = app.email("ada");
    let body = json!({"email": format!("  {}  ", email.to_uppercase()), "password": PASSWORD,
        "first_name": " Ada ", "last_name": "Lovelace", "birth_date": "1990-12-10"});

    let response = app.post("/users", &body).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let user: Value = response.json().await.unwrap();
    assert_eq!(location, format!("/users/{}", user["id"]));
    assert_eq!(user["email"], email, "email trimmed and lower-cased");
    assert_eq!(user["first_name"], "Ada", "names trimmed");
    assert_eq!(user["birth_date"], "1990-12-10");
    assert_eq!(user["role"], "user");
    let text = user.to_string();
    assert!(!text.contains("password") && !text.contains("argon2"), "no password or hash in {text}");
}

async fn registering_a_taken_email_is_a_conflict_whatever_its_case(app: TestApp) {
    let user = app.user("bea").await;
    let body = json!({"email": user.email.to_uppercase(), "password": PASSWORD, "first_name": "B", "last_name": "C"});

    let response = app.post("/users", &body).send().await.unwrap();

    assert_problem(response, StatusCode::CONFLICT).await;
}

async fn registering_reports_every_invalid_field_at_once(app: TestApp) {
    let body = json!({"email": "not-an-email", "password": "short", "first_name": " ", "last_name": "x".repeat(101),
        "birth_date": "1899-12-31"});

    let response = app.post("/users", &body).send().await.unwrap();

    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let mut fields = problem_fields(&problem);
    fields.sort();
    assert_eq!(fields, ["birth_date", "email", "first_name", "last_name", "password"]);
}

async fn registering_cannot_choose_a_role(app: TestApp) {
    let body = json!({"email": app.email("eve"), "password": PASSWORD, "first_name": "Eve", "last_name": "E",
        "role": "admin"});

    let response = app.post("/users", &body).send().await.unwrap();

    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem_fields(&problem), ["role"], "{problem}");
}

async fn the_caller_reads_their_own_profile(app: TestApp) {
    let user = app.user("carl").await;

    let response = app.get("/users/me").bearer_auth(&user.token).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["id"], user.id);
    assert_eq!(me["email"], user.email);
}

async fn the_caller_updates_names_and_clears_the_birth_date(app: TestApp) {
    let user = app.user("dora").await;
    let set = app.patch("/users/me", &json!({"birth_date": "2000-01-31"})).bearer_auth(&user.token).send();
    assert_eq!(set.await.unwrap().status(), StatusCode::OK);

    let response = app
        .patch("/users/me", &json!({"first_name": "Dorothy", "birth_date": null}))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let me: Value = response.json().await.unwrap();
    assert_eq!(me["first_name"], "Dorothy");
    assert_eq!(me["last_name"], "Tester", "untouched");
    assert_eq!(me["birth_date"], Value::Null, "cleared");
}

async fn a_birth_date_in_the_future_is_refused(app: TestApp) {
    let user = app.user("fay").await;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(2)).to_string();

    let response =
        app.patch("/users/me", &json!({"birth_date": tomorrow})).bearer_auth(&user.token).send().await;

    let problem = assert_problem(response.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem_fields(&problem), ["birth_date"]);
}

async fn changing_the_password_needs_the_current_one_and_revokes_old_tokens(app: TestApp) {
    let user = app.user("gus").await;
    let wrong = app
        .patch("/users/me", &json!({"password": "a brand new secret", "current_password": "wrong guess"}))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    let problem = assert_problem(wrong, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem_fields(&problem), ["current_password"]);

    let changed = app
        .patch("/users/me", &json!({"password": "a brand new secret", "current_password": PASSWORD}))
        .bearer_auth(&user.token)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);

    let old_token = app.get("/users/me").bearer_auth(&user.token).send().await.unwrap();
    assert_problem(old_token, StatusCode::UNAUTHORIZED).await;
    let old_password =
        app.post("/auth/token", &json!({"email": user.email, "password": PASSWORD})).send().await;
    assert_problem(old_password.unwrap(), StatusCode::UNAUTHORIZED).await;
    let token = app.login(&user.email, "a brand new secret").await;
    let me = app.get("/users/me").bearer_auth(&token).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK, "a token issued after the change works");
}

async fn a_user_cannot_read_or_edit_another_users_profile(app: TestApp) {
    let owner = app.user("hana").await;
    let stranger = app.user("ivan").await;
    let path = format!("/users/{}", owner.id);

    let read = app.get(&path).bearer_auth(&stranger.token).send().await.unwrap();
    let edit =
        app.patch(&path, &json!({"first_name": "Hacked"})).bearer_auth(&stranger.token).send().await.unwrap();
    let delete = app.delete(&path).bearer_auth(&stranger.token).send().await.unwrap();

    assert_problem(read, StatusCode::FORBIDDEN).await;
    assert_problem(edit, StatusCode::FORBIDDEN).await;
    assert_problem(delete, StatusCode::FORBIDDEN).await;
    let me: Value =
        app.get("/users/me").bearer_auth(&owner.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["first_name"], "hana", "unchanged");
}

async fn an_admin_moderates_any_profile(app: TestApp) {
    let user = app.user("jo").await;
    let admin = app.admin().await;
    let path = format!("/users/{}", user.id);

    let read = app.get(&path).bearer_auth(&admin.token).send().await.unwrap();
    let edit =
        app.patch(&path, &json!({"last_name": "Moderated"})).bearer_auth(&admin.token).send().await.unwrap();

    assert_eq!(read.status(), StatusCode::OK);
    assert_eq!(edit.status(), StatusCode::OK);
    assert_eq!(edit.json::<Value>().await.unwrap()["last_name"], "Moderated");
}

async fn an_unknown_user_is_not_found_even_for_an_admin(app: TestApp) {
    let admin = app.admin().await;

    let response = app.get("/users/999999").bearer_auth(&admin.token).send().await.unwrap();

    assert_problem(response, StatusCode::NOT_FOUND).await;
}

async fn deleting_an_account_deletes_its_properties_and_tokens(app: TestApp) {
    let user = app.user("kim").await;
    let property = app.property(&user, "Lyon", 2).await;

    let response = app.delete(&format!("/users/{}", user.id)).bearer_auth(&user.token).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let gone = app.get(&format!("/properties/{}", property["id"])).send().await.unwrap();
    assert_problem(gone, StatusCode::NOT_FOUND).await;
    let token = app.get("/users/me").bearer_auth(&user.token).send().await.unwrap();
    assert_problem(token, StatusCode::UNAUTHORIZED).await;
}

crate::on_every_backend!(
    registering_returns_the_user_with_its_location,
    registering_a_taken_email_is_a_conflict_whatever_its_case,
    registering_reports_every_invalid_field_at_once,
    registering_cannot_choose_a_role,
    the_caller_reads_their_own_profile,
    the_caller_updates_names_and_clears_the_birth_date,
    a_birth_date_in_the_future_is_refused,
    changing_the_password_needs_the_current_one_and_revokes_old_tokens,
    a_user_cannot_read_or_edit_another_users_profile,
    an_admin_moderates_any_profile,
    an_unknown_user_is_not_found_even_for_an_admin,
    deleting_an_account_deletes_its_properties_and_tokens,
);
