//! A small deterministic random stream for the tests that try many generated inputs (xorshift64:
//! the same seed gives the same inputs every run, so a failure can be replayed).

/// The stream from `seed` (not zero).
pub fn xorshift(seed: u64) -> impl FnMut() -> u64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}
