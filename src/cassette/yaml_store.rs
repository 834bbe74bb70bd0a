//! The YAML store: one file per cassette (`DIR/NAME.yaml`), readable and diff-friendly, and a
//! journal beside it while a recording runs (`DIR/NAME.yaml.journal`).
//!
//! Durability: each recorded interaction is appended to the journal as one YAML document ended by
//! `...`, and the journal is fsynced before the interaction's answer goes back (many at once
//! share one fsync, see `writer`), so the cost per interaction is O(1). When the run ends, the
//! cassette is rewritten atomically (a temporary file, fsync, rename, fsync of the directory)
//! and the journal removed. After a crash, loading the cassette reads the journal too: every
//! interaction that was answered is there; a document cut off by the crash (no `...`) was never
//! answered and is left out.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::model::{Cassette, Interaction, check_format};
use super::store::CassetteStore;
use super::store::RecordMode;
use super::yaml_bulk;

/// The journal's first document: what the run was.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JournalHead {
    /// `all`: the run's interactions replace the cassette; `new`: they are added to it.
    run: String,
    upstream: String,
    redaction_key: String,
}

const END: &str = "\n...\n";

pub struct YamlStore {
    cassette: PathBuf,
    journal: PathBuf,
    /// The running recording's journal, from `begin`.
    open: Option<Journal>,
}

impl YamlStore {
    pub fn new(dir: &Path, name: &str) -> YamlStore {
        YamlStore::at(&dir.join(format!("{name}.yaml")))
    }

    /// The store of the cassette file `path` (its journal beside it).
    pub fn at(path: &Path) -> YamlStore {
        let mut journal = path.as_os_str().to_owned();
        journal.push(".journal");
        YamlStore {
            cassette: path.to_owned(),
            journal: PathBuf::from(journal),
            open: None,
        }
    }

    pub fn path(&self) -> &Path {
        &self.cassette
    }

    /// The cassette as it stands: the file, and what a journal left by an interrupted run holds.
    /// `None` when neither exists.
    pub fn load(&self) -> Result<Option<Cassette>, String> {
        // A large file in this store's layout is read in segments (`yaml_bulk`); anything else,
        // or a doubt, whole by serde_yaml, whose errors say where the problem is.
        let bulk = match fs::metadata(&self.cassette) {
            Ok(meta) if meta.len() >= yaml_bulk::BULK_ABOVE as u64 => {
                fs::File::open(&self.cassette)
                    .ok()
                    .and_then(|file| yaml_bulk::read(std::io::BufReader::new(file)))
            }
            _ => None,
        };
        let base = match bulk {
            Some(cassette) => Some(cassette),
            None => self.read_whole()?,
        };
        if let Some(base) = &base {
            check_format(base.format, &self.cassette.display().to_string())?;
        }
        let journal = match fs::read_to_string(&self.journal) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(base),
            Err(e) => return Err(format!("cannot read {}: {e}", self.journal.display())),
        };
        self.with_journal(base, &journal)
    }

    /// The cassette file read whole by serde_yaml; `None` when there is none.
    fn read_whole(&self) -> Result<Option<Cassette>, String> {
        match fs::read_to_string(&self.cassette) {
            Ok(text) => serde_yaml::from_str::<Cassette>(&text)
                .map(Some)
                .map_err(|e| format!("{}: {e}", self.cassette.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", self.cassette.display())),
        }
    }

    /// `base` and what an interrupted run's journal adds to it.
    fn with_journal(
        &self,
        base: Option<Cassette>,
        journal: &str,
    ) -> Result<Option<Cassette>, String> {
        let mut documents = complete_documents(journal);
        let Some(head) = documents.next() else {
            return Ok(base);
        };
        let head: JournalHead = serde_yaml::from_str(head)
            .map_err(|e| format!("{}: the head: {e}", self.journal.display()))?;
        let mut interactions = Vec::new();
        for document in documents {
            interactions.push(
                serde_yaml::from_str::<Interaction>(document)
                    .map_err(|e| format!("{}: {e}", self.journal.display()))?,
            );
        }
        let mut cassette = Cassette::for_run(base, &head.run, &head.upstream, &head.redaction_key);
        cassette.interactions.extend(interactions);
        Ok(Some(cassette))
    }

    /// Starts a run: an interrupted run's journal is folded into the cassette first; then a new
    /// journal. Returns the cassette the run builds on (empty for `all`).
    fn begin_run(
        &self,
        mode: RecordMode,
        upstream: &str,
        redaction_key: &str,
    ) -> Result<(Cassette, Journal), String> {
        if let Some(dir) = self.cassette.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let existing = self.load()?;
        if existing.is_some() && self.journal.exists() {
            self.write(existing.as_ref())?;
        }
        let base = Cassette::for_run(existing, mode.as_str(), upstream, redaction_key);
        let head = JournalHead {
            run: mode.as_str().to_owned(),
            upstream: upstream.to_owned(),
            redaction_key: redaction_key.to_owned(),
        };
        let mut file = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&self.journal)
            .map_err(|e| format!("cannot open {}: {e}", self.journal.display()))?;
        let head = serde_yaml::to_string(&head).map_err(|e| e.to_string())?;
        file.write_all(document(&head).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", self.journal.display()))?;
        sync_dir(&self.journal);
        Ok((
            base,
            Journal {
                file,
                path: self.journal.clone(),
            },
        ))
    }

    /// Writes `cassette` atomically as the cassette file and removes the journal.
    fn write(&self, cassette: Option<&Cassette>) -> Result<(), String> {
        if let Some(cassette) = cassette {
            let text = serde_yaml::to_string(cassette).map_err(|e| e.to_string())?;
            let temporary = self.cassette.with_extension("yaml.tmp");
            let written = File::create(&temporary)
                .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()));
            written.map_err(|e| format!("cannot write {}: {e}", temporary.display()))?;
            fs::rename(&temporary, &self.cassette)
                .map_err(|e| format!("cannot write {}: {e}", self.cassette.display()))?;
            sync_dir(&self.cassette);
        }
        match fs::remove_file(&self.journal) {
            Ok(()) => sync_dir(&self.journal),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot remove {}: {e}", self.journal.display())),
        }
        Ok(())
    }
}

impl CassetteStore for YamlStore {
    fn location(&self) -> String {
        self.cassette.display().to_string()
    }

    fn exists(&self) -> bool {
        self.cassette.exists()
    }

    fn load(&self) -> Result<Option<Cassette>, String> {
        YamlStore::load(self)
    }

    fn begin(
        &mut self,
        mode: RecordMode,
        upstream: &str,
        redaction_key: &str,
    ) -> Result<Cassette, String> {
        let (base, journal) = self.begin_run(mode, upstream, redaction_key)?;
        self.open = Some(journal);
        Ok(base)
    }

    fn append(&mut self, interactions: &[&Interaction]) -> Result<(), String> {
        self.open
            .as_mut()
            .ok_or_else(|| "no recording is running".to_owned())?
            .append(interactions)
    }

    fn commit(&mut self, cassette: Option<&Cassette>) -> Result<(), String> {
        self.open = None;
        self.write(cassette)
    }
}

/// The journal of a running recording: documents appended, then made durable together.
struct Journal {
    file: File,
    path: PathBuf,
}

impl Journal {
    /// Appends `interactions` and makes them durable (one fsync).
    fn append(&mut self, interactions: &[&Interaction]) -> Result<(), String> {
        let mut text = String::new();
        for interaction in interactions {
            let yaml = serde_yaml::to_string(interaction).map_err(|e| e.to_string())?;
            text.push_str(&document(&yaml));
        }
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }
}

/// `yaml` as one journal document: `---`, the YAML (ending in a newline), `...`.
fn document(yaml: &str) -> String {
    let newline = if yaml.ends_with('\n') { "" } else { "\n" };
    format!("---\n{yaml}{newline}...\n")
}

/// The journal's documents that were written whole (each ends with `...`); what follows the last
/// complete one was cut off.
fn complete_documents(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let body = rest.strip_prefix("---\n")?;
        let end = body.find(END)?;
        rest = &body[end + END.len()..];
        // The document with its last newline (a literal block's last line break is its text's).
        Some(&body[..=end])
    })
}

/// Makes a rename or removal in `path`'s directory durable (best effort where unsupported).
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(dir) = File::open(dir)
    {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cassette::model::sample as interaction;

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("parlel-yaml-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_run_journals_then_commits_and_an_interrupted_one_loads() {
        let dir = dir("run");
        let mut store = YamlStore::new(&dir, "c");
        let mut cassette = store.begin(RecordMode::All, "h", "k").unwrap();
        let (a, b) = (interaction(0), interaction(1));
        store.append(&[&a, &b]).unwrap();
        // Interrupted here: the journal alone makes the cassette.
        let loaded = store.load().unwrap().unwrap();
        assert_eq!(loaded.interactions, [a.clone(), b.clone()]);
        // A torn last document (no end marker) is left out.
        let mut file = OpenOptions::new()
            .append(true)
            .open(&store.journal)
            .unwrap();
        file.write_all(b"---\nrequest:\n  action: Get").unwrap();
        assert_eq!(
            YamlStore::load(&store).unwrap().unwrap().interactions.len(),
            2
        );
        // Committed: one file, byte-stable, no journal.
        cassette.interactions = vec![a.clone(), b.clone()];
        store.commit(Some(&cassette)).unwrap();
        assert!(!store.journal.exists());
        let text = fs::read_to_string(store.path()).unwrap();
        assert_eq!(text, serde_yaml::to_string(&cassette).unwrap());
        assert_eq!(store.load().unwrap().unwrap(), cassette);
        // A "new" run builds on it; an "all" run starts empty (the old file stays until commit).
        let base = store.begin(RecordMode::New, "h", "k2").unwrap();
        assert_eq!(base.interactions.len(), 2);
        let base = store.begin(RecordMode::All, "h", "k3").unwrap();
        assert!(base.interactions.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }
}
