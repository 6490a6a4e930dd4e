#!/usr/bin/env bash
# The auditor's side of the field action on a small simulated fleet: four
# instruments get (or do not get) the patch, their signed receipts are
# collected, and `report` fills in the notice's verification form from them.
#
#   NB551234  NextSeq 550Dx, dual boot   patched in Dx and in RUO
#   M70123    MiSeqDx, dual boot         patched in Dx only (flagged)
#   NB551299  NextSeq 550Dx, dual boot   not patched at all
#   LRM-PC-0042  standalone install      patched (RUO)
#
# Everything is written to a fresh temporary directory (printed at the end).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
top="$(cd "$here/../.." && pwd)"

cargo build --quiet --release --manifest-path "$top/Cargo.toml" --bins
bin="$top/target/release"
builder="$bin/bundle-builder"
verifier="$bin/bundle-verifier"

work="$(mktemp -d "${TMPDIR:-/tmp}/fsn2022-1230-fleet.XXXXXX")"
step() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "${*:2}"; "${@:2}"; }

"$builder" keygen --unencrypted --out "$work/release" >/dev/null
"$builder" build "$here/release.toml" --key "$work/release.key" --out "$work/FSN2022-1230.bundle" >/dev/null
mkdir -p "$work/fleet/keys" "$work/collected"

# One instrument: each boot mode is its own install (root, state directory,
# device key), as on a real dual-boot instrument; an identity per mode; and
# its entry in the vendor's registry, one [[device.install]] per mode.
instrument() { # SERIAL EXAMPLE_IDENTITY MODES COMPANY
    local serial=$1 example=$2 modes=$3 company=$4 mode
    local model udi
    model=$(sed -n 's/^model = //p' "$here/instruments/$example")
    udi=$(sed -n 's/^udi_di = //p' "$here/instruments/$example")
    {
        echo "[[device]]"
        echo "serial = \"$serial\""
        echo "model = $model"
        [ -n "$udi" ] && echo "udi_di = $udi"
        echo "company = \"$company\""
    } >>"$work/fleet/fleet.toml"
    for mode in $modes; do
        mkdir -p "$work/$serial/$mode"
        cp -R "$here/instrument-root" "$work/$serial/$mode/root"
        sed -e "s/^serial = .*/serial = \"$serial\"/" -e "s/^mode = .*/mode = \"$mode\"/" \
            "$here/instruments/$example" >"$work/$serial/$mode/identity.toml"
        "$verifier" device init --state "$work/$serial/$mode/state" >/dev/null
        "$verifier" device pubkey --state "$work/$serial/$mode/state" \
            >"$work/fleet/keys/$serial-$mode.pub"
        printf '[[device.install]]\nmode = "%s"\npublic_key_file = "keys/%s-%s.pub"\n' \
            "$mode" "$serial" "$mode" >>"$work/fleet/fleet.toml"
    done
    echo >>"$work/fleet/fleet.toml"
}
apply() { # SERIAL MODE
    "$verifier" apply "$work/FSN2022-1230.bundle" --trusted-key "$work/release.pub" \
        --instrument "$work/$1/$2/identity.toml" --root "$work/$1/$2/root" \
        --state "$work/$1/$2/state" --confirm backup >/dev/null
    echo "applied on $1 in mode $2"
}

instrument NB551234 nextseq-dx.toml "Dx RUO" "Labor Beispiel GmbH"
instrument M70123 miseqdx-dx.toml "Dx RUO" "Labor Beispiel GmbH"
instrument NB551299 nextseq-dx.toml "Dx RUO" "Labor Beispiel GmbH"
instrument LRM-PC-0042 standalone-ruo.toml "RUO" "Labor Beispiel GmbH"

printf '\n\033[1m== 1. Technicians apply the bundle (not everywhere, not in every mode)\033[0m\n'
apply NB551234 Dx
apply NB551234 RUO
apply M70123 Dx
apply LRM-PC-0042 RUO

printf '\n\033[1m== 2. Each instrument exports its signed receipts; the customer collects them\033[0m\n'
for install in NB551234/Dx NB551234/RUO M70123/Dx M70123/RUO NB551299/Dx NB551299/RUO \
    LRM-PC-0042/RUO; do
    "$verifier" receipts export --state "$work/$install/state" \
        --to "$work/collected/${install/\//-}"
done

step "3. Auditor: the vendor's device registry" cat "$work/fleet/fleet.toml"
# The report exits 6 while any serial × mode is not patched: that is its answer.
step "4. Auditor: which serial × mode is patched" \
    "$verifier" report --receipts "$work/collected" --registry "$work/fleet/fleet.toml" \
    --bundle "$work/FSN2022-1230.bundle" --trusted-key "$work/release.pub" || true
"$verifier" report --receipts "$work/collected" --registry "$work/fleet/fleet.toml" \
    --bundle "$work/FSN2022-1230.bundle" --trusted-key "$work/release.pub" \
    --form html --lang de >"$work/Rueckmeldeformular.html" || true
"$verifier" report --receipts "$work/collected" --registry "$work/fleet/fleet.toml" \
    --bundle "$work/FSN2022-1230.bundle" --trusted-key "$work/release.pub" \
    --form md --lang en >"$work/verification-form.md" || true
printf '\n\033[1m== 5. The notice'"'"'s verification form, filled from the evidence\033[0m\n'
echo "German, printable: $work/Rueckmeldeformular.html"
echo "English, Markdown: $work/verification-form.md"
sed -n '1,40p' "$work/verification-form.md"
echo
echo "Everything is in $work"
