#!/usr/bin/env bash
# Scale: a release of many small files in many directories (default 60,000
# files in 20,000 directories, the size the hardening work holds to). Times
# build, apply, check-installed and rollback and prints each one's peak RSS;
# every command must stay within 64 MiB.
#
# Then the shared case: TARGETS models (default 5) sharing one payload layer
# of SHARED files (default 100,000), each with a small layer of its own, so
# the manifest lists the shared files once (format 2, file sets). Times
# build, verify --deep, apply, check-installed and rollback. SHARED=0 skips it.
#
#   bash bench/scale.sh [FILES] [DIRS] [SHARED] [TARGETS]
#
# Not part of CI (a few minutes). Needs /usr/bin/time (Debian: time).
set -euo pipefail
files=${1:-60000}
dirs=${2:-20000}
shared=${3:-100000}
targets=${4:-5}
top=$(cd "$(dirname "$0")/.." && pwd)
command -v /usr/bin/time >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
}
(cd "$top" && cargo build --release -q -p bundle-builder -p bundle-verifier)
bb=${CARGO_TARGET_DIR:-$top/target}/release/bundle-builder
bv=${CARGO_TARGET_DIR:-$top/target}/release/bundle-verifier
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

[ "$shared" -gt 0 ] || exit 0
echo "== generating $shared shared files for $targets targets" >&2
python3 - "$work/shared" "$shared" "$targets" <<'PY'
import os, sys
work, files, targets = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
for i in range(files):
    d = f"app/d{i // 5000:03}/s{i // 50:05}"
    write(os.path.join(work, "payload/common", d, f"f{i}.txt"), f"shared {i}\n")
    if i % 2 == 0:
        write(os.path.join(work, "root", d, f"f{i}.txt"), f"old {i}\n")
spec = ['[release]\nid = "SCALE-SHARED"\nversion = "1.0.0"\nsequence = 1\ntitle = "Shared scale test"\n']
for t in range(1, targets + 1):
    for k in range(10):
        write(os.path.join(work, f"payload/model{t}/model/m{k}.txt"), f"model {t} file {k}\n")
    # Each model overrides one shared file with its own.
    write(os.path.join(work, f"payload/model{t}/app/d000/s00000/f0.txt"), f"model {t}\n")
    spec.append(f'[[target]]\nmodel = "Scale {t}"\nudi_di = ["0000000000000{t % 10}"]\nmodes = ["Dx"]\n'
                f'files = ["payload/common", {{ dir = "payload/model{t}", override = true }}]\n')
write(os.path.join(work, "release.toml"), "\n".join(spec))
write(os.path.join(work, "id.toml"),
      'model = "Scale 1"\nudi_di = "00000000000001"\nserial = "S1"\nmode = "Dx"\ninstalled_version = "1.0.0"\n')
PY
w=$work/shared
echo "command            seconds   peak RSS   ($targets targets x $shared shared files)"
measure build "$bb" build "$w/release.toml" --key "$work/k.key" --out "$w/s.bundle"
measure verify-deep "$bv" verify "$w/s.bundle" --trusted-key "$work/k.pub" --deep
measure apply "$bv" apply "$w/s.bundle" --trusted-key "$work/k.pub" --instrument "$w/id.toml" \
    --root "$w/root" --state "$w/state"
measure check-installed "$bv" check-installed --root "$w/root" --state "$w/state"
measure rollback "$bv" rollback --root "$w/root" --state "$w/state"
printf 'manifest: %s bytes\n' "$(tar -xOf "$w/s.bundle" manifest.json | wc -c)"
