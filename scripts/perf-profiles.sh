#!/usr/bin/env bash
# Compares release-profile settings for the authorizer binary: size, init, first invocation
# and peak RSS. Each variant is built into its own profile directory (target/perf-*/) with
# cargo --config overrides, so Cargo.toml and target/release are left alone; then every
# variant is measured in turn, round after round, so that a change in the machine's load hits
# all of them alike. Slow the first time: each variant is a full optimized build (2-5 min on
# 2 cores); later runs only measure.
#
#   scripts/perf-profiles.sh [ROUNDS] [--runs 20] [--invocations 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh
ROUNDS=2
if [[ "${1:-}" =~ ^[0-9]+$ ]]; then
  ROUNDS="$1"
  shift
fi
machine_facts
build_bench
cargo build --quiet --release --locked -p api-handler

# name | overrides on top of Cargo's default release profile (opt-level 3, no LTO, 16 CGUs)
VARIANTS=(
  "perf-default|"
  "perf-strip|strip=true"
  "perf-thin|lto=\"thin\" strip=true"
  "perf-fat|lto=true codegen-units=1 strip=true"
  "perf-fat-s|lto=true codegen-units=1 strip=true opt-level=\"s\""
)
for variant in "${VARIANTS[@]}"; do
  name="${variant%%|*}"
  settings="${variant#*|}"
  args=(--config "profile.$name.inherits=\"release\""
        --config "profile.$name.lto=false" --config "profile.$name.codegen-units=16"
        --config "profile.$name.strip=false" --config "profile.$name.opt-level=3")
  for setting in $settings; do
    args+=(--config "profile.$name.$setting")
  done
  start=$(date +%s)
  cargo build --quiet --locked -p authorizer --bin authorizer --profile "$name" "${args[@]}"
  echo "built $name (${settings:-Cargo defaults}) in $(( $(date +%s) - start )) s: $(stat -c %s "target/$name/authorizer") bytes"
done

for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round of $ROUNDS, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  for variant in "${VARIANTS[@]}"; do
    name="${variant%%|*}"
    echo "-- $name"
    run_bounded 600 target/release/perf-startup --authorizer "target/$name/authorizer" \
      --baseline target/release/api-handler "$@" \
      | grep -E '^baseline|^  init |CPU time|first invocation|spawn → answer|after [0-9]+ invocations|invocations in' \
      | sed -e 's/  (.*)$//' -e 's/ (what the first caller.*)$//'
  done
done
