//! Record mode's way to real STS: its configuration (`[record]`), the real credentials it signs
//! with, the one pooled client (`client`), the forwarded request re-signed by aws-sigv4
//! (`resign`), the fake -> real sessions it handed out (`sessions`), and the recorder that puts
//! them together for each request (`recorder`), with record mode `new`'s cassette in front
//! (`front`).

mod client;
mod config;
mod credentials;
mod front;
mod proxy;
mod recorder;
mod resign;
mod sessions;

pub use config::{RecordConfig, RecordMode, in_ci};
pub use credentials::{RealCredentials, parse_dotenv};
pub use front::Front;
pub use recorder::{Recorder, RecordingState};
