//! How many issued sessions are still live, in O(1) memory: a ring of per-minute counters, each
//! counting the sessions that expire in that minute. A bucket packs (expiry minute, count) into one
//! atomic, so issuing takes no lock. Exact to the minute.

use std::sync::atomic::{AtomicU64, Ordering};

/// More minutes than the longest session lasts (129600 s = 2160 min), so two live minutes never share
/// a bucket while the clock runs forward. (Moving the admin clock backwards can make the count
/// approximate until those sessions expire; it never makes it grow without bound.)
const BUCKETS: usize = 4096;

pub struct LiveSessions {
    buckets: Box<[AtomicU64]>,
}

impl Default for LiveSessions {
    fn default() -> Self {
        LiveSessions {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

impl LiveSessions {
    /// Counts one session expiring at `expires` (seconds since the epoch).
    pub fn issued(&self, expires: i64) {
        let minute = minute_of(expires);
        let bucket = &self.buckets[minute as usize % BUCKETS];
        let _ = bucket.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |packed| {
            let (m, count) = unpack(packed);
            // A bucket holding another minute holds sessions long expired: start it over.
            Some(if m == minute {
                pack(minute, count.saturating_add(1))
            } else {
                pack(minute, 1)
            })
        });
    }

    /// Sessions whose expiry minute is after `now`'s.
    pub fn live(&self, now: i64) -> u64 {
        let current = minute_of(now);
        self.buckets
            .iter()
            .map(|b| unpack(b.load(Ordering::Relaxed)))
            .filter(|(m, count)| *count > 0 && *m > current)
            .map(|(_, count)| u64::from(count))
            .sum()
    }

    pub fn clear(&self) {
        self.buckets
            .iter()
            .for_each(|b| b.store(0, Ordering::Relaxed));
    }
}

fn minute_of(seconds: i64) -> u32 {
    u32::try_from(seconds.div_euclid(60)).unwrap_or(0)
}

fn pack(minute: u32, count: u32) -> u64 {
    (u64::from(minute) << 32) | u64::from(count)
}

fn unpack(packed: u64) -> (u32, u32) {
    ((packed >> 32) as u32, packed as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_until_expiry_and_clears() {
        let s = LiveSessions::default();
        s.issued(10_000 + 3600);
        s.issued(10_000 + 3600);
        s.issued(10_000 + 900);
        assert_eq!(s.live(10_000), 3);
        assert_eq!(s.live(10_000 + 1000), 2);
        assert_eq!(s.live(10_000 + 3700), 0);
        s.clear();
        assert_eq!(s.live(0), 0);
    }
}
