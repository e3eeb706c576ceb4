#!/usr/bin/env bash
# The authorizer against a real local emulator as an issuer (`make test-emulator`, part of
# `make test` and CI): tests/cognito_local starts cognito-local (installed by the Makefile into
# tools/cognito-local/node_modules, pinned by its package-lock.json) on a free 127.0.0.1 port,
# creates a pool, an app client and a user through its Cognito API, signs the user in, and
# runs the authorizer binary under the testkit Runtime API emulator with only ISSUERS set.
#
# Never skips: a missing node or cognito-local, an emulator that does not start, or a test that
# did not run is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { printf 'e2e-cognito-local: %s\n' "$*" >&2; exit 1; }
command -v node >/dev/null || die "node (Node.js) is not on PATH"
[[ -f tools/cognito-local/node_modules/cognito-local/lib/bin/start.js ]] ||
  die "cognito-local is not installed: run make cognito-local"

STARTED=$SECONDS
cargo build --locked --bin authorizer
cargo test --locked -p e2e --test cognito_local --no-run
EXPECTED="$(cargo test --locked -q -p e2e --test cognito_local -- --ignored --list | grep -c ': test$' || true)"
[[ "$EXPECTED" -gt 0 ]] || die "no ignored test in tests/cognito_local"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
cargo test --locked -p e2e --test cognito_local -- --ignored 2>&1 | tee "$LOG" ||
  die "the cognito-local tests failed (output above)"
grep -q "test result: ok. ${EXPECTED} passed; 0 failed; 0 ignored" "$LOG" ||
  die "expected ${EXPECTED} cognito-local tests to run and pass (output above)"
printf 'e2e-cognito-local: %d test(s) against a real cognito-local passed in %ds\n' \
  "$EXPECTED" "$((SECONDS - STARTED))"
