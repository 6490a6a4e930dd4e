//! The device registry: the vendor's or customer's list of instruments an
//! auditor holds receipts against (`report`). Each entry names the modes the
//! patch must be installed in and the device key (from `device pubkey`) that
//! must sign each mode's receipts: one key for all modes (`modes` and
//! `public_key_file`), or one per install (`[[device.install]]`), as on a
//! dual-boot instrument whose modes are separate installs with their own
//! state directories.

use std::collections::HashMap;
use std::path::Path;

use bundle_keys::{KeyError, KeyId, PublicKey};
use serde::Deserialize;

use crate::format::digest::Sha256Digest;
use crate::format::read::{read_input, InputKind};
use crate::{Error, Limits};

/// One instrument, or one standalone install (modes `["RUO"]`).
#[derive(Clone, Debug)]
pub struct Device {
    pub serial: String,
    pub model: String,
    /// None for standalone software, which has no device identifier.
    pub udi_di: Option<String>,
    pub company: String,
    /// The modes the patch must be installed in, in registry order.
    pub modes: Vec<String>,
    /// The key that signs each mode's receipts, parallel to `modes`.
    pub keys: Vec<PublicKey>,
}

impl Device {
    /// One key for every mode (the registry's one-key form).
    pub fn new(
        serial: &str,
        model: &str,
        udi_di: Option<&str>,
        company: &str,
        modes: &[&str],
        key: PublicKey,
    ) -> Device {
        Device {
            serial: serial.into(),
            model: model.into(),
            udi_di: udi_di.map(Into::into),
            company: company.into(),
            modes: modes.iter().map(|m| m.to_string()).collect(),
            keys: vec![key; modes.len()],
        }
    }

    /// Dual-boot: more than one mode expected.
    pub fn dual_boot(&self) -> bool {
        self.modes.len() > 1
    }

    /// The key that must sign receipts from `mode`, if the mode is expected.
    pub fn key_of(&self, mode: &str) -> Option<&PublicKey> {
        self.modes
            .iter()
            .position(|m| m == mode)
            .map(|i| &self.keys[i])
    }

    /// The modes whose receipts `key` signs.
    pub fn modes_of(&self, key: &KeyId) -> Vec<&str> {
        self.modes
            .iter()
            .zip(&self.keys)
            .filter(|(_, k)| k.key_id() == key)
            .map(|(m, _)| m.as_str())
            .collect()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistryFile {
    #[serde(default)]
    device: Vec<DeviceEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceEntry {
    serial: String,
    model: String,
    #[serde(default)]
    udi_di: Option<String>,
    company: String,
    /// The one-key form: these modes, all signed by `public_key_file`.
    #[serde(default)]
    modes: Option<Vec<String>>,
    /// SPKI PEM, relative to the registry file.
    #[serde(default)]
    public_key_file: Option<String>,
    /// The per-install form: one mode and key each.
    #[serde(default)]
    install: Vec<InstallEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InstallEntry {
    mode: String,
    public_key_file: String,
}

impl DeviceEntry {
    /// (mode, key file) per expected mode, from either form.
    fn installs(&self) -> Result<Vec<(String, String)>, String> {
        match (&self.modes, &self.public_key_file, self.install.is_empty()) {
            (Some(modes), Some(key), true) => {
                Ok(modes.iter().map(|m| (m.clone(), key.clone())).collect())
            }
            (None, None, false) => Ok(self
                .install
                .iter()
                .map(|i| (i.mode.clone(), i.public_key_file.clone()))
                .collect()),
            _ => Err(format!(
                "{} must give either `modes` and `public_key_file` (one device key for all modes) \
                 or one `[[device.install]]` table per mode with its `mode` and `public_key_file`, not both",
                self.serial
            )),
        }
    }
}

/// The registry, indexed by serial and by device key ID.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    pub devices: Vec<Device>,
    /// SHA-256 of the registry file's bytes, which the report prints so the
    /// paper can be tied to the file it was made from.
    pub sha256: Option<Sha256Digest>,
    by_serial: HashMap<String, usize>,
    by_key: HashMap<KeyId, usize>,
}

impl Registry {
    /// Reads a registry TOML file (a regular file within
    /// [`Limits::max_registry_bytes`](crate::Limits::max_registry_bytes));
    /// key files are read relative to it, each within the key file limit.
    pub fn load(path: &Path) -> Result<Registry, Error> {
        let bytes = read_input(path, InputKind::Registry, &Limits::default())?;
        Registry::parse(&bytes, path, &PublicKey::read_pem_file)
    }

    /// The registry in the bytes of a registry file; `path` names it in
    /// messages and anchors the key files, which `read_key` reads.
    pub fn parse(
        bytes: &[u8],
        path: &Path,
        read_key: &dyn Fn(&Path) -> Result<PublicKey, KeyError>,
    ) -> Result<Registry, Error> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::Config(format!(
                "device registry {} is not UTF-8 text: {e}",
                path.display()
            ))
        })?;
        let file: RegistryFile = toml::from_str(text).map_err(|e| {
            Error::Config(format!(
                "device registry {} is not valid: {e}",
                path.display()
            ))
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut devices = Vec::with_capacity(file.device.len());
        for d in file.device {
            let installs = d.installs().map_err(|msg| {
                Error::Config(format!("device registry {}: {msg}", path.display()))
            })?;
            let (mut modes, mut keys) = (Vec::new(), Vec::new());
            for (mode, file) in installs {
                let key_path = base.join(&file);
                let public_key = read_key(&key_path).map_err(|e| {
                    Error::Config(format!(
                        "device registry {}: the key of {} {mode} ({}) cannot be read: {e}",
                        path.display(),
                        d.serial,
                        key_path.display()
                    ))
                })?;
                modes.push(mode);
                keys.push(public_key);
            }
            devices.push(Device {
                serial: d.serial,
                model: d.model,
                udi_di: d.udi_di,
                company: d.company,
                modes,
                keys,
            });
        }
        let mut registry = Registry::new(devices)
            .map_err(|msg| Error::Config(format!("device registry {}: {msg}", path.display())))?;
        registry.sha256 = Some(Sha256Digest::of(bytes));
        Ok(registry)
    }

    /// Checks the entries (unique serials and keys, at least one mode, one
    /// key per mode) and indexes them.
    pub fn new(devices: Vec<Device>) -> Result<Registry, String> {
        let mut by_serial = HashMap::new();
        let mut by_key = HashMap::new();
        for (i, d) in devices.iter().enumerate() {
            if d.keys.len() != d.modes.len() {
                return Err(format!("{} needs one device key per mode", d.serial));
            }
            if d.modes.is_empty() {
                return Err(format!("{} expects no mode; list at least one", d.serial));
            }
            let mut modes = d.modes.clone();
            modes.sort();
            modes.dedup();
            if modes.len() != d.modes.len() {
                return Err(format!("{} lists a mode twice", d.serial));
            }
            if by_serial.insert(d.serial.clone(), i).is_some() {
                return Err(format!("serial {} is listed twice", d.serial));
            }
            for key in &d.keys {
                match by_key.insert(key.key_id().clone(), i) {
                    Some(j) if j != i => {
                        return Err(format!(
                            "{} and {} have the same device key {}; every instrument has its own",
                            devices[j].serial,
                            d.serial,
                            key.key_id()
                        ))
                    }
                    _ => {}
                }
            }
        }
        Ok(Registry {
            devices,
            sha256: None,
            by_serial,
            by_key,
        })
    }

    pub fn by_serial(&self, serial: &str) -> Option<&Device> {
        self.by_serial.get(serial).map(|&i| &self.devices[i])
    }

    /// Position of `serial` in [`Registry::devices`]; the serial must be listed.
    pub fn index_of(&self, serial: &str) -> usize {
        self.by_serial[serial]
    }

    pub fn by_key(&self, key: &KeyId) -> Option<&Device> {
        self.by_key.get(key).map(|&i| &self.devices[i])
    }
}
