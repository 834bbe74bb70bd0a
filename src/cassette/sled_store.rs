//! The sled store: a cassette as an embedded database directory (`DIR/NAME.sled`), for large or
//! many cassettes. sled 0.34.7 allows one process per database: a second one gets a clear error.
//!
//! Layout: the tree `meta` holds `current` (the name of the tree of the committed cassette),
//! `run` (the tree of a recording in progress, with its mode) and the cassette's header; each
//! interaction is a JSON document (YAML in stores of earlier builds, still read) under a
//! big-endian sequence number in its tree. A run writes
//! into a fresh tree, flushed before each answer; `commit` points `current` at it in one insert
//! and drops the old tree, so a crash leaves the old cassette plus the run's tree, which `load`
//! reads as the YAML store reads its journal.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::body::handed_out_keys;
use super::matching::Matcher;
use super::model::{Cassette, FORMAT, Interaction, check_format};
use super::store::CassetteStore;
use super::store::RecordMode;

/// An interaction as a value: JSON (what this build writes: it decodes ten times faster), or
/// YAML (what earlier builds wrote).
fn encode(interaction: &Interaction) -> Result<Vec<u8>, String> {
    serde_json::to_vec(interaction).map_err(|e| e.to_string())
}

/// A tree's interactions, in order: the values read first, then decoded over the machine's
/// threads (a cassette of 100,000 interactions is read at once).
fn decode_all(tree: &sled::Tree) -> Result<Vec<Interaction>, String> {
    let mut values: Vec<sled::IVec> = tree
        .iter()
        .values()
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    crate::parallel::in_runs(&mut values, |_, run| {
        run.iter().map(|v| decode(v)).collect()
    })
}

fn decode(value: &[u8]) -> Result<Interaction, String> {
    if value.first() == Some(&b'{') {
        serde_json::from_slice(value).map_err(|e| e.to_string())
    } else {
        serde_yaml::from_slice(value).map_err(|e| e.to_string())
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Head {
    format: u32,
    upstream: String,
    redaction_key: String,
    /// How many interactions the committed tree holds (stores of earlier builds: unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    interactions: Option<u64>,
    /// `INDEX_VERSION` of the committed tree's index, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    index: Option<u32>,
}

/// The version of the index a commit writes beside the interactions: the match keys of the
/// default rules (`Matcher::default()`) and the access keys handed out. A build whose default
/// rules differ must change it, so an old index is not trusted.
const INDEX_VERSION: u32 = 1;

/// A committed cassette in a sled store, read through its index: replay opens it without
/// reading its interactions, and reads each when it is first needed.
pub struct SledIndex {
    location: String,
    interactions: sled::Tree,
    keys: sled::Tree,
    handed: sled::Tree,
    count: usize,
    /// Keeps the database (and its one-process lock) open as long as the index is used.
    _db: sled::Db,
}

impl SledIndex {
    pub fn location(&self) -> &str {
        &self.location
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The interactions recorded under `key` (a default-rules match key), in order.
    pub fn ids(&self, key: &str) -> Result<Vec<usize>, String> {
        let Some(value) = self
            .keys
            .get(key)
            .map_err(|e| format!("{}: {e}", self.location))?
        else {
            return Ok(Vec::new());
        };
        Ok(value
            .chunks_exact(8)
            .filter_map(|b| <[u8; 8]>::try_from(b).ok())
            .filter_map(|b| usize::try_from(u64::from_be_bytes(b)).ok())
            .collect())
    }

    pub fn interaction(&self, id: usize) -> Result<Interaction, String> {
        let value = self
            .interactions
            .get((id as u64).to_be_bytes())
            .map_err(|e| format!("{}: {e}", self.location))?
            .ok_or_else(|| format!("{}: interaction {id} is missing", self.location))?;
        decode(&value).map_err(|e| format!("{}: interaction {id}: {e}", self.location))
    }

    /// Whether an answer of the cassette handed out `access_key_id`.
    pub fn handed_out(&self, access_key_id: &str) -> bool {
        self.handed.contains_key(access_key_id).unwrap_or(false)
    }

    /// Every interaction, in order.
    pub fn all(&self) -> Result<Vec<Interaction>, String> {
        decode_all(&self.interactions).map_err(|e| format!("{}: {e}", self.location))
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Run {
    tree: String,
    mode: String,
    head: Head,
}

pub struct SledStore {
    path: PathBuf,
    db: sled::Db,
    /// The running recording's tree and next sequence number.
    run: Option<(sled::Tree, u64)>,
}

impl SledStore {
    pub fn open(path: &Path) -> Result<SledStore, String> {
        let db = sled::Config::new().path(path).open().map_err(|e| {
            let text = e.to_string();
            if text.contains("lock") || text.contains("WouldBlock") {
                format!(
                    "{}: the sled store is open in another process (sled allows one at a time): {text}",
                    path.display()
                )
            } else {
                format!("{}: {text}", path.display())
            }
        })?;
        Ok(SledStore {
            path: path.to_owned(),
            db,
            run: None,
        })
    }

    fn error(&self, e: impl std::fmt::Display) -> String {
        format!("{}: {e}", self.path.display())
    }

    fn meta(&self) -> Result<sled::Tree, String> {
        self.db.open_tree("meta").map_err(|e| self.error(e))
    }

    fn get<T: for<'de> Deserialize<'de>>(&self, key: &str) -> Result<Option<T>, String> {
        match self.meta()?.get(key).map_err(|e| self.error(e))? {
            Some(bytes) => serde_yaml::from_slice(&bytes)
                .map(Some)
                .map_err(|e| self.error(format!("{key}: {e}"))),
            None => Ok(None),
        }
    }

    fn interactions(&self, tree: &str) -> Result<Vec<Interaction>, String> {
        let tree = self.db.open_tree(tree).map_err(|e| self.error(e))?;
        decode_all(&tree).map_err(|e| self.error(e))
    }

    fn flush(&self) -> Result<(), String> {
        self.db.flush().map(|_| ()).map_err(|e| self.error(e))
    }

    /// A tree name not used yet.
    fn fresh_tree(&self) -> Result<String, String> {
        let id = self.db.generate_id().map_err(|e| self.error(e))?;
        Ok(format!("interactions-{id}"))
    }
}

impl CassetteStore for SledStore {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn exists(&self) -> bool {
        matches!(self.get::<String>("current"), Ok(Some(_)))
    }

    fn load(&self) -> Result<Option<Cassette>, String> {
        let committed = match (self.get::<String>("current")?, self.get::<Head>("head")?) {
            (Some(tree), Some(head)) => Some(Cassette {
                format: {
                    check_format(head.format, &self.location())?;
                    head.format
                },
                upstream: head.upstream,
                redaction_key: head.redaction_key,
                interactions: self.interactions(&tree)?,
            }),
            _ => None,
        };
        let Some(run) = self.get::<Run>("run")? else {
            return Ok(committed);
        };
        let mut cassette = Cassette::for_run(
            committed,
            &run.mode,
            &run.head.upstream,
            &run.head.redaction_key,
        );
        cassette.interactions.extend(self.interactions(&run.tree)?);
        Ok(Some(cassette))
    }

    /// The committed cassette's index, when it has one this build trusts and no recording is
    /// in progress: what replay opens without reading the interactions.
    fn index(&self) -> Result<Option<SledIndex>, String> {
        if self.get::<Run>("run")?.is_some() {
            return Ok(None);
        }
        let (Some(tree), Some(head)) = (self.get::<String>("current")?, self.get::<Head>("head")?)
        else {
            return Ok(None);
        };
        check_format(head.format, &self.location())?;
        let (Some(count), Some(INDEX_VERSION)) = (head.interactions, head.index) else {
            return Ok(None);
        };
        let open = |name: String| self.db.open_tree(name).map_err(|e| self.error(e));
        Ok(Some(SledIndex {
            location: self.location(),
            interactions: open(tree.clone())?,
            keys: open(format!("{tree}.keys"))?,
            handed: open(format!("{tree}.handed"))?,
            count: usize::try_from(count).unwrap_or(usize::MAX),
            _db: self.db.clone(),
        }))
    }

    fn begin(
        &mut self,
        mode: RecordMode,
        upstream: &str,
        redaction_key: &str,
    ) -> Result<Cassette, String> {
        // An interrupted run is folded in first.
        if self.get::<Run>("run")?.is_some() {
            let recovered = self.load()?;
            self.commit(recovered.as_ref())?;
        }
        let base = Cassette::for_run(self.load()?, mode.as_str(), upstream, redaction_key);
        let name = self.fresh_tree()?;
        let tree = self.db.open_tree(&name).map_err(|e| self.error(e))?;
        let run = Run {
            tree: name,
            mode: mode.as_str().to_owned(),
            head: Head {
                format: FORMAT,
                upstream: upstream.to_owned(),
                redaction_key: redaction_key.to_owned(),
                interactions: None,
                index: None,
            },
        };
        let run = serde_yaml::to_string(&run).map_err(|e| self.error(e))?;
        self.meta()?
            .insert("run", run.as_bytes())
            .map_err(|e| self.error(e))?;
        self.flush()?;
        self.run = Some((tree, 0));
        Ok(base)
    }

    fn append(&mut self, interactions: &[&Interaction]) -> Result<(), String> {
        let (tree, next) = self
            .run
            .as_mut()
            .ok_or_else(|| "no recording is running".to_owned())?;
        for interaction in interactions {
            tree.insert(next.to_be_bytes(), encode(interaction)?)
                .map_err(|e| e.to_string())?;
            *next += 1;
        }
        self.flush()
    }

    fn commit(&mut self, cassette: Option<&Cassette>) -> Result<(), String> {
        let meta = self.meta()?;
        let run: Option<Run> = self.get("run")?;
        self.run = None;
        let old = self.get::<String>("current")?;
        if let Some(cassette) = cassette {
            // The whole cassette into a fresh tree, then `current` points at it.
            let name = self.fresh_tree()?;
            let tree = self.db.open_tree(&name).map_err(|e| self.error(e))?;
            let keys = self
                .db
                .open_tree(format!("{name}.keys"))
                .map_err(|e| self.error(e))?;
            let handed = self
                .db
                .open_tree(format!("{name}.handed"))
                .map_err(|e| self.error(e))?;
            let matcher = Matcher::default();
            let mut by_key: HashMap<String, Vec<u8>> = HashMap::new();
            for (i, interaction) in cassette.interactions.iter().enumerate() {
                let id = (i as u64).to_be_bytes();
                tree.insert(id, encode(interaction)?)
                    .map_err(|e| self.error(e))?;
                by_key
                    .entry(matcher.key(&interaction.request))
                    .or_default()
                    .extend_from_slice(&id);
                for key in handed_out_keys(&interaction.response.body) {
                    handed.insert(key, &[]).map_err(|e| self.error(e))?;
                }
            }
            for (key, ids) in by_key {
                keys.insert(key, ids).map_err(|e| self.error(e))?;
            }
            let head = Head {
                format: cassette.format,
                upstream: cassette.upstream.clone(),
                redaction_key: cassette.redaction_key.clone(),
                interactions: Some(cassette.interactions.len() as u64),
                index: Some(INDEX_VERSION),
            };
            let head = serde_yaml::to_string(&head).map_err(|e| self.error(e))?;
            self.flush()?;
            meta.transaction(|meta| {
                meta.insert("head", head.as_bytes())?;
                meta.insert(
                    "current",
                    serde_yaml::to_string(&name).unwrap_or_default().as_bytes(),
                )?;
                meta.remove("run")?;
                Ok(())
            })
            .map_err(|e: sled::transaction::TransactionError<()>| self.error(format!("{e:?}")))?;
            if let Some(old) = old {
                for tree in [format!("{old}.keys"), format!("{old}.handed"), old] {
                    let _ = self.db.drop_tree(tree);
                }
            }
        } else {
            meta.remove("run").map_err(|e| self.error(e))?;
        }
        if let Some(run) = run {
            let _ = self.db.drop_tree(run.tree);
        }
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cassette::model::sample as interaction;

    #[test]
    fn runs_commit_atomically_and_an_interrupted_run_loads() {
        let dir = std::env::temp_dir().join(format!("parlel-sled-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("c.sled");
        let mut store = SledStore::open(&path).unwrap();
        let mut cassette = store.begin(RecordMode::All, "h", "k").unwrap();
        let (a, b) = (interaction(0), interaction(1));
        store.append(&[&a]).unwrap();
        store.append(&[&b]).unwrap();
        // Interrupted: the run's tree makes the cassette.
        assert_eq!(
            store.load().unwrap().unwrap().interactions,
            [a.clone(), b.clone()]
        );
        assert!(
            store.index().unwrap().is_none(),
            "no index while a run is open"
        );
        cassette.interactions = vec![a.clone(), b.clone()];
        cassette.interactions[1].response.body =
            "<AssumeRoleResponse><AccessKeyId>ASIAQAAAAAAAHANDED01</AccessKeyId></AssumeRoleResponse>"
                .into();
        store.commit(Some(&cassette)).unwrap();
        assert_eq!(store.load().unwrap().unwrap(), cassette);
        // The commit's index: default-rule keys, the keys handed out, each interaction by id.
        let index = store.index().unwrap().expect("an index");
        assert_eq!(index.len(), 2);
        let key = Matcher::default().key(&cassette.interactions[1].request);
        assert_eq!(index.ids(&key).unwrap(), [1]);
        assert!(index.ids("no such key").unwrap().is_empty());
        assert!(index.handed_out("ASIAQAAAAAAAHANDED01"));
        assert!(!index.handed_out("ASIAQAAAAAAAOTHER001"));
        assert_eq!(index.interaction(1).unwrap(), cassette.interactions[1]);
        assert_eq!(index.all().unwrap(), cassette.interactions);
        drop(index);
        // An "all" run that crashed before committing replaces it on load; "new" adds.
        store.begin(RecordMode::New, "h", "k").unwrap();
        store.append(&[&interaction(2)]).unwrap();
        assert_eq!(store.load().unwrap().unwrap().interactions.len(), 3);
        drop(store);
        // Reopened, the cassette is there (one process per store: tests/it/record.rs).
        let held = SledStore::open(&path).unwrap();
        assert_eq!(held.load().unwrap().unwrap().interactions.len(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
