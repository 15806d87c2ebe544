//! The composition root: reads the settings, builds the adapters, wires the
//! use cases and serves them. The binary (`main.rs`) and the black-box tests
//! start the service the same way, through [`Application::build`].

pub mod clock;
pub mod seed;
pub mod settings;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use realty_adapters_db::{Database, DbError};
use realty_adapters_http::auth::{Argon2Hasher, PasetoTokens, TokenKeyError};
use realty_adapters_http::{AppState, Readiness, ServiceInfo};
use realty_app::{Accounts, Properties, PropertyTypes};
use realty_domain::DomainError;
use realty_domain::ports::Clock;
use tokio::net::TcpListener;

pub use settings::{Profile, Settings};

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] DbError),
    #[error(transparent)]
    TokenKey(#[from] TokenKeyError),
    #[error("password hasher: {0}")]
    Hasher(DomainError),
    #[error("cannot listen on {address}: {source}")]
    Bind { address: SocketAddr, source: std::io::Error },
}

/// The use cases wired to their adapters, for the CLI commands that do not
/// serve HTTP (create-admin, seed).
#[derive(Clone, Debug)]
pub struct Services {
    pub db: Database,
    pub accounts: Accounts,
    pub properties: Properties,
    pub property_types: PropertyTypes,
}

impl Services {
    /// Connects to the database, migrates it and wires every use case.
    ///
    /// # Errors
    /// When the database is unreachable or a setting is unusable.
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let db = Database::connect(&settings.database_url, settings.pool).await?;
        db.migrate().await?;
        let shared = Arc::new(db.clone());
        let clock: Arc<dyn Clock> = Arc::new(clock::SystemClock);
        let hasher = Arc::new(Argon2Hasher::new(settings.hash_cost).map_err(StartupError::Hasher)?);
        let tokens = Arc::new(PasetoTokens::from_paserk(settings.token_key.expose(), settings.token_ttl)?);
        let accounts = Accounts::new(
            shared.clone(),
            hasher,
            tokens,
            shared.clone(),
            clock.clone(),
            settings.login_policy,
        );
        let properties = Properties::new(shared.clone(), shared.clone(), clock.clone());
        let property_types = PropertyTypes::new(shared, clock);
        Ok(Self { db, accounts, properties, property_types })
    }
}

/// The service, bound to its address and ready to run.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    db: Database,
}

impl Application {
    /// Builds everything and binds the listener (port 0 picks a free port,
    /// which tests read back with [`Application::local_addr`]).
    ///
    /// # Errors
    /// See [`StartupError`].
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        let services = Services::build(settings).await?;
        let state = AppState {
            accounts: services.accounts,
            properties: services.properties,
            property_types: services.property_types,
            readiness: Arc::new(DatabaseReadiness(services.db.clone())),
            info: ServiceInfo {
                name: env!("CARGO_PKG_NAME"),
                version: env!("CARGO_PKG_VERSION"),
                database: services.db.backend(),
            },
        };
        let router = realty_adapters_http::router(state, &settings.http);
        let listener = TcpListener::bind(settings.bind)
            .await
            .map_err(|source| StartupError::Bind { address: settings.bind, source })?;
        Ok(Self { listener, router, db: services.db })
    }

    /// # Errors
    /// When the socket has no local address (it always has, once bound).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets
    /// in-flight requests finish and closes the pool.
    ///
    /// # Errors
    /// When the listener fails.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let Self { listener, router, db } = self;
        axum::serve(listener, router).with_graceful_shutdown(shutdown).await?;
        drop(db);
        tracing::info!("stopped");
        Ok(())
    }
}

struct DatabaseReadiness(Database);

#[async_trait]
impl Readiness for DatabaseReadiness {
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|error| error.to_string())
    }
}
