//! `realty`: serve the API, or run one of the operator commands.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use realty::settings::{DatabaseArgs, GlobalArgs, HashArgs, ServeArgs};
use realty::{Application, Profile, Services, seed};

/// A page of properties is thousands of small allocations (rows decoded into
/// strings, validated, serialised); mimalloc spends less CPU on them than
/// glibc's malloc. Built as mimalloc 2 without transparent huge pages, which
/// keeps memory as low as glibc's (BENCHMARKS.md, "Allocator").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// realty: a REST service for a real-estate platform.
#[derive(Debug, Parser)]
#[command(
    name = "realty",
    version,
    about = "realty: a REST service for a real-estate platform",
    long_about = None,
    after_help = "Without a command, `realty` serves (see `realty serve --help` for every setting)."
)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve(ServeArgs),
    /// Apply pending database migrations, then exit.
    Migrate(DatabaseArgs),
    /// Load demo data; with --properties N, N generated properties for load tests.
    Seed(SeedArgs),
    /// Create an admin, or promote an existing user. The password comes from
    /// REALTY_ADMIN_PASSWORD, or is asked for on a terminal.
    CreateAdmin(AdminArgs),
    /// Print a new token key (PASERK k4.secret) for REALTY_TOKEN_KEY.
    Keygen,
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Debug, Args)]
struct SeedArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    hash: HashArgs,
    /// Generate this many properties (with varied rooms, areas and words) in bulk.
    #[arg(long)]
    properties: Option<u64>,
}

#[derive(Debug, Args)]
struct AdminArgs {
    #[command(flatten)]
    database: DatabaseArgs,
    #[command(flatten)]
    hash: HashArgs,
    /// The admin's email.
    email: String,
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(with_default_command(std::env::args_os().collect()));
    match cli.command {
        Command::Keygen => {
            return print(realty_adapters_http::auth::generate_key().map_err(|error| error.into()));
        }
        Command::Openapi => {
            return print(realty_adapters_http::openapi().to_pretty_json().map_err(|error| error.into()));
        }
        _ => {}
    }
    realty::logging::init(&cli.global.log, cli.global.profile);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => return fail(&error),
    };
    match runtime.block_on(run(cli.command, cli.global.profile)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(error.as_ref()),
    }
}

/// `realty` alone, or followed by flags only, means `realty serve …`.
fn with_default_command(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let first = args.get(1).and_then(|arg| arg.to_str()).map(ToOwned::to_owned);
    let asks_for_help = matches!(first.as_deref(), Some("-h" | "--help" | "-V" | "--version" | "help"));
    let names_a_command = first.as_deref().is_some_and(|arg| !arg.starts_with('-'));
    if !asks_for_help && !names_a_command {
        args.insert(1.min(args.len()), "serve".into());
    }
    args
}

/// Prints the error with its whole cause chain: "cannot connect" alone
/// leaves the operator guessing.
fn fail(error: &(dyn std::error::Error + 'static)) -> ExitCode {
    eprintln!("realty: {}", realty_domain::error_chain(error));
    ExitCode::FAILURE
}

fn print(outcome: Result<String, Box<dyn std::error::Error>>) -> ExitCode {
    match outcome {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => fail(error.as_ref()),
    }
}

async fn run(command: Command, profile: Profile) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Serve(args) => {
            let settings = args.resolve(profile)?;
            for warning in &settings.warnings {
                tracing::warn!("{warning}");
            }
            let app = Application::build(&settings).await?;
            tracing::info!(address = %app.local_addr()?, metrics = ?app.metrics_addr(), ?profile, "listening");
            app.run_until(shutdown_signal()).await?;
        }
        Command::Migrate(database) => {
            Services::for_command(&database.resolve(profile)?, NO_HASHING).await?;
            tracing::info!("migrations applied");
        }
        Command::Seed(args) => {
            let services = Services::for_command(&args.database.resolve(profile)?, args.hash.cost()).await?;
            match args.properties {
                Some(count) => seed::bulk(&services, count).await?,
                None => seed::demo(&services).await?,
            }
        }
        Command::CreateAdmin(args) => {
            let password = admin_password()?;
            let services = Services::for_command(&args.database.resolve(profile)?, args.hash.cost()).await?;
            let admin = services.accounts.ensure_admin(&args.email, &password).await?;
            println!("admin {} (id {}) is ready", admin.email, admin.id);
        }
        Command::Keygen | Command::Openapi => {}
    }
    Ok(())
}

/// `migrate` hashes nothing, but the hasher starts (and makes its decoy
/// hash) with the rest: at argon2's smallest cost.
const NO_HASHING: realty_adapters_http::auth::HashCost =
    realty_adapters_http::auth::HashCost { memory_kib: 8, iterations: 1 };

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
