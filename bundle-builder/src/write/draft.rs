//! The manifest before the payload is done, and the payload-offset plan
//! derived from it. Never writes anything.

use std::collections::HashSet;

use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::format::fileset::{FileSet, MANIFEST_FORMAT_SETS};
use bundle_verifier::format::manifest::{
    Blob, Confirm, FileEntry, Manifest, Payload, Release, Target, MANIFEST_FORMAT,
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
        let (spec, layout) = (self.spec, self.layout);
        let mut digests = digests.iter();
        // Each distinct layer's entries, listed once.
        let mut sets: Vec<FileSet> = layout
            .sets
            .iter()
            .zip(self.lists)
            .map(|(s, files)| FileSet {
                files: files
                    .iter()
                    .map(|c| c.entry(*digests.next().expect("one digest per file")))
                    .collect(),
                name: s.name.clone(),
            })
            .collect();
        let mut targets = Vec::new();
        for (t, refs) in spec.targets.iter().zip(&layout.refs) {
            // Without sharing, a target has one layer of its own: its files inline (format 1).
            let own: Vec<FileEntry> = if layout.shared {
                Vec::new()
            } else {
                let set = sets.iter_mut().find(|s| s.name == refs[0].name);
                std::mem::take(&mut set.expect("a set of the layout").files)
            };
            for mode in &t.modes {
                targets.push(Target {
                    actions: t.actions(),
                    catalog: t.catalog.clone(),
                    files: own.clone(),
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
        if !layout.shared {
            sets.clear();
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

    /// Where the payload will start, for each digit count of its size.
    pub(super) fn plan(&self, digests: &[Sha256Digest]) -> Plan {
        // One blob per distinct content; their order, which the compressor
        // decides, does not change the manifest's length.
        let mut seen = HashSet::new();
        let blobs = self
            .lists
            .iter()
            .flatten()
            .zip(digests)
            .filter(|(_, d)| seen.insert(**d))
            .map(|(c, d)| Blob {
                sha256: *d,
                size: c.size,
            })
            .collect();
        let m = self.manifest(
            digests,
            blobs,
            Payload {
                compression: "zstd".into(),
                sha256: Sha256Digest([0; 32]),
                size: 0,
            },
        );
        let without_manifest = self.front_without_manifest();
        Plan::new(without_manifest, canonical_len(&m), m.payload_tar_size())
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

/// The length of `m.to_canonical_bytes()`, counted without keeping the
/// bytes (several MiB for a large release, while zstd holds its buffers).
fn canonical_len(m: &Manifest) -> u64 {
    let mut c = Count(0);
    serde_json::to_writer(&mut c, m).expect("manifest serialises");
    c.0
}
