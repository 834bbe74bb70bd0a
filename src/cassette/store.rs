//! The one trait both stores keep cassettes behind: the YAML file with its journal
//! (`yaml_store`) and the sled database (`sled_store`). A recording run is `begin`, `append`s
//! (each durable when it returns), then `commit`; `load` reads what is there, an interrupted
//! run's exchanges included.

use std::path::Path;

use super::config::{CassetteConfig, Store};
use super::model::{Cassette, Interaction};
use super::sled_store::SledStore;
use super::yaml_store::YamlStore;
use crate::upstream::RecordMode;

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
    /// Ends the run: `cassette` replaces the stored one, atomically (`None`: the stored one
    /// stays); the run's journal goes.
    fn commit(&mut self, cassette: Option<&Cassette>) -> Result<(), String>;
}

/// The store `[cassettes]` names: `DIR/NAME.yaml` or `DIR/NAME.sled`.
pub fn open(config: &CassetteConfig) -> Result<Box<dyn CassetteStore>, String> {
    match config.store {
        Store::Yaml => Ok(Box::new(YamlStore::new(&config.dir, &config.name))),
        Store::Sled => Ok(Box::new(SledStore::open(
            &config.dir.join(format!("{}.sled", config.name)),
        )?)),
    }
}

/// The store of a path, by its ending: a `.sled` directory or a YAML file.
pub fn open_path(path: &Path) -> Result<Box<dyn CassetteStore>, String> {
    if path.extension().is_some_and(|e| e == "sled") {
        Ok(Box::new(SledStore::open(path)?))
    } else {
        Ok(Box::new(YamlStore::at(path)))
    }
}

/// Copies the cassette at `from` to `to` (either store to either); how many interactions.
pub fn convert(from: &Path, to: &Path) -> Result<usize, String> {
    let source = open_path(from)?;
    let cassette = source
        .load()?
        .ok_or_else(|| format!("{}: no cassette there", source.location()))?;
    drop(source);
    let mut target = open_path(to)?;
    target.begin(RecordMode::All, &cassette.upstream, &cassette.redaction_key)?;
    target.commit(Some(&cassette))?;
    Ok(cassette.interactions.len())
}
