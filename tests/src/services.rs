//! A real service manager for the install-action tests, without systemd:
//! Debian's `supervisor`. [`Sup`] runs its own `supervisord` with a unix
//! socket in a temporary folder, managing one long-running test service
//! `lrm` whose program is a file of the instrument root (it records which
//! tree it was started from); [`Sup::config`] is an instrument config
//! whose `[services]` point at `supervisorctl -c CONF`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The service program: says which tree it runs from, then stays up.
pub const SERVICE: &str =
    "#!/bin/sh\ncat \"$(dirname \"$0\")/../VERSION\" > \"$1/running-version\"\nexec sleep 100000\n";

/// The instrument before any release.
pub fn old_root(root: &Path) {
    for (p, c) in [
        ("lrm/VERSION", "old\n"),
        ("lrm/bin/lrm-service", SERVICE),
        ("lrm/config/remote-access.json", "{\"remote\":true}\n"),
        ("data/run-0001.txt", "customer data\n"),
    ] {
        let p = root.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, c).unwrap();
    }
}

/// The new tree's files, and the helper programs the actions run.
pub fn new_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("lrm/VERSION", "new\n"),
        ("lrm/bin/lrm-service", SERVICE),
        ("lrm/config/remote-access.json", "{\"remote\":false}\n"),
        (
            "lrm/tools/block-remote-ui",
            "#!/bin/sh\necho \"blocking remote access on port $2 from $(pwd) with PATH=$PATH\"\nexit 3\n",
        ),
        (
            "lrm/tools/health-check",
            "#!/bin/sh\ntest \"$(cat lrm/VERSION)\" = new && echo healthy\n",
        ),
        (
            "lrm/tools/health-fails",
            "#!/bin/sh\necho 'web UI still reachable from outside' >&2\nexit 2\n",
        ),
        ("lrm/tools/pre", "#!/bin/sh\necho \"vendor tool at $0 refused\"\nexit 1\n"),
        ("lrm/tools/pre-ok", "#!/bin/sh\necho \"prepared by $0\"\n"),
        ("lrm/tools/hang", "#!/bin/sh\necho $$ > \"$1\"\nexec sleep 60\n"),
    ]
}

/// The contract's actions, with `check` and an optional extra step.
pub fn actions(check: &str, extra: &str) -> String {
    format!(
        "{extra}\n[[target.action]]\nphase = \"before\"\nstop_service = \"lrm\"\n\
         [[target.action]]\nphase = \"after\"\nrun = \"lrm/tools/block-remote-ui\"\nargs = [\"--port\", \"8080\"]\n\
         timeout_s = 60\nok_exit_codes = [0]\nreboot_exit_codes = [3]\n\
         [[target.action]]\nphase = \"after\"\nstart_service = \"lrm\"\n\
         [[target.action]]\nphase = \"check\"\nrun = \"lrm/tools/{check}\"\ntimeout_s = 30\n"
    )
}

/// A release spec with `actions` (TOML of `[[target.action]]`s).
pub fn spec(dir: &Path, name: &str, seq: u64, actions: &str) -> PathBuf {
    let base = dir.join(name);
    for (p, c) in new_files() {
        let p = base.join("payload").join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, c).unwrap();
    }
    let text = format!(
        "[release]\nid = \"REL-{seq}\"\nversion = \"1.{seq}.0\"\nsequence = {seq}\ntitle = \"Test\"\n\
         [[target]]\nmodel = \"NextSeq 550Dx\"\nudi_di = [\"00816270020125\"]\nmodes = [\"Dx\"]\n\
         files = \"payload\"\nexecutable = [\"lrm/tools/*\", \"lrm/bin/*\"]\n{actions}"
    );
    let path = base.join("release.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// One `supervisord` of this test, shut down when dropped.
pub struct Sup {
    pub dir: PathBuf,
    pub conf: PathBuf,
    /// The instrument config file with the `[services]` commands.
    pub config: PathBuf,
}

impl Sup {
    pub fn start(dir: &Path, root: &Path) -> Sup {
        std::fs::create_dir_all(dir).unwrap();
        let d = dir.display();
        let conf = dir.join("supervisord.conf");
        std::fs::write(
            &conf,
            format!(
                "[unix_http_server]\nfile={d}/s.sock\n\
                 [supervisord]\nlogfile={d}/supervisord.log\npidfile={d}/supervisord.pid\n\
                 nodaemon=false\ndirectory={d}\n\
                 [rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\
                 [supervisorctl]\nserverurl=unix://{d}/s.sock\n\
                 [program:lrm]\ncommand=/bin/sh {}/lrm/bin/lrm-service {d}\nautostart=true\nautorestart=false\n\
                 startsecs=1\nstopwaitsecs=5\nstopasgroup=true\nkillasgroup=true\n",
                root.display()
            ),
        )
        .unwrap();
        let c = conf.display();
        let config = dir.join("instrument-config.toml");
        std::fs::write(
            &config,
            format!(
                "[services]\nstop = [\"supervisorctl\", \"-c\", \"{c}\", \"stop\", \"{{name}}\"]\n\
                 start = [\"supervisorctl\", \"-c\", \"{c}\", \"start\", \"{{name}}\"]\n\
                 is_active = [\"supervisorctl\", \"-c\", \"{c}\", \"status\", \"{{name}}\"]\n"
            ),
        )
        .unwrap();
        let ok = Command::new("supervisord")
            .arg("-c")
            .arg(&conf)
            .status()
            .expect("supervisord (Debian package `supervisor`) is installed");
        assert!(ok.success());
        let sup = Sup {
            dir: dir.to_owned(),
            conf,
            config,
        };
        let t0 = Instant::now();
        while !sup.running() {
            assert!(t0.elapsed() < Duration::from_secs(20), "lrm never ran");
            std::thread::sleep(Duration::from_millis(100));
        }
        sup
    }

    pub fn ctl(&self, args: &[&str]) -> std::process::Output {
        Command::new("supervisorctl")
            .arg("-c")
            .arg(&self.conf)
            .args(args)
            .output()
            .unwrap()
    }

    /// Whether the service runs (`supervisorctl status` exits 0 only then).
    pub fn running(&self) -> bool {
        self.ctl(&["status", "lrm"]).status.success()
    }

    /// Which tree the running service was started from.
    pub fn version(&self) -> String {
        std::fs::read_to_string(self.dir.join("running-version"))
            .unwrap()
            .trim()
            .to_owned()
    }
}

impl Drop for Sup {
    fn drop(&mut self) {
        let _ = self.ctl(&["shutdown"]);
    }
}
