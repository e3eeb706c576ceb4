#!/usr/bin/env bash
# End-to-end tests (`make test-e2e`, part of `make test` and CI): starts moto (a local
# Cognito) on a free 127.0.0.1 port, runs the guide's steps through scripts/cognito-setup.sh
# (testuser, an admin user, a second pool), gets tokens with REFRESH_TOKEN_AUTH, then runs
# local-gateway/tests/e2e.rs against them: in-process functions, the local-gateway binary,
# and the real bootstrap binaries under `cargo lambda watch`.
#
# Never skips: a tool that is missing, moto or cargo lambda not starting, or a test that did
# not run is a failure. Everything started is stopped on exit.
set -euo pipefail
STACK_NAME=e2e
# shellcheck source=scripts/lib-stack.sh
source "$(dirname "$0")/lib-stack.sh"
cd "$STACK_ROOT"

stack_require moto_server aws cargo-lambda curl python3 cargo setsid
STACK_DIR="$(mktemp -d)"
trap 'stack_cleanup; rm -rf "$STACK_DIR"' EXIT
STARTED=$SECONDS

# Build before starting anything. The function binaries are built one by one, exactly as
# `cargo lambda watch` runs them (`cargo run --bin NAME`), so its build finds them fresh.
stack_step "building the e2e tests and the function binaries"
cargo test --locked -p local-gateway --test e2e --no-run
for bin in authorizer api-handler; do
  cargo build --locked --bin "$bin"
done

stack_start_moto
stack_setup_cognito "$STACK_DIR" --mask-tokens
stack_step "second pool OtherPool (cognito-setup.sh --pool-name OtherPool)"
bash scripts/cognito-setup.sh --pool-name OtherPool --client-name OtherClient --mask-tokens \
  --output "$STACK_DIR/other.env" >"$STACK_DIR/setup-other.log" 2>&1 ||
  { cat "$STACK_DIR/setup-other.log" >&2; stack_die "cognito-setup.sh for the second pool failed"; }

stack_step "initiate-auth REFRESH_TOKEN_AUTH for testuser"
# The refresh token goes to the AWS CLI in a private input file, never in argv (printf is a
# shell builtin). Refresh tokens are base64url and dots, so they need no JSON escaping.
REFRESH_TOKEN="$(stack_env_value "$STACK_DIR/user.env" REFRESH_TOKEN)"
[[ "$REFRESH_TOKEN" =~ ^[A-Za-z0-9._-]+$ ]] || stack_die "the refresh token in user.env is not base64url"
(umask 077 && printf '{"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": "%s", "AuthParameters": {"REFRESH_TOKEN": "%s"}}\n' \
  "$APP_CLIENT_ID" "$REFRESH_TOKEN" >"$STACK_DIR/refresh-auth.json")
REFRESHED="$(aws cognito-idp initiate-auth --region ap-northeast-1 --cli-input-json "file://$STACK_DIR/refresh-auth.json" \
  --query '[AuthenticationResult.IdToken, AuthenticationResult.AccessToken]' --output text)" ||
  stack_die "REFRESH_TOKEN_AUTH failed"
rm -f "$STACK_DIR/refresh-auth.json"
IFS=$'\t' read -r E2E_REFRESHED_ID_TOKEN E2E_REFRESHED_ACCESS_TOKEN <<<"$REFRESHED"

export E2E_COGNITO_ENDPOINT="$MOTO_URL"
export E2E_USER_POOL_ID="$USER_POOL_ID" E2E_APP_CLIENT_ID="$APP_CLIENT_ID"
E2E_USER_ID_TOKEN="$(stack_env_value "$STACK_DIR/user.env" ID_TOKEN)"
E2E_USER_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/user.env" ACCESS_TOKEN)"
E2E_ADMIN_ID_TOKEN="$(stack_env_value "$STACK_DIR/admin.env" ID_TOKEN)"
E2E_ADMIN_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/admin.env" ACCESS_TOKEN)"
E2E_OTHER_POOL_ID_TOKEN="$(stack_env_value "$STACK_DIR/other.env" ID_TOKEN)"
E2E_OTHER_POOL_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/other.env" ACCESS_TOKEN)"
export E2E_USER_ID_TOKEN E2E_USER_ACCESS_TOKEN E2E_ADMIN_ID_TOKEN E2E_ADMIN_ACCESS_TOKEN \
  E2E_OTHER_POOL_ID_TOKEN E2E_OTHER_POOL_ACCESS_TOKEN E2E_REFRESHED_ID_TOKEN E2E_REFRESHED_ACCESS_TOKEN

TOTAL=0
# run_e2e FILTER-ARGS...: runs the ignored e2e tests selected by the filter arguments and
# fails unless every listed test ran and passed (a test that silently did not run fails).
run_e2e() {
  local expected log="$STACK_DIR/e2e-test.log"
  expected="$(cargo test --locked -q -p local-gateway --test e2e -- --ignored --list "$@" | grep -c ': test$' || true)"
  [[ "$expected" -gt 0 ]] || stack_die "no e2e test matches: $*"
  cargo test --locked -p local-gateway --test e2e -- --ignored --test-threads 2 "$@" 2>&1 | tee "$log" ||
    stack_die "end-to-end tests failed (output above)"
  grep -q "test result: ok. ${expected} passed; 0 failed; 0 ignored" "$log" ||
    stack_die "expected ${expected} e2e tests to run and pass (output above)"
  TOTAL=$((TOTAL + expected))
}

stack_step "e2e tests: in-process functions and the local-gateway binary, against moto"
run_e2e --skip through_cargo_lambda_watch

# The real bootstrap binaries under cargo lambda's Runtime API emulator.
LAMBDA_PORT="$(stack_free_port)"
stack_step "cargo lambda watch on 127.0.0.1:${LAMBDA_PORT} (the functions' environment as in template.yaml)"
cat >"$STACK_DIR/functions.env" <<EOF
USER_POOL_ID=${USER_POOL_ID}
APP_CLIENT_ID=${APP_CLIENT_ID}
COGNITO_ENDPOINT=${MOTO_URL}
TOKEN_USE=any
ROUTE_RULES='{"GET /admin": {"groups": ["admin"]}}'
HTTP_API_RESPONSE=simple
ADMIN_GROUP=admin
EOF
# Its own process group, so that the functions it spawns are stopped with it.
setsid cargo lambda watch --ignore-changes -A 127.0.0.1 -P "$LAMBDA_PORT" \
  --env-file "$STACK_DIR/functions.env" >"$STACK_DIR/lambda-watch.log" 2>&1 &
STACK_PGIDS+=("$!")
LAMBDA_URL="http://127.0.0.1:${LAMBDA_PORT}"
if ! stack_wait_http "$LAMBDA_URL/" 60 "$!"; then
  sed 's/^/  cargo lambda: /' "$STACK_DIR/lambda-watch.log" >&2
  stack_die "cargo lambda watch did not start"
fi
# First invocations start (and, if needed, build) each function: bounded generous wait.
warm_up() { # warm_up FUNCTION EVENT EXPECTED-SUBSTRING
  local answer
  answer="$(curl -sS -m 600 -X POST "$LAMBDA_URL/2015-03-31/functions/$1/invocations" -d "$2")" ||
    { tail -n 40 "$STACK_DIR/lambda-watch.log" >&2; stack_die "invoking $1 under cargo lambda watch failed"; }
  [[ "$answer" == *"$3"* ]] ||
    { tail -n 40 "$STACK_DIR/lambda-watch.log" >&2; stack_die "$1 under cargo lambda watch answered: ${answer:0:200}"; }
}
warm_up authorizer "{\"type\":\"TOKEN\",\"authorizationToken\":\"Bearer ${E2E_USER_ID_TOKEN}\",\"methodArn\":\"arn:aws:execute-api:ap-northeast-1:123456789012:local/prod/GET/me\"}" '"principalId"'
warm_up api-handler '{"resource":"/health","path":"/health","httpMethod":"GET","headers":{},"requestContext":{"stage":"prod","httpMethod":"GET","resourcePath":"/health"}}' '"statusCode":200'
export E2E_LAMBDA_ENDPOINT="$LAMBDA_URL"
stack_step "e2e tests: the bootstrap binaries under cargo lambda watch"
run_e2e --exact through_cargo_lambda_watch
grep -q 'authorization decision' "$STACK_DIR/lambda-watch.log" ||
  stack_die "the authorizer binary under cargo lambda watch logged no decision"

printf 'e2e: %d end-to-end tests passed in %ds\n' "$TOTAL" "$((SECONDS - STARTED))"
