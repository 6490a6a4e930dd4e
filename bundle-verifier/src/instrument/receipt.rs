//! Receipts: what the instrument did (install, refusal, rollback), signed
//! with its device key. The schema and [`verify_receipt`] are the format an
//! auditor checks; see docs/FORMAT.md, section 8.4.
//!
//! A receipt file is RFC 8785 canonical JSON
//! `{"receipt":{...},"signature":{"key_id":..,"signature":..}}`; the Ed25519
//! signature covers the canonical bytes of the `receipt` object, whose `type`
//! field ([`RECEIPT_TYPE`]) separates it from every other signed document.

use std::io::{self, Write as _};

use bundle_keys::device::DeviceKey;
use bundle_keys::{KeyId, PublicKey, SignatureBytes};
use serde::{Deserialize, Serialize};

use crate::format::digest::Sha256Digest;
use crate::format::manifest::Release;
use crate::format::read::{read_input, InputKind};
use crate::format::safepath::SafePath;
use bundle_keys::canonical::serialises_to;

pub const RECEIPT_TYPE: &str = "offline-patch-bundle/receipt/1";

/// Fields in alphabetical order so compact serde output is canonical.
/// `F` is the file list: a `Vec` when read, or any serialisable sequence
/// when written (apply streams it from the journal's steps, see
/// [`Receipt::with_files`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Receipt<F = Vec<FileChange>> {
    /// `apply` or `rollback`.
    pub action: String,
    /// The install actions as they ran (absent when the target has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<crate::instrument::actions::ActionRun>,
    /// Where the replaced files are kept (state backup, and `--backup-to`).
    pub backup: Vec<String>,
    /// The bundle, when its manifest was authenticated far enough to name it.
    pub bundle: Option<BundleRef>,
    /// Preconditions the technician confirmed.
    pub confirmations: Vec<Confirmation>,
    /// Why it was refused or failed, in English; null on success.
    pub detail: Option<String>,
    pub files: F,
    pub identity: ReceiptIdentity,
    /// What was installed in this mode before and after.
    pub installed_after: Option<ReleaseRef>,
    pub installed_before: Option<ReleaseRef>,
    /// One of the `RESULT_*` values.
    pub result: String,
    pub root: String,
    pub time: String,
    pub tool: String,
    pub transaction: String,
    #[serde(rename = "type")]
    pub type_: String,
}

pub const RESULT_INSTALLED: &str = "installed";
pub const RESULT_REFUSED: &str = "refused";
pub const RESULT_FAILED: &str = "failed-restored";
pub const RESULT_INTERRUPTED: &str = "interrupted-restored";
pub const RESULT_ROLLED_BACK: &str = "rolled-back";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleRef {
    /// The file name the technician gave (not authenticated).
    pub file: String,
    /// SHA-256 of the signed manifest bytes: the bundle's identity.
    pub manifest_sha256: Sha256Digest,
    pub release: ReleaseRef,
    /// Trusted key IDs whose signatures counted.
    pub signed_by: Vec<KeyId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRef {
    pub id: String,
    pub sequence: u64,
    pub version: String,
}

impl From<&Release> for ReleaseRef {
    fn from(r: &Release) -> Self {
        ReleaseRef {
            id: r.id.clone(),
            sequence: r.sequence,
            version: r.version.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Confirmation {
    /// `flag` (`--confirm ID`) or `terminal` (answered at the prompt).
    pub how: String,
    pub id: String,
    /// The English text that was confirmed.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileChange {
    /// `add`, `replace`, or for rollbacks `remove` and `restore`.
    pub action: String,
    pub path: SafePath,
    pub sha256_after: Option<Sha256Digest>,
    pub sha256_before: Option<Sha256Digest>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptIdentity {
    pub installed_version: String,
    pub mode: String,
    pub model: String,
    pub serial: String,
    pub udi_di: Option<String>,
}

impl From<&crate::Identity> for ReceiptIdentity {
    fn from(i: &crate::Identity) -> Self {
        ReceiptIdentity {
            installed_version: i.installed_version.clone(),
            mode: i.mode.clone(),
            model: i.model.clone(),
            serial: i.serial.clone(),
            udi_di: i.udi_di.clone(),
        }
    }
}

/// A receipt file as read: the receipt (`R`: a [`Receipt`], a
/// [`ReceiptSummary`], or in tests a `Value`) and its signature.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedReceipt<R> {
    receipt: R,
    signature: ReceiptSignature,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReceiptSignature {
    key_id: KeyId,
    signature: String,
}

/// Why a receipt does not verify.
#[derive(Debug, thiserror::Error)]
pub enum ReceiptError {
    #[error("not a receipt file: {0}")]
    Malformed(String),
    #[error("the receipt is not in canonical form (RFC 8785 JSON); it was edited")]
    NotCanonical,
    #[error("the receipt is signed by device key {found}, not by {expected}")]
    WrongKey { expected: KeyId, found: KeyId },
    #[error("the receipt's signature does not match its content; it was edited")]
    BadSignature,
    #[error("the receipt type is {0:?}; expected {RECEIPT_TYPE:?}")]
    WrongType(String),
    /// The file could not be read, is not a regular file, or is larger
    /// than [`Limits::max_receipt_bytes`](crate::Limits::max_receipt_bytes).
    #[error("{0}")]
    Read(Box<crate::Error>),
}

#[cfg(test)]
fn canonical(v: &impl Serialize) -> Vec<u8> {
    let v = serde_json::to_value(v).expect("receipts serialise");
    serde_json::to_vec(&v).expect("receipts serialise")
}

impl Receipt {
    /// A receipt with the fixed fields filled in and everything else empty.
    pub fn new(
        action: &str,
        result: &str,
        identity: &crate::Identity,
        root: &std::path::Path,
        transaction: &str,
    ) -> Self {
        Receipt {
            action: action.into(),
            actions: Vec::new(),
            backup: Vec::new(),
            bundle: None,
            confirmations: Vec::new(),
            detail: None,
            files: Vec::new(),
            identity: identity.into(),
            installed_after: None,
            installed_before: None,
            result: result.into(),
            root: root.display().to_string(),
            time: crate::instrument::state::now_rfc3339(),
            tool: format!("bundle-verifier {}", crate::TOOL_VERSION),
            transaction: transaction.into(),
            type_: RECEIPT_TYPE.into(),
        }
    }

    /// The signed file: canonical JSON with the device key's signature.
    /// Every struct here declares its fields in sorted order, so compact
    /// `serde_json` output is already canonical; no `Value` tree (a receipt
    /// lists every file an install changed, 25 000 of them in a 4 GiB
    /// release, and three copies of its tree were most of apply's memory).
    pub fn sign(&self, key: &DeviceKey) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_signed(key, &mut out).expect("writing to memory");
        out
    }
}

impl<F> Receipt<F> {
    /// The same receipt with the file list `files`.
    pub fn with_files<G>(self, files: G) -> Receipt<G> {
        Receipt {
            action: self.action,
            actions: self.actions,
            backup: self.backup,
            bundle: self.bundle,
            confirmations: self.confirmations,
            detail: self.detail,
            files,
            identity: self.identity,
            installed_after: self.installed_after,
            installed_before: self.installed_before,
            result: self.result,
            root: self.root,
            time: self.time,
            tool: self.tool,
            transaction: self.transaction,
            type_: self.type_,
        }
    }
}

impl<F: Serialize> Receipt<F> {
    /// Writes the signed receipt (as [`Receipt::sign`] returns it) to `w`.
    /// The body is serialised three times (twice into the signature's
    /// hash, once into `w`) and never held: the receipt of 100,000 files is
    /// 20 MB of JSON.
    pub fn write_signed(&self, key: &DeviceKey, w: &mut dyn io::Write) -> io::Result<()> {
        let body = |w: &mut dyn io::Write| serde_json::to_writer(w, self).map_err(io::Error::from);
        let signature = serde_json::to_vec(&ReceiptSignature {
            key_id: key.key_id().clone(),
            signature: key.sign_streamed(body)?.to_base64(),
        })?;
        // `{"receipt":…,"signature":…}`: the keys of `SignedReceipt`, sorted.
        let mut w = io::BufWriter::with_capacity(64 << 10, w);
        w.write_all(b"{\"receipt\":")?;
        body(&mut w)?;
        w.write_all(b",\"signature\":")?;
        w.write_all(&signature)?;
        w.write_all(b"}")?;
        w.flush()
    }
}

/// A receipt read without its file list: what the fleet report needs of
/// each receipt (one of 100,000 files is 19 MB, its list most of that).
pub type ReceiptSummary = Receipt<serde::de::IgnoredAny>;

/// Checks a receipt file against the instrument's device public key and
/// returns its content. Any change to any byte is detected: the file must be
/// canonical, and the signature covers every field of the receipt.
pub fn verify_receipt(bytes: &[u8], device: &PublicKey) -> Result<Receipt, ReceiptError> {
    let body = authentic_body(bytes, device)?;
    let r: Receipt = serde_json::from_slice(body).map_err(malformed)?;
    if !serialises_to(&r, body) {
        return Err(ReceiptError::NotCanonical);
    }
    of_type(r)
}

/// [`verify_receipt`] without the file list. The signature covers the
/// receipt's bytes as the device wrote them, canonical: every byte is
/// still checked, and the list is skipped, not kept.
pub fn verify_receipt_summary(
    bytes: &[u8],
    device: &PublicKey,
) -> Result<ReceiptSummary, ReceiptError> {
    let body = authentic_body(bytes, device)?;
    of_type(serde_json::from_slice(body).map_err(malformed)?)
}

/// The key ID a receipt names and its content without the file list,
/// WITHOUT checking the signature: only to find which device key to
/// verify it with, and to say what an unverifiable receipt claims.
pub fn peek_receipt(bytes: &[u8]) -> Result<(KeyId, ReceiptSummary), ReceiptError> {
    let signed: SignedReceipt<ReceiptSummary> = serde_json::from_slice(bytes).map_err(malformed)?;
    Ok((signed.signature.key_id, signed.receipt))
}

fn malformed(e: serde_json::Error) -> ReceiptError {
    ReceiptError::Malformed(e.to_string())
}

fn of_type<F>(r: Receipt<F>) -> Result<Receipt<F>, ReceiptError> {
    if r.type_ != RECEIPT_TYPE {
        return Err(ReceiptError::WrongType(r.type_));
    }
    Ok(r)
}

/// The bytes of the `receipt` object of a signed receipt file, once its
/// device signature over exactly them is checked. The file is
/// `{"receipt":BODY,"signature":{...}}`, and BODY is what the device
/// signed: it is checked where it lies, with no tree of the document.
fn authentic_body<'a>(bytes: &'a [u8], device: &PublicKey) -> Result<&'a [u8], ReceiptError> {
    let Some((body, signature)) = split_signed(bytes) else {
        return Err(why_not_signed(bytes));
    };
    if &signature.key_id != device.key_id() {
        return Err(ReceiptError::WrongKey {
            expected: device.key_id().clone(),
            found: signature.key_id,
        });
    }
    let sig = SignatureBytes::from_base64(&signature.signature)
        .map_err(|e| ReceiptError::Malformed(e.to_string()))?;
    match device.verify_strict(body, &sig) {
        Ok(()) => Ok(body),
        // Only the device's canonical bytes verify; say which it is not.
        Err(_) => Err(match serde_json::from_slice::<Receipt>(body) {
            Ok(r) if !serialises_to(&r, body) => ReceiptError::NotCanonical,
            Err(_) if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() => {
                ReceiptError::NotCanonical
            }
            _ => ReceiptError::BadSignature,
        }),
    }
}

/// `{"receipt":` BODY `,"signature":` SIGNATURE `}`, the signature object
/// canonical; `None` for anything else. The last `,"signature":{` is the
/// one: that text is not in a JSON string (its quotes would be escaped),
/// and the signature object holds no object.
fn split_signed(bytes: &[u8]) -> Option<(&[u8], ReceiptSignature)> {
    const KEY: &[u8] = b",\"signature\":";
    let rest = bytes.strip_prefix(b"{\"receipt\":")?.strip_suffix(b"}")?;
    let at = rest
        .windows(KEY.len() + 1)
        .rposition(|w| w.starts_with(KEY) && w[KEY.len()] == b'{')?;
    let (body, sig) = (&rest[..at], &rest[at + KEY.len()..]);
    let signature: ReceiptSignature = serde_json::from_slice(sig).ok()?;
    serialises_to(&signature, sig).then_some((body, signature))
}

/// Why a file is not a signed receipt in its one byte form: a receipt
/// written differently (not canonical), or not a receipt at all.
fn why_not_signed(bytes: &[u8]) -> ReceiptError {
    match serde_json::from_slice::<SignedReceipt<ReceiptSummary>>(bytes) {
        Ok(_) => ReceiptError::NotCanonical,
        Err(e) if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_ok() => malformed(e),
        Err(_) => ReceiptError::NotCanonical,
    }
}

/// Reads a receipt file: a regular file of at most
/// [`Limits::max_receipt_bytes`](crate::Limits::max_receipt_bytes).
pub fn read_receipt_file(path: &std::path::Path) -> Result<Vec<u8>, crate::Error> {
    read_input(path, InputKind::Receipt, &crate::Limits::default())
}

/// Reads and verifies a receipt file.
pub fn verify_receipt_file(
    path: &std::path::Path,
    device: &PublicKey,
) -> Result<Receipt, ReceiptError> {
    let bytes = read_receipt_file(path).map_err(|e| ReceiptError::Read(Box::new(e)))?;
    verify_receipt(&bytes, device)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Receipt {
        Receipt {
            action: "apply".into(),
            actions: vec![],
            backup: vec!["/state/backups/000001".into()],
            bundle: None,
            confirmations: vec![],
            detail: None,
            files: vec![],
            identity: ReceiptIdentity {
                installed_version: "3.1.0".into(),
                mode: "Dx".into(),
                model: "NextSeq 550Dx".into(),
                serial: "NB551234".into(),
                udi_di: Some("00816270020125".into()),
            },
            installed_after: None,
            installed_before: None,
            result: RESULT_INSTALLED.into(),
            root: "/root".into(),
            time: "2026-01-01T00:00:00Z".into(),
            tool: "bundle-verifier 0.1.0".into(),
            transaction: "000001-x".into(),
            type_: RECEIPT_TYPE.into(),
        }
    }

    #[test]
    fn receipt_verifies_and_every_single_byte_edit_is_detected() {
        let k = DeviceKey::generate();
        let bytes = sample().sign(&k);
        assert_eq!(verify_receipt(&bytes, k.public_key()).unwrap(), sample());
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            assert!(
                verify_receipt(&b, k.public_key()).is_err(),
                "flipping byte {i} ({:?}) went unnoticed",
                b[i] as char
            );
        }
    }

    #[test]
    fn signed_receipts_are_the_canonical_form_of_every_field() {
        let k = DeviceKey::generate();
        let mut r = sample();
        r.bundle = Some(BundleRef {
            file: "b.bundle".into(),
            manifest_sha256: Sha256Digest([7; 32]),
            release: ReleaseRef {
                id: "R".into(),
                sequence: 2,
                version: "1.0.0".into(),
            },
            signed_by: vec![k.key_id().clone()],
        });
        r.confirmations.push(Confirmation {
            how: "flag".into(),
            id: "backup".into(),
            text: "Daten gesichert \u{2713}".into(),
        });
        r.detail = Some("tab\tquote\" done".into());
        r.files.push(FileChange {
            action: "replace".into(),
            path: SafePath::parse("bin/ä", &crate::Limits::default()).unwrap(),
            sha256_after: Some(Sha256Digest([1; 32])),
            sha256_before: None,
        });
        r.installed_after = r.bundle.as_ref().map(|b| b.release.clone());
        let bytes = r.sign(&k);
        // The same bytes as sorting every object through a `Value` tree.
        let signed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(canonical(&signed), bytes);
        assert_eq!(canonical(&r), serde_json::to_vec(&r).unwrap());
        assert_eq!(verify_receipt(&bytes, k.public_key()).unwrap(), r);
    }

    #[test]
    fn the_signature_is_found_after_the_receipt_whatever_its_text_holds() {
        let k = DeviceKey::generate();
        let mut r = sample();
        r.detail = Some(r#"x","signature":{"key_id":"k","signature":"s"}}"#.into());
        let bytes = r.sign(&k);
        assert_eq!(verify_receipt(&bytes, k.public_key()).unwrap(), r);
        let summary = verify_receipt_summary(&bytes, k.public_key()).unwrap();
        assert_eq!(summary.with_files(r.files.clone()), r);
        // What the report is told before the signature is checked.
        let (key_id, claimed) = peek_receipt(&bytes).unwrap();
        assert_eq!((&key_id, &claimed.identity), (k.key_id(), &r.identity));
        // Shapes that are not the one byte form of a receipt.
        let text = String::from_utf8(bytes.clone()).unwrap();
        for (edited, want) in [
            (format!("{text} "), "canonical form"),
            (
                text.replacen("{\"receipt\":", "{\"receipt\" :", 1),
                "canonical form",
            ),
            (
                text.replace(",\"signature\":{", ",\"signature\":{ "),
                "canonical form",
            ),
            (
                format!(
                    r#"{{"receipt":1,"signature":{{"key_id":"{}","signature":"s"}}}}"#,
                    k.key_id()
                ),
                "not a receipt",
            ),
            ("[1,2]".into(), "not a receipt"),
            ("{\"receipt\"".into(), "canonical form"),
        ] {
            let e = verify_receipt(edited.as_bytes(), k.public_key()).unwrap_err();
            assert!(e.to_string().contains(want), "{edited}: {e}");
            let e = verify_receipt_summary(edited.as_bytes(), k.public_key()).unwrap_err();
            assert!(e.to_string().contains(want), "{edited}: {e}");
        }
        // A changed field: the signature no longer matches.
        let changed = text.replace("\"result\":\"installed\"", "\"result\":\"refused\"");
        assert_ne!(changed, text);
        assert!(matches!(
            verify_receipt_summary(changed.as_bytes(), k.public_key()),
            Err(ReceiptError::BadSignature)
        ));
    }

    #[test]
    fn receipt_from_another_device_is_refused() {
        let bytes = sample().sign(&DeviceKey::generate());
        let other = DeviceKey::generate();
        assert!(matches!(
            verify_receipt(&bytes, other.public_key()),
            Err(ReceiptError::WrongKey { .. })
        ));
    }
}
