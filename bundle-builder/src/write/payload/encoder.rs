//! Compression: the encoder that turns the payload tar into zstd chunks,
//! with fixed parameters so the bytes never depend on the machine.

use std::io::{self, Write};
use std::sync::mpsc;

use super::CHUNK;
use crate::BuildError;

/// Bytes of input per zstd job. 3 MiB keeps the output within 0.7 % of
/// `tar | zstd -3` and the builder's peak memory at 46 MiB for a 1 GiB
/// release with two workers, 61 MiB for a 4 GiB one of 25 000 files; zstd's
/// default at level 3 (8 MiB) needs 82 MiB at 1 GiB, for 0.8 % less output.
pub(super) const JOB_SIZE: u32 = 3 << 20;

/// zstd worker threads for a payload of `files` files: one per core, at
/// most 4, or 2 from [`MANY_FILES`] up. Multithreaded zstd writes the same
/// bytes for any number of workers from one up (not the same as
/// single-threaded mode), so the bundle does not depend on the machine that
/// built it; a unit test holds that. Jobs are compressed in contiguous
/// buffers, which at level 3 is about a fifth less work than
/// single-threaded streaming.
pub(super) fn zstd_workers(files: usize) -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = if files >= MANY_FILES { 2 } else { 4 };
    cores.clamp(1, most) as u32
}

/// Files from which the compressor takes at most two workers: each worker
/// holds about 3.5 MB (its job's input and output buffers and its
/// context), and the per-file lists of so many files already take much of
/// the 64 MiB budget (100,000 files: 55 MB at the compression with two
/// workers, 62 MB with four).
pub(super) const MANY_FILES: usize = 20_000;

/// A zstd stream encoder writing into recycled chunks that go to `out`.
/// Input is always given with "continue" and the frame ended with an empty
/// "end", as `zstd::stream::write::Encoder` does, so the bytes are the same
/// whatever the chunk sizes.
pub(super) struct ChunkEncoder {
    enc: zstd::stream::raw::Encoder<'static>,
    chunk: Vec<u8>,
    filled: usize,
    out: mpsc::SyncSender<Vec<u8>>,
    free: mpsc::Receiver<Vec<u8>>,
}

impl ChunkEncoder {
    pub(super) fn new(
        level: i32,
        workers: u32,
        out: mpsc::SyncSender<Vec<u8>>,
        free: mpsc::Receiver<Vec<u8>>,
    ) -> Result<Self, BuildError> {
        use zstd::stream::raw::CParameter;
        let zerr = |e| BuildError::io("zstd", "encoder")(e);
        let mut enc = zstd::stream::raw::Encoder::new(level).map_err(zerr)?;
        for p in [
            CParameter::NbWorkers(workers),
            CParameter::JobSize(JOB_SIZE),
        ] {
            enc.set_parameter(p).map_err(zerr)?;
        }
        Ok(ChunkEncoder {
            enc,
            chunk: vec![0u8; CHUNK],
            filled: 0,
            out,
            free,
        })
    }

    fn emit(&mut self) -> io::Result<()> {
        let hung_up = || io::Error::from(io::ErrorKind::BrokenPipe);
        let mut next = self.free.recv().map_err(|_| hung_up())?;
        next.resize(CHUNK, 0);
        let mut done = std::mem::replace(&mut self.chunk, next);
        done.truncate(self.filled);
        self.filled = 0;
        self.out.send(done).map_err(|_| hung_up())
    }

    pub(super) fn finish(&mut self) -> io::Result<()> {
        use zstd::stream::raw::{Operation, OutBuffer};
        loop {
            let mut dst = OutBuffer::around_pos(&mut self.chunk[..], self.filled);
            let left = self.enc.finish(&mut dst, false)?;
            self.filled = dst.pos();
            if left == 0 {
                break;
            }
            self.emit()?;
        }
        if self.filled > 0 {
            self.emit()?;
        }
        Ok(())
    }
}

impl Write for ChunkEncoder {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use zstd::stream::raw::{InBuffer, Operation, OutBuffer};
        let mut src = InBuffer::around(buf);
        while src.pos < buf.len() {
            let mut dst = OutBuffer::around_pos(&mut self.chunk[..], self.filled);
            self.enc.run(&mut src, &mut dst)?;
            self.filled = dst.pos();
            if self.filled == self.chunk.len() {
                self.emit()?;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::CHUNKS;
    use super::*;

    /// Runs `ChunkEncoder` over `input` written in pieces of `piece` bytes.
    fn chunked(input: &[u8], piece: usize, level: i32, workers: u32) -> Vec<u8> {
        let (out_tx, out_rx) = mpsc::sync_channel::<Vec<u8>>(CHUNKS);
        let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
        for _ in 0..CHUNKS {
            free_tx.send(Vec::new()).unwrap();
        }
        let collector = std::thread::spawn(move || {
            let mut all = Vec::new();
            for c in out_rx {
                all.extend_from_slice(&c);
                let _ = free_tx.send(c);
            }
            all
        });
        let mut enc = ChunkEncoder::new(level, workers, out_tx, free_rx).unwrap();
        for p in input.chunks(piece) {
            enc.write_all(p).unwrap();
        }
        enc.finish().unwrap();
        drop(enc);
        collector.join().unwrap()
    }

    /// zstd's own stream encoder with the builder's parameters.
    fn reference(input: &[u8], level: i32) -> Vec<u8> {
        let mut enc = zstd::stream::write::Encoder::new(Vec::new(), level).unwrap();
        enc.multithread(1).unwrap();
        enc.set_parameter(zstd::stream::raw::CParameter::JobSize(JOB_SIZE))
            .unwrap();
        enc.write_all(input).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn many_files_get_at_most_two_workers() {
        assert!((1..=2).contains(&zstd_workers(MANY_FILES)));
        assert!((1..=2).contains(&zstd_workers(1_000_000)));
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(zstd_workers(10), cores.clamp(1, 4) as u32);
    }

    #[test]
    fn payload_bytes_depend_on_neither_chunk_sizes_nor_worker_count() {
        // Several jobs and many output chunks; half compressible.
        let mut input = Vec::new();
        let mut x = 1u32;
        while input.len() < 13 << 20 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            if (input.len() >> 16) % 2 == 0 {
                input.extend_from_slice(&x.to_le_bytes());
            } else {
                input.extend_from_slice(format!("line {} of text\n", x % 97).as_bytes());
            }
        }
        for level in [1, 3] {
            let want = reference(&input, level);
            assert_eq!(zstd::decode_all(&want[..]).unwrap(), input);
            for (piece, workers) in [(512, 1), (100_003, 2), (1 << 20, 4), (1 << 20, 3)] {
                assert!(
                    chunked(&input, piece, level, workers) == want,
                    "level {level}, piece {piece}, {workers} workers"
                );
            }
        }
        // A payload smaller than one zstd block, as a tiny bundle has.
        assert_eq!(chunked(b"tiny", 1, 3, 2), reference(b"tiny", 3));
    }
}
