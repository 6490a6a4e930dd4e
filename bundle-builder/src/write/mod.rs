//! Writing bundles: the payload stream, the manifest, the container, and
//! the self-check with the verifier library.

mod build;
mod container;
mod cosign;
mod draft;
mod payload;
mod sbom;
mod selfcheck;
mod volumes;

pub use build::{build, BuildOptions, BuildReport};
pub use cosign::cosign;
pub use volumes::{parse_volume_size, VolumeFile};
