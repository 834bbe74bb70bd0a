//! The cassettes' section of the configuration, `[cassettes]`, shared by record and replay:
//! which store holds them, where, and which cassette this run uses.

use std::path::PathBuf;

use serde::Deserialize;

/// `cassettes.store` / `--store`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Store {
    /// One readable, diff-friendly YAML file per cassette.
    #[default]
    Yaml,
    /// An embedded sled database directory (one process at a time).
    Sled,
}

impl Store {
    pub fn as_str(self) -> &'static str {
        match self {
            Store::Yaml => "yaml",
            Store::Sled => "sled",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CassetteConfig {
    pub store: Store,
    /// The directory that holds the cassettes.
    pub dir: PathBuf,
    /// This run's cassette: a file name without its extension.
    pub name: String,
}

impl Default for CassetteConfig {
    fn default() -> Self {
        CassetteConfig {
            store: Store::Yaml,
            dir: PathBuf::from("cassettes"),
            name: "default".to_owned(),
        }
    }
}

impl CassetteConfig {
    /// Every value checked, each failure naming its key.
    pub fn check(&self) -> Result<(), String> {
        let name = &self.name;
        let valid = (1..=128).contains(&name.len())
            && !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !valid {
            return Err(format!(
                "cassettes.name: {name:?} must be 1 to 128 letters, digits, '.', '_' or '-', not starting with '.' (it names a file in cassettes.dir)"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_file_names_in_the_directory() {
        let mut c = CassetteConfig::default();
        c.check().unwrap();
        for good in ["ci", "sts-2026.12", "a_b"] {
            c.name = good.into();
            c.check().unwrap();
        }
        for bad in ["", "../x", "a/b", ".hidden", "a b", &"x".repeat(129)] {
            c.name = bad.into();
            assert!(
                c.check().unwrap_err().starts_with("cassettes.name: "),
                "{bad}"
            );
        }
    }
}
