#!/usr/bin/env bash
# Cargo's runner for x86_64-pc-windows-gnu (set by scripts/wine-test.sh):
# runs a test binary under Wine in the prefix the script prepared. The
# binaries it spawns (bundle-builder.exe, bundle-verifier.exe) start inside
# the same Wine, directly: assert_cmd would wrap them in this runner if it
# saw the variable, and a Windows process cannot start a shell script.
unset CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER
exec "${WINE_LOADER:-wine}" "$@"
