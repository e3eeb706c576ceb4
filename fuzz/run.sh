#!/usr/bin/env bash
# Runs the fuzz targets on the machine's stable toolchain (cargo-fuzz with RUSTC_BOOTSTRAP=1).
#
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s each, targets token events)
#
# cargo-fuzz is installed into fuzz/.tools on first use (crates.io, --locked). New inputs go to
# fuzz/corpus/<target> (git-ignored); the committed seeds are fuzz/seeds/<target>; crashes go to
# fuzz/artifacts/<target>. Each run is bounded by -max_total_time and a 5 s per-input timeout,
# and ends with libFuzzer's "Done N runs in S second(s)" line.
set -euo pipefail
cd "$(dirname "$0")"

SECONDS_PER_TARGET="${1:-60}"
shift || true
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=(token events)

export PATH="$PWD/.tools/bin:$PATH"
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --version 0.13.2 --locked --root .tools
fi
# cargo-fuzz passes nightly-only flags (-Zsanitizer, -Cpasses=sancov-module); RUSTC_BOOTSTRAP
# lets the stable compiler accept them. No sanitizer by default: the code under test is safe
# Rust, and AddressSanitizer mostly slows the search (FUZZ_SANITIZER=address turns it on).
export RUSTC_BOOTSTRAP=1
FUZZ_FLAGS=(-O --sanitizer "${FUZZ_SANITIZER:-none}")

cargo fuzz build "${FUZZ_FLAGS[@]}" 2>&1 | tail -n 1

status=0
for target in "${TARGETS[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  echo "== fuzz $target for ${SECONDS_PER_TARGET}s"
  if ! cargo fuzz run "${FUZZ_FLAGS[@]}" "$target" "corpus/$target" "seeds/$target" -- \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=5 -rss_limit_mb=2048 -max_len=16384 \
      -print_final_stats=1 2>&1 | tee "artifacts/$target/last-run.log" \
      | grep -E '^(#[0-9]+\s+(INITED|DONE)|Done|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+== ERROR|SUMMARY|thread .* panicked|Test unit written)'; then
    :
  fi
  if grep -qE 'panicked|ERROR: libFuzzer|Test unit written|SUMMARY' "artifacts/$target/last-run.log"; then
    echo "!! $target found a problem: see fuzz/artifacts/$target/"
    status=1
  fi
done
exit "$status"
