//! Writing bundles: the payload stream, the manifest, the container, and
//! the self-check with the verifier library.

pub mod approval;
mod build;
mod container;
mod cosign;
mod draft;
mod payload;
mod sbom;
mod selfcheck;
mod volumes;

pub use build::{build, check, BuildOptions, BuildReport, CheckReport};
pub use cosign::{add_signature, cosign, NewSignature};
pub use volumes::{parse_volume_size, VolumeFile};
