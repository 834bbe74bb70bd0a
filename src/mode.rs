//! The one place that chooses who answers an STS request. Chosen once at start-up from
//! `server.mode`; record and replay will sit here beside the fake, which knows nothing of them.

use crate::fake::{Fake, Reply, StsRequest};

pub enum Backend {
    /// Answers from the built-in fake.
    Fake(Fake),
}

impl Backend {
    pub fn answer(&self, request: &StsRequest<'_>) -> Reply {
        match self {
            Backend::Fake(fake) => fake.handle(request),
        }
    }

    /// The fake behind every mode (replay falls back to it; record hands out its credentials).
    pub fn fake(&self) -> &Fake {
        match self {
            Backend::Fake(fake) => fake,
        }
    }

    pub fn mode_name(&self) -> &'static str {
        match self {
            Backend::Fake(_) => "fake",
        }
    }
}
