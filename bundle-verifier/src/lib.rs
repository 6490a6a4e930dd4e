//! The reference reader of the offline patch bundle format (`docs/FORMAT.md`).
//!
//! A bundle is read in one forward pass: the format marker, the manifest and
//! its signatures come first, so the signature is checked before any payload
//! byte is decompressed; the payload is then hashed as it streams, unpacked
//! only into a private staging directory, and installed only when every byte
//! matched what the manifest signed.

pub mod check;
pub mod digest;
pub mod envelope;
pub mod error;
pub mod form;
pub mod identity;
pub mod install;
pub mod journal;
pub mod limits;
pub mod manifest;
pub mod messages;
pub mod payload;
pub mod receipt;
pub mod record;
pub mod registry;
pub mod report;
pub mod rollback;
pub mod safepath;
pub mod sbom;
pub mod scan;
pub mod state;
pub mod trust;
mod verify;

pub use error::{Error, ExitClass};
pub use identity::Identity;
pub use limits::Limits;
pub use manifest::Manifest;
pub use trust::{TrustedKeys, Verified};
pub use verify::{
    extract, extract_sbom, inspect, open_verified, open_verified_from, verify, ExtractedSbom,
    Inspection, Opened, Sbom, VerifyOptions, VerifyReport,
};

/// Version of this tool, recorded in reports.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
