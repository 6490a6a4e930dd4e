//! The device registry: the vendor's or customer's list of instruments an
//! auditor holds receipts against (`report`). Each entry names the device key
//! (from `device pubkey`) that must sign that instrument's receipts, and the
//! modes the patch must be installed in.

use std::collections::HashMap;
use std::path::Path;

use bundle_keys::{KeyError, KeyId, PublicKey};
use serde::Deserialize;

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
    pub public_key: PublicKey,
}

impl Device {
    /// Dual-boot: more than one mode expected.
    pub fn dual_boot(&self) -> bool {
        self.modes.len() > 1
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
    modes: Vec<String>,
    /// SPKI PEM, relative to the registry file.
    public_key_file: String,
}

/// The registry, indexed by serial and by device key ID.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    pub devices: Vec<Device>,
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
            let key_path = base.join(&d.public_key_file);
            let public_key = read_key(&key_path).map_err(|e| {
                Error::Config(format!(
                    "device registry {}: the key of {} ({}) cannot be read: {e}",
                    path.display(),
                    d.serial,
                    key_path.display()
                ))
            })?;
            devices.push(Device {
                serial: d.serial,
                model: d.model,
                udi_di: d.udi_di,
                company: d.company,
                modes: d.modes,
                public_key,
            });
        }
        Registry::new(devices)
            .map_err(|msg| Error::Config(format!("device registry {}: {msg}", path.display())))
    }

    /// Checks the entries (unique serials and keys, at least one mode) and indexes them.
    pub fn new(devices: Vec<Device>) -> Result<Registry, String> {
        let mut by_serial = HashMap::new();
        let mut by_key = HashMap::new();
        for (i, d) in devices.iter().enumerate() {
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
            if let Some(j) = by_key.insert(d.public_key.key_id().clone(), i) {
                return Err(format!(
                    "{} and {} have the same device key {}; every instrument has its own",
                    devices[j].serial,
                    d.serial,
                    d.public_key.key_id()
                ));
            }
        }
        Ok(Registry {
            devices,
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
