#!/usr/bin/env bash
# The whole story on the example release: keygen, build, verify, inspect,
# a refusal, a dry run and an apply into a simulated instrument; then a
# patch with service steps and a health check (services-demo.sh).
# Everything is written to a fresh temporary directory (printed at the end).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"

cargo build --quiet --release --manifest-path "$top/Cargo.toml" --bins
bin="$top/target/release"
builder="$bin/bundle-builder"
verifier="$bin/bundle-verifier"

work="$(mktemp -d "${TMPDIR:-/tmp}/fsn2022-1230-demo.XXXXXX")"
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

step "1. Release pipeline: make a release key (a demo key, unencrypted; without --unencrypted keygen asks for a passphrase)" \
  "$builder" keygen --unencrypted --out "$work/release"
step "2. Release pipeline: build and sign the bundle" \
  "$builder" build "$here/release.toml" --key "$work/release.key" --out "$work/FSN2022-1230.bundle"

echo; echo "The technician copies FSN2022-1230.bundle to a USB stick; the instrument trusts release.pub."
step "3. Technician: look at the stick's bundle (unverified)" \
  "$verifier" inspect "$work/FSN2022-1230.bundle"
step "4. Technician: verify it against the instrument's trusted key" \
  "$verifier" verify "$work/FSN2022-1230.bundle" --trusted-key "$work/release.pub"

cp -R "$here/instrument-root" "$work/instrument-root"
state="$work/instrument-state"
printf '\n\033[1m== 5. A bundle for the wrong instrument is refused (exit 4), nothing changes\033[0m\n'
set +e
"$verifier" apply "$work/FSN2022-1230.bundle" --trusted-key "$work/release.pub" \
  --instrument "$here/instruments/nextseq-dx.toml" --root "$work/instrument-root" --state "$state" \
  --dry-run >/dev/null 2>&1
sed 's/NextSeq 550Dx/NovaSeq 6000Dx/' "$here/instruments/nextseq-dx.toml" > "$work/novaseq.toml"
"$verifier" apply "$work/FSN2022-1230.bundle" --trusted-key "$work/release.pub" \
  --instrument "$work/novaseq.toml" --root "$work/instrument-root" --state "$state"
echo "exit code: $?"
set -e

step "6. Technician: dry run on the NextSeq 550Dx in Dx mode" \
  "$verifier" apply "$work/FSN2022-1230.bundle" --trusted-key "$work/release.pub" \
  --instrument "$here/instruments/nextseq-dx.toml" --root "$work/instrument-root" --state "$state" --dry-run
step "7. Technician: back up the customer's data, then apply it and confirm that" \
  "$verifier" apply "$work/FSN2022-1230.bundle" --trusted-key "$work/release.pub" \
  --instrument "$here/instruments/nextseq-dx.toml" --root "$work/instrument-root" --state "$state" \
  --confirm backup --backup-to "$work/usb-stick"
step "7b. Technician: check the installed files against the signed manifest" \
  "$verifier" check-installed --root "$work/instrument-root" --state "$state"
step "7c. Technician: copy the signed receipts to the stick for the verification form" \
  "$verifier" receipts export --state "$state" --to "$work/usb-stick/receipts"

step "7d. Auditor: take the signed SBOM out of the bundle (CycloneDX, as the vendor made it)" \
  "$verifier" extract "$work/FSN2022-1230.bundle" --trusted-key "$work/release.pub" --sbom "$work/FSN2022-1230.sbom.cdx.json"

printf '\n\033[1m== 8. The instrument root now\033[0m\n'
(cd "$work/instrument-root" && find . -type f | sort | xargs sha256sum)

printf '\n\033[1m== 9. A patch with signed steps: stop the web UI service, block remote access, start it, check it\033[0m\n'
BIN="$bin" bash "$here/services-demo.sh" "$work"
echo
echo "Everything is in $work"
