#!/usr/bin/env bash
# The key lifecycle on the example release: offline root keys make a trust
# root, two release managers co-sign a bundle, the vendor rotates its trust
# root (a root key replaced, a leaked release key revoked) and ships the new
# root inside the next bundle; the instrument follows and from then on
# refuses the revoked key. Everything goes to a fresh temporary directory.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"

cargo build --quiet --release --manifest-path "$top/Cargo.toml" --bins
builder="$top/target/release/bundle-builder"
verifier="$top/target/release/bundle-verifier"

work="$(mktemp -d "${TMPDIR:-/tmp}/fsn2022-1230-trust.XXXXXX")"
cd "$work"
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }
keyid() { "$builder" keyid "$1"; }

# Root keys live offline, encrypted; release managers keep their own keys.
printf 'demo passphrase, never use\n' > pass.txt
for k in root1 root2 root3 root4; do "$builder" keygen --out "$k" --passphrase-file pass.txt >/dev/null 2>&1; done
for k in alice bob carol; do "$builder" keygen --unencrypted --out "$k" >/dev/null 2>&1; done
sed -e 's|"payload/|"'"$here"'/payload/|' -e 's|^sbom = "|sbom = "'"$here"'/|' "$here/release.toml" > release.toml
sed -e 's/^sequence = 1/sequence = 2/' release.toml > release2.toml

step "1. Trust root v1: root keys 1-3 (any 2), release keys alice and bob (both must sign)" \
  "$builder" trust init --root-key root1.pub --root-key root2.pub --root-key root3.pub --threshold 2 \
  --release-key alice.pub --release-key bob.pub --release-threshold 2 --out root-v1.json
step "2. Two root key holders sign it" \
  "$builder" trust sign root-v1.json --key root1.key --passphrase-file pass.txt
"$builder" trust sign root-v1.json --key root2.key --passphrase-file pass.txt
step "3. The trust root, as an auditor sees it" "$verifier" trust show root-v1.json

step "4. Alice builds the bundle; Bob approves its manifest in his own room (only the manifest travels)" \
  "$builder" build release.toml --key alice.key --out fsn.bundle --include-root root-v1.json
"$builder" manifest fsn.bundle --out fsn.manifest.json
"$builder" sign-manifest fsn.manifest.json --key bob.key --out bob.approval.json
"$builder" attach fsn.bundle bob.approval.json
mkdir -p state && cp -R "$here/instrument-root" instrument-root
step "5. The instrument gets trust root v1 with its first install" \
  "$verifier" apply fsn.bundle --trust-root root-v1.json --instrument "$here/instruments/nextseq-dx.toml" \
  --root instrument-root --state state --confirm backup

step "6. Bob's key leaked: v2 revokes it, adds carol, and replaces root key 1 by root key 4" \
  "$builder" trust edit root-v1.json --out root-v2.json --revoke "$(keyid bob.pub)" \
  --add-release-key carol.pub --add-root-key root4.pub --remove-root-key "$(keyid root1.pub)"
for k in root1 root2 root3; do "$builder" trust sign root-v2.json --key "$k.key" --passphrase-file pass.txt; done
step "7. The next bundle carries v2; the instrument checks the chain and installs it first" \
  "$builder" build release2.toml --key alice.key --out fsn2.bundle --include-root root-v2.json
"$builder" cosign fsn2.bundle --key carol.key
"$verifier" apply fsn2.bundle --instrument "$here/instruments/nextseq-dx.toml" --root instrument-root --state state \
  --confirm backup

printf '\n\033[1m== 8. A bundle co-signed with the revoked key is refused (exit 3)\033[0m\n'
"$builder" build release2.toml --key alice.key --out evil.bundle >/dev/null
"$builder" cosign evil.bundle --key bob.key >/dev/null
set +e
"$verifier" apply evil.bundle --instrument "$here/instruments/nextseq-dx.toml" --root instrument-root --state state \
  --confirm backup
echo "exit code: $?"
set -e
echo
echo "Everything is in $work"
