#!/usr/bin/env bash
# Split volumes against the single file: verify, verify --deep and apply of
# the same release built once as one bundle and once with --volume-size, in
# alternating runs, with medians, the ratio split / single and peak RSS.
#
#   bench/volumes.sh [SIZE_MIB] [RUNS] [VOLUME_SIZE]   default: 1024 MiB, 5 runs, 256M
#
# Environment: BENCH_DIR (scratch directory, default /tmp/offline-patch-bench;
# the payload tree is shared with bench/run), CARGO_TARGET_DIR (where the
# release binaries are built, default target/). Not part of CI.
set -euo pipefail

SIZE_MIB=${1:-1024}
RUNS=${2:-5}
VOLUME_SIZE=${3:-256M}
BENCH_DIR=${BENCH_DIR:-/tmp/offline-patch-bench}
REPO=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
W=$BENCH_DIR/$SIZE_MIB
mkdir -p "$W"
command -v /usr/bin/time >/dev/null || {
    echo "needs /usr/bin/time (Debian: apt-get install time)" >&2
    exit 2
}

echo "== building (release)" >&2
(cd "$REPO" && cargo build --release -q -p bundle-builder -p bundle-verifier)
BB=$TARGET/release/bundle-builder
BV=$TARGET/release/bundle-verifier

if [ ! -e "$W/tree.done" ]; then
    echo "== generating a ${SIZE_MIB} MiB payload in $W/tree" >&2
    rm -rf "$W/tree"
    python3 "$REPO/bench/gen-payload.py" "$W/tree" "$SIZE_MIB" >&2
    touch "$W/tree.done"
fi
cd "$W"
cat >vspec.toml <<'EOF'
[release]
id = "BENCH-VOL"
version = "1.0.0"
sequence = 1
title = "Benchmark payload, split"

[[target]]
model = "Bench 1000"
udi_di = ["00000000000001"]
catalog = ["BENCH"]
modes = ["Dx"]
files = "tree"
EOF
cat >id.toml <<'EOF'
model = "Bench 1000"
udi_di = "00000000000001"
serial = "B1"
mode = "Dx"
installed_version = "1.0.0"
EOF
[ -e k.key ] || "$BB" keygen --unencrypted --out k >/dev/null 2>&1
mkdir -p single split
"$BB" build vspec.toml --key k.key --out single/r.bundle >/dev/null
rm -f split/r.bundle*
"$BB" build vspec.toml --key k.key --out split/r.bundle --volume-size "$VOLUME_SIZE" >/dev/null
VOLUMES=$(find split -name 'r.bundle*' | wc -l)
echo "== single: $(stat -c %s single/r.bundle) bytes; split: $VOLUMES volumes of at most $VOLUME_SIZE" >&2

RESULTS=$W/volumes.tsv
: >"$RESULTS"
run() {
    local group=$1 name=$2 prep=$3 cmd=$4
    bash -c "$prep" >/dev/null 2>&1 || true
    if /usr/bin/time -f '%e %M' -o time.out bash -c "$cmd" >/dev/null 2>cmd.err; then
        read -r secs kib <time.out
        printf '%s\t%s\t%s\t%s\n' "$group" "$name" "$secs" "$kib" >>"$RESULTS"
    else
        echo "FAILED: $name" >&2
        cat cmd.err >&2
    fi
}
clean='rm -rf root state; mkdir root'
for ((i = 0; i < RUNS; i++)); do
    for kind in single split; do
        run verify "$kind" "" "$BV verify $kind/r.bundle --trusted-key k.pub"
    done
    for kind in single split; do
        run verify-deep "$kind" "" "$BV verify --deep $kind/r.bundle --trusted-key k.pub"
    done
    for kind in single split; do
        run apply "$kind" "$clean" \
            "$BV apply $kind/r.bundle --trusted-key k.pub --instrument id.toml --root root --state state"
    done
done
rm -rf root state

python3 - "$RESULTS" "$VOLUMES" <<'EOF'
import statistics, sys
from collections import defaultdict
path, volumes = sys.argv[1], sys.argv[2]
runs = defaultdict(list)
for line in open(path):
    g, name, secs, kib = line.rstrip("\n").split("\t")
    runs[(g, name)].append((float(secs), int(kib)))
print(f"split into {volumes} volumes")
print(f"{'group':12} {'bundle':7} {'runs':>4} {'median s':>9} {'min s':>7} {'ratio':>6} {'peak RSS MiB':>12}")
for g in ["verify", "verify-deep", "apply"]:
    base = statistics.median(s for s, _ in runs[(g, "single")])
    for n in ["single", "split"]:
        r = runs[(g, n)]
        m = statistics.median(s for s, _ in r)
        print(f"{g:12} {n:7} {len(r):>4} {m:>9.2f} {min(s for s, _ in r):>7.2f} {m / base:>6.2f} "
              f"{max(k for _, k in r) / 1024:>12.1f}")
print("ratio: median / median of the single file in the same group and run")
EOF
