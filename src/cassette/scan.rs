//! The fail-closed scan of what is about to be stored, or is stored: every real value the caller
//! knows (prod.env's, those the upstream returned), and any AWS access key id (`AKIA`/`ASIA` +
//! 16 base32 characters) that is not one of redaction's fakes. A finding names its line and
//! what it is, never the value. `parlel-sts cassette scan` runs it over cassette files.

use std::path::{Path, PathBuf};

use super::key_ids::real_key_ids;

/// One thing found, by line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub what: &'static str,
}

/// Everything in `text` that must not be stored. `known` are real values (at least 8
/// characters long to count).
pub fn scan(text: &str, known: &[&str]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_number = index + 1;
        if known
            .iter()
            .any(|value| value.len() >= 8 && line.contains(value))
        {
            findings.push(Finding {
                line: line_number,
                what: "a real credential value",
            });
        }
        if real_key_ids(line).next().is_some() {
            findings.push(Finding {
                line: line_number,
                what: "an AWS access key id that is not a redacted fake",
            });
        }
    }
    findings
}

/// Scans each file of `paths` (a directory: its `.yaml` and `.journal` files); the findings by
/// file, and how many files were read.
pub fn scan_files(
    paths: &[PathBuf],
    known: &[&str],
) -> Result<(Vec<(PathBuf, Finding)>, usize), String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let mut inside: Vec<PathBuf> = entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| is_cassette_file(p))
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(path.clone());
        }
    }
    let mut findings = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        findings.extend(scan(&text, known).into_iter().map(|f| (file.clone(), f)));
    }
    Ok((findings, files.len()))
}

fn is_cassette_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    path.is_file() && (name.ends_with(".yaml") || name.ends_with(".yaml.journal"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cassette::{Redactor, Rewriter};

    #[test]
    fn real_values_and_real_key_ids_are_found_fakes_are_not() {
        let fake =
            Redactor::new(b"k", Rewriter::default()).fake("AccessKeyId", "ASIAYQAAAAAAAREALKEY");
        let text = format!(
            "identity: {fake}\n  <AccessKeyId>ASIAYQAAAAAAAREALKEY</AccessKeyId>\nsecret: s3cr3tvalue!\nAKIAIOSFODNN7EXAMPLEX is longer\n"
        );
        let findings = scan(&text, &["s3cr3tvalue!"]);
        assert_eq!(
            findings,
            [
                Finding {
                    line: 2,
                    what: "an AWS access key id that is not a redacted fake"
                },
                Finding {
                    line: 3,
                    what: "a real credential value"
                },
            ]
        );
    }
}
