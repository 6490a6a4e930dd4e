//! Embeds every Fluent catalogue under `i18n/<lang>/<area>.ftl`, so a
//! translator adds a language by adding a folder, without touching Rust.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    // Read when the script runs, not when it was compiled: a compiled
    // script may be reused for a checkout in another place.
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest_dir).join("i18n");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut langs: Vec<String> = std::fs::read_dir(&dir)
        .expect("i18n folder")
        .map(|e| e.expect("i18n entry"))
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().into_string().expect("UTF-8 language tag"))
        .collect();
    // English first: it is the fallback and `Lang::ENGLISH` is index 0.
    langs.sort_by_key(|l| (l != "en", l.clone()));
    assert_eq!(
        langs.first().map(String::as_str),
        Some("en"),
        "i18n/en is required"
    );
    let mut out = String::from("pub(crate) static CATALOGUES: &[(&str, &[(&str, &str)])] = &[\n");
    for lang in &langs {
        let sub = dir.join(lang);
        println!("cargo:rerun-if-changed={}", sub.display());
        let mut files: Vec<_> = std::fs::read_dir(&sub)
            .expect("language folder")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "ftl"))
            .collect();
        files.sort();
        writeln!(out, "    ({lang:?}, &[").unwrap();
        for f in files {
            println!("cargo:rerun-if-changed={}", f.display());
            let area = f.file_stem().unwrap().to_str().unwrap();
            writeln!(
                out,
                "        ({area:?}, include_str!({:?})),",
                f.display().to_string()
            )
            .unwrap();
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("catalogues.rs");
    std::fs::write(dest, out).expect("write catalogues.rs");
}
