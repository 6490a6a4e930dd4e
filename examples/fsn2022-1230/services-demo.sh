#!/usr/bin/env bash
# Install actions on the example: a patch that stops the run manager's web
# UI service, replaces its files, blocks remote access, starts it again and
# checks it; then a patch whose check fails, undone with the old service
# running again. Services are run by the example's own tiny manager
# (services/svc), named in the instrument config's [services].
# Usage: services-demo.sh [WORK_DIR]; BIN names the folder of the binaries
# (default: a release build of this checkout).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"
if [ -z "${BIN:-}" ]; then
  cargo build --quiet --release --manifest-path "$top/Cargo.toml" --bins
  BIN="$top/target/release"
fi
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/fsn2022-1230-services.XXXXXX")}"
mkdir -p "$work"
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

root="$work/svc-instrument-root"
state="$work/svc-instrument-state"
run="$work/svc-run"
rm -rf "$root" "$state" "$run"
cp -R "$here/instrument-root" "$root"
cp "$here/services/old-lrm-service" "$root/lrm/bin/lrm-service"
svc=(sh "$here/services/svc" "$root" "$run")
q() { printf '"%s", ' "$@"; }
cat > "$work/instrument-config.toml" <<TOML
# The instrument config: where things are, and how services are run here.
root = "$root"
state = "$state"
instrument = "$here/instruments/nextseq-dx.toml"
trusted_keys = ["$work/svc-release.pub"]
[services]
stop = [$(q "${svc[@]}")"stop", "{name}"]
start = [$(q "${svc[@]}")"start", "{name}"]
is_active = [$(q "${svc[@]}")"status", "{name}"]
TOML
"$BIN/bundle-builder" keygen --unencrypted --out "$work/svc-release" >/dev/null
step "S1. Release pipeline: build the patch with its signed steps" \
  "$BIN/bundle-builder" build "$here/services/release.toml" --key "$work/svc-release.key" --out "$work/FSN2022-1230-SVC.bundle"
step "S2. The instrument: the web UI service runs, listening on every address" \
  "${svc[@]}" start LocalRunManager
sleep 0.5; echo "listening on: $(cat "$root/lrm/run/listening")"
step "S3. Technician: the dry run lists the steps in plain words" \
  "$BIN/bundle-verifier" --config "$work/instrument-config.toml" apply "$work/FSN2022-1230-SVC.bundle" --dry-run
step "S4. Technician: apply (stop, switch, block remote access, start, check)" \
  "$BIN/bundle-verifier" --config "$work/instrument-config.toml" apply "$work/FSN2022-1230-SVC.bundle"
echo "listening on: $(cat "$root/lrm/run/listening")"

# A release whose health check fails: the install is undone, exit 5.
bad="$work/svc-bad"
rm -rf "$bad"; cp -R "$here/services" "$bad"
sed -i 's/sequence = 2/sequence = 3/; s/version = "1.1.0"/version = "1.2.0"/' "$bad/release.toml"
printf '#!/bin/sh\necho "web UI still reachable from outside" >&2\nexit 1\n' > "$bad/payload/lrm/tools/health-check"
"$BIN/bundle-builder" build "$bad/release.toml" --key "$work/svc-release.key" --out "$work/bad.bundle" >/dev/null
printf '\n\033[1m== S5. A patch whose health check fails is undone (exit 5), the service runs again\033[0m\n'
set +e
"$BIN/bundle-verifier" --config "$work/instrument-config.toml" apply "$work/bad.bundle"
echo "exit code: $?"
set -e
"${svc[@]}" status LocalRunManager && echo "LocalRunManager runs"
step "S6. Technician: the installed tree is still the good patch" \
  "$BIN/bundle-verifier" --config "$work/instrument-config.toml" check-installed
"${svc[@]}" stop LocalRunManager >/dev/null
echo
echo "Everything is in $work"
