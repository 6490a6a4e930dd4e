//! Helpers for trust root tests: a vendor's keys and trust roots made with
//! the real `bundle-builder`, release specs with chosen sequence and models,
//! and surgery on a bundle's members to craft hostile inputs.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::{builder, example, example_spec_text, verifier, Scratch};

/// Runs a command and returns its output, whatever the exit code.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("command runs")
}

/// Runs a command that must succeed; prints its output otherwise.
pub fn ok(cmd: &mut Command) -> Output {
    succeeded(&format!("{cmd:?}"), run(cmd))
}

/// Asserts that `out` (of `what`) is a success; prints its output otherwise.
pub fn succeeded(what: &str, out: Output) -> Output {
    assert!(
        out.status.success(),
        "{what} failed with {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Asserts exit code 3 (bundle refused) and that stderr names `reason`.
pub fn refused(out: Output, reason: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "expected refusal (exit 3) naming {reason:?}; got {:?}\nstderr: {stderr}",
        out.status.code()
    );
    assert!(
        stderr.contains(reason),
        "stderr does not name {reason:?}:\n{stderr}"
    );
}

/// Key ID of a public key file, as every tool prints it.
pub fn key_id(public: &Path) -> String {
    bundle_keys::PublicKey::read_pem_file(public)
        .expect("public key")
        .key_id()
        .to_string()
}

/// A vendor's workshop in a scratch directory: keys by name, trust roots,
/// specs and bundles.
pub struct Vendor {
    pub s: Scratch,
}

impl Default for Vendor {
    fn default() -> Self {
        Self::new()
    }
}

impl Vendor {
    pub fn new() -> Self {
        Vendor { s: Scratch::new() }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.s.path(rel)
    }

    /// `NAME.key`, generated on first use.
    pub fn key(&self, name: &str) -> PathBuf {
        let k = self.path(&format!("{name}.key"));
        if !k.exists() {
            self.s.keygen(name);
        }
        k
    }

    /// `NAME.pub`, generated with a key file on first use (token keys
    /// write only this file).
    pub fn public(&self, name: &str) -> PathBuf {
        let p = self.path(&format!("{name}.pub"));
        if !p.exists() {
            self.key(name);
        }
        p
    }

    pub fn id(&self, name: &str) -> String {
        key_id(&self.public(name))
    }

    /// `trust init` into `out` (unsigned); `extra` are further arguments.
    pub fn init(
        &self,
        out: &str,
        roots: &[&str],
        threshold: u32,
        releases: &[&str],
        release_threshold: u32,
        extra: &[&str],
    ) -> PathBuf {
        let path = self.path(out);
        let mut c = builder();
        c.args(["trust", "init", "--out"]).arg(&path);
        for r in roots {
            c.arg("--root-key").arg(self.public(r));
        }
        for r in releases {
            c.arg("--release-key").arg(self.public(r));
        }
        c.args(["--threshold", &threshold.to_string()]);
        c.args(["--release-threshold", &release_threshold.to_string()]);
        c.args(extra);
        ok(&mut c);
        path
    }

    /// `trust edit prev --out out ARGS`; key names in `args` written `@name`
    /// become that key's public file, `#name` its key ID.
    pub fn edit(&self, prev: &Path, out: &str, args: &[&str]) -> PathBuf {
        let path = self.path(out);
        let mut c = builder();
        c.args(["trust", "edit"]).arg(prev).arg("--out").arg(&path);
        for a in args {
            c.arg(self.arg(a));
        }
        ok(&mut c);
        path
    }

    fn arg(&self, a: &str) -> std::ffi::OsString {
        if let Some(name) = a.strip_prefix('@') {
            self.public(name).into_os_string()
        } else if let Some(name) = a.strip_prefix('#') {
            self.id(name).into()
        } else {
            a.into()
        }
    }

    /// `trust sign` with each named key, in order.
    pub fn sign(&self, root: &Path, keys: &[&str]) {
        for k in keys {
            ok(builder()
                .args(["trust", "sign"])
                .arg(root)
                .arg("--key")
                .arg(self.key(k)));
        }
    }

    /// A release spec with this `sequence` and the example's targets whose
    /// model is in `models` (all when empty), payloads from the example.
    pub fn spec(&self, name: &str, sequence: u64, models: &[&str]) -> PathBuf {
        let text = example_spec_text();
        let mut out = String::new();
        for (i, part) in text.split("[[target]]").enumerate() {
            let part = part.replace("sequence = 1", &format!("sequence = {sequence}"));
            if i == 0 {
                out.push_str(&part);
                continue;
            }
            let keep = models.is_empty()
                || models
                    .iter()
                    .any(|m| part.contains(&format!("model = \"{m}\"")));
            if keep {
                out.push_str("[[target]]");
                out.push_str(&part);
            }
        }
        let path = self.path(&format!("{name}.toml"));
        std::fs::write(&path, out).unwrap();
        path
    }

    /// `build SPEC --key KEY --out NAME.bundle --include-root ...`.
    pub fn build(&self, name: &str, spec: &Path, key: &str, include: &[&Path]) -> PathBuf {
        let out = self.path(&format!("{name}.bundle"));
        let mut c = builder();
        c.arg("build").arg(spec).arg("--key").arg(self.key(key));
        c.arg("--out").arg(&out);
        for r in include {
            c.arg("--include-root").arg(r);
        }
        ok(&mut c);
        out
    }

    pub fn cosign(&self, bundle: &Path, key: &str) {
        ok(builder()
            .arg("cosign")
            .arg(bundle)
            .arg("--key")
            .arg(self.key(key)));
    }

    /// `verify BUNDLE --trust-root ROOT`.
    pub fn verify(&self, bundle: &Path, root: &Path) -> Output {
        run(verifier()
            .arg("verify")
            .arg(bundle)
            .arg("--trust-root")
            .arg(root))
    }
}

/// An instrument: a copy of the example root, a state directory, an identity.
pub struct Instrument {
    pub root: PathBuf,
    pub state: PathBuf,
    pub identity: PathBuf,
}

impl Instrument {
    pub fn new(s: &Scratch, name: &str) -> Self {
        Instrument {
            root: s.instrument_root(&format!("{name}-root")),
            state: s.path(&format!("{name}-state")),
            identity: example().join("instruments/nextseq-dx.toml"),
        }
    }

    /// `apply BUNDLE --instrument .. --root .. --state ..` plus `extra`.
    pub fn apply(&self, bundle: &Path, extra: &[&OsStr]) -> Output {
        run(verifier()
            .arg("apply")
            .arg(bundle)
            .arg("--instrument")
            .arg(&self.identity)
            .arg("--root")
            .arg(&self.root)
            .arg("--state")
            .arg(&self.state)
            // Specs derive from the example release, which asks for a backup first.
            .args(["--confirm", "backup"])
            .args(extra))
    }

    /// The trust root installed in the state directory.
    pub fn installed_root(&self) -> Option<Vec<u8>> {
        std::fs::read(self.state.join("trust/root.json")).ok()
    }
}

/// The members of a bundle as (name, data), read from its canonical headers.
pub fn members(bundle: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = std::fs::read(bundle).unwrap();
    let mut out = Vec::new();
    let mut at = 0;
    while at + 512 <= bytes.len() && bytes[at..at + 512].iter().any(|&b| b != 0) {
        let h = tar::Header::from_byte_slice(&bytes[at..at + 512]);
        let name = h.path().unwrap().to_string_lossy().into_owned();
        let size = h.size().unwrap() as usize;
        at += 512;
        out.push((name, bytes[at..at + size].to_vec()));
        at += size.div_ceil(512) * 512;
    }
    out
}

/// Writes members back as a bundle with canonical headers.
pub fn write_members(bundle: &Path, members: &[(String, Vec<u8>)]) {
    use bundle_verifier::format::envelope::{canonical_header, padding};
    let mut out = Vec::new();
    for (name, data) in members {
        out.extend_from_slice(&canonical_header(name, data.len() as u64));
        out.extend_from_slice(data);
        out.resize(out.len() + padding(data.len() as u64), 0);
    }
    out.resize(out.len() + 1024, 0);
    std::fs::write(bundle, out).unwrap();
}
