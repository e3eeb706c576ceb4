#!/usr/bin/env bash
# The authorizer's start-up and memory under a Lambda Runtime API emulator on 127.0.0.1:
# init (process start → first poll of the Runtime API, including the JWKS fetch from a
# loopback server), first invocation, and peak RSS after 10,000 invocations; the api-handler's
# cold start is measured in the same run as a baseline.
#
#   scripts/perf-startup.sh [--runs 20] [--invocations 10000]
#   AUTHORIZER=path/to/authorizer scripts/perf-startup.sh     (another build of the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh
machine_facts
if [[ -z "${AUTHORIZER:-}" ]]; then
  cargo build --quiet --release --locked -p authorizer -p api-handler
  AUTHORIZER=target/release/authorizer
fi
build_bench
run_bounded 600 target/release/perf-startup --authorizer "$AUTHORIZER" \
  --baseline "${BASELINE:-target/release/api-handler}" "$@"
