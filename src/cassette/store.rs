//! The one trait both stores keep cassettes behind: the YAML file with its journal
//! (`yaml_store`) and the sled database (`sled_store`); `open` picks one. A recording run is `begin`, `append`s
//! (each durable when it returns), then `commit`; `load` reads what is there, an interrupted
//! run's exchanges included.

use serde::Deserialize;

use super::model::{Cassette, Interaction};

/// `record.record_mode` / `--record-mode`: what a recording run forwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum RecordMode {
    /// Forward every request; the cassette starts fresh for this run (VCR's `all`).
    #[default]
    All,
    /// Forward and append only what the cassette does not answer yet (VCR's `new_episodes`).
    New,
}

impl RecordMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordMode::All => "all",
            RecordMode::New => "new",
        }
    }
}

pub trait CassetteStore: Send {
    /// Where the cassette is, for messages.
    fn location(&self) -> String;
    /// Whether a committed cassette is there.
    fn exists(&self) -> bool;
    /// The cassette, an interrupted run's exchanges included; `None` when there is none.
    fn load(&self) -> Result<Option<Cassette>, String>;
    /// Starts a recording run; returns the cassette it builds on (empty for `all`).
    fn begin(
        &mut self,
        mode: RecordMode,
        upstream: &str,
        redaction_key: &str,
    ) -> Result<Cassette, String>;
    /// Makes `interactions` durable before returning.
    fn append(&mut self, interactions: &[&Interaction]) -> Result<(), String>;
    /// The committed cassette's index, when the store keeps one this build trusts: what replay
    /// opens without reading the interactions (sled's). `None` for the others.
    fn index(&self) -> Result<Option<super::SledIndex>, String> {
        Ok(None)
    }
    /// Ends the run: `cassette` replaces the stored one, atomically (`None`: the stored one
    /// stays); the run's journal goes.
    fn commit(&mut self, cassette: Option<&Cassette>) -> Result<(), String>;
}
