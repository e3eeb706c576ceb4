#!/usr/bin/env bash
# Bounded load through the local gateway: valid, expired, tampered and unknown-kid tokens in
# equal parts on GET /hello, authorizer cache on (TTL 300 s) and off (TTL 0), after a /health
# baseline without the authorizer. Reports requests/s and p50/p99 latency and checks that every
# answer has the expected status (200 valid, 401 the others). Loopback only; stops by itself.
#
#   scripts/load.sh [--requests 20000] [--concurrency 16] [--distinct 25]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh
machine_facts
cargo build --quiet --release --locked -p local-gateway
build_bench
run_bounded 900 target/release/perf-load --gateway target/release/local-gateway "$@"
