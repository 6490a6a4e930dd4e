//! Keys shared by the bundle builder and verifier: public keys in SPKI PEM,
//! key IDs, and strict Ed25519 signature checks. Secret keys and the
//! [`Signer`](signing::Signer) trait live behind the `signing` feature so the
//! verifier links no bundle-signing code. The instrument's receipt key
//! ([`device::DeviceKey`]) has its own `device` feature.

#[cfg(feature = "device")]
pub mod device;
mod error;
mod public;
#[cfg(feature = "signing")]
pub mod signing;

pub use error::KeyError;
pub use public::{KeyId, PublicKey, SignatureBytes};
