//! `parlel-sts cassette ...`: the commands that work on stored cassettes, with no server.
//! `list`, `show`, `verify`, `prune` and `drift` find a cassette by name in `--cassettes DIR`
//! (default `./cassettes`), as `NAME.yaml` or `NAME.sled` (`--store` decides when both exist), or
//! by a path ending in `.yaml` or `.sled`; `scan` and `convert` take paths. Exit codes: 0 when all
//! is well, 1 when a command found something (a secret, a problem, drift), 2 when it could not
//! run (a cassette that does not load, a bad report).

mod drift;
mod inspect;
mod json_shape;
mod prune;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cassette::Store;
pub(crate) use crate::cassette::load_path as load;
use crate::cli::{CassetteCommand, Flags};

pub fn run(command: &CassetteCommand, flags: &Flags) -> ExitCode {
    let dir = flags
        .cassettes
        .clone()
        .unwrap_or_else(|| PathBuf::from("cassettes"));
    let store = flags.store.unwrap_or_default();
    let found = |name: &str| locate(name, &dir, store);
    let outcome = match command {
        CassetteCommand::Scan { paths } => return scan(paths, flags.prod_env.as_deref()),
        CassetteCommand::Convert { from, to } => convert(from, to),
        CassetteCommand::List { json } => inspect::list(&dir, *json),
        CassetteCommand::Show { name, json } => inspect::show(&found(name), *json),
        CassetteCommand::Verify { names } => {
            let paths: Vec<PathBuf> = names.iter().map(|n| found(n)).collect();
            verify::verify(&paths, flags.prod_env.as_deref())
        }
        CassetteCommand::Prune { name, unused_since } => prune::prune(&found(name), unused_since),
        CassetteCommand::Drift { name, json } => drift::drift(&found(name), *json),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(why) => {
            eprintln!("parlel-sts cassette: {why}");
            ExitCode::from(2)
        }
    }
}

/// The cassette `name` names: a path ending in `.yaml`/`.sled`, else `DIR/NAME.yaml` or
/// `DIR/NAME.sled`, whichever exists (`store`'s when both or neither do).
fn locate(name: &str, dir: &Path, store: Store) -> PathBuf {
    let path = Path::new(name);
    if path.extension().is_some_and(|e| e == "yaml" || e == "sled") {
        return path.to_owned();
    }
    let yaml = dir.join(format!("{name}.yaml"));
    let sled = dir.join(format!("{name}.sled"));
    match (yaml.exists(), sled.exists(), store) {
        (true, false, _) => yaml,
        (false, true, _) => sled,
        (_, _, Store::Sled) => sled,
        (_, _, Store::Yaml) => yaml,
    }
}

fn convert(from: &Path, to: &Path) -> Result<bool, String> {
    let count = crate::cassette::convert(from, to)?;
    println!(
        "parlel-sts cassette convert: {count} interaction(s) from {} to {}",
        from.display(),
        to.display()
    );
    Ok(true)
}

/// `scan`: 0 when nothing was found, 1 on a finding, 2 when a file could not be read. Findings
/// name the file, the line and what it is, never the value.
fn scan(paths: &[PathBuf], prod_env: Option<&Path>) -> ExitCode {
    let known = known_values(prod_env);
    let known: Vec<&str> = known.iter().map(|s| s.expose()).collect();
    match crate::cassette::scan_files(paths, &known) {
        Ok((findings, files)) if findings.is_empty() => {
            println!("parlel-sts cassette scan: {files} file(s), no real credential found");
            ExitCode::SUCCESS
        }
        Ok((findings, _)) => {
            for (file, finding) in &findings {
                println!("{}:{}: {}", file.display(), finding.line, finding.what);
            }
            ExitCode::from(1)
        }
        Err(why) => {
            eprintln!("parlel-sts cassette scan: {why}");
            ExitCode::from(2)
        }
    }
}

/// prod.env's values (default `./prod.env`, else the `AWS_*` variables), when there are any:
/// without them a scan looks for key ids only.
fn known_values(prod_env: Option<&Path>) -> Vec<crate::secret::Secret> {
    let prod_env = prod_env.unwrap_or(Path::new("prod.env"));
    let Ok(real) =
        crate::upstream::RealCredentials::load(prod_env, |name| std::env::var(name).ok())
    else {
        return Vec::new();
    };
    let mut known = vec![real.access_key_id, real.secret_access_key];
    known.extend(real.session_token);
    known
}
