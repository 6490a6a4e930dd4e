//! Build orchestration: list the files, stream the payload, sign the
//! manifest, finish the container and self-check it before `out` appears.
//! Holds the order of the steps; the steps themselves live beside it.

use std::path::{Path, PathBuf};

use bundle_keys::signing::Signer;
use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::format::manifest::{Manifest, Payload, Release};
use bundle_verifier::format::sbom::SbomRef;
use bundle_verifier::trust::SignatureFile;
use bundle_verifier::{Limits, TrustedKeys};
use serde::Serialize;

use super::container::{self, new_temp, out_dir, Front};
use super::draft::{canonical_len, Draft};
use super::payload::{write_payload, Place};
use super::sbom::read_sbom;
use super::selfcheck::{check_and_persist, SelfCheck};
use super::volumes::{self, fat32_warning, Split, VolumeFile};
use crate::collect::Collected;
use crate::layers::Layout;
use crate::platform;
use crate::spec::TargetSpec;
use crate::{BuildError, Spec};

#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// zstd level, 1 to 19 (higher levels need windows the verifier refuses).
    pub level: i32,
    pub limits: Limits,
    /// Trust root documents to carry, as (version, exact bytes), consecutive
    /// (see [`crate::trust::load_chain`]).
    pub trust_roots: Vec<(u64, Vec<u8>)>,
    /// SBOM file to carry; overrides the spec's `release.sbom`.
    pub sbom: Option<PathBuf>,
    /// Split into volumes of at most this many bytes (FORMAT.md 1.3).
    pub volume_size: Option<u64>,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            level: 3,
            limits: Limits::default(),
            trust_roots: Vec::new(),
            sbom: None,
            volume_size: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct BuildReport {
    pub bundle: PathBuf,
    pub bundle_size: u64,
    pub manifest_sha256: Sha256Digest,
    pub payload_sha256: Sha256Digest,
    pub payload_size: u64,
    pub release: Release,
    pub signed_by: Vec<bundle_keys::KeyId>,
    /// More distinct release-key signatures (`cosign`) the newest carried
    /// trust root demands before instruments accept the bundle.
    pub signatures_needed: usize,
    /// Versions of the trust roots the bundle carries.
    pub trust_roots: Vec<u64>,
    /// The SBOM the bundle carries, and how many components it lists.
    pub sbom: Option<SbomRef>,
    pub sbom_components: usize,
    pub targets: Vec<String>,
    pub files: usize,
    pub blobs: usize,
    pub uncompressed_bytes: u64,
    /// The volume files of a split bundle, first to last; empty for one file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<VolumeFile>,
    /// What the build did that the vendor may not have meant.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl BuildReport {
    /// The report of a bundle about to be written; its size comes last.
    fn of(
        out: &Path,
        manifest: &Manifest,
        manifest_bytes: &[u8],
        signer: &dyn Signer,
        opts: &BuildOptions,
        sbom_components: usize,
        signatures_needed: usize,
    ) -> Self {
        BuildReport {
            bundle: out.to_owned(),
            bundle_size: 0,
            manifest_sha256: Sha256Digest::of(manifest_bytes),
            payload_sha256: manifest.payload.sha256,
            payload_size: manifest.payload.size,
            release: manifest.release.clone(),
            signed_by: vec![signer.key_id().clone()],
            trust_roots: opts.trust_roots.iter().map(|(v, _)| *v).collect(),
            signatures_needed,
            sbom: manifest.sbom.clone(),
            sbom_components,
            targets: manifest
                .targets
                .iter()
                .map(|t| format!("{}/{}", t.model, t.mode))
                .collect(),
            files: manifest
                .targets
                .iter()
                .map(|t| manifest.files_of(t).len())
                .sum(),
            blobs: manifest.blobs.len(),
            uncompressed_bytes: manifest.blobs.iter().map(|b| b.size).sum(),
            volumes: Vec::new(),
            warnings: Vec::new(),
        }
    }
}

/// What `build --check` found: the spec, SBOM and payload are as a build needs.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub release: String,
    pub version: String,
    pub targets: Vec<String>,
    pub files: usize,
    pub bytes: u64,
}

/// Checks what a build would read (options, SBOM, every target's payload
/// folder) without a key and without writing anything; every payload
/// problem is reported at once.
pub fn check(spec: &Spec, opts: &BuildOptions) -> Result<CheckReport, BuildError> {
    let (_, _, lists) = check_inputs(spec, opts)?;
    Ok(CheckReport {
        release: spec.release.id.clone(),
        version: spec.release.version.clone(),
        targets: spec
            .targets
            .iter()
            .flat_map(|t| t.modes.iter().map(move |m| format!("{}/{m}", t.model)))
            .collect(),
        files: lists.iter().map(Vec::len).sum(),
        bytes: lists.iter().flatten().map(|c| c.size).sum(),
    })
}

type Inputs = (
    Option<(Vec<u8>, bundle_verifier::format::sbom::SbomSummary)>,
    Layout,
    Vec<Vec<Collected>>,
);

/// The level, the SBOM and every target's file list; all payload problems
/// of every target together.
fn check_inputs(spec: &Spec, opts: &BuildOptions) -> Result<Inputs, BuildError> {
    if !(1..=19).contains(&opts.level) {
        return Err(BuildError::Option {
            option: "--level",
            msg: format!("zstd level {} is outside 1..=19", opts.level),
        });
    }
    // The SBOM first: a wrong file should not cost a whole compression.
    let sbom = match opts.sbom.clone().or_else(|| spec.sbom_path()) {
        Some(path) => Some(read_sbom(&path, &opts.limits)?),
        None => None,
    };
    // List every distinct layer's files once; they are read and hashed
    // while compressing. Every payload problem of every target together.
    let mut layout = Layout::of(spec);
    let lists = layout.collect(spec, &opts.limits)?;
    for (i, t) in spec.targets.iter().enumerate() {
        check_owns(spec, t, &layout, i, &lists)?;
        // Actions name files of their own target: checked before
        // compressing, with the verifier's rules (the manifest check
        // repeats them).
        let entries: Vec<_> = layout
            .target_files(i, &lists)
            .iter()
            .map(|c| c.entry(bundle_verifier::format::digest::Sha256Digest([0; 32])))
            .collect();
        bundle_verifier::format::actions::check_actions(&t.actions(), &entries).map_err(|msg| {
            BuildError::Spec {
                path: spec.base.clone(),
                msg: format!("target {:?}: {msg}", t.model),
            }
        })?;
    }
    Ok((sbom, layout, lists))
}

/// Builds, signs, writes and self-checks a bundle; `out` appears only when all succeeded.
pub fn build(
    spec: &Spec,
    signer: &dyn Signer,
    out: &Path,
    opts: &BuildOptions,
) -> Result<BuildReport, BuildError> {
    build_placed(spec, signer, out, opts, Placement::Predict).map(|(report, _)| report)
}

/// How the payload reaches its place in the bundle file (tests force each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    /// Straight into the bundle file once its offset is certain (`place`).
    Predict,
    /// Into a spool file, copied in after the members before it.
    Spool,
    /// As `Predict`, but at a wrong offset, which the builder must notice.
    #[cfg(test)]
    WrongOffset,
}

fn build_placed(
    spec: &Spec,
    signer: &dyn Signer,
    out: &Path,
    opts: &BuildOptions,
    placement: Placement,
) -> Result<(BuildReport, bool), BuildError> {
    let (sbom, layout, lists) = check_inputs(spec, opts)?;
    let dirs: Vec<PathBuf> = layout.sets.iter().map(|s| spec.base.join(&s.dir)).collect();
    let all: Vec<(&Path, &[Collected])> = dirs
        .iter()
        .map(PathBuf::as_path)
        .zip(lists.iter().map(Vec::as_slice))
        .collect();
    let draft = Draft {
        spec,
        layout: &layout,
        lists: &lists,
        trust_roots: &opts.trust_roots,
        sbom: sbom
            .as_ref()
            .map(|(bytes, s)| (bytes.as_slice(), s.to_ref())),
        key: signer.key_id(),
    };

    let dir = out_dir(out);
    let mut spool =
        tempfile::tempfile_in(&dir).map_err(BuildError::io("cannot create a file in", &dir))?;
    let bundle = new_temp(out)?;
    // A split bundle's first volume is written last, so the payload spools.
    let spooled = placement == Placement::Spool || opts.volume_size.is_some();
    let place = (!spooled).then(|| Place {
        draft: &draft,
        file: bundle.as_file(),
        #[cfg(test)]
        skew: if placement == Placement::WrongOffset {
            bundle_verifier::format::envelope::BLOCK as u64
        } else {
            0
        },
    });
    let streamed = write_payload(&all, &spool, place, opts)?;
    let (payload_sha256, payload_size) = (streamed.sha256, streamed.size);
    let mut manifest = draft.manifest(
        &streamed.digests,
        streamed.blobs,
        Payload {
            compression: "zstd".into(),
            sha256: payload_sha256,
            size: payload_size,
        },
    );
    // In the manifest now; they would stay until the end of the build.
    drop(streamed.digests);
    let split = match opts.volume_size {
        Some(size) => split(&draft, &manifest, payload_size, size, &mut spool, out)?,
        None => None,
    };
    if let Some(s) = &split {
        manifest.volumes = s.volumes().to_vec();
    }
    // The file lists are in the manifest now; with 100,000 files they and
    // the manifest's bytes were the build's peak together.
    drop(all);
    drop(draft);
    drop(lists);
    manifest
        .validate(&opts.limits)
        .map_err(|e| BuildError::Spec {
            path: spec.base.clone(),
            msg: e.to_string(),
        })?;
    let manifest_bytes = canonical_bytes(&manifest);
    let mut sigs = SignatureFile::default();
    sigs.insert(signer.key_id().clone(), signer.sign(&manifest_bytes)?);
    let signatures_needed = standing_under_newest_root(
        &opts.trust_roots,
        &manifest_bytes,
        &sigs,
        &manifest,
        signer.key_id(),
    )?;

    // The report needs little of the manifest; free it before the
    // self-check parses the manifest again (peak memory grows with the
    // number of files).
    let report = BuildReport::of(
        out,
        &manifest,
        &manifest_bytes,
        signer,
        opts,
        sbom.as_ref().map_or(0, |(_, s)| s.components.len()),
        signatures_needed,
    );
    drop(manifest);
    let sigs = sigs.to_canonical_bytes();
    let front = Front {
        trust_roots: &opts.trust_roots,
        manifest: &manifest_bytes,
        sigs: &sigs,
        sbom: sbom.as_ref().map(|(b, _)| b.as_slice()),
    };
    if let Some(split) = split {
        drop(bundle);
        let (bundle_size, files) = split.finish(
            &front,
            &mut spool,
            payload_size,
            out,
            (signer.public_key(), &opts.limits),
        )?;
        let report = BuildReport {
            bundle_size,
            volumes: files,
            warnings: exec_warnings(spec),
            ..report
        };
        return Ok((report, false));
    }
    let (tmp, in_place) = container::complete(
        bundle,
        &mut spool,
        streamed.placed,
        &front,
        payload_size,
        out,
    )?;
    drop(spool);
    // Written: the self-check reads its own copy.
    drop(manifest_bytes);
    let bundle_size = check_and_persist(
        tmp,
        out,
        (signer.public_key(), &opts.limits, SelfCheck::Shallow),
    )?;
    let mut warnings = exec_warnings(spec);
    warnings.extend(fat32_warning(out, bundle_size));
    Ok((
        BuildReport {
            bundle_size,
            warnings,
            ..report
        },
        in_place,
    ))
}

/// `manifest.to_canonical_bytes()` in a buffer of the exact size: grown
/// by doubling, the 23 MB of a 100,000-file manifest took 32 MB, next to
/// the manifest itself.
fn canonical_bytes(manifest: &Manifest) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(canonical_len(manifest) as usize);
    serde_json::to_writer(&mut bytes, manifest).expect("manifest serialises");
    bytes
}

/// Plans and writes the later volumes when the bundle is larger than one
/// volume; `None` when it fits in one file (then it is the usual bundle).
fn split(
    draft: &Draft,
    manifest: &Manifest,
    payload_size: u64,
    volume_size: u64,
    spool: &mut std::fs::File,
    out: &Path,
) -> Result<Option<Split>, BuildError> {
    let fixed = draft.front_without_manifest();
    let manifest_len = canonical_len(manifest);
    match volumes::plan(fixed, manifest_len, payload_size, volume_size)? {
        Some(layout) => Split::write_later(out, layout, spool, payload_size).map(Some),
        None => Ok(None),
    }
}

/// Targets whose executable files nobody named, on a build machine that
/// cannot tell them from their modes: they install with none executable.
fn exec_warnings(spec: &Spec) -> Vec<String> {
    if platform::RECORDS_EXEC_BITS {
        return Vec::new();
    }
    spec.targets
        .iter()
        .filter(|t| t.executable.is_none())
        .map(|t| {
            format!(
                "target {:?}: no file is marked executable, as this system records no executable bits; \
                 name them in the spec with `executable = [\"bin/*\"]`, or write `executable = []` if there are none",
                t.model
            )
        })
        .collect()
}

/// With carried trust roots, checks the way instruments will that the
/// signer's key counts under the newest one (a release key, not revoked,
/// not expired, scope covering every model), and returns how many more
/// signatures its threshold needs. Without, there is nothing to check.
pub(super) fn standing_under_newest_root(
    roots: &[(u64, Vec<u8>)],
    manifest_bytes: &[u8],
    sigs: &SignatureFile,
    manifest: &Manifest,
    key: &bundle_keys::KeyId,
) -> Result<usize, BuildError> {
    let Some((version, bytes)) = roots.last() else {
        return Ok(0);
    };
    let doc = bundle_keys::root::RootDocument::parse(bytes)
        .map_err(|e| BuildError::TrustRoot(e.to_string()))?;
    let trust = TrustedKeys::from_root(doc).map_err(|e| BuildError::TrustRoot(e.to_string()))?;
    let (verdict, threshold) = trust
        .counts_alone(manifest_bytes, sigs, manifest, key)
        .map_err(BuildError::SelfCheck)?;
    verdict.map_err(|why| {
        BuildError::TrustRoot(format!(
            "the signing key {key} would not count on instruments under trust root version {version}: {why}. Sign with a release key of that trust root, or add the key to it (`bundle-builder trust edit`)"
        ))
    })?;
    Ok(threshold.saturating_sub(1))
}

/// Refuses an owned directory that is not a directory of the target's
/// payload: the release would empty a place it puts nothing into.
fn check_owns(
    spec: &Spec,
    t: &TargetSpec,
    layout: &Layout,
    at: usize,
    lists: &[Vec<Collected>],
) -> Result<(), BuildError> {
    let files = layout.target_files(at, lists);
    for d in &t.owns {
        if !files
            .iter()
            .any(|f| f.path.ancestors().any(|a| a == d.as_str()))
        {
            return Err(BuildError::Payload {
                path: layout.first_dir(spec, at),
                msg: format!(
                    "target {:?} owns {d:?}, which is not a directory of this payload; name a directory in it that holds files of the release",
                    t.model
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use bundle_verifier::format::envelope::{EnvelopeReader, MEMBER_PAYLOAD, MEMBER_SBOM};

    use super::super::draft::BlobTally;
    use super::*;

    fn test_key() -> bundle_keys::signing::FileKey {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        bundle_keys::signing::FileKey::read_pem_file(
            &root.join("tests/vectors/v1-minimal/test-key.key"),
        )
        .unwrap()
    }

    /// Builds `spec` into `dir` with the payload placed the given way;
    /// the bundle's bytes, and whether the payload was written in place.
    fn built(spec: &Path, placement: Placement, dir: &Path) -> (Vec<u8>, bool) {
        let spec = Spec::load(spec).unwrap();
        let out = dir.join(format!("{placement:?}.bundle"));
        let (_, in_place) = build_placed(
            &spec,
            &test_key(),
            &out,
            &BuildOptions::default(),
            placement,
        )
        .unwrap();
        (std::fs::read(out).unwrap(), in_place)
    }

    fn example_spec() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/fsn2022-1230/release.toml")
    }

    /// A release of 40 MiB that compresses badly, so the stream spans many
    /// output chunks and the payload's offset is known long before its end.
    fn large_spec(dir: &Path) -> PathBuf {
        let files = dir.join("payload");
        std::fs::create_dir_all(files.join("data")).unwrap();
        let mut x = 7u64;
        for i in 0..5 {
            let mut bytes = vec![0u8; 8 << 20];
            for b in bytes.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            std::fs::write(files.join(format!("data/part{i}.bin")), bytes).unwrap();
        }
        std::fs::write(files.join("readme.txt"), "forty MiB of noise\n").unwrap();
        let spec = dir.join("release.toml");
        std::fs::write(
            &spec,
            "[release]\nid = \"LARGE-1\"\nversion = \"1.0.0\"\nsequence = 1\ntitle = \"Large\"\n\
             notes = \"\"\n\n[[target]]\nmodel = \"Bench 1000\"\nudi_di = [\"00000000000001\"]\n\
             catalog = [\"BENCH\"]\nmodes = [\"Dx\", \"RUO\"]\nfiles = \"payload\"\n",
        )
        .unwrap();
        spec
    }

    #[test]
    fn a_payload_written_in_place_gives_the_bytes_of_a_spooled_one() {
        let dir = tempfile::tempdir().unwrap();
        let spec = large_spec(dir.path());
        let out = tempfile::tempdir().unwrap();
        let (spooled, in_place) = built(&spec, Placement::Spool, out.path());
        assert!(!in_place);
        let (placed, in_place) = built(&spec, Placement::Predict, out.path());
        assert!(in_place, "a 40 MiB payload's offset is known early");
        assert!(placed == spooled);
        // A wrong prediction is noticed and the payload copied into place.
        let (copied, in_place) = built(&spec, Placement::WrongOffset, out.path());
        assert!(!in_place);
        assert!(copied == spooled);
        // No temporary file is left behind.
        let mut names: Vec<_> = std::fs::read_dir(out.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["Predict.bundle", "Spool.bundle", "WrongOffset.bundle"]
        );
        // The example release, whatever way its small payload goes.
        let (small, _) = built(&example_spec(), Placement::Predict, dir.path());
        let (small_spooled, _) = built(&example_spec(), Placement::Spool, dir.path());
        assert!(small == small_spooled);
    }

    #[test]
    fn the_predicted_offset_is_where_the_payload_starts() {
        let dir = tempfile::tempdir().unwrap();
        let spec_path = example_spec();
        let (bundle, _) = built(&spec_path, Placement::Spool, dir.path());
        let limits = Limits::default();
        let mut env = EnvelopeReader::new(&bundle[..]);
        let front = env.read_front(&limits).unwrap();
        let manifest = Manifest::parse(&front.manifest, &limits).unwrap();
        let sbom_ref = manifest.sbom.as_ref().expect("the example carries an SBOM");
        env.read_member(MEMBER_SBOM, sbom_ref.size).unwrap();
        let size = env
            .read_header(MEMBER_PAYLOAD, manifest.payload.size)
            .unwrap();
        let start = env.offset;
        // The plan as the builder makes it, from the file digests alone.
        let spec = Spec::load(&spec_path).unwrap();
        let mut layout = Layout::of(&spec);
        let lists = layout.collect(&spec, &limits).unwrap();
        let sbom = spec.sbom_path().map(|p| read_sbom(&p, &limits).unwrap());
        let key = test_key();
        let draft = Draft {
            spec: &spec,
            layout: &layout,
            lists: &lists,
            trust_roots: &[],
            sbom: sbom.as_ref().map(|(b, s)| (b.as_slice(), s.to_ref())),
            key: key.key_id(),
        };
        // The distinct contents, as the hasher tallies them.
        let mut blobs = BlobTally::default();
        for b in &manifest.blobs {
            blobs.add(b);
        }
        assert_eq!(draft.plan(&blobs).offset(size), Some(start));
    }
}
