//! The sled store: a cassette as an embedded database directory (`DIR/NAME.sled`), for large or
//! many cassettes. sled 0.34.7 allows one process per database: a second one gets a clear error.
//!
//! Layout: the tree `meta` holds `current` (the name of the tree of the committed cassette),
//! `run` (the tree of a recording in progress, with its mode) and the cassette's header; each
//! interaction is a YAML document under a big-endian sequence number in its tree. A run writes
//! into a fresh tree, flushed before each answer; `commit` points `current` at it in one insert
//! and drops the old tree, so a crash leaves the old cassette plus the run's tree, which `load`
//! reads as the YAML store reads its journal.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::{Cassette, FORMAT, Interaction, check_format};
use super::store::CassetteStore;
use super::store::RecordMode;

#[derive(Debug, Serialize, Deserialize)]
struct Head {
    format: u32,
    upstream: String,
    redaction_key: String,
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
        tree.iter()
            .values()
            .map(|value| {
                let bytes = value.map_err(|e| self.error(e))?;
                serde_yaml::from_slice(&bytes).map_err(|e| self.error(e))
            })
            .collect()
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
            let value = serde_yaml::to_string(interaction).map_err(|e| e.to_string())?;
            tree.insert(next.to_be_bytes(), value.as_bytes())
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
            for (i, interaction) in cassette.interactions.iter().enumerate() {
                let value = serde_yaml::to_string(interaction).map_err(|e| self.error(e))?;
                tree.insert((i as u64).to_be_bytes(), value.as_bytes())
                    .map_err(|e| self.error(e))?;
            }
            let head = Head {
                format: cassette.format,
                upstream: cassette.upstream.clone(),
                redaction_key: cassette.redaction_key.clone(),
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
                let _ = self.db.drop_tree(old);
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
        cassette.interactions = vec![a.clone(), b.clone()];
        store.commit(Some(&cassette)).unwrap();
        assert_eq!(store.load().unwrap().unwrap(), cassette);
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
