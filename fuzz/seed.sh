#!/usr/bin/env bash
# Generates seed corpora for every fuzz target into fuzz/corpus/<target>/
# (not committed): the attack corpus and the example release, signed with
# the fuzz test key, and the pieces the narrower targets parse.
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$fuzz/.." && pwd)"
out="$fuzz/corpus"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --quiet --manifest-path "$top/Cargo.toml" --bins
cargo run --quiet --manifest-path "$top/Cargo.toml" -p e2e-tests --bin attack-corpus -- \
  "$work/attacks" "$fuzz/fuzz-test-key.pem"
"$top/target/debug/bundle-builder" build "$top/examples/fsn2022-1230/release.toml" \
  --key "$fuzz/fuzz-test-key.pem" --out "$work/attacks/example.bundle" >/dev/null

# A trust root (version 1, root key = release key = the fuzz key) and a
# bundle carrying it.
b="$top/target/debug/bundle-builder"
openssl pkey -in "$fuzz/fuzz-test-key.pem" -pubout -out "$work/fuzz.pub"
"$b" trust init --out "$work/root.json" --root-key "$work/fuzz.pub" --release-key "$work/fuzz.pub" \
  --threshold 1 --release-threshold 1 >/dev/null
"$b" trust sign "$work/root.json" --key "$fuzz/fuzz-test-key.pem" >/dev/null
"$b" build "$top/examples/fsn2022-1230/release.toml" --key "$fuzz/fuzz-test-key.pem" \
  --include-root "$work/root.json" --out "$work/attacks/example-with-root.bundle" >/dev/null

for t in envelope manifest signatures identity_and_spec safepath verify_bundle verify_resigned trust_root sbom registry receipt; do
  mkdir -p "$out/$t"
done
for b in "$work"/attacks/*.bundle; do
  size=$(stat -c %s "$b")
  # Keep seeds small: the fuzzer mutates them often.
  if [ "$size" -gt 1048576 ]; then continue; fi
  name="$(basename "$b" .bundle)"
  for t in envelope verify_bundle verify_resigned; do cp "$b" "$out/$t/$name"; done
  tar -xOf "$b" manifest.json >"$out/manifest/$name" 2>/dev/null || rm -f "$out/manifest/$name"
  tar -xOf "$b" signatures.json >"$out/signatures/$name" 2>/dev/null || rm -f "$out/signatures/$name"
done
find "$out/manifest" "$out/signatures" -size 0 -delete
cp "$work/root.json" "$out/trust_root/root.json"
cp "$top/examples/fsn2022-1230/sbom.cdx.json" "$top/tests/vectors/v1-sbom/sbom.spdx.json" "$out/sbom/"
cp "$top"/examples/fsn2022-1230/instruments/*.toml "$top/examples/fsn2022-1230/release.toml" \
  "$out/identity_and_spec/"
(cd "$top/examples/fsn2022-1230/payload" && find . -type f | sed 's|^\./[^/]*/||') |
  while read -r p; do printf '%s' "$p" >"$out/safepath/$(printf '%s' "$p" | sha256sum | cut -c1-16)"; done
for p in '../x' 'a/../b' '/etc/passwd' 'C:/x' 'a\b' 'CON' 'com1.txt' 'a./b' 'A\xcc\x8a' 'ﬁle'; do
  printf "$p" >"$out/safepath/nasty-$(printf '%s' "$p" | sha256sum | cut -c1-16)"
done
# A registry of a dual-boot instrument and a standalone install (key files
# are named, not read: the target derives a key from each name).
cat >"$out/registry/fleet.toml" <<'TOML'
[[device]]
serial = "NB551234"
model = "NextSeq 550Dx"
udi_di = "00816270020125"
company = "Labor Beispiel GmbH"
modes = ["Dx", "RUO"]
public_key_file = "keys/NB551234.pub"

[[device]]
serial = "LRM-0001"
model = "Local Run Manager (standalone)"
company = "Labor Beispiel GmbH"
modes = ["RUO"]
public_key_file = "keys/LRM-0001.pub"
TOML
# Receipt bodies (the target signs them): an install and a rollback.
printf '%s' '{"action":"apply","backup":["/state/backups/000001"],"bundle":{"file":"fsn.bundle","manifest_sha256":"'"$(printf m | sha256sum | cut -c1-64)"'","release":{"id":"FSN2022-1230","sequence":1,"version":"1.0.0"},"signed_by":[]},"confirmations":[{"how":"flag","id":"backup","text":"Data backed up."}],"detail":null,"files":[{"action":"replace","path":"lrm/bin/lrm-guard","sha256_after":"'"$(printf a | sha256sum | cut -c1-64)"'","sha256_before":"'"$(printf b | sha256sum | cut -c1-64)"'"}],"identity":{"installed_version":"3.1.0","mode":"Dx","model":"NextSeq 550Dx","serial":"NB551234","udi_di":"00816270020125"},"installed_after":{"id":"FSN2022-1230","sequence":1,"version":"1.0.0"},"installed_before":null,"result":"installed","root":"/opt/instrument","time":"2022-05-05T10:00:00Z","tool":"bundle-verifier 0.1.0","transaction":"000001-20220505T100000Z","type":"offline-patch-bundle/receipt/1"}' \
  >"$out/receipt/apply.json"
printf '%s' '{"action":"rollback","backup":[],"bundle":null,"confirmations":[],"detail":null,"files":[{"action":"remove","path":"lrm/new.txt","sha256_after":null,"sha256_before":"'"$(printf c | sha256sum | cut -c1-64)"'"}],"identity":{"installed_version":"3.1.0","mode":"RUO","model":"Local Run Manager (standalone)","serial":"LRM-0001","udi_di":null},"installed_after":null,"installed_before":{"id":"FSN2022-1230","sequence":1,"version":"1.0.0"},"result":"rolled-back","root":"/opt/lrm","time":"2022-05-06T10:00:00Z","tool":"bundle-verifier 0.1.0","transaction":"000002-20220506T100000Z","type":"offline-patch-bundle/receipt/1"}' \
  >"$out/receipt/rollback.json"
for t in "$out"/*; do echo "$(ls "$t" | wc -l) seeds in $t"; done
