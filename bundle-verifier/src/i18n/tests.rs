//! The catalogues are complete and consistent: every language has every
//! message with the same variables, every id the code asks for exists, and
//! plurals come out right.

use std::collections::{BTreeMap, BTreeSet};

use fluent_syntax::ast;

use super::{Lang, CATALOGUES};

type Vars = BTreeSet<String>;

fn collect_vars(p: &ast::Pattern<&str>, out: &mut Vars) {
    for e in &p.elements {
        if let ast::PatternElement::Placeable { expression } = e {
            collect_expr(expression, out);
        }
    }
}

fn collect_expr(e: &ast::Expression<&str>, out: &mut Vars) {
    match e {
        ast::Expression::Select { selector, variants } => {
            collect_inline(selector, out);
            for v in variants {
                collect_vars(&v.value, out);
            }
        }
        ast::Expression::Inline(i) => collect_inline(i, out),
    }
}

fn collect_inline(i: &ast::InlineExpression<&str>, out: &mut Vars) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            out.insert(id.name.to_owned());
        }
        ast::InlineExpression::Placeable { expression } => collect_expr(expression, out),
        _ => {}
    }
}

/// Per language: message id → the variables it uses.
fn messages() -> BTreeMap<&'static str, BTreeMap<String, Vars>> {
    let mut all = BTreeMap::new();
    for (tag, files) in CATALOGUES {
        let mut msgs = BTreeMap::new();
        for (area, text) in files.iter() {
            let res = fluent_syntax::parser::parse(*text)
                .unwrap_or_else(|(_, e)| panic!("{tag}/{area}.ftl: {e:?}"));
            for entry in res.body {
                if let ast::Entry::Message(m) = entry {
                    let mut vars = Vars::new();
                    if let Some(v) = &m.value {
                        collect_vars(v, &mut vars);
                    }
                    let dup = msgs.insert(m.id.name.to_owned(), vars);
                    assert!(dup.is_none(), "{tag}: {} defined twice", m.id.name);
                }
            }
        }
        all.insert(*tag, msgs);
    }
    all
}

#[test]
fn english_german_and_french_are_shipped() {
    let tags: Vec<_> = Lang::all().map(Lang::tag).collect();
    assert_eq!(tags[0], "en");
    for t in ["de", "fr"] {
        assert!(tags.contains(&t), "{t} missing from {tags:?}");
    }
}

#[test]
fn every_message_exists_in_every_language_with_the_same_variables() {
    let all = messages();
    let en = &all["en"];
    for (tag, msgs) in &all {
        for (id, vars) in en {
            let theirs = msgs
                .get(id)
                .unwrap_or_else(|| panic!("{tag}: no message {id}"));
            assert_eq!(theirs, vars, "{tag}: {id} uses other variables than en");
        }
        for id in msgs.keys() {
            assert!(en.contains_key(id), "{tag}: {id} is not in en");
        }
    }
}

/// Every `"id"` the source asks for through `fl!`, `lang.text` or
/// `Error::io`, read from the source files themselves.
fn ids_in_source() -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if p.extension().is_none_or(|x| x != "rs") || p.ends_with("i18n/tests.rs") {
            continue;
        }
        // Comments may show example ids.
        let src: String = std::fs::read_to_string(&p)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| format!("{l}\n"))
            .collect();
        for (marker, prefix) in [("fl!(", ""), ("Error::io(", "io-")] {
            for (i, _) in src.match_indices(marker) {
                let rest = &src[i + marker.len()..];
                let Some(q) = rest.find('"') else { continue };
                // The id is the first string literal of the call.
                let head = &rest[..q];
                if head.contains(')') || head.contains(';') {
                    continue;
                }
                let lit = &rest[q + 1..];
                let lit = &lit[..lit.find('"').unwrap()];
                // The same rule `Error`'s wording uses to find the message.
                let id = if prefix.is_empty() {
                    lit.to_owned()
                } else {
                    crate::error::io_id(lit)
                };
                ids.insert(id);
            }
        }
        for (i, _) in src.match_indices(".text(\"") {
            let lit = &src[i + 7..];
            ids.insert(lit[..lit.find('"').unwrap()].to_owned());
        }
        for (i, _) in src.match_indices("\"report-") {
            let lit = &src[i + 1..];
            ids.insert(lit[..lit.find('"').unwrap()].to_owned());
        }
    }
    ids
}

#[test]
fn every_id_the_code_asks_for_is_in_the_english_catalogue() {
    let ids = ids_in_source();
    assert!(ids.len() > 100, "the source scan found only {}", ids.len());
    let missing: Vec<_> = ids.iter().filter(|id| !Lang::ENGLISH.has(id)).collect();
    assert!(missing.is_empty(), "not in i18n/en: {missing:?}");
}

fn lang(tag: &str) -> Lang {
    Lang::parse(tag).unwrap()
}

#[test]
fn plurals_follow_each_language_for_0_1_and_2() {
    let cases: [(&str, [&str; 3]); 3] = [
        ("en", ["0 receipts", "1 receipt ", "2 receipts"]),
        ("de", ["0 Belege", "1 Beleg ", "2 Belege"]),
        // French counts zero as singular.
        ("fr", ["0 reçu ", "1 reçu ", "2 reçus"]),
    ];
    for (tag, want) in cases {
        for (n, w) in want.iter().enumerate() {
            let got = fl!(lang(tag), "exported", count = n, dir = "D");
            assert!(got.contains(w), "{tag} {n}: {got}");
        }
    }
    let files = [
        ("en", ["0 files", "1 file ", "2 files"]),
        ("de", ["0 Dateien", "1 Datei ", "2 Dateien"]),
        ("fr", ["0 fichier ", "1 fichier ", "2 fichiers"]),
    ];
    for (tag, want) in files {
        for (n, w) in want.iter().enumerate() {
            let got = fl!(
                lang(tag),
                "rolled-back",
                release = "R",
                mode = "Dx",
                files = n
            );
            assert!(got.contains(w), "{tag} {n}: {got}");
        }
    }
}

#[test]
fn locale_names_map_to_shipped_languages() {
    assert_eq!(lang("de_DE.UTF-8").tag(), "de");
    assert_eq!(lang("de-AT").tag(), "de");
    assert_eq!(lang("fr_CH@euro").tag(), "fr");
    assert_eq!(lang("EN").tag(), "en");
    assert!(Lang::parse("C").is_none());
    assert!(Lang::parse("xx").is_none());
    assert!("it".parse::<Lang>().unwrap_err().contains("en, de, fr"));
}

#[test]
fn yes_is_understood_in_every_language() {
    for (tag, yes) in [("en", "yes"), ("de", "ja"), ("fr", "oui"), ("de", "Yes")] {
        assert!(lang(tag).is_yes(yes), "{tag}: {yes}");
    }
    assert!(!Lang::ENGLISH.is_yes("no"));
    assert!(!Lang::ENGLISH.is_yes(""));
}

#[test]
fn english_error_text_comes_from_the_catalogue() {
    let e = crate::Error::WrongModel {
        expected: "MiSeqDx".into(),
        found: "NextSeq 550Dx".into(),
    };
    assert_eq!(
        e.to_string(),
        "this bundle is for MiSeqDx; this instrument is a NextSeq 550Dx"
    );
    assert!(e.text(lang("fr")).contains("MiSeqDx"));
    assert_ne!(e.text(lang("fr")), e.to_string());
}
