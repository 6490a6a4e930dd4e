use std::path::PathBuf;

/// Everything that can go wrong while reading keys or checking a signature.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("key file {path} is larger than {limit} bytes, the most a key file may have; it was not read")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("key file {path} is not a regular file (a device, pipe or directory); only a regular file of at most {limit} bytes is read")]
    NotARegularFile { path: PathBuf, limit: u64 },
    #[error("cannot write key file {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} already exists; refusing to overwrite a key")]
    Exists { path: PathBuf },
    #[error("not an Ed25519 public key in SPKI PEM (\"-----BEGIN PUBLIC KEY-----\"): {0}")]
    BadPublicKey(String),
    #[error("not an Ed25519 secret key in PKCS#8 PEM (\"-----BEGIN PRIVATE KEY-----\"): {0}")]
    BadSecretKey(String),
    #[error("public key {0} is a weak (small-order) Ed25519 key and is never trusted")]
    WeakKey(String),
    #[error("signature is not 64 bytes of base64: {0}")]
    BadSignatureEncoding(String),
    #[error("signature by key {0} does not verify")]
    BadSignature(String),
    #[error("signing failed: {0}")]
    Signing(String),
    #[error(
        "the secret key is encrypted; give --passphrase-file FILE or set BUNDLE_KEY_PASSPHRASE"
    )]
    NeedPassphrase,
    #[error("cannot decrypt the secret key: wrong passphrase (or a damaged key file)")]
    WrongPassphrase,
    #[error("the passphrase is empty")]
    EmptyPassphrase,
    #[error("key file {path}: {source}")]
    InKeyFile {
        path: PathBuf,
        source: Box<KeyError>,
    },
    #[error("PKCS#11: {0}")]
    Token(String),
}
