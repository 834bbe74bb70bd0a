//! Integration tests: the real server on an ephemeral port, driven over HTTP by the `aws-sdk-sts`
//! crate, raw HTTP/1.1 bytes, the built binary, and the aws CLI and boto3.

mod admin;
mod authorization_message;
mod binary;
mod connection;
mod delegated;
mod identity;
mod model;
mod robustness;
mod root;
mod saml;
mod session_policy;
mod support;
mod validation;
mod web_identity;
mod web_identity_token;
mod wire;
