//! `cassette verify NAME...`: each cassette loads (its format version included), holds no real
//! credential (the scan of `cassette scan`), names operations of the model, and every
//! interaction's body parses as that operation's answer.

use std::path::{Path, PathBuf};

use super::{known_values, load};
use crate::cassette::{parses_as_sts, scan};

pub fn verify(paths: &[PathBuf], prod_env: Option<&Path>) -> Result<bool, String> {
    let known = known_values(prod_env);
    let known: Vec<&str> = known.iter().map(|s| s.expose()).collect();
    let mut all_well = true;
    for path in paths {
        let problems = match load(path) {
            Err(why) => vec![why],
            Ok((store, cassette)) => {
                let location = store.location();
                let mut problems = Vec::new();
                for (index, interaction) in cassette.interactions.iter().enumerate() {
                    let action = &interaction.request.action;
                    if crate::model::resolve(action, &interaction.request.version).is_none() {
                        problems.push(format!(
                            "{location}: interaction {index}: {action} {} is not an operation of STS",
                            interaction.request.version
                        ));
                    }
                    if let Err(why) = parses_as_sts(interaction) {
                        problems.push(format!("{location}: interaction {index}: {why}"));
                    }
                    let text = serde_yaml::to_string(interaction).unwrap_or_default();
                    for finding in scan(&text, &known) {
                        problems.push(format!(
                            "{location}: interaction {index}: {} (line {} of it)",
                            finding.what, finding.line
                        ));
                    }
                }
                if problems.is_empty() {
                    println!(
                        "{location}: ok, format {}, {} interaction(s)",
                        cassette.format,
                        cassette.interactions.len()
                    );
                }
                problems
            }
        };
        for problem in &problems {
            println!("{problem}");
        }
        all_well &= problems.is_empty();
    }
    Ok(all_well)
}
