//! Configuration: command-line flags backed by `REALTY_*` environment
//! variables, resolved once into [`Settings`] under a profile's rules.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use axum::http::HeaderValue;
use clap::{Args, ValueEnum};
use realty_adapters_db::PoolOptions;
use realty_adapters_http::HttpConfig;
use realty_adapters_http::auth::{HashCost, generate_key};
use realty_app::LoginPolicy;

/// How strict the defaults are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Local development: SQLite file `realty.db`, a generated token key
    /// (with a warning), human-readable logs.
    Dev,
    /// Production: the database URL and the token key must be given; JSON logs.
    Prod,
}

/// Every setting, as flags or environment variables (`realty --help`).
#[derive(Debug, Clone, Args)]
pub struct ConfigArgs {
    /// dev or prod.
    #[arg(long, env = "REALTY_PROFILE", value_enum, default_value_t = Profile::Dev, global = true)]
    pub profile: Profile,

    /// `postgres://user@host/db`, `sqlite://path/to/file.db` or a file path.
    /// `DATABASE_URL` is read too. Default in dev: `sqlite://realty.db`.
    #[arg(long, env = "REALTY_DATABASE_URL", global = true)]
    pub database_url: Option<String>,

    /// Address to listen on.
    #[arg(long, env = "REALTY_BIND", default_value = "127.0.0.1:8080", global = true)]
    pub bind: SocketAddr,

    /// Token signing key, a PASERK `k4.secret.…` from `realty keygen`. Every
    /// instance behind one load balancer must share it.
    #[arg(long, env = "REALTY_TOKEN_KEY", hide_env_values = true, global = true)]
    pub token_key: Option<String>,

    /// Access-token lifetime in seconds.
    #[arg(long, env = "REALTY_TOKEN_TTL_SECS", default_value_t = 3600, global = true)]
    pub token_ttl_secs: u64,

    /// Log filter, e.g. `info` or `realty=debug,tower_http=info`.
    #[arg(long, env = "REALTY_LOG", default_value = "info", global = true)]
    pub log: String,

    /// Failed logins per email within 15 minutes before logins are refused (429).
    #[arg(long, env = "REALTY_LOGIN_MAX_FAILURES", default_value_t = 5, global = true)]
    pub login_max_failures: u32,

    /// Database connections per instance.
    #[arg(long, env = "REALTY_DB_POOL_SIZE", default_value_t = 10, global = true)]
    pub db_pool_size: u32,

    /// Largest request body in bytes (larger: 413).
    #[arg(long, env = "REALTY_BODY_LIMIT_BYTES", default_value_t = 1024 * 1024, global = true)]
    pub body_limit_bytes: usize,

    /// Longest a request may take, in seconds (longer: 503).
    #[arg(long, env = "REALTY_REQUEST_TIMEOUT_SECS", default_value_t = 30, global = true)]
    pub request_timeout_secs: u64,

    /// Comma-separated origins allowed by CORS (none by default).
    #[arg(long, env = "REALTY_CORS_ORIGINS", value_delimiter = ',', global = true)]
    pub cors_origins: Vec<String>,

    /// argon2id memory cost in KiB (OWASP minimum: 19456).
    #[arg(long, env = "REALTY_HASH_MEMORY_KIB", default_value_t = 19 * 1024, global = true)]
    pub hash_memory_kib: u32,

    /// argon2id passes.
    #[arg(long, env = "REALTY_HASH_ITERATIONS", default_value_t = 2, global = true)]
    pub hash_iterations: u32,
}

/// A value that must not appear in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
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
    #[error("could not generate a token key: {0}")]
    KeyGeneration(String),
}

/// The resolved configuration the service runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub profile: Profile,
    pub database_url: String,
    pub bind: SocketAddr,
    pub token_key: Secret,
    pub token_ttl: Duration,
    pub login_policy: LoginPolicy,
    pub pool: PoolOptions,
    pub http: HttpConfig,
    pub hash_cost: HashCost,
    /// Things worth telling the operator once logging is up.
    pub warnings: Vec<String>,
}

impl Settings {
    /// Applies the profile's rules to the raw arguments.
    ///
    /// # Errors
    /// In prod, a missing database URL or token key; in any profile, an
    /// invalid CORS origin.
    pub fn resolve(args: &ConfigArgs) -> Result<Self, ConfigError> {
        let mut warnings = Vec::new();
        let given = args.database_url.clone().or_else(|| std::env::var("DATABASE_URL").ok());
        let database_url = match (given, args.profile) {
            (Some(url), _) => url,
            (None, Profile::Dev) => "sqlite://realty.db".to_owned(),
            (None, Profile::Prod) => return Err(ConfigError::MissingDatabaseUrl),
        };
        let token_key = match (&args.token_key, args.profile) {
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
        let cors_origins = args
            .cors_origins
            .iter()
            .filter(|origin| !origin.trim().is_empty())
            .map(|origin| {
                HeaderValue::from_str(origin.trim()).map_err(|_| ConfigError::InvalidOrigin(origin.clone()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            profile: args.profile,
            database_url,
            bind: args.bind,
            token_key: Secret::new(token_key),
            token_ttl: Duration::from_secs(args.token_ttl_secs),
            login_policy: LoginPolicy { max_failures: args.login_max_failures, ..LoginPolicy::default() },
            pool: PoolOptions { max_size: args.db_pool_size.max(1), ..PoolOptions::default() },
            http: HttpConfig {
                body_limit_bytes: args.body_limit_bytes,
                request_timeout: Duration::from_secs(args.request_timeout_secs.max(1)),
                cors_origins,
            },
            hash_cost: HashCost { memory_kib: args.hash_memory_kib, iterations: args.hash_iterations },
            warnings,
        })
    }
}
