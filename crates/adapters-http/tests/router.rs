//! The HTTP seam in-process: the real router (every layer, every route)
//! over use cases whose ports are mockall mocks, driven by
//! `tower::ServiceExt::oneshot` with no socket and no database. Statuses,
//! headers and problem bodies are checked here, fast; the black-box suite
//! (`tests/api`) checks the same contract against a running service.

use axum::http::{HeaderValue, Method, StatusCode, header};
use fixture::{ADMIN, OWNER, Ports, call, problem, request};
use realty_domain::{
    DomainError, Edit, Edited, FieldError, Page, PropertyChange, PropertyId, PropertyType, TypeName, TypeSlug,
};
use serde_json::json;

mod fixture {
    use std::sync::Arc;
    use std::time::Duration;

    use async_trait::async_trait;
    use axum::body::Body;
    use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode, header};
    use chrono::{DateTime, NaiveDate, Utc};
    use realty_adapters_http::HttpService;
    use realty_adapters_http::metrics::Metrics;
    use realty_adapters_http::{AppState, HttpConfig, Readiness, ServiceInfo, Shared, router};
    use realty_app::{Accounts, Idempotency, LoginPolicy, Properties, PropertyTypes};
    use realty_domain::ports::{
        MockAuditLog, MockClock, MockIdempotencyStore, MockLoginThrottle, MockPasswordHasher,
        MockPropertyRepository, MockPropertyTypeRepository, MockTokenService, MockUserRepository,
        TokenClaims,
    };
    use realty_domain::{
        AreaM2, City, Description, DomainError, Email, PasswordHash, PersonName, Property, PropertyId,
        PropertyName, Role, Room, RoomId, RoomKind, RoomName, TypeSlug, User, UserId, Version,
    };
    use serde_json::Value;
    use tower::ServiceExt as _;

    /// The bearer tokens the mocked token service knows: an admin (user 1)
    /// and the owner of property 1 (user 2).
    pub const ADMIN: &str = "admin-token";
    pub const OWNER: &str = "owner-token";

    /// The largest body the router under test accepts.
    pub const BODY_LIMIT: usize = 8 * 1024;

    pub fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default()
    }

    /// The mocked ports; a test adds the expectations of the calls it
    /// makes, then builds the router with [`Ports::app`].
    #[derive(Default)]
    pub struct Ports {
        pub users: MockUserRepository,
        pub types: MockPropertyTypeRepository,
        pub properties: MockPropertyRepository,
        pub audit: MockAuditLog,
        pub idempotency: MockIdempotencyStore,
        pub hasher: MockPasswordHasher,
        pub tokens: MockTokenService,
        pub throttle: MockLoginThrottle,
        pub ready: Option<String>,
    }

    struct FixedReadiness(Option<String>);

    #[async_trait]
    impl Readiness for FixedReadiness {
        async fn check(&self) -> Result<(), String> {
            self.0.clone().map_or(Ok(()), Err)
        }
    }

    impl Ports {
        /// The service's API router over these ports, with the two tokens
        /// and their users known.
        pub fn app(mut self) -> HttpService {
            self.tokens.expect_verify().returning(|token, now| {
                let user_id = match token {
                    ADMIN => UserId(1),
                    OWNER => UserId(2),
                    _ => return Err(DomainError::Unauthenticated),
                };
                Ok(TokenClaims { user_id, issued_at: now })
            });
            self.users.expect_find_by_id().returning(|id| Ok(Some(user(id.0))));
            let mut clock = MockClock::new();
            clock.expect_now().returning(now);
            clock.expect_today().returning(|| now().date_naive());
            let clock = Arc::new(clock);
            let info = ServiceInfo { name: "realty", version: "0.0.0", database: "mock" };
            let state = AppState::new(Shared {
                accounts: Accounts::new(
                    Arc::new(self.users),
                    Arc::new(self.hasher),
                    Arc::new(self.tokens),
                    Arc::new(self.throttle),
                    clock.clone(),
                    LoginPolicy::default(),
                ),
                properties: Properties::new(Arc::new(self.properties), Arc::new(self.audit), clock.clone()),
                property_types: PropertyTypes::new(Arc::new(self.types), clock.clone()),
                idempotency: Idempotency::new(Arc::new(self.idempotency), clock, Duration::from_secs(60)),
                readiness: Arc::new(FixedReadiness(self.ready)),
                metrics: Arc::new(Metrics::new(&info, vec![])),
                info,
                rate_limiter: None,
                trusted_proxies: Arc::from([]),
            });
            let config = HttpConfig { body_limit_bytes: BODY_LIMIT, ..HttpConfig::default() };
            router(state, &config).api
        }
    }

    /// User 1 is an admin, every other id a plain user.
    pub fn user(id: i64) -> User {
        let role = if id == 1 { Role::Admin } else { Role::User };
        User {
            id: UserId(id),
            email: Email::parse(&format!("user{id}@example.com")).expect("an email"),
            password_hash: PasswordHash::new("$argon2id$stub".to_owned()),
            first_name: PersonName::parse("Ada").expect("a name"),
            last_name: PersonName::parse("Lovelace").expect("a name"),
            birth_date: None,
            role,
            created_at: now(),
            updated_at: now(),
            password_changed_at: now() - chrono::Duration::days(1),
        }
    }

    /// Property 1, owned by user 2, at `version`, with one room (id 10).
    pub fn property(version: i64) -> Property {
        Property {
            id: PropertyId(1),
            name: PropertyName::parse("Sunny flat").expect("a name"),
            description: Description::parse("Near the park").expect("a description"),
            property_type: TypeSlug::parse("apartment").expect("a slug"),
            city: City::parse("Lyon").expect("a city"),
            owner_id: UserId(2),
            version: Version(version),
            created_at: now(),
            updated_at: now(),
            rooms: vec![Room {
                id: RoomId(10),
                property_id: PropertyId(1),
                name: RoomName::parse("Bedroom").expect("a name"),
                kind: RoomKind::Bedroom,
                area: AreaM2::parse(12.5).expect("an area"),
                floor: None,
                description: None,
            }],
        }
    }

    /// A birth date for registration bodies.
    pub fn birth_date() -> NaiveDate {
        NaiveDate::from_ymd_opt(1990, 12, 10).unwrap_or_default()
    }

    /// A request; `token` as a bearer token, `body` as JSON.
    pub fn request(method: Method, uri: &str, token: Option<&str>, body: Option<Value>) -> Request<Body> {
        let mut builder = Request::builder().method(method).uri(uri);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match body {
            Some(body) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(body.to_string())
            }
            None => Body::empty(),
        };
        builder.body(body).expect("a request")
    }

    /// `POST /property-types` by the admin, with `body` sent as it is,
    /// labelled `content_type`.
    pub fn raw_type_creation(content_type: &'static str, body: &'static str) -> Request<Body> {
        let mut request = request(Method::POST, "/property-types", Some(ADMIN), None);
        request.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        *request.body_mut() = body.into();
        request
    }

    /// What the router answered.
    #[derive(Debug)]
    pub struct Answer {
        pub status: StatusCode,
        pub headers: HeaderMap,
        pub body: Vec<u8>,
    }

    impl Answer {
        pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
            self.headers.get(name).and_then(|value| value.to_str().ok())
        }

        pub fn json(&self) -> Value {
            serde_json::from_slice(&self.body).expect("a JSON body")
        }

        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.body).into_owned()
        }
    }

    pub async fn call(app: HttpService, request: Request<Body>) -> Answer {
        let response = app.oneshot(request).await.expect("the router is infallible");
        let (parts, body) = response.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.expect("a body").to_vec();
        Answer { status: parts.status, headers: parts.headers, body }
    }

    /// The answer's problem, checked to be one of `status` and `kind`
    /// (`urn:realty:problem:<kind>`).
    pub fn problem(answer: &Answer, status: StatusCode, kind: &str) -> Value {
        assert_eq!(answer.status, status, "{}", answer.text());
        assert_eq!(answer.header(header::CONTENT_TYPE), Some("application/problem+json"));
        let problem = answer.json();
        assert_eq!(problem["type"], format!("urn:realty:problem:{kind}"), "{problem}");
        assert_eq!(problem["status"], status.as_u16(), "{problem}");
        problem
    }
}

/// `GET /property-types` answered with what the catalogue's port fails with.
async fn types_failing(error: fn() -> DomainError) -> fixture::Answer {
    let mut ports = Ports::default();
    ports.types.expect_list().returning(move || Err(error()));
    call(ports.app(), request(Method::GET, "/property-types", None, None)).await
}

fn apartment() -> PropertyType {
    PropertyType {
        slug: TypeSlug::parse("apartment").expect("a slug"),
        name: TypeName::parse("Apartment").expect("a name"),
    }
}

// ---- every DomainError variant ------------------------------------------------

#[tokio::test]
async fn not_found_is_a_404_naming_the_resource() {
    let answer = types_failing(|| DomainError::NotFound { resource: "property" }).await;

    let problem = problem(&answer, StatusCode::NOT_FOUND, "not-found");
    assert_eq!(problem["title"], "Not found");
    assert_eq!(problem["detail"], "property not found");
    assert!(problem.get("errors").is_none(), "{problem}");
}

#[tokio::test]
async fn forbidden_is_a_403_with_its_reason() {
    let answer = types_failing(|| DomainError::Forbidden("only admins manage property types")).await;

    let problem = problem(&answer, StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(problem["title"], "Forbidden");
    assert_eq!(problem["detail"], "only admins manage property types");
}

#[tokio::test]
async fn unauthenticated_is_a_401_with_a_bearer_challenge() {
    let answer = types_failing(|| DomainError::Unauthenticated).await;

    let problem = problem(&answer, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(problem["title"], "Authentication required");
    assert_eq!(problem["detail"], "the credentials or the token are not valid");
    assert_eq!(
        answer.header(header::WWW_AUTHENTICATE),
        Some(r#"Bearer realm="realty", error="invalid_token""#)
    );
}

#[tokio::test]
async fn conflict_is_a_409_with_its_detail() {
    let answer = types_failing(|| DomainError::Conflict("the slug apartment is taken".into())).await;

    let problem = problem(&answer, StatusCode::CONFLICT, "conflict");
    assert_eq!(problem["title"], "Conflict");
    assert_eq!(problem["detail"], "the slug apartment is taken");
}

#[tokio::test]
async fn invalid_is_a_422_listing_every_field() {
    let answer = types_failing(|| {
        DomainError::Invalid(vec![
            FieldError::new("property_type", "does not exist"),
            FieldError::new("rooms[2].area_m2", "must be greater than 0 and at most 10000"),
        ])
    })
    .await;

    let problem = problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(problem["title"], "Invalid request content");
    assert_eq!(problem["detail"], "2 fields are invalid");
    assert_eq!(
        problem["errors"],
        json!([
            {"field": "property_type", "message": "does not exist"},
            {"field": "rooms[2].area_m2", "message": "must be greater than 0 and at most 10000"},
        ])
    );
}

#[tokio::test]
async fn precondition_failed_is_a_412_naming_the_current_version() {
    let answer = types_failing(|| DomainError::PreconditionFailed { current: 4 }).await;

    let problem = problem(&answer, StatusCode::PRECONDITION_FAILED, "precondition-failed");
    assert_eq!(problem["title"], "Precondition failed");
    assert_eq!(problem["detail"], "If-Match names no current version; the current version is 4 (ETag \"4\")");
}

#[tokio::test]
async fn too_many_attempts_is_a_429_with_retry_after() {
    let answer = types_failing(|| DomainError::TooManyAttempts { retry_after_secs: 37 }).await;

    let problem = problem(&answer, StatusCode::TOO_MANY_REQUESTS, "too-many-attempts");
    assert_eq!(problem["title"], "Too many failed attempts");
    assert_eq!(problem["detail"], "too many failed logins for this email; retry in 37 seconds");
    assert_eq!(answer.header(header::RETRY_AFTER), Some("37"));
}

#[tokio::test]
async fn unavailable_is_a_503_with_retry_after_and_without_its_cause() {
    let answer = types_failing(|| DomainError::unavailable("connection refused by db.internal:5432")).await;

    let problem = problem(&answer, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(problem["title"], "Service unavailable");
    assert_eq!(problem["detail"], "the service cannot reach its database right now; retry shortly");
    assert_eq!(answer.header(header::RETRY_AFTER), Some("2"));
    assert!(!answer.text().contains("db.internal"), "{}", answer.text());
}

#[tokio::test]
async fn internal_is_a_500_carrying_the_request_id_and_not_the_cause() {
    let answer = types_failing(|| DomainError::internal("SELECT failed: password=hunter2")).await;

    let problem = problem(&answer, StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert_eq!(problem["title"], "Internal server error");
    let request_id = answer.header("x-request-id").expect("a request id");
    assert_eq!(
        problem["detail"],
        format!("an unexpected error occurred; quote request id {request_id} to the operators")
    );
    assert!(!answer.text().contains("hunter2") && !answer.text().contains("SELECT"), "{}", answer.text());
}

// ---- 500s and 503s from elsewhere -------------------------------------------------

#[tokio::test]
async fn a_500_decided_by_a_use_case_never_shows_its_cause() {
    let mut ports = Ports::default();
    // An edit that applies an update yet returns no property: a bug.
    ports.properties.expect_edit().returning(|_, _| Ok(Edited { property: None, room: None }));
    let body = json!({"name": "Renamed"});

    let answer = call(ports.app(), request(Method::PATCH, "/properties/1", Some(OWNER), Some(body))).await;

    problem(&answer, StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert!(!answer.text().contains("returned no property"), "{}", answer.text());
}

#[tokio::test]
async fn a_panicking_port_is_a_500_problem_without_the_panic_message() {
    let mut ports = Ports::default();
    ports.types.expect_list().returning(|| panic!("secret panic text"));

    let answer = call(ports.app(), request(Method::GET, "/property-types", None, None)).await;

    problem(&answer, StatusCode::INTERNAL_SERVER_ERROR, "internal");
    assert!(!answer.text().contains("secret"), "{}", answer.text());
    assert!(answer.header("x-request-id").is_some());
}

#[tokio::test]
async fn an_unready_database_is_a_503_with_retry_after_and_no_cause() {
    let ports = Ports { ready: Some("pool timed out on db.internal".into()), ..Ports::default() };

    let answer = call(ports.app(), request(Method::GET, "/ready", None, None)).await;

    problem(&answer, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert_eq!(answer.header(header::RETRY_AFTER), Some("2"));
    assert!(!answer.text().contains("db.internal"), "{}", answer.text());
}

// ---- errors outside the handlers ---------------------------------------------------

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let answer = call(Ports::default().app(), request(Method::GET, "/no/such/route", None, None)).await;

    let problem = problem(&answer, StatusCode::NOT_FOUND, "not-found");
    assert_eq!(problem["detail"], "no resource at this path");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let answer = call(Ports::default().app(), request(Method::PUT, "/property-types", None, None)).await;

    problem(&answer, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
    let allow = answer.header(header::ALLOW).expect("an Allow header");
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn a_wrong_method_is_a_405_whatever_its_query() {
    for path in ["/users?q=ada&colour=red", "/property-types?colour=red"] {
        let answer = call(Ports::default().app(), request(Method::TRACE, path, None, None)).await;

        problem(&answer, StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
    }
}

#[tokio::test]
async fn a_route_needing_a_token_without_one_is_a_401_with_a_bare_challenge() {
    let answer = call(Ports::default().app(), request(Method::GET, "/users/me", None, None)).await;

    problem(&answer, StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(answer.header(header::WWW_AUTHENTICATE), Some(r#"Bearer realm="realty""#));
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let request = fixture::raw_type_creation("text/plain", r#"{"slug":"chalet","name":"Chalet"}"#);

    let answer = call(Ports::default().app(), request).await;

    let problem = problem(&answer, StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    assert_eq!(problem["detail"], "the request body must be application/json");
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let name = "x".repeat(fixture::BODY_LIMIT);
    let body = json!({"slug": "chalet", "name": name});

    let answer =
        call(Ports::default().app(), request(Method::POST, "/property-types", Some(ADMIN), Some(body))).await;

    problem(&answer, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
}

#[tokio::test]
async fn a_content_length_over_the_limit_is_a_413_before_the_body_is_read() {
    let mut request = request(Method::POST, "/property-types", Some(ADMIN), Some(json!({})));
    request.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(10_000_000));

    let answer = call(Ports::default().app(), request).await;

    let problem = problem(&answer, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
    assert_eq!(problem["detail"], "the request body is larger than the limit");
}

#[tokio::test]
async fn malformed_json_is_a_400() {
    let request = fixture::raw_type_creation("application/json", r#"{"slug":"#);

    let answer = call(Ports::default().app(), request).await;

    let problem = problem(&answer, StatusCode::BAD_REQUEST, "bad-request");
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.starts_with("malformed JSON"), "{detail}");
}

#[tokio::test]
async fn a_body_breaking_several_rules_is_a_422_naming_each_field() {
    let body = json!({"slug": "Not A Slug", "colour": "red"});

    let answer =
        call(Ports::default().app(), request(Method::POST, "/property-types", Some(ADMIN), Some(body))).await;

    let problem = problem(&answer, StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|error| error["field"].as_str())
        .collect();
    assert_eq!(fields, ["colour", "slug", "name"]);
    assert_eq!(problem["detail"], "3 fields are invalid");
}

#[tokio::test]
async fn an_unknown_query_parameter_is_a_400_naming_it() {
    let answer =
        call(Ports::default().app(), request(Method::GET, "/properties?city=Lyon&colour=red", None, None))
            .await;

    let problem = problem(&answer, StatusCode::BAD_REQUEST, "invalid-query");
    assert_eq!(
        problem["errors"],
        json!([{"field": "colour", "message": "is not a parameter of this route"}])
    );
}

#[tokio::test]
async fn a_malformed_query_value_is_a_400_naming_the_parameter() {
    let answer =
        call(Ports::default().app(), request(Method::GET, "/properties?limit=0&min_rooms=x", None, None))
            .await;

    let problem = problem(&answer, StatusCode::BAD_REQUEST, "invalid-query");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|error| error["field"].as_str())
        .collect();
    assert_eq!(fields, ["min_rooms", "limit"]);
}

// ---- ETag, Location, Cache-Control, 304 -----------------------------------------------

#[tokio::test]
async fn a_property_is_served_with_its_version_as_etag_and_no_cache() {
    let mut ports = Ports::default();
    ports.properties.expect_find().returning(|_| Ok(Some(fixture::property(3))));

    let answer = call(ports.app(), request(Method::GET, "/properties/1", None, None)).await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header(header::ETAG), Some("\"3\""));
    assert_eq!(answer.header(header::CACHE_CONTROL), Some("no-cache"));
    assert_eq!(answer.json()["version"], 3);
}

#[tokio::test]
async fn a_matching_if_none_match_is_a_304_with_the_etag_and_no_body() {
    let mut ports = Ports::default();
    ports.properties.expect_find().returning(|_| Ok(Some(fixture::property(3))));
    let mut request = request(Method::GET, "/properties/1/rooms", None, None);
    request.headers_mut().insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"2\", W/\"3\""));

    let answer = call(ports.app(), request).await;

    assert_eq!(answer.status, StatusCode::NOT_MODIFIED);
    assert_eq!(answer.header(header::ETAG), Some("\"3\""));
    assert!(answer.body.is_empty());
}

#[tokio::test]
async fn the_catalogue_has_a_weak_etag_that_revalidates() {
    let mut ports = Ports::default();
    ports.types.expect_list().returning(|| Ok(vec![apartment()]));
    let app = ports.app();

    let first = call(app.clone(), request(Method::GET, "/property-types", None, None)).await;
    let etag = first.header(header::ETAG).expect("an ETag").to_owned();
    let mut again = request(Method::GET, "/property-types", None, None);
    again.headers_mut().insert(header::IF_NONE_MATCH, HeaderValue::from_str(&etag).expect("a header"));
    let second = call(app, again).await;

    assert!(etag.starts_with("W/\""), "{etag}");
    assert_eq!(first.header(header::CACHE_CONTROL), Some("no-cache"));
    assert_eq!(second.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn a_created_property_has_its_location_and_first_etag() {
    let mut ports = Ports::default();
    ports.properties.expect_create().returning(|new, _, _| {
        let mut property = fixture::property(1);
        property.id = PropertyId(9);
        property.name = new.name;
        property.rooms.clear();
        Ok(property)
    });
    let body = json!({"name": "Loft", "property_type": "apartment", "city": "Lyon"});

    let answer = call(ports.app(), request(Method::POST, "/properties", Some(OWNER), Some(body))).await;

    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    assert_eq!(answer.header(header::LOCATION), Some("/properties/9"));
    assert_eq!(answer.header(header::ETAG), Some("\"1\""));
    assert_eq!(answer.json()["name"], "Loft");
}

#[tokio::test]
async fn a_registration_has_its_location_and_is_not_stored_by_caches() {
    let mut ports = Ports::default();
    ports.hasher.expect_hash().returning(|_| Ok(realty_domain::PasswordHash::new("$argon2id$stub".into())));
    ports.users.expect_create().returning(|new, _| {
        let mut user = fixture::user(9);
        user.email = new.email;
        user.birth_date = new.birth_date;
        Ok(user)
    });
    let body = json!({
        "email": "grace@example.com", "password": "correct horse battery",
        "first_name": "Grace", "last_name": "Hopper", "birth_date": fixture::birth_date(),
    });

    let answer = call(ports.app(), request(Method::POST, "/users", None, Some(body))).await;

    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text());
    assert_eq!(answer.header(header::LOCATION), Some("/users/9"));
    assert_eq!(answer.header(header::CACHE_CONTROL), Some("no-store"));
    assert_eq!(answer.json()["email"], "grace@example.com");
}

#[tokio::test]
async fn personal_data_is_not_stored_by_caches() {
    let mut ports = Ports::default();
    ports.properties.expect_find().returning(|_| Ok(Some(fixture::property(3))));
    ports.audit.expect_property_history().returning(|_| Ok(vec![]));
    ports.users.expect_list().returning(|_| Ok(Page { items: vec![fixture::user(1)], more: false }));
    let app = ports.app();

    for (uri, token) in [("/users/me", OWNER), ("/users", ADMIN), ("/properties/1/history", OWNER)] {
        let answer = call(app.clone(), request(Method::GET, uri, Some(token), None)).await;

        assert_eq!(answer.status, StatusCode::OK, "{uri}: {}", answer.text());
        assert_eq!(answer.header(header::CACHE_CONTROL), Some("no-store"), "{uri}");
    }
}

#[tokio::test]
async fn a_token_is_not_stored_by_caches() {
    let mut ports = Ports::default();
    ports.throttle.expect_recent_failures().returning(|_, _| Ok(vec![]));
    ports.users.expect_find_by_email().returning(|_| Ok(Some(fixture::user(2))));
    ports.hasher.expect_verify().returning(|_, _| Ok(true));
    ports.tokens.expect_issue().returning(|_, _| {
        Ok(realty_domain::ports::IssuedToken { token: "v4.public.issued".into(), expires_in_secs: 3600 })
    });
    let body = json!({"email": "user2@example.com", "password": "correct horse battery"});

    let answer = call(ports.app(), request(Method::POST, "/auth/token", None, Some(body))).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.header(header::CACHE_CONTROL), Some("no-store"));
    assert_eq!(
        answer.json(),
        json!({"access_token": "v4.public.issued", "token_type": "Bearer", "expires_in": 3600})
    );
}

// ---- If-Match reaching the locked edit ------------------------------------------------

/// `PATCH /properties/1` with `If-Match: if_match`, the property at
/// `current` when the edit runs: the answer, and what the edit decided.
async fn patch_with_if_match(
    if_match: &'static str,
    current: i64,
) -> (fixture::Answer, Result<Edit, String>) {
    let decided = std::sync::Arc::new(std::sync::Mutex::new(None));
    let mut ports = Ports::default();
    let seen = std::sync::Arc::clone(&decided);
    ports.properties.expect_edit().returning(move |id, decide| {
        assert_eq!(id, PropertyId(1));
        let property = fixture::property(current);
        let decision = decide(&property);
        *seen.lock().expect("not poisoned") =
            Some(decision.as_ref().map(Clone::clone).map_err(ToString::to_string));
        decision.map(|_| Edited { property: Some(fixture::property(current + 1)), room: None })
    });
    let mut request = request(Method::PATCH, "/properties/1", Some(OWNER), Some(json!({"name": "Renamed"})));
    request.headers_mut().insert(header::IF_MATCH, HeaderValue::from_static(if_match));

    let answer = call(ports.app(), request).await;
    let decision = decided.lock().expect("not poisoned").take().expect("the edit ran");
    (answer, decision)
}

#[tokio::test]
async fn an_if_match_list_naming_the_current_version_applies_the_change() {
    let (answer, decision) = patch_with_if_match("\"7\", W/\"3\", \"5\"", 5).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.header(header::ETAG), Some("\"6\""));
    let Ok(Edit::Apply { change: PropertyChange::Update(update), .. }) = decision else {
        panic!("expected an update, the edit decided {decision:?}");
    };
    assert_eq!(update.name.as_ref().map(|name| name.as_str()), Some("Renamed"));
}

#[tokio::test]
async fn a_weak_tag_of_the_current_version_does_not_match_if_match() {
    let (answer, decision) = patch_with_if_match("\"7\", W/\"3\", \"5\"", 3).await;

    let problem = problem(&answer, StatusCode::PRECONDITION_FAILED, "precondition-failed");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("the current version is 3"));
    assert_eq!(decision.map_err(|error| error.contains("the current version is 3")), Err(true));
}

#[tokio::test]
async fn if_match_star_applies_to_any_current_version() {
    let (answer, decision) = patch_with_if_match("*", 41).await;

    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(matches!(decision, Ok(Edit::Apply { .. })), "{decision:?}");
}

#[tokio::test]
async fn a_malformed_if_match_is_a_400_before_the_edit() {
    let mut request = request(Method::PATCH, "/properties/1", Some(OWNER), Some(json!({"name": "Renamed"})));
    request.headers_mut().insert(header::IF_MATCH, HeaderValue::from_static("5"));

    let answer = call(Ports::default().app(), request).await;

    problem(&answer, StatusCode::BAD_REQUEST, "bad-request");
}

#[tokio::test]
async fn a_room_write_answers_with_the_propertys_new_etag() {
    let mut ports = Ports::default();
    ports.properties.expect_edit().returning(|_, decide| {
        let property = fixture::property(4);
        decide(&property)?;
        Ok(Edited { property: Some(fixture::property(5)), room: None })
    });
    let mut request = request(Method::DELETE, "/properties/1/rooms/10", Some(OWNER), None);
    request.headers_mut().insert(header::IF_MATCH, HeaderValue::from_static("\"4\""));

    let answer = call(ports.app(), request).await;

    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text());
    assert_eq!(answer.header(header::ETAG), Some("\"5\""));
}

// ---- request id and security headers -----------------------------------------------------

#[tokio::test]
async fn a_clients_request_id_is_echoed() {
    let mut request = request(Method::GET, "/health", None, None);
    request.headers_mut().insert("x-request-id", HeaderValue::from_static("trace-me-123"));

    let answer = call(Ports::default().app(), request).await;

    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("x-request-id"), Some("trace-me-123"));
}

#[tokio::test]
async fn a_missing_or_odd_request_id_is_replaced_by_a_generated_one() {
    let app = Ports::default().app();
    let mut odd = request(Method::GET, "/health", None, None);
    odd.headers_mut().insert("x-request-id", HeaderValue::from_static("has space"));

    for request in [request(Method::GET, "/health", None, None), odd] {
        let answer = call(app.clone(), request).await;

        let id = answer.header("x-request-id").expect("a request id");
        assert!(uuid_like(id), "{id}");
    }
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
}

#[tokio::test]
async fn every_answer_says_nosniff() {
    let app = Ports::default().app();

    for uri in ["/health", "/no/such/route", "/properties?colour=red"] {
        let answer = call(app.clone(), request(Method::GET, uri, None, None)).await;

        assert_eq!(answer.header(header::X_CONTENT_TYPE_OPTIONS), Some("nosniff"), "{uri}");
        assert_eq!(answer.header(header::X_FRAME_OPTIONS), Some("DENY"), "{uri}");
    }
}
