//! Several payload folders per target, layered in order, and the file sets
//! they become in the manifest (format 2): a folder shared by targets is
//! listed once; each instrument still gets exactly its combined tree,
//! checked, installed, checked again and rolled back like any other.

use std::path::{Path, PathBuf};

use e2e_tests::attacks::{sets::as_sets, Keys};
use e2e_tests::craft::Parts;
use e2e_tests::*;
use serde_json::Value;

const NEXTSEQ_UDI: &str = "00816270020125";
const MISEQ_UDI: &str = "00816270020699";

/// Writes `files` (path, content) under `dir`.
fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
}

/// A release for NextSeq 550Dx and MiSeqDx (mode Dx) whose targets have
/// the given `files` values; the payload folders are made by the caller.
fn spec(dir: &Path, nextseq_files: &str, miseq_files: &str) -> PathBuf {
    let text = format!(
        "[release]\nid = \"LAYERS-1\"\nversion = \"1.0.0\"\nsequence = 1\ntitle = \"Layers\"\n\n\
         [[target]]\nmodel = \"NextSeq 550Dx\"\nudi_di = [\"{NEXTSEQ_UDI}\"]\nmodes = [\"Dx\"]\n\
         files = {nextseq_files}\n\n\
         [[target]]\nmodel = \"MiSeqDx\"\nudi_di = [\"{MISEQ_UDI}\"]\nmodes = [\"Dx\"]\n\
         files = {miseq_files}\n"
    );
    let path = dir.join("release.toml");
    std::fs::write(&path, text).unwrap();
    path
}

const COMMON: &[(&str, &str)] = &[
    ("lrm/PATCH-FSN2022-1230.txt", "the notice\n"),
    (
        "lrm/config/remote-access.json",
        "{\"remote_access\": false}\n",
    ),
];
const NEXTSEQ: &[(&str, &str)] = &[("lrm/nextseq/tool.txt", "nextseq tool\n")];
const MISEQ: &[(&str, &str)] = &[("lrm/miseq/tool.txt", "miseq tool\n")];

fn inspect(bundle: &Path) -> Value {
    let out = verifier()
        .arg("inspect")
        .arg(bundle)
        .arg("--json")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn build_output(spec: &Path, key: &Path, out: &Path) -> std::process::Output {
    builder()
        .arg("build")
        .arg(spec)
        .arg("--key")
        .arg(key)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn check_installed(root: &Path, state: &Path) -> Value {
    let out = verifier()
        .args(["check-installed", "--json", "--root"])
        .arg(root)
        .arg("--state")
        .arg(state)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{out:?}"))
}

#[test]
fn two_targets_share_a_common_set_listed_once_and_each_gets_exactly_its_union() {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let rel = s.path("rel");
    write_files(&rel.join("payload/common"), COMMON);
    write_files(&rel.join("payload/nextseq"), NEXTSEQ);
    write_files(&rel.join("payload/miseq"), MISEQ);
    let spec = spec(
        &rel,
        r#"["payload/common", "payload/nextseq"]"#,
        r#"["payload/common", "payload/miseq"]"#,
    );
    let bundle = s.build(&spec, &key, "layers");

    // The manifest lists each folder once; the targets name them in order.
    let m = &inspect(&bundle)["manifest"];
    assert_eq!(m["format"], "offline-patch-bundle/2");
    let names: Vec<&str> = m["sets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["payload/common", "payload/nextseq", "payload/miseq"]
    );
    assert_eq!(
        m["sets"][0]["files"].as_array().unwrap().len(),
        COMMON.len()
    );
    for (t, own) in m["targets"]
        .as_array()
        .unwrap()
        .iter()
        .zip(["nextseq", "miseq"])
    {
        assert!(t.get("files").is_none(), "{t}");
        let refs: Vec<&str> = t["sets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(refs, ["payload/common", &format!("payload/{own}")]);
    }
    let manifest = String::from_utf8(
        tar::Archive::new(std::fs::read(&bundle).unwrap().as_slice())
            .entries()
            .unwrap()
            .map(|e| e.unwrap())
            .find(|e| e.path().unwrap().to_str() == Some("manifest.json"))
            .map(|mut e| {
                let mut v = Vec::new();
                std::io::Read::read_to_end(&mut e, &mut v).unwrap();
                v
            })
            .unwrap(),
    )
    .unwrap();
    assert_eq!(manifest.matches("remote-access.json").count(), 1);

    // The verify record lists each target's combined files.
    let out = verifier()
        .arg("verify")
        .arg(&bundle)
        .arg("--trusted-key")
        .arg(&public)
        .args(["--deep", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let record: Value = serde_json::from_slice(&out.stdout).unwrap();
    for t in record["targets"].as_array().unwrap() {
        assert_eq!(t["file_count"], 3, "{t}");
    }

    for (name, own) in [("nextseq-dx", NEXTSEQ), ("miseqdx-dx", MISEQ)] {
        let id = example().join(format!("instruments/{name}.toml"));
        let root = s.instrument_root(name);
        let state = root.with_extension("state");
        let before = snapshot(&root);
        let out = apply_cmd(&bundle, &public, &id, &root, &state)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        // Exactly the original tree plus the union of the two layers.
        let after = snapshot(&root);
        let mut expected = before.clone();
        for (path, content) in COMMON.iter().chain(own) {
            let dirs = path.match_indices('/').map(|(i, _)| &path[..i]);
            for dir in dirs {
                expected
                    .entry(dir.to_owned())
                    .or_insert(('d', after[dir].1, Vec::new()));
            }
            let file = ('f', after[*path].1, content.as_bytes().to_vec());
            expected.insert(path.to_string(), file);
        }
        assert_eq!(after, expected);
        let check = check_installed(&root, &state);
        assert_eq!(check["ok"], true, "{check}");
        assert_eq!(check["files_checked"], 3, "{check}");
        // A changed file of the shared set is noticed.
        std::fs::write(root.join("lrm/PATCH-FSN2022-1230.txt"), "changed").unwrap();
        let check = check_installed(&root, &state);
        assert_eq!(
            check["modified"][0], "lrm/PATCH-FSN2022-1230.txt",
            "{check}"
        );
        std::fs::write(root.join("lrm/PATCH-FSN2022-1230.txt"), COMMON[0].1).unwrap();
        let out = verifier()
            .args(["rollback", "--root"])
            .arg(&root)
            .arg("--state")
            .arg(&state)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(snapshot(&root), before);
    }
}

#[test]
fn a_path_in_two_layers_is_refused_at_build_naming_both_unless_the_later_overrides() {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let rel = s.path("rel");
    write_files(&rel.join("payload/common"), COMMON);
    write_files(
        &rel.join("payload/nextseq"),
        &[("lrm/config/remote-access.json", "{\"nextseq\": true}\n")],
    );
    write_files(&rel.join("payload/miseq"), MISEQ);
    let out = s.path("o.bundle");
    let spec_path = spec(
        &rel,
        r#"["payload/common", "payload/nextseq"]"#,
        r#"["payload/common", "payload/miseq"]"#,
    );
    let o = build_output(&spec_path, &key, &out);
    assert!(!o.status.success());
    let err = stderr(&o);
    for needle in [
        "lrm/config/remote-access.json",
        "payload/common",
        "payload/nextseq",
        "override = true",
    ] {
        assert!(err.contains(needle), "{needle}: {err}");
    }
    assert!(!out.exists());

    // Marked as an override, the later layer's file wins for that target only.
    let spec_path = spec(
        &rel,
        r#"["payload/common", { dir = "payload/nextseq", override = true }]"#,
        r#"["payload/common", "payload/miseq"]"#,
    );
    let bundle = s.build(&spec_path, &key, "override");
    let m = &inspect(&bundle)["manifest"];
    assert_eq!(m["targets"][0]["sets"][1]["override"], true);
    assert!(m["targets"][1]["sets"][1].get("override").is_none());
    for (id, want) in [
        ("nextseq-dx.toml", "{\"nextseq\": true}\n"),
        ("miseqdx-dx.toml", COMMON[1].1),
    ] {
        let root = s.instrument_root(id);
        let state = root.with_extension("state");
        let o = apply_cmd(
            &bundle,
            &public,
            &example().join("instruments").join(id),
            &root,
            &state,
        )
        .output()
        .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(root.join("lrm/config/remote-access.json")).unwrap(),
            want
        );
        let check = check_installed(&root, &state);
        assert_eq!(check["ok"], true, "{check}");
    }
}

#[test]
fn a_case_clash_across_layers_is_refused_at_build() {
    let s = Scratch::new();
    let (key, _) = s.keygen("k");
    let rel = s.path("rel");
    write_files(&rel.join("payload/common"), COMMON);
    write_files(
        &rel.join("payload/nextseq"),
        &[("LRM/patch-fsn2022-1230.txt", "x")],
    );
    write_files(&rel.join("payload/miseq"), MISEQ);
    let spec_path = spec(
        &rel,
        r#"["payload/common", { dir = "payload/nextseq", override = true }]"#,
        r#"["payload/common", "payload/miseq"]"#,
    );
    let o = build_output(&spec_path, &key, &s.path("o.bundle"));
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("name the same file"), "{err}");
    assert!(err.contains("payload/common"), "{err}");
}

#[test]
fn layer_lists_the_spec_refuses() {
    let s = Scratch::new();
    let (key, _) = s.keygen("k");
    let rel = s.path("rel");
    write_files(&rel.join("payload/common"), COMMON);
    write_files(&rel.join("payload/miseq"), MISEQ);
    for (files, says) in [
        (
            r#"[{ dir = "payload/common", override = true }]"#,
            "nothing before it",
        ),
        (r#"["payload/common", "payload/common"]"#, "twice"),
        ("[]", "lists no folder"),
        (
            r#"[{ dir = "payload/common", replace = true }]"#,
            "unknown field",
        ),
        ("3", "a folder"),
    ] {
        let spec_path = spec(&rel, files, r#""payload/miseq""#);
        let o = build_output(&spec_path, &key, &s.path("o.bundle"));
        assert!(!o.status.success(), "{files}");
        assert!(stderr(&o).contains(says), "{files}: {}", stderr(&o));
    }
}

#[test]
fn a_folder_of_its_own_per_target_still_makes_a_format_1_manifest() {
    let s = Scratch::new();
    let (key, _) = s.keygen("k");
    let rel = s.path("rel");
    write_files(&rel.join("payload/nextseq"), NEXTSEQ);
    write_files(&rel.join("payload/miseq"), MISEQ);
    let spec_path = spec(&rel, r#""payload/nextseq""#, r#"["payload/miseq"]"#);
    let bundle = s.build(&spec_path, &key, "plain");
    let m = &inspect(&bundle)["manifest"];
    assert_eq!(m["format"], "offline-patch-bundle/1");
    assert!(m.get("sets").is_none());
    assert_eq!(m["targets"][0]["files"].as_array().unwrap().len(), 1);
}

#[test]
fn a_crafted_set_manifest_verifies_and_a_case_clash_across_its_sets_is_refused() {
    let s = Scratch::new();
    let keys = Keys::new();
    let public = s.path("trusted.pub");
    keys.write_trusted(&public);
    let verify = |bytes: Vec<u8>, name: &str| {
        let path = s.path(name);
        std::fs::write(&path, bytes).unwrap();
        verifier()
            .arg("verify")
            .arg(&path)
            .arg("--trusted-key")
            .arg(&public)
            .arg("--deep")
            .output()
            .unwrap()
    };
    // The corpus's base release as sets is authentic: its attack cases
    // fail for what they change, not for the sets themselves.
    let good = Parts::base().edit(as_sets).signed_by(&keys.trusted);
    let o = verify(good, "good.bundle");
    assert!(o.status.success(), "{}", stderr(&o));
    let clash = Parts::base()
        .edit(|m| {
            as_sets(m);
            let mut f = m["sets"][0]["files"][0].clone();
            f["path"] = "LRM/Patch-FSN2022-1230.txt".into();
            m["sets"][1]["files"].as_array_mut().unwrap().push(f);
        })
        .signed_by(&keys.trusted);
    let o = verify(clash, "clash.bundle");
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("name the same file"), "{}", stderr(&o));
}
