//! The reference reader of the offline patch bundle format (`docs/FORMAT.md`).
//!
//! A bundle is read in one forward pass: the format marker, the manifest and
//! its signatures come first, so the signature is checked before any payload
//! byte is decompressed; the payload is then hashed as it streams, unpacked
//! only into a private staging directory, and installed only when every byte
//! matched what the manifest signed.
//!
//! The modules follow the roles of the people and programs that use them
//! (see `ARCHITECTURE.md`): [`format`](mod@format) is the wire format, [`trust`] judges
//! signatures, [`instrument`] installs on an instrument, [`audit`] serves the
//! auditor, [`platform`] holds every operating-system-specific call, and
//! [`i18n`] every text a person reads.

pub mod audit;
pub mod error;
pub mod format;
pub mod i18n;
pub mod instrument;
pub mod platform;
pub mod trust;
mod verify;

pub use error::{Error, ExitClass};
pub use format::limits::Limits;
pub use format::manifest::Manifest;
pub use instrument::identity::Identity;
pub use trust::{TrustedKeys, Verified};
pub use verify::{
    extract, extract_sbom, inspect, open_verified, open_verified_from, verify, ExtractedSbom,
    Inspection, Opened, Sbom, VerifyOptions, VerifyReport,
};

/// Version of this tool, recorded in reports.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");
