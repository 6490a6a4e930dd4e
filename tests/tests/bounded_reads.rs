//! Files read whole (keys, identities, registries, receipts, trust roots,
//! specs) are read only when they are regular files within their limit in
//! `bundle_verifier::Limits`: an endless device, a FIFO, a directory or a
//! huge file is refused at once, with a message naming the file and the
//! limit, instead of being read until memory runs out (docs/SECURITY.md,
//! "A huge or endless input file").

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use bundle_keys::device::DeviceKey;
use bundle_verifier::instrument::receipt::{
    Receipt, ReceiptIdentity, ReleaseRef, RECEIPT_TYPE, RESULT_INSTALLED,
};
use bundle_verifier::Limits;
use e2e_tests::{builder, verifier, Scratch};

/// Runs `cmd`, which must end within `secs` seconds (it is killed and the
/// test fails otherwise): a refused file is never read, or waited for.
fn run_within(mut cmd: Command, secs: u64) -> Output {
    let mut child = cmd
        .env_remove("LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(secs) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{cmd:?} still ran after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn says(o: &Output, parts: &[&str]) {
    let err = stderr(o);
    for p in parts {
        assert!(err.contains(p), "{err:?} does not say {p:?}");
    }
}

/// Makes a FIFO at `path`; false where file systems have none (Windows),
/// and the caller skips that part.
fn mkfifo(path: &Path) -> bool {
    if cfg!(not(unix)) {
        return false;
    }
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs")
        .success();
    assert!(ok, "mkfifo {}", path.display());
    true
}

/// A file of `len` bytes, made sparse so that even 64 MiB costs no time.
fn file_of(path: &Path, len: u64) {
    std::fs::File::create(path).unwrap().set_len(len).unwrap();
}

fn limit_text(limit: u64) -> String {
    format!("{limit} bytes")
}

/// A registry of one instrument whose key file is `key_file`.
fn registry(s: &Scratch, key_file: &str) -> PathBuf {
    let p = s.path("fleet.toml");
    std::fs::write(
        &p,
        format!(
            "[[device]]\nserial = \"NB551234\"\nmodel = \"NextSeq 550Dx\"\ncompany = \"Lab\"\nmodes = [\"Dx\"]\npublic_key_file = {key_file:?}\n"
        ),
    )
    .unwrap();
    p
}

fn report_cmd(registry: &Path, receipts: &Path) -> Command {
    let mut c = verifier();
    c.arg("report")
        .arg("--receipts")
        .arg(receipts)
        .arg("--registry")
        .arg(registry)
        .args(["--release", "FSN2022-1230"]);
    c
}

#[test]
fn a_registry_whose_key_file_is_dev_zero_is_refused_at_once() {
    let zero = Path::new("/dev/zero");
    if !zero.exists() {
        return; // no such device here
    }
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("receipts")).unwrap();
    let reg = registry(&s, "/dev/zero");
    let out = run_within(report_cmd(&reg, &s.path("receipts")), 20);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    says(
        &out,
        &[
            "/dev/zero",
            "not a regular file",
            &limit_text(Limits::default().max_key_file_bytes),
        ],
    );
}

#[test]
fn a_registry_over_its_limit_or_a_fifo_is_refused() {
    let s = Scratch::new();
    std::fs::create_dir_all(s.path("receipts")).unwrap();
    let reg = s.path("huge.toml");
    let limit = Limits::default().max_registry_bytes;
    file_of(&reg, limit + 1);
    let out = run_within(report_cmd(&reg, &s.path("receipts")), 20);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    says(&out, &["device registry", "huge.toml", &limit_text(limit)]);

    let fifo = s.path("fifo.toml");
    if mkfifo(&fifo) {
        let out = run_within(report_cmd(&fifo, &s.path("receipts")), 20);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        says(&out, &["fifo.toml", "not a regular file"]);
    }
}

fn receipt(key: &DeviceKey) -> Vec<u8> {
    let r = Receipt {
        actions: Vec::new(),
        action: "apply".into(),
        backup: vec![],
        bundle: None,
        confirmations: vec![],
        detail: None,
        files: vec![],
        identity: ReceiptIdentity {
            installed_version: "3.1.0".into(),
            mode: "Dx".into(),
            model: "NextSeq 550Dx".into(),
            serial: "NB551234".into(),
            udi_di: None,
        },
        installed_after: Some(ReleaseRef {
            id: "FSN2022-1230".into(),
            sequence: 1,
            version: "1.0.0".into(),
        }),
        installed_before: None,
        result: RESULT_INSTALLED.into(),
        root: "/opt/instrument".into(),
        time: "2022-05-05T10:00:00Z".into(),
        tool: "bundle-verifier 0.1.0".into(),
        transaction: "000001-20220505T100000Z".into(),
        type_: RECEIPT_TYPE.into(),
    };
    r.sign(key)
}

#[test]
fn a_receipt_over_its_limit_is_reported_unreadable_and_the_rest_still_count() {
    let s = Scratch::new();
    let key = DeviceKey::generate();
    std::fs::write(s.path("device.pub"), key.public_key().to_pem()).unwrap();
    let reg = registry(&s, "device.pub");
    let dir = s.path("receipts/NB551234");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("000001-Dx.json"), receipt(&key)).unwrap();
    let limit = Limits::default().max_receipt_bytes;
    file_of(&dir.join("000002-Dx.json"), limit + 1);

    let mut cmd = report_cmd(&reg, &s.path("receipts"));
    cmd.arg("--json");
    let out = run_within(cmd, 60);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["receipts_read"], 2, "{r:#}");
    let unreadable = r["unreadable_receipts"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1, "{r:#}");
    assert_eq!(unreadable[0]["file"], "NB551234/000002-Dx.json");
    let error = unreadable[0]["error"].as_str().unwrap();
    assert!(
        error.contains("receipt") && error.contains(&limit_text(limit)),
        "{error}"
    );
    // The receipt within the limit still proves the install.
    assert_eq!(r["summary"]["patched"], 1, "{r:#}");
}

#[test]
fn a_receipt_file_over_its_limit_is_refused_by_the_library() {
    let s = Scratch::new();
    let key = DeviceKey::generate();
    let p = s.path("big.json");
    let limit = Limits::default().max_receipt_bytes;
    file_of(&p, limit + 1);
    let e = bundle_verifier::instrument::receipt::verify_receipt_file(&p, key.public_key())
        .unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("big.json") && msg.contains(&limit_text(limit)),
        "{msg}"
    );
    // One of exactly the limit is read (and then found not to be a receipt).
    file_of(&p, limit);
    let e = bundle_verifier::instrument::receipt::verify_receipt_file(&p, key.public_key())
        .unwrap_err();
    assert!(e.to_string().contains("canonical"), "{e}");
}

/// `apply` with a trusted key; the bundle is never reached.
fn apply_with_identity(s: &Scratch, identity: &Path) -> Output {
    let key = DeviceKey::generate();
    std::fs::write(s.path("release.pub"), key.public_key().to_pem()).unwrap();
    let mut c = verifier();
    c.arg("apply")
        .arg(s.path("no.bundle"))
        .arg("--trusted-key")
        .arg(s.path("release.pub"))
        .arg("--instrument")
        .arg(identity)
        .arg("--root")
        .arg(s.path("root"))
        .arg("--state")
        .arg(s.path("state"));
    run_within(c, 20)
}

#[test]
fn an_identity_that_is_a_fifo_a_directory_or_too_large_is_refused() {
    let s = Scratch::new();
    let limit = limit_text(Limits::default().max_identity_bytes);

    let fifo = s.path("id-fifo.toml");
    if mkfifo(&fifo) {
        let out = apply_with_identity(&s, &fifo);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        says(
            &out,
            &[
                "instrument identity",
                "id-fifo.toml",
                "not a regular file",
                &limit,
            ],
        );
    }

    let dir = s.path("id-dir.toml");
    std::fs::create_dir(&dir).unwrap();
    let out = apply_with_identity(&s, &dir);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    says(&out, &["id-dir.toml", "not a regular file"]);

    let big = s.path("id-big.toml");
    file_of(&big, Limits::default().max_identity_bytes + 1);
    let out = apply_with_identity(&s, &big);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    says(&out, &["instrument identity", "id-big.toml", &limit]);
}

/// A PEM public key padded with comment lines to `len` bytes.
fn padded_key(path: &Path, len: usize) {
    let mut pem = DeviceKey::generate().public_key().to_pem();
    while pem.len() < len {
        pem.push_str("# padding\n");
    }
    pem.truncate(len);
    std::fs::write(path, pem).unwrap();
}

#[test]
fn a_key_file_over_its_limit_or_not_a_file_is_refused() {
    let s = Scratch::new();
    let limit = Limits::default().max_key_file_bytes;
    let key = s.path("big.pub");
    padded_key(&key, limit as usize + 1);
    let out = run_within(
        {
            let mut c = verifier();
            c.arg("verify")
                .arg(s.path("no.bundle"))
                .arg("--trusted-key")
                .arg(&key);
            c
        },
        20,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    says(&out, &["big.pub", &limit_text(limit)]);

    let fifo = s.path("fifo.pem");
    if !mkfifo(&fifo) {
        return;
    }
    // The spec is read before the key; a valid one gets as far as the key.
    std::fs::write(
        s.path("release.toml"),
        "[release]\nid = \"R\"\nversion = \"1.0.0\"\nsequence = 1\ntitle = \"T\"\n\
         [[target]]\nmodel = \"M\"\nmodes = [\"Dx\"]\nfiles = \"p\"\n",
    )
    .unwrap();
    let out = run_within(
        {
            let mut c = builder();
            c.args(["build", "release.toml", "--key"])
                .arg(&fifo)
                .arg("--out")
                .arg(s.path("x.bundle"));
            c.current_dir(s.path(""));
            c
        },
        20,
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    says(
        &out,
        &["fifo.pem", "not a regular file", &limit_text(limit)],
    );
}

#[test]
fn a_trust_root_over_its_limit_is_refused() {
    let s = Scratch::new();
    let limit = Limits::default().max_trust_root_bytes;
    let root = s.path("root.json");
    file_of(&root, limit + 1);
    let mut c = verifier();
    c.arg("verify")
        .arg(s.path("no.bundle"))
        .arg("--trust-root")
        .arg(&root);
    let out = run_within(c, 20);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    says(&out, &["trust root", "root.json", &limit_text(limit)]);
}

#[test]
fn a_spec_over_its_limit_or_a_fifo_is_refused_by_the_builder() {
    let s = Scratch::new();
    let (key, _) = s.keygen("release");
    let limit = Limits::default().max_spec_bytes;
    let big = s.path("big.toml");
    file_of(&big, limit + 1);
    let fifo = s.path("fifo.toml");
    let mut cases = vec![(&big, limit_text(limit))];
    if mkfifo(&fifo) {
        cases.push((&fifo, "not a regular file".to_owned()));
    }
    for (spec, want) in cases {
        let mut c = builder();
        c.arg("build")
            .arg(spec)
            .arg("--key")
            .arg(&key)
            .arg("--out")
            .arg(s.path("x.bundle"));
        let out = run_within(c, 20);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        says(&out, &[spec.file_name().unwrap().to_str().unwrap(), &want]);
    }
}
