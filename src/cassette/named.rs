//! The cassettes requests name (`/cassette/NAME/`, `X-Parlel-Cassette`), each opened once, when
//! first named, and shared from then on: what replay loads and record mode records into.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

use crate::error::{ErrorCode, StsError};
use crate::wire::request::StsRequest;

type Slot<T> = Arc<OnceLock<Result<Arc<T>, String>>>;

/// Cassettes requests may name in one run: each is a file opened (and, recording, a journal), so
/// a client naming new ones without end is refused past this.
pub const MAX_NAMED: usize = 4096;

pub struct Named<T> {
    slots: RwLock<HashMap<String, Slot<T>>>,
}

impl<T> Default for Named<T> {
    fn default() -> Self {
        Named {
            slots: RwLock::new(HashMap::new()),
        }
    }
}

/// The cassette `request` names other than `default`: `Ok(None)` for the default one.
pub fn named_by<'a>(request: &StsRequest<'a>, default: &str) -> Result<Option<&'a str>, StsError> {
    match request.cassette() {
        None => Ok(None),
        Some(Err(why)) => Err(StsError::new(ErrorCode::CassetteMiss, why)),
        Some(Ok(name)) if name == default => Ok(None),
        Some(Ok(name)) => Ok(Some(name)),
    }
}

impl<T> Named<T> {
    /// The cassette `name`, opened with `open` the first time (concurrent first uses wait for
    /// one opening; an error is kept, so it is not retried on every request).
    pub fn get_or_open(
        &self,
        name: &str,
        open: impl FnOnce() -> Result<T, String>,
    ) -> Result<Arc<T>, StsError> {
        let unusable =
            || StsError::new(ErrorCode::InternalFailure, "the cassette list is unusable");
        let slot = self
            .slots
            .read()
            .map_err(|_| unusable())?
            .get(name)
            .cloned();
        let slot = match slot {
            Some(slot) => slot,
            None => {
                let mut slots = self.slots.write().map_err(|_| unusable())?;
                if slots.len() >= MAX_NAMED && !slots.contains_key(name) {
                    return Err(StsError::new(
                        ErrorCode::CassetteMiss,
                        format!("this run has opened {MAX_NAMED} cassettes already: not one more"),
                    ));
                }
                Arc::clone(slots.entry(name.to_owned()).or_default())
            }
        };
        let opened = slot.get_or_init(|| blocking(open).map(Arc::new));
        opened
            .clone()
            .map_err(|why| StsError::new(ErrorCode::CassetteMiss, why))
    }

    /// Every cassette opened so far, by name.
    pub fn opened(&self) -> Vec<Arc<T>> {
        let Ok(slots) = self.slots.read() else {
            return Vec::new();
        };
        let mut names: Vec<&String> = slots.keys().collect();
        names.sort();
        names
            .into_iter()
            .filter_map(|name| slots.get(name)?.get()?.as_ref().ok().cloned())
            .collect()
    }
}

/// Runs `work` (it reads files) where it may block: on a multi-thread runtime the runtime moves
/// its other tasks off this thread meanwhile; elsewhere it just runs.
fn blocking<R>(work: impl FnOnce() -> R) -> R {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_thread {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_opens_once_errors_are_kept_and_the_count_is_bounded() {
        let named: Named<String> = Named::default();
        let opened = std::sync::atomic::AtomicUsize::new(0);
        let open = |text: &str| {
            opened.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(text.to_owned())
        };
        assert_eq!(*named.get_or_open("a", || open("A")).unwrap(), "A");
        assert_eq!(*named.get_or_open("a", || open("again")).unwrap(), "A");
        assert_eq!(opened.load(std::sync::atomic::Ordering::Relaxed), 1);
        let failed = named.get_or_open("bad", || Err("broken".to_owned()));
        assert_eq!(failed.err().unwrap().code, ErrorCode::CassetteMiss);
        assert!(named.get_or_open("bad", || open("fixed")).is_err(), "kept");
        for n in 0..MAX_NAMED {
            let _ = named.get_or_open(&format!("n{n}"), || open("x"));
        }
        let over = named.get_or_open("one-more", || open("x")).err().unwrap();
        assert!(over.message.unwrap_or_default().contains("not one more"));
        assert!(
            named.get_or_open("a", || open("x")).is_ok(),
            "known names still work"
        );
        assert_eq!(
            named.opened().len(),
            MAX_NAMED - 1,
            "all but the one that failed"
        );
    }
}
