//! Trust root commands: `trust init`, `trust sign` and `trust edit`.

use std::path::PathBuf;

use bundle_builder::trust::{self, Edit};
use bundle_builder::BuildError;
use bundle_keys::PublicKey;
use serde_json::json;

use super::out::outln;

use super::{ids, TrustEditArgs, TrustInitArgs, TrustSignArgs};

pub fn init(a: TrustInitArgs) -> Result<(), BuildError> {
    let TrustInitArgs {
        root_keys,
        threshold,
        release_keys,
        release_threshold,
        issued,
        out,
    } = a;
    let doc = trust::init(
        &read_pubs(&root_keys)?,
        threshold,
        &read_pubs(&release_keys)?,
        release_threshold,
        issued,
    )?;
    trust::write_new(&out, &doc)?;
    outln!(
        "wrote trust root version 1 to {} (unsigned: sign it with {} of its root keys)",
        out.display(),
        threshold
    );
    Ok(())
}

pub fn sign(a: &TrustSignArgs) -> Result<(), BuildError> {
    let (root, key, json) = (&a.root, &a.key, a.json);
    let signer = key.open()?;
    let (doc, is_root_key) = trust::sign(root, signer.as_ref())?;
    let signed_by: Vec<_> = doc.file.signatures.iter().map(|s| &s.key_id).collect();
    if json {
        outln!(
            "{}",
            json!({"ok": true, "root": root, "version": doc.version(),
                   "added": signer.key_id(), "signed_by": signed_by})
        );
    } else {
        outln!(
            "signed trust root version {} with {}; now signed by {}",
            doc.version(),
            signer.key_id(),
            ids(signed_by)
        );
        if !is_root_key {
            eprintln!(
                "note: {} is not a root key of this version; its signature counts only as the previous version's root key (rotation)",
                signer.key_id()
            );
        }
    }
    Ok(())
}

pub fn edit(a: TrustEditArgs) -> Result<(), BuildError> {
    let TrustEditArgs {
        root,
        out,
        add_release_keys,
        expires,
        scope,
        remove_release_keys,
        revoke,
        add_root_keys,
        remove_root_keys,
        threshold,
        release_threshold,
        issued,
    } = a;
    let prev = trust::read(&root)?;
    let edit = Edit {
        add_release_keys: read_pubs(&add_release_keys)?,
        expires,
        scope,
        remove_release_keys,
        revoke,
        add_root_keys: read_pubs(&add_root_keys)?,
        remove_root_keys,
        root_threshold: threshold,
        release_threshold,
        issued,
    };
    let doc = trust::edit(&prev, &edit)?;
    trust::write_new(&out, &doc)?;
    outln!(
        "wrote trust root version {} to {} (unsigned: sign it with {} root keys of version {} and {} of version {})",
        doc.version(),
        out.display(),
        prev.signed().root_threshold,
        prev.version(),
        doc.signed().root_threshold,
        doc.version()
    );
    Ok(())
}

fn read_pubs(paths: &[PathBuf]) -> Result<Vec<PublicKey>, BuildError> {
    paths
        .iter()
        .map(|p| {
            PublicKey::read_pem_file(p)
                .map_err(|e| BuildError::Usage(format!("{}: {e}", p.display())))
        })
        .collect()
}
