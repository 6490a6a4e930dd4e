//! The release engineer's pipeline through the real `bundle-builder`:
//! spec checks, every payload problem in one run, `build --check`, no
//! silent overwrite, usage errors, `keyid`, `-` as standard output, a
//! closed pipe, and the passphrase prompt at a terminal. The detached
//! approval is in `approval.rs`.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use e2e_tests::trust_kit::*;
use e2e_tests::*;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Asserts exit 2 and that stderr says `what`; returns stderr.
fn usage(o: Output, what: &str) -> String {
    let e = stderr(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "expected exit 2 saying {what:?}: {e}"
    );
    assert!(e.contains(what), "stderr does not say {what:?}:\n{e}");
    assert!(e.contains("\nhint: "), "every error has a hint:\n{e}");
    e
}

/// A release spec in `dir` with one target over `dir/p` (one file there).
fn small_spec(dir: &Path, version: &str, modes: &str, extra: &str) -> PathBuf {
    let p = dir.join("p");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("readme.txt"), "patch\n").unwrap();
    let spec = dir.join("release.toml");
    std::fs::write(
        &spec,
        format!(
            "[release]\nid = \"R\"\nversion = \"{version}\"\nsequence = 1\ntitle = \"T\"\n\n\
             [[target]]\nmodel = \"M\"\nmodes = {modes}\nfiles = \"p\"\n{extra}"
        ),
    )
    .unwrap();
    spec
}

fn check(spec: &Path) -> Output {
    run(builder().arg("build").arg(spec).arg("--check"))
}

#[test]
fn a_mode_differing_from_a_known_or_listed_mode_only_by_case_is_refused() {
    let s = Scratch::new();
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"dx\"]", "");
    usage(check(&spec), "did you mean Dx?");
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Service\", \"service\"]", "");
    usage(
        check(&spec),
        "mode \"service\" differs from mode \"Service\" only by case",
    );
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Dx\", \"RUO\", \"Service\"]", "");
    ok(builder().arg("build").arg(&spec).arg("--check"));
}

#[test]
fn a_version_that_is_not_semver_is_refused() {
    let s = Scratch::new();
    let spec = small_spec(s.dir.path(), "4.1", "[\"Dx\"]", "");
    usage(check(&spec), "expected MAJOR.MINOR.PATCH, e.g. 4.1.0");
}

/// A payload folder with four problems no file system refuses to hold.
fn bad_payload(dir: &Path) -> PathBuf {
    let spec = small_spec(dir, "1.0.0", "[\"Dx\"]", "executable = [\"bin/*\"]\n");
    let p = dir.join("p");
    std::fs::create_dir(p.join("empty")).unwrap();
    std::fs::write(p.join("zero\u{200B}width.txt"), "x").unwrap();
    std::fs::write(p.join("e\u{301}.txt"), "x").unwrap();
    spec
}

#[test]
fn every_payload_problem_is_reported_in_one_run_each_with_its_hint() {
    let s = Scratch::new();
    let spec = bad_payload(s.dir.path());
    let e = usage(check(&spec), "4 problems in the payload");
    for what in [
        "is an empty directory",
        "invisible",
        "normal form C",
        "the executable pattern \"bin/*\" matches no file here",
    ] {
        assert!(e.contains(what), "{what:?} is not reported:\n{e}");
    }
    assert_eq!(e.matches("\n    hint: ").count(), 4, "{e}");

    let o = run(builder()
        .arg("build")
        .arg(&spec)
        .arg("--check")
        .arg("--json"));
    assert_eq!(o.status.code(), Some(2));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["ok"], false);
    assert_eq!(j["exit_code"], 2);
    assert!(j["error"].as_str().unwrap().contains("4 problems"));
    assert!(!j["hint"].as_str().unwrap().is_empty());
    let problems = j["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 4, "{j}");
    for p in problems {
        for k in ["path", "error", "hint"] {
            assert!(!p[k].as_str().unwrap().is_empty(), "{k} of {p}");
        }
    }
    // The same with a key, for a real build: nothing is written.
    let (key, _) = s.keygen("k");
    let out = s.path("o.bundle");
    let o = run(builder()
        .arg("build")
        .arg(&spec)
        .arg("--key")
        .arg(&key)
        .arg("--out")
        .arg(&out));
    usage(o, "4 problems in the payload");
    assert!(!out.exists());
}

#[test]
fn past_fifty_problems_the_rest_are_counted() {
    let s = Scratch::new();
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Dx\"]", "");
    for i in 0..60 {
        std::fs::create_dir(s.path(&format!("p/empty{i:02}"))).unwrap();
    }
    let e = usage(check(&spec), "60 problems in the payload");
    assert_eq!(e.matches("is an empty directory").count(), 50, "{e}");
    assert!(e.contains("and 10 more"), "{e}");
    let o = run(builder()
        .arg("build")
        .arg(&spec)
        .arg("--check")
        .arg("--json"));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["problems"].as_array().unwrap().len(), 50);
    assert_eq!(j["more_problems"], 10);
}

#[test]
fn a_case_collision_names_the_folder_once() {
    let s = Scratch::new();
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Dx\"]", "");
    std::fs::write(s.path("p/README.txt"), "x").unwrap();
    if listing(&s.path("p")).len() < 2 {
        eprintln!("skipped: this file system ignores case");
        return;
    }
    let e = usage(check(&spec), "name the same file");
    let dir = s.path("p").display().to_string();
    assert_eq!(e.matches(&dir).count(), 1, "the folder is named once:\n{e}");
}

#[test]
fn a_path_over_200_characters_needs_long_paths() {
    let s = Scratch::new();
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Dx\"]", "");
    let (a, b) = ("d".repeat(100), "f".repeat(100));
    std::fs::create_dir_all(s.path(&format!("p/{a}"))).unwrap();
    // 100 + "/" + 100 = 201 characters.
    std::fs::write(s.path(&format!("p/{a}/{b}")), "x").unwrap();
    let e = usage(check(&spec), "201 characters long, more than 200");
    assert!(e.contains("long_paths = true"), "{e}");
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Dx\"]", "long_paths = true\n");
    ok(builder().arg("build").arg(&spec).arg("--check"));
    // 200 characters need nothing.
    std::fs::remove_file(s.path(&format!("p/{a}/{b}"))).unwrap();
    std::fs::write(s.path(&format!("p/{a}/{}", &b[1..])), "x").unwrap();
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Dx\"]", "");
    ok(builder().arg("build").arg(&spec).arg("--check"));
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn build_check_needs_no_key_and_writes_nothing() {
    let s = Scratch::new();
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Dx\", \"RUO\"]", "");
    let before = listing(s.dir.path());
    let o = ok(builder()
        .current_dir(s.dir.path())
        .arg("build")
        .arg(&spec)
        .arg("--check"));
    assert!(stdout(&o).contains("nothing was written"), "{}", stdout(&o));
    let o = ok(builder()
        .current_dir(s.dir.path())
        .arg("build")
        .arg(&spec)
        .arg("--check")
        .arg("--json"));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["ok"], true);
    assert_eq!(j["checked"]["files"], 1);
    assert_eq!(
        j["checked"]["targets"],
        serde_json::json!(["M/Dx", "M/RUO"])
    );
    assert_eq!(listing(s.dir.path()), before);
    // --out and --check do not go together; without --check, --out is needed.
    let o = run(builder()
        .arg("build")
        .arg(&spec)
        .arg("--check")
        .arg("--out")
        .arg(s.path("o.bundle")));
    assert_eq!(o.status.code(), Some(2));
    let o = run(builder().arg("build").arg(&spec));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--out"), "{}", stderr(&o));
}

#[test]
fn an_existing_output_is_kept_without_force_and_its_cosignatures_with_it() {
    let v = Vendor::new();
    let spec = v.spec("s", 1, &["MiSeqDx"]);
    let b = v.build("b", &spec, "alice", &[]);
    v.cosign(&b, "bob");
    let cosigned = std::fs::read(&b).unwrap();
    let o = run(builder()
        .arg("build")
        .arg(&spec)
        .arg("--key")
        .arg(v.key("alice"))
        .arg("--out")
        .arg(&b));
    let e = usage(o, "already exists; nothing was written");
    assert!(
        e.contains("--force") && e.contains("cosign") && e.contains("attach"),
        "{e}"
    );
    assert!(
        std::fs::read(&b).unwrap() == cosigned,
        "the co-signed bundle is kept"
    );
    ok(builder()
        .arg("build")
        .arg(&spec)
        .arg("--key")
        .arg(v.key("alice"))
        .arg("--out")
        .arg(&b)
        .arg("--force"));
    let o = ok(verifier()
        .arg("verify")
        .arg(&b)
        .arg("--trusted-key")
        .arg(v.public("alice"))
        .arg("--json"));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["signatures"]["entries"].as_array().unwrap().len(), 1);
}

#[test]
fn usage_errors_exit_2_and_name_what_is_wrong() {
    let s = Scratch::new();
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Dx\"]", "");
    let (key, _) = s.keygen("k");
    let build = |extra: &[&std::ffi::OsStr]| {
        let mut c = builder();
        c.arg("build").arg(&spec).arg("--key").arg(&key).args(extra);
        run(&mut c)
    };
    let out = s.path("o.bundle");
    let e = {
        let o = build(&[
            "--out".as_ref(),
            out.as_os_str(),
            "--level".as_ref(),
            "20".as_ref(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        stderr(&o)
    };
    assert!(e.contains("--level") && !e.contains("release spec"), "{e}");
    // With --json, a refused command line is a JSON error with a hint too.
    let o = build(&[
        "--out".as_ref(),
        out.as_os_str(),
        "--level".as_ref(),
        "20".as_ref(),
        "--json".as_ref(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["ok"], false);
    assert!(j["error"].as_str().unwrap().contains("--level"), "{j}");
    assert!(!j["hint"].as_str().unwrap().is_empty(), "{j}");
    let missing = s.path("nope.txt");
    let e = usage(
        build(&[
            "--out".as_ref(),
            out.as_os_str(),
            "--passphrase-file".as_ref(),
            missing.as_os_str(),
        ]),
        "does not exist",
    );
    assert!(
        e.contains("passphrase file") && !e.contains("cannot read key file"),
        "{e}"
    );
    let nodir = s.path("no/such/dir/o.bundle");
    usage(
        build(&["--out".as_ref(), nodir.as_os_str()]),
        "does not exist",
    );
    assert!(!out.exists());
}

#[test]
fn keygen_encrypts_unless_told_and_refuses_without_a_passphrase_or_terminal() {
    let s = Scratch::new();
    let o = run(builder()
        .arg("keygen")
        .arg("--out")
        .arg(s.path("k"))
        .env_remove("BUNDLE_KEY_PASSPHRASE")
        .stdin(Stdio::null()));
    let e = usage(o, "no passphrase was given");
    assert!(e.contains("--unencrypted"), "{e}");
    assert!(!s.path("k.key").exists() && !s.path("k.pub").exists());
    let o = ok(builder()
        .arg("keygen")
        .arg("--out")
        .arg(s.path("k"))
        .env("BUNDLE_KEY_PASSPHRASE", "from the environment")
        .arg("--json"));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["encrypted"], true);
    let pem = std::fs::read_to_string(s.path("k.key")).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
}

#[test]
fn keyid_prints_the_key_id_of_public_and_secret_key_files() {
    let s = Scratch::new();
    let (key, public) = s.keygen("plain");
    let id = key_id(&public);
    for f in [&public, &key] {
        let o = ok(builder().arg("keyid").arg(f));
        assert_eq!(stdout(&o).trim(), id);
    }
    let pass = s.path("pass.txt");
    std::fs::write(&pass, "a passphrase\n").unwrap();
    let o = ok(builder()
        .arg("keygen")
        .arg("--out")
        .arg(s.path("enc"))
        .arg("--passphrase-file")
        .arg(&pass));
    let enc_id = stdout(&o).trim().to_owned();
    let o = ok(builder().arg("keyid").arg(s.path("enc.pub")));
    assert_eq!(stdout(&o).trim(), enc_id);
    let o = ok(builder()
        .arg("keyid")
        .arg(s.path("enc.key"))
        .arg("--passphrase-file")
        .arg(&pass)
        .arg("--json"));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["key_id"], enc_id.as_str());
    assert_eq!(j["kind"], "secret");
    // Encrypted, without a passphrase and without a terminal: refused.
    let o = run(builder()
        .arg("keyid")
        .arg(s.path("enc.key"))
        .env_remove("BUNDLE_KEY_PASSPHRASE")
        .stdin(Stdio::null()));
    usage(o, "encrypted");
    let not_a_key = s.path("x.json");
    std::fs::write(&not_a_key, "{}").unwrap();
    usage(
        run(builder().arg("keyid").arg(&not_a_key)),
        "neither a public key",
    );
}

#[test]
fn pubkey_writes_to_standard_output() {
    let s = Scratch::new();
    let (key, public) = s.keygen("k");
    let o = ok(builder()
        .arg("pubkey")
        .arg("--key")
        .arg(&key)
        .args(["--out", "-"]));
    assert_eq!(stdout(&o), std::fs::read_to_string(&public).unwrap());
    #[cfg(unix)]
    {
        let o = ok(builder()
            .arg("pubkey")
            .arg("--key")
            .arg(&key)
            .args(["--out", "/dev/stdout"]));
        assert_eq!(stdout(&o), std::fs::read_to_string(&public).unwrap());
    }
}

#[test]
fn a_closed_standard_output_is_no_panic() {
    let s = Scratch::new();
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Dx\"]", "");
    let (key, _) = s.keygen("k");
    let mut child = builder()
        .arg("build")
        .arg(&spec)
        .arg("--key")
        .arg(&key)
        .arg("--out")
        .arg(s.path("o.bundle"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the first line (`| head -0`).
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    let e = stderr(&o);
    assert!(!e.contains("panicked"), "{e}");
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(s.path("o.bundle").exists());
}

/// Runs `cmd` in a pseudo-terminal (`script`), typing each line of
/// `input` after a pause, so echo would show it.
#[cfg(unix)]
fn at_terminal(cmd: &str, input: &[&str]) -> Option<Output> {
    use std::io::Write;
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return None;
    }
    let mut child = std::process::Command::new("script")
        .args(["-qec", cmd, "/dev/null"])
        .env_remove("BUNDLE_KEY_PASSPHRASE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    for line in input {
        std::thread::sleep(std::time::Duration::from_millis(1500));
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(500));
    drop(stdin);
    Some(child.wait_with_output().unwrap())
}

#[cfg(unix)]
fn sh_quote(p: &Path) -> String {
    format!("'{}'", p.display().to_string().replace('\'', "'\\''"))
}

#[test]
#[cfg(unix)]
fn at_a_terminal_passphrases_are_asked_for_without_echo() {
    let s = Scratch::new();
    let bin = PathBuf::from(builder().get_program());
    let prefix = s.path("k");
    let Some(o) = at_terminal(
        &format!("{} keygen --out {}", sh_quote(&bin), sh_quote(&prefix)),
        &["typed secret", "typed secret"],
    ) else {
        return;
    };
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("Passphrase for the new key"), "{out}");
    assert!(out.contains("The same passphrase again"), "{out}");
    assert!(
        !out.contains("typed secret"),
        "the passphrase is not echoed:\n{out}"
    );
    let pem = std::fs::read_to_string(s.path("k.key")).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    // Building with it asks once, and the bundle is signed.
    let spec = small_spec(s.dir.path(), "1.0.0", "[\"Dx\"]", "");
    let bundle = s.path("o.bundle");
    let o = at_terminal(
        &format!(
            "{} build {} --key {} --out {}",
            sh_quote(&bin),
            sh_quote(&spec),
            sh_quote(&s.path("k.key")),
            sh_quote(&bundle)
        ),
        &["typed secret"],
    )
    .unwrap();
    let out = stdout(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("Passphrase for"), "{out}");
    assert!(!out.contains("typed secret"), "{out}");
    assert!(bundle.exists());
    // In a pipeline nothing is asked: refused at once.
    let o = run(builder()
        .arg("build")
        .arg(&spec)
        .arg("--key")
        .arg(s.path("k.key"))
        .arg("--out")
        .arg(s.path("p.bundle"))
        .env_remove("BUNDLE_KEY_PASSPHRASE")
        .stdin(Stdio::piped()));
    usage(o, "the secret key is encrypted");
    // Two different passphrases: nothing written.
    let Some(o) = at_terminal(
        &format!(
            "{} keygen --out {}",
            sh_quote(&bin),
            sh_quote(&s.path("k2"))
        ),
        &["one", "two"],
    ) else {
        return;
    };
    assert_eq!(o.status.code(), Some(2));
    assert!(!s.path("k2.key").exists());
}
