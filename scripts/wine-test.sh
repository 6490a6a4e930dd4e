#!/usr/bin/env bash
# Runs the workspace's tests for Windows (x86_64-pc-windows-gnu) under Wine:
# the test binaries and the bundle-builder.exe / bundle-verifier.exe they
# spawn. Installs what it needs on Debian, keeps its own Wine prefix in the
# target directory. Extra arguments go to `cargo test`, e.g.
#   scripts/wine-test.sh -p e2e-tests --test apply
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-pc-windows-gnu

need=()
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
command -v wine >/dev/null || need+=(wine wine64)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
rustup target list --installed | grep -qx "$target" || rustup target add "$target"

# The 64-bit loader; Debian's `wine` wrapper picks it too, but only when
# no 32-bit Wine is installed.
if [ -z "${WINE_LOADER:-}" ]; then
  for w in /usr/lib/wine/wine64 "$(command -v wine64 || true)" "$(command -v wine || true)"; do
    if [ -n "$w" ] && [ -x "$w" ]; then WINE_LOADER=$w; break; fi
  done
fi
export WINE_LOADER
wineserver=$(command -v wineserver || echo /usr/lib/wine/wineserver)
export WINEDEBUG=${WINEDEBUG:--all}
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}   # no Mono/Gecko prompts

target_dir=$(cargo metadata --format-version 1 --no-deps |
  sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
export WINEPREFIX=${WINEPREFIX:-$target_dir/wineprefix}
if [ ! -f "$WINEPREFIX/system.reg" ]; then
  echo "== creating Wine prefix $WINEPREFIX"
  mkdir -p "$WINEPREFIX"
  "$WINE_LOADER" wineboot -i
  "$wineserver" -w
fi
# Rust's std needs ProcessPrng (bcryptprimitives.dll), which Wine 8 lacks;
# where Wine has its own, Wine loads that one first.
dll=$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll
src=tests/wine/bcryptprimitives.c
if [ ! -f "$dll" ] || [ "$src" -nt "$dll" ]; then
  x86_64-w64-mingw32-gcc -shared -O2 -o "$dll" "$src" -ladvapi32
fi

# One Wine server for the whole run instead of one per test binary.
"$wineserver" -p60 2>/dev/null || true   # fails if one runs already

# A second drive on another file system, for state and backups on another
# volume than the root (tests/tests/platform.rs).
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
  other=$(mktemp -d /dev/shm/wine-drive.XXXXXX)
  trap 'rm -rf "$other"' EXIT
  ln -sfn "$other" "$WINEPREFIX/dosdevices/q:"
  export BUNDLE_TEST_OTHER_DRIVE='Q:\'
fi

export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=$PWD/tests/wine/runner.sh
echo "== cargo test --target $target (under Wine)"
cargo test --locked --target "$target" --workspace "$@"
