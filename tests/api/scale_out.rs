//! Two instances behind one (imaginary) load balancer: one database, one
//! token key, nothing that lives only in one process.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem};

async fn a_token_from_one_instance_works_on_the_other(app: TestApp) {
    let other = app.another_instance().await;
    let user = app.user("nia").await;

    let response = other.get("/users/me").bearer_auth(&user.token).send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
}

async fn login_throttling_holds_across_instances(app: TestApp) {
    let other = app.another_instance().await;
    let user = app.user("oz").await;
    for attempt in 0..5 {
        let instance = if attempt % 2 == 0 { &app } else { &other };
        let response =
            instance.post("/auth/token", &json!({"email": user.email, "password": "wrong password"}));
        assert_eq!(response.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }

    let first =
        app.post("/auth/token", &json!({"email": user.email, "password": PASSWORD})).send().await.unwrap();
    let second =
        other.post("/auth/token", &json!({"email": user.email, "password": PASSWORD})).send().await.unwrap();

    assert_problem(first, StatusCode::TOO_MANY_REQUESTS).await;
    assert_problem(second, StatusCode::TOO_MANY_REQUESTS).await;
}

async fn concurrent_patches_through_both_instances_lose_no_update(app: TestApp) {
    let other = app.another_instance().await;
    let owner = app.user("pam").await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);
    let writers = 6;

    let mut handles = Vec::new();
    for i in 0..writers {
        let instance = if i % 2 == 0 { &app } else { &other };
        let request =
            instance.patch(&path, &json!({"description": format!("writer {i}")})).bearer_auth(&owner.token);
        handles.push(tokio::spawn(request.send()));
    }
    for handle in handles {
        assert_eq!(handle.await.unwrap().unwrap().status(), StatusCode::OK);
    }

    let current: Value = other.get(&path).send().await.unwrap().json().await.unwrap();
    assert_eq!(current["version"], 1 + writers, "every write through either instance counted");
}

crate::on_every_backend!(
    a_token_from_one_instance_works_on_the_other,
    login_throttling_holds_across_instances,
    concurrent_patches_through_both_instances_lose_no_update,
);
