//! Confirmation steps in the signed manifest: accepted shapes, refused ones.

use bundle_verifier::format::digest::Sha256Digest;
use bundle_verifier::format::manifest::{
    Blob, Confirm, FileEntry, Manifest, ManifestError, Payload, Release, Target, TextProblem,
    Texts, MANIFEST_FORMAT,
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
            notes: Texts::default(),
            notice: None,
            sequence: 1,
            title: Texts::en("t"),
            version: "1".into(),
        },
        sbom: None,
        sets: vec![],
        targets: vec![Target {
            actions: vec![],
            catalog: vec![],
            files: vec![FileEntry {
                executable: false,
                path: SafePath::parse("a", &Limits::default()).unwrap(),
                sha256: d,
                size: 1,
            }],
            mode: "Dx".into(),
            model: "M".into(),
            owns: vec![],
            requires_version: None,
            sets: vec![],
            udi_di: vec![],
        }],
        volumes: vec![],
    }
}

fn step(id: &str, text: &str, de: Option<&str>) -> Confirm {
    let mut texts = Texts::en(text);
    if let Some(de) = de {
        texts = texts.with("de", de);
    }
    Confirm {
        id: id.into(),
        text: texts,
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
        r#""release":{"confirm":[{"id":"backup","text":{"de":"Gesichert.","en":"Backed up."}}],"id":"R""#
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

fn text_problem(m: &Manifest) -> Option<(String, TextProblem)> {
    match parse(m) {
        Err(ManifestError::Text { field, problem }) => Some((field, problem)),
        _ => None,
    }
}

#[test]
fn texts_by_language_round_trip_sorted_and_fall_back_to_english() {
    let mut m = manifest(vec![Confirm {
        id: "backup".into(),
        text: Texts::en("Backed up.")
            .with("pt-br", "Feito.")
            .with("fr", "Sauvegardé."),
    }]);
    m.release.title = Texts::en("Title").with("de", "Titel");
    m.release.notes = Texts::en("Notes");
    assert_eq!(parse(&m).unwrap(), m);
    let text = String::from_utf8(m.to_canonical_bytes()).unwrap();
    assert!(text.contains(r#""text":{"en":"Backed up.","fr":"Sauvegardé.","pt-br":"Feito."}"#));
    assert!(
        text.contains(r#""notes":{"en":"Notes"},"sequence":1,"title":{"de":"Titel","en":"Title"}"#)
    );
    let r = &m.release;
    assert_eq!(r.title_in("de"), "Titel");
    assert_eq!(r.title_in("fr"), "Title");
    assert_eq!(r.notes_in("de"), "Notes");
    assert_eq!(r.confirm[0].text_in("fr"), "Sauvegardé.");
    assert_eq!(r.confirm[0].text_in("de"), "Backed up.");
    // No notes at all: an empty map, and nothing to show in any language.
    m.release.notes = Texts::default();
    assert!(String::from_utf8(m.to_canonical_bytes())
        .unwrap()
        .contains(r#""notes":{},"#));
    assert_eq!(parse(&m).unwrap().release.notes_in("de"), "");
}

#[test]
fn a_title_or_step_without_english_is_refused() {
    let mut m = manifest(vec![]);
    m.release.title = Texts::default().with("de", "Titel");
    assert_eq!(
        text_problem(&m),
        Some(("release title".into(), TextProblem::NoEnglish))
    );
    m.release.title = Texts::default();
    assert_eq!(
        text_problem(&m),
        Some(("release title".into(), TextProblem::NoEnglish))
    );
    let mut m = manifest(vec![]);
    m.release.notes = Texts::default().with("fr", "Notes");
    assert_eq!(
        text_problem(&m),
        Some(("release notes".into(), TextProblem::NoEnglish))
    );
    let m = manifest(vec![Confirm {
        id: "backup".into(),
        text: Texts::default().with("de", "Gesichert."),
    }]);
    assert_eq!(
        text_problem(&m),
        Some(("confirmation \"backup\"".into(), TextProblem::NoEnglish))
    );
}

#[test]
fn malformed_language_tags_are_refused() {
    for tag in [
        "",
        "e",
        "EN",
        "De",
        "engl",
        "de-",
        "de_DE",
        "pt-BR",
        "pt-b",
        "de-123456789",
        "de-at-x",
        "-de",
        "d1",
        "zh-ha ns",
        "ü",
    ] {
        let mut m = manifest(vec![]);
        m.release.title = Texts::en("Title").with(tag, "x");
        assert_eq!(
            text_problem(&m),
            Some(("release title".into(), TextProblem::BadTag(tag.into()))),
            "{tag:?}"
        );
    }
    for tag in ["de", "fr", "pt-br", "zh-hans", "gsw", "es-419", "de-1996"] {
        let mut m = manifest(vec![]);
        m.release.title = Texts::en("Title").with(tag, "x");
        parse(&m).unwrap_or_else(|e| panic!("{tag}: {e}"));
    }
}

#[test]
fn empty_texts_and_too_many_languages_are_refused() {
    let mut m = manifest(vec![]);
    m.release.title = Texts::en("Title").with("de", "");
    assert_eq!(
        text_problem(&m),
        Some(("release title".into(), TextProblem::Empty("de".into())))
    );
    let mut m = manifest(vec![]);
    m.release.notes = Texts::en(" \n");
    assert_eq!(
        text_problem(&m),
        Some(("release notes".into(), TextProblem::Empty("en".into())))
    );
    let mut m = manifest(vec![]);
    let limit = Limits::default().max_text_languages;
    m.release.title = (0..limit).fold(Texts::en("Title"), |t, i| {
        t.with(&format!("x{}", (b'a' + i as u8) as char), "x")
    });
    assert_eq!(
        text_problem(&m),
        Some((
            "release title".into(),
            TextProblem::TooManyLanguages {
                found: limit + 1,
                limit
            }
        ))
    );
}

#[test]
fn a_plain_string_text_is_not_this_schema() {
    let m = manifest(vec![]);
    let text = String::from_utf8(m.to_canonical_bytes()).unwrap();
    let plain = text.replace(r#""title":{"en":"t"}"#, r#""title":"t""#);
    assert_ne!(plain, text);
    assert!(matches!(
        Manifest::parse(plain.as_bytes(), &Limits::default()),
        Err(ManifestError::Schema(_))
    ));
    let legacy = text.replace(
        r#""release":{"#,
        r#""release":{"confirm":[{"id":"a","text":{"en":"x"},"text_de":"y"}],"#,
    );
    assert!(matches!(
        Manifest::parse(legacy.as_bytes(), &Limits::default()),
        Err(ManifestError::Schema(_))
    ));
}
