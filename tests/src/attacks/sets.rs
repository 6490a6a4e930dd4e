//! Attacks on the file sets of a format-2 manifest (FORMAT.md 2.4): each
//! set is signed, so these are releases a careless or hostile signer could
//! make; every rule a target's own file list obeys must hold for the tree
//! its sets make together.

use serde_json::{json, Value};

use super::{edited, Case, Keys, Threat};

/// The base release as file sets: `common` (the notice text, every
/// target), `nextseq` (the NextSeq's own files).
pub fn as_sets(m: &mut Value) {
    let nextseq: Vec<Value> = m["targets"][0]["files"].as_array().expect("files").clone();
    let (common, own): (Vec<Value>, Vec<Value>) = nextseq
        .into_iter()
        .partition(|f| f["path"] == "lrm/PATCH-FSN2022-1230.txt");
    m["format"] = json!("offline-patch-bundle/2");
    m["sets"] = json!([
        {"files": common, "name": "common"},
        {"files": own, "name": "nextseq"},
    ]);
    for t in m["targets"].as_array_mut().expect("targets") {
        let t = t.as_object_mut().expect("target");
        t.remove("files");
        let refs = if t["model"] == "MiSeqDx" {
            json!([{"name": "common"}])
        } else {
            json!([{"name": "common"}, {"name": "nextseq"}])
        };
        t.insert("sets".into(), refs);
    }
}

/// The set named `name`'s files.
fn set_files<'a>(m: &'a mut Value, name: &str) -> &'a mut Vec<Value> {
    m["sets"]
        .as_array_mut()
        .expect("sets")
        .iter_mut()
        .find(|s| s["name"] == name)
        .expect("set")["files"]
        .as_array_mut()
        .expect("files")
}

/// The NextSeq Dx target (the one the corpus's instrument selects): its set references.
fn dx_refs(m: &mut Value) -> &mut Vec<Value> {
    m["targets"][0]["sets"].as_array_mut().expect("sets")
}

/// A copy of the common set's file at `path`.
fn patch_at(m: &Value, path: &str) -> Value {
    let mut f = m["sets"][0]["files"][0].clone();
    f["path"] = json!(path);
    f
}

pub(super) fn file_sets(keys: &Keys) -> Vec<Case> {
    let t = Threat::FileSets;
    let sets = |edit: fn(&mut Value)| {
        edited(keys, |m| {
            as_sets(m);
            edit(m);
        })
    };
    vec![
        Case::refused(
            t,
            "set_missing",
            sets(|m| dx_refs(m).push(json!({"name": "nowhere"}))),
            "which the manifest does not list",
        ),
        Case::refused(
            t,
            "set_named_twice_by_one_target",
            sets(|m| dx_refs(m).push(json!({"name": "common", "override": true}))),
            "refers to file set \"common\" twice",
        ),
        Case::refused(
            t,
            "set_listed_twice",
            sets(|m| {
                let again = m["sets"][1].clone();
                m["sets"].as_array_mut().expect("sets").push(again);
            }),
            "is listed twice",
        ),
        Case::refused(
            t,
            "set_unused",
            sets(|m| {
                let spare = json!({"files": m["sets"][0]["files"].clone(), "name": "spare"});
                m["sets"].as_array_mut().expect("sets").push(spare);
            }),
            "installed by no target",
        ),
        Case::refused(
            t,
            "set_empty",
            sets(|m| {
                m["sets"]
                    .as_array_mut()
                    .expect("sets")
                    .push(json!({"files": [], "name": "empty"}));
                dx_refs(m).push(json!({"name": "empty"}));
            }),
            "holds no files",
        ),
        Case::refused(
            t,
            "set_overlap_without_override",
            sets(|m| {
                let f = patch_at(m, "lrm/PATCH-FSN2022-1230.txt");
                set_files(m, "nextseq").push(f);
            }),
            "which is not marked override",
        ),
        Case::refused(
            t,
            "set_case_clash_across_sets",
            sets(|m| {
                let f = patch_at(m, "LRM/patch-fsn2022-1230.txt");
                set_files(m, "nextseq").push(f);
            }),
            "name the same file",
        ),
        Case::refused(
            t,
            "set_case_clash_despite_override",
            sets(|m| {
                let f = patch_at(m, "lrm/patch-FSN2022-1230.txt");
                set_files(m, "nextseq").push(f);
                dx_refs(m)[1]["override"] = json!(true);
            }),
            "name the same file",
        ),
        Case::refused(
            t,
            "set_file_where_other_set_has_directory",
            sets(|m| {
                let f = patch_at(m, "lrm/PATCH-FSN2022-1230.txt/inside");
                set_files(m, "nextseq").push(f);
            }),
            "needs it to be a directory",
        ),
        Case::refused(
            t,
            "set_path_twice_in_one_set",
            sets(|m| {
                let f = set_files(m, "nextseq")[0].clone();
                set_files(m, "nextseq").push(f);
            }),
            "twice",
        ),
        Case::refused(
            t,
            "set_unportable_name_in_a_set",
            sets(|m| {
                let f = patch_at(m, "lrm/aux.txt");
                set_files(m, "nextseq").push(f);
            }),
            "Windows",
        ),
        Case::refused(
            t,
            "set_first_marked_override",
            sets(|m| dx_refs(m)[0]["override"] = json!(true)),
            "nothing before it",
        ),
        Case::refused(
            t,
            "set_and_own_files_in_one_target",
            sets(|m| {
                let f = patch_at(m, "lrm/extra.txt");
                m["targets"][0]["files"] = json!([f]);
            }),
            "one or the other",
        ),
        Case::refused(
            t,
            "sets_in_a_format_1_manifest",
            sets(|m| m["format"] = json!("offline-patch-bundle/1")),
            "cannot list file sets",
        ),
        Case::refused(
            t,
            "set_override_false_spelled_out",
            sets(|m| dx_refs(m)[1]["override"] = json!(false)),
            "canonical",
        ),
        Case::refused(
            t,
            "set_file_with_a_blob_the_payload_lacks",
            sets(|m| {
                let mut f = patch_at(m, "lrm/other.txt");
                f["sha256"] = json!("ab".repeat(32));
                set_files(m, "nextseq").push(f);
            }),
            "is not in the payload",
        ),
    ]
}
