//! Secret keys and the [`Signer`] trait. File keys today; encrypted keys and
//! PKCS#11 tokens implement the same trait, so callers never care which.

use std::io::Write;
use std::path::Path;

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer as _, SigningKey};
use zeroize_free::Secret;

use crate::{KeyError, KeyId, PublicKey, SignatureBytes};

/// Anything that can produce an Ed25519 signature under a known public key.
pub trait Signer {
    fn public_key(&self) -> &PublicKey;
    fn sign(&self, message: &[u8]) -> Result<SignatureBytes, KeyError>;
    fn key_id(&self) -> &KeyId {
        self.public_key().key_id()
    }
}

/// An Ed25519 secret key held in memory, loaded from or saved to PKCS#8 PEM.
pub struct FileKey {
    secret: Secret,
    public: PublicKey,
}

mod zeroize_free {
    /// Wrapper so the secret is never printed by `Debug`.
    pub struct Secret(pub ed25519_dalek::SigningKey);
    impl std::fmt::Debug for Secret {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Secret(..)")
        }
    }
}

impl FileKey {
    pub fn generate() -> Self {
        Self::from_signing_key(SigningKey::generate(&mut rand_core::OsRng))
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let public = PublicKey::from_verifying_key(key.verifying_key())
            .expect("a freshly derived public key is never weak");
        FileKey {
            secret: Secret(key),
            public,
        }
    }

    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let key = SigningKey::from_pkcs8_pem(pem.trim())
            .map_err(|e| KeyError::BadSecretKey(e.to_string()))?;
        Ok(Self::from_signing_key(key))
    }

    pub fn read_pem_file(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_pem(&text)
    }

    /// PKCS#8 v1 PEM ("-----BEGIN PRIVATE KEY-----"), as `openssl genpkey -algorithm ed25519` writes.
    pub fn to_pem(&self) -> String {
        self.secret
            .0
            .to_pkcs8_pem(Default::default())
            .expect("encoding a valid Ed25519 secret key cannot fail")
            .to_string()
    }

    /// Writes `PREFIX.key` (mode 0600 on Unix) and `PREFIX.pub`; never overwrites.
    pub fn write_pair(&self, prefix: &Path) -> Result<(), KeyError> {
        let secret_path = with_suffix(prefix, "key");
        let public_path = with_suffix(prefix, "pub");
        for p in [&secret_path, &public_path] {
            if p.exists() {
                return Err(KeyError::Exists { path: p.clone() });
            }
        }
        write_new_file(&secret_path, self.to_pem().as_bytes(), true)?;
        write_new_file(&public_path, self.public.to_pem().as_bytes(), false)?;
        Ok(())
    }
}

impl Signer for FileKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign(&self, message: &[u8]) -> Result<SignatureBytes, KeyError> {
        Ok(SignatureBytes(self.secret.0.sign(message).to_bytes()))
    }
}

/// `prefix` + `.suffix`, keeping any dots already in the prefix.
pub fn with_suffix(prefix: &Path, suffix: &str) -> std::path::PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(suffix);
    s.into()
}

/// Creates a file that must not exist yet; `private` makes it owner-only on Unix.
pub fn write_new_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), KeyError> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let err = |source| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    let mut f = opts.open(path).map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.sync_all().map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_strict_round_trips_and_detects_change() {
        let k = FileKey::generate();
        let sig = k.sign(b"manifest").unwrap();
        k.public_key().verify_strict(b"manifest", &sig).unwrap();
        assert!(k.public_key().verify_strict(b"manifesT", &sig).is_err());
    }

    #[test]
    fn pem_round_trip_keeps_key_id() {
        let k = FileKey::generate();
        let k2 = FileKey::from_pem(&k.to_pem()).unwrap();
        assert_eq!(k.key_id(), k2.key_id());
        let p = PublicKey::from_pem(&k.public_key().to_pem()).unwrap();
        assert_eq!(&p, k.public_key());
    }

    #[test]
    fn write_pair_is_private_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("rel");
        let k = FileKey::generate();
        k.write_pair(&prefix).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(with_suffix(&prefix, "key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            k.write_pair(&prefix),
            Err(KeyError::Exists { .. })
        ));
    }
}
