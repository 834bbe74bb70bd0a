//! The sessions record mode handed out: the fake access key id the client got -> the real
//! temporary credentials behind it, in memory only. When the client signs with such a key, the
//! request goes up signed with the real session, so a chain records as a chain and an expired
//! session reaches the upstream as itself (and gets its ExpiredToken).
//!
//! Bounded by count (the oldest goes first); an entry is kept for an hour past its expiry, so an
//! expired fake key is still itself upstream, not the base credentials.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::cassette::RealSession;

/// Sessions kept at most.
const KEPT: usize = 10_000;
/// How long past its expiry a session is still known.
const GRACE_MS: i64 = 3_600_000;

#[derive(Default)]
pub struct Sessions(Mutex<Inner>);

#[derive(Default)]
struct Inner {
    by_fake_key: HashMap<String, RealSession>,
    /// Fake keys, oldest first.
    order: VecDeque<String>,
}

impl Sessions {
    pub fn insert(&self, fake_key: String, session: RealSession) {
        let Ok(mut inner) = self.0.lock() else {
            return;
        };
        if inner
            .by_fake_key
            .insert(fake_key.clone(), session)
            .is_none()
        {
            inner.order.push_back(fake_key);
        }
        while inner.order.len() > KEPT {
            if let Some(oldest) = inner.order.pop_front() {
                inner.by_fake_key.remove(&oldest);
            }
        }
    }

    /// The real session behind `fake_key`, unless it expired more than the grace period ago.
    pub fn get(&self, fake_key: &str, now_ms: i64) -> Option<RealSession> {
        let inner = self.0.lock().ok()?;
        let session = inner.by_fake_key.get(fake_key)?;
        match session.expires_ms {
            Some(expires) if expires + GRACE_MS < now_ms => None,
            _ => Some(session.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn session(expires_ms: i64) -> RealSession {
        RealSession {
            access_key_id: Secret::new("ASIAREAL"),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expires_ms: Some(expires_ms),
        }
    }

    #[test]
    fn kept_past_expiry_for_the_grace_period_and_bounded() {
        let sessions = Sessions::default();
        sessions.insert("ASIAFAKE".into(), session(1_000));
        assert!(sessions.get("ASIAFAKE", 1_000 + GRACE_MS).is_some());
        assert!(sessions.get("ASIAFAKE", 1_001 + GRACE_MS).is_none());
        assert!(sessions.get("ASIAOTHER", 0).is_none());
        for i in 0..=KEPT {
            sessions.insert(format!("K{i}"), session(i64::MAX / 2));
        }
        assert!(
            sessions.get("ASIAFAKE", 0).is_none(),
            "the oldest went first"
        );
        assert!(sessions.get(&format!("K{KEPT}"), 0).is_some());
    }
}
