#!/usr/bin/env bash
# Runs fuzz targets one after another, SECONDS each (default 600), on the
# seed corpora from seed.sh. Logs go to fuzz/logs/<target>.log, crashes to
# fuzz/artifacts/<target>/.
#   fuzz/run.sh [SECONDS] [TARGET...]
# cargo-fuzz needs a nightly compiler (-Zsanitizer=address). Without one,
# RUSTC_BOOTSTRAP=1 lets a stable compiler accept the nightly flags.
set -uo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
secs="${1:-600}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(envelope manifest signatures identity_and_spec safepath trust_root sbom registry receipt verify_bundle verify_resigned)
fi
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  cargo_fuzz=(cargo +nightly fuzz)
else
  cargo_fuzz=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
fi
cd "$fuzz"
mkdir -p logs
status=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t for ${secs}s"
  "${cargo_fuzz[@]}" run -O -a "$t" "corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"logs/$t.log" 2>&1 || status=1
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|^SUMMARY|panicked|^==[0-9]+==ERROR' "logs/$t.log"
done
exit $status
