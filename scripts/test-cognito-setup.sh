#!/usr/bin/env bash
# Runs scripts/cognito-setup.sh end to end against a local Cognito emulator (moto_server
# from .venv on 127.0.0.1, a free port), through the AWS CLI's own AWS_ENDPOINT_URL and
# dummy credentials, and checks what came out. moto is stopped even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export PATH="$ROOT/.venv/bin:$PATH"

fail() {
  printf 'test-cognito-setup: FAIL: %s\n' "$*" >&2
  exit 1
}

for tool in moto_server aws python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool not found (run 'make venv')"
done

WORK="$(mktemp -d)"
MOTO_PID=""
cleanup() {
  if [[ -n "$MOTO_PID" ]] && kill -0 "$MOTO_PID" 2>/dev/null; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
moto_server -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/moto-api/" 2>/dev/null; then break; fi
  kill -0 "$MOTO_PID" 2>/dev/null || { cat "$WORK/moto.log" >&2; fail "moto_server exited"; }
  sleep 0.1
done
curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/moto-api/" || fail "moto_server did not answer on 127.0.0.1:${PORT}"

# Only the emulator is reachable: dummy credentials, no shared config, no metadata service.
export AWS_ENDPOINT_URL="http://127.0.0.1:${PORT}"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export CI="${CI:-true}" # print masked tokens

PASSED=0
FAILED=0
check() {
  local what="$1"
  shift
  if "$@"; then
    PASSED=$((PASSED + 1))
    printf 'ok   %s\n' "$what"
  else
    FAILED=$((FAILED + 1))
    printf 'FAIL %s\n' "$what"
  fi
}

matches() { # matches VALUE ERE
  [[ "$1" =~ $2 ]]
}

jwt_claim() { # jwt_claim TOKEN CLAIM -> prints the claim (JSON-encoded unless a string)
  python3 - "$1" "$2" <<'EOF'
import base64, json, sys
payload = sys.argv[1].split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
value = claims.get(sys.argv[2])
print(value if isinstance(value, str) else json.dumps(value))
EOF
}

# 1. The guide end to end, with the guide's defaults (and an admin group for /admin).
OUT="$WORK/out/cognito.env"
echo "--- scripts/cognito-setup.sh --group admin (the guide, against moto on 127.0.0.1:${PORT})"
bash scripts/cognito-setup.sh --output "$OUT" --group admin | tee "$WORK/setup.log" ||
  fail "cognito-setup.sh exited non-zero"

check "output file exists" test -f "$OUT"
check "output file has mode 600" test "$(stat -c %a "$OUT")" = 600
# shellcheck disable=SC1090
source "$OUT"
check "pool ID looks like <region>_<id>" matches "${USER_POOL_ID:-}" '^ap-northeast-1_[0-9a-zA-Z]+$'
check "client ID is set" test -n "${APP_CLIENT_ID:-}"
check "pool ID printed" grep -qx "UserPoolId: ${USER_POOL_ID}" "$WORK/setup.log"
check "client ID printed" grep -qx "AppClientId: ${APP_CLIENT_ID}" "$WORK/setup.log"
check "tokens printed masked in CI" grep -q '^IdToken: eyJ.*\.\.\. (' "$WORK/setup.log"
# shellcheck disable=SC2016 # the inner script's own arguments
check "full tokens not in CI output" bash -c '! grep -qF "$1" "$2"' _ "${ID_TOKEN:-x}" "$WORK/setup.log"
check "IdToken is a JWT" matches "${ID_TOKEN:-}" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
check "AccessToken is a JWT" matches "${ACCESS_TOKEN:-}" '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$'
check "RefreshToken is set" test -n "${REFRESH_TOKEN:-}"
check "IdToken token_use=id" test "$(jwt_claim "$ID_TOKEN" token_use)" = id
check "IdToken aud = client" test "$(jwt_claim "$ID_TOKEN" aud)" = "$APP_CLIENT_ID"
check "IdToken iss = pool" test "$(jwt_claim "$ID_TOKEN" iss)" = "https://cognito-idp.ap-northeast-1.amazonaws.com/${USER_POOL_ID}"
check "AccessToken token_use=access" test "$(jwt_claim "$ACCESS_TOKEN" token_use)" = access
check "AccessToken client_id = client" test "$(jwt_claim "$ACCESS_TOKEN" client_id)" = "$APP_CLIENT_ID"
check "tokens carry the admin group" test "$(jwt_claim "$ID_TOKEN" cognito:groups)" = '["admin"]'

# 2. What the emulator now holds is what the guide creates.
pool_json="$(aws cognito-idp describe-user-pool --user-pool-id "$USER_POOL_ID" --region ap-northeast-1 --output json)"
check "pool name and password policy as in the guide" python3 - "$pool_json" <<'EOF'
import json, sys
pool = json.loads(sys.argv[1])["UserPool"]
pp = pool["Policies"]["PasswordPolicy"]
assert pool["Name"] == "MyUserPool", pool["Name"]
assert (pp["MinimumLength"], pp["RequireUppercase"], pp["RequireLowercase"], pp["RequireNumbers"], pp["RequireSymbols"]) == (8, True, True, True, False), pp
assert pool["AutoVerifiedAttributes"] == ["email"], pool["AutoVerifiedAttributes"]
email = [a for a in pool["SchemaAttributes"] if a["Name"] == "email"][0]
assert email["Required"] is True and email["Mutable"] is True, email
EOF
client_json="$(aws cognito-idp describe-user-pool-client --user-pool-id "$USER_POOL_ID" --client-id "$APP_CLIENT_ID" --region ap-northeast-1 --output json)"
check "client without secret, USER_PASSWORD_AUTH + REFRESH_TOKEN_AUTH" python3 - "$client_json" <<'EOF'
import json, sys
c = json.loads(sys.argv[1])["UserPoolClient"]
assert c["ClientName"] == "MyAppClient", c["ClientName"]
assert "ClientSecret" not in c, "client has a secret"
assert sorted(c["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"], c["ExplicitAuthFlows"]
assert c.get("SupportedIdentityProviders") == ["COGNITO"], c.get("SupportedIdentityProviders")
EOF
check "user is CONFIRMED (permanent password set)" test \
  "$(aws cognito-idp admin-get-user --user-pool-id "$USER_POOL_ID" --username testuser@example.com --region ap-northeast-1 --query UserStatus --output text)" = CONFIRMED

# 3. Re-running for an existing pool/client: creating the same user again is an AWS
#    error that stops the script and is shown; --login-only then just logs in.
echo "--- again with the same pool and client (the user exists)"
set +e
bash scripts/cognito-setup.sh --output "$WORK/again.env" --user-pool-id "$USER_POOL_ID" \
  --client-id "$APP_CLIENT_ID" >"$WORK/again.log" 2>&1
rc=$?
set -e
cat "$WORK/again.log"
check "existing user: exits non-zero" test "$rc" -ne 0
check "existing user: AWS error shown" grep -q 'UsernameExistsException' "$WORK/again.log"
check "existing user: no output file" test ! -e "$WORK/again.env"
echo "--- --login-only"
bash scripts/cognito-setup.sh --output "$WORK/login.env" --user-pool-id "$USER_POOL_ID" \
  --client-id "$APP_CLIENT_ID" --login-only >"$WORK/login.log" 2>&1 || { cat "$WORK/login.log"; fail "--login-only failed"; }
check "--login-only writes new tokens" grep -q '^ID_TOKEN=eyJ' "$WORK/login.env"

# 4. A wrong password is an AWS error (NotAuthorizedException) that stops the script.
set +e
COGNITO_PASSWORD='WrongPass#0000' bash scripts/cognito-setup.sh --output "$WORK/bad.env" \
  --user-pool-id "$USER_POOL_ID" --client-id "$APP_CLIENT_ID" --login-only >"$WORK/bad.log" 2>&1
rc=$?
set -e
check "wrong password: exits non-zero" test "$rc" -ne 0
check "wrong password: AWS error shown" grep -q 'NotAuthorizedException' "$WORK/bad.log"
# shellcheck disable=SC2016 # the inner script's own arguments
check "wrong password: password not echoed" bash -c '! grep -q "WrongPass" "$1"' _ "$WORK/bad.log"

# 5. Unknown options are refused.
check "unknown option refused" bash -c '! bash scripts/cognito-setup.sh --nope >/dev/null 2>&1'

echo "test-cognito-setup: ${PASSED} passed, ${FAILED} failed"
[[ "$FAILED" -eq 0 ]]
