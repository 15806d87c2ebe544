//! Text no database should be handed, in every field of every body and in
//! every query parameter: NUL, lone surrogates, oversized strings, invisible
//! and bidi characters. Every answer is a 4xx problem naming the field (422
//! for bodies, 400 for queries), never a 5xx, on every backend, and nothing
//! is written.

use reqwest::{Method, StatusCode};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::helpers::{
    Backend, PASSWORD, TestApp, TestUser, assert_problem, pg_client, postgres_url, problem_fields,
    spawn_app_with,
};

/// Where a hostile value goes before the body is rendered as text.
const MARK: &str = "__hostile__";

/// JSON string literals, as raw text: serde_json cannot produce a lone
/// surrogate, so every value is spliced into the rendered body.
fn hostile_literals() -> Vec<(&'static str, String)> {
    vec![
        ("NUL", r#""a\u0000b""#.to_owned()),
        ("a lone high surrogate", r#""a\ud800b""#.to_owned()),
        ("a lone low surrogate", r#""\udfff""#.to_owned()),
        ("10 000 characters", format!("\"{}\"", "x".repeat(10_000))),
    ]
}

/// `count` random lower-case letters.
fn random_letters(count: usize) -> String {
    let mut letters = String::with_capacity(count);
    while letters.len() < count {
        for byte in uuid::Uuid::new_v4().into_bytes() {
            letters.push(char::from(b'a' + byte % 26));
        }
    }
    letters.truncate(count);
    letters
}

/// The value at `field` (`name`, or `rooms[0].name`) of a body.
fn slot<'v>(body: &'v mut Value, field: &str) -> &'v mut Value {
    match field.split_once('.') {
        Some((list, rest)) => {
            let (name, index) = list.trim_end_matches(']').split_once('[').expect("name[index]");
            slot(&mut body[name][index.parse::<usize>().unwrap()], rest)
        }
        None => &mut body[field],
    }
}

/// Takes `field` out of a body.
fn remove(body: &mut Value, field: &str) {
    match field.split_once('.') {
        Some((list, rest)) => {
            let (name, index) = list.trim_end_matches(']').split_once('[').expect("name[index]");
            remove(&mut body[name][index.parse::<usize>().unwrap()], rest);
        }
        None => {
            body.as_object_mut().unwrap().remove(field);
        }
    }
}

/// A body with `literal` (raw JSON text) at `field`.
fn render(body: &Value, field: &str, literal: &str) -> String {
    let mut body = body.clone();
    *slot(&mut body, field) = json!(MARK);
    body.to_string().replace(&format!("\"{MARK}\""), literal)
}

/// One request to break: every listed field gets every hostile value.
struct Case {
    method: Method,
    path: String,
    token: Option<String>,
    body: Value,
    fields: &'static [&'static str],
}

fn room() -> Value {
    json!({"name": "Bedroom", "kind": "bedroom", "area_m2": 12.5, "floor": 1, "description": "Quiet"})
}

const ROOM_FIELDS: &[&str] = &["name", "kind", "description", "area_m2", "floor"];

fn every_body(
    app: &TestApp,
    owner: &TestUser,
    admin: &TestUser,
    property_id: i64,
    room_id: i64,
) -> Vec<Case> {
    let owner_token = Some(owner.token.clone());
    let admin_token = Some(admin.token.clone());
    let property = format!("/properties/{property_id}");
    let mut inline_room = room();
    inline_room["description"] = json!("Inline");
    vec![
        Case {
            method: Method::POST,
            path: "/users".into(),
            token: None,
            body: json!({
                "email": app.email("hostile"), "password": PASSWORD,
                "first_name": "Ada", "last_name": "Lovelace", "birth_date": "1990-01-01"
            }),
            fields: &["email", "password", "first_name", "last_name", "birth_date"],
        },
        Case {
            method: Method::POST,
            path: "/auth/token".into(),
            token: None,
            body: json!({"email": owner.email, "password": PASSWORD}),
            fields: &["email", "password"],
        },
        Case {
            method: Method::PATCH,
            path: "/users/me".into(),
            token: owner_token.clone(),
            body: json!({"first_name": "Ada", "last_name": "Byron", "birth_date": "1990-01-01"}),
            fields: &["first_name", "last_name", "birth_date"],
        },
        Case {
            method: Method::PATCH,
            path: "/users/me".into(),
            token: owner_token.clone(),
            body: json!({"password": "another long password", "current_password": PASSWORD}),
            fields: &["password", "current_password"],
        },
        Case {
            method: Method::PATCH,
            path: format!("/users/{}", owner.id),
            token: admin_token.clone(),
            body: json!({"first_name": "Ada", "last_name": "Byron", "birth_date": null}),
            fields: &["first_name", "last_name", "birth_date"],
        },
        Case {
            method: Method::POST,
            path: "/properties".into(),
            token: owner_token.clone(),
            body: json!({
                "name": "Flat", "description": "Bright", "property_type": "apartment", "city": "Lyon",
                "rooms": [room(), inline_room]
            }),
            fields: &[
                "name",
                "description",
                "property_type",
                "city",
                "rooms[1].name",
                "rooms[1].kind",
                "rooms[1].description",
                "rooms[1].area_m2",
                "rooms[1].floor",
            ],
        },
        Case {
            method: Method::PATCH,
            path: property.clone(),
            token: owner_token.clone(),
            body: json!({"name": "Flat", "description": "Bright", "property_type": "apartment", "city": "Lyon"}),
            fields: &["name", "description", "property_type", "city"],
        },
        Case {
            method: Method::POST,
            path: format!("{property}/rooms"),
            token: owner_token.clone(),
            body: room(),
            fields: ROOM_FIELDS,
        },
        Case {
            method: Method::PATCH,
            path: format!("{property}/rooms/{room_id}"),
            token: owner_token,
            body: room(),
            fields: ROOM_FIELDS,
        },
        Case {
            method: Method::POST,
            path: "/property-types".into(),
            token: admin_token,
            body: json!({"slug": "chalet", "name": "Chalet"}),
            fields: &["slug", "name"],
        },
    ]
}

/// Everything a refused request could have changed, as the API shows it.
async fn snapshot(app: &TestApp, owner: &TestUser, admin: &TestUser, property_id: i64) -> Value {
    let read = async |path: String, token: &str| -> Value {
        let response = app.get(&path).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response.json().await.unwrap()
    };
    json!({
        "users": read("/users?limit=100".into(), &admin.token).await,
        "properties": read("/properties?limit=100".into(), &owner.token).await,
        "property": read(format!("/properties/{property_id}"), &owner.token).await,
        "history": read(format!("/properties/{property_id}/history"), &owner.token).await,
        "types": read("/property-types".into(), &owner.token).await,
        "me": read("/users/me".into(), &owner.token).await,
    })
}

/// Sends `body` (raw JSON text); asserts a 422 naming exactly `field`.
async fn assert_refused(app: &TestApp, case: &Case, field: &str, what: &str, body: String) {
    let mut request = app.request(case.method.clone(), &case.path).header("content-type", "application/json");
    if let Some(token) = &case.token {
        request = request.bearer_auth(token);
    }
    let response = request.body(body).send().await.unwrap();
    let status = response.status();
    assert!(!status.is_server_error(), "{} {} with {what} in {field}: {status}", case.method, case.path);
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem_fields(&problem),
        [field],
        "{} {} with {what} in {field}: {problem}",
        case.method,
        case.path
    );
}

async fn setup(app: &TestApp) -> (TestUser, TestUser, i64, i64) {
    let owner = app.user("hal").await;
    let admin = app.admin().await;
    let property = app.property(&owner, "Lyon", 1).await;
    let property_id = property["id"].as_i64().unwrap();
    let room_id = property["rooms"][0]["id"].as_i64().unwrap();
    (owner, admin, property_id, room_id)
}

async fn hostile_text_in_every_body_field_is_a_422_naming_it_and_writes_nothing(app: TestApp) {
    let (owner, admin, property_id, room_id) = setup(&app).await;
    let before = snapshot(&app, &owner, &admin, property_id).await;

    let mut sent = 0;
    for case in every_body(&app, &owner, &admin, property_id, room_id) {
        for field in case.fields {
            for (what, literal) in hostile_literals() {
                assert_refused(&app, &case, field, what, render(&case.body, field, &literal)).await;
                sent += 1;
            }
        }
    }
    // A login email of random letters, too long to be anyone's.
    let login = json!({"email": "", "password": PASSWORD});
    let case =
        Case { method: Method::POST, path: "/auth/token".into(), token: None, body: login, fields: &[] };
    let letters = format!("\"{}\"", random_letters(3_000));
    assert_refused(&app, &case, "email", "3 000 random letters", render(&case.body, "email", &letters)).await;

    assert!(sent > 150, "{sent} hostile bodies");
    assert_eq!(snapshot(&app, &owner, &admin, property_id).await, before, "nothing was written");
    app.login(&owner.email, PASSWORD).await;
}

async fn invisible_and_bidi_characters_in_emails_and_names_are_a_422_naming_the_field(app: TestApp) {
    let (owner, admin, property_id, room_id) = setup(&app).await;
    let before = snapshot(&app, &owner, &admin, property_id).await;
    let (local, domain) = owner.email.split_once('@').unwrap();
    let cases = every_body(&app, &owner, &admin, property_id, room_id);
    let names = [
        ("/users", "email"),
        ("/users", "first_name"),
        ("/users", "last_name"),
        ("/auth/token", "email"),
        ("/users/me", "first_name"),
        ("/users/me", "last_name"),
        ("/properties", "name"),
        ("/properties", "city"),
        ("/properties", "rooms[1].name"),
        ("rooms", "name"),
        ("/property-types", "name"),
    ];
    // Zero-width space, zero-width joiner, byte-order mark, right-to-left
    // override, left-to-right isolate.
    for invisible in ['\u{200B}', '\u{200D}', '\u{FEFF}', '\u{202E}', '\u{2066}'] {
        for (path, field) in names {
            for case in cases.iter().filter(|case| case.path.ends_with(path) && case.fields.contains(&field))
            {
                let value = match (path, field) {
                    ("/auth/token", _) => format!("{local}{invisible}@{domain}"),
                    (_, "email") => format!("ad{invisible}min@example.com"),
                    _ => format!("{invisible}Ada{invisible}"),
                };
                let literal = serde_json::to_string(&value).unwrap();
                assert_refused(
                    &app,
                    case,
                    field,
                    &format!("U+{:04X}", u32::from(invisible)),
                    render(&case.body, field, &literal),
                )
                .await;
            }
        }
    }
    assert_eq!(snapshot(&app, &owner, &admin, property_id).await, before, "nothing was written");
}

async fn hostile_text_in_every_query_parameter_is_a_400_naming_it(app: TestApp) {
    let admin = app.admin().await;
    let long = "a".repeat(10_000);
    let accented = "%C3%A9".repeat(10_000);
    // Percent-encoded: NUL, NUL inside a word, lone surrogates (as WTF-8,
    // which is not UTF-8), oversized values.
    let values = ["%00", "a%00b", "%ED%A0%80", "%ED%BF%BF", long.as_str(), accented.as_str()];
    let routes: [(&str, &[&str]); 2] =
        [("/properties", &crate::search::PARAMETERS), ("/users", &["q", "role", "limit", "cursor"])];
    for (route, parameters) in routes {
        let fine = app.get(&format!("{route}?limit=5")).bearer_auth(&admin.token).send().await.unwrap();
        assert_eq!(fine.status(), StatusCode::OK, "{route}");
        for parameter in parameters {
            for value in values {
                let path = format!("{route}?limit=5&{parameter}={value}").replace("limit=5&limit=", "limit=");
                let response = app.get(&path).bearer_auth(&admin.token).send().await.unwrap();
                let status = response.status();
                let shown: String = value.chars().take(20).collect();
                assert!(!status.is_server_error(), "{route} with {parameter}={shown}…: {status}");
                let problem = assert_problem(response, StatusCode::BAD_REQUEST).await;
                assert_eq!(
                    problem_fields(&problem),
                    [*parameter],
                    "{route} with {parameter}={shown}…: {problem}"
                );
            }
        }
    }
}

/// The fields a creation cannot do without, each left out in turn: a 422
/// naming it, whatever the field's type.
async fn every_missing_required_field_is_named(app: TestApp) {
    let (owner, admin, property_id, room_id) = setup(&app).await;
    let before = snapshot(&app, &owner, &admin, property_id).await;
    let required: [(&str, &[&str]); 4] = [
        ("/users", &["email", "password", "first_name", "last_name"]),
        ("/auth/token", &["email", "password"]),
        (
            "/properties",
            &["name", "property_type", "city", "rooms[1].name", "rooms[1].kind", "rooms[1].area_m2"],
        ),
        ("/property-types", &["slug", "name"]),
    ];
    let cases = every_body(&app, &owner, &admin, property_id, room_id);
    let rooms = format!("/properties/{property_id}/rooms");
    for case in &cases {
        let fields: &[&str] = match required.iter().find(|(path, _)| *path == case.path) {
            Some((_, fields)) => fields,
            None if case.path == rooms => &["name", "kind", "area_m2"],
            None => continue,
        };
        for field in fields {
            let mut body = case.body.clone();
            remove(&mut body, field);
            assert_refused(&app, case, field, "nothing", body.to_string()).await;
        }
    }
    assert_eq!(snapshot(&app, &owner, &admin, property_id).await, before, "nothing was written");
}

crate::on_every_backend!(
    every_missing_required_field_is_named,
    hostile_text_in_every_body_field_is_a_422_naming_it_and_writes_nothing,
    invisible_and_bidi_characters_in_emails_and_names_are_a_422_naming_the_field,
    hostile_text_in_every_query_parameter_is_a_400_naming_it,
);

/// How many bytes the app's database holds.
async fn stored_bytes(app: &TestApp) -> u64 {
    let url = app.settings.database.url.expose_secret();
    if let Some(path) = url.strip_prefix("sqlite://") {
        return ["", "-wal", "-shm"]
            .iter()
            .filter_map(|suffix| std::fs::metadata(format!("{path}{suffix}")).ok())
            .map(|metadata| metadata.len())
            .sum();
    }
    let schema = url.split("search_path%3D").nth(1).unwrap().split('&').next().unwrap().to_owned();
    let client = pg_client(&postgres_url().unwrap()).await.unwrap();
    let row = client
        .query_one(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::int8 FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind IN ('r', 'm')",
            &[&schema],
        )
        .await
        .unwrap();
    u64::try_from(row.get::<_, i64>(0)).unwrap()
}

/// The old reproduction: failed logins with 900 kB emails filled the
/// failed-login table. They are refused before anything is stored.
async fn failed_logins_with_huge_emails_do_not_grow_the_database(backend: Backend) {
    // The production limit (1 MiB), so that the body itself is accepted.
    let Some(app) = spawn_app_with(backend, |settings| settings.http.body_limit_bytes = 1024 * 1024).await
    else {
        return;
    };
    let user = app.user("ivy").await;
    let before = stored_bytes(&app).await;
    let email = format!("{}@example.com", "a".repeat(900 * 1024));
    let body = json!({"email": email, "password": "wrong password"}).to_string();

    for _ in 0..25 {
        let mut attempts = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let request = app
                .request(Method::POST, "/auth/token")
                .header("content-type", "application/json")
                .body(body.clone());
            attempts.spawn(request.send());
        }
        while let Some(response) = attempts.join_next().await {
            let problem = assert_problem(response.unwrap().unwrap(), StatusCode::UNPROCESSABLE_ENTITY).await;
            assert_eq!(problem_fields(&problem), ["email"]);
        }
    }

    let after = stored_bytes(&app).await;
    eprintln!("hostile input: 200 logins with 900 kB emails: database {before} -> {after} bytes");
    assert!(after < before + 1024 * 1024, "the database grew from {before} to {after} bytes");
    app.login(&user.email, PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_with_huge_emails_do_not_grow_the_sqlite_file() {
    failed_logins_with_huge_emails_do_not_grow_the_database(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_with_huge_emails_do_not_grow_the_postgres_schema() {
    failed_logins_with_huge_emails_do_not_grow_the_database(Backend::Postgres).await;
}
