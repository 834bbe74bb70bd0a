//! The AWS Query protocol, both ways: an HTTP request to an `StsRequest` (`headers`, `form`,
//! `params`, `caller`, `request`; `sigv4` checks signatures), and an `Answer` back to HTTP
//! (`output`, `ids`, `answer`, `render` with `xml` and `json`).

pub mod answer;
mod ascii;
pub mod caller;
mod form;
pub mod headers;
pub mod ids;
mod json;
pub mod output;
pub mod params;
pub mod render;
pub mod request;
pub mod sigv4;
mod xml;
