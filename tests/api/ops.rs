//! Operational routes, documentation and the property-type catalogue.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, TestApp, assert_problem};

async fn health_ready_and_version_answer(app: TestApp) {
    let health: Value = app.get("/health").send().await.unwrap().json().await.unwrap();
    let ready = app.get("/ready").send().await.unwrap();
    let version: Value = app.get("/version").send().await.unwrap().json().await.unwrap();

    assert_eq!(health, json!({"status": "ok"}));
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(version["name"], "realty");
    let expected = if crate::helpers::on_postgres(&app.settings) { "postgres" } else { "sqlite" };
    assert_eq!(version["database"], expected);
    let _ = Backend::Sqlite;
}

async fn the_openapi_document_describes_every_route(app: TestApp) {
    let response = app.get("/openapi.json").send().await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = document["paths"].as_object().unwrap();
    for path in [
        "/health",
        "/ready",
        "/version",
        "/users",
        "/auth/token",
        "/users/me",
        "/users/{id}",
        "/property-types",
        "/property-types/{slug}",
        "/properties",
        "/properties/{id}",
        "/properties/{id}/rooms",
        "/properties/{id}/rooms/{room_id}",
        "/properties/{id}/history",
    ] {
        assert!(paths.contains_key(path), "{path} documented");
    }
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}

async fn swagger_ui_is_served_by_the_binary(app: TestApp) {
    let mut response = app.get("/docs").send().await.unwrap();
    if response.status().is_redirection() {
        let target = response.headers()["location"].to_str().unwrap().to_owned();
        let target = if target.starts_with('/') { target } else { format!("/docs/{target}") };
        response = app.get(&target).send().await.unwrap();
    }

    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "Swagger UI page");
    let script = app.get("/docs/swagger-ui-bundle.js").send().await.unwrap();
    assert_eq!(script.status(), StatusCode::OK, "assets served locally, no CDN");
}

async fn everyone_reads_the_seeded_property_types(app: TestApp) {
    let types: Vec<Value> = app.get("/property-types").send().await.unwrap().json().await.unwrap();
    let slugs: Vec<_> = types.iter().map(|t| t["slug"].as_str().unwrap()).collect();

    assert_eq!(slugs, ["apartment", "commercial", "house", "land", "loft", "parking", "studio", "villa"]);
    let villa: Value = app.get("/property-types/villa").send().await.unwrap().json().await.unwrap();
    assert_eq!(villa, json!({"slug": "villa", "name": "Villa"}));
    assert_problem(app.get("/property-types/castle").send().await.unwrap(), StatusCode::NOT_FOUND).await;
    assert_problem(app.get("/property-types/NOT%20A%20SLUG").send().await.unwrap(), StatusCode::NOT_FOUND)
        .await;
}

async fn only_admins_manage_property_types(app: TestApp) {
    let user = app.user("sid").await;
    let admin = app.admin().await;
    let body = json!({"slug": "chalet", "name": "Chalet"});

    let refused = app.post("/property-types", &body).bearer_auth(&user.token).send().await.unwrap();
    assert_problem(refused, StatusCode::FORBIDDEN).await;
    let created = app.post("/property-types", &body).bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["location"], "/property-types/chalet");
    let duplicate = app.post("/property-types", &body).bearer_auth(&admin.token).send().await.unwrap();
    assert_problem(duplicate, StatusCode::CONFLICT).await;
    let invalid =
        app.post("/property-types", &json!({"slug": "Bad Slug", "name": ""})).bearer_auth(&admin.token);
    assert_problem(invalid.send().await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;

    app.property(&user, "Nice", 0).await;
    let in_use = app.delete("/property-types/house").bearer_auth(&admin.token).send().await.unwrap();
    assert_problem(in_use, StatusCode::CONFLICT).await;
    let by_user = app.delete("/property-types/chalet").bearer_auth(&user.token).send().await.unwrap();
    assert_problem(by_user, StatusCode::FORBIDDEN).await;
    let deleted = app.delete("/property-types/chalet").bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app.delete("/property-types/chalet").bearer_auth(&admin.token).send().await.unwrap();
    assert_problem(gone, StatusCode::NOT_FOUND).await;
}

crate::on_every_backend!(
    health_ready_and_version_answer,
    the_openapi_document_describes_every_route,
    swagger_ui_is_served_by_the_binary,
    everyone_reads_the_seeded_property_types,
    only_admins_manage_property_types,
);
