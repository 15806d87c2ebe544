//! The document says what the code enforces (issue 10, item 11): each test
//! reads rules from `/openapi.json` (patterns, lengths, ranges, `maxItems`,
//! nullability) and checks that the service accepts a value exactly when
//! the document allows it, and otherwise answers 422 (400 for a query)
//! naming the field, so that a client validating against the document
//! agrees with the service.

use regex::Regex;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem, problem_fields};

async fn document(app: &TestApp) -> Value {
    let response = app.get("/openapi.json").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// The schema of a property of a component, with `$ref`s followed.
fn property_schema(document: &Value, component: &str, property: &str) -> Value {
    let schema = &document["components"]["schemas"][component]["properties"][property];
    assert!(schema.is_object(), "{component}.{property} is documented");
    schema.clone()
}

/// The schema of a query parameter of `GET path`.
fn parameter_schema(document: &Value, path: &str, name: &str) -> Value {
    let parameters = document["paths"][path]["get"]["parameters"].as_array().unwrap();
    let parameter = parameters.iter().find(|parameter| parameter["name"] == name).unwrap();
    parameter["schema"].clone()
}

/// Whether `value` satisfies the string rules of `schema` and of every
/// `allOf` member: `pattern` (an ECMA-262 regular expression over code
/// points; the ones the document uses read the same in Rust's dialect),
/// `minLength` and `maxLength` (in code points).
fn allows(schema: &Value, value: &str) -> bool {
    let length = value.chars().count();
    let pattern_ok = schema["pattern"].as_str().is_none_or(|pattern| {
        Regex::new(pattern).unwrap_or_else(|error| panic!("{pattern}: {error}")).is_match(value)
    });
    let min_ok = schema["minLength"].as_u64().is_none_or(|min| length as u64 >= min);
    let max_ok = schema["maxLength"].as_u64().is_none_or(|max| length as u64 <= max);
    let members_ok = schema["allOf"].as_array().into_iter().flatten().all(|member| allows(member, value));
    pattern_ok && min_ok && max_ok && members_ok
}

/// The most characters a trimmed text's pattern allows between its white
/// space: the `{0,n}` of its core, plus its first and last characters.
fn trimmed_max(schema: &Value) -> usize {
    let patterns: Vec<&str> = std::iter::once(&schema["pattern"])
        .chain(schema["allOf"].as_array().into_iter().flatten().map(|member| &member["pattern"]))
        .filter_map(Value::as_str)
        .collect();
    let quantifier = Regex::new(r"\]\{0,(\d+)\}").unwrap();
    patterns
        .iter()
        .find_map(|pattern| quantifier.captures(pattern))
        .map(|captures| captures[1].parse::<usize>().unwrap() + 2)
        .expect("a trimmed text's pattern bounds its length")
}

/// Sends `request` and returns whether it was accepted (`ok`); otherwise
/// asserts it was refused with `refusal`, naming `field`.
async fn accepted(
    request: RequestBuilder,
    ok: StatusCode,
    refusal: StatusCode,
    field: &str,
    context: &str,
) -> bool {
    let response = request.send().await.unwrap();
    if response.status() == ok {
        return true;
    }
    let problem = assert_problem(response, refusal).await;
    assert!(problem_fields(&problem).iter().any(|named| named == field), "{context}: {problem}");
    false
}

fn repeat(text: &str, times: usize) -> String {
    text.repeat(times)
}

/// Texts around the rules of one-line, trimmed text of at most `max`
/// characters.
fn one_line_samples(max: usize) -> Vec<String> {
    vec![
        "A".to_owned(),
        repeat("a", max),
        repeat("a", max + 1),
        repeat("é", max),
        repeat("🏠", max),
        repeat("🏠", max + 1),
        format!("   {}\t\n", repeat("a", max)),
        format!(" {} ", repeat("a", max + 1)),
        "\tLes Oliviers\r\n".to_owned(),
        "\u{85}Les Oliviers\u{3000}".to_owned(),
        "Les\tOliviers".to_owned(),
        "Les\u{7}Oliviers".to_owned(),
        "Les\u{200b}Oliviers".to_owned(),
        "\u{feff}Les Oliviers".to_owned(),
        "Les Oliviers\u{e0001}".to_owned(),
        "Oli\u{ad}viers".to_owned(),
        String::new(),
        "   ".to_owned(),
        "\u{a0}\u{2003}".to_owned(),
        "--".to_owned(),
        "Łódź".to_owned(),
        "北京".to_owned(),
        "\u{301}".to_owned(),
        "Le  Mas".to_owned(),
    ]
}

async fn names_are_accepted_exactly_when_the_document_allows_them(app: TestApp) {
    let document = document(&app).await;
    let user = app.user("nadia").await;
    let schema = property_schema(&document, "ProfileBody", "first_name");
    assert_eq!(trimmed_max(&schema), realty_domain::PersonName::MAX_CHARS);
    for name in one_line_samples(trimmed_max(&schema)) {
        let request = app.patch("/users/me", &json!({"first_name": name})).bearer_auth(&user.token);
        let context = format!("first_name {name:?}");
        let ok =
            accepted(request, StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY, "first_name", &context).await;
        assert_eq!(ok, allows(&schema, &name), "{context}: the service and the document disagree");
    }
}

async fn cities_are_accepted_exactly_when_the_document_allows_them(app: TestApp) {
    let document = document(&app).await;
    let owner = app.user("cyril").await;
    let property = app.property(&owner, "Nice", 0).await;
    let path = format!("/properties/{}", property["id"]);
    let schema = property_schema(&document, "PropertyPatchBody", "city");
    assert_eq!(trimmed_max(&schema), realty_domain::City::MAX_CHARS);
    let mut samples = one_line_samples(trimmed_max(&schema));
    samples.extend(["!?.", "©", "Ｐａｒｉｓ", "– —", "_"].map(str::to_owned));
    for city in samples {
        let request = app.patch(&path, &json!({"city": city})).bearer_auth(&owner.token);
        let context = format!("city {city:?}");
        let ok = accepted(request, StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY, "city", &context).await;
        assert_eq!(ok, allows(&schema, &city), "{context}: the service and the document disagree");
    }
}

async fn sign_up_emails_are_accepted_exactly_when_the_document_allows_them(app: TestApp) {
    let document = document(&app).await;
    let schema = property_schema(&document, "RegisterBody", "email");
    let samples = [
        "ada@example.com".to_owned(),
        "  grace@example.com\t".to_owned(),
        "Linus.Torvalds+x@Example.ORG".to_owned(),
        format!("{}@example.com", repeat("a", 64)),
        format!("{}@example.com", repeat("b", 65)),
        format!("{}@{}.com", repeat("c", 64), repeat("d", 185)),
        format!("{}@{}.com", repeat("e", 64), repeat("f", 186)),
        format!(" {}@{}.com ", repeat("g", 64), repeat("h", 185)),
        "no-at-sign".to_owned(),
        "a@b".to_owned(),
        "a@.b.c".to_owned(),
        "a@b.c.".to_owned(),
        "a@b..c".to_owned(),
        "a b@c.d".to_owned(),
        "a@b@c.d".to_owned(),
        "@b.c".to_owned(),
        "a\u{200b}@b.c".to_owned(),
        "zoë@bücher.de".to_owned(),
    ];
    for email in samples {
        let body = json!({"email": email, "password": PASSWORD, "first_name": "E", "last_name": "Mail"});
        let context = format!("email {email:?}");
        let ok = accepted(
            app.post("/users", &body),
            StatusCode::CREATED,
            StatusCode::UNPROCESSABLE_ENTITY,
            "email",
            &context,
        )
        .await;
        assert_eq!(ok, allows(&schema, &email), "{context}: the service and the document disagree");
    }
}

async fn lengths_counted_as_sent_match_max_length(app: TestApp) {
    let document = document(&app).await;
    let owner = app.user("lena").await;
    let property = app.property(&owner, "Nice", 1).await;
    let room = format!("/properties/{}/rooms/{}", property["id"], property["rooms"][0]["id"]);
    let description = property_schema(&document, "RoomPatchBody", "description");
    let max = usize::try_from(description["maxLength"].as_u64().unwrap()).unwrap();
    assert_eq!(max, realty_domain::RoomDescription::MAX_CHARS);
    let samples = [
        repeat("é", max),
        repeat("é", max + 1),
        format!("  {}", repeat("x", max - 2)),
        format!("  {}", repeat("x", max - 1)),
        "Two lines,\r\n\tindented.".to_owned(),
        "A bell\u{7}".to_owned(),
        "A zero-width joiner: 👩\u{200d}💻".to_owned(),
    ];
    for text in samples {
        let request = app.patch(&room, &json!({"description": text})).bearer_auth(&owner.token);
        let context = format!("description of {} characters", text.chars().count());
        let ok = accepted(request, StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY, "description", &context)
            .await;
        assert_eq!(ok, allows(&description, &text), "{context}: the service and the document disagree");
    }

    let password = property_schema(&document, "RegisterBody", "password");
    let (min, max) = (password["minLength"].as_u64().unwrap(), password["maxLength"].as_u64().unwrap());
    assert_eq!((min, max), (8, 128));
    let samples = [
        repeat("p", 7),
        repeat("p", 8),
        repeat(" ", 8),
        repeat("🔑", 128),
        repeat("p", 129),
        "pass\u{0}word".to_owned(),
    ];
    for password_text in samples {
        let body =
            json!({"email": app.email("pw"), "password": password_text, "first_name": "P", "last_name": "W"});
        let context = format!("password of {} characters", password_text.chars().count());
        let ok = accepted(
            app.post("/users", &body),
            StatusCode::CREATED,
            StatusCode::UNPROCESSABLE_ENTITY,
            "password",
            &context,
        )
        .await;
        assert_eq!(ok, allows(&password, &password_text), "{context}: the service and the document disagree");
    }
}

async fn numeric_bounds_and_the_room_cap_are_the_documented_ones(app: TestApp) {
    let document = document(&app).await;
    let owner = app.user("flora").await;
    let property = app.property(&owner, "Nice", 1).await;
    let room = format!("/properties/{}/rooms/{}", property["id"], property["rooms"][0]["id"]);

    let floor = property_schema(&document, "RoomPatchBody", "floor");
    let (min, max) = (floor["minimum"].as_i64().unwrap(), floor["maximum"].as_i64().unwrap());
    assert_eq!((min, max), (i64::from(realty_domain::Floor::MIN), i64::from(realty_domain::Floor::MAX)));
    assert_eq!(floor["type"], json!(["integer", "null"]));
    // JSON Schema's integers include 97.0; so do the service's.
    let cases = [
        (json!(min - 1), false),
        (json!(min), true),
        (json!(max), true),
        (json!(max + 1), false),
        (json!(97.0), true),
        (json!(97.5), false),
        (json!("3"), false),
        (Value::Null, true),
    ];
    for (value, allowed) in cases {
        let request = app.patch(&room, &json!({"floor": value})).bearer_auth(&owner.token);
        let context = format!("floor {value}");
        let ok = accepted(request, StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY, "floor", &context).await;
        assert_eq!(ok, allowed, "{context}");
    }

    let area = property_schema(&document, "RoomPatchBody", "area_m2");
    let max_area = area["maximum"].as_f64().unwrap();
    assert_eq!((area["exclusiveMinimum"].as_f64(), max_area), (Some(0.0), realty_domain::AreaM2::MAX));
    for (value, allowed) in
        [(0.0, false), (0.01, true), (max_area, true), (max_area + 0.01, false), (-1.0, false)]
    {
        let request = app.patch(&room, &json!({"area_m2": value})).bearer_auth(&owner.token);
        let context = format!("area_m2 {value}");
        let ok =
            accepted(request, StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY, "area_m2", &context).await;
        assert_eq!(ok, allowed, "{context}");
    }

    let rooms = property_schema(&document, "PropertyBody", "rooms");
    let cap = usize::try_from(rooms["maxItems"].as_u64().unwrap()).unwrap();
    assert_eq!(cap, realty_app::MAX_ROOMS_PER_PROPERTY);
    let room_body = json!({"name": "Box", "kind": "storage", "area_m2": 1.0});
    for (count, allowed) in [(cap, true), (cap + 1, false)] {
        let body = json!({"name": "Many rooms", "property_type": "house", "city": "Lyon",
            "rooms": vec![room_body.clone(); count]});
        let request = app.post("/properties", &body).bearer_auth(&owner.token);
        let context = format!("{count} inline rooms");
        let ok =
            accepted(request, StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY, "rooms", &context).await;
        assert_eq!(ok, allowed, "{context}");
    }
}

/// Whether a schema's `type` (or a `oneOf`/`anyOf` member's) admits `null`.
fn admits_null(document: &Value, schema: &Value) -> bool {
    let schema = match schema["$ref"].as_str() {
        Some(reference) => document.pointer(reference.trim_start_matches('#')).unwrap().clone(),
        None => schema.clone(),
    };
    let own = match &schema["type"] {
        Value::String(kind) => kind == "null",
        Value::Array(kinds) => kinds.iter().any(|kind| kind == "null"),
        _ => false,
    };
    own || ["oneOf", "anyOf"]
        .iter()
        .any(|key| schema[key].as_array().into_iter().flatten().any(|member| admits_null(document, member)))
}

async fn null_is_accepted_exactly_where_the_document_admits_it(app: TestApp) {
    let document = document(&app).await;
    let owner = app.user("nils").await;
    let property = app.property(&owner, "Nice", 1).await;
    let path = format!("/properties/{}", property["id"]);
    let room = format!("{path}/rooms/{}", property["rooms"][0]["id"]);
    for (component, target) in
        [("ProfileBody", "/users/me"), ("PropertyPatchBody", path.as_str()), ("RoomPatchBody", room.as_str())]
    {
        let fields = document["components"]["schemas"][component]["properties"].as_object().unwrap().clone();
        for (field, schema) in fields {
            let request = app.patch(target, &json!({ field.as_str(): null })).bearer_auth(&owner.token);
            let context = format!("{component}.{field}: null");
            let ok =
                accepted(request, StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY, &field, &context).await;
            assert_eq!(
                ok,
                admits_null(&document, &schema),
                "{context}: the service and the document disagree"
            );
        }
    }
}

async fn search_text_is_accepted_exactly_when_the_document_allows_it(app: TestApp) {
    let document = document(&app).await;
    let samples = ["sunny park", "  park ", "--", "!!", "北京", "Łódź", "a\u{200b}b", "\u{301}", "©", "x_y"];
    for (name, schema) in [
        ("q", parameter_schema(&document, "/properties", "q")),
        ("city", parameter_schema(&document, "/properties", "city")["items"].clone()),
    ] {
        for sample in samples {
            let url = app.url("/properties");
            let request = app.client.get(url).query(&[(name, sample)]);
            let context = format!("{name}={sample:?}");
            let ok = accepted(request, StatusCode::OK, StatusCode::BAD_REQUEST, name, &context).await;
            assert_eq!(ok, allows(&schema, sample), "{context}: the service and the document disagree");
        }
    }
}

crate::on_every_backend!(
    names_are_accepted_exactly_when_the_document_allows_them,
    cities_are_accepted_exactly_when_the_document_allows_them,
    sign_up_emails_are_accepted_exactly_when_the_document_allows_them,
    lengths_counted_as_sent_match_max_length,
    numeric_bounds_and_the_room_cap_are_the_documented_ones,
    null_is_accepted_exactly_where_the_document_admits_it,
    search_text_is_accepted_exactly_when_the_document_allows_it,
);
