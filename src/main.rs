//! `parlel-sts`: flags, logging, bind, serve until SIGINT/SIGTERM.

/// mimalloc: a request's many small, short-lived allocations cost a fraction of glibc's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use parlel_sts::cli::{CassetteCommand, Cli, Command};
use parlel_sts::config::Config;
use parlel_sts::logging;
use parlel_sts::server::{Server, StartError};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let (cli, matches) = Cli::parse_with_origins();
    match &cli.command {
        Some(Command::Cassette {
            command: CassetteCommand::Scan { paths },
        }) => return scan(paths, cli.flags.prod_env.as_deref()),
        Some(Command::Cassette {
            command: CassetteCommand::Convert { from, to },
        }) => {
            return match parlel_sts::cassette::convert(from, to) {
                Ok(count) => {
                    println!(
                        "parlel-sts cassette convert: {count} interaction(s) from {} to {}",
                        from.display(),
                        to.display()
                    );
                    std::process::ExitCode::SUCCESS
                }
                Err(why) => {
                    eprintln!("parlel-sts cassette convert: {why}");
                    std::process::ExitCode::from(2)
                }
            };
        }
        _ => {}
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

/// `parlel-sts cassette scan`: 0 when nothing was found, 1 on a finding, 2 when a file could not
/// be read. Findings name the file, the line and what it is, never the value.
fn scan(
    paths: &[std::path::PathBuf],
    prod_env: Option<&std::path::Path>,
) -> std::process::ExitCode {
    let prod_env = prod_env.unwrap_or(std::path::Path::new("prod.env"));
    // Without prod.env (or AWS_* variables) there are no real values to look for, only key ids.
    let real =
        parlel_sts::upstream::RealCredentials::load(prod_env, |name| std::env::var(name).ok()).ok();
    let mut known: Vec<&str> = Vec::new();
    if let Some(real) = &real {
        known.push(real.access_key_id.expose());
        known.push(real.secret_access_key.expose());
        known.extend(real.session_token.as_ref().map(|t| t.expose()));
    }
    match parlel_sts::cassette::scan_files(paths, &known) {
        Ok((findings, files)) if findings.is_empty() => {
            println!("parlel-sts cassette scan: {files} file(s), no real credential found");
            std::process::ExitCode::SUCCESS
        }
        Ok((findings, _)) => {
            for (file, finding) in &findings {
                println!("{}:{}: {}", file.display(), finding.line, finding.what);
            }
            std::process::ExitCode::from(1)
        }
        Err(why) => {
            eprintln!("parlel-sts cassette scan: {why}");
            std::process::ExitCode::from(2)
        }
    }
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
