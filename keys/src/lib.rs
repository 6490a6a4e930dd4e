//! Keys shared by the bundle builder and verifier: public keys in SPKI PEM,
//! key IDs, strict Ed25519 signature checks, and the trust root document.
//! Secret keys and the [`Signer`](signing::Signer) trait live behind the
//! `signing` feature, PKCS#11 tokens behind `pkcs11`, so the verifier links
//! no bundle-signing code. The instrument's receipt key
//! ([`device::DeviceKey`]) has its own `device` feature.

pub mod canonical;
mod date;
#[cfg(feature = "device")]
pub mod device;
mod error;
mod platform;
mod public;
mod read;
pub mod root;
#[cfg(feature = "signing")]
pub mod signing;
#[cfg(feature = "pkcs11")]
pub mod token;

pub use date::Date;
pub use error::KeyError;
pub use public::{KeyId, PublicKey, SignatureBytes, SignatureEntry};
pub use read::MAX_KEY_FILE_BYTES;
