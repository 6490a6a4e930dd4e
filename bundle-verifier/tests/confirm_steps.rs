//! Confirmation steps in the signed manifest: accepted shapes, refused ones.

use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::format::manifest::{
    Blob, Confirm, FileEntry, Manifest, ManifestError, Payload, Release, Target, MANIFEST_FORMAT,
};
use bundle_verifier::format::safepath::SafePath;
use bundle_verifier::Limits;

fn manifest(confirm: Vec<Confirm>) -> Manifest {
    let d = Sha256Digest::of(b"x");
    Manifest {
        blobs: vec![Blob { sha256: d, size: 1 }],
        format: MANIFEST_FORMAT.into(),
        payload: Payload {
            compression: "zstd".into(),
            sha256: d,
            size: 1,
        },
        release: Release {
            confirm,
            id: "R".into(),
            notes: String::new(),
            sequence: 1,
            title: "t".into(),
            version: "1".into(),
        },
        sbom: None,
        targets: vec![Target {
            catalog: vec![],
            files: vec![FileEntry {
                executable: false,
                path: SafePath::parse("a", &Limits::default()).unwrap(),
                sha256: d,
                size: 1,
            }],
            mode: "Dx".into(),
            model: "M".into(),
            requires_version: None,
            udi_di: vec![],
        }],
    }
}

fn step(id: &str, text: &str, de: Option<&str>) -> Confirm {
    Confirm {
        id: id.into(),
        text: text.into(),
        text_de: de.map(Into::into),
    }
}

fn parse(m: &Manifest) -> Result<Manifest, ManifestError> {
    Manifest::parse(&m.to_canonical_bytes(), &Limits::default())
}

#[test]
fn confirmation_steps_round_trip_and_sit_first_in_release() {
    let m = manifest(vec![step("backup", "Backed up.", Some("Gesichert."))]);
    assert_eq!(parse(&m).unwrap(), m);
    let text = String::from_utf8(m.to_canonical_bytes()).unwrap();
    assert!(text.contains(
        r#""release":{"confirm":[{"id":"backup","text":"Backed up.","text_de":"Gesichert."}],"id":"R""#
    ));
}

#[test]
fn a_release_without_steps_has_no_confirm_key() {
    let m = manifest(vec![]);
    assert!(!String::from_utf8(m.to_canonical_bytes())
        .unwrap()
        .contains("confirm"));
    parse(&m).unwrap();
}

#[test]
fn an_empty_confirm_list_or_a_null_field_is_a_second_encoding_and_refused() {
    let m = manifest(vec![]);
    let text = String::from_utf8(m.to_canonical_bytes()).unwrap();
    for alt in [
        text.replace(r#""release":{"#, r#""release":{"confirm":[],"#),
        text.replace(
            r#""mode":"Dx","model":"M","#,
            r#""mode":"Dx","model":"M","requires_version":null,"#,
        ),
    ] {
        assert_ne!(alt, text);
        assert!(matches!(
            Manifest::parse(alt.as_bytes(), &Limits::default()),
            Err(ManifestError::NotCanonical)
        ));
    }
}

#[test]
fn bad_confirmation_steps_are_refused() {
    for bad in [
        vec![step("Backup", "x", None)],
        vec![step("", "x", None)],
        vec![step("has space", "x", None)],
        vec![step("a", "x", None), step("a", "y", None)],
        vec![step("a", "  ", None)],
        vec![step("a", "x", Some(""))],
        (0..17).map(|i| step(&format!("s{i}"), "x", None)).collect(),
    ] {
        assert!(
            parse(&manifest(bad.clone())).is_err(),
            "{bad:?} was accepted"
        );
    }
}
