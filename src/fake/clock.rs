//! The one source of time. The system clock, optionally pinned (frozen at an instant) or shifted by an
//! offset; the admin endpoint sets and advances it so tests expire credentials without sleeping.
//! Lock-free: two atomics.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// `frozen_ms == NOT_FROZEN` means the clock runs (system time + offset).
const NOT_FROZEN: i64 = i64::MIN;

#[derive(Debug)]
pub struct Clock {
    frozen_ms: AtomicI64,
    offset_ms: AtomicI64,
}

impl Clock {
    /// The system clock, or one frozen at `pinned_ms` (milliseconds since the epoch).
    pub fn new(pinned_ms: Option<i64>) -> Clock {
        Clock {
            frozen_ms: AtomicI64::new(pinned_ms.unwrap_or(NOT_FROZEN)),
            offset_ms: AtomicI64::new(0),
        }
    }

    pub fn now_ms(&self) -> i64 {
        match self.frozen_ms.load(Ordering::Relaxed) {
            NOT_FROZEN => system_ms().saturating_add(self.offset_ms.load(Ordering::Relaxed)),
            frozen => frozen,
        }
    }

    /// Whole seconds since the epoch: what `Expiration` and expiry checks use.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    pub fn is_frozen(&self) -> bool {
        self.frozen_ms.load(Ordering::Relaxed) != NOT_FROZEN
    }

    /// Freezes the clock at `ms`.
    pub fn pin(&self, ms: i64) {
        self.frozen_ms
            .store(ms.max(NOT_FROZEN + 1), Ordering::Relaxed);
    }

    /// Moves the clock forward (or back, when negative), frozen or running.
    pub fn advance(&self, ms: i64) {
        let frozen = self.frozen_ms.load(Ordering::Relaxed);
        if frozen == NOT_FROZEN {
            let _ = self
                .offset_ms
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                    Some(o.saturating_add(ms))
                });
        } else {
            self.pin(frozen.saturating_add(ms));
        }
    }

    /// Back to the system clock, no offset.
    pub fn release(&self) {
        self.frozen_ms.store(NOT_FROZEN, Ordering::Relaxed);
        self.offset_ms.store(0, Ordering::Relaxed);
    }
}

fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_clock_moves_only_when_told() {
        let c = Clock::new(Some(1_000_000));
        assert_eq!(c.now(), 1000);
        c.advance(3_600_000);
        assert_eq!(c.now(), 4600);
        c.release();
        assert!(!c.is_frozen());
        c.advance(10_000);
        assert!(c.now_ms() - system_ms() >= 9_000);
    }
}
