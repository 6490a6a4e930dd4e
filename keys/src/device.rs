//! The instrument's own Ed25519 key, which signs receipts of what was done
//! at the instrument. It is deliberately separate from release signing
//! ([`signing`](crate::signing)): an instrument can sign what it did, never a bundle.

// LF on every OS: the default is CRLF on Windows.
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF;
use std::path::Path;

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer as _, SigningKey};

use crate::platform;
use crate::{KeyError, KeyId, PublicKey, SignatureBytes};

/// An instrument's receipt-signing key (PKCS#8 PEM on disk, owner-only).
pub struct DeviceKey {
    secret: SigningKey,
    public: PublicKey,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DeviceKey({})", self.public.key_id())
    }
}

impl DeviceKey {
    pub fn generate() -> Self {
        Self::from_signing_key(SigningKey::generate(&mut rand_core::OsRng))
    }

    fn from_signing_key(secret: SigningKey) -> Self {
        let public = PublicKey::from_verifying_key(secret.verifying_key())
            .expect("a freshly derived public key is never weak");
        DeviceKey { secret, public }
    }

    /// A device key from PKCS#8 PEM text.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let key = SigningKey::from_pkcs8_pem(pem.trim())
            .map_err(|e| KeyError::BadSecretKey(e.to_string()))?;
        Ok(Self::from_signing_key(key))
    }

    /// Hands the secret key's PKCS#8 PEM text to `write` (for callers that
    /// place the key file themselves); the text is wiped afterwards.
    pub fn with_pem<T>(&self, write: impl FnOnce(&[u8]) -> T) -> T {
        let pem = self
            .secret
            .to_pkcs8_pem(LF)
            .expect("encoding a valid Ed25519 secret key cannot fail");
        write(pem.as_bytes())
    }

    pub fn read_pem_file(path: &Path) -> Result<Self, KeyError> {
        Self::from_pem(&crate::read::read_key_file(
            path,
            crate::MAX_KEY_FILE_BYTES,
        )?)
    }

    /// Writes the secret key (mode 0600 on Unix) to a file that must not
    /// exist. The key is written and synced under a temporary name first, so
    /// a power loss never leaves a half-written key under the real name.
    pub fn write_pem_file(&self, path: &Path) -> Result<(), KeyError> {
        let pem = self
            .secret
            .to_pkcs8_pem(LF)
            .expect("encoding a valid Ed25519 secret key cannot fail");
        let err = |source| KeyError::Write {
            path: path.to_owned(),
            source,
        };
        if path.exists() {
            return Err(KeyError::Exists {
                path: path.to_owned(),
            });
        }
        let mut tmp_name = path.as_os_str().to_owned();
        tmp_name.push(format!(".tmp-{}", std::process::id()));
        let tmp = std::path::PathBuf::from(tmp_name);
        let _ = std::fs::remove_file(&tmp);
        let written = platform::create_new(&tmp, true).and_then(|mut f| {
            std::io::Write::write_all(&mut f, pem.as_bytes())?;
            f.sync_all()
        });
        // A hard link never replaces an existing key, unlike a rename.
        let linked = written.and_then(|()| std::fs::hard_link(&tmp, path));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(KeyError::Exists {
                path: path.to_owned(),
            }),
            r => r.map_err(err),
        }
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    pub fn key_id(&self) -> &KeyId {
        self.public.key_id()
    }

    /// Signs a receipt body. Callers put a `type` field in what they sign,
    /// so a receipt signature can never be mistaken for anything else.
    pub fn sign(&self, message: &[u8]) -> SignatureBytes {
        SignatureBytes(self.secret.sign(message).to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_key_round_trips_through_its_file_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("device.key");
        let k = DeviceKey::generate();
        k.write_pem_file(&p).unwrap();
        let k2 = DeviceKey::read_pem_file(&p).unwrap();
        assert_eq!(k.key_id(), k2.key_id());
        let sig = k2.sign(b"receipt");
        k.public_key().verify_strict(b"receipt", &sig).unwrap();
        assert!(k.public_key().verify_strict(b"receipT", &sig).is_err());
        assert!(matches!(k.write_pem_file(&p), Err(KeyError::Exists { .. })));
        platform::assert_owner_only(&p);
    }
}
