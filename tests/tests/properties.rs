//! Property tests at library level (fast, no process per case):
//! random trees round-trip through build → verify → apply, and no single
//! changed byte anywhere in a bundle gets past the verifier.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use bundle_builder::spec::{ReleaseSpec, SpecTexts, TargetSpec};
use bundle_builder::{BuildOptions, Spec};
use bundle_keys::signing::{FileKey, Signer};
use bundle_verifier::format::manifest::{check_tree, Texts};
use bundle_verifier::format::safepath::SafePath;
use bundle_verifier::instrument::install::{apply, ApplyOptions, Quiet};
use bundle_verifier::{ExitClass, Identity, Limits, TrustedKeys, VerifyOptions};
use e2e_tests::snapshot;
use proptest::prelude::*;

/// Path components: ASCII, Latin-1, CJK, emoji; NFC by construction.
fn component() -> impl Strategy<Value = String> {
    prop::string::string_regex("[a-zA-Z0-9_äöüßéñ日本語🦀-]{1,12}(\\.[a-z]{1,3})?")
        .expect("regex")
        .prop_filter("a safe component", |c| {
            SafePath::parse(c, &Limits::default()).is_ok()
        })
}

fn rel_path() -> impl Strategy<Value = String> {
    prop::collection::vec(component(), 1..4).prop_map(|c| c.join("/"))
}

/// Sizes around the tar block and zstd boundaries, and some random ones.
fn content(pool: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let sizes = prop_oneof![
        Just(0usize),
        Just(1),
        Just(511),
        Just(512),
        Just(513),
        Just(1024),
        Just(128 * 1024 + 1),
        0usize..4096,
    ];
    prop_oneof![
        3 => sizes.prop_flat_map(|n| prop::collection::vec(any::<u8>(), n)),
        1 => prop::sample::select(pool),
    ]
}

/// A tree: distinct paths (also when case-folded), no file where a directory is needed.
fn tree() -> impl Strategy<Value = Vec<(String, Vec<u8>, bool)>> {
    let pool = vec![b"shared content\n".to_vec(), Vec::new(), vec![0u8; 700]];
    prop::collection::vec((rel_path(), content(pool), any::<bool>()), 1..10).prop_filter_map(
        "paths a bundle can carry",
        |files| {
            let mut seen = BTreeMap::new();
            for (p, d, x) in files {
                let sp = SafePath::parse(&p, &Limits::default()).ok()?;
                seen.entry(sp.fold_key()).or_insert((p, d, x));
            }
            let files: Vec<_> = seen.into_values().collect();
            let entries: Vec<_> = files
                .iter()
                .map(|(p, d, x)| bundle_verifier::format::manifest::FileEntry {
                    executable: *x,
                    path: SafePath::parse(p, &Limits::default()).unwrap(),
                    sha256: bundle_verifier::format::digest::Sha256Digest::of(d),
                    size: d.len() as u64,
                })
                .collect();
            check_tree("tree", &entries).ok()?;
            Some(files)
        },
    )
}

fn write_tree(dir: &Path, files: &[(String, Vec<u8>, bool)]) {
    for (p, data, exec) in files {
        let f = dir.join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, data).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = if *exec { 0o755 } else { 0o644 };
            std::fs::set_permissions(&f, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = exec; // no executable bit to set
    }
}

fn spec(base: &Path) -> Spec {
    Spec {
        release: ReleaseSpec {
            id: "PROP-1".into(),
            version: "1.0.0".into(),
            sequence: 1,
            title: SpecTexts(Texts::en("property test")),
            notes: SpecTexts::default(),
            sbom: None,
            notice: None,
        },
        targets: vec![TargetSpec {
            model: "NextSeq 550Dx".into(),
            udi_di: vec!["00816270020125".into()],
            catalog: vec![],
            modes: vec!["Dx".into(), "RUO".into()],
            requires_version: None,
            files: "payload".into(),
            executable: None,
            owns: vec![],
            long_paths: false,
            actions: Vec::new(),
        }],
        base: base.to_owned(),
        confirm: Vec::new(),
    }
}

fn identity() -> Identity {
    Identity {
        model: "NextSeq 550Dx".into(),
        udi_di: Some("00816270020125".into()),
        serial: "NB551234".into(),
        mode: "Dx".into(),
        installed_version: "3.1.0".into(),
    }
}

fn trust(key: &FileKey) -> TrustedKeys {
    TrustedKeys::new(vec![key.public_key().clone()], 1).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn random_trees_round_trip_through_build_verify_and_apply(files in tree()) {
        let dir = tempfile::tempdir().unwrap();
        write_tree(&dir.path().join("payload"), &files);
        let key = FileKey::generate();
        let bundle = dir.path().join("t.bundle");
        bundle_builder::build(&spec(dir.path()), &key, &bundle, &BuildOptions::default()).unwrap();
        let opts = VerifyOptions { limits: Limits::default(), deep: true };
        bundle_verifier::verify(&bundle, &trust(&key), &opts, &|_| {}).unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap();
        apply(&bundle, &trust(&key), &identity(), &root, &dir.path().join("state"),
              &ApplyOptions::default(), &Quiet).unwrap();
        let want = snapshot(&dir.path().join("payload"));
        let got = snapshot(&root);
        prop_assert_eq!(got.len(), want.len());
        for (p, (kind, mode, data)) in &want {
            let (gk, gm, gd) = got.get(p).expect("installed");
            prop_assert_eq!(kind, gk);
            prop_assert_eq!(data, gd, "content of {}", p);
            if *kind == 'f' {
                prop_assert_eq!(mode & 0o100, gm & 0o100, "exec bit of {}", p);
            }
        }
    }
}

/// One bundle of a few files, built once for the tamper properties.
fn tamper_fixture() -> &'static (tempfile::TempDir, FileKey, Vec<u8>) {
    static F: OnceLock<(tempfile::TempDir, FileKey, Vec<u8>)> = OnceLock::new();
    F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            &dir.path().join("payload"),
            &[
                (
                    "lrm/bin/lrm-guard".into(),
                    b"#!/bin/sh\nexec true\n".to_vec(),
                    true,
                ),
                (
                    "lrm/config/remote-access.json".into(),
                    vec![b'x'; 700],
                    false,
                ),
                ("lrm/empty".into(), Vec::new(), false),
            ],
        );
        let key = FileKey::generate();
        let bundle = dir.path().join("t.bundle");
        bundle_builder::build(&spec(dir.path()), &key, &bundle, &BuildOptions::default()).unwrap();
        let bytes = std::fs::read(&bundle).unwrap();
        (dir, key, bytes)
    })
}

fn deep_verify_class(bytes: &[u8], key: &FileKey) -> Option<ExitClass> {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), bytes).unwrap();
    let opts = VerifyOptions {
        limits: Limits::default(),
        deep: true,
    };
    bundle_verifier::verify(f.path(), &trust(key), &opts, &|_| {})
        .err()
        .map(|e| e.class())
}

/// A sweep over the whole bundle (every 13th byte, so every header, member
/// and padding run is hit; all of them take about a minute in a debug
/// build): each flipped byte is refused by `verify --deep`.
#[test]
fn flipping_bytes_across_the_whole_bundle_is_refused() {
    let (_, key, good) = tamper_fixture();
    assert_eq!(deep_verify_class(good, key), None, "the fixture verifies");
    let mut accepted = Vec::new();
    for at in (0..good.len()).step_by(13).chain([good.len() - 1]) {
        let mut b = good.clone();
        b[at] ^= 0x01;
        if deep_verify_class(&b, key) != Some(ExitClass::Refused) {
            accepted.push(at);
        }
    }
    assert!(accepted.is_empty(), "offsets not refused: {accepted:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any value at any offset: `apply` refuses with exit class 3 and the root stays as it was.
    #[test]
    fn changing_any_byte_is_refused_by_apply_and_leaves_the_root_unchanged(
        at in any::<prop::sample::Index>(),
        value in any::<u8>(),
    ) {
        let (_, key, good) = tamper_fixture();
        let at = at.index(good.len());
        prop_assume!(good[at] != value);
        let mut b = good.clone();
        b[at] = value;
        let dir = tempfile::tempdir().unwrap();
        let bundle = dir.path().join("t.bundle");
        std::fs::write(&bundle, &b).unwrap();
        let root = dir.path().join("root");
        e2e_tests::copy_tree(&e2e_tests::example().join("instrument-root"), &root);
        let before = snapshot(&root);
        let err = apply(&bundle, &trust(key), &identity(), &root, &dir.path().join("state"),
                        &ApplyOptions::default(), &Quiet).err();
        prop_assert_eq!(err.map(|e| e.error.class()), Some(ExitClass::Refused), "offset {}", at);
        prop_assert_eq!(snapshot(&root), before);
    }
}
