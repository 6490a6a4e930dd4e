//! Unit tests of the payload pipeline: conforming streams at any buffer
//! size, staged files and modes, and each kind of malformed stream refused.

use super::*;
use crate::format::envelope::{canonical_header, padding, BLOCK};
use crate::format::manifest::FileEntry;
use crate::format::safepath::SafePath;
use std::path::Path;

/// Tiny buffers: every header, blob and padding straddles several chunks.
const TINY: Tuning = Tuning {
    in_chunk: 5,
    in_buffers: 2,
    out_chunk: 7,
    out_buffers: 2,
};

fn blob(data: &[u8]) -> Blob {
    Blob {
        sha256: Sha256Digest::of(data),
        size: data.len() as u64,
    }
}

/// The uncompressed inner archive for `files`, as a conforming builder writes it.
fn archive(files: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in files {
        out.extend_from_slice(&canonical_header(
            &blob_member_name(&Sha256Digest::of(f)),
            f.len() as u64,
        ));
        out.extend_from_slice(f);
        out.resize(out.len() + padding(f.len() as u64), 0);
    }
    out.resize(out.len() + 2 * BLOCK, 0);
    out
}

fn files() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [0usize, 1, 511, 512, 513, 70_000]
        .iter()
        .map(|&n| (0..n).map(|i| (i * 31 % 251) as u8).collect())
        .collect();
    v.push(b"#!/bin/sh\necho hi\n".to_vec());
    v
}

fn run(compressed: &[u8], blobs: &[Blob], sink: Option<&Sink>, t: Tuning) -> Result<(), Error> {
    let (tx, rx) = mpsc::sync_channel(2);
    let chunks: Vec<Vec<u8>> = compressed.chunks(t.in_chunk).map(<[u8]>::to_vec).collect();
    let feeder = std::thread::spawn(move || {
        for c in chunks {
            if tx.send(c).is_err() {
                break;
            }
        }
    });
    let r = unpack_chunks(
        rx,
        None,
        BlobList::Known(blobs),
        sink,
        &Limits::default(),
        t,
    );
    feeder.join().unwrap();
    r
}

fn check(raw: &[u8], blobs: &[Blob]) -> Vec<Result<(), String>> {
    let z = zstd::encode_all(raw, 3).unwrap();
    [TINY, Tuning::default()]
        .iter()
        .map(|t| run(&z, blobs, None, *t).map_err(|e| e.to_string()))
        .collect()
}

#[test]
fn a_conforming_stream_passes_whatever_the_buffer_sizes() {
    let files = files();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let blobs: Vec<Blob> = files.iter().map(|f| blob(f)).collect();
    for r in check(&archive(&refs), &blobs) {
        assert_eq!(r, Ok(()));
    }
}

#[test]
fn concatenated_zstd_frames_decode_as_one_stream() {
    let files = files();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let blobs: Vec<Blob> = files.iter().map(|f| blob(f)).collect();
    let raw = archive(&refs);
    let (a, b) = raw.split_at(1000);
    let mut z = zstd::encode_all(a, 3).unwrap();
    z.extend(zstd::encode_all(b, 19).unwrap());
    for t in [TINY, Tuning::default()] {
        run(&z, &blobs, None, t).unwrap();
    }
}

#[test]
fn staged_files_get_the_blob_bytes_at_every_destination_with_their_mode() {
    let files = files();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let blobs: Vec<Blob> = files.iter().map(|f| blob(f)).collect();
    let z = zstd::encode_all(&archive(&refs)[..], 3).unwrap();
    for t in [TINY, Tuning::default()] {
        let dir = tempfile::tempdir().unwrap();
        let dests: Vec<FileEntry> = files
            .iter()
            .enumerate()
            .flat_map(|(i, f)| {
                ["sub", "copy"].map(|d| FileEntry {
                    executable: f.starts_with(b"#!"),
                    path: SafePath::parse(&format!("{d}/{i}"), &Limits::default()).unwrap(),
                    sha256: Sha256Digest::of(f),
                    size: f.len() as u64,
                })
            })
            .collect();
        let sink = Sink::new(
            crate::platform::Tree::open_ambient(dir.path()).unwrap(),
            Path::new(""),
            &dests,
        );
        run(&z, &blobs, Some(&sink), t).unwrap();
        for (i, f) in files.iter().enumerate() {
            for sub in ["sub", "copy"] {
                let p = dir.path().join(format!("{sub}/{i}"));
                assert_eq!(&std::fs::read(&p).unwrap(), f, "{}", p.display());
                // Where the file system has exec bits, they are the blob's
                // (the exact modes are `platform`'s tests).
                let meta = std::fs::metadata(&p).unwrap();
                if let Some(exec) = crate::platform::exec_bit(&meta) {
                    assert_eq!(exec, f.starts_with(b"#!"), "{}", p.display());
                }
            }
        }
    }
}

fn all_refused(results: Vec<Result<(), String>>, needle: &str) {
    for r in results {
        let e = r.expect_err("refused");
        assert!(e.contains(needle), "{e:?} should mention {needle:?}");
    }
}

#[test]
fn a_blob_whose_bytes_do_not_match_its_digest_is_refused() {
    let good = b"hello world".to_vec();
    let mut raw = archive(&[&good]);
    raw[BLOCK + 3] ^= 1;
    all_refused(check(&raw, &[blob(&good)]), "has SHA-256");
}

#[test]
fn a_header_that_is_not_canonical_is_refused() {
    let good = b"hello world".to_vec();
    let mut raw = archive(&[&good]);
    raw[100] ^= 1; // mode field
    all_refused(check(&raw, &[blob(&good)]), "canonical header");
}

#[test]
fn non_zero_padding_is_refused() {
    let good = b"hello world".to_vec();
    let mut raw = archive(&[&good]);
    raw[BLOCK + good.len() + 2] = 1;
    all_refused(check(&raw, &[blob(&good)]), "non-zero padding");
}

#[test]
fn bytes_after_the_end_blocks_are_refused() {
    let good = b"hello world".to_vec();
    let mut raw = archive(&[&good]);
    raw.push(0);
    all_refused(
        check(&raw, &[blob(&good)]),
        "more bytes than the manifest signs",
    );
}

#[test]
fn an_extra_member_is_refused() {
    let (a, b) = (b"one".to_vec(), b"two".to_vec());
    let raw = archive(&[&a, &b]);
    all_refused(
        check(&raw, &[blob(&a)]),
        "holds more than the manifest lists",
    );
}

#[test]
fn a_stream_that_ends_early_is_refused_with_where_it_ended() {
    let good = vec![7u8; 3000];
    let raw = archive(&[&good]);
    all_refused(
        check(&raw[..raw.len() - 1], &[blob(&good)]),
        "end-of-archive",
    );
    all_refused(
        check(&raw[..BLOCK + 10], &[blob(&good)]),
        "ends inside blobs/",
    );
    all_refused(check(&raw[..100], &[blob(&good)]), "the header of");
}

#[test]
fn a_truncated_zstd_frame_is_refused() {
    let good = vec![7u8; 3000];
    let z = zstd::encode_all(&archive(&[&good])[..], 3).unwrap();
    for t in [TINY, Tuning::default()] {
        let e = run(&z[..z.len() - 2], &[blob(&good)], None, t).unwrap_err();
        assert!(matches!(e, Error::PayloadMalformed(_)), "{e}");
    }
}

#[test]
fn garbage_instead_of_zstd_is_refused() {
    let good = b"x".to_vec();
    let e = run(b"not zstd at all", &[blob(&good)], None, TINY).unwrap_err();
    assert!(e.to_string().contains("zstd"), "{e}");
}

#[test]
fn an_arriving_blob_list_checks_like_a_known_one() {
    let files = files();
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let blobs: Vec<Blob> = files.iter().map(|f| blob(f)).collect();
    let z = zstd::encode_all(&archive(&refs)[..], 3).unwrap();
    let arriving = |list: &[Blob]| {
        let (tx, rx) = mpsc::channel();
        for b in list {
            tx.send(b.clone()).unwrap();
        }
        BlobList::Arriving(rx)
    };
    let feed = |z: &[u8]| {
        let (tx, rx) = mpsc::sync_channel(z.len());
        for c in z.chunks(TINY.in_chunk) {
            tx.send(c.to_vec()).unwrap();
        }
        rx
    };
    let lim = Limits::default();
    unpack_chunks(feed(&z), None, arriving(&blobs), None, &lim, TINY).unwrap();
    let short = unpack_chunks(feed(&z), None, arriving(&blobs[..2]), None, &lim, TINY);
    let e = short.unwrap_err().to_string();
    assert!(e.contains("holds more than the manifest lists"), "{e}");
}
