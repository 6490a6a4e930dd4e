//! The release spec (TOML), the pipeline's input. Paths are relative to the spec file.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::BuildError;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub release: ReleaseSpec,
    /// Steps the technician must confirm before install, in the order shown.
    #[serde(default)]
    pub confirm: Vec<ConfirmSpec>,
    #[serde(rename = "target")]
    pub targets: Vec<TargetSpec>,
    /// Directory the spec was read from; `files` paths are relative to it.
    #[serde(skip)]
    pub base: PathBuf,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseSpec {
    pub id: String,
    pub version: String,
    pub sequence: u64,
    pub title: String,
    #[serde(default)]
    pub notes: String,
    /// CycloneDX or SPDX 2 JSON SBOM of the release, carried signed.
    pub sbom: Option<PathBuf>,
}

/// `[[confirm]] id = "backup" text = "..." text_de = "..."`
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmSpec {
    pub id: String,
    pub text: String,
    pub text_de: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSpec {
    pub model: String,
    #[serde(default)]
    pub udi_di: Vec<String>,
    #[serde(default)]
    pub catalog: Vec<String>,
    pub modes: Vec<String>,
    pub requires_version: Option<String>,
    pub files: PathBuf,
}

impl Spec {
    pub fn load(path: &Path) -> Result<Spec, BuildError> {
        let err = |msg: String| BuildError::Spec {
            path: path.to_owned(),
            msg,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
        Self::parse(&text, path)
    }

    /// Parses and checks spec TOML; `path` names it in messages and anchors `files`.
    pub fn parse(text: &str, path: &Path) -> Result<Spec, BuildError> {
        let err = |msg: String| BuildError::Spec {
            path: path.to_owned(),
            msg,
        };
        let mut spec: Spec = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        spec.base = path.parent().map(Path::to_owned).unwrap_or_default();
        if spec.targets.is_empty() {
            return Err(err("no [[target]] is given".into()));
        }
        let mut seen = Vec::new();
        for t in &spec.targets {
            if t.modes.is_empty() {
                return Err(err(format!("target {:?} lists no modes", t.model)));
            }
            for m in &t.modes {
                let pair = (t.model.clone(), m.clone());
                if seen.contains(&pair) {
                    return Err(err(format!(
                        "model {:?} mode {:?} is given twice",
                        t.model, m
                    )));
                }
                seen.push(pair);
            }
        }
        Ok(spec)
    }

    /// The SBOM file the spec names, relative to the spec.
    pub fn sbom_path(&self) -> Option<PathBuf> {
        self.release.sbom.as_ref().map(|p| self.base.join(p))
    }

    pub fn files_dir(&self, t: &TargetSpec) -> PathBuf {
        self.base.join(&t.files)
    }
}
