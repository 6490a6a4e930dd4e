use std::fmt;
use std::path::Path;

use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePublicKey, EncodePublicKey};
use ed25519_dalek::{Signature, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::KeyError;

/// A key ID: the first 8 bytes of SHA-256 over the raw 32-byte public key,
/// as 16 lowercase hex digits. Anyone can recompute it from a `.pub` file
/// (`openssl pkey -pubin -outform DER | tail -c 32 | sha256sum | cut -c1-16`).
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct KeyId(String);

impl KeyId {
    pub fn of_raw(raw: &[u8; 32]) -> Self {
        let digest = Sha256::digest(raw);
        KeyId(hex::encode(&digest[..8]))
    }

    /// Accepts only the canonical form: 16 lowercase hex digits.
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 16
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| KeyId(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A trusted-or-not Ed25519 public key. Weak (small-order) keys cannot be
/// constructed, so every `PublicKey` is one a signature could bind to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: KeyId,
}

/// One detached signature as stored in `signatures.json` and trust roots.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignatureEntry {
    pub key_id: KeyId,
    /// Standard base64 of the 64-byte Ed25519 signature.
    pub signature: String,
}

/// A raw Ed25519 signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureBytes(pub [u8; 64]);

impl SignatureBytes {
    pub fn from_base64(s: &str) -> Result<Self, KeyError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|e| KeyError::BadSignatureEncoding(e.to_string()))?;
        let arr: [u8; 64] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| KeyError::BadSignatureEncoding(format!("{} bytes", b.len())))?;
        Ok(SignatureBytes(arr))
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }
}

impl PublicKey {
    pub fn from_raw(raw: &[u8; 32]) -> Result<Self, KeyError> {
        let key =
            VerifyingKey::from_bytes(raw).map_err(|e| KeyError::BadPublicKey(e.to_string()))?;
        Self::from_verifying_key(key)
    }

    pub(crate) fn from_verifying_key(key: VerifyingKey) -> Result<Self, KeyError> {
        let id = KeyId::of_raw(key.as_bytes());
        if key.is_weak() {
            return Err(KeyError::WeakKey(id.0));
        }
        Ok(PublicKey { key, id })
    }

    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        let key = VerifyingKey::from_public_key_pem(pem.trim())
            .map_err(|e| KeyError::BadPublicKey(e.to_string()))?;
        Self::from_verifying_key(key)
    }

    pub fn read_pem_file(path: &Path) -> Result<Self, KeyError> {
        let text = crate::read::read_key_file(path, crate::MAX_KEY_FILE_BYTES)?;
        Self::from_pem(&text)
    }

    /// The SPKI PEM, with LF line ends on every OS (the default is CRLF on
    /// Windows), so a key file or printout is the same bytes everywhere.
    pub fn to_pem(&self) -> String {
        self.key
            .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .expect("encoding a valid Ed25519 public key cannot fail")
    }

    pub fn raw(&self) -> &[u8; 32] {
        self.key.as_bytes()
    }

    pub fn key_id(&self) -> &KeyId {
        &self.id
    }

    /// Strict RFC 8032 verification: rejects non-canonical encodings and
    /// small-order components, so a signature has exactly one valid form.
    pub fn verify_strict(&self, message: &[u8], sig: &SignatureBytes) -> Result<(), KeyError> {
        let sig = Signature::from_bytes(&sig.0);
        self.key
            .verify_strict(message, &sig)
            .map_err(|_| KeyError::BadSignature(self.id.0.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_parse_accepts_only_canonical_form() {
        assert!(KeyId::parse("0123456789abcdef").is_some());
        assert!(KeyId::parse("0123456789ABCDEF").is_none());
        assert!(KeyId::parse("0123456789abcde").is_none());
        assert!(KeyId::parse("0123456789abcdeg").is_none());
    }

    #[test]
    fn weak_public_key_is_refused() {
        // The identity point: a small-order key that any signature "verifies" under.
        let mut raw = [0u8; 32];
        raw[0] = 1;
        assert!(matches!(
            PublicKey::from_raw(&raw),
            Err(KeyError::WeakKey(_))
        ));
    }

    #[test]
    fn garbage_pem_is_refused() {
        assert!(PublicKey::from_pem("hello").is_err());
    }
}
