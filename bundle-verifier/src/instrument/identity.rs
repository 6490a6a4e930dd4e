//! The instrument's identity (kept on the instrument) and the choice of the
//! one manifest target that fits it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::format::limits::Limits;
use crate::format::manifest::{valid_mode, Manifest, Target};
use crate::format::read::{read_input, InputKind};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    pub model: String,
    /// GS1 device identifier; standalone software installs may have none.
    #[serde(default)]
    pub udi_di: Option<String>,
    pub serial: String,
    pub mode: String,
    pub installed_version: String,
}

impl Identity {
    /// Reads the identity file: a regular file within
    /// [`Limits::max_identity_bytes`](crate::Limits::max_identity_bytes).
    pub fn load(path: &Path) -> Result<Self, Error> {
        let bytes =
            read_input(path, InputKind::Identity, &Limits::default()).map_err(|e| match e {
                Error::Io { source, .. } => Error::Config(format!(
                    "cannot read instrument identity {}: {source}",
                    path.display()
                )),
                e => e,
            })?;
        Self::from_bytes(&bytes, path)
    }

    /// The identity in the bytes of an identity file, which must be UTF-8;
    /// `path` only names it in messages.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self, Error> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::Config(format!(
                "cannot read instrument identity {}: it is not UTF-8 text ({e})",
                path.display()
            ))
        })?;
        Self::parse(text, path)
    }

    /// Parses and checks identity TOML; `path` only names it in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        let id: Identity = toml::from_str(text).map_err(|e| {
            Error::Config(format!(
                "instrument identity {} is not valid: {e}",
                path.display()
            ))
        })?;
        if !valid_mode(&id.mode) {
            return Err(Error::Config(format!(
                "instrument identity {}: mode {:?} must be 1 to 32 letters, digits, '-' or '_'",
                path.display(),
                id.mode
            )));
        }
        semver::Version::parse(&id.installed_version).map_err(|e| {
            Error::Config(format!(
                "instrument identity {}: installed_version {:?} is not a semantic version (like 3.1.0): {e}",
                path.display(),
                id.installed_version
            ))
        })?;
        Ok(id)
    }

    /// Picks the target for this instrument, or says in plain words why none fits.
    pub fn select<'m>(&self, m: &'m Manifest) -> Result<&'m Target, Error> {
        let models: Vec<&str> = dedup(m.targets.iter().map(|t| t.model.as_str()));
        if !models.contains(&self.model.as_str()) {
            return Err(Error::WrongModel {
                expected: join(&models),
                found: self.model.clone(),
            });
        }
        let for_model: Vec<&Target> = m.targets.iter().filter(|t| t.model == self.model).collect();
        let Some(t) = for_model.iter().find(|t| t.mode == self.mode) else {
            return Err(Error::WrongMode {
                model: self.model.clone(),
                expected: join(&dedup(for_model.iter().map(|t| t.mode.as_str()))),
                found: self.mode.clone(),
            });
        };
        if !t.udi_di.is_empty() {
            let ok = self.udi_di.as_ref().is_some_and(|u| t.udi_di.contains(u));
            if !ok {
                return Err(Error::WrongUdiDi {
                    model: self.model.clone(),
                    expected: t.udi_di.join(", "),
                    found: self.udi_di.clone().unwrap_or_else(|| "(none)".into()),
                });
            }
        }
        if let Some(req) = &t.requires_version {
            let r = semver::VersionReq::parse(req).expect("validated in Manifest::parse");
            let v = semver::Version::parse(&self.installed_version)
                .map_err(|e| Error::Config(format!("installed_version: {e}")))?;
            if !r.matches(&v) {
                return Err(Error::WrongVersion {
                    required: req.clone(),
                    found: self.installed_version.clone(),
                });
            }
        }
        Ok(t)
    }
}

fn dedup<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = Vec::new();
    for s in it {
        if !v.contains(&s) {
            v.push(s);
        }
    }
    v
}

fn join(v: &[&str]) -> String {
    v.join(", ")
}
