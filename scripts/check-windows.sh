#!/usr/bin/env bash
# Cross-checks the workspace for Windows (instrument control PCs often run
# it): every crate, test and example must compile and be clippy-clean for
# x86_64-pc-windows-gnu, so Unix-only calls stay behind cfg. Not part of CI
# (it compiles everything a second time); run it before a release.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
  # zstd-sys compiles zstd's C sources for the target.
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq gcc-mingw-w64-x86-64
fi
rustup target add x86_64-pc-windows-gnu
cargo clippy --locked --target x86_64-pc-windows-gnu --workspace --all-targets -- -D warnings
echo "Windows (x86_64-pc-windows-gnu): the workspace compiles and is clippy-clean."
