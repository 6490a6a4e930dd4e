//! Key commands: `keygen` and `pubkey`, and opening the signing key the
//! other commands name with `--key` or `--pkcs11-*`.

use bundle_builder::BuildError;
use bundle_keys::signing::{with_suffix, write_new_file, FileKey, Passphrase, Signer};
use bundle_keys::token::TokenKey;
use serde_json::json;

use super::{KeyArgs, KeygenArgs, PubkeyArgs};

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
        let pass = Passphrase::from_file_or_env(self.passphrase_file.as_deref())?;
        Ok(Box::new(FileKey::read_pem_file_with(path, pass.as_ref())?))
    }
}

pub fn pubkey(a: &PubkeyArgs) -> Result<(), BuildError> {
    let (out, json) = (&a.out, a.json);
    let signer = a.key.open()?;
    write_new_file(out, signer.public_key().to_pem().as_bytes(), false)?;
    if json {
        println!(
            "{}",
            json!({"ok": true, "key_id": signer.key_id(), "public_key": out})
        );
    } else {
        println!("{}", signer.key_id());
        eprintln!("wrote {}", out.display());
    }
    Ok(())
}

pub fn keygen(a: &KeygenArgs) -> Result<(), BuildError> {
    let (out, passphrase_file, token, json) =
        (&a.out, a.passphrase_file.as_deref(), &a.token, a.json);
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
        let pass = Passphrase::from_file_or_env(passphrase_file)?;
        let k = FileKey::generate();
        k.write_pair_with(out, pass.as_ref())?;
        (
            k.key_id().clone(),
            Some((with_suffix(out, "key"), pass.is_some())),
        )
    };
    if json {
        println!(
            "{}",
            json!({
                "ok": true, "key_id": key_id,
                "secret_key": secret.as_ref().map(|s| &s.0),
                "encrypted": secret.as_ref().map(|s| s.1),
                "public_key": public_path,
            })
        );
    } else {
        println!("{key_id}");
        match secret {
            Some((path, encrypted)) => eprintln!(
                "wrote {} (secret{}, keep it safe) and {}",
                path.display(),
                if encrypted { ", encrypted" } else { "" },
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
