//! Writes the attack corpus to a directory: `<case>.bundle` per case, the
//! trusted public key, and `expected.json` (exit codes and messages). Used
//! to seed the fuzzers and to try the cases by hand:
//! `cargo run -p e2e-tests --bin attack-corpus -- DIR [SECRET.key]`
//! (with a secret key, the corpus is signed by it instead of a fresh one).

use e2e_tests::attacks::{all, Expect, Keys};
use serde_json::json;

fn main() {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: attack-corpus DIR");
        std::process::exit(2);
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).expect("create output directory");
    let keys = match std::env::args_os().nth(2) {
        Some(k) => Keys::with_trusted(
            bundle_keys::signing::FileKey::read_pem_file(k.as_ref()).expect("read secret key"),
        ),
        None => Keys::new(),
    };
    keys.write_trusted(&dir.join("trusted.pub"));
    let e = |x: &Expect| json!({"exit_code": x.code, "says": x.says});
    let mut expected = serde_json::Map::new();
    let cases = all(&keys);
    for c in &cases {
        std::fs::write(dir.join(format!("{}.bundle", c.name)), &c.bundle).expect("write case");
        expected.insert(
            c.name.clone(),
            json!({
                "threat": format!("{:?}", c.threat),
                "verify": e(&c.verify),
                "verify_deep": e(&c.deep),
                "apply": e(&c.apply),
                "needs_root_setup": c.root_setup.is_some(),
            }),
        );
    }
    let text = serde_json::to_string_pretty(&expected).expect("json");
    std::fs::write(dir.join("expected.json"), text + "\n").expect("write expected.json");
    println!("{} cases written to {}", cases.len(), dir.display());
}
