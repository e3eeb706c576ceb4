#!/usr/bin/env bash
# End-to-end tests (`make test-e2e`, part of `make test` and CI): starts moto (a local
# Cognito) on a free 127.0.0.1 port, runs the guide's steps through scripts/cognito-setup.sh
# (testuser, an admin user, a second pool, a second app client in the pool, an expired token
# moto would have issued), gets tokens with REFRESH_TOKEN_AUTH, starts the
# real function binaries under `cargo lambda watch`, then runs the end-to-end tests in tests/
# (the `e2e` crate) against all of it: the guide's flow through the local gateway (functions
# in-process, the local-gateway binary, the binaries under cargo lambda watch) and every
# events/authorizer-*.json answered by the authorizer binary; the same callers through API
# Gateway's built-in authorizers (AuthorizerKind=cognito) as the local gateway emulates them;
# machine callers (client-credentials-shaped tokens minted with the test keys for the guide's
# pool) with a required scope through every one of those kinds (tests/e2e/machine_tokens.rs).
# Last, the README's `cargo lambda invoke` command once, on an event written by
# scripts/write-event-tokens.sh.
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

# Build before starting anything. The binaries are built one by one, exactly as
# `cargo lambda watch` runs the functions (`cargo run --bin NAME`), so its build finds them
# fresh; the local-gateway binary is the one the tests start.
stack_step "building the e2e tests and the binaries"
cargo test --locked -p e2e --test e2e --no-run
for bin in authorizer api-handler local-gateway; do
  cargo build --locked --bin "$bin"
done

stack_start_moto
stack_setup_cognito "$STACK_DIR" --mask-tokens
stack_step "second pool OtherPool (cognito-setup.sh --pool-name OtherPool)"
bash scripts/cognito-setup.sh --pool-name OtherPool --client-name OtherClient --mask-tokens \
  --output "$STACK_DIR/other.env" >"$STACK_DIR/setup-other.log" 2>&1 ||
  { cat "$STACK_DIR/setup-other.log" >&2; stack_die "cognito-setup.sh for the second pool failed"; }

stack_second_client "$STACK_DIR"

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

# The real bootstrap binaries under cargo lambda's Runtime API emulator, configured like the
# template's defaults and fetching the pool's JWKS from moto. An env file, as the README
# shows (--env-var would split ROUTE_RULES at its commas).
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
E2E_USER_ID_TOKEN="$(stack_env_value "$STACK_DIR/user.env" ID_TOKEN)"
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

# What the tests read (tests/e2e/stack.rs).
export E2E_COGNITO_ENDPOINT="$MOTO_URL" E2E_LAMBDA_ENDPOINT="$LAMBDA_URL"
export E2E_USER_POOL_ID="$USER_POOL_ID" E2E_APP_CLIENT_ID="$APP_CLIENT_ID"
E2E_USER_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/user.env" ACCESS_TOKEN)"
E2E_ADMIN_ID_TOKEN="$(stack_env_value "$STACK_DIR/admin.env" ID_TOKEN)"
E2E_ADMIN_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/admin.env" ACCESS_TOKEN)"
E2E_OTHER_POOL_ID_TOKEN="$(stack_env_value "$STACK_DIR/other.env" ID_TOKEN)"
E2E_OTHER_POOL_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/other.env" ACCESS_TOKEN)"
E2E_OTHER_CLIENT_ID_TOKEN="$(stack_env_value "$STACK_DIR/other-client.env" ID_TOKEN)"
E2E_OTHER_CLIENT_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/other-client.env" ACCESS_TOKEN)"
E2E_EXPIRED_ID_TOKEN="$(printf '%s' "$E2E_USER_ID_TOKEN" | stack_expired_token)" || stack_die "could not make an expired token"
export E2E_OTHER_CLIENT_ID_TOKEN E2E_OTHER_CLIENT_ACCESS_TOKEN E2E_EXPIRED_ID_TOKEN
export E2E_USER_ID_TOKEN E2E_USER_ACCESS_TOKEN E2E_ADMIN_ID_TOKEN E2E_ADMIN_ACCESS_TOKEN \
  E2E_OTHER_POOL_ID_TOKEN E2E_OTHER_POOL_ACCESS_TOKEN E2E_REFRESHED_ID_TOKEN E2E_REFRESHED_ACCESS_TOKEN

# Every ignored test of the e2e binary, and a failure unless each one ran and passed (a test
# that silently did not run fails too).
stack_step "e2e tests (tests/e2e): the guide's flow and the authorizer events, against moto and cargo lambda watch"
LOG="$STACK_DIR/e2e-test.log"
EXPECTED="$(cargo test --locked -q -p e2e --test e2e -- --ignored --list | grep -c ': test$' || true)"
[[ "$EXPECTED" -gt 0 ]] || stack_die "no ignored test in the e2e binary"
cargo test --locked -p e2e --test e2e -- --ignored --test-threads 2 2>&1 | tee "$LOG" ||
  stack_die "end-to-end tests failed (output above)"
grep -q "test result: ok. ${EXPECTED} passed; 0 failed; 0 ignored" "$LOG" ||
  stack_die "expected ${EXPECTED} e2e tests to run and pass (output above)"
grep -q 'authorization decision' "$STACK_DIR/lambda-watch.log" ||
  stack_die "the authorizer binary under cargo lambda watch logged no decision"

# The README's commands as a user types them (scripts/write-event-tokens.sh, then
# `cargo lambda invoke authorizer --data-file ...`), on copies of the events in the work
# directory so that nothing with a token lands in events/.
stack_step "the README's cargo lambda invoke on events/authorizer-rest-token.json with testuser's IdToken"
mkdir "$STACK_DIR/events"
for event in events/authorizer-*.json; do
  [[ "$event" == *.local.json ]] || cp "$event" "$STACK_DIR/events/"
done
bash scripts/write-event-tokens.sh --env-file "$STACK_DIR/user.env" --events "$STACK_DIR/events" >/dev/null ||
  stack_die "scripts/write-event-tokens.sh failed"
ANSWER="$(cargo lambda invoke authorizer --invoke-address 127.0.0.1 --invoke-port "$LAMBDA_PORT" \
  --data-file "$STACK_DIR/events/authorizer-rest-token.local.json" --output-format json 2>&1)" ||
  stack_die "cargo lambda invoke failed: ${ANSWER:0:300}"
# The answer holds no token (a policy and the caller's claims); its sub must be testuser's.
SUB="$(stack_env_value "$STACK_DIR/user.env" ID_TOKEN | python3 -c 'import base64, json, sys
payload = sys.stdin.read().split(".")[1]
print(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])')"
printf '%s' "$ANSWER" | python3 -c 'import json, sys
answer = json.load(sys.stdin)
effects = [s["Effect"] for s in answer["policyDocument"]["Statement"]]
sys.exit(0 if answer["principalId"] == sys.argv[1] and "Allow" in effects else 1)' "$SUB" ||
  stack_die "cargo lambda invoke answered no Allow policy for testuser: ${ANSWER:0:300}"

printf 'e2e: %d end-to-end tests and the cargo lambda invoke smoke call passed in %ds\n' \
  "$EXPECTED" "$((SECONDS - STARTED))"
