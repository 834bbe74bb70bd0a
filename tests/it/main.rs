//! Integration tests: the real server on an ephemeral port, driven over HTTP by the `aws-sdk-sts`
//! crate, raw HTTP/1.1 bytes, the built binary, and the aws CLI and boto3.

mod admin;
mod authorization_message;
mod binary;
mod cassette_tools;
mod connection;
mod delegated;
mod determinism;
mod identity;
mod logs;
mod model;
mod readme;
mod record;
mod record_hop;
mod record_moto;
mod record_startup;
mod record_support;
mod record_tls;
mod replay;
mod replay_rules;
mod robustness;
mod root;
mod saml;
mod session_policy;
mod sigv4;
mod startup;
mod strict;
mod support;
mod trust;
mod validation;
mod web_identity;
mod web_identity_token;
mod wire;
