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

    /// [`DeviceKey::sign`] for a message too large to hold: `write` writes
    /// it, and is called twice (Ed25519 hashes the message twice), so it
    /// must write the same bytes both times. A receipt of 100,000 files is
    /// about 20 MB of JSON; this signs it without composing it in memory.
    pub fn sign_streamed(
        &self,
        write: impl Fn(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> std::io::Result<SignatureBytes> {
        use ed25519_dalek::hazmat::{raw_sign_byupdate, ExpandedSecretKey};
        use ed25519_dalek::Sha512;
        let esk = ExpandedSecretKey::from(self.secret.as_bytes());
        let failed = std::cell::Cell::new(None);
        let sig = raw_sign_byupdate::<Sha512, _>(
            &esk,
            |h: &mut Sha512| {
                write(&mut DigestWriter(h)).map_err(|e| {
                    failed.set(Some(e));
                    ed25519_dalek::SignatureError::new()
                })
            },
            &self.secret.verifying_key(),
        );
        match (sig, failed.take()) {
            (_, Some(e)) => Err(e),
            (Ok(sig), None) => Ok(SignatureBytes(sig.to_bytes())),
            (Err(e), None) => Err(std::io::Error::other(e)),
        }
    }
}

/// Feeds what is written into a hash.
struct DigestWriter<'a>(&'a mut ed25519_dalek::Sha512);

impl std::io::Write for DigestWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(self.0, buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_signature_is_the_signature_of_the_whole_message() {
        let key = DeviceKey::generate();
        let message: Vec<u8> = (0..100_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let streamed = key
            .sign_streamed(|w| {
                for chunk in message.chunks(4093) {
                    w.write_all(chunk)?;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(streamed.0, key.sign(&message).0);
        key.public_key().verify_strict(&message, &streamed).unwrap();
        let err = key
            .sign_streamed(|_| Err(std::io::Error::other("disk gone")))
            .unwrap_err();
        assert_eq!(err.to_string(), "disk gone");
    }

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
