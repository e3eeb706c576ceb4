#!/usr/bin/env bash
# A cold start as its first caller feels it (docs/performance.md, "Cold start: floor, today,
# seeded"): the do-nothing floor function, the authorizer without and with a JWKS seed, and
# optionally another build of it (BEFORE=path/to/authorizer), against a loopback JWKS server
# that answers after 80 ms: wall time exec → first answer, CPU time, JWKS requests before the
# answer; with --callgrind also each one's instructions from exec to its first poll.
#
#   scripts/perf-cold.sh [--runs 15] [--delay-ms 80] [--callgrind]
#   BEFORE=target-base/release/authorizer scripts/perf-cold.sh --callgrind
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh
machine_facts
if [[ -z "${AUTHORIZER:-}" ]]; then
  cargo build --quiet --release --locked -p authorizer
  AUTHORIZER=target/release/authorizer
fi
build_bench
args=(--authorizer "$AUTHORIZER" --floor target/release/floor-function)
if [[ -n "${BEFORE:-}" ]]; then
  args+=(--before "$BEFORE")
fi
run_bounded 1200 target/release/perf-cold "${args[@]}" "$@"
