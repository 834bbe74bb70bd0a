//! Cassettes: the recorded interactions record mode writes and replay mode answers from: their
//! configuration (`[cassettes]`), the format (`model`), the redaction of answers (`redact`), the
//! YAML store with its journal (`yaml_store`) and the run's one writer (`writer`). The sled store
//! comes next.

mod body;
mod config;
pub mod json_pairs;
mod key;
mod key_ids;
mod matching;
mod model;
mod named;
mod open;
mod redact;
mod rewrite;
mod scan;
mod sled_store;
mod store;
mod writer;
mod yaml_bulk;
mod yaml_item;
mod yaml_store;

pub use body::{element_texts, handed_out_keys, looks_like_sts, parses_as_sts};
pub use config::{CassetteConfig, Store};
pub use key::recorded_request;
pub use key_ids::is_fake_access_key_id;
pub use matching::{MatchRuleConfig, Matcher, is_sdk_session_name};
#[cfg(test)]
pub(crate) use model::sample;
pub use model::{
    Cassette, DIGESTED_PARAMETERS, FORMAT, Interaction, RecordedRequest, RecordedResponse,
    check_format, digest,
};
pub use named::{Named, named_by};
pub use open::{convert, load_path, open, open_path};
pub use redact::{RealSession, Redacted, Redactor};
pub use rewrite::{AccountsRule, RewriteRule, Rewriter};
pub use scan::{Finding, scan, scan_files};
pub use sled_store::{SledIndex, SledStore};
pub use store::{CassetteStore, RecordMode};
pub use writer::Writer;
pub use yaml_store::YamlStore;
