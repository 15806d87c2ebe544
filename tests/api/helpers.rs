//! Starting the service for a test and talking to it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use realty::{Application, DatabaseSettings, Profile, Services, Settings};
use realty_adapters_http::HttpConfig;
use realty_adapters_http::auth::{HashCost, generate_key};
use realty_adapters_http::rate_limit::RateLimitConfig;
use realty_adapters_http::server::ServerConfig;
use realty_app::LoginPolicy;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates one `#[tokio::test]` per backend for each listed
/// `async fn name(app: TestApp)`: `sqlite::name` always, `postgres::name`
/// when `TEST_DATABASE_URL` is set (else it says it skipped, and fails
/// when `REALTY_REQUIRE_POSTGRES=1`, as in CI).
#[macro_export]
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await.unwrap();
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

/// A running service with its own empty database.
pub struct TestApp {
    pub address: String,
    /// The base URL of the metrics listener, when `/metrics` has its own.
    pub metrics_address: Option<String>,
    pub client: reqwest::Client,
    pub settings: Settings,
    counter: AtomicU64,
    _database: Arc<TestDatabase>,
}

/// Keeps the database alive for the test and removes it afterwards.
enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { base_url: String, schema: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Self::Postgres { base_url, schema } = self {
            let (base_url, schema) = (base_url.clone(), schema.clone());
            // Drop runs inside the test's runtime, which cannot block on
            // itself: clean up from a thread with its own.
            let cleanup = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(async {
                    if let Ok(client) = pg_client(&base_url).await {
                        let _ =
                            client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).await;
                    }
                });
            });
            let _ = cleanup.join();
        }
    }
}

pub async fn pg_client(url: &str) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// The PostgreSQL server to test against, or `None` to skip.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("REALTY_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "REALTY_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set: the PostgreSQL tests would be skipped"
            );
            eprintln!("skipped: set TEST_DATABASE_URL to run the PostgreSQL variant");
            None
        }
    }
}

/// Starts the service on a free port with a fresh database.
pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// The PostgreSQL URL of a new, empty schema (for the fault tests, which
/// put a proxy between the service and the server), or `None` to skip.
pub async fn postgres_schema() -> Option<(String, String, String)> {
    let base_url = postgres_url()?;
    let schema = format!("api_{}", uuid::Uuid::new_v4().simple());
    let client = pg_client(&base_url).await.expect("TEST_DATABASE_URL must point at a running PostgreSQL");
    client.batch_execute(&format!("CREATE SCHEMA {schema}")).await.unwrap();
    let separator = if base_url.contains('?') { '&' } else { '?' };
    let url = format!("{base_url}{separator}options=-csearch_path%3D{schema}");
    Some((url, base_url, schema))
}

/// Starts the service with settings adjusted by `adjust` (rate limits,
/// timeouts, the database URL…).
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let (database_url, database) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("realty.db").display());
            (url, TestDatabase::Sqlite(dir))
        }
        Backend::Postgres => {
            let (url, base_url, schema) = postgres_schema().await?;
            (url, TestDatabase::Postgres { base_url, schema })
        }
    };
    let mut settings = test_settings(database_url);
    adjust(&mut settings);
    let (address, metrics_address) = start(&settings).await;
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    Some(TestApp {
        address,
        metrics_address,
        client,
        settings,
        counter: AtomicU64::new(0),
        _database: Arc::new(database),
    })
}

/// The settings every test app starts from, on `database_url`: a free
/// port, a small pool, no rate limit, a cheap password hash.
pub fn test_settings(database_url: String) -> Settings {
    Settings {
        profile: Profile::Dev,
        database: DatabaseSettings {
            url: SecretString::from(database_url),
            pool: realty_adapters_db::PoolOptions { max_size: 5, ..Default::default() },
        },
        bind: "127.0.0.1:0".parse().unwrap(),
        metrics_bind: None,
        token_key: SecretString::from(generate_key().unwrap()),
        token_ttl: Duration::from_secs(3600),
        login_policy: LoginPolicy::default(),
        // Off unless a test is about it: the suite sends bursts from one
        // address.
        rate_limit: RateLimitConfig { per_second: 0, burst: 1, trusted_proxies: Vec::new() },
        http: HttpConfig { body_limit_bytes: 64 * 1024, ..HttpConfig::default() },
        server: ServerConfig::default(),
        // Cheaper than production so the suite stays fast; the code path
        // (argon2id on the hashing threads) is the same.
        hash_cost: HashCost { memory_kib: 1024, iterations: 1 },
        warnings: Vec::new(),
    }
}

/// Builds and starts one instance; returns its base URL and that of its
/// metrics listener, when it has one.
async fn start(settings: &Settings) -> (String, Option<String>) {
    let app = Application::build(settings).await.unwrap();
    let address = format!("http://{}", app.local_addr().unwrap());
    let metrics_address = app.metrics_addr().map(|address| format!("http://{address}"));
    tokio::spawn(app.run_until(std::future::pending()));
    (address, metrics_address)
}

/// Whether the app runs on PostgreSQL.
pub fn on_postgres(settings: &Settings) -> bool {
    settings.database.url.expose_secret().starts_with("postgres")
}

/// A registered user and a token of theirs.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    pub token: String,
}

pub const PASSWORD: &str = "correct horse battery";

impl TestApp {
    /// A second instance of the service on another port, sharing this one's
    /// database and token key: what a load balancer would spread requests over.
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(|_| {}).await
    }

    /// Another instance on the same database and token key, with settings
    /// adjusted by `adjust` (say, without the rate limit this one has).
    pub async fn another_instance_with(&self, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        adjust(&mut settings);
        let (address, metrics_address) = start(&settings).await;
        TestApp {
            address,
            metrics_address,
            client: self.client.clone(),
            settings,
            counter: AtomicU64::new(1_000_000 + self.counter.load(Ordering::Relaxed)),
            _database: Arc::clone(&self._database),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str, body: &Value) -> RequestBuilder {
        self.request(Method::POST, path).json(body)
    }

    pub fn patch(&self, path: &str, body: &Value) -> RequestBuilder {
        self.request(Method::PATCH, path).json(body)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.request(Method::DELETE, path)
    }

    /// A unique email for this app.
    pub fn email(&self, name: &str) -> String {
        format!("{name}-{}@example.com", self.counter.fetch_add(1, Ordering::Relaxed))
    }

    /// Registers a new user and logs them in.
    pub async fn user(&self, name: &str) -> TestUser {
        let email = self.email(name);
        let response = self
            .post(
                "/users",
                &json!({"email": email, "password": PASSWORD, "first_name": name, "last_name": "Tester"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "registering {email}");
        let id = response.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
        let token = self.login(&email, PASSWORD).await;
        TestUser { id, email, token }
    }

    /// A user promoted to admin through the same use case `realty create-admin` runs.
    pub async fn admin(&self) -> TestUser {
        let mut user = self.user("admin").await;
        let services = Services::for_command(&self.settings.database, self.settings.hash_cost).await.unwrap();
        services.accounts.ensure_admin(&user.email, PASSWORD).await.unwrap();
        user.token = self.login(&user.email, PASSWORD).await;
        user
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let response =
            self.post("/auth/token", &json!({"email": email, "password": password})).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "logging in {email}");
        response.json::<Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates a property owned by `user`; returns its JSON.
    pub async fn property(&self, user: &TestUser, city: &str, rooms: usize) -> Value {
        let rooms: Vec<Value> = (0..rooms)
            .map(|i| json!({"name": format!("Room {i}"), "kind": "bedroom", "area_m2": 10.0 + i as f64}))
            .collect();
        let body = json!({"name": "Test property", "property_type": "house", "city": city, "rooms": rooms});
        let response = self.post("/properties", &body).bearer_auth(&user.token).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "creating a property");
        response.json().await.unwrap()
    }
}

/// Asserts the response is a problem with `status`; returns its body.
pub async fn assert_problem(response: Response, status: StatusCode) -> Value {
    assert_eq!(response.status(), status, "status of {}", response.url());
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "problem media type");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], status.as_u16(), "status in the body");
    assert!(body["type"].is_string() && body["title"].is_string() && body["detail"].is_string(), "{body}");
    body
}

/// The fields a validation problem names.
pub fn problem_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors.iter().map(|error| error["field"].as_str().unwrap_or_default().to_owned()).collect()
        })
        .unwrap_or_default()
}

/// The service's log lines that name a request, captured in memory for the
/// whole test binary: the service runs on the test runtime's worker
/// threads, so a thread-local subscriber would miss them. Installed once as
/// the global subscriber by the first test that asks; INFO and above.
#[derive(Debug)]
pub struct LogCapture {
    lines: std::sync::Mutex<Vec<String>>,
}

impl LogCapture {
    /// The first captured line holding every one of `needles`.
    pub fn line_with(&self, needles: &[&str]) -> Option<String> {
        let lines = self.lines.lock().unwrap();
        lines.iter().find(|line| needles.iter().all(|needle| line.contains(needle))).cloned()
    }
}

impl std::io::Write for &'static LogCapture {
    fn write(&mut self, buffer: &[u8]) -> std::io::Result<usize> {
        // The fmt layer writes each event whole, in one call.
        let line = String::from_utf8_lossy(buffer);
        if line.contains("request_id=") {
            self.lines.lock().unwrap().push(line.into_owned());
        }
        Ok(buffer.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The log capture, installed on first use.
pub fn log_capture() -> &'static LogCapture {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::{Layer as _, filter::LevelFilter, fmt};

    static CAPTURE: std::sync::OnceLock<&'static LogCapture> = std::sync::OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static LogCapture =
            Box::leak(Box::new(LogCapture { lines: std::sync::Mutex::new(Vec::new()) }));
        let layer = fmt::layer().with_ansi(false).with_writer(move || capture).with_filter(LevelFilter::INFO);
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .expect("no other global subscriber in the test binary");
        capture
    })
}
