//! Shared helpers for the workspace end-to-end tests: locate the real
//! binaries, make keys and bundles in a temporary directory, and snapshot an
//! instrument root to prove it did (or did not) change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub use assert_cmd::prelude::*;

pub mod attacks;
pub mod craft;
#[cfg(unix)]
pub mod services;
pub mod trust_kit;

/// The repository root.
pub fn repo() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent");
    // With its drive on Windows: under Wine the compile-time path is a
    // Unix one, which would name the current drive only.
    std::path::absolute(dir).expect("the repository has an absolute path")
}

/// The example release shipped in `examples/fsn2022-1230`.
pub fn example() -> PathBuf {
    repo().join("examples/fsn2022-1230")
}

fn bin(name: &str) -> Command {
    #[allow(deprecated)]
    Command::cargo_bin(name).unwrap_or_else(|e| {
        panic!("{name} is not built ({e}); run `cargo build --workspace --bins` or `cargo test --workspace`")
    })
}

/// `cmd.output()`, tried again when the process could not even be created
/// because Wine's process creation failed ("Internal error", os error 1359):
/// rare under load, and before any of our code ran, so nothing changed.
/// Every other error, and every exit the program made, is returned as is.
pub fn output_started(cmd: &mut Command) -> std::io::Result<std::process::Output> {
    const ERROR_INTERNAL_ERROR: i32 = 1359;
    let mut tries = 0;
    loop {
        match cmd.output() {
            Err(e)
                if cfg!(windows) && e.raw_os_error() == Some(ERROR_INTERNAL_ERROR) && tries < 3 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(200 * tries));
            }
            other => return other,
        }
    }
}

pub fn builder() -> Command {
    bin("bundle-builder")
}

pub fn verifier() -> Command {
    bin("bundle-verifier")
}

/// Key IDs of the signatures that counted, from a `verify --json` record.
pub fn counted_keys(record: &serde_json::Value) -> Vec<String> {
    record["signatures"]["entries"]
        .as_array()
        .expect("a verify record lists signatures")
        .iter()
        .filter(|e| e["counted"] == true)
        .map(|e| e["key_id"].as_str().expect("key ID").to_owned())
        .collect()
}

/// A scratch directory with helpers for the usual steps.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

impl Scratch {
    pub fn new() -> Self {
        Scratch {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `bundle-builder keygen --unencrypted --out <name>`; returns
    /// (secret, public) paths.
    pub fn keygen(&self, name: &str) -> (PathBuf, PathBuf) {
        let prefix = self.path(name);
        builder()
            .arg("keygen")
            .arg("--unencrypted")
            .arg("--out")
            .arg(&prefix)
            .assert()
            .success();
        (
            self.path(&format!("{name}.key")),
            self.path(&format!("{name}.pub")),
        )
    }

    /// Builds `spec` with `key` into `<name>.bundle`.
    pub fn build(&self, spec: &Path, key: &Path, name: &str) -> PathBuf {
        let out = self.path(&format!("{name}.bundle"));
        builder()
            .arg("build")
            .arg(spec)
            .arg("--key")
            .arg(key)
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        out
    }

    /// Copies the example's simulated instrument root to `<name>`.
    pub fn instrument_root(&self, name: &str) -> PathBuf {
        let dst = self.path(name);
        copy_tree(&example().join("instrument-root"), &dst);
        dst
    }
}

/// Recursive copy of regular files and directories (keeps the executable bit).
pub fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for e in std::fs::read_dir(src).unwrap() {
        let e = e.unwrap();
        let to = dst.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to);
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
}

/// Every entry under `root`: path → (kind, mode bits, content). Two equal
/// snapshots mean the tree is byte-identical, links and permissions included.
pub fn snapshot(root: &Path) -> BTreeMap<String, (char, u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, (char, u32, Vec<u8>)>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            // `/` between names on every OS, so tests name entries one way.
            let rel: Vec<_> = p
                .strip_prefix(base)
                .unwrap()
                .iter()
                .map(|n| n.to_string_lossy())
                .collect();
            let rel = rel.join("/");
            let m = std::fs::symlink_metadata(&p).unwrap();
            #[cfg(unix)]
            let mode = std::os::unix::fs::PermissionsExt::mode(&m.permissions());
            #[cfg(not(unix))]
            let mode = 0;
            if m.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                out.insert(
                    rel,
                    ('l', mode, t.to_string_lossy().into_owned().into_bytes()),
                );
            } else if m.is_dir() {
                out.insert(rel, ('d', mode, Vec::new()));
                walk(base, &p, out);
            } else if m.is_file() {
                out.insert(rel, ('f', mode, std::fs::read(&p).unwrap()));
            } else {
                // FIFOs, sockets, devices: reading could block; their kind and mode are the state.
                out.insert(rel, ('s', mode, Vec::new()));
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// A small release of its own in `<name>/`: a spec for NextSeq 550Dx
/// (modes Dx and RUO) with the given sequence and files, and, with
/// `confirm`, a required `backup` confirmation. Returns the spec path.
pub fn write_release(
    dir: &Path,
    name: &str,
    sequence: u64,
    files: &[(&str, &str)],
    confirm: bool,
) -> PathBuf {
    let base = dir.join(name);
    for (path, content) in files {
        let p = base.join("payload").join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
    let confirm = if confirm {
        "[[confirm]]\nid = \"backup\"\ntext = { en = \"Data is backed up.\", de = \"Die Daten sind gesichert.\" }\n"
    } else {
        ""
    };
    let spec = format!(
        "[release]\nid = \"REL-{sequence}\"\nversion = \"1.{sequence}.0\"\nsequence = {sequence}\n\
         title = \"Test release {sequence}\"\n{confirm}\n[[target]]\nmodel = \"NextSeq 550Dx\"\n\
         udi_di = [\"00816270020125\"]\ncatalog = [\"20005715\"]\nmodes = [\"Dx\", \"RUO\"]\n\
         files = \"payload\"\n"
    );
    let path = base.join("release.toml");
    std::fs::write(&path, spec).unwrap();
    path
}

/// The example release spec with its relative paths (payload directories,
/// SBOM) made absolute, so that an edited copy works from any directory.
pub fn example_spec_text() -> String {
    // `/` also on Windows: a `\` in a TOML string is an escape.
    let dir = example().to_str().expect("UTF-8 path").replace('\\', "/");
    std::fs::read_to_string(example().join("release.toml"))
        .unwrap()
        .replace("\"payload/", &format!("\"{dir}/payload/"))
        .replace("sbom = \"", &format!("sbom = \"{dir}/"))
}

/// The example's NextSeq 550Dx identity in Dx mode.
pub fn nextseq_dx() -> PathBuf {
    example().join("instruments/nextseq-dx.toml")
}

/// `bundle-verifier apply BUNDLE --trusted-key PUB --instrument ID --root ROOT --state STATE`;
/// add more arguments before running.
pub fn apply_cmd(bundle: &Path, public: &Path, id: &Path, root: &Path, state: &Path) -> Command {
    let mut c = verifier();
    c.arg("apply")
        .arg(bundle)
        .arg("--trusted-key")
        .arg(public)
        .arg("--instrument")
        .arg(id)
        .arg("--root")
        .arg(root)
        .arg("--state")
        .arg(state)
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES");
    c
}

/// The receipt files in a state directory, sorted by name (= in order).
pub fn receipts(state: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(state.join("receipts"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "json"));
    v.sort();
    v
}
