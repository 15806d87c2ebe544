//! Configuration: command-line flags backed by `REALTY_*` environment
//! variables, grouped by what each command uses, resolved once into
//! settings under a profile's rules. Secrets (the database URL, which may
//! hold a password, and the token key) are kept in `SecretString`, which no
//! `Debug` or log line prints.

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::HeaderValue;
use clap::{Args, ValueEnum};
use realty_adapters_db::PoolOptions;
use realty_adapters_http::auth::{HashCost, generate_key};
use realty_adapters_http::rate_limit::{RateLimitConfig, parse_trusted_proxies};
use realty_adapters_http::server::ServerConfig;
use realty_adapters_http::{HttpConfig, MetricsRoute};
use realty_app::LoginPolicy;
use secrecy::SecretString;

/// How strict the defaults are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Local development: SQLite file `realty.db`, a generated token key
    /// (with a warning), human-readable logs.
    Dev,
    /// Production: the database URL and the token key must be given; JSON logs.
    Prod,
}

/// What every command shares.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// dev or prod.
    #[arg(long, env = "REALTY_PROFILE", value_enum, default_value_t = Profile::Dev, global = true)]
    pub profile: Profile,

    /// Log filter, e.g. `info` or `realty=debug,tower_http=info`.
    #[arg(long, env = "REALTY_LOG", default_value = "info", global = true)]
    pub log: String,
}

/// The database, for every command that opens it.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `postgres://user@host/db`, `sqlite://path/to/file.db` or a file path.
    /// `DATABASE_URL` is read too. Default in dev: `sqlite://realty.db`.
    #[arg(long, env = "REALTY_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Database connections per instance.
    #[arg(long, env = "REALTY_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,

    /// Seconds a request waits for a database connection before it is
    /// answered 503 (the database is down, restarting or saturated).
    #[arg(long, env = "REALTY_DB_CONNECT_TIMEOUT_SECS", default_value_t = 3)]
    pub db_connect_timeout_secs: u64,

    /// Seconds one database call may take before it is answered 503.
    #[arg(long, env = "REALTY_DB_STATEMENT_TIMEOUT_SECS", default_value_t = 5)]
    pub db_statement_timeout_secs: u64,
}

/// The password hash's cost, for the commands that hash.
#[derive(Debug, Clone, Args)]
pub struct HashArgs {
    /// argon2id memory cost in KiB (OWASP minimum: 19456).
    #[arg(long, env = "REALTY_HASH_MEMORY_KIB", default_value_t = 19 * 1024)]
    pub hash_memory_kib: u32,

    /// argon2id passes.
    #[arg(long, env = "REALTY_HASH_ITERATIONS", default_value_t = 2)]
    pub hash_iterations: u32,
}

/// Serving the API.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    #[command(flatten)]
    pub hash: HashArgs,

    /// Address to listen on.
    #[arg(long, env = "REALTY_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Token signing key, a PASERK `k4.secret.…` from `realty keygen`. Every
    /// instance behind one load balancer must share it.
    #[arg(long, env = "REALTY_TOKEN_KEY", hide_env_values = true)]
    pub token_key: Option<String>,

    /// Access-token lifetime in seconds.
    #[arg(long, env = "REALTY_TOKEN_TTL_SECS", default_value_t = 3600)]
    pub token_ttl_secs: u64,

    /// Failed logins per email within 15 minutes before logins are refused
    /// (429); 0 turns throttling off.
    #[arg(long, env = "REALTY_LOGIN_MAX_FAILURES", default_value_t = 5)]
    pub login_max_failures: u32,

    /// Sustained requests per second per client (user, else address); 0
    /// turns rate limiting off.
    #[arg(long, env = "REALTY_RATE_LIMIT_PER_SEC", default_value_t = 10)]
    pub rate_limit_per_sec: u32,

    /// Requests a client may send at once on top of the sustained rate.
    #[arg(long, env = "REALTY_RATE_LIMIT_BURST", default_value_t = 40)]
    pub rate_limit_burst: u32,

    /// Comma-separated proxies (addresses or CIDR blocks) whose
    /// X-Forwarded-For is believed; none by default.
    #[arg(long, env = "REALTY_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,

    /// Serve /metrics on this address instead of the main one (which then
    /// answers 404 for it).
    #[arg(long, env = "REALTY_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,

    /// Record and serve metrics (`false`: no /metrics, nothing recorded).
    #[arg(long, env = "REALTY_METRICS", default_value_t = true, action = clap::ArgAction::Set)]
    pub metrics: bool,

    /// Largest request body in bytes (larger: 413).
    #[arg(long, env = "REALTY_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub body_limit_bytes: usize,

    /// Longest a request may take, in seconds (longer: 503).
    #[arg(long, env = "REALTY_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Longest a request body may pause, in seconds (longer: 400).
    #[arg(long, env = "REALTY_BODY_STALL_TIMEOUT_SECS", default_value_t = 10)]
    pub body_stall_timeout_secs: u64,

    /// Seconds a client has to send a request head, from its first byte.
    #[arg(long, env = "REALTY_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,

    /// Seconds an idle keep-alive connection stays open; above common load
    /// balancers' 60 s, so that they close first.
    #[arg(long, env = "REALTY_IDLE_TIMEOUT_SECS", default_value_t = 75)]
    pub idle_timeout_secs: u64,

    /// Connections served at once; beyond, new ones get a 503 and are
    /// closed. Lowered at start to fit the open-file limit.
    #[arg(long, env = "REALTY_MAX_CONNECTIONS", default_value_t = 1024)]
    pub max_connections: usize,

    /// Seconds in-flight requests get to finish on SIGINT/SIGTERM.
    #[arg(long, env = "REALTY_SHUTDOWN_GRACE_SECS", default_value_t = 10)]
    pub shutdown_grace_secs: u64,

    /// Comma-separated origins allowed by CORS (none by default).
    #[arg(long, env = "REALTY_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Vec<String>,
}

/// A setting that cannot be used, said so that an operator can fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "the prod profile needs REALTY_DATABASE_URL (or DATABASE_URL), e.g. postgres://realty@db.internal/realty"
    )]
    MissingDatabaseUrl,
    #[error("the prod profile needs REALTY_TOKEN_KEY; create one with `realty keygen`")]
    MissingTokenKey,
    #[error("REALTY_CORS_ORIGINS holds an invalid origin: {0:?}")]
    InvalidOrigin(String),
    #[error("REALTY_TRUSTED_PROXIES: {0}")]
    InvalidProxy(String),
    #[error("{0} must be at least 1 second")]
    ZeroTimeout(&'static str),
    #[error("could not generate a token key: {0}")]
    KeyGeneration(String),
    #[error("REALTY_METRICS_BIND is set but REALTY_METRICS is false")]
    MetricsOff,
}

/// The database to open, resolved.
#[derive(Debug, Clone)]
pub struct DatabaseSettings {
    pub url: SecretString,
    pub pool: PoolOptions,
}

/// Everything `serve` runs with, resolved.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: Profile,
    pub database: DatabaseSettings,
    pub bind: SocketAddr,
    pub metrics_bind: Option<SocketAddr>,
    pub token_key: SecretString,
    pub token_ttl: Duration,
    pub login_policy: LoginPolicy,
    pub rate_limit: RateLimitConfig,
    pub http: HttpConfig,
    pub server: ServerConfig,
    pub hash_cost: HashCost,
    /// Things worth telling the operator once logging is up.
    pub warnings: Vec<String>,
}

impl DatabaseArgs {
    /// # Errors
    /// In prod, a missing URL; a zero timeout.
    pub fn resolve(&self, profile: Profile) -> Result<DatabaseSettings, ConfigError> {
        let given = self.database_url.clone().or_else(|| std::env::var("DATABASE_URL").ok());
        let url = match (given, profile) {
            (Some(url), _) => url,
            (None, Profile::Dev) => "sqlite://realty.db".to_owned(),
            (None, Profile::Prod) => return Err(ConfigError::MissingDatabaseUrl),
        };
        Ok(DatabaseSettings {
            url: SecretString::from(url),
            pool: PoolOptions {
                max_size: self.db_pool_size.max(1),
                connection_timeout: seconds(self.db_connect_timeout_secs, "REALTY_DB_CONNECT_TIMEOUT_SECS")?,
                statement_timeout: seconds(
                    self.db_statement_timeout_secs,
                    "REALTY_DB_STATEMENT_TIMEOUT_SECS",
                )?,
            },
        })
    }
}

impl HashArgs {
    pub fn cost(&self) -> HashCost {
        HashCost { memory_kib: self.hash_memory_kib, iterations: self.hash_iterations }
    }
}

impl ServeArgs {
    /// Applies the profile's rules.
    ///
    /// # Errors
    /// In prod, a missing database URL or token key; in any profile, an
    /// invalid CORS origin or proxy, or a zero timeout.
    pub fn resolve(&self, profile: Profile) -> Result<Settings, ConfigError> {
        let mut warnings = Vec::new();
        let token_key = match (&self.token_key, profile) {
            (Some(key), _) => key.clone(),
            (None, Profile::Prod) => return Err(ConfigError::MissingTokenKey),
            (None, Profile::Dev) => {
                warnings.push(
                    "REALTY_TOKEN_KEY is not set: using a key generated for this run; tokens will not \
                     survive a restart nor work on another instance (fine for development only)"
                        .to_owned(),
                );
                generate_key().map_err(|error| ConfigError::KeyGeneration(error.to_string()))?
            }
        };
        let cors_origins = self
            .cors_origins
            .iter()
            .filter(|origin| !origin.trim().is_empty())
            .map(|origin| {
                HeaderValue::from_str(origin.trim()).map_err(|_| ConfigError::InvalidOrigin(origin.clone()))
            })
            .collect::<Result<_, _>>()?;
        let database = self.database.resolve(profile)?;
        let (max_connections, limit_warning) =
            fit_open_files(self.max_connections, database.pool.most_connections());
        warnings.extend(limit_warning);
        Ok(Settings {
            profile,
            database,
            bind: self.bind,
            metrics_bind: self.metrics_bind,
            token_key: SecretString::from(token_key),
            token_ttl: Duration::from_secs(self.token_ttl_secs),
            login_policy: LoginPolicy { max_failures: self.login_max_failures, ..LoginPolicy::default() },
            rate_limit: RateLimitConfig {
                per_second: self.rate_limit_per_sec,
                burst: self.rate_limit_burst,
                trusted_proxies: parse_trusted_proxies(&self.trusted_proxies)
                    .map_err(ConfigError::InvalidProxy)?,
            },
            http: HttpConfig {
                body_limit_bytes: self.body_limit_bytes,
                request_timeout: seconds(self.request_timeout_secs, "REALTY_REQUEST_TIMEOUT_SECS")?,
                body_stall_timeout: seconds(self.body_stall_timeout_secs, "REALTY_BODY_STALL_TIMEOUT_SECS")?,
                cors_origins,
                metrics: match (self.metrics, self.metrics_bind) {
                    (false, None) => MetricsRoute::Off,
                    (false, Some(_)) => return Err(ConfigError::MetricsOff),
                    (true, None) => MetricsRoute::Main,
                    (true, Some(_)) => MetricsRoute::Apart,
                },
            },
            server: ServerConfig {
                max_connections,
                header_timeout: seconds(self.header_timeout_secs, "REALTY_HEADER_TIMEOUT_SECS")?,
                idle_timeout: seconds(self.idle_timeout_secs, "REALTY_IDLE_TIMEOUT_SECS")?,
                shutdown_grace: seconds(self.shutdown_grace_secs, "REALTY_SHUTDOWN_GRACE_SECS")?,
            },
            hash_cost: self.hash.cost(),
            warnings,
        })
    }
}

fn seconds(value: u64, name: &'static str) -> Result<Duration, ConfigError> {
    if value == 0 { Err(ConfigError::ZeroTimeout(name)) } else { Ok(Duration::from_secs(value)) }
}

/// Descriptors a process needs besides its connections: the listeners,
/// the database pool, files and the runtime's own.
const RESERVED_FILES: u64 = 64;

/// The connection cap, lowered to fit the open-file limit: past it, accept
/// fails with "too many open files" and the service stops answering; under
/// it, extra clients get a clean 503. Returns the cap and a warning when
/// lowered.
fn fit_open_files(wanted: usize, database_connections: u32) -> (usize, Option<String>) {
    let Ok((soft, _)) = rlimit::getrlimit(rlimit::Resource::NOFILE) else {
        return (wanted, None);
    };
    let available = soft.saturating_sub(RESERVED_FILES + u64::from(database_connections));
    let available = usize::try_from(available).unwrap_or(usize::MAX).max(1);
    if wanted <= available {
        return (wanted, None);
    }
    let warning = format!(
        "REALTY_MAX_CONNECTIONS={wanted} does not fit the open-file limit ({soft}); serving at most {available} \
         connections (raise the limit with `ulimit -n` or the service manager's LimitNOFILE)"
    );
    (available, Some(warning))
}
