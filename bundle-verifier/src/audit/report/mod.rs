//! Fleet compliance: which serial × mode of a device registry runs a release,
//! proven by the instruments' signed receipts (docs/AUDIT.md, "Fleet report").
//!
//! Every receipt is checked with [`verify_receipt_summary`] against the device key
//! the registry lists; nothing an instrument did not sign counts. The events
//! of one serial × mode are ordered by the transaction counter the instrument
//! writes into each receipt (monotonic per state directory, so per device
//! key), then by receipt time: an air-gapped instrument's clock may be wrong,
//! its counter cannot go back.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use bundle_keys::KeyId;
use serde::Serialize;

use crate::audit::registry::{Device, Registry};
use crate::format::digest::Sha256Digest;
use crate::i18n::Lang;
use crate::instrument::receipt::{
    peek_receipt, read_receipt_file, verify_receipt_summary, Receipt, ReleaseRef, RESULT_FAILED,
    RESULT_INSTALLED, RESULT_INTERRUPTED, RESULT_REFUSED, RESULT_ROLLED_BACK,
};
use crate::Error;

mod budget;
mod note;
pub mod release;
mod table;
#[cfg(test)]
mod tests;

pub use note::Note;
pub use release::{read_bundle, BundleEvidence, Product};
pub use table::{status_word, to_csv, to_table};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Patched,
    NotPatched,
    Failed,
    RolledBack,
    InvalidReceipt,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Patched => "patched",
            Status::NotPatched => "not_patched",
            Status::Failed => "failed",
            Status::RolledBack => "rolled_back",
            Status::InvalidReceipt => "invalid_receipt",
        }
    }
}

/// One serial × expected mode.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub serial: String,
    pub mode: String,
    pub model: String,
    pub udi_di: String,
    pub company: String,
    pub dual_boot: bool,
    pub status: Status,
    /// A dual-boot instrument patched in this mode or the other, not both.
    pub patched_in_one_mode_only: bool,
    /// The release the deciding receipt names.
    pub release: Option<ReleaseRef>,
    /// Time and transaction of the deciding receipt, as the instrument signed them.
    pub time: Option<String>,
    pub transaction: Option<String>,
    /// The deciding receipt file, relative to the receipts folder.
    pub receipt: Option<String>,
    /// Valid receipts of this serial × mode.
    pub valid_receipts: usize,
    /// Why the status is what it is, in English.
    pub detail: Option<String>,
    /// The same, for wording it in the reader's language.
    #[serde(skip)]
    pub note: Option<Note>,
}

/// A receipt naming a serial the registry does not list.
#[derive(Clone, Debug, Serialize)]
pub struct UnknownReceipt {
    pub file: String,
    /// What the receipt claims; its signature could not be checked.
    pub key_id: KeyId,
    pub serial: String,
    pub model: String,
    pub mode: String,
    pub detail: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Unreadable {
    pub file: String,
    pub error: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub instruments: usize,
    pub rows: usize,
    pub patched: usize,
    pub not_patched: usize,
    pub failed: usize,
    pub rolled_back: usize,
    pub invalid_receipt: usize,
    pub unknown_receipts: usize,
    pub unreadable_receipts: usize,
    /// Serials of dual-boot instruments patched in one mode only.
    pub patched_in_one_mode_only: Vec<String>,
    /// Every expected serial × mode is patched and no receipt is in doubt.
    pub all_patched: bool,
}

/// `--json` of `report`: schema `offline-patch-bundle/report/1`.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub report: &'static str,
    pub release: String,
    /// When this report was made (UTC, RFC 3339).
    pub generated: String,
    pub receipts_read: usize,
    /// SHA-256 of the registry file the report was made from.
    pub registry_sha256: Option<Sha256Digest>,
    /// The release's bundle (`--bundle`): its manifest digest, the notice
    /// and the products; absent when only a release ID was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleEvidence>,
    pub summary: Summary,
    /// Instruments patched in one mode only first, then in registry order.
    pub rows: Vec<Row>,
    pub unknown_receipts: Vec<UnknownReceipt>,
    pub unreadable_receipts: Vec<Unreadable>,
}

pub const REPORT_FORMAT: &str = "offline-patch-bundle/report/1";

/// What one receipt file proves.
enum Evidence {
    Valid {
        device: usize,
        file: String,
        receipt: Box<Receipt>,
    },
    Invalid {
        device: usize,
        mode: String,
        file: String,
        why: String,
    },
    Unknown(UnknownReceipt),
    Unreadable(Unreadable),
}

/// Every `*.json` file below `dir` (receipts exported from many instruments,
/// one folder each or all together), sorted.
fn receipt_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(Error::io("cannot read", &d))? {
            let e = e.map_err(Error::io("cannot read", &d))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let t = e.file_type().map_err(Error::io("cannot read", e.path()))?;
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() && name.ends_with(".json") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    Ok(out)
}

fn judge(reg: &Registry, file: String, bytes: &[u8]) -> Evidence {
    let (key_id, claimed) = match peek_receipt(bytes) {
        Ok(x) => x,
        Err(e) => {
            return Evidence::Unreadable(Unreadable {
                file,
                error: e.to_string(),
            })
        }
    };
    let index = |d: &Device| reg.index_of(&d.serial);
    if let Some(dev) = reg.by_key(&key_id) {
        let device = index(dev);
        let key = dev
            .keys
            .iter()
            .find(|k| k.key_id() == &key_id)
            .expect("indexed by this key");
        return match verify_receipt_summary(bytes, key) {
            Err(e) => Evidence::Invalid {
                device,
                mode: claimed.identity.mode,
                file,
                why: e.to_string(),
            },
            Ok(r) => match identity_mismatch(dev, &key_id, &r) {
                Some(why) => Evidence::Invalid {
                    device,
                    mode: r.identity.mode,
                    file,
                    why,
                },
                None => Evidence::Valid {
                    device,
                    file,
                    // The report never lists a receipt's files (they were
                    // skipped while reading) nor its actions.
                    receipt: Box::new(Receipt {
                        actions: Vec::new(),
                        ..r.with_files(Vec::new())
                    }),
                },
            },
        };
    }
    let id = claimed.identity;
    match reg.by_serial(&id.serial) {
        Some(dev) => Evidence::Invalid {
            device: index(dev),
            why: format!(
                "signed by key {key_id}, not by {}'s registered device key {}",
                dev.serial,
                dev.key_of(&id.mode).map_or_else(
                    || dev.keys[0].key_id().to_string(),
                    |k| k.key_id().to_string()
                )
            ),
            mode: id.mode,
            file,
        },
        None => Evidence::Unknown(UnknownReceipt {
            file,
            detail: format!(
                "serial {} is not in the registry and key {key_id} belongs to no registered device",
                id.serial
            ),
            key_id,
            serial: id.serial,
            model: id.model,
            mode: id.mode,
        }),
    }
}

/// Why a correctly signed receipt does not describe the registered device.
fn identity_mismatch<F>(dev: &Device, key: &KeyId, r: &Receipt<F>) -> Option<String> {
    let id = &r.identity;
    // On a dual-boot instrument each mode is its own install with its own
    // key: a receipt from one mode's key says nothing about the other mode.
    let modes = dev.modes_of(key);
    if let Some(want) = dev.key_of(&id.mode) {
        if !modes.contains(&id.mode.as_str()) {
            return Some(format!(
                "signed by the device key of {}'s {} install ({key}), but names mode {}, whose key is {}",
                dev.serial,
                modes.join("/"),
                id.mode,
                want.key_id()
            ));
        }
    }
    let mut bad = Vec::new();
    if id.serial != dev.serial {
        bad.push(format!("serial {:?}", id.serial));
    }
    if id.model != dev.model {
        bad.push(format!("model {:?}", id.model));
    }
    // A receipt without UDI-DI is judged on serial and model alone.
    if id.udi_di.is_some() && id.udi_di != dev.udi_di {
        bad.push(format!("UDI-DI {:?}", id.udi_di.as_deref().unwrap_or("")));
    }
    (!bad.is_empty()).then(|| {
        format!(
            "signed by the device key of {}, but names {}; the registry says {} {} UDI-DI {}",
            dev.serial,
            bad.join(", "),
            dev.serial,
            dev.model,
            dev.udi_di.as_deref().unwrap_or("(none)")
        )
    })
}

/// The order of events on one instrument: transaction counter, then time.
fn event_order(r: &Receipt) -> (u64, &str) {
    let counter = r
        .transaction
        .split('-')
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (counter, r.time.as_str())
}

/// The status of one serial × mode from its valid receipts (any order).
fn classify<'a>(release: &str, mut events: Vec<(&'a str, &'a Receipt)>) -> Decision<'a> {
    events.sort_by(|a, b| event_order(a.1).cmp(&event_order(b.1)));
    let mut d = Decision {
        status: Status::NotPatched,
        by: None,
        detail: Note::NoReceipt {
            release: release.to_owned(),
        },
    };
    let names = |r: Option<&ReleaseRef>| r.is_some_and(|x| x.id == release);
    for &(file, r) in &events {
        let bundle_release = r.bundle.as_ref().map(|b| &b.release);
        match (r.action.as_str(), r.result.as_str()) {
            ("apply", RESULT_INSTALLED) if names(r.installed_after.as_ref()) => {
                d = Decision::new(Status::Patched, file, r, Note::Installed);
            }
            ("apply", RESULT_INSTALLED) if d.status == Status::Patched => {
                let after = r.installed_after.as_ref();
                let newer = after
                    .zip(d.release())
                    .is_some_and(|(a, p)| a.sequence > p.sequence);
                let by = after.map(|a| a.id.clone());
                d = if newer {
                    let by = by.unwrap_or_default();
                    Decision::new(Status::Patched, file, r, Note::Superseded { by })
                } else {
                    Decision::new(Status::NotPatched, file, r, Note::InstalledOver { by })
                };
            }
            (_, RESULT_ROLLED_BACK) if names(r.installed_before.as_ref()) => {
                d = Decision::new(Status::RolledBack, file, r, Note::RolledBack);
            }
            (_, RESULT_ROLLED_BACK) if names(r.installed_after.as_ref()) => {
                d = Decision::new(Status::Patched, file, r, Note::RolledBackTo);
            }
            (_, RESULT_FAILED | RESULT_INTERRUPTED | RESULT_REFUSED)
                if names(bundle_release) && d.status != Status::Patched =>
            {
                let why = r.detail.clone().unwrap_or_else(|| r.result.clone());
                let result = r.result.clone();
                d = Decision::new(Status::Failed, file, r, Note::Failed { result, why });
            }
            _ => {}
        }
    }
    d
}

struct Decision<'a> {
    status: Status,
    by: Option<(&'a str, &'a Receipt)>,
    detail: Note,
}

impl<'a> Decision<'a> {
    fn new(status: Status, file: &'a str, r: &'a Receipt, detail: Note) -> Self {
        Decision {
            status,
            by: Some((file, r)),
            detail,
        }
    }
    fn release(&self) -> Option<&'a ReleaseRef> {
        self.by.and_then(|(_, r)| {
            r.installed_after
                .as_ref()
                .or(r.bundle.as_ref().map(|b| &b.release))
        })
    }
}

/// Reads and checks every receipt below `receipts` and classifies every
/// serial × expected mode of `registry` for release `release` (its ID).
pub fn report(receipts: &Path, registry: &Registry, release: &str) -> Result<Report, Error> {
    let files = receipt_files(receipts)?;
    let judged = judge_all(receipts, &files, registry)?;
    let mut out = Report {
        report: REPORT_FORMAT,
        release: release.to_owned(),
        generated: crate::instrument::state::now_rfc3339(),
        receipts_read: files.len(),
        registry_sha256: registry.sha256,
        bundle: None,
        summary: Summary::default(),
        rows: Vec::new(),
        unknown_receipts: Vec::new(),
        unreadable_receipts: Vec::new(),
    };
    let by_mode = sort_evidence(&judged, registry, &mut out);

    let mut one_mode_rows = Vec::new();
    let mut other_rows = Vec::new();
    for (i, dev) in registry.devices.iter().enumerate() {
        let mut rows = device_rows(release, i, dev, &by_mode);
        let patched = rows.iter().filter(|r| r.status == Status::Patched).count();
        if dev.dual_boot() && patched > 0 && patched < rows.len() {
            for r in &mut rows {
                r.patched_in_one_mode_only = true;
            }
            out.summary
                .patched_in_one_mode_only
                .push(dev.serial.clone());
            one_mode_rows.extend(rows);
        } else {
            other_rows.extend(rows);
        }
    }
    out.rows = one_mode_rows;
    out.rows.extend(other_rows);
    summarise(&mut out, registry.devices.len());
    Ok(out)
}

/// Reads and judges every receipt file, in file order.
fn judge_all(
    receipts: &Path,
    files: &[PathBuf],
    registry: &Registry,
) -> Result<Vec<Evidence>, Error> {
    let rel = |p: &Path| {
        p.strip_prefix(receipts)
            .unwrap_or(p)
            .to_string_lossy()
            .replace('\\', "/")
    };
    // Ed25519 verification dominates; spread it over the cores, within
    // one budget of receipt bytes held at once.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = files.len().div_ceil(threads).max(1);
    let budget = &budget::Budget::new(budget::READ_BUDGET);
    let judge_file = |p: &PathBuf| match read_receipt_file(p) {
        Ok(bytes) => Ok(judge(registry, rel(p), &bytes)),
        // Too large, or not a regular file: that receipt is unreadable; the
        // others are still judged.
        Err(e @ (Error::InputTooLarge { .. } | Error::NotARegularFile { .. })) => {
            Ok(Evidence::Unreadable(Unreadable {
                file: rel(p),
                error: e.to_string(),
            }))
        }
        Err(e) => Err(e),
    };
    let judged: Vec<Result<Vec<Evidence>, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    // One receipt's bytes at a time per thread; what is kept
                    // of each is small (see `judge`).
                    part.iter()
                        .map(|p| {
                            let size = std::fs::metadata(p).map_or(0, |m| m.len());
                            let _share = budget.take(size);
                            judge_file(p)
                        })
                        .collect::<Result<Vec<_>, Error>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("receipt checking does not panic"))
            .collect()
    });
    Ok(judged
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect())
}

/// Evidence per registered serial × mode, keyed by (device index, mode).
struct ByMode<'a> {
    valid: HashMap<(usize, &'a str), Vec<(&'a str, &'a Receipt)>>,
    invalid: HashMap<(usize, &'a str), Vec<(&'a str, &'a str)>>,
}

/// Files the evidence under its serial × mode; receipts for a mode the
/// registry does not expect, and those no device explains, go to `out`.
fn sort_evidence<'a>(judged: &'a [Evidence], registry: &Registry, out: &mut Report) -> ByMode<'a> {
    let mut valid: HashMap<(usize, &str), Vec<(&str, &Receipt)>> = HashMap::new();
    let mut invalid: HashMap<(usize, &str), Vec<(&str, &str)>> = HashMap::new();
    for e in judged {
        match e {
            Evidence::Valid {
                device,
                file,
                receipt,
            } => {
                let mode = receipt.identity.mode.as_str();
                if registry.devices[*device].modes.iter().any(|m| m == mode) {
                    valid
                        .entry((*device, mode))
                        .or_default()
                        .push((file, receipt));
                } else {
                    out.unknown_receipts.push(unexpected_mode(
                        &registry.devices[*device],
                        file,
                        mode,
                    ));
                }
            }
            Evidence::Invalid {
                device,
                mode,
                file,
                why,
            } => {
                if registry.devices[*device].modes.iter().any(|m| m == mode) {
                    invalid
                        .entry((*device, mode))
                        .or_default()
                        .push((file, why));
                } else {
                    let mut u = unexpected_mode(&registry.devices[*device], file, mode);
                    u.detail = format!("{}; also: {why}", u.detail);
                    out.unknown_receipts.push(u);
                }
            }
            Evidence::Unknown(u) => out.unknown_receipts.push(u.clone()),
            Evidence::Unreadable(u) => out.unreadable_receipts.push(u.clone()),
        }
    }
    ByMode { valid, invalid }
}

/// The rows of one registered device, one per expected mode.
fn device_rows<'a>(release: &str, i: usize, dev: &'a Device, by_mode: &ByMode<'a>) -> Vec<Row> {
    let (valid, invalid) = (&by_mode.valid, &by_mode.invalid);
    dev.modes
        .iter()
        .map(|mode| {
            let key = (i, mode.as_str());
            let events = valid.get(&key).cloned().unwrap_or_default();
            let n = events.len();
            let d = classify(release, events);
            let mut row = Row {
                serial: dev.serial.clone(),
                mode: mode.clone(),
                model: dev.model.clone(),
                udi_di: dev.udi_di.clone().unwrap_or_default(),
                company: dev.company.clone(),
                dual_boot: dev.dual_boot(),
                status: d.status,
                patched_in_one_mode_only: false,
                release: d.by.and_then(|_| d.release().cloned()),
                time: d.by.map(|(_, r)| r.time.clone()),
                transaction: d.by.map(|(_, r)| r.transaction.clone()),
                receipt: d.by.map(|(f, _)| f.to_owned()),
                valid_receipts: n,
                detail: None,
                note: Some(d.detail),
            };
            if let Some(bad) = invalid.get(&key) {
                row.note = Some(Note::Invalid {
                    count: bad.len(),
                    file: bad[0].0.to_owned(),
                    why: bad[0].1.to_owned(),
                    valid: row.status,
                    inner: Box::new(row.note.take().expect("set above")),
                });
                row.status = Status::InvalidReceipt;
                row.receipt = Some(bad[0].0.to_owned());
            }
            row.detail = row.note.as_ref().map(|n| n.text(Lang::ENGLISH));
            row
        })
        .collect()
}

/// Counts the finished rows and the receipts in doubt into `out.summary`.
fn summarise(out: &mut Report, instruments: usize) {
    let s = &mut out.summary;
    s.instruments = instruments;
    s.rows = out.rows.len();
    for r in &out.rows {
        *match r.status {
            Status::Patched => &mut s.patched,
            Status::NotPatched => &mut s.not_patched,
            Status::Failed => &mut s.failed,
            Status::RolledBack => &mut s.rolled_back,
            Status::InvalidReceipt => &mut s.invalid_receipt,
        } += 1;
    }
    s.unknown_receipts = out.unknown_receipts.len();
    s.unreadable_receipts = out.unreadable_receipts.len();
    s.all_patched = s.patched == s.rows && s.rows > 0;
}

fn unexpected_mode(dev: &Device, file: &str, mode: &str) -> UnknownReceipt {
    UnknownReceipt {
        file: file.to_owned(),
        key_id: dev.keys[0].key_id().clone(),
        serial: dev.serial.clone(),
        model: dev.model.clone(),
        mode: mode.to_owned(),
        detail: format!(
            "{} is registered with modes {}, not {mode}",
            dev.serial,
            dev.modes.join(", ")
        ),
    }
}
