#!/usr/bin/env bash
# `make demo`: the whole flow on this machine, no AWS account, no Docker. Starts moto (a
# local Cognito), runs the guide's steps through scripts/cognito-setup.sh (plus an admin
# user), starts the local gateway with the authorizer pointed at moto, calls the API with
# each kind of token and prints what API Gateway would answer. Everything started is
# stopped on exit, also when a step fails. Exits non-zero if any answer is not the expected.
set -euo pipefail
STACK_NAME=demo
# shellcheck source=scripts/lib-stack.sh
source "$(dirname "$0")/lib-stack.sh"
cd "$STACK_ROOT"

STACK_DIR="$(mktemp -d)"
trap 'stack_cleanup; rm -rf "$STACK_DIR"' EXIT

stack_start_moto
stack_setup_cognito "$STACK_DIR" --mask-tokens
stack_build_gateway
stack_start_gateway "$(stack_free_port)"
stack_step "local gateway at ${GATEWAY_URL} (REST TOKEN authorizer, cache TTL 300 s)"

USER_ID_TOKEN="$(stack_env_value "$STACK_DIR/user.env" ID_TOKEN)"
USER_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/user.env" ACCESS_TOKEN)"
ADMIN_ID_TOKEN="$(stack_env_value "$STACK_DIR/admin.env" ID_TOKEN)"
# A forged token: testuser's IdToken with its claims rewritten to put the user in the admin
# group, keeping the original signature.
TAMPERED_TOKEN="$(python3 - "$USER_ID_TOKEN" <<'EOF'
import base64, json, sys
header, payload, signature = sys.argv[1].split(".")
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
claims["cognito:groups"] = ["admin"]
forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
print(f"{header}.{forged}.{signature}")
EOF
)"

short() { # the first characters of a token, for the table
  if [[ -z "$1" ]]; then printf '(none)'; else printf '%s...(%d)' "${1:0:12}" "${#1}"; fi
}

FAILED=0
ROWS=()
call() { # call LABEL PATH TOKEN EXPECTED
  local label="$1" path="$2" token="$3" expected="$4" status body
  local args=(-sS -m 30 -o "$STACK_DIR/body" -w '%{http_code}')
  [[ -n "$token" ]] && args+=(-H "Authorization: Bearer ${token}")
  status="$(curl "${args[@]}" "${GATEWAY_URL}${path}")" || status="000"
  body="$(tr -d '\n' <"$STACK_DIR/body" | cut -c1-60)"
  local verdict=ok
  if [[ "$status" != "$expected" ]]; then verdict=FAIL; FAILED=$((FAILED + 1)); fi
  ROWS+=("$(printf '%-28s %-8s %-20s %-8s %-4s %-4s %s' "$label" "$path" "$(short "$token")" "$expected" "$status" "$verdict" "$body")")
}

call "no token" /me "" 401
call "testuser IdToken" /me "$USER_ID_TOKEN" 200
call "testuser AccessToken" /me "$USER_ACCESS_TOKEN" 200
call "tampered IdToken (->admin)" /me "$TAMPERED_TOKEN" 401
call "testuser (not admin)" /admin "$USER_ID_TOKEN" 403
call "admin@example.com IdToken" /admin "$ADMIN_ID_TOKEN" 200

echo
printf '%-28s %-8s %-20s %-8s %-4s %-4s %s\n' "CALLER" "PATH" "TOKEN" "EXPECTED" "GOT" "" "BODY"
printf '%s\n' "${ROWS[@]}"
echo
echo "Gateway log (one line per request; 'authorizer' says whether the answer was cached):"
grep 'gateway request' "$GATEWAY_LOG" | sed 's/^/  /' || true
echo
if [[ "$FAILED" -ne 0 ]]; then
  stack_die "${FAILED} answer(s) differ from the expected (logs above)"
fi
echo "demo: all 6 answers as expected. 'make serve' keeps the stack up to try it yourself."
