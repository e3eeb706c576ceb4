#!/usr/bin/env bash
# `make serve`: the demo's stack (moto + the guide's users + the local gateway), kept up until
# Ctrl-C, with the URL, the tokens and curl lines to try, the revocation list on (a table in
# moto's DynamoDB) so that POST /logout can be tried too. Tokens are also written to
# .local/cognito.env (testuser) and .local/cognito-admin.env (admin), mode 600.
#
# Options are passed to the local gateway, e.g. `make serve ARGS="--authorizer http --ttl 0"`
# or `bash scripts/serve.sh --port 8080`. The port defaults to 3000.
set -euo pipefail
STACK_NAME=serve
# shellcheck source=scripts/lib-stack.sh
source "$(dirname "$0")/lib-stack.sh"
cd "$STACK_ROOT"

PORT=3000
ARGS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) [[ $# -ge 2 ]] || stack_die "--port needs a value"; PORT="$2"; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done

STACK_DIR="$(mktemp -d)"
trap 'stack_cleanup; rm -rf "$STACK_DIR"' EXIT
trap 'exit 130' INT TERM

stack_start_moto
mkdir -p .local
stack_setup_cognito "$STACK_DIR"
# Keep the env files for the user (the work directory goes away on exit).
(umask 077 && cp "$STACK_DIR/user.env" .local/cognito.env && cp "$STACK_DIR/admin.env" .local/cognito-admin.env)
# The revocation list on (EnableRevocation=true), its in-process cache off: POST /logout takes
# effect once the gateway's result cache (--ttl, default 300 s) lets the token through again.
stack_revocation_table serve-revocations
export REVOCATION_CACHE_SECONDS=0
stack_build_gateway
stack_start_gateway "$PORT" "${ARGS[@]}"

ID_TOKEN="$(stack_env_value .local/cognito.env ID_TOKEN)"
ACCESS_TOKEN="$(stack_env_value .local/cognito.env ACCESS_TOKEN)"
ADMIN_ID_TOKEN="$(stack_env_value .local/cognito-admin.env ID_TOKEN)"

cat <<EOF

Local API Gateway: ${GATEWAY_URL}   (Cognito: moto at ${MOTO_URL}, pool ${USER_POOL_ID})

testuser@example.com  (password NewSecurePass#5678)
  IdToken:      ${ID_TOKEN}
  AccessToken:  ${ACCESS_TOKEN}
admin@example.com     (group admin)
  IdToken:      ${ADMIN_ID_TOKEN}
(also in .local/cognito.env and .local/cognito-admin.env)

Try:
  source .local/cognito.env
  curl -i ${GATEWAY_URL}/health
  curl -i ${GATEWAY_URL}/me
  curl -i -H "Authorization: \$ID_TOKEN" ${GATEWAY_URL}/me
  curl -i -H "Authorization: \$ACCESS_TOKEN" ${GATEWAY_URL}/hello
  curl -i -H "Authorization: \$ID_TOKEN" ${GATEWAY_URL}/admin
  curl -i -H "Authorization: \$(. .local/cognito-admin.env && echo \$ID_TOKEN)" ${GATEWAY_URL}/admin
  curl -i -X POST -H "Authorization: \$ACCESS_TOKEN" ${GATEWAY_URL}/logout   # sign out
  curl -i -H "Authorization: \$ID_TOKEN" ${GATEWAY_URL}/me   # 401 once the gateway's cache
                                                  # (--ttl, 300 s by default) asks the authorizer again
New tokens (same pool): AWS_ENDPOINT_URL=${MOTO_URL} AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \\
  bash scripts/cognito-setup.sh --user-pool-id ${USER_POOL_ID} --client-id ${APP_CLIENT_ID} --login-only

Gateway log follows. Ctrl-C stops everything.
EOF
tail -n +1 -f "$GATEWAY_LOG" &
STACK_PIDS+=("$!")
# Wait on the gateway; Ctrl-C runs the EXIT trap.
wait "$GATEWAY_PID"
