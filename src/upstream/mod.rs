//! Record mode's way to real STS: its configuration (`[record]`) and the real credentials it signs
//! with. (The pooled client and the re-signing of forwarded requests come next.)

mod config;
mod credentials;

pub use config::{RecordConfig, RecordMode, in_ci};
pub use credentials::{RealCredentials, Secret, parse_dotenv};
