//! Ed25519 keys held in a PKCS#11 token (an HSM, or SoftHSM2 in tests),
//! selected by module path, token label and key label. The secret never
//! leaves the token; every signature it returns is checked before use.

use std::path::PathBuf;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;

use crate::signing::Signer;
use crate::{KeyError, KeyId, PublicKey, SignatureBytes};

/// Environment variable holding the token's user PIN.
pub const PIN_ENV: &str = "BUNDLE_PKCS11_PIN";

/// DER of the Ed25519 curve OID 1.3.101.112, the `CKA_EC_PARAMS` of RFC 8410 keys.
const ED25519_OID_DER: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
/// DER PrintableString "edwards25519", the older `CKA_EC_PARAMS` spelling.
const EDWARDS25519_NAME_DER: &[u8] = b"\x13\x0cedwards25519";

/// Where a token key lives.
#[derive(Clone, Debug)]
pub struct TokenKeySpec {
    pub module: PathBuf,
    pub token: String,
    pub key: String,
}

/// A logged-in session on a token and the handle of one Ed25519 private key.
pub struct TokenKey {
    // Field order matters: the session closes before the library is finalised.
    session: Session,
    handle: ObjectHandle,
    public: PublicKey,
    _pkcs11: Pkcs11,
}

fn err(what: &str) -> impl Fn(cryptoki::error::Error) -> KeyError + '_ {
    move |e| KeyError::Token(format!("{what}: {e}"))
}

/// Loads the module, finds the token by label and logs in with the PIN from
/// `BUNDLE_PKCS11_PIN`.
fn login(spec: &TokenKeySpec) -> Result<(Pkcs11, Session), KeyError> {
    let pin = std::env::var(PIN_ENV).map_err(|_| {
        KeyError::Token(format!(
            "set {PIN_ENV} to the user PIN of token {:?}",
            spec.token
        ))
    })?;
    let pkcs11 = Pkcs11::new(&spec.module).map_err(|e| {
        KeyError::Token(format!("cannot load module {}: {e}", spec.module.display()))
    })?;
    pkcs11
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(err("cannot initialise the module"))?;
    let mut labels = Vec::new();
    let mut found = None;
    for slot in pkcs11
        .get_slots_with_initialized_token()
        .map_err(err("cannot list slots"))?
    {
        let info = pkcs11
            .get_token_info(slot)
            .map_err(err("cannot read token info"))?;
        let label = info.label().trim_end().to_owned();
        if label == spec.token {
            found = Some(slot);
            break;
        }
        labels.push(label);
    }
    let slot = found.ok_or_else(|| {
        KeyError::Token(format!(
            "no token labelled {:?} in {}; tokens there: {:?}",
            spec.token,
            spec.module.display(),
            labels
        ))
    })?;
    let session = pkcs11
        .open_rw_session(slot)
        .map_err(err("cannot open a session"))?;
    session
        .login(UserType::User, Some(&AuthPin::new(pin.into())))
        .map_err(err("login failed (check BUNDLE_PKCS11_PIN)"))?;
    Ok((pkcs11, session))
}

fn find_one(
    session: &Session,
    class: ObjectClass,
    spec: &TokenKeySpec,
) -> Result<Option<ObjectHandle>, KeyError> {
    let found = session
        .find_objects(&[
            Attribute::Class(class),
            Attribute::KeyType(KeyType::EC_EDWARDS),
            Attribute::Label(spec.key.as_bytes().to_vec()),
        ])
        .map_err(err("cannot search the token"))?;
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        _ => Err(KeyError::Token(format!(
            "token {:?} holds {} Ed25519 keys labelled {:?}; labels must be unique",
            spec.token,
            found.len(),
            spec.key
        ))),
    }
}

/// Reads the raw 32-byte key from `CKA_EC_POINT` (a DER OCTET STRING, or
/// the bare bytes some tokens return).
fn public_of(session: &Session, handle: ObjectHandle) -> Result<PublicKey, KeyError> {
    let attrs = session
        .get_attributes(handle, &[AttributeType::EcParams, AttributeType::EcPoint])
        .map_err(err("cannot read the public key"))?;
    let mut point = None;
    for a in attrs {
        match a {
            Attribute::EcParams(p) if p != ED25519_OID_DER && p != EDWARDS25519_NAME_DER => {
                return Err(KeyError::Token(
                    "the key is not on curve Ed25519 (Ed448 is not supported)".into(),
                ))
            }
            Attribute::EcPoint(p) => point = Some(p),
            _ => {}
        }
    }
    let p = point.ok_or_else(|| KeyError::Token("the public key has no EC point".into()))?;
    let raw: &[u8] = match p.as_slice() {
        [0x04, 0x20, rest @ ..] if rest.len() == 32 => rest,
        raw if raw.len() == 32 => raw,
        other => {
            return Err(KeyError::Token(format!(
                "unexpected EC point encoding ({} bytes)",
                other.len()
            )))
        }
    };
    PublicKey::from_raw(raw.try_into().expect("32 bytes"))
}

impl TokenKey {
    /// Opens the private key labelled `spec.key` and its public half.
    pub fn open(spec: &TokenKeySpec) -> Result<Self, KeyError> {
        let (pkcs11, session) = login(spec)?;
        let missing = || {
            KeyError::Token(format!(
                "token {:?} has no Ed25519 key pair labelled {:?}",
                spec.token, spec.key
            ))
        };
        let handle = find_one(&session, ObjectClass::PRIVATE_KEY, spec)?.ok_or_else(missing)?;
        let public_handle =
            find_one(&session, ObjectClass::PUBLIC_KEY, spec)?.ok_or_else(missing)?;
        let public = public_of(&session, public_handle)?;
        let key = TokenKey {
            session,
            handle,
            public,
            _pkcs11: pkcs11,
        };
        // A token that signs with some other key must be caught here, not
        // by the instrument.
        key.sign(b"bundle-builder token self-test")?;
        Ok(key)
    }

    /// Generates a new non-extractable Ed25519 key pair on the token.
    pub fn generate(spec: &TokenKeySpec) -> Result<Self, KeyError> {
        {
            let (_pkcs11, session) = login(spec)?;
            if find_one(&session, ObjectClass::PRIVATE_KEY, spec)?.is_some() {
                return Err(KeyError::Token(format!(
                    "token {:?} already has a key labelled {:?}; refusing to add a second",
                    spec.token, spec.key
                )));
            }
            let label = Attribute::Label(spec.key.as_bytes().to_vec());
            let public = [
                Attribute::Token(true),
                Attribute::Verify(true),
                Attribute::EcParams(ED25519_OID_DER.to_vec()),
                label.clone(),
            ];
            let private = [
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Sign(true),
                label,
            ];
            session
                .generate_key_pair(&Mechanism::EccEdwardsKeyPairGen, &public, &private)
                .map_err(err("cannot generate an Ed25519 key pair"))?;
        }
        Self::open(spec)
    }
}

impl Signer for TokenKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn key_id(&self) -> &KeyId {
        self.public.key_id()
    }

    fn sign(&self, message: &[u8]) -> Result<SignatureBytes, KeyError> {
        let mech = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
        let sig = self
            .session
            .sign(&mech, self.handle, message)
            .map_err(err("signing failed"))?;
        let sig: [u8; 64] = sig.try_into().map_err(|s: Vec<u8>| {
            KeyError::Token(format!(
                "the token returned {} signature bytes, not 64",
                s.len()
            ))
        })?;
        let sig = SignatureBytes(sig);
        self.public.verify_strict(message, &sig).map_err(|_| {
            KeyError::Token("the token's signature does not verify under its public key".into())
        })?;
        Ok(sig)
    }
}
