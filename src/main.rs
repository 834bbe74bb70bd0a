//! `parlel-sts`: flags, logging, bind, serve until SIGINT/SIGTERM.

use clap::Parser;
use parlel_sts::Server;
use parlel_sts::cli::Cli;
use parlel_sts::config::Config;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.flags.overrides()) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("parlel-sts: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(&config.server.log_level))
        .with_writer(std::io::stderr)
        .init();
    let server = match Server::start(&config).await {
        Ok(server) => server,
        Err(e) => {
            eprintln!("parlel-sts: cannot listen on {}: {e}", config.server.listen);
            return std::process::ExitCode::from(1);
        }
    };
    println!(
        "parlel-sts ready on {} (mode {})",
        server.endpoint(),
        server.mode_name()
    );
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
