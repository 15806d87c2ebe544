//! `realty`: serve the API, or run one of the operator commands.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use realty::settings::ConfigArgs;
use realty::{Application, Profile, Services, Settings, seed};
use tracing_subscriber::EnvFilter;

/// realty: a REST service for a real-estate platform.
#[derive(Debug, Parser)]
#[command(name = "realty", version, about = "realty: a REST service for a real-estate platform", long_about = None)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Load demo data; with --properties N, N generated properties for load tests.
    Seed {
        /// Generate this many properties (about 4 rooms each) in bulk.
        #[arg(long)]
        properties: Option<u64>,
    },
    /// Create an admin, or promote an existing user. The password comes from
    /// REALTY_ADMIN_PASSWORD, or is asked for on a terminal.
    CreateAdmin { email: String },
    /// Print a new token key (PASERK k4.secret) for REALTY_TOKEN_KEY.
    Keygen,
    /// Print the OpenAPI document.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Commands that need neither settings nor a runtime.
    match cli.command {
        Some(Command::Keygen) => {
            return print(realty_adapters_http::auth::generate_key().map_err(|e| e.to_string()));
        }
        Some(Command::Openapi) => {
            return print(realty_adapters_http::openapi().to_pretty_json().map_err(|e| e.to_string()));
        }
        _ => {}
    }
    let settings = match Settings::resolve(&cli.config) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("realty: {error}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(&cli.config.log, settings.profile);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("realty: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(run(cli.command.unwrap_or(Command::Serve), settings));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("realty: {error}");
            ExitCode::FAILURE
        }
    }
}

fn print(outcome: Result<String, String>) -> ExitCode {
    match outcome {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("realty: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Serve => {
            for warning in &settings.warnings {
                tracing::warn!("{warning}");
            }
            let app = Application::build(&settings).await?;
            tracing::info!(address = %app.local_addr()?, profile = ?settings.profile, "listening");
            app.run_until(shutdown_signal()).await?;
        }
        Command::Migrate => {
            Services::build(&settings).await?;
            tracing::info!("migrations applied");
        }
        Command::Seed { properties } => {
            let services = Services::build(&settings).await?;
            match properties {
                Some(count) => seed::bulk(&services, count).await?,
                None => seed::demo(&services).await?,
            }
        }
        Command::CreateAdmin { email } => {
            let password = admin_password()?;
            let services = Services::build(&settings).await?;
            let admin = services.accounts.ensure_admin(&email, &password).await?;
            println!("admin {} (id {}) is ready", admin.email, admin.id);
        }
        Command::Keygen | Command::Openapi => {}
    }
    Ok(())
}

fn admin_password() -> Result<String, Box<dyn std::error::Error>> {
    if let Ok(password) = std::env::var("REALTY_ADMIN_PASSWORD") {
        return Ok(password);
    }
    if !std::io::stdin().is_terminal() {
        return Err("set REALTY_ADMIN_PASSWORD (no terminal to ask for the password on)".into());
    }
    let password = rpassword::prompt_password("Admin password (8-128 characters): ")?;
    let confirmation = rpassword::prompt_password("Again: ")?;
    if password != confirmation {
        return Err("the passwords differ".into());
    }
    Ok(password)
}

fn init_logging(filter: &str, profile: Profile) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match profile {
        Profile::Dev => builder.compact().init(),
        Profile::Prod => builder.json().flatten_event(true).with_current_span(true).init(),
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (what orchestrators send).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
