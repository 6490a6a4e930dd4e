//! The instrument config file: with it, `apply BUNDLE` is the whole command
//! (found by `--config`, `BUNDLE_VERIFIER_CONFIG` or the default place);
//! options override it; `config show` names where each setting comes from;
//! a typo is refused; `device init` prints the registry's lines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use e2e_tests::*;

const ENV: &str = "BUNDLE_VERIFIER_CONFIG";

/// A TOML literal string for a path (no escapes, so `C:\x` stays as it is).
fn lit(p: &Path) -> String {
    format!("'{}'", p.display())
}

struct Setup {
    s: Scratch,
    public: PathBuf,
    v1: PathBuf,
    v2: PathBuf,
    root: PathBuf,
}

fn setup() -> Setup {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let v1 = write_release(s.dir.path(), "r1", 1, &[("lrm/a.txt", "one")], false);
    let v2 = write_release(s.dir.path(), "r2", 2, &[("lrm/a.txt", "two")], true);
    let v1 = s.build(&v1, &key, "v1");
    let v2 = s.build(&v2, &key, "v2");
    let root = s.instrument_root("root");
    Setup {
        s,
        public,
        v1,
        v2,
        root,
    }
}

impl Setup {
    /// A config file `name` in its own folder, with paths relative to it
    /// (root and state) and absolute (identity and key), plus `extra`.
    fn config(&self, name: &str, extra: &str) -> PathBuf {
        let dir = self.s.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        let text = format!(
            "root = '../root'\nstate = 'state'\ninstrument = {}\ntrusted_keys = [{}]\n{extra}",
            lit(&nextseq_dx()),
            lit(&self.public)
        );
        let p = dir.join("config.toml");
        std::fs::write(&p, text).unwrap();
        p
    }
}

/// The verifier without the caller's language or config settings.
fn bv() -> Command {
    let mut c = verifier();
    for v in ["LANG", "LC_ALL", "LC_MESSAGES", ENV] {
        c.env_remove(v);
    }
    c
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn ok(out: Output) -> Output {
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}

fn a_txt(root: &Path) -> String {
    std::fs::read_to_string(root.join("lrm/a.txt")).unwrap()
}

#[test]
fn with_only_a_config_file_apply_bundle_installs_via_the_variable_and_via_the_option() {
    let t = setup();
    let cfg = t.config("etc", "");
    // Run from elsewhere: relative paths in the file are the file's folder's.
    let out = bv()
        .current_dir(t.s.path("root"))
        .env(ENV, &cfg)
        .arg("apply")
        .arg(&t.v1)
        .output()
        .unwrap();
    ok(out);
    assert_eq!(a_txt(&t.root), "one");
    assert!(cfg.parent().unwrap().join("state/receipts").is_dir());
    let out = bv()
        .arg("--config")
        .arg(&cfg)
        .args(["apply", "--confirm", "backup"])
        .arg(&t.v2)
        .output()
        .unwrap();
    ok(out);
    assert_eq!(a_txt(&t.root), "two");
    // The other commands read it too.
    let out = ok(bv()
        .env(ENV, &cfg)
        .args(["check-installed", "--json"])
        .output()
        .unwrap());
    assert!(text(&out.stdout).contains("\"ok\": true"));
    ok(bv().env(ENV, &cfg).arg("rollback").output().unwrap());
    assert_eq!(a_txt(&t.root), "one");
    let stick = t.s.path("stick");
    ok(bv()
        .env(ENV, &cfg)
        .args(["receipts", "export", "--to"])
        .arg(&stick)
        .output()
        .unwrap());
    assert!(std::fs::read_dir(&stick).unwrap().count() >= 3);
    ok(bv()
        .env(ENV, &cfg)
        .args(["scan"])
        .arg(t.s.dir.path())
        .output()
        .unwrap());
}

#[test]
fn an_option_overrides_the_config_file() {
    let t = setup();
    // The file's root does not exist; --root names the real one.
    let cfg = t.config("etc", "");
    std::fs::write(
        &cfg,
        std::fs::read_to_string(&cfg)
            .unwrap()
            .replace("'../root'", "'../no-such-root'"),
    )
    .unwrap();
    let out = bv()
        .arg("--config")
        .arg(&cfg)
        .arg("apply")
        .arg(&t.v1)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no-such-root"));
    let other_state = t.s.path("flag-state");
    ok(bv()
        .arg("--config")
        .arg(&cfg)
        .arg("apply")
        .arg(&t.v1)
        .arg("--root")
        .arg(&t.root)
        .arg("--state")
        .arg(&other_state)
        .output()
        .unwrap());
    assert_eq!(a_txt(&t.root), "one");
    assert!(other_state.join("receipts").is_dir());
    assert!(!cfg.parent().unwrap().join("state").exists());
}

#[test]
fn config_show_names_where_each_setting_comes_from() {
    let t = setup();
    let dir = t.s.path("etc");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "root = 'r'\ntrusted_keys = [{}]\nlang = 'de'\n\n[instrument]\nmodel = 'NextSeq 550Dx'\n\
             serial = 'NB551234'\nmode = 'RUO'\ninstalled_version = '3.1.0'\n\n\
             [services]\nstop = ['svc', 'halt', '{{name}}']\n",
            lit(&t.public)
        ),
    )
    .unwrap();
    let flag_state = t.s.path("s");
    let out = ok(bv()
        .arg("--config")
        .arg(&cfg)
        .args(["config", "show", "--json", "--state"])
        .arg(&flag_state)
        .output()
        .unwrap());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["config_file"]["found_by"], "flag");
    assert_eq!(v["config_file"]["path"], cfg.to_str().unwrap());
    let s = &v["settings"];
    let source = |k: &str| s[k]["source"].as_str().unwrap().to_owned();
    assert_eq!(source("root"), "config");
    assert_eq!(s["root"]["value"], dir.join("r").to_str().unwrap());
    assert_eq!(source("state"), "flag");
    assert_eq!(s["state"]["value"], flag_state.to_str().unwrap());
    assert_eq!(source("instrument"), "config");
    assert_eq!(source("trusted_keys"), "config");
    assert_eq!(
        (source("lang"), &s["lang"]["value"]),
        ("config".into(), &"de".into())
    );
    assert_eq!(source("services.stop"), "config");
    assert_eq!(s["services.stop"]["value"], "svc halt {name}");
    assert_eq!(source("services.start"), "default");
    // For people, in the file's language unless --lang says otherwise.
    let out = ok(bv()
        .env(ENV, &cfg)
        .args(["config", "show"])
        .output()
        .unwrap());
    let shown = text(&out.stdout);
    assert!(
        shown.contains("Umgebungsvariable BUNDLE_VERIFIER_CONFIG"),
        "{shown}"
    );
    let out = ok(bv()
        .env(ENV, &cfg)
        .args(["--lang", "en", "config", "show", "--root"])
        .arg(&t.root)
        .output()
        .unwrap());
    let shown = text(&out.stdout);
    for want in [
        "environment variable BUNDLE_VERIFIER_CONFIG",
        "option --root",
        "option --lang",
        &format!("config file {}", cfg.display()),
        "built-in default",
        "NB551234, RUO",
        "state",
        "not set",
    ] {
        assert!(shown.contains(want), "{want:?} missing in:\n{shown}");
    }
}

#[test]
fn without_a_config_file_the_default_place_is_named() {
    let out = ok(bv().args(["config", "show", "--json"]).output().unwrap());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let default = v["config_file"]["default_path"]
        .as_str()
        .unwrap()
        .to_owned();
    let want = if cfg!(windows) {
        r"\bundle-verifier\config.toml"
    } else {
        "/etc/bundle-verifier/config.toml"
    };
    assert!(default.ends_with(want), "{default}");
    if !Path::new(&default).exists() {
        assert_eq!(v["config_file"]["found_by"], "none");
        assert_eq!(v["settings"]["root"]["source"], "unset");
    }
}

/// Windows (run under Wine): the default place is under `%ProgramData%`.
#[cfg(windows)]
#[test]
fn the_default_place_on_windows_is_under_program_data() {
    let t = setup();
    let program_data = t.s.path("ProgramData");
    let dir = program_data.join("bundle-verifier");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        format!("root = {}\n", lit(&t.root)),
    )
    .unwrap();
    let out = ok(bv()
        .env("ProgramData", &program_data)
        .args(["config", "show", "--json"])
        .output()
        .unwrap());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["config_file"]["found_by"], "default");
    assert_eq!(
        v["config_file"]["path"],
        dir.join("config.toml").to_str().unwrap()
    );
    assert_eq!(v["settings"]["root"]["value"], t.root.to_str().unwrap());
    assert!(
        t.root.to_str().unwrap().as_bytes()[1] == b':',
        "a drive letter"
    );
}

#[test]
fn an_unknown_key_or_a_missing_named_file_is_refused_with_exit_2() {
    let t = setup();
    let cfg = t.config("etc", "roots = 'typo'\n");
    let before = snapshot(&t.root);
    for c in [
        bv().arg("--config")
            .arg(&cfg)
            .arg("apply")
            .arg(&t.v1)
            .output(),
        bv().env(ENV, &cfg).args(["config", "show"]).output(),
    ] {
        let out = c.unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = text(&out.stderr);
        assert!(err.contains("unknown field `roots`"), "{err}");
        assert!(err.contains(&cfg.display().to_string()), "{err}");
    }
    assert_eq!(snapshot(&t.root), before);
    let missing = t.s.path("none.toml");
    let out = bv()
        .env(ENV, &missing)
        .arg("apply")
        .arg(&t.v1)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("named by BUNDLE_VERIFIER_CONFIG does not exist"));
    let out = bv()
        .arg("--config")
        .arg(&missing)
        .args(["config", "show"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("named by --config does not exist"));
    // A command that reads no instrument settings is not stopped by it.
    ok(bv()
        .arg("--config")
        .arg(&missing)
        .arg("inspect")
        .arg(&t.v1)
        .output()
        .unwrap());
}

#[test]
fn a_missing_setting_names_the_option_and_the_key() {
    let t = setup();
    let dir = t.s.path("etc");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("config.toml");
    std::fs::write(&cfg, format!("instrument = {}\n", lit(&nextseq_dx()))).unwrap();
    let out = bv()
        .arg("--config")
        .arg(&cfg)
        .arg("apply")
        .arg(&t.v1)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("use --root DIR, or set root in the config file"),
        "{err}"
    );
}

#[test]
fn device_init_prints_the_registry_lines_for_serial_and_mode() {
    let t = setup();
    let cfg = t.config("etc", "");
    let out = ok(bv()
        .arg("--config")
        .arg(&cfg)
        .args(["device", "init"])
        .output()
        .unwrap());
    let shown = text(&out.stdout);
    for want in [
        "BEGIN PUBLIC KEY",
        "save the public key above as keys/NB551234-Dx.pub",
        "[[device]]",
        "serial = \"NB551234\"",
        "[[device.install]]",
        "mode = \"Dx\"",
        "public_key_file = \"keys/NB551234-Dx.pub\"",
    ] {
        assert!(shown.contains(want), "{want:?} missing in:\n{shown}");
    }
}

/// The README's config file examples (Linux and Windows) are valid files.
#[test]
fn the_readme_config_examples_are_valid() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let mut found = 0;
    for start in [
        "    # /etc/bundle-verifier/config.toml",
        "    # C:\\ProgramData\\bundle-verifier\\config.toml",
    ] {
        let at = readme
            .find(start)
            .unwrap_or_else(|| panic!("{start:?} not in README"));
        let block: String = readme[at..]
            .lines()
            .take_while(|l| l.starts_with("    ") || l.is_empty())
            .scan(0, |blank, l| {
                *blank = if l.is_empty() { *blank + 1 } else { 0 };
                (*blank < 2).then(|| format!("{}\n", l.strip_prefix("    ").unwrap_or(l)))
            })
            .collect();
        let s = Scratch::new();
        let p = s.path("config.toml");
        std::fs::write(&p, &block).unwrap();
        let out = bv()
            .arg("--config")
            .arg(&p)
            .args(["config", "show", "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{block}\n{}", text(&out.stderr));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["settings"]["root"]["source"], "config");
        assert_eq!(v["settings"]["instrument"]["source"], "config");
        found += 1;
    }
    assert_eq!(found, 2);
}

/// The file names the keys to trust: one that other users can write is refused.
#[cfg(unix)]
#[test]
fn a_config_file_others_can_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let t = setup();
    let cfg = t.config("etc", "");
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o646)).unwrap();
    let before = snapshot(&t.root);
    let out = bv()
        .arg("--config")
        .arg(&cfg)
        .arg("apply")
        .arg(&t.v1)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is writable by other users"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(snapshot(&t.root), before);
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    ok(bv()
        .arg("--config")
        .arg(&cfg)
        .arg("apply")
        .arg(&t.v1)
        .output()
        .unwrap());
}
