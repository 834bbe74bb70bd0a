//! Which store a cassette is in: the one `[cassettes]` names, or the one a path's ending says;
//! and `convert`, from either to either.

use std::path::Path;

use super::config::{CassetteConfig, Store};
use super::model::Cassette;
use super::sled_store::SledStore;
use super::store::CassetteStore;
use super::store::RecordMode;
use super::yaml_store::YamlStore;

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

/// The store at `path` and the cassette in it; no cassette there is an error naming the path.
pub fn load_path(path: &Path) -> Result<(Box<dyn CassetteStore>, Cassette), String> {
    let store = open_path(path)?;
    let cassette = store
        .load()?
        .ok_or_else(|| format!("{}: no cassette there", store.location()))?;
    Ok((store, cassette))
}

/// Copies the cassette at `from` to `to` (either store to either); how many interactions.
pub fn convert(from: &Path, to: &Path) -> Result<usize, String> {
    let (source, cassette) = load_path(from)?;
    drop(source);
    let mut target = open_path(to)?;
    target.begin(RecordMode::All, &cassette.upstream, &cassette.redaction_key)?;
    target.commit(Some(&cassette))?;
    Ok(cassette.interactions.len())
}
