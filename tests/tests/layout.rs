//! The layout ARCHITECTURE.md promises: operating-system-specific code only
//! in the `platform` modules, and source files a reader can hold in their
//! head.

use std::path::{Path, PathBuf};

use e2e_tests::repo;

fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

const CRATES: [&str; 3] = ["bundle-verifier/src", "bundle-builder/src", "keys/src"];

#[test]
fn os_specific_code_lives_only_in_the_platform_modules() {
    let os_cfg = [
        "cfg(unix",
        "cfg(windows",
        "cfg(target_os",
        "cfg(not(unix",
        "cfg(not(windows",
    ];
    let mut found = Vec::new();
    for krate in CRATES {
        for f in sources(&repo().join(krate)) {
            let rel = f.strip_prefix(repo()).unwrap().display().to_string();
            if rel.contains("platform") {
                continue;
            }
            let text = std::fs::read_to_string(&f).unwrap();
            for (n, line) in text.lines().enumerate() {
                if os_cfg.iter().any(|c| line.contains(c)) {
                    found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "OS-specific cfg outside platform:\n{}",
        found.join("\n")
    );
}

#[test]
fn no_source_file_is_longer_than_a_reader_can_hold() {
    let mut long = Vec::new();
    for krate in CRATES {
        for f in sources(&repo().join(krate)) {
            let n = std::fs::read_to_string(&f).unwrap().lines().count();
            if n > 650 {
                long.push(format!("{}: {n} lines", f.display()));
            }
        }
    }
    assert!(long.is_empty(), "split these:\n{}", long.join("\n"));
}
