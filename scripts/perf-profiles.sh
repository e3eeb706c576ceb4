#!/usr/bin/env bash
# Compares release-profile settings for the authorizer binary: size, init, first invocation
# and peak RSS, each variant built into its own profile directory (target/perf-*/) with cargo
# --config overrides, so Cargo.toml and target/release are left alone. Slow: each variant is a
# full optimized build (several minutes on 2 cores).
#
#   scripts/perf-profiles.sh [--runs 20] [--invocations 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh
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
  echo "== $name (${settings:-Cargo defaults}): built in $(( $(date +%s) - start )) s (incremental over earlier builds of the same profile)"
  run_bounded 600 target/release/perf-startup --authorizer "target/$name/authorizer" "$@" \
    | grep -E 'perf-startup:|init |first invocation|after [0-9]+ invocations|invocations in'
done
