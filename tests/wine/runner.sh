#!/usr/bin/env bash
# Cargo's runner for x86_64-pc-windows-gnu (set by scripts/wine-test.sh):
# runs a test binary under Wine in the prefix the script prepared. The
# binaries it spawns (bundle-builder.exe, bundle-verifier.exe) start inside
# the same Wine, directly: assert_cmd would wrap them in this runner if it
# saw the variable, and a Windows process cannot start a shell script.
#
# Wine's process creation rarely fails under load with "Internal error"
# (os error 1359) before the program to start has run. A test binary that
# failed and printed that error runs once more; any other failure, or the
# same one twice, is the binary's result.
unset CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for try in 1 2; do
  "${WINE_LOADER:-wine}" "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ] || [ "$try" -eq 2 ] || ! grep -q "(os error 1359)" "$log"; then
    exit "$rc"
  fi
  echo "== Wine could not start a process (os error 1359): running ${1##*/} once more" >&2
done
