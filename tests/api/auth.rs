//! Tokens: login, the bearer check, throttling.

use std::time::Duration;

use realty_adapters_http::auth::PasetoTokens;
use realty_domain::UserId;
use realty_domain::ports::TokenService;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem};

async fn login_issues_a_bearer_token_that_is_not_cached(app: TestApp) {
    let user = app.user("lea").await;

    let response =
        app.post("/auth/token", &json!({"email": user.email, "password": PASSWORD})).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["access_token"].as_str().unwrap().starts_with("v4.public."), "PASETO v4.public");
}

async fn unknown_email_and_wrong_password_get_the_same_answer(app: TestApp) {
    let user = app.user("max").await;

    let wrong_password =
        app.post("/auth/token", &json!({"email": user.email, "password": "nope nope"})).send();
    let unknown_email =
        app.post("/auth/token", &json!({"email": "ghost@example.com", "password": PASSWORD})).send();

    let wrong_password = assert_problem(wrong_password.await.unwrap(), StatusCode::UNAUTHORIZED).await;
    let unknown_email = assert_problem(unknown_email.await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert_eq!(wrong_password, unknown_email, "no way to tell which accounts exist");
}

async fn missing_malformed_tampered_and_expired_tokens_are_refused(app: TestApp) {
    let user = app.user("ned").await;
    let mut tampered = user.token.clone();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let issuer = PasetoTokens::from_paserk(
        secrecy::ExposeSecret::expose_secret(&app.settings.token_key),
        Duration::from_secs(60),
    )
    .unwrap();
    let expired =
        issuer.issue(UserId(user.id), chrono::Utc::now() - chrono::Duration::hours(1)).unwrap().token;
    let foreign_key = realty_adapters_http::auth::generate_key().unwrap();
    let foreign = PasetoTokens::from_paserk(&foreign_key, Duration::from_secs(60)).unwrap();
    let forged = foreign.issue(UserId(user.id), chrono::Utc::now()).unwrap().token;

    let cases = [
        ("missing", None),
        ("not bearer", Some(format!("Basic {}", user.token))),
        ("empty bearer", Some("Bearer ".to_owned())),
        ("garbage", Some("Bearer not-a-token".to_owned())),
        ("tampered", Some(format!("Bearer {tampered}"))),
        ("expired", Some(format!("Bearer {expired}"))),
        ("signed with another key", Some(format!("Bearer {forged}"))),
    ];
    for (case, header) in cases {
        let mut request = app.get("/users/me");
        if let Some(header) = header {
            request = request.header("authorization", header);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{case}");
        let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.starts_with("Bearer"), "{case}: {challenge}");
        assert_problem(response, StatusCode::UNAUTHORIZED).await;
    }
}

async fn repeated_failures_lock_the_email_with_retry_after(app: TestApp) {
    let user = app.user("olga").await;
    let other = app.user("pia").await;
    for attempt in 1..=5 {
        let response = app
            .post("/auth/token", &json!({"email": user.email.to_uppercase(), "password": "wrong password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "failure {attempt}");
    }

    let locked =
        app.post("/auth/token", &json!({"email": user.email, "password": PASSWORD})).send().await.unwrap();

    let retry_after: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "Retry-After {retry_after}");
    assert_problem(locked, StatusCode::TOO_MANY_REQUESTS).await;
    let unaffected =
        app.post("/auth/token", &json!({"email": other.email, "password": PASSWORD})).send().await;
    assert_eq!(unaffected.unwrap().status(), StatusCode::OK, "other emails are not locked");
}

async fn a_successful_login_resets_the_failure_count(app: TestApp) {
    let user = app.user("quinn").await;
    let fail = || app.post("/auth/token", &json!({"email": user.email, "password": "wrong password"})).send();
    for _ in 0..4 {
        assert_eq!(fail().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }
    app.login(&user.email, PASSWORD).await;

    for attempt in 1..=4 {
        assert_eq!(fail().await.unwrap().status(), StatusCode::UNAUTHORIZED, "failure {attempt} after reset");
    }
    app.login(&user.email, PASSWORD).await;
}

async fn unknown_emails_are_throttled_too(app: TestApp) {
    for _ in 0..5 {
        let response =
            app.post("/auth/token", &json!({"email": "nobody@example.com", "password": "guess 1234"}));
        assert_eq!(response.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }

    let response = app.post("/auth/token", &json!({"email": "Nobody@Example.com", "password": "guess 1234"}));

    assert_problem(response.send().await.unwrap(), StatusCode::TOO_MANY_REQUESTS).await;
}

crate::on_every_backend!(
    login_issues_a_bearer_token_that_is_not_cached,
    unknown_email_and_wrong_password_get_the_same_answer,
    missing_malformed_tampered_and_expired_tokens_are_refused,
    repeated_failures_lock_the_email_with_retry_after,
    a_successful_login_resets_the_failure_count,
    unknown_emails_are_throttled_too,
);
