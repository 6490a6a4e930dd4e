//! SafePath: whatever it accepts stays inside the directory it is joined to.
#![no_main]

use std::path::{Component, Path};

use bundle_verifier::format::safepath::SafePath;
use bundle_verifier::Limits;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(p) = SafePath::parse(s, &Limits::default()) else {
        return;
    };
    let root = Path::new("/instrument/root");
    let joined = p.join_to(root);
    assert!(joined.starts_with(root));
    let rel = joined.strip_prefix(root).expect("under root");
    assert!(
        rel.components().all(|c| matches!(c, Component::Normal(_))),
        "{s:?} joins to {}",
        joined.display()
    );
    assert_eq!(rel.components().count(), p.components().count());
    for a in p.ancestors() {
        SafePath::parse(a, &Limits::default()).expect("ancestors of a safe path are safe");
    }
    let _ = p.fold_key();
});
