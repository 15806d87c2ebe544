//! Malformed requests: every one a 4xx problem, never a 500.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{TestApp, assert_problem};

async fn malformed_json_is_400(app: TestApp) {
    let owner = app.user("ned").await;
    for body in ["{", "{\"name\": }", "[1,2", "{} {}", "\u{0}"] {
        let response = app
            .request(Method::POST, "/properties")
            .bearer_auth(&owner.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();

        assert_problem(response, StatusCode::BAD_REQUEST).await;
    }
}

async fn json_of_the_wrong_shape_is_422(app: TestApp) {
    let owner = app.user("ola").await;
    for body in [
        json!(null),
        json!([]),
        json!("text"),
        json!({"name": 5, "property_type": "house", "city": "X"}),
        json!({}),
    ] {
        let response = app.post("/properties", &body).bearer_auth(&owner.token).send().await.unwrap();

        assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
}

async fn another_media_type_is_415(app: TestApp) {
    let owner = app.user("pat").await;
    for content_type in [None, Some("text/plain"), Some("application/x-www-form-urlencoded")] {
        let mut request = app.request(Method::POST, "/properties").bearer_auth(&owner.token).body("{}");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }

        assert_problem(request.send().await.unwrap(), StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    }
}

async fn a_body_over_the_limit_is_413(app: TestApp) {
    let owner = app.user("quy").await;
    let huge =
        json!({"name": "x", "property_type": "house", "city": "X", "description": "d".repeat(100 * 1024)});

    let response = app.post("/properties", &huge).bearer_auth(&owner.token).send().await.unwrap();

    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE).await;
}

async fn auth_is_checked_before_the_body(app: TestApp) {
    let response = app
        .request(Method::POST, "/properties")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();

    assert_problem(response, StatusCode::UNAUTHORIZED).await;
}

async fn an_unknown_route_is_404_and_a_wrong_method_405_with_allow(app: TestApp) {
    assert_problem(app.get("/nowhere").send().await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_problem(app.get("/properties/").send().await.unwrap(), StatusCode::NOT_FOUND).await;

    let response = app.request(Method::PUT, "/properties/1").send().await.unwrap();

    let allow = response.headers()["allow"].to_str().unwrap().to_owned();
    for method in ["GET", "PATCH", "DELETE"] {
        assert!(allow.contains(method), "Allow: {allow}");
    }
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED).await;
}

async fn request_ids_are_echoed_or_generated(app: TestApp) {
    let echoed = app.get("/health").header("x-request-id", "trace-me-123").send().await.unwrap();
    let generated = app.get("/nowhere").send().await.unwrap();

    assert_eq!(echoed.headers()["x-request-id"], "trace-me-123");
    assert!(!generated.headers()["x-request-id"].is_empty());
    assert_eq!(generated.headers()["x-content-type-options"], "nosniff");
}

async fn a_huge_if_match_or_path_is_still_a_4xx(app: TestApp) {
    let owner = app.user("rex").await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);

    let unquoted = app.patch(&path, &json!({"name": "x"})).bearer_auth(&owner.token).header("if-match", "1");
    let negative = app.get("/properties/-5").send().await.unwrap();

    assert_problem(unquoted.send().await.unwrap(), StatusCode::BAD_REQUEST).await;
    assert_problem(negative, StatusCode::NOT_FOUND).await;
}

async fn no_response_leaks_a_hash_sql_or_a_stack_trace(app: TestApp) {
    let owner = app.user("sly").await;
    let property = app.property(&owner, "Nice", 1).await;
    let id = &property["id"];
    let hostile = [
        (Method::GET, "/properties?city=%27%3B%20DROP%20TABLE%20properties%3B--".to_owned(), None),
        (Method::GET, "/properties?type=a%27%20OR%201%3D1".to_owned(), None),
        (Method::GET, format!("/properties/{id}%20OR%201=1"), None),
        (Method::GET, "/users/me".to_owned(), None),
        (Method::GET, format!("/users/{}", owner.id), None),
        (
            Method::POST,
            "/users".to_owned(),
            Some(json!({"email": "x@y.z' --", "password": "p", "first_name": "\u{0}"})),
        ),
        (
            Method::POST,
            "/properties".to_owned(),
            Some(json!({"name": "' OR 1=1 --", "property_type": "house' --", "city": "x"})),
        ),
        (Method::PATCH, format!("/properties/{id}"), Some(json!({"city": "🏠".repeat(200)}))),
        (Method::POST, "/auth/token".to_owned(), Some(json!({"email": {"$ne": null}, "password": []}))),
        (Method::GET, format!("/properties/{id}/history"), None),
    ];
    for (method, path, body) in hostile {
        let mut request = app.request(method.clone(), &path).bearer_auth(&owner.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap().to_lowercase();

        assert!(!status.is_server_error(), "{method} {path}: {status} {text}");
        for leak in [
            "argon2",
            "password_hash",
            "select ",
            "insert into",
            "diesel",
            "sqlite",
            "postgres",
            "panicked",
            "backtrace",
            "src/",
        ] {
            assert!(!text.contains(leak), "{method} {path} leaks {leak:?}: {text}");
        }
    }
}

crate::on_every_backend!(
    no_response_leaks_a_hash_sql_or_a_stack_trace,
    malformed_json_is_400,
    json_of_the_wrong_shape_is_422,
    another_media_type_is_415,
    a_body_over_the_limit_is_413,
    auth_is_checked_before_the_body,
    an_unknown_route_is_404_and_a_wrong_method_405_with_allow,
    request_ids_are_echoed_or_generated,
    a_huge_if_match_or_path_is_still_a_4xx,
);
