//! The AWS Query wire protocol: parameters in, caller credentials, XML/JSON out.

pub mod caller;
pub mod headers;
pub mod params;
pub mod render;
