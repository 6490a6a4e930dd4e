#!/usr/bin/env bash
# What crash safety costs: the journaled `apply` (verify, stage, back up,
# fsync, rename, records, signed receipt) against `extract` (verify and write
# the same files, no journal) and against plain tools on the same payload
# (`tar -x` of the bundle's payload, nothing verified, nothing synced).
#
#   bash scripts/bench-apply.sh [FILES] [KIB_PER_FILE]     (default 1000 files of 64 KiB)
#
# Needs hyperfine and zstd. Prints hyperfine's table; the ratios are relative
# to the fastest command in the same run.
set -euo pipefail
files="${1:-1000}"
kib="${2:-64}"
top="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --quiet --release --manifest-path "$top/Cargo.toml" --bins
bin="$top/target/release"
work="$(mktemp -d "${TMPDIR:-/tmp}/bench-apply.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# A release that replaces $files files spread over 10 directories.
mkdir -p "$work/rel/payload" "$work/base"
for i in $(seq 1 "$files"); do
  d="lib/d$((i % 10))"
  mkdir -p "$work/rel/payload/$d" "$work/base/$d"
  head -c $((kib * 1024)) /dev/urandom > "$work/rel/payload/$d/f$i.bin"
  echo old > "$work/base/$d/f$i.bin"
done
cat > "$work/rel/release.toml" <<TOML
[release]
id = "BENCH"
version = "1.0.0"
sequence = 1
title = "benchmark"

[[target]]
model = "NextSeq 550Dx"
udi_di = ["00816270020125"]
modes = ["Dx"]
files = "payload"
TOML
cat > "$work/id.toml" <<TOML
model = "NextSeq 550Dx"
udi_di = "00816270020125"
serial = "BENCH1"
mode = "Dx"
installed_version = "3.1.0"
TOML
"$bin/bundle-builder" keygen --unencrypted --out "$work/k" >/dev/null
"$bin/bundle-builder" build "$work/rel/release.toml" --key "$work/k.key" --out "$work/b.bundle" >/dev/null
(cd "$work" && tar -xf b.bundle payload.tar.zst)
ls -l "$work/b.bundle"

reset="rm -rf $work/root $work/state $work/out $work/plain && cp -R $work/base $work/root && mkdir $work/plain"
hyperfine --warmup 1 --runs "${RUNS:-5}" --prepare "$reset" \
  -n "apply (journaled, backed up, fsynced, receipt)" \
  "$bin/bundle-verifier apply $work/b.bundle --trusted-key $work/k.pub --instrument $work/id.toml --root $work/root --state $work/state" \
  -n "extract (verified, no journal)" \
  "$bin/bundle-verifier extract $work/b.bundle --trusted-key $work/k.pub --model 'NextSeq 550Dx' --mode Dx --out $work/out" \
  -n "zstd -dc | tar -x (nothing verified)" \
  "zstd -dcq $work/payload.tar.zst | tar -x -C $work/plain"
