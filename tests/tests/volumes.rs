//! Split bundles (FORMAT.md 1.3): a release cut into volume files verifies
//! and installs like the single file; a missing, truncated, swapped,
//! foreign or altered volume is refused (exit 3) naming it, the root
//! unchanged; `scan` lists a split release once; and the volumes apply
//! read-only from a real FAT32 file system.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use e2e_tests::*;

/// Text that compresses to about half: enough for several 8 KiB volumes.
fn noise(seed: u64, len: usize) -> String {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(b"0123456789abcdef"[(x & 15) as usize])
        })
        .collect()
}

struct Release {
    s: Scratch,
    key: PathBuf,
    public: PathBuf,
    spec: PathBuf,
}

fn release(sequence: u64) -> Release {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let (a, b) = (noise(sequence, 30_000), noise(sequence + 7, 20_000));
    let spec = write_release(
        s.dir.path(),
        "rel",
        sequence,
        &[
            ("data/a.txt", &a),
            ("data/b.txt", &b),
            ("bin/tool", "#!/bin/sh\n"),
        ],
        false,
    );
    Release {
        s,
        key,
        public,
        spec,
    }
}

impl Release {
    /// Builds into `<name>.bundle`, split when `size` is given.
    fn build(&self, name: &str, size: Option<&str>) -> PathBuf {
        self.build_with(&self.spec, &self.key, name, size)
    }

    fn build_with(&self, spec: &Path, key: &Path, name: &str, size: Option<&str>) -> PathBuf {
        let out = self.s.path(&format!("{name}.bundle"));
        let mut c = builder();
        c.arg("build")
            .arg(spec)
            .arg("--key")
            .arg(key)
            .arg("--out")
            .arg(&out);
        if let Some(size) = size {
            c.args(["--volume-size", size]);
        }
        let o = c.output().unwrap();
        assert!(o.status.success(), "{}", text(&o.stderr));
        out
    }

    fn verify(&self, bundle: &Path) -> Output {
        verifier()
            .arg("verify")
            .arg(bundle)
            .arg("--trusted-key")
            .arg(&self.public)
            .arg("--deep")
            .output()
            .unwrap()
    }

    fn apply(&self, bundle: &Path, root: &Path, state: &Path) -> Output {
        apply_cmd(bundle, &self.public, &nextseq_dx(), root, state)
            .output()
            .unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The volume files of `first`, in order.
fn volumes(first: &Path) -> Vec<PathBuf> {
    let mut v = vec![first.to_owned()];
    for n in 2.. {
        let mut p = first.as_os_str().to_owned();
        p.push(format!(".{n:03}"));
        let p = PathBuf::from(p);
        if !p.exists() {
            break;
        }
        v.push(p);
    }
    v
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn a_split_release_verifies_and_applies_like_the_single_file() {
    let r = release(3);
    let single = r.build("single", None);
    // A volume size the bundle fits in changes nothing: the same bytes.
    let roomy = r.build("roomy", Some("1G"));
    assert!(std::fs::read(&single).unwrap() == std::fs::read(&roomy).unwrap());
    assert_eq!(volumes(&roomy).len(), 1);

    let split = r.build("split", Some("8K"));
    let files = volumes(&split);
    assert!(files.len() >= 3, "{files:?}");
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() <= 8192, "{f:?}");
    }
    let v = r.verify(&split);
    assert!(v.status.success(), "{}", text(&v.stderr));

    // The signed manifests differ only in the list of volumes.
    let inspect = |b: &Path| {
        json(
            &verifier()
                .arg("inspect")
                .arg(b)
                .arg("--json")
                .output()
                .unwrap(),
        )
    };
    let mut m_split = inspect(&split)["manifest"].clone();
    let m_single = inspect(&single)["manifest"].clone();
    let listed = m_split.as_object_mut().unwrap().remove("volumes").unwrap();
    assert_eq!(listed.as_array().unwrap().len(), files.len() - 1);
    assert_eq!(m_split, m_single);

    let record = |b: &Path| {
        json(
            &verifier()
                .arg("verify")
                .arg(b)
                .arg("--trusted-key")
                .arg(&r.public)
                .arg("--json")
                .output()
                .unwrap(),
        )
    };
    let split_digest = record(&split)["manifest_sha256"].clone();

    let (root1, root2) = (r.s.instrument_root("root1"), r.s.instrument_root("root2"));
    let (state1, state2) = (r.s.path("state1"), r.s.path("state2"));
    let a = r.apply(&single, &root1, &state1);
    assert!(a.status.success(), "{}", text(&a.stderr));
    let a = r.apply(&split, &root2, &state2);
    assert!(a.status.success(), "{}", text(&a.stderr));
    assert_eq!(snapshot(&root1), snapshot(&root2));
    // What the instrument records as installed is the split bundle's manifest.
    let installed: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state2.join("installed/Dx.json")).unwrap()).unwrap();
    assert_eq!(installed["manifest_sha256"], split_digest);
}

/// Builds the split release and a fresh root; runs `damage` on the volume
/// files, then applies: exit 3, the message names `names`, root unchanged.
fn refused(damage: impl FnOnce(&Release, &[PathBuf]), names: &[&str]) -> String {
    let r = release(4);
    let split = r.build("fsn", Some("8K"));
    let files = volumes(&split);
    assert!(files.len() >= 4, "{files:?}");
    damage(&r, &files);
    let root = r.s.instrument_root("root");
    let before = snapshot(&root);
    let o = r.apply(&split, &root, &r.s.path("state"));
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    for n in names {
        assert!(err.contains(n), "{err:?} does not name {n:?}");
    }
    assert_eq!(snapshot(&root), before, "the root changed");
    let v = r.verify(&split);
    assert_eq!(v.status.code(), Some(3), "{}", text(&v.stderr));
    err
}

#[test]
fn a_missing_volume_is_refused_saying_which_file_to_copy_where() {
    let err = refused(
        |_, f| std::fs::remove_file(&f[2]).unwrap(),
        &["fsn.bundle.003"],
    );
    assert!(err.contains("volume 3 of"), "{err}");
    assert!(err.contains("copy fsn.bundle.003"), "{err}");
    assert!(err.contains("beside fsn.bundle"), "{err}");
}

#[test]
fn a_truncated_volume_is_refused_naming_it() {
    let err = refused(
        |_, f| {
            let last = f.last().unwrap();
            let len = std::fs::metadata(last).unwrap().len();
            let file = std::fs::OpenOptions::new().write(true).open(last).unwrap();
            file.set_len(len - 100).unwrap();
        },
        &[],
    );
    assert!(err.contains("but the signed manifest says"), "{err}");
    assert!(err.contains(".bundle.00"), "{err}");
}

#[test]
fn swapped_volumes_are_refused_naming_both() {
    let err = refused(
        |_, f| {
            let tmp = f[1].with_extension("tmp");
            std::fs::rename(&f[1], &tmp).unwrap();
            std::fs::rename(&f[2], &f[1]).unwrap();
            std::fs::rename(&tmp, &f[2]).unwrap();
        },
        &["fsn.bundle.002"],
    );
    assert!(err.contains("volume 2 of"), "{err}");
    assert!(err.contains("holds volume 3"), "{err}");
}

#[test]
fn a_volume_from_another_release_is_refused_naming_it() {
    let err = refused(
        |r, f| {
            // The next release, same key, same volume size.
            let other_spec = write_release(
                r.s.dir.path(),
                "other",
                5,
                &[
                    ("data/a.txt", &noise(99, 30_000)),
                    ("data/b.txt", &noise(98, 20_000)),
                ],
                false,
            );
            let other = r.build_with(&other_spec, &r.key, "other", Some("8K"));
            std::fs::copy(volumes(&other)[1].clone(), &f[1]).unwrap();
        },
        &["fsn.bundle.002"],
    );
    assert!(err.contains("another release"), "{err}");
}

#[test]
fn an_altered_volume_is_refused_naming_it() {
    let err = refused(
        |_, f| {
            let mut bytes = std::fs::read(&f[2]).unwrap();
            bytes[1000] ^= 0x20;
            std::fs::write(&f[2], bytes).unwrap();
        },
        &["fsn.bundle.003"],
    );
    assert!(err.contains("not the one this release signed"), "{err}");
}

#[test]
fn a_volume_file_beside_a_single_file_bundle_is_ignored() {
    let r = release(6);
    let single = r.build("single", None);
    let mut stray = single.as_os_str().to_owned();
    stray.push(".002");
    std::fs::write(PathBuf::from(stray), "not a volume").unwrap();
    let v = r.verify(&single);
    assert!(v.status.success(), "{}", text(&v.stderr));
}

/// A volume reached through a link is read like the bundle file itself.
#[cfg(unix)]
#[test]
fn a_volume_reached_through_a_link_is_read_like_the_bundle_file() {
    let r = release(7);
    let split = r.build("fsn", Some("8K"));
    let files = volumes(&split);
    let elsewhere = r.s.path("elsewhere.bin");
    std::fs::rename(&files[1], &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &files[1]).unwrap();
    let v = r.verify(&split);
    assert!(v.status.success(), "{}", text(&v.stderr));
}

#[test]
fn scan_lists_a_split_release_once_with_its_volume_count() {
    let r = release(8);
    let usb = r.s.path("usb");
    std::fs::create_dir_all(&usb).unwrap();
    let split = r.build("fsn", Some("8K"));
    let files = volumes(&split);
    for f in &files {
        std::fs::copy(f, usb.join(f.file_name().unwrap())).unwrap();
    }
    let scan = |json: bool| {
        let mut c = verifier();
        c.arg("scan")
            .arg(&usb)
            .arg("--trusted-key")
            .arg(&r.public)
            .arg("--instrument")
            .arg(nextseq_dx())
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES");
        if json {
            c.arg("--json");
        }
        c.output().unwrap()
    };
    let out = scan(false);
    let t = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(t.matches("fsn.bundle").count(), 1, "{t}");
    assert!(
        t.contains(&format!(
            "APPLIES    REL-8 1.8.0 (sequence 8)  fsn.bundle ({} volumes)",
            files.len()
        )),
        "{t}"
    );
    let v = json(&scan(true));
    assert_eq!(v["bundles"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["bundles"][0]["volumes"], files.len());
    // A missing volume shows at the scan, before the technician starts.
    std::fs::remove_file(usb.join("fsn.bundle.002")).unwrap();
    let t = text(&scan(false).stdout);
    assert!(t.contains("REFUSED"), "{t}");
    assert!(t.contains("copy fsn.bundle.002"), "{t}");
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--help")
        .output()
        .is_ok_and(|o| o.status.code().is_some())
}

/// Puts the volumes on a FAT32 image written with mtools and applies from
/// it mounted read-only (Debian's `fusefat`); where no mount is possible,
/// from a read-only folder the files were read back into with mtools.
#[test]
fn the_volumes_apply_read_only_from_a_fat32_file_system() {
    for tool in ["mkfs.vfat", "mcopy"] {
        if !have(tool) {
            eprintln!("skipped: {tool} (dosfstools, mtools) is not installed here");
            return;
        }
    }
    let r = release(9);
    let split = r.build("fsn", Some("8K"));
    let files = volumes(&split);
    let img = r.s.path("stick.img");
    // 40 MiB: FAT32 needs at least 65525 clusters (of 512 bytes here).
    let st = Command::new("mkfs.vfat")
        .args(["-F", "32", "-S", "512", "-s", "1", "-n", "STICK", "-C"])
        .arg(&img)
        .arg("40960")
        .output()
        .unwrap();
    assert!(st.status.success(), "{}", text(&st.stderr));
    for f in &files {
        let st = Command::new("mcopy")
            .arg("-i")
            .arg(&img)
            .arg(f)
            .arg("::")
            .output()
            .unwrap();
        assert!(st.status.success(), "{}", text(&st.stderr));
    }
    let mnt = r.s.path("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let mounted = have("fusefat")
        && Path::new("/dev/fuse").exists()
        && Command::new("fusefat")
            .arg("-o")
            .arg("ro")
            .arg(&img)
            .arg(&mnt)
            .output()
            .is_ok_and(|o| o.status.success())
        && mnt.join("fsn.bundle").exists();
    let dir = if mounted {
        mnt.clone()
    } else {
        eprintln!(
            "FAT32 image not mounted (needs fusefat and /dev/fuse, or a kernel with vfat and root): \
             reading the volumes back with mcopy into a read-only folder instead"
        );
        let back = r.s.path("readback");
        std::fs::create_dir_all(&back).unwrap();
        for f in &files {
            let name = f.file_name().unwrap().to_str().unwrap();
            let st = Command::new("mcopy")
                .arg("-i")
                .arg(&img)
                .arg(format!("::{name}"))
                .arg(&back)
                .output()
                .unwrap();
            assert!(st.status.success(), "{}", text(&st.stderr));
        }
        for f in std::fs::read_dir(&back).unwrap() {
            let p = f.unwrap().path();
            let mut perm = std::fs::metadata(&p).unwrap().permissions();
            perm.set_readonly(true);
            std::fs::set_permissions(&p, perm).unwrap();
        }
        back
    };
    let root = r.s.instrument_root("root");
    let a = r.apply(&dir.join("fsn.bundle"), &root, &r.s.path("state"));
    let unmount = || {
        if mounted {
            let _ = Command::new("fusermount").arg("-u").arg(&mnt).status();
        }
    };
    if !a.status.success() {
        unmount();
        panic!("{}", text(&a.stderr));
    }
    // The same tree as the volumes applied from where they were built.
    let root2 = r.s.instrument_root("root2");
    let b = r.apply(&split, &root2, &r.s.path("state2"));
    unmount();
    assert!(b.status.success(), "{}", text(&b.stderr));
    assert_eq!(snapshot(&root), snapshot(&root2));
}

#[test]
fn the_split_vector_rebuilds_byte_identical_and_verifies() {
    let v = repo().join("tests/vectors/v1-volumes");
    let key = repo().join("tests/vectors/v1-minimal/test-key");
    let s = Scratch::new();
    let out = s.path("vector.bundle");
    let o = builder()
        .arg("build")
        .arg(v.join("release.toml"))
        .arg("--key")
        .arg(key.with_extension("key"))
        .arg("--out")
        .arg(&out)
        .args(["--volume-size", "4K"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let built = volumes(&out);
    let committed = volumes(&v.join("vector.bundle"));
    assert_eq!(built.len(), 3);
    assert_eq!(built.len(), committed.len());
    for (b, c) in built.iter().zip(&committed) {
        assert!(
            std::fs::read(b).unwrap() == std::fs::read(c).unwrap(),
            "{c:?} rebuilds"
        );
    }
    let o = verifier()
        .arg("verify")
        .arg(v.join("vector.bundle"))
        .arg("--trusted-key")
        .arg(key.with_extension("pub"))
        .arg("--deep")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
    let manifest = std::fs::read(v.join("manifest.json")).unwrap();
    let first = std::fs::read(v.join("vector.bundle")).unwrap();
    let found = tar::Archive::new(first.as_slice())
        .entries()
        .unwrap()
        .map(|e| e.unwrap())
        .find(|e| e.path().unwrap().to_str() == Some("manifest.json"))
        .map(|mut e| {
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut data).unwrap();
            data
        });
    assert_eq!(found, Some(manifest));
}

/// A volume damaged near its start makes the decoder fail before the
/// reader reaches the volume's end (it runs at most a few MiB ahead); the
/// error still names the volume.
#[test]
fn a_volume_damaged_before_the_decoder_stops_is_still_named() {
    let s = Scratch::new();
    let (key, public) = s.keygen("release");
    let (a, b) = (noise(11, 20 << 20), noise(12, 20 << 20));
    let spec = write_release(
        s.dir.path(),
        "big",
        2,
        &[("data/a.txt", &a), ("data/b.txt", &b)],
        false,
    );
    let r = Release {
        s,
        key,
        public,
        spec,
    };
    let split = r.build("big", Some("8M"));
    let files = volumes(&split);
    // The second volume is longer than the reader runs ahead of the decoder.
    assert!(files.len() >= 3, "{files:?}");
    let mut bytes = std::fs::read(&files[1]).unwrap();
    for b in &mut bytes[100..4196] {
        *b = !*b;
    }
    std::fs::write(&files[1], bytes).unwrap();
    let v = r.verify(&split);
    let err = text(&v.stderr);
    assert_eq!(v.status.code(), Some(3), "{err}");
    assert!(err.contains("big.bundle.002"), "{err}");
    let root = r.s.instrument_root("root");
    let before = snapshot(&root);
    let o = r.apply(&split, &root, &r.s.path("state"));
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(err.contains("big.bundle.002"), "{err}");
    assert_eq!(snapshot(&root), before);
}
