#!/usr/bin/env bash
# Abuse soak through the local gateway (cache off): 10,000 requests per phase, 90% never-seen
# kids and 10% valid tokens, with the JWKS endpoint up, closing connections, hanging, and down
# from a cold start. Checks JWKS requests ≤ one per cooldown window, no request waiting past
# the JWKS timeout (plus a queueing margin), and nothing allowed that should not be.
#
#   scripts/soak.sh [--requests 10000] [--concurrency 32] [--cooldown 2] [--timeout-ms 500]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh
machine_facts
cargo build --quiet --release --locked -p local-gateway
build_bench
run_bounded 900 target/release/perf-soak --gateway target/release/local-gateway "$@"
