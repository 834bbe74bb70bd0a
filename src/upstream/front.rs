//! Record mode `new` (and replay with `--on-miss record`): before anything is forwarded, the
//! cassette as it was when the run began answers what it holds, with replay's matching rules,
//! order and rebasing. A session the cassette handed out has no real credentials behind it, so
//! what it asks that the cassette lacks cannot be forwarded.

use crate::cassette::{Rewriter, recorded_request};
use crate::error::{ErrorCode, StsError};
use crate::fake::Fake;
use crate::replay::{Identity, Loaded, Lookup, Matcher, Rebase};
use crate::wire::answer::Answer;
use crate::wire::request::StsRequest;

/// How a recording run answers from its cassette first.
pub struct Front {
    pub matcher: Matcher,
    pub strict_order: bool,
    pub rebase: Rebase,
}

impl Front {
    /// The cassette's answer when it has one (`Ok(None)`: forward the request).
    /// `this_run(key)` says whether a key is of a session this run handed out: those are new
    /// to the cassette.
    pub fn answer(
        &self,
        stored: &Loaded,
        fake: &Fake,
        request: &StsRequest<'_>,
        this_run: impl Fn(&str) -> bool,
        rewriter: &Rewriter,
    ) -> Result<Option<Answer>, StsError> {
        let identity = match Identity::of(request, stored, fake) {
            Identity::Recorded(key) => key,
            Identity::Fake | Identity::Base => match &request.caller {
                Some(caller) if this_run(caller.access_key_id) => return Ok(None),
                _ => "base".to_owned(),
            },
        };
        let asked = recorded_request(request, identity, rewriter);
        let key = self.matcher.key(&asked);
        if let Lookup::Hit(index) = stored.lookup(&key, self.strict_order) {
            let now_s = (self.rebase == Rebase::On).then(|| fake.clock().now_ms() / 1000);
            let complete = stored
                .answer(index, now_s)
                .map_err(|why| StsError::new(ErrorCode::CassetteMiss, why))?;
            return Ok(Some(Answer::Complete(complete)));
        }
        let miss = stored.miss(&asked, &self.matcher);
        let why = stored.describe(&miss);
        if asked.identity != "base" {
            return Err(StsError::new(
                ErrorCode::CassetteMiss,
                format!(
                    "{why}; and the session {} was handed out by the cassette, so there are no real credentials to forward it with",
                    asked.identity
                ),
            ));
        }
        tracing::info!(target: "parlel_sts::record", "miss, forwarded: {why}");
        Ok(None)
    }
}
