//! Secret keys and the [`Signer`] trait. File keys (plain or encrypted
//! PKCS#8) and PKCS#11 tokens implement the same trait, so callers never
//! care which.

use std::io::Write;
use std::path::Path;

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer as _, SigningKey};
use rand_core::RngCore;
use zeroize_free::Secret;

use crate::platform;
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
        Self::from_pem_with(pem, None)
    }

    /// Reads plain (`PRIVATE KEY`) or encrypted (`ENCRYPTED PRIVATE KEY`,
    /// PBES2) PKCS#8 PEM; the latter needs `passphrase`.
    pub fn from_pem_with(pem: &str, passphrase: Option<&Passphrase>) -> Result<Self, KeyError> {
        let pem = pem.trim();
        let key = if pem.starts_with(ENCRYPTED_PEM_BEGIN) {
            let pass = passphrase.ok_or(KeyError::NeedPassphrase)?;
            SigningKey::from_pkcs8_encrypted_pem(pem, pass.0.as_bytes())
                .map_err(|_| KeyError::WrongPassphrase)?
        } else {
            SigningKey::from_pkcs8_pem(pem).map_err(|e| KeyError::BadSecretKey(e.to_string()))?
        };
        Ok(Self::from_signing_key(key))
    }

    pub fn read_pem_file(path: &Path) -> Result<Self, KeyError> {
        Self::read_pem_file_with(path, None)
    }

    /// Reads a key file, decrypting it with `passphrase` if it is encrypted.
    pub fn read_pem_file_with(
        path: &Path,
        passphrase: Option<&Passphrase>,
    ) -> Result<Self, KeyError> {
        let text = crate::read::read_key_file(path, crate::MAX_KEY_FILE_BYTES)?;
        Self::from_pem_with(&text, passphrase).map_err(|e| match e {
            KeyError::NeedPassphrase | KeyError::WrongPassphrase | KeyError::BadSecretKey(_) => {
                KeyError::InKeyFile {
                    path: path.to_owned(),
                    source: Box::new(e),
                }
            }
            e => e,
        })
    }

    /// Encrypted PKCS#8 PEM (PBES2: PBKDF2-HMAC-SHA256 and AES-256-CBC), the
    /// scheme `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes and `openssl pkey` reads.
    pub fn to_encrypted_pem(&self, passphrase: &Passphrase) -> Result<String, KeyError> {
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        rand_core::OsRng.fill_bytes(&mut salt);
        rand_core::OsRng.fill_bytes(&mut iv);
        let params = pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(PBKDF2_ROUNDS, &salt, &iv)
            .map_err(|e| KeyError::Signing(e.to_string()))?;
        let der = self.pkcs8_v1();
        let info = pkcs8::PrivateKeyInfo::try_from(der.as_bytes())
            .map_err(|e| KeyError::Signing(e.to_string()))?;
        let enc = info
            .encrypt_with_params(params, passphrase.0.as_bytes())
            .map_err(|e| KeyError::Signing(e.to_string()))?;
        let pem = enc
            .to_pem("ENCRYPTED PRIVATE KEY", pkcs8::LineEnding::LF)
            .map_err(|e| KeyError::Signing(e.to_string()))?;
        Ok(pem.to_string())
    }

    /// PKCS#8 v1 PEM ("-----BEGIN PRIVATE KEY-----"), as `openssl genpkey -algorithm ed25519` writes.
    pub fn to_pem(&self) -> String {
        self.pkcs8_v1()
            .to_pem("PRIVATE KEY", pkcs8::LineEnding::LF)
            .expect("encoding a valid Ed25519 secret key cannot fail")
            .to_string()
    }

    /// PKCS#8 v1 DER: the secret only. (dalek's own encoder adds the public
    /// key as PKCS#8 v2, which OpenSSL 3.0 cannot read.)
    fn pkcs8_v1(&self) -> pkcs8::SecretDocument {
        ed25519_dalek::pkcs8::KeypairBytes {
            secret_key: self.secret.0.to_bytes(),
            public_key: None,
        }
        .to_pkcs8_der()
        .expect("encoding a valid Ed25519 secret key cannot fail")
    }

    /// Writes `PREFIX.key` (mode 0600 on Unix) and `PREFIX.pub`; never overwrites.
    pub fn write_pair(&self, prefix: &Path) -> Result<(), KeyError> {
        self.write_pair_with(prefix, None)
    }

    /// Like [`write_pair`](Self::write_pair), encrypting the secret key when
    /// a passphrase is given.
    pub fn write_pair_with(
        &self,
        prefix: &Path,
        passphrase: Option<&Passphrase>,
    ) -> Result<(), KeyError> {
        let secret_path = with_suffix(prefix, "key");
        let public_path = with_suffix(prefix, "pub");
        for p in [&secret_path, &public_path] {
            if p.exists() {
                return Err(KeyError::Exists { path: p.clone() });
            }
        }
        let secret = match passphrase {
            Some(p) => self.to_encrypted_pem(p)?,
            None => self.to_pem(),
        };
        write_new_file(&secret_path, secret.as_bytes(), true)?;
        write_new_file(&public_path, self.public.to_pem().as_bytes(), false)?;
        Ok(())
    }
}

const ENCRYPTED_PEM_BEGIN: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

/// PBKDF2 rounds for new encrypted keys (OWASP's 2023 figure for HMAC-SHA256).
const PBKDF2_ROUNDS: u32 = 600_000;

/// Environment variable that may hold the passphrase of an encrypted key.
pub const PASSPHRASE_ENV: &str = "BUNDLE_KEY_PASSPHRASE";

/// A key passphrase; never printed, not even by `Debug`.
pub struct Passphrase(String);

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

impl Passphrase {
    /// Whether two passphrases are the same (a new key's, typed twice).
    pub fn matches(&self, other: &Passphrase) -> bool {
        self.0 == other.0
    }

    pub fn new(s: String) -> Result<Self, KeyError> {
        if s.is_empty() {
            return Err(KeyError::EmptyPassphrase);
        }
        Ok(Passphrase(s))
    }

    /// The first line of `path` (without its line ending).
    pub fn from_file(path: &Path) -> Result<Self, KeyError> {
        let text = crate::read::read_key_file(path, crate::MAX_KEY_FILE_BYTES)?;
        let line = text.lines().next().unwrap_or("");
        Self::new(line.to_owned())
    }

    /// `--passphrase-file` if given, else `BUNDLE_KEY_PASSPHRASE` if set.
    pub fn from_file_or_env(file: Option<&Path>) -> Result<Option<Self>, KeyError> {
        if let Some(f) = file {
            return Self::from_file(f).map(Some);
        }
        match std::env::var(PASSPHRASE_ENV) {
            Ok(v) => Self::new(v).map(Some),
            Err(_) => Ok(None),
        }
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
    let err = |source| KeyError::Write {
        path: path.to_owned(),
        source,
    };
    let mut f = platform::create_new(path, private).map_err(err)?;
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
    fn secret_pem_is_pkcs8_v1_without_the_public_key() {
        let pem = FileKey::generate().to_pem();
        let der = pkcs8::Document::from_pem(&pem).unwrap().1;
        let info = pkcs8::PrivateKeyInfo::try_from(der.as_bytes()).unwrap();
        assert!(info.public_key.is_none());
        assert_eq!(
            der.as_bytes().len(),
            48,
            "same size as openssl genpkey writes"
        );
    }

    #[test]
    fn encrypted_pem_round_trips_and_refuses_a_wrong_passphrase() {
        let k = FileKey::generate();
        let pass = Passphrase::new("correct horse".into()).unwrap();
        let pem = k.to_encrypted_pem(&pass).unwrap();
        assert!(pem.starts_with(ENCRYPTED_PEM_BEGIN));
        let k2 = FileKey::from_pem_with(&pem, Some(&pass)).unwrap();
        assert_eq!(k.key_id(), k2.key_id());
        let wrong = Passphrase::new("battery staple".into()).unwrap();
        assert!(matches!(
            FileKey::from_pem_with(&pem, Some(&wrong)),
            Err(KeyError::WrongPassphrase)
        ));
        assert!(matches!(
            FileKey::from_pem_with(&pem, None),
            Err(KeyError::NeedPassphrase)
        ));
    }

    #[test]
    fn passphrase_debug_hides_it() {
        let p = Passphrase::new("s3cret".into()).unwrap();
        assert!(!format!("{p:?}").contains("s3cret"));
    }

    #[test]
    fn write_pair_is_private_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("rel");
        let k = FileKey::generate();
        k.write_pair(&prefix).unwrap();
        platform::assert_owner_only(&with_suffix(&prefix, "key"));
        assert!(matches!(
            k.write_pair(&prefix),
            Err(KeyError::Exists { .. })
        ));
    }
}
