//! Signed install actions with real processes and a real service manager.
//! On Unix each test runs its own `supervisord` (see `e2e_tests::services`).

#[cfg(unix)]
mod supervised {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::{Duration, Instant};

    use e2e_tests::services::*;
    use e2e_tests::*;
    use serde_json::Value;

    /// One instrument with its own service manager.
    struct Case {
        s: Scratch,
        public: PathBuf,
        key: PathBuf,
        root: PathBuf,
        state: PathBuf,
        sup: Sup,
    }

    impl Case {
        fn new() -> Case {
            let s = Scratch::new();
            let (key, public) = s.keygen("k");
            let root = s.path("root");
            old_root(&root);
            let sup = Sup::start(&s.path("sup"), &root);
            assert_eq!(sup.version(), "old");
            Case {
                state: s.path("state"),
                s,
                public,
                key,
                root,
                sup,
            }
        }

        fn bundle(&self, name: &str, seq: u64, actions: &str) -> PathBuf {
            let spec = spec(self.s.dir.path(), name, seq, actions);
            self.s.build(&spec, &self.key, name)
        }

        fn apply(&self, bundle: &Path) -> Command {
            let mut c = apply_cmd(bundle, &self.public, &nextseq_dx(), &self.root, &self.state);
            c.arg("--config").arg(&self.sup.config);
            c
        }

        fn last_receipt(&self) -> Value {
            let r = receipts(&self.state);
            let v: Value =
                serde_json::from_slice(&std::fs::read(r.last().unwrap()).unwrap()).unwrap();
            v["receipt"].clone()
        }
    }

    fn kinds(receipt: &Value) -> Vec<(String, String, String)> {
        receipt["actions"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| {
                        (
                            x["kind"].as_str().unwrap().to_owned(),
                            x["target"].as_str().unwrap().to_owned(),
                            x["result"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn t(k: &str, target: &str, result: &str) -> (String, String, String) {
        (k.into(), target.into(), result.into())
    }

    #[test]
    fn the_contract_runs_in_order_and_the_receipt_records_every_action() {
        let c = Case::new();
        let bundle = c.bundle("ok", 1, &actions("health-check", ""));
        // Dry run and inspect list the actions in plain words.
        let dry = c.apply(&bundle).arg("--dry-run").output().unwrap();
        assert!(dry.status.success(), "{dry:?}");
        let text = String::from_utf8_lossy(&dry.stdout);
        for line in [
            "stop service lrm",
            "run lrm/tools/block-remote-ui --port 8080",
            "start service lrm",
            "check lrm/tools/health-check",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
        let inspect = verifier().arg("inspect").arg(&bundle).output().unwrap();
        assert!(String::from_utf8_lossy(&inspect.stdout).contains("stop service lrm"));
        let de = c
            .apply(&bundle)
            .args(["--dry-run", "--lang", "de"])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&de.stdout).contains("Dienst lrm anhalten"));
        let json = verifier()
            .args(["verify", "--json", "--trusted-key"])
            .arg(&c.public)
            .arg(&bundle)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&json.stdout).unwrap();
        // The record with actions is valid under the published schema.
        let python = std::env::var_os("PYTHON").unwrap_or_else(|| "python3".into());
        let mut check = Command::new(&python)
            .arg(repo().join("scripts/validate-record.py"))
            .arg(repo().join("docs/verify-record.schema.json"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut check.stdin.take().unwrap(), &json.stdout).unwrap();
        let checked = check.wait_with_output().unwrap();
        assert!(checked.status.success(), "{checked:?}");
        let acts = &v["targets"][0]["actions"];
        assert_eq!(acts[0]["stop_service"], "lrm", "{v}");
        assert_eq!(acts[1]["reboot_exit_codes"][0], 3);
        assert!(c.sup.running());

        let out = c.apply(&bundle).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("restart"), "reboot required is said: {text}");
        assert!(c.sup.running());
        assert_eq!(
            c.sup.version(),
            "new",
            "the service was started on the new tree"
        );
        let r = c.last_receipt();
        assert_eq!(r["result"], "installed");
        assert_eq!(
            kinds(&r),
            [
                t("stop_service", "lrm", "ok"),
                t("run", "lrm/tools/block-remote-ui", "reboot-required"),
                t("start_service", "lrm", "ok"),
                t("run", "lrm/tools/health-check", "ok"),
            ]
        );
        let block = &r["actions"][1];
        assert_eq!(block["exit_code"], 3);
        assert_eq!(block["phase"], "after");
        let tail = block["output_tail"].as_str().unwrap();
        // A clean environment, the instrument root as the working directory.
        let root = std::fs::canonicalize(&c.root).unwrap();
        assert!(
            tail.contains(&format!("port 8080 from {}", root.display())),
            "{tail}"
        );
        assert!(
            tail.contains("PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"),
            "{tail}"
        );
        assert_eq!(block["output_sha256"].as_str().unwrap().len(), 64);
        assert!(block["start"].is_string() && block["end"].is_string());
    }

    #[test]
    fn a_failed_before_step_changes_nothing_and_the_service_runs_again() {
        let c = Case::new();
        let before = snapshot(&c.root);
        let extra =
            "[[target.action]]\nphase = \"before\"\nrun = \"lrm/tools/pre-ok\"\ntimeout_s = 10\n";
        let pre = "[[target.action]]\nphase = \"before\"\nstop_service = \"lrm\"\n\
               [[target.action]]\nphase = \"before\"\nrun = \"lrm/tools/pre\"\ntimeout_s = 10\n";
        let bundle = c.bundle("pre", 1, &format!("{extra}{pre}"));
        let out = c.apply(&bundle).output().unwrap();
        assert_eq!(out.status.code(), Some(5), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("lrm/tools/pre") && err.contains("refused"),
            "{err}"
        );
        assert!(snapshot(&c.root) == before, "the root is unchanged");
        assert!(c.sup.running(), "the stopped service runs again");
        let r = c.last_receipt();
        assert_eq!(r["result"], "failed-restored");
        let detail = r["detail"].as_str().unwrap();
        assert!(
            detail.contains("before") && detail.contains("lrm/tools/pre"),
            "{detail}"
        );
        // A `before` run executes the staged, verified copy.
        let ran = &r["actions"][0];
        assert_eq!(ran["result"], "ok");
        assert!(
            ran["output_tail"].as_str().unwrap().contains("/staging/"),
            "{ran}"
        );
        assert_eq!(kinds(&r)[2], t("run", "lrm/tools/pre", "failed"));
        assert_eq!(r["actions"][2]["exit_code"], 1);
        // Nothing is installed; the same bundle without the failing step installs.
        let fixed = c.bundle("fixed", 1, &actions("health-check", ""));
        c.apply(&fixed).assert().success();
    }

    #[test]
    fn a_failed_check_restores_the_old_tree_and_restarts_the_old_service() {
        let c = Case::new();
        let before = snapshot(&c.root);
        let bundle = c.bundle("bad", 1, &actions("health-fails", ""));
        let out = c.apply(&bundle).output().unwrap();
        assert_eq!(out.status.code(), Some(5), "{out:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("health-fails") && err.contains("web UI still reachable"),
            "{err}"
        );
        assert!(snapshot(&c.root) == before, "the old tree is back");
        assert!(c.sup.running());
        assert_eq!(
            c.sup.version(),
            "old",
            "restarted after the old files were back"
        );
        let r = c.last_receipt();
        assert_eq!(r["result"], "failed-restored");
        assert!(r["detail"].as_str().unwrap().contains("check"));
        let last = r["actions"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(
            (
                last["kind"].as_str(),
                last["target"].as_str(),
                last["exit_code"].as_i64()
            ),
            (Some("run"), Some("lrm/tools/health-fails"), Some(2))
        );
        assert!(last["output_tail"]
            .as_str()
            .unwrap()
            .contains("web UI still reachable"));
        verifier()
            .args(["check-installed", "--root"])
            .arg(&c.root)
            .arg("--state")
            .arg(&c.state)
            .assert()
            .code(2);
    }

    #[test]
    fn a_step_that_runs_too_long_is_killed_and_the_install_undone() {
        let c = Case::new();
        let before = snapshot(&c.root);
        let pid_file = c.s.path("hang.pid");
        let extra = format!(
        "[[target.action]]\nphase = \"after\"\nrun = \"lrm/tools/hang\"\nargs = [{:?}]\ntimeout_s = 1\n",
        pid_file.display().to_string()
    );
        let bundle = c.bundle("hang", 1, &actions("health-check", &extra));
        let t0 = Instant::now();
        let out = c.apply(&bundle).output().unwrap();
        assert_eq!(out.status.code(), Some(5), "{out:?}");
        assert!(t0.elapsed() < Duration::from_secs(30), "{:?}", t0.elapsed());
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()));
        assert!(
            stat.is_err() || stat.unwrap().contains(") Z"),
            "the step's process is gone"
        );
        assert!(snapshot(&c.root) == before);
        assert!(c.sup.running());
        assert_eq!(c.sup.version(), "old");
        let r = c.last_receipt();
        let hang = r["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["target"] == "lrm/tools/hang")
            .unwrap()
            .clone();
        assert_eq!(hang["result"], "timed-out");
        assert!(hang["exit_code"].is_null());
    }

    #[test]
    fn a_run_outside_the_targets_files_is_refused_by_builder_and_verifier() {
        let s = Scratch::new();
        let (key, public) = s.keygen("k");
        for (run, why) in [
            ("../../etc/passwd", "give a path of the target's own files"),
            ("/bin/sh", "give a path of the target's own files"),
            ("lrm/tools/missing", "is not a file of this target"),
            ("lrm/VERSION", "is not marked executable"),
        ] {
            let a = format!("[[target.action]]\nphase = \"after\"\nrun = {run:?}\n");
            let spec = spec(s.dir.path(), "r", 1, &a);
            let out = builder()
                .arg("build")
                .arg(&spec)
                .arg("--key")
                .arg(&key)
                .arg("--out")
                .arg(s.path("r.bundle"))
                .output()
                .unwrap();
            assert!(!out.status.success());
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(err.contains(why), "{run}: {err}");
        }
        for (a, why) in [
            (
                "[[target.action]]\nphase = \"check\"\nstop_service = \"lrm\"\n",
                "a `check` may only `run`",
            ),
            (
                "[[target.action]]\nphase = \"before\"\nstop_service = \"lrm; reboot\"\n",
                "service name",
            ),
            (
                "[[target.action]]\nphase = \"after\"\nrun = \"lrm/tools/pre\"\ntimeout_s = 7200\n",
                "timeout_s",
            ),
        ] {
            let spec = spec(s.dir.path(), "r", 1, a);
            let out = builder()
                .arg("build")
                .arg(&spec)
                .arg("--key")
                .arg(&key)
                .arg("--out")
                .arg(s.path("r.bundle"))
                .output()
                .unwrap();
            assert!(!out.status.success());
            assert!(
                String::from_utf8_lossy(&out.stderr).contains(why),
                "{out:?}"
            );
        }
        // A crafted, signed manifest whose action runs a file the target lacks.
        let keyfile = bundle_keys::signing::FileKey::read_pem_file(&key).unwrap();
        for (run, phase) in [
            ("lrm/../../bin/sh", "after"),
            ("lrm/bin/other", "after"),
            ("lrm/PATCH-FSN2022-1230.txt", "before"),
        ] {
            let parts = e2e_tests::craft::Parts::base().edit(|m| {
                for t in m["targets"].as_array_mut().unwrap() {
                    t["actions"] = serde_json::json!([{
                        "ok_exit_codes": [0], "phase": phase, "run": run, "timeout_s": 5
                    }]);
                }
            });
            let bundle = s.path("crafted.bundle");
            std::fs::write(&bundle, parts.signed_by(&keyfile)).unwrap();
            verifier()
                .arg("verify")
                .arg(&bundle)
                .arg("--trusted-key")
                .arg(&public)
                .assert()
                .code(3);
            let root = s.path("croot");
            old_root(&root);
            let before = snapshot(&root);
            apply_cmd(&bundle, &public, &nextseq_dx(), &root, &s.path("cstate"))
                .assert()
                .code(3);
            assert!(snapshot(&root) == before);
        }
    }

    #[test]
    fn a_verifier_killed_during_a_step_is_recovered_with_the_service_running() {
        let c = Case::new();
        let before = snapshot(&c.root);
        let pid_file = c.s.path("hang.pid");
        let extra = format!(
            "[[target.action]]\nphase = \"before\"\nstop_service = \"lrm\"\n\
             [[target.action]]\nphase = \"before\"\nrun = \"lrm/tools/hang\"\nargs = [{:?}]\ntimeout_s = 600\n",
            pid_file.display().to_string()
        );
        let bundle = c.bundle("killed", 1, &actions("health-check", &extra));
        let mut child = c
            .apply(&bundle)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        while !pid_file.exists() {
            assert!(t0.elapsed() < Duration::from_secs(30), "the step never ran");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(!c.sup.running(), "stopped by the first step");
        child.kill().unwrap();
        child.wait().unwrap();
        // The orphaned step is not the verifier's any more; end it here.
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let _ = Command::new("kill").args(["-9", pid.trim()]).status();
        verifier()
            .args(["check-installed", "--root"])
            .arg(&c.root)
            .arg("--state")
            .arg(&c.state)
            .assert()
            .code(2);
        assert!(snapshot(&c.root) == before);
        assert!(
            c.sup.running(),
            "recovery started the stopped service again"
        );
        assert_eq!(c.sup.version(), "old");
        let r = c.last_receipt();
        assert_eq!(r["result"], "interrupted-restored");
        assert_eq!(kinds(&r), [t("stop_service", "lrm", "ok")]);
    }
}

/// The Windows Service Control Manager path (no `[services]` configured):
/// a real service installed with `sc create`, stopped by a `before` step
/// and started by an `after` step; a failing `check` undoes the install and
/// starts the service again.
#[cfg(windows)]
mod scm {
    use std::path::Path;
    use std::process::Command;
    use std::time::{Duration, Instant};

    use e2e_tests::*;

    /// `sc NAME ...`, its output.
    fn sc(args: &[&str]) -> std::process::Output {
        Command::new("sc").args(args).output().unwrap()
    }

    fn state(file: &Path) -> String {
        std::fs::read_to_string(file).unwrap_or_default()
    }

    fn wait_for(file: &Path, want: &str) {
        let t0 = Instant::now();
        while state(file) != want {
            assert!(
                t0.elapsed() < Duration::from_secs(30),
                "the test service is not {want}: {:?}",
                state(file)
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The service, deleted when dropped.
    struct Installed(String);

    impl Drop for Installed {
        fn drop(&mut self) {
            let _ = sc(&["stop", &self.0]);
            let _ = sc(&["delete", &self.0]);
        }
    }

    #[test]
    fn services_are_stopped_and_started_through_the_service_control_manager() {
        let s = Scratch::new();
        let (key, public) = s.keygen("k");
        let name = format!("bvtest{}", std::process::id());
        let status = s.path("service-state.txt");
        let exe = env!("CARGO_BIN_EXE_test-service");
        // The service runs from the root: it holds a file every release replaces.
        let root = s.path("root");
        std::fs::create_dir_all(root.join("lrm")).unwrap();
        std::fs::write(root.join("lrm/VERSION.txt"), "old\r\n").unwrap();
        let held = root.join("lrm").join("VERSION.txt");
        let bin_path = format!(
            "\"{exe}\" {name} \"{}\" \"{}\"",
            status.display(),
            held.display()
        );
        let out = sc(&["create", &name, "binPath=", &bin_path]);
        assert!(out.status.success(), "sc create: {out:?}");
        let _installed = Installed(name.clone());
        let out = sc(&["start", &name]);
        assert!(out.status.success(), "sc start: {out:?}");
        wait_for(&status, "running");

        let release = |n: &str, seq: u64, stops: bool, check: &str| {
            let base = s.path(n);
            let files = [
                ("lrm/VERSION.txt", "new\r\n"),
                ("lrm/tools/check.cmd", check),
            ];
            for (p, c) in files {
                let p = base.join("payload").join(p);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, c).unwrap();
            }
            let spec = base.join("release.toml");
            std::fs::write(
                &spec,
                format!(
                    "[release]\nid = \"REL-{seq}\"\nversion = \"1.{seq}.0\"\nsequence = {seq}\ntitle = \"T\"\n\
                     [[target]]\nmodel = \"NextSeq 550Dx\"\nudi_di = [\"00816270020125\"]\nmodes = [\"Dx\"]\n\
                     files = \"payload\"\nexecutable = [\"lrm/tools/*\"]\n{}\
                     [[target.action]]\nphase = \"check\"\nrun = \"lrm/tools/check.cmd\"\ntimeout_s = 30\n",
                    if stops {
                        format!(
                            "[[target.action]]\nphase = \"before\"\nstop_service = \"{name}\"\n\
                             [[target.action]]\nphase = \"after\"\nstart_service = \"{name}\"\n"
                        )
                    } else {
                        String::new()
                    }
                ),
            )
            .unwrap();
            s.build(&spec, &key, n)
        };
        let state_dir = s.path("state");
        // Messages are matched in English.
        let apply = |bundle: &Path| {
            apply_cmd(bundle, &public, &nextseq_dx(), &root, &state_dir)
                .env("LC_ALL", "C")
                .output()
                .unwrap()
        };

        // Without a step that stops the service, its file cannot be
        // replaced: refused before anything changes, naming the file.
        let nostop = release("nostop", 1, false, "@echo healthy\r\n");
        let out = apply(&nostop);
        assert_eq!(out.status.code(), Some(5), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("VERSION.txt"),
            "{out:?}"
        );
        assert_eq!(std::fs::read_to_string(&held).unwrap(), "old\r\n");
        assert_eq!(state(&status), "running");

        // A failing check: undone, the service runs again. The file it
        // held is free once the release's own step stopped it.
        let bad = release(
            "bad",
            1,
            true,
            "@echo web UI still reachable\r\n@exit /b 1\r\n",
        );
        let out = apply(&bad);
        assert_eq!(out.status.code(), Some(5), "{out:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("web UI still reachable"),
            "the check failed, not the plan: {out:?}"
        );
        assert_eq!(
            std::fs::read_to_string(root.join("lrm/VERSION.txt")).unwrap(),
            "old\r\n"
        );
        wait_for(&status, "running");

        let good = release("good", 2, true, "@echo healthy\r\n");
        let out = apply(&good);
        assert!(out.status.success(), "{out:?}");
        wait_for(&status, "running");
        let r = receipts(&state_dir);
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(r.last().unwrap()).unwrap()).unwrap();
        let kinds: Vec<(&str, &str)> = v["receipt"]["actions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["kind"].as_str().unwrap(), a["result"].as_str().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("stop_service", "ok"),
                ("start_service", "ok"),
                ("run", "ok")
            ]
        );
        // Replaced while the service was stopped; it runs from it again.
        assert_eq!(std::fs::read_to_string(&held).unwrap(), "new\r\n");
    }
}
