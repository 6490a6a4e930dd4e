//! The manifest before the payload is done, and the payload-offset plan
//! derived from it. Never writes anything.

use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::format::envelope::BLOCK;
use bundle_verifier::format::fileset::{FileSet, MANIFEST_FORMAT_SETS};
use bundle_verifier::format::manifest::{
    Blob, Confirm, Manifest, Payload, Release, Target, MANIFEST_FORMAT,
};
use bundle_verifier::format::safepath::SafePath;
use bundle_verifier::format::sbom::SbomRef;
use bundle_verifier::trust::SignatureFile;
use bundle_verifier::Limits;

use super::container::{Count, Front};
use crate::collect::Collected;
use crate::layers::Layout;
use crate::place::{member_len, Plan};
use crate::Spec;

/// Everything the manifest and the members before the payload hold, but
/// the file digests and the payload's digest and size.
pub(super) struct Draft<'a> {
    pub(super) spec: &'a Spec,
    pub(super) layout: &'a Layout,
    /// Each distinct layer's files (`layout.sets`), in listing order.
    pub(super) lists: &'a [Vec<Collected>],
    pub(super) trust_roots: &'a [(u64, Vec<u8>)],
    pub(super) sbom: Option<(&'a [u8], SbomRef)>,
    pub(super) key: &'a bundle_keys::KeyId,
}

impl Draft<'_> {
    /// The manifest, given every file's digest in listing order and the
    /// blobs in payload order.
    pub(super) fn manifest(
        &self,
        digests: &[Sha256Digest],
        blobs: Vec<Blob>,
        payload: Payload,
    ) -> Manifest {
        let mut m = self.skeleton(blobs, payload);
        let mut digests = digests.iter();
        // Each distinct layer's entries, listed once.
        for (set, files) in m.sets.iter_mut().zip(self.lists) {
            set.files = files
                .iter()
                .map(|c| c.entry(*digests.next().expect("one digest per file")))
                .collect();
        }
        if !self.layout.shared {
            // Without sharing, a target has one layer of its own: its files
            // inline (format 1), one copy per mode.
            let mut targets = m.targets.iter_mut();
            for (spec, refs) in self.spec.targets.iter().zip(&self.layout.refs) {
                let set = m.sets.iter_mut().find(|s| s.name == refs[0].name);
                let own = std::mem::take(&mut set.expect("a set of the layout").files);
                for t in targets.by_ref().take(spec.modes.len()) {
                    t.files = own.clone();
                }
            }
            m.sets.clear();
        }
        m
    }

    /// The manifest with every file list empty: the sets named, without
    /// their files (also without sharing, where [`Self::manifest`] takes
    /// their files into the targets and drops them).
    fn skeleton(&self, blobs: Vec<Blob>, payload: Payload) -> Manifest {
        let (spec, layout) = (self.spec, self.layout);
        let sets: Vec<FileSet> = layout
            .sets
            .iter()
            .map(|s| FileSet {
                files: Vec::new(),
                name: s.name.clone(),
            })
            .collect();
        let mut targets = Vec::new();
        for (t, refs) in spec.targets.iter().zip(&layout.refs) {
            for mode in &t.modes {
                targets.push(Target {
                    actions: t.actions(),
                    catalog: t.catalog.clone(),
                    files: Vec::new(),
                    mode: mode.clone(),
                    model: t.model.clone(),
                    owns: t
                        .owns
                        .iter()
                        .map(|d| {
                            SafePath::parse(d, &Limits::default()).expect("checked by Spec::parse")
                        })
                        .collect(),
                    requires_version: t.requires_version.clone(),
                    sets: if layout.shared {
                        refs.clone()
                    } else {
                        Vec::new()
                    },
                    udi_di: t.udi_di.clone(),
                });
            }
        }
        Manifest {
            blobs,
            format: if layout.shared {
                MANIFEST_FORMAT_SETS
            } else {
                MANIFEST_FORMAT
            }
            .to_owned(),
            payload,
            release: Release {
                confirm: spec
                    .confirm
                    .iter()
                    .map(|c| Confirm {
                        id: c.id.clone(),
                        text: c.text.0.clone(),
                    })
                    .collect(),
                id: spec.release.id.clone(),
                notes: spec.release.notes.0.clone(),
                notice: spec.release.notice.clone(),
                sequence: spec.release.sequence,
                title: spec.release.title.0.clone(),
                version: spec.release.version.clone(),
            },
            sbom: self.sbom.as_ref().map(|(_, r)| r.clone()),
            sets,
            targets,
            volumes: Vec::new(),
        }
    }

    /// The length of the canonical manifest with a one-digit payload size,
    /// counted without building its file lists: the skeleton's length with
    /// each list's first entry (a list's key is absent when empty), plus
    /// the other entries and their commas. Compact JSON has no whitespace,
    /// so an entry is as long inside the manifest as alone; a digest is
    /// always 64 hex digits, so its value does not matter here.
    pub(super) fn manifest_len(&self, blobs: &BlobTally) -> u64 {
        let mut skeleton = self.skeleton(
            Vec::new(),
            Payload {
                compression: "zstd".into(),
                sha256: Sha256Digest([0; 32]),
                size: 0,
            },
        );
        let entry = |c: &Collected| c.entry(Sha256Digest([0; 32]));
        let first = |files: &[Collected]| files.first().map(entry).into_iter().collect();
        let rest = |files: &[Collected]| -> u64 {
            files
                .iter()
                .skip(1)
                .map(|c| canonical_len(&entry(c)) + 1)
                .sum()
        };
        let mut lists = 0;
        if self.layout.shared {
            for (set, files) in skeleton.sets.iter_mut().zip(self.lists) {
                set.files = first(files);
                lists += rest(files);
            }
        } else {
            skeleton.sets.clear();
            let mut targets = skeleton.targets.iter_mut();
            for (spec, refs) in self.spec.targets.iter().zip(&self.layout.refs) {
                let at = self.layout.sets.iter().position(|s| s.name == refs[0].name);
                let own = &self.lists[at.expect("a set of the layout")];
                for t in targets.by_ref().take(spec.modes.len()) {
                    t.files = first(own);
                    lists += rest(own);
                }
            }
        }
        canonical_len(&skeleton) + lists + blobs.json + blobs.count.saturating_sub(1)
    }

    /// Where the payload will start, for each digit count of its size.
    pub(super) fn plan(&self, blobs: &BlobTally) -> Plan {
        Plan::new(
            self.front_without_manifest(),
            self.manifest_len(blobs),
            blobs.tar + 2 * BLOCK as u64,
        )
    }

    /// The bytes of every member before the payload's data but the
    /// manifest (the payload's header included); the signatures' length
    /// does not depend on what they sign.
    pub(super) fn front_without_manifest(&self) -> u64 {
        let mut sigs = SignatureFile::default();
        // Every Ed25519 signature has 64 bytes, so its encoding one length.
        sigs.insert(self.key.clone(), bundle_keys::SignatureBytes([0; 64]));
        let sigs = sigs.to_canonical_bytes();
        let fixed = Front {
            trust_roots: self.trust_roots,
            manifest: &[],
            sigs: &sigs,
            sbom: self.sbom.as_ref().map(|(b, _)| *b),
        }
        .payload_offset()
            - member_len(0);
        fixed
    }
}

/// What the plan needs of the distinct contents (one blob each): how
/// many, their bytes in the manifest's `blobs` list without commas, and
/// their bytes in the payload tar (header and padded data).
#[derive(Clone, Debug, Default)]
pub(super) struct BlobTally {
    count: u64,
    json: u64,
    tar: u64,
}

impl BlobTally {
    pub(super) fn add(&mut self, b: &Blob) {
        self.count += 1;
        self.json += canonical_len(b);
        self.tar += member_len(b.size);
    }
}

/// The length of `serde_json::to_vec(v)` (the canonical form of a
/// manifest and of its parts), counted without keeping the bytes.
pub(super) fn canonical_len<T: serde::Serialize>(v: &T) -> u64 {
    let mut c = Count(0);
    serde_json::to_writer(&mut c, v).expect("manifest serialises");
    c.0
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The length of the manifest of `spec` with made-up digests (four
    /// contents, so most files repeat one), as the plan counts it and real.
    fn lengths(spec: &Path) -> (u64, u64, bool) {
        let spec = Spec::load(spec).unwrap();
        let limits = Limits::default();
        let mut layout = Layout::of(&spec);
        let lists = layout.collect(&spec, &limits).unwrap();
        let key = bundle_keys::KeyId::of_raw(&[7; 32]);
        let draft = Draft {
            spec: &spec,
            layout: &layout,
            lists: &lists,
            trust_roots: &[],
            sbom: None,
            key: &key,
        };
        let mut digests = Vec::new();
        let mut blobs = Vec::new();
        let mut tally = BlobTally::default();
        for (i, c) in lists.iter().flatten().enumerate() {
            let d = Sha256Digest::of(&(i % 4).to_le_bytes());
            digests.push(d);
            if !blobs.iter().any(|b: &Blob| b.sha256 == d) {
                let b = Blob {
                    sha256: d,
                    size: c.size,
                };
                tally.add(&b);
                blobs.push(b);
            }
        }
        let payload = Payload {
            compression: "zstd".into(),
            sha256: Sha256Digest([9; 32]),
            size: 5,
        };
        let m = draft.manifest(&digests, blobs, payload);
        let real = m.to_canonical_bytes().len() as u64;
        (draft.manifest_len(&tally), real, layout.shared)
    }

    #[test]
    fn the_plan_counts_the_manifest_length_of_either_layout() {
        // Format 1: each target lists its own files, once per mode.
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/fsn2022-1230/release.toml");
        let (counted, real, shared) = lengths(&example);
        assert!(!shared);
        assert_eq!(counted, real);
        // Format 2: shared layers, each listed once, some files executable.
        let dir = tempfile::tempdir().unwrap();
        for (f, body) in [
            ("common/bin/run", "run\n"),
            ("common/data/a.txt", "a\n"),
            ("common/data/b.txt", "b\n"),
            ("one/data/a.txt", "A, longer than the common one\n"),
            ("two/x \u{e9}.txt", "x\n"),
        ] {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        let spec = dir.path().join("release.toml");
        std::fs::write(
            &spec,
            "[release]\nid = \"S-1\"\nversion = \"1.0.0\"\nsequence = 1\ntitle = \"S\"\n\n\
             [[target]]\nmodel = \"One\"\nudi_di = [\"00000000000001\"]\nmodes = [\"Dx\", \"RUO\"]\n\
             executable = [\"bin/*\"]\n\
             files = [\"common\", { dir = \"one\", override = true }]\n\n\
             [[target]]\nmodel = \"Two\"\nudi_di = [\"00000000000002\"]\nmodes = [\"Dx\"]\n\
             executable = [\"bin/*\"]\nfiles = [\"common\", \"two\"]\n",
        )
        .unwrap();
        let (counted, real, shared) = lengths(&spec);
        assert!(shared);
        assert_eq!(counted, real);
    }
}
