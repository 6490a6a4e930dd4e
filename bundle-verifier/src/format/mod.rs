//! The bundle format as bytes: the container, the signed manifest, the
//! payload stream, safe paths, digests, the SBOM member, the limits that
//! bound every read, and the bounded read of whole files from disk. Nothing here decides whom to trust (that is
//! [`crate::trust`]); nothing here writes outside the staging sink it is
//! handed.

pub mod actions;
pub mod digest;
pub mod envelope;
pub mod fileset;
pub mod limits;
pub mod manifest;
pub mod names;
pub mod payload;
pub mod read;
pub mod rules;
pub mod safepath;
pub mod sbom;
pub mod texts;
pub mod volumes;
