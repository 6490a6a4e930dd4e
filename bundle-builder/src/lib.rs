//! Builds offline patch bundles: reads a release spec and payload
//! directories, writes one deterministic, signed bundle, and re-reads it with
//! the verifier library before calling it done.

pub mod collect;
pub mod error;
pub mod layers;
mod place;
mod platform;
pub mod spec;
pub mod trust;
pub mod write;

pub use error::BuildError;
pub use platform::keep_heap_lean;
pub use spec::Spec;
pub use write::{
    build, check, cosign, parse_volume_size, BuildOptions, BuildReport, CheckReport, VolumeFile,
};
