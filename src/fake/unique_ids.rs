//! Role and user ids (`AROA...`, `AIDA...`) are a keyed hash of (account, name), and the same few
//! roles are assumed over and over: this remembers the latest few.

use std::sync::Mutex;

/// A small direct-mapped memo of `unique_id` (a pure function of its inputs): bounded memory, one
/// uncontended lock, and a miss costs no more than the HMAC it saves.
#[derive(Default)]
pub struct UniqueIdCache(Mutex<Vec<Option<CachedId>>>);

struct CachedId {
    /// `prefix`, `account` and `name`, each followed by a NUL (none of them holds one).
    key: String,
    id: String,
}

const UNIQUE_ID_SLOTS: usize = 64;

impl UniqueIdCache {
    fn slot(parts: &[&str; 3]) -> usize {
        // FNV-1a: cheap, and only picks a slot (the key is compared in full).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for &b in part.as_bytes().iter().chain(b"\0") {
                h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        (h % UNIQUE_ID_SLOTS as u64) as usize
    }

    fn matches(key: &str, parts: &[&str; 3]) -> bool {
        let mut rest = key;
        for part in parts {
            match rest.strip_prefix(part).and_then(|r| r.strip_prefix('\0')) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }

    pub fn get_or_insert(&self, parts: [&str; 3], compute: impl FnOnce() -> String) -> String {
        // A name holding NUL would make keys ambiguous: never cache it.
        if parts.iter().any(|p| p.contains('\0')) {
            return compute();
        }
        let slot = Self::slot(&parts);
        if let Ok(slots) = self.0.lock()
            && let Some(Some(cached)) = slots.get(slot)
            && Self::matches(&cached.key, &parts)
        {
            return cached.id.clone();
        }
        let id = compute();
        if let Ok(mut slots) = self.0.lock() {
            if slots.len() < UNIQUE_ID_SLOTS {
                slots.resize_with(UNIQUE_ID_SLOTS, || None);
            }
            let mut key = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
            for part in parts {
                key.push_str(part);
                key.push('\0');
            }
            slots[slot] = Some(CachedId {
                key,
                id: id.clone(),
            });
        }
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_id_cache_is_transparent() {
        let cache = UniqueIdCache::default();
        let mut computed = 0;
        let mut id = |parts: [&str; 3]| {
            cache.get_or_insert(parts, || {
                computed += 1;
                parts.join("|")
            })
        };
        assert_eq!(id(["AROA", "1", "app"]), "AROA|1|app");
        assert_eq!(id(["AROA", "1", "app"]), "AROA|1|app");
        assert_eq!(id(["AROA", "1", "ap"]), "AROA|1|ap");
        assert_eq!(id(["AROA", "1a", "pp"]), "AROA|1a|pp");
        assert_eq!(id(["AIDA", "1", "app"]), "AIDA|1|app");
        assert_eq!(id(["AROA", "1", "a\0b"]), "AROA|1|a\0b");
        assert_eq!(id(["AROA", "1", "a\0b"]), "AROA|1|a\0b");
        for i in 0..200 {
            let name = format!("role{i}");
            assert_eq!(id(["AROA", "1", &name]), format!("AROA|1|{name}"));
        }
        assert_eq!(computed, 206);
    }
}
