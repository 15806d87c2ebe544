//! The composition root: reads the settings, builds the adapters, wires the
//! use cases and serves them. The binary (`main.rs`) and the black-box tests
//! start the service the same way, through [`Application::build`].

pub mod clock;
pub mod logging;
pub mod seed;
pub mod settings;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use realty_adapters_db::{Database, DbError};
use realty_adapters_http::auth::{Argon2Hasher, HashCost, PasetoTokens, TokenKeyError};
use realty_adapters_http::metrics::{Gauge, Metrics, NamedGauge};
use realty_adapters_http::rate_limit::RateLimiter;
use realty_adapters_http::{AppState, MetricsRoute, Readiness, ServiceInfo, Shared};
use realty_app::{Accounts, Idempotency, LoginPolicy, Properties, PropertyTypes};
use realty_domain::DomainError;
use realty_domain::ports::Clock;
use secrecy::{ExposeSecret, SecretString};
use tokio::net::TcpListener;

pub use settings::{DatabaseSettings, Profile, Settings};

/// Why the service could not start. Its `source` chain holds the cause,
/// which `main` prints whole.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("the database could not be opened or migrated")]
    Database(#[from] DbError),
    #[error("the token key is unusable")]
    TokenKey(#[from] TokenKeyError),
    #[error("the password hasher could not start")]
    Hasher(#[source] DomainError),
    #[error("cannot listen on {address}")]
    Bind {
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// The use cases wired to their adapters, for the CLI commands that do not
/// serve HTTP (create-admin, seed).
#[derive(Clone, Debug)]
pub struct Services {
    pub db: Database,
    pub accounts: Accounts,
    pub properties: Properties,
    pub property_types: PropertyTypes,
    pub idempotency: Idempotency,
    pub hasher: Argon2Hasher,
}

impl Services {
    /// Connects to the database, migrates it and wires every use case.
    ///
    /// # Errors
    /// When the database is unreachable or a setting is unusable.
    pub async fn build(
        database: &DatabaseSettings,
        hash_cost: HashCost,
        token_key: &SecretString,
        token_ttl: Duration,
        login_policy: LoginPolicy,
        lease: Duration,
    ) -> Result<Self, StartupError> {
        let db = Database::connect(database.url.expose_secret(), database.pool).await?;
        db.migrate().await?;
        let shared = Arc::new(db.clone());
        let clock: Arc<dyn Clock> = Arc::new(clock::SystemClock);
        let hasher = Argon2Hasher::new(hash_cost).map_err(StartupError::Hasher)?;
        let tokens = Arc::new(PasetoTokens::from_paserk(token_key.expose_secret(), token_ttl)?);
        let accounts = Accounts::new(
            shared.clone(),
            Arc::new(hasher.clone()),
            tokens,
            shared.clone(),
            clock.clone(),
            login_policy,
        );
        let properties = Properties::new(shared.clone(), shared.clone(), clock.clone());
        let property_types = PropertyTypes::new(shared.clone(), clock.clone());
        let idempotency = Idempotency::new(shared, clock, lease);
        Ok(Self { db, accounts, properties, property_types, idempotency, hasher })
    }

    /// The use cases for a command that does not serve: any token key does
    /// (no token is issued).
    ///
    /// # Errors
    /// As [`Services::build`].
    pub async fn for_command(database: &DatabaseSettings, hash_cost: HashCost) -> Result<Self, StartupError> {
        let key = realty_adapters_http::auth::generate_key().map_err(StartupError::Hasher)?;
        let lease = Duration::from_secs(60);
        Self::build(database, hash_cost, &SecretString::from(key), lease, LoginPolicy::default(), lease).await
    }
}

/// The service, bound to its address(es) and ready to run.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    metrics_listener: Option<TcpListener>,
    routers: realty_adapters_http::Routers,
    settings: Settings,
    services: Services,
    rate_limiter: Option<Arc<RateLimiter>>,
    metrics: Arc<Metrics>,
}

impl Application {
    /// Builds everything and binds the listener (port 0 picks a free port,
    /// which tests read back with [`Application::local_addr`]).
    ///
    /// # Errors
    /// See [`StartupError`].
    pub async fn build(settings: &Settings) -> Result<Self, StartupError> {
        // A claim outlives any request that could hold it.
        let lease = settings.http.request_timeout * 2;
        let services = Services::build(
            &settings.database,
            settings.hash_cost,
            &settings.token_key,
            settings.token_ttl,
            settings.login_policy,
            lease,
        )
        .await?;
        let info = ServiceInfo {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
            database: services.db.backend(),
        };
        let rate_limiter = RateLimiter::new(&settings.rate_limit).map(Arc::new);
        let metrics = Arc::new(if settings.http.metrics == MetricsRoute::Off {
            Metrics::off()
        } else {
            Metrics::new(&info, gauges(&services, rate_limiter.as_ref()))
        });
        let state = AppState::new(Shared {
            accounts: services.accounts.clone(),
            properties: services.properties.clone(),
            property_types: services.property_types.clone(),
            idempotency: services.idempotency.clone(),
            readiness: Arc::new(DatabaseReadiness(services.db.clone())),
            info,
            metrics: Arc::clone(&metrics),
            rate_limiter: rate_limiter.clone(),
            trusted_proxies: settings.rate_limit.trusted_proxies.clone().into(),
        });
        let routers = realty_adapters_http::router(state, &settings.http);
        let listener = bind(settings.bind).await?;
        let metrics_listener = match settings.metrics_bind {
            Some(address) => Some(bind(address).await?),
            None => None,
        };
        Ok(Self {
            listener,
            metrics_listener,
            routers,
            settings: settings.clone(),
            services,
            rate_limiter,
            metrics,
        })
    }

    /// # Errors
    /// When the socket has no local address (it always has, once bound).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The metrics listener's address, when it has its own.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|listener| listener.local_addr().ok())
    }

    /// Serves until `shutdown` resolves, then stops accepting, lets
    /// in-flight requests finish (up to the shutdown grace) and closes the
    /// pool.
    ///
    /// # Errors
    /// When the listener fails.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let Self {
            listener,
            metrics_listener,
            routers,
            settings,
            services,
            rate_limiter,
            metrics: metrics_handle,
        } = self;
        let housekeeping =
            tokio::spawn(housekeeping(services.idempotency.clone(), rate_limiter, metrics_handle));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let metrics = metrics_listener.zip(routers.metrics).map(|(listener, router)| {
            let mut stopped = stopped.clone();
            let config = settings.server.clone();
            tokio::spawn(async move {
                let signal = async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                };
                realty_adapters_http::server::serve(listener, router, config, signal).await
            })
        });
        let outcome =
            realty_adapters_http::server::serve(listener, routers.api, settings.server.clone(), async move {
                shutdown.await;
                let _ = stop.send(true);
            })
            .await;
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        housekeeping.abort();
        drop(services);
        tracing::info!("stopped");
        outcome
    }
}

async fn bind(address: SocketAddr) -> Result<TcpListener, StartupError> {
    TcpListener::bind(address).await.map_err(|source| StartupError::Bind { address, source })
}

/// The gauges read at each scrape: the database pool, the hashing queue,
/// the rate limiter's table.
fn gauges(services: &Services, limiter: Option<&Arc<RateLimiter>>) -> Vec<NamedGauge> {
    let gauge = |name, labels, read: Gauge| NamedGauge { name, labels, read };
    let (in_use, idle, hasher) = (services.db.clone(), services.db.clone(), services.hasher.clone());
    let mut gauges = vec![
        gauge(
            "realty_db_pool_connections",
            vec![("state", "in_use")],
            Arc::new(move || f64::from(in_use.pool_state().in_use)),
        ),
        gauge(
            "realty_db_pool_connections",
            vec![("state", "idle")],
            Arc::new(move || f64::from(idle.pool_state().idle)),
        ),
        gauge("realty_password_hash_queue_depth", vec![], Arc::new(move || hasher.queue_depth() as f64)),
    ];
    if let Some(limiter) = limiter {
        let limiter = Arc::clone(limiter);
        gauges.push(gauge(
            "realty_rate_limit_clients",
            vec![],
            Arc::new(move || limiter.tracked_clients() as f64),
        ));
    }
    gauges
}

/// What keeps the stored and in-memory state bounded: the latency samples
/// are folded into their histograms every ten seconds, refilled rate-limit
/// buckets go every minute, expired idempotency answers every ten minutes
/// (other instances do the same; a delete of what another already deleted
/// costs nothing).
async fn housekeeping(idempotency: Idempotency, limiter: Option<Arc<RateLimiter>>, metrics: Arc<Metrics>) {
    let mut ticks = tokio::time::interval(Duration::from_secs(10));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for tick in 0_u64.. {
        ticks.tick().await;
        metrics.upkeep();
        if let Some(limiter) = limiter.as_ref().filter(|_| tick % 6 == 0) {
            limiter.forget_idle();
        }
        if tick % 60 == 0 {
            match idempotency.purge_expired().await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "expired idempotency keys purged"),
                Err(error) => tracing::warn!(error = %error, "expired idempotency keys could not be purged"),
            }
        }
    }
}

struct DatabaseReadiness(Database);

#[async_trait]
impl Readiness for DatabaseReadiness {
    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|error| realty_domain::error_chain(&error))
    }
}
