#!/usr/bin/env bash
# Scale: a release of many small files in many directories (default 60,000
# files in 20,000 directories, the size the hardening work holds to). Times
# build, apply, check-installed and rollback and prints each one's peak RSS;
# every command must stay within 64 MiB.
#
#   bash bench/scale.sh [FILES] [DIRS]
#
# Not part of CI (a few minutes). Needs /usr/bin/time (Debian: time).
set -euo pipefail
files=${1:-60000}
dirs=${2:-20000}
top=$(cd "$(dirname "$0")/.." && pwd)
command -v /usr/bin/time >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
}
(cd "$top" && cargo build --release -q -p bundle-builder -p bundle-verifier)
bb=$top/target/release/bundle-builder
bv=$top/target/release/bundle-verifier
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-scale.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== generating $files files in $dirs directories" >&2
python3 - "$work" "$files" "$dirs" <<'PY'
import os, sys
work, files, dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for i in range(files):
    d = f"app/d{i % dirs // 100:03}/s{i % dirs:05}"
    for base, text in (("payload", f"new {i}\n"), ("root", f"old {i}\n")):
        if base == "root" and i % 2:
            continue  # half the files are new, half replace an old one
        os.makedirs(os.path.join(work, base, d), exist_ok=True)
        with open(os.path.join(work, base, d, f"f{i}.txt"), "w") as f:
            f.write(text)
PY
cat >"$work/release.toml" <<TOML
[release]
id = "SCALE"
version = "1.0.0"
sequence = 1
title = "Scale test"

[[target]]
model = "Scale 1"
udi_di = ["00000000000001"]
modes = ["Dx"]
files = "payload"
TOML
cat >"$work/id.toml" <<TOML
model = "Scale 1"
udi_di = "00000000000001"
serial = "S1"
mode = "Dx"
installed_version = "1.0.0"
TOML
"$bb" keygen --unencrypted --out "$work/k" >/dev/null

measure() { # NAME COMMAND...
    local name=$1; shift
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >/dev/null 2>"$work/err" || {
        echo "$name failed:" >&2; cat "$work/err" >&2; exit 1; }
    read -r secs kib <"$work/time"
    printf '%-16s %8.2f s %8.1f MiB\n' "$name" "$secs" "$(echo "$kib / 1024" | bc -l)"
}
echo "command            seconds   peak RSS"
measure build "$bb" build "$work/release.toml" --key "$work/k.key" --out "$work/s.bundle"
measure apply "$bv" apply "$work/s.bundle" --trusted-key "$work/k.pub" --instrument "$work/id.toml" \
    --root "$work/root" --state "$work/state"
measure check-installed "$bv" check-installed --root "$work/root" --state "$work/state"
measure rollback "$bv" rollback --root "$work/root" --state "$work/state"
