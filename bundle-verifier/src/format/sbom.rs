//! The optional software bill of materials: a CycloneDX or SPDX 2 JSON
//! document carried as member `sbom.json` (FORMAT.md, "SBOM"). Its size and
//! digest are in the signed manifest, so the signature covers it; its bytes
//! are kept exactly as the vendor's SBOM tool wrote them.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::format::digest::Sha256Digest;

/// Which SBOM standard a document follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SbomFormat {
    /// CycloneDX JSON (`"bomFormat": "CycloneDX"`), any 1.x spec version.
    Cyclonedx,
    /// SPDX 2.x JSON (`"spdxVersion": "SPDX-2.3"`).
    Spdx,
}

impl SbomFormat {
    pub fn name(self) -> &'static str {
        match self {
            SbomFormat::Cyclonedx => "CycloneDX",
            SbomFormat::Spdx => "SPDX",
        }
    }
}

/// The manifest's `sbom` member: what `sbom.json` must be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SbomRef {
    pub format: SbomFormat,
    pub sha256: Sha256Digest,
    pub size: u64,
    /// `specVersion` (CycloneDX) or `spdxVersion` (SPDX) of the document.
    pub spec_version: String,
}

/// One component (CycloneDX) or package (SPDX) the SBOM lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Component {
    pub name: String,
    pub version: Option<String>,
    /// Package URL, when the SBOM gives one.
    pub purl: Option<String>,
}

/// What a reader shows of an SBOM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SbomSummary {
    pub format: SbomFormat,
    pub spec_version: String,
    pub sha256: Sha256Digest,
    pub size: u64,
    pub components: Vec<Component>,
}

/// Why a document is not an SBOM this format carries.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SbomError {
    #[error("the SBOM is not JSON: {0}")]
    NotJson(String),
    #[error("the SBOM is neither CycloneDX JSON (\"bomFormat\": \"CycloneDX\") nor SPDX 2 JSON (\"spdxVersion\": \"SPDX-2.x\"); export it in one of those")]
    UnknownFormat,
    #[error("SPDX 3 (JSON-LD) SBOMs are not carried by format v1; export SPDX 2.3 JSON or CycloneDX JSON")]
    Spdx3,
    #[error("the SBOM's {field} is {found}; expected {expected}")]
    BadField {
        field: &'static str,
        found: String,
        expected: &'static str,
    },
    #[error("the SBOM lists more than {0} components")]
    TooManyComponents(usize),
    #[error("the manifest says the SBOM is {manifest}, but sbom.json is {document}; the bundle was altered")]
    Disagrees { manifest: String, document: String },
}

/// Most components (and nesting levels) read from one SBOM.
const MAX_COMPONENTS: usize = 100_000;
const MAX_DEPTH: usize = 32;

/// Parses an SBOM document, detects its standard and lists its components.
/// `sha256` and `size` are those of `bytes` (the caller has them already).
pub fn parse(bytes: &[u8]) -> Result<SbomSummary, SbomError> {
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| SbomError::NotJson(e.to_string()))?;
    let obj = doc.as_object().ok_or(SbomError::UnknownFormat)?;
    let (format, spec_version, components) = if let Some(f) = obj.get("bomFormat") {
        if f != "CycloneDX" {
            return Err(bad("bomFormat", f, "\"CycloneDX\""));
        }
        let v = obj.get("specVersion").unwrap_or(&Value::Null);
        let spec = v
            .as_str()
            .filter(|s| s.starts_with("1.") && printable(s))
            .ok_or_else(|| bad("specVersion", v, "a CycloneDX version such as \"1.5\""))?;
        let mut out = Vec::new();
        if let Some(list) = obj.get("components") {
            cyclonedx_components(list, 0, &mut out)?;
        }
        (SbomFormat::Cyclonedx, spec.to_owned(), out)
    } else if let Some(v) = obj.get("spdxVersion") {
        let spec = v
            .as_str()
            .filter(|s| s.starts_with("SPDX-2.") && printable(s))
            .ok_or_else(|| bad("spdxVersion", v, "an SPDX 2 version such as \"SPDX-2.3\""))?;
        (
            SbomFormat::Spdx,
            spec.to_owned(),
            spdx_packages(obj.get("packages"))?,
        )
    } else if obj
        .get("@context")
        .is_some_and(|c| c.to_string().contains("spdx.org/rdf/3"))
    {
        return Err(SbomError::Spdx3);
    } else {
        return Err(SbomError::UnknownFormat);
    };
    Ok(SbomSummary {
        format,
        spec_version,
        sha256: Sha256Digest::of(bytes),
        size: bytes.len() as u64,
        components,
    })
}

fn printable(s: &str) -> bool {
    !s.is_empty() && s.len() <= 32 && !s.chars().any(char::is_control)
}

fn bad(field: &'static str, found: &Value, expected: &'static str) -> SbomError {
    SbomError::BadField {
        field,
        found: found.to_string(),
        expected,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_owned)
}

/// CycloneDX components nest (`components` inside a component); all are listed.
fn cyclonedx_components(
    list: &Value,
    depth: usize,
    out: &mut Vec<Component>,
) -> Result<(), SbomError> {
    let items = list
        .as_array()
        .ok_or_else(|| bad("components", list, "an array"))?;
    if depth > MAX_DEPTH {
        return Err(bad(
            "components",
            &Value::Null,
            "at most 32 levels of nesting",
        ));
    }
    for c in items {
        let name = c.get("name").and_then(Value::as_str).ok_or_else(|| {
            bad(
                "component name",
                c.get("name").unwrap_or(&Value::Null),
                "a string",
            )
        })?;
        if out.len() == MAX_COMPONENTS {
            return Err(SbomError::TooManyComponents(MAX_COMPONENTS));
        }
        out.push(Component {
            name: name.to_owned(),
            version: text(c.get("version")),
            purl: text(c.get("purl")),
        });
        if let Some(inner) = c.get("components") {
            cyclonedx_components(inner, depth + 1, out)?;
        }
    }
    Ok(())
}

fn spdx_packages(list: Option<&Value>) -> Result<Vec<Component>, SbomError> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let items = list
        .as_array()
        .ok_or_else(|| bad("packages", list, "an array"))?;
    if items.len() > MAX_COMPONENTS {
        return Err(SbomError::TooManyComponents(MAX_COMPONENTS));
    }
    items
        .iter()
        .map(|p| {
            let name = p.get("name").and_then(Value::as_str).ok_or_else(|| {
                bad(
                    "package name",
                    p.get("name").unwrap_or(&Value::Null),
                    "a string",
                )
            })?;
            let purl = p
                .get("externalRefs")
                .and_then(Value::as_array)
                .and_then(|refs| {
                    refs.iter()
                        .find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
                })
                .and_then(|r| text(r.get("referenceLocator")));
            Ok(Component {
                name: name.to_owned(),
                version: text(p.get("versionInfo")),
                purl,
            })
        })
        .collect()
}

impl SbomRef {
    /// Parses the carried document and checks it is what this entry says.
    /// The digest was checked by the caller as the bytes were read.
    pub fn check(&self, bytes: &[u8]) -> Result<SbomSummary, SbomError> {
        let s = parse(bytes)?;
        if s.format != self.format || s.spec_version != self.spec_version {
            return Err(SbomError::Disagrees {
                manifest: format!("{} {}", self.format.name(), self.spec_version),
                document: format!("{} {}", s.format.name(), s.spec_version),
            });
        }
        Ok(s)
    }
}

impl SbomSummary {
    /// The manifest entry that binds this document.
    pub fn to_ref(&self) -> SbomRef {
        SbomRef {
            format: self.format,
            sha256: self.sha256,
            size: self.size,
            spec_version: self.spec_version.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_components_are_listed_with_nested_ones() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
            {"type":"application","name":"lrm","version":"3.1.1","purl":"pkg:generic/lrm@3.1.1",
             "components":[{"type":"library","name":"nginx","version":"1.24.0"}]},
            {"type":"file","name":"firewall.rules"}]}"#;
        let s = parse(doc).unwrap();
        assert_eq!(s.format, SbomFormat::Cyclonedx);
        assert_eq!(s.spec_version, "1.5");
        let names: Vec<_> = s.components.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["lrm", "nginx", "firewall.rules"]);
        assert_eq!(
            s.components[0].purl.as_deref(),
            Some("pkg:generic/lrm@3.1.1")
        );
        assert_eq!(s.components[2].version, None);
        assert_eq!(s.size, doc.len() as u64);
    }

    #[test]
    fn spdx_packages_are_listed_with_their_purl() {
        let doc = br#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","packages":[
            {"name":"lrm","versionInfo":"3.1.1","externalRefs":[
              {"referenceCategory":"SECURITY","referenceType":"cpe23Type","referenceLocator":"cpe:2.3:a:x"},
              {"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:generic/lrm@3.1.1"}]},
            {"name":"openssl"}]}"#;
        let s = parse(doc).unwrap();
        assert_eq!(s.format, SbomFormat::Spdx);
        assert_eq!(s.spec_version, "SPDX-2.3");
        assert_eq!(s.components.len(), 2);
        assert_eq!(
            s.components[0].purl.as_deref(),
            Some("pkg:generic/lrm@3.1.1")
        );
        assert_eq!(s.components[1].version, None);
    }

    #[test]
    fn other_documents_are_refused_with_the_reason() {
        assert!(matches!(parse(b"not json"), Err(SbomError::NotJson(_))));
        assert_eq!(parse(b"[1]"), Err(SbomError::UnknownFormat));
        assert_eq!(parse(br#"{"name":"x"}"#), Err(SbomError::UnknownFormat));
        assert_eq!(
            parse(br#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}"#),
            Err(SbomError::Spdx3)
        );
        assert!(matches!(
            parse(br#"{"bomFormat":"SWID","specVersion":"1.5"}"#),
            Err(SbomError::BadField {
                field: "bomFormat",
                ..
            })
        ));
        assert!(matches!(
            parse(br#"{"bomFormat":"CycloneDX","specVersion":2}"#),
            Err(SbomError::BadField {
                field: "specVersion",
                ..
            })
        ));
        assert!(matches!(
            parse(br#"{"spdxVersion":"SPDX-3.0"}"#),
            Err(SbomError::BadField {
                field: "spdxVersion",
                ..
            })
        ));
        assert!(matches!(
            parse(
                br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"version":"1"}]}"#
            ),
            Err(SbomError::BadField {
                field: "component name",
                ..
            })
        ));
    }
}
