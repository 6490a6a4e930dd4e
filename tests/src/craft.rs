//! Crafting bundles byte by byte, including ones no honest builder writes.
//!
//! Every layer of the format is a small function here (inner tar member,
//! zstd, manifest JSON, signatures, container), so an attack case can build
//! the honest layers and forge exactly one. Manifests are handled as
//! `serde_json::Value`, so they can carry what the typed schema cannot
//! (unsafe paths, unknown fields); they are signed with a real key, so a
//! case reaches the checks *after* the signature.

use bundle_keys::signing::{FileKey, Signer};
use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::format::envelope::{
    canonical_header, padding, BLOCK, FORMAT_MARKER, MEMBER_FORMAT, MEMBER_MANIFEST,
    MEMBER_PAYLOAD, MEMBER_SIGNATURES,
};
use bundle_verifier::format::manifest::MANIFEST_FORMAT;
use bundle_verifier::format::payload::blob_member_name;
use bundle_verifier::trust::SignatureFile;
use serde_json::{json, Value};

/// One file a target installs.
#[derive(Clone, Debug)]
pub struct File {
    pub path: String,
    pub data: Vec<u8>,
    pub exec: bool,
}

impl File {
    pub fn new(path: &str, data: &[u8], exec: bool) -> Self {
        File {
            path: path.to_owned(),
            data: data.to_vec(),
            exec,
        }
    }
}

/// One manifest target, before it becomes JSON.
#[derive(Clone, Debug)]
pub struct TargetDraft {
    pub model: String,
    pub mode: String,
    pub udi_di: Vec<String>,
    pub catalog: Vec<String>,
    pub requires_version: Option<String>,
    pub files: Vec<File>,
}

impl TargetDraft {
    pub fn new(model: &str, mode: &str, udi_di: &[&str], files: Vec<File>) -> Self {
        TargetDraft {
            model: model.to_owned(),
            mode: mode.to_owned(),
            udi_di: udi_di.iter().map(|s| s.to_string()).collect(),
            catalog: vec!["20005715".into()],
            requires_version: None,
            files,
        }
    }
}

/// Every layer of one bundle, consistent with each other unless a case changed one.
#[derive(Clone, Debug)]
pub struct Parts {
    /// Unique contents in payload order.
    pub blobs: Vec<(Sha256Digest, Vec<u8>)>,
    /// The manifest as JSON; `manifest_bytes` is what gets signed.
    pub manifest: Value,
    /// The decompressed payload archive.
    pub tar: Vec<u8>,
    /// The compressed payload stream.
    pub payload: Vec<u8>,
}

/// The release the attack corpus is built around: NextSeq 550Dx in Dx and
/// RUO mode and MiSeqDx in Dx, sharing one file, with one file that
/// replaces a file of the example instrument root.
pub fn base_targets(tag: &str) -> Vec<TargetDraft> {
    let patch = File::new(
        "lrm/PATCH-FSN2022-1230.txt",
        format!("Field safety patch FSN2022-1230 ({tag}).\n").as_bytes(),
        false,
    );
    let nextseq = vec![
        patch.clone(),
        File::new("lrm/bin/lrm-guard", b"#!/bin/sh\nexec true\n", true),
        File::new(
            "lrm/config/remote-access.json",
            b"{ \"web_ui\": { \"bind\": \"127.0.0.1\", \"remote_access\": false } }\n",
            false,
        ),
    ];
    let nextseq_udi = ["00816270020125"];
    vec![
        TargetDraft::new("NextSeq 550Dx", "Dx", &nextseq_udi, nextseq.clone()),
        TargetDraft::new("NextSeq 550Dx", "RUO", &nextseq_udi, nextseq),
        TargetDraft::new("MiSeqDx", "Dx", &["00816270020002"], vec![patch]),
    ]
}

impl Parts {
    /// Honest parts for `targets`: blobs stored once, canonical inner tar, zstd level 3.
    pub fn new(targets: &[TargetDraft]) -> Self {
        let mut blobs: Vec<(Sha256Digest, Vec<u8>)> = Vec::new();
        for f in targets.iter().flat_map(|t| &t.files) {
            let d = Sha256Digest::of(&f.data);
            if !blobs.iter().any(|(b, _)| *b == d) {
                blobs.push((d, f.data.clone()));
            }
        }
        let tar = inner_tar(&blobs);
        let payload = zstd(&tar);
        let manifest = manifest_value(targets, &blobs, &payload);
        Parts {
            blobs,
            manifest,
            tar,
            payload,
        }
    }

    /// The base release of the corpus.
    pub fn base() -> Self {
        Self::new(&base_targets("base"))
    }

    /// Replaces the inner archive; recompresses and updates the signed payload fields.
    pub fn with_tar(mut self, tar: Vec<u8>) -> Self {
        self.payload = zstd(&tar);
        self.tar = tar;
        set_payload_fields(&mut self.manifest, &self.payload);
        self
    }

    /// Replaces the compressed stream and updates the signed payload fields.
    pub fn with_payload(mut self, payload: Vec<u8>) -> Self {
        set_payload_fields(&mut self.manifest, &payload);
        self.payload = payload;
        self
    }

    /// Applies `edit` to the manifest JSON.
    pub fn edit(mut self, edit: impl FnOnce(&mut Value)) -> Self {
        edit(&mut self.manifest);
        self
    }

    pub fn manifest_bytes(&self) -> Vec<u8> {
        canonical(&self.manifest)
    }

    /// The complete bundle, the manifest signed by `key`.
    pub fn signed_by(&self, key: &FileKey) -> Vec<u8> {
        let m = self.manifest_bytes();
        container(&m, &signatures(&m, &[key]), &self.payload)
    }
}

/// The canonical (RFC 8785 for our subset) bytes of a JSON value.
pub fn canonical(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).expect("JSON values serialise")
}

/// `blobs/<sha>` members under canonical headers, then the two zero blocks.
pub fn inner_tar(blobs: &[(Sha256Digest, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (d, data) in blobs {
        out.extend(member_with_header(
            &canonical_header(&blob_member_name(d), data.len() as u64),
            data,
        ));
    }
    out.extend([0u8; 2 * BLOCK]);
    out
}

/// One archive member: a header block, the data and its zero padding.
pub fn member_with_header(header: &[u8; BLOCK], data: &[u8]) -> Vec<u8> {
    let mut out = header.to_vec();
    out.extend_from_slice(data);
    out.resize(out.len() + padding(data.len() as u64), 0);
    out
}

/// A header built with the `tar` crate, for members of any type.
pub fn tar_header(
    name: &str,
    size: u64,
    kind: tar::EntryType,
    link: Option<&str>,
    mode: u32,
) -> [u8; BLOCK] {
    let mut h = tar::Header::new_ustar();
    // set_path refuses "..", absolute and over-long names; raw bytes go where the attack needs them.
    let raw = name.as_bytes();
    let n = raw.len().min(100);
    h.as_old_mut().name[..n].copy_from_slice(&raw[..n]);
    h.set_size(size);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h.set_entry_type(kind);
    if let Some(l) = link {
        let raw = l.as_bytes();
        let n = raw.len().min(100);
        h.as_old_mut().linkname[..n].copy_from_slice(&raw[..n]);
    }
    if matches!(kind, tar::EntryType::Char | tar::EntryType::Block) {
        h.set_device_major(1).expect("ustar has device fields");
        h.set_device_minor(3).expect("ustar has device fields");
    }
    h.set_cksum();
    *h.as_bytes()
}

/// zstd at level 3, one frame, as the builder writes it.
pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::bulk::compress(bytes, 3).expect("zstd compresses")
}

/// A zstd frame assembled by hand: `raw` as stored blocks, then `rle_bytes`
/// zero bytes as RLE blocks (4 bytes per 128 KiB), with the given window.
/// This is how a few kilobytes decompress to gigabytes.
pub fn zstd_frame_by_hand(raw: &[u8], rle_bytes: u64, window_log: u8) -> Vec<u8> {
    const MAX_BLOCK: usize = 128 * 1024;
    let mut out = vec![0x28, 0xB5, 0x2F, 0xFD];
    // Frame header descriptor 0: no content size, not single-segment, no checksum.
    out.push(0);
    out.push((window_log - 10) << 3);
    let mut blocks: Vec<(u8, u32, Vec<u8>)> = raw
        .chunks(MAX_BLOCK)
        .map(|c| (0u8, c.len() as u32, c.to_vec()))
        .collect();
    let mut left = rle_bytes;
    while left > 0 {
        let n = left.min(MAX_BLOCK as u64) as u32;
        blocks.push((1, n, vec![0]));
        left -= n as u64;
    }
    let count = blocks.len();
    for (i, (kind, size, body)) in blocks.into_iter().enumerate() {
        let last = u32::from(i + 1 == count);
        let h = last | (u32::from(kind) << 1) | (size << 3);
        out.extend_from_slice(&h.to_le_bytes()[..3]);
        out.extend(body);
    }
    out
}

/// The manifest for `targets`, with the payload fields describing `payload`.
pub fn manifest_value(
    targets: &[TargetDraft],
    blobs: &[(Sha256Digest, Vec<u8>)],
    payload: &[u8],
) -> Value {
    let targets: Vec<Value> = targets
        .iter()
        .map(|t| {
            let files: Vec<Value> = t
                .files
                .iter()
                .map(|f| {
                    json!({
                        "executable": f.exec,
                        "path": f.path,
                        "sha256": Sha256Digest::of(&f.data).to_hex(),
                        "size": f.data.len(),
                    })
                })
                .collect();
            let mut v = json!({
                "catalog": t.catalog,
                "files": files,
                "mode": t.mode,
                "model": t.model,
                "udi_di": t.udi_di,
            });
            if let Some(r) = &t.requires_version {
                v["requires_version"] = json!(r);
            }
            v
        })
        .collect();
    let mut m = json!({
        "blobs": blobs.iter().map(|(d, data)| json!({"sha256": d.to_hex(), "size": data.len()})).collect::<Vec<_>>(),
        "format": MANIFEST_FORMAT,
        "payload": {"compression": "zstd", "sha256": "", "size": 0},
        "release": {
            "id": "FSN2022-1230",
            "notes": {"en": "Back up your data before installing."},
            "sequence": 1,
            "title": {"en": "Block remote access to the run manager web UI"},
            "version": "1.0.0",
        },
        "targets": targets,
    });
    set_payload_fields(&mut m, payload);
    m
}

pub fn set_payload_fields(manifest: &mut Value, payload: &[u8]) {
    manifest["payload"]["sha256"] = json!(Sha256Digest::of(payload).to_hex());
    manifest["payload"]["size"] = json!(payload.len());
}

/// `signatures.json` with one signature by each key over `manifest`.
pub fn signatures(manifest: &[u8], keys: &[&FileKey]) -> Vec<u8> {
    let mut f = SignatureFile::default();
    for k in keys {
        f.insert(
            k.key_id().clone(),
            k.sign(manifest).expect("file keys sign"),
        );
    }
    f.to_canonical_bytes()
}

/// One outer member: canonical header, data, padding.
pub fn member(name: &str, data: &[u8]) -> Vec<u8> {
    member_with_header(&canonical_header(name, data.len() as u64), data)
}

/// The four members and the end blocks, exactly as the builder writes them.
pub fn container(manifest: &[u8], sigs: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = member(MEMBER_FORMAT, FORMAT_MARKER);
    out.extend(member(MEMBER_MANIFEST, manifest));
    out.extend(member(MEMBER_SIGNATURES, sigs));
    out.extend(member(MEMBER_PAYLOAD, payload));
    out.extend([0u8; 2 * BLOCK]);
    out
}

/// A container with member `sbom.json` between the signatures and the payload.
pub fn container_with_sbom(manifest: &[u8], sigs: &[u8], sbom: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = member(MEMBER_FORMAT, FORMAT_MARKER);
    out.extend(member(MEMBER_MANIFEST, manifest));
    out.extend(member(MEMBER_SIGNATURES, sigs));
    out.extend(member(bundle_verifier::format::envelope::MEMBER_SBOM, sbom));
    out.extend(member(MEMBER_PAYLOAD, payload));
    out.extend([0u8; 2 * BLOCK]);
    out
}

/// A small CycloneDX SBOM naming `component`.
pub fn cyclonedx(component: &str) -> Vec<u8> {
    serde_json::to_vec_pretty(&json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [{"type": "application", "name": component, "version": "1.0.0"}]
    }))
    .expect("JSON values serialise")
}

/// The manifest entry (`sbom`) that binds `sbom` as a document of `format`.
pub fn sbom_entry(format: &str, spec_version: &str, sbom: &[u8]) -> Value {
    json!({
        "format": format,
        "sha256": Sha256Digest::of(sbom).to_hex(),
        "size": sbom.len(),
        "spec_version": spec_version,
    })
}

/// A container that carries trust root members (version, bytes) between
/// `format` and `manifest.json`, as FORMAT.md allows.
pub fn container_with_roots(
    roots: &[(u64, Vec<u8>)],
    manifest: &[u8],
    sigs: &[u8],
    payload: &[u8],
) -> Vec<u8> {
    let mut out = member(MEMBER_FORMAT, FORMAT_MARKER);
    for (v, bytes) in roots {
        out.extend(member(
            &bundle_verifier::format::envelope::trust_root_member(*v),
            bytes,
        ));
    }
    out.extend(container(manifest, sigs, payload).split_off(2 * BLOCK));
    out
}

/// Byte offsets where each structural part of `container(..)` begins, with a name.
pub fn boundaries(manifest: &[u8], sigs: &[u8], payload: &[u8]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut at = 0usize;
    for (name, len) in [
        (MEMBER_FORMAT, FORMAT_MARKER.len()),
        (MEMBER_MANIFEST, manifest.len()),
        (MEMBER_SIGNATURES, sigs.len()),
        (MEMBER_PAYLOAD, payload.len()),
    ] {
        out.push((format!("{name} header"), at));
        out.push((format!("{name} data"), at + BLOCK));
        if padding(len as u64) > 0 {
            out.push((format!("{name} padding"), at + BLOCK + len));
        }
        at += BLOCK + len + padding(len as u64);
    }
    out.push(("end-of-archive blocks".into(), at));
    out.push(("second end-of-archive block".into(), at + BLOCK));
    out.push(("end of file".into(), at + 2 * BLOCK));
    out
}

/// Adds the group order L to the S half of an Ed25519 signature: the same
/// signature in a second, non-canonical encoding (malleability).
pub fn malleate(sig: &[u8; 64]) -> [u8; 64] {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut out = *sig;
    let mut carry = 0u16;
    for i in 0..32 {
        let s = u16::from(out[32 + i]) + u16::from(L[i]) + carry;
        out[32 + i] = s as u8;
        carry = s >> 8;
    }
    out
}
