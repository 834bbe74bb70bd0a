//! `parlel-sts`: flags, logging, bind, serve until SIGINT/SIGTERM.

/// mimalloc: a request's many small, short-lived allocations cost a fraction of glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use parlel_sts::cli::{Cli, Command};
use parlel_sts::config::Config;
use parlel_sts::logging;
use parlel_sts::server::{Server, StartError};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let (cli, matches) = Cli::parse_with_origins();
    if let Some(Command::Cassette { command }) = &cli.command {
        return parlel_sts::tools::run(command, &cli.flags);
    }
    let config = match Config::load(&cli.flags.overrides(Some(&matches))) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("parlel-sts: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let _logs = logging::init(&config.server.log_level, config.server.log_format);
    // Handlers go in before the ready line: a SIGTERM sent right after it must be graceful too.
    let shutdown = shutdown_signal();
    let server = match Server::start(&config).await {
        Ok(server) => server,
        Err(e @ StartError::Config(_)) => {
            eprintln!("parlel-sts: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
        Err(e @ StartError::Listen { .. }) => {
            eprintln!("parlel-sts: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    println!(
        "parlel-sts ready on {} ({})",
        server.endpoint(),
        reproducible(&config, &server)
    );
    shutdown.await;
    tracing::info!("shutting down");
    let replayed = server.replay_report();
    server.shutdown().await;
    if let Some(report) = replayed {
        for line in &report.summary {
            eprintln!("{line}");
        }
        let misses = report.misses;
        if config.replay.fail_on_miss && misses > 0 {
            eprintln!("parlel-sts: --fail-on-miss: {misses} request(s) missed the cassette");
            return std::process::ExitCode::from(1);
        }
    }
    std::process::ExitCode::SUCCESS
}

/// `mode fake`, then what makes this run reproducible: `seed 42`, `clock 2030-01-01T00:00:00Z`.
fn reproducible(config: &Config, server: &Server) -> String {
    let mut said = format!("mode {}", server.mode().as_str());
    if let Some(cassette) = server.replay_cassette() {
        said.push_str(&format!(", cassette {cassette}"));
    }
    if let (Some(upstream), Some(credentials)) = (server.upstream(), &config.record_credentials) {
        said.push_str(&format!(
            ", upstream {upstream}, credentials from {}",
            credentials.source
        ));
    }
    if let Some(seed) = config.fake.seed {
        said.push_str(&format!(", seed {seed}"));
    }
    if let Some(clock) = &config.fake.clock {
        said.push_str(&format!(", clock {clock}"));
    }
    said
}

/// Installs the SIGINT/SIGTERM handlers now (not when first awaited); the returned future resolves
/// on the first signal.
#[cfg(unix)]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let terminate = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        match (terminate, interrupt) {
            (Ok(mut terminate), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = interrupt.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
}

#[cfg(not(unix))]
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
