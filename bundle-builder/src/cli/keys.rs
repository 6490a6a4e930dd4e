//! Key commands: `keygen`, `pubkey` and `keyid`, and opening the signing
//! key the other commands name with `--key` or `--pkcs11-*`.

use bundle_builder::BuildError;
use bundle_keys::signing::{with_suffix, write_new_file, FileKey, Signer};
use bundle_keys::token::TokenKey;
use bundle_keys::PublicKey;
use serde_json::json;

use super::out::{check_dir, is_stream, outln, write_output};
use super::pass;
use super::{KeyArgs, KeygenArgs, KeyidArgs, PubkeyArgs};

impl KeyArgs {
    pub(super) fn open(&self) -> Result<Box<dyn Signer>, BuildError> {
        if let Some(spec) = self.token.spec() {
            return Ok(Box::new(TokenKey::open(&spec)?));
        }
        let Some(path) = &self.key else {
            return Err(BuildError::Usage(
                "say which key signs: --key KEY.key, or --pkcs11-module LIB --pkcs11-token LABEL --pkcs11-key LABEL".into(),
            ));
        };
        Ok(Box::new(pass::read_key(
            path,
            self.passphrase_file.as_deref(),
        )?))
    }
}

pub fn pubkey(a: &PubkeyArgs) -> Result<(), BuildError> {
    let (out, json) = (&a.out, a.json);
    if json && is_stream(out) {
        return Err(BuildError::Option {
            option: "--json",
            msg: "cannot share standard output with --out -".into(),
        });
    }
    let signer = a.key.open()?;
    write_output(out, signer.public_key().to_pem().as_bytes())?;
    if json {
        outln!(
            "{}",
            json!({"ok": true, "key_id": signer.key_id(), "public_key": out})
        );
    } else if is_stream(out) {
        eprintln!("key ID {}", signer.key_id());
    } else {
        outln!("{}", signer.key_id());
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

/// The key ID of a public key file, or of a secret key file (an encrypted
/// one needs its passphrase: PKCS#8 as written here holds no public part).
pub fn keyid(a: &KeyidArgs) -> Result<(), BuildError> {
    let path = &a.file;
    let limit = bundle_keys::MAX_KEY_FILE_BYTES;
    let bytes = bundle_verifier::format::read::read_at_most(path, limit).map_err(|e| {
        BuildError::Usage(format!(
            "{}: {}",
            path.display(),
            bundle_builder::error::read_error("cannot read", e, limit)
        ))
    })?;
    let text = String::from_utf8_lossy(&bytes);
    let (id, kind) = if text.contains("-----BEGIN PUBLIC KEY-----") {
        (PublicKey::from_pem(&text)?.key_id().clone(), "public")
    } else if text.contains("PRIVATE KEY-----") {
        let k = pass::read_key(path, a.passphrase_file.as_deref())?;
        (k.key_id().clone(), "secret")
    } else {
        return Err(BuildError::Usage(format!(
            "{} is neither a public key (SPKI PEM, .pub) nor a secret key (PKCS#8 PEM, .key)",
            path.display()
        )));
    };
    if a.json {
        outln!(
            "{}",
            json!({"ok": true, "key_id": id, "file": path, "kind": kind})
        );
    } else {
        outln!("{id}");
    }
    Ok(())
}

pub fn keygen(a: &KeygenArgs) -> Result<(), BuildError> {
    let (out, passphrase_file, token, json) =
        (&a.out, a.passphrase_file.as_deref(), &a.token, a.json);
    check_dir(out)?;
    let public_path = with_suffix(out, "pub");
    let (key_id, secret) = if let Some(spec) = token.spec() {
        if public_path.exists() {
            return Err(BuildError::Key(bundle_keys::KeyError::Exists {
                path: public_path,
            }));
        }
        let k = TokenKey::generate(&spec)?;
        write_new_file(&public_path, k.public_key().to_pem().as_bytes(), false)?;
        (k.key_id().clone(), None)
    } else {
        let pass = if a.unencrypted {
            None
        } else {
            Some(pass::new_key(passphrase_file)?.ok_or(BuildError::NoNewPassphrase)?)
        };
        let k = FileKey::generate();
        k.write_pair_with(out, pass.as_ref())?;
        (
            k.key_id().clone(),
            Some((with_suffix(out, "key"), pass.is_some())),
        )
    };
    if json {
        outln!(
            "{}",
            json!({
                "ok": true, "key_id": key_id,
                "secret_key": secret.as_ref().map(|s| &s.0),
                "encrypted": secret.as_ref().map(|s| s.1),
                "public_key": public_path,
            })
        );
    } else {
        outln!("{key_id}");
        match secret {
            Some((path, encrypted)) => eprintln!(
                "wrote {} (secret{}, keep it safe) and {}",
                path.display(),
                if encrypted {
                    ", encrypted"
                } else {
                    ", NOT encrypted"
                },
                public_path.display()
            ),
            None => eprintln!(
                "generated the key pair in the token; wrote {}",
                public_path.display()
            ),
        }
    }
    Ok(())
}
