#!/usr/bin/env bash
# `make demo`: the whole flow on this machine, no AWS account, no Docker. Starts moto (a
# local Cognito), runs the guide's steps through scripts/cognito-setup.sh (plus an admin
# user and a second app client), starts three local gateways with keys from moto: our Lambda
# authorizer (REST TOKEN, AuthorizerKind=lambda) and API Gateway's built-ins as template.yaml
# sets them up with AuthorizerKind=cognito (REST COGNITO_USER_POOLS, HTTP API JWT). Then it
# calls each with the same callers and prints one table, a column per kind. The lambda kind
# runs with the revocation list on (a table in moto's DynamoDB, as EnableRevocation=true sets
# it up, its caches at 0 so that the demo needs no waiting): after POST /logout, the same
# tokens get 401 there, while the built-ins, which cannot read the list, still let them in.
# A machine caller (a client-credentials client of a resource server with myapi/read and
# myapi/write, its token from a loopback stand-in of the token endpoint via cognito-setup.sh)
# is called too, and a second table shows the three kinds with myapi/read required.
# Everything started is stopped on exit, also when a step fails. Exits non-zero if any answer is not the
# expected one. docs/authorizer-kinds.md explains each difference.
set -euo pipefail
STACK_NAME=demo
# shellcheck source=scripts/lib-stack.sh
source "$(dirname "$0")/lib-stack.sh"
cd "$STACK_ROOT"

STACK_DIR="$(mktemp -d)"
trap 'stack_cleanup; rm -rf "$STACK_DIR"' EXIT

stack_start_moto
stack_setup_cognito "$STACK_DIR" --mask-tokens
stack_second_client "$STACK_DIR"
stack_machine_client "$STACK_DIR"
stack_step "a user who will sign out: logout@example.com (cognito-setup.sh)"
bash scripts/cognito-setup.sh --output "$STACK_DIR/logout.env" --user-pool-id "$USER_POOL_ID" \
  --client-id "$APP_CLIENT_ID" --email logout@example.com --mask-tokens >"$STACK_DIR/setup-logout.log" 2>&1 ||
  { cat "$STACK_DIR/setup-logout.log" >&2; stack_die "cognito-setup.sh for logout@example.com failed"; }
stack_revocation_table demo-revocations
# Only the lambda kind's gateway reads it (below): the built-ins cannot.
unset REVOCATION_TABLE
stack_build_gateway
KINDS=(token cognito jwt)
HEADINGS=("lambda: REST TOKEN" "cognito: REST pools" "cognito: HTTP JWT")
URLS=()
LOGS=()
for kind in "${KINDS[@]}"; do
  # moto issues tokens with the ORIGINAL issuer form; the JWT authorizer trusts one form.
  if [[ "$kind" == token ]]; then
    # The revocation list on, no caching (a deployment's bound: AuthorizerCacheTtl +
    # RevocationCacheSeconds, see the README).
    ISSUER_TYPE=ORIGINAL REVOCATION_TABLE=demo-revocations REVOCATION_CACHE_SECONDS=0 \
      stack_start_gateway "$(stack_free_port)" --authorizer "$kind" --ttl 0
  else
    ISSUER_TYPE=ORIGINAL stack_start_gateway "$(stack_free_port)" --authorizer "$kind"
  fi
  URLS+=("$GATEWAY_URL")
  LOGS+=("$GATEWAY_LOG")
  stack_step "local gateway --authorizer ${kind} at ${GATEWAY_URL}"
done
# The same three kinds with a scope required on every protected route: our authorizer's
# REQUIRED_SCOPES, the built-ins' AuthorizationScopes (template.yaml: AuthorizationScopes=myapi/read
# with ResourceServerScopes=read,write).
SCOPED_URLS=()
for kind in "${KINDS[@]}"; do
  if [[ "$kind" == token ]]; then
    ISSUER_TYPE=ORIGINAL REQUIRED_SCOPES=myapi/read stack_start_gateway "$(stack_free_port)" --authorizer "$kind" --ttl 0
  else
    ISSUER_TYPE=ORIGINAL stack_start_gateway "$(stack_free_port)" --authorizer "$kind" --scopes myapi/read
  fi
  SCOPED_URLS+=("$GATEWAY_URL")
  LOGS+=("$GATEWAY_LOG")
  stack_step "local gateway --authorizer ${kind}, scope myapi/read required, at ${GATEWAY_URL}"
done

USER_ID_TOKEN="$(stack_env_value "$STACK_DIR/user.env" ID_TOKEN)"
USER_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/user.env" ACCESS_TOKEN)"
ADMIN_ID_TOKEN="$(stack_env_value "$STACK_DIR/admin.env" ID_TOKEN)"
OTHER_CLIENT_ID_TOKEN="$(stack_env_value "$STACK_DIR/other-client.env" ID_TOKEN)"
EXPIRED_ID_TOKEN="$(printf '%s' "$USER_ID_TOKEN" | stack_expired_token)" || stack_die "could not make an expired token"
# A forged token: testuser's IdToken with its claims rewritten to put the user in the admin
# group, keeping the original signature. The token goes in on stdin, never in argv.
TAMPERED_TOKEN="$(printf '%s' "$USER_ID_TOKEN" | python3 -c '
import base64, json, sys
header, payload, signature = sys.stdin.read().strip().split(".")
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
claims["cognito:groups"] = ["admin"]
forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
print(f"{header}.{forged}.{signature}")
')"

# auth_header TOKEN: a private file holding `Authorization: TOKEN`, for curl's `-H @FILE`, so
# that no token is ever in a process's argv (printf is a shell builtin). Prints its path.
auth_header() {
  (umask 077 && printf 'Authorization: %s\n' "$1" >"$STACK_DIR/authorization")
  printf '%s' "$STACK_DIR/authorization"
}

FAILED=0
ROW_FORMAT='%-34s %-7s %-24s %-24s %-24s\n'
ROWS=()
# call LABEL PATH TOKEN EXPECTED... (one expected status per kind). The bare token is the
# Authorization value: the REST Cognito authorizer is only documented to take that.
call() {
  local label="$1" path="$2" token="$3"
  shift 3
  local cells=() i status body
  for i in "${!KINDS[@]}"; do
    local args=(-sS -m 30 -o "$STACK_DIR/body" -w '%{http_code}')
    [[ -n "$token" ]] && args+=(-H "@$(auth_header "$token")")
    status="$(curl "${args[@]}" "${URLS[$i]}${path}")" || status="000"
    # The message, or who /me says the caller is when it is a machine.
    body="$(python3 -c 'import json, sys
try:
    answer = json.load(sys.stdin)
    print(answer.get("message", "")[:17] or ("ok (machine)" if answer.get("caller") == "machine" else ""))
except Exception:
    print("")' <"$STACK_DIR/body")"
    local expected="${*:$((i + 1)):1}"
    if [[ "$status" == "$expected" ]]; then
      cells+=("$status ${body:-ok}")
    else
      cells+=("$status FAIL(want $expected)")
      FAILED=$((FAILED + 1))
    fi
  done
  # shellcheck disable=SC2059 # the format is ROW_FORMAT
  ROWS+=("$(printf "$ROW_FORMAT" "$label" "$path" "${cells[@]}")")
}

call "no token" /me "" 401 401 401
call "testuser IdToken" /me "$USER_ID_TOKEN" 200 200 200
call "testuser AccessToken" /me "$USER_ACCESS_TOKEN" 200 401 200
call "tampered IdToken (->admin)" /me "$TAMPERED_TOKEN" 401 401 401
call "expired IdToken" /me "$EXPIRED_ID_TOKEN" 401 401 401
call "IdToken from another app client" /me "$OTHER_CLIENT_ID_TOKEN" 401 200 401
call "testuser (not admin)" /admin "$USER_ID_TOKEN" 403 403 403
call "admin@example.com IdToken" /admin "$ADMIN_ID_TOKEN" 200 200 200
# A machine-to-machine caller (client credentials, cognito-setup.sh's MACHINE_ACCESS_TOKEN): an
# access token, which the REST Cognito authorizer takes only with method scopes.
MACHINE_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/machine.env" MACHINE_ACCESS_TOKEN)"
call "machine AccessToken (myapi/*)" /me "$MACHINE_ACCESS_TOKEN" 200 401 200

# Sign-out: logout@example.com's tokens work, POST /logout (through our authorizer's gateway,
# the only kind that reads the list), then the same tokens again.
LOGOUT_ID_TOKEN="$(stack_env_value "$STACK_DIR/logout.env" ID_TOKEN)"
LOGOUT_ACCESS_TOKEN="$(stack_env_value "$STACK_DIR/logout.env" ACCESS_TOKEN)"
call "logout@ AccessToken" /me "$LOGOUT_ACCESS_TOKEN" 200 401 200
stack_step "POST /logout with logout@example.com's AccessToken (lambda kind)"
LOGOUT_STATUS="$(curl -sS -m 30 -o "$STACK_DIR/logout.json" -w '%{http_code}' -X POST \
  -H "@$(auth_header "$LOGOUT_ACCESS_TOKEN")" "${URLS[0]}/logout")" || LOGOUT_STATUS=000
sed 's/^/    /' "$STACK_DIR/logout.json"
echo
[[ "$LOGOUT_STATUS" == 200 ]] || { FAILED=$((FAILED + 1)); echo "    POST /logout answered ${LOGOUT_STATUS}, want 200" >&2; }
call "logout@ AccessToken after /logout" /me "$LOGOUT_ACCESS_TOKEN" 401 401 200
call "logout@ IdToken after /logout" /me "$LOGOUT_ID_TOKEN" 401 200 200

# The scoped gateways: only a token holding myapi/read gets in (403 from our authorizer and the
# JWT authorizer, 401 from the REST Cognito authorizer, which then takes access tokens only).
MAIN_ROWS=("${ROWS[@]}")
ROWS=()
URLS=("${SCOPED_URLS[@]}")
call "machine AccessToken (myapi/*)" /me "$MACHINE_ACCESS_TOKEN" 200 200 200
call "testuser AccessToken (signin)" /me "$USER_ACCESS_TOKEN" 403 401 403
call "testuser IdToken" /me "$USER_ID_TOKEN" 403 401 403
call "machine AccessToken (myapi/*)" /admin "$MACHINE_ACCESS_TOKEN" 403 403 403

echo
# shellcheck disable=SC2059
printf "$ROW_FORMAT" "CALLER" "PATH" "${HEADINGS[@]}"
printf '%s\n' "${MAIN_ROWS[@]}"
echo
echo "The same kinds with scope myapi/read required (REQUIRED_SCOPES / AuthorizationScopes):"
# shellcheck disable=SC2059
printf "$ROW_FORMAT" "CALLER" "PATH" "${HEADINGS[@]}"
printf '%s\n' "${ROWS[@]}"
echo
echo "Each cell: status and API Gateway's message (or ok). The REST Cognito authorizer takes ID"
echo "tokens only (no method scopes) and any app client of the pool; the JWT authorizer checks"
echo "the app client but not token_use; only our authorizer checks groups itself (the 403s of the"
echo "built-ins come from the api-handler). After POST /logout only our authorizer refuses the"
echo "signed-out tokens: the built-ins cannot read the revocation list (docs/revocation.md)."
echo "The machine caller (client credentials: no username, sub = its app client) earns myapi/read"
echo "from the token endpoint; the guide's USER_PASSWORD_AUTH tokens hold no custom scope."
echo "docs/authorizer-kinds.md has the whole comparison."
echo
echo "Gateway logs (one line per request):"
for i in "${!KINDS[@]}"; do
  grep 'gateway request' "${LOGS[$i]}" | sed "s/^/  ${KINDS[$i]}: /" || true
done
echo
if [[ "$FAILED" -ne 0 ]]; then
  stack_die "${FAILED} answer(s) differ from the expected (logs above)"
fi
echo "demo: all $((${#MAIN_ROWS[@]} + ${#ROWS[@]})) callers answered as expected by each kind. 'make serve' keeps a stack up."
