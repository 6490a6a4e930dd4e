#!/usr/bin/env bash
# Builds the release binaries that need nothing installed beside them:
#   bundle-builder.exe, bundle-verifier.exe  x86_64-pc-windows-gnu, C runtime
#                                            linked in (imports Windows DLLs only)
#   bundle-verifier (Linux)                  x86_64-unknown-linux-musl, static
# copies them into OUT_DIR (default dist/), checks that they are
# self-contained, and prints their sizes and SHA-256 (also in SHA256SUMS).
#
#   bash scripts/release.sh [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}

# The MinGW cross compiler (zstd's C code), musl-gcc, file(1).
need=()
command -v x86_64-w64-mingw32-gcc >/dev/null || need+=(gcc-mingw-w64-x86-64)
command -v musl-gcc >/dev/null || need+=(musl-tools)
command -v file >/dev/null || need+=(file)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
rustup target add x86_64-pc-windows-gnu x86_64-unknown-linux-musl >/dev/null

target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')

# +crt-static: the GNU target otherwise may need libgcc/winpthread DLLs
# beside the .exe; musl links statically by default, said here for clarity.
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release --locked --target x86_64-pc-windows-gnu \
  -p bundle-builder -p bundle-verifier
CC_x86_64_unknown_linux_musl=musl-gcc \
CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release --locked --target x86_64-unknown-linux-musl -p bundle-verifier

mkdir -p "$out"
win="$target_dir/x86_64-pc-windows-gnu/release"
cp "$win/bundle-builder.exe" "$win/bundle-verifier.exe" "$out/"
cp "$target_dir/x86_64-unknown-linux-musl/release/bundle-verifier" "$out/bundle-verifier-linux-x86_64"

# Only DLLs every Windows has: anything else would have to ship beside the .exe.
system_dlls='^(kernel32|kernelbase|ntdll|advapi32|bcrypt|bcryptprimitives|ws2_32|userenv|user32|shell32|ole32|oleaut32|secur32|crypt32|api-ms-win-[a-z0-9-]+|msvcrt|ucrtbase)\.dll$'
for exe in "$out/bundle-builder.exe" "$out/bundle-verifier.exe"; do
  dlls=$(x86_64-w64-mingw32-objdump -p "$exe" | sed -n 's/^\s*DLL Name: //p' | tr 'A-Z' 'a-z' | sort -u)
  other=$(grep -Ev "$system_dlls" <<<"$dlls" || true)
  if [ -n "$other" ]; then
    echo "$exe imports DLLs that are not part of Windows: $other" >&2
    exit 1
  fi
  echo "$(basename "$exe") imports: $(tr '\n' ' ' <<<"$dlls")"
done
if ! file "$out/bundle-verifier-linux-x86_64" | grep -Eq 'statically linked|static-pie linked'; then
  echo "bundle-verifier-linux-x86_64 is not statically linked:" >&2
  file "$out/bundle-verifier-linux-x86_64" >&2
  exit 1
fi
echo "bundle-verifier-linux-x86_64: $(file -b "$out/bundle-verifier-linux-x86_64" | cut -d, -f1-2)"

cd "$out"
sha256sum bundle-builder.exe bundle-verifier.exe bundle-verifier-linux-x86_64 > SHA256SUMS
ls -l bundle-builder.exe bundle-verifier.exe bundle-verifier-linux-x86_64 | awk '{print $5, $NF}'
cat SHA256SUMS
