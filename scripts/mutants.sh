#!/usr/bin/env bash
# Mutation testing of the code that decides access (`make mutants`; not part of `make test`).
#
#   scripts/mutants.sh [cargo-mutants options...]      default: every file listed below;
#                                                       e.g. --file verifier/src/claims/mod.rs
#
# Installs cargo-mutants (pinned) into .tools on first use, runs it with .cargo/mutants.toml
# (per-mutant timeout) on the files below, on both cores, then prints the score per crate
# from mutants.out/outcomes.json: caught / missed / unviable / timeouts. Every missed mutant is
# listed in mutants.out/missed.txt: each needs a test that states the rule it protects, or a
# `#[mutants::skip]` with a one-line reason when no input can tell it apart.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=27.1.0
export PATH="$PWD/.tools/bin:$PATH"
if ! cargo mutants --version 2>/dev/null | grep -qF "$VERSION"; then
  cargo install cargo-mutants --version "$VERSION" --locked --root .tools
fi

# The code that decides access: the verifier, the API Gateway adapter, the revocation list (its
# settings, the DynamoDB reader and writer, the request signer and AWS calls), the
# api-handler's routing, identity reading and /logout, and local-gateway's IAM policy
# evaluation (which tests lean on).
FILES=(
  'verifier/src/**/*.rs'
  'authorizer/src/apigw/**/*.rs'
  'authorizer/src/config/**/*.rs'
  'authorizer/src/revocation/**/*.rs'
  'revocation-table/src/**/*.rs'
  'api-handler/src/sign_out/**/*.rs'
  api-handler/src/request.rs
  api-handler/src/router.rs
  api-handler/src/identity.rs
  api-handler/src/api.rs
  api-handler/src/payload.rs
  local-gateway/src/policy.rs
)
ARGS=("$@")
if [[ ${#ARGS[@]} -eq 0 ]]; then
  for file in "${FILES[@]}"; do ARGS+=(--file "$file"); done
fi
# Fewer property-test cases per mutant: the mutants are simple, and the full suites run in
# `make test`.
export PROPTEST_CASES="${PROPTEST_CASES:-64}"

status=0
cargo mutants --jobs 2 --no-shuffle "${ARGS[@]}" || status=$?
# cargo-mutants exits 2 when mutants were missed, 3 on timeouts: the summary says which.
python3 scripts/mutants_summary.py mutants.out/outcomes.json
exit "$status"
