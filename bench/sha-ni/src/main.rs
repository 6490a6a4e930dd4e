//! Hashes 2 GiB from memory with the workspace's sha2 and prints the
//! throughput per CPU second, the figure `openssl speed` prints too.

use sha2::{Digest, Sha256};
use std::time::Instant;

fn main() {
    #[cfg(target_arch = "x86_64")]
    println!("CPU has SHA extensions: {}", std::arch::is_x86_feature_detected!("sha"));
    let buf = vec![7u8; 1 << 20];
    let t = Instant::now();
    let cpu = cpu_seconds();
    let mut h = Sha256::new();
    for _ in 0..2048 {
        h.update(&buf);
    }
    std::hint::black_box(h.finalize());
    let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let bytes = 2048.0 * 1048576.0;
    let mode = if cfg!(feature = "soft") { "portable (force-soft)" } else { "default" };
    println!(
        "sha2 {mode}: {:.0} MB/s per CPU second ({:.0} MB/s wall)",
        bytes / cpu / 1e6,
        bytes / wall / 1e6
    );
}

/// User CPU time of this process, from /proc (Linux) or wall time elsewhere.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit(')').next()?.split_whitespace().nth(11)?.parse::<f64>().ok()?;
            Some(after / 100.0)
        })
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs_f64()
        })
}
