# shellcheck shell=bash
# Shared by scripts/e2e.sh, demo.sh, serve.sh and test-with-moto.sh (sourced, not run):
# start moto (the local Cognito; the project's one moto start-up), run the guide's steps
# against it, start the local gateway, and stop everything that was started. Everything
# listens on 127.0.0.1 only.
#
# The caller sets STACK_NAME (for messages) and STACK_DIR (a private work directory), and
# installs `trap stack_cleanup EXIT` before starting anything.

STACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$STACK_ROOT/.venv/bin:$PATH"

STACK_PIDS=()   # processes to stop
STACK_PGIDS=()  # process groups to stop (cargo lambda watch and the functions it spawns)

stack_die() {
  printf '%s: FAIL: %s\n' "${STACK_NAME:-stack}" "$*" >&2
  exit 1
}

stack_step() {
  printf '==> %s\n' "$*"
}

stack_cleanup() {
  local pid
  for pid in "${STACK_PGIDS[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${STACK_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${STACK_PGIDS[@]}" "${STACK_PIDS[@]}"; do
    # Bounded wait, then force.
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  STACK_PIDS=()
  STACK_PGIDS=()
}

stack_require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || stack_die "$tool not found (run 'make venv')"
  done
}

stack_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# stack_wait_http URL SECONDS PID: waits until URL answers (any HTTP status) while PID lives.
stack_wait_http() {
  local url="$1" seconds="$2" pid="$3"
  for _ in $(seq 1 $((seconds * 10))); do
    if curl -sS -o /dev/null -m 2 "$url" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Starts moto_server on a free port; sets MOTO_URL and points the AWS CLI at it with dummy
# credentials and no shared configuration (nothing can reach a real AWS account).
stack_start_moto() {
  stack_require moto_server aws curl python3
  local port
  port="$(stack_free_port)"
  stack_step "starting moto (local Cognito) on 127.0.0.1:${port}"
  moto_server -H 127.0.0.1 -p "$port" >"$STACK_DIR/moto.log" 2>&1 &
  STACK_PIDS+=("$!")
  MOTO_URL="http://127.0.0.1:${port}"
  if ! stack_wait_http "$MOTO_URL/moto-api/" 30 "$!"; then
    sed 's/^/  moto: /' "$STACK_DIR/moto.log" >&2
    stack_die "moto_server did not start on 127.0.0.1:${port}"
  fi
  export AWS_ENDPOINT_URL="$MOTO_URL"
  export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=ap-northeast-1
  unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
}

# The guide's steps through scripts/cognito-setup.sh: the pool, the client and testuser
# (DIR/user.env), then a second user in the admin group (DIR/admin.env). Extra arguments go
# to both runs (e.g. --mask-tokens).
stack_setup_cognito() {
  local dir="$1"
  shift
  stack_step "the guide's steps: scripts/cognito-setup.sh (pool, client, testuser@example.com)"
  bash "$STACK_ROOT/scripts/cognito-setup.sh" --output "$dir/user.env" "$@" >"$STACK_DIR/setup-user.log" 2>&1 ||
    { cat "$STACK_DIR/setup-user.log" >&2; stack_die "scripts/cognito-setup.sh failed"; }
  USER_POOL_ID="$(stack_env_value "$dir/user.env" USER_POOL_ID)"
  APP_CLIENT_ID="$(stack_env_value "$dir/user.env" APP_CLIENT_ID)"
  stack_step "second user admin@example.com in group admin (cognito-setup.sh --group admin)"
  bash "$STACK_ROOT/scripts/cognito-setup.sh" --output "$dir/admin.env" --user-pool-id "$USER_POOL_ID" \
    --client-id "$APP_CLIENT_ID" --email admin@example.com --group admin "$@" >"$STACK_DIR/setup-admin.log" 2>&1 ||
    { cat "$STACK_DIR/setup-admin.log" >&2; stack_die "scripts/cognito-setup.sh --group admin failed"; }
  export USER_POOL_ID APP_CLIENT_ID
}

# stack_revocation_table NAME: the revocation list's table in moto's DynamoDB, shaped as
# template.yaml creates it (partition key pk, on demand), and REVOCATION_TABLE exported so that
# the local gateway's authorizer and api-handler (one environment) both use it.
stack_revocation_table() {
  stack_step "the revocation table $1 in moto's DynamoDB"
  aws dynamodb create-table --region ap-northeast-1 --table-name "$1" --billing-mode PAY_PER_REQUEST \
    --key-schema AttributeName=pk,KeyType=HASH --attribute-definitions AttributeName=pk,AttributeType=S \
    >/dev/null || stack_die "create-table $1 failed"
  export REVOCATION_TABLE="$1"
}

# stack_env_value FILE NAME: one variable of an env file written by cognito-setup.sh.
stack_env_value() {
  # shellcheck disable=SC1090
  (source "$1" && printf '%s' "${!2}")
}

stack_build_gateway() {
  stack_step "building the local gateway (cargo build -p local-gateway)"
  (cd "$STACK_ROOT" && cargo build --locked --quiet -p local-gateway) || stack_die "cargo build failed"
}

# stack_start_gateway PORT [OPTIONS...]: runs target/debug/local-gateway with the authorizer
# pointed at moto (in-process functions unless --lambda-endpoint is given); sets GATEWAY_URL,
# GATEWAY_PID and GATEWAY_LOG for the caller.
stack_start_gateway() {
  local port="$1"
  shift
  local log="$STACK_DIR/gateway-${port}.log"
  USER_POOL_ID="$USER_POOL_ID" APP_CLIENT_ID="${GATEWAY_CLIENT_IDS:-$APP_CLIENT_ID}" COGNITO_ENDPOINT="$MOTO_URL" \
    "$STACK_ROOT/target/debug/local-gateway" --port "$port" "$@" >"$log" 2>&1 &
  local pid=$!
  STACK_PIDS+=("$pid")
  GATEWAY_URL=""
  # shellcheck disable=SC2034 # read by the callers (serve.sh waits on it)
  GATEWAY_PID="$pid"
  for _ in $(seq 1 100); do
    # The background shell may not have created the log yet: no file is "not yet", not an
    # error (set -e would end the script on it).
    GATEWAY_URL="$(sed -n 's/^local-gateway listening on //p' "$log" 2>/dev/null | head -n 1 || true)"
    [[ -n "$GATEWAY_URL" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z "$GATEWAY_URL" ]]; then
    sed 's/^/  gateway: /' "$log" >&2
    stack_die "the local gateway did not start"
  fi
  # shellcheck disable=SC2034 # read by the callers (demo.sh, serve.sh)
  GATEWAY_LOG="$log"
}

# stack_second_client DIR: a second app client in the guide's pool (OtherAppClient) and
# testuser's tokens from it (DIR/other-client.env): tokens the pool signed for another app.
stack_second_client() {
  local dir="$1" client
  stack_step "a second app client in the pool (OtherAppClient), testuser signed in through it"
  client="$(aws cognito-idp create-user-pool-client --region ap-northeast-1 --user-pool-id "$USER_POOL_ID" \
    --client-name OtherAppClient --explicit-auth-flows ALLOW_USER_PASSWORD_AUTH ALLOW_REFRESH_TOKEN_AUTH \
    --query UserPoolClient.ClientId --output text)" || stack_die "create-user-pool-client failed"
  bash "$STACK_ROOT/scripts/cognito-setup.sh" --output "$dir/other-client.env" --user-pool-id "$USER_POOL_ID" \
    --client-id "$client" --login-only --mask-tokens >"$STACK_DIR/setup-other-client.log" 2>&1 ||
    { cat "$STACK_DIR/setup-other-client.log" >&2; stack_die "cognito-setup.sh --login-only (second client) failed"; }
}

# stack_machine_client DIR: what template.yaml's ResourceServerScopes=read,write creates, in
# moto's pool: the resource server myapi and a machine-to-machine app client (a secret, the
# client-credentials grant, both scopes). moto has no token endpoint, so the loopback stand-in
# (scripts/token_endpoint_standin.py, its requests checked as Cognito documents them) plays
# the pool domain's; cognito-setup.sh then gets the machine's token from it (DIR/machine.env).
# Sets MACHINE_CLIENT_ID, and GATEWAY_CLIENT_IDS (the clients the gateways trust: the user
# client and the machine client, as the template's APP_CLIENT_ID and JWT audience).
stack_machine_client() {
  local dir="$1" answer secret url
  stack_step "resource server myapi (read, write) and a machine client (client credentials), as ResourceServerScopes"
  aws cognito-idp create-resource-server --region ap-northeast-1 --user-pool-id "$USER_POOL_ID" \
    --identifier myapi --name myapi --scopes ScopeName=read,ScopeDescription=read ScopeName=write,ScopeDescription=write \
    >/dev/null || stack_die "create-resource-server failed"
  # The secret stays in this shell and reaches the stand-in through its environment, not argv.
  answer="$(aws cognito-idp create-user-pool-client --region ap-northeast-1 --user-pool-id "$USER_POOL_ID" \
    --client-name MyAppClient-machine --generate-secret --allowed-o-auth-flows client_credentials \
    --allowed-o-auth-flows-user-pool-client --allowed-o-auth-scopes myapi/read myapi/write \
    --query 'UserPoolClient.[ClientId, ClientSecret]' --output text)" || stack_die "create-user-pool-client (machine) failed"
  IFS=$'\t' read -r MACHINE_CLIENT_ID secret <<<"$answer"
  [[ -n "$MACHINE_CLIENT_ID" && -n "$secret" ]] || stack_die "the machine client has no ID or secret"
  STANDIN_CLIENT_SECRET="$secret" "$STACK_ROOT/.venv/bin/python" "$STACK_ROOT/scripts/token_endpoint_standin.py" \
    --pool-id "$USER_POOL_ID" --client-id "$MACHINE_CLIENT_ID" --scopes "myapi/read myapi/write" \
    >"$STACK_DIR/token-endpoint.log" 2>&1 &
  STACK_PIDS+=("$!")
  url=""
  for _ in $(seq 1 100); do
    url="$(sed -n 's/^token endpoint listening on //p' "$STACK_DIR/token-endpoint.log" 2>/dev/null | head -n 1 || true)"
    [[ -n "$url" ]] && break
    sleep 0.1
  done
  [[ -n "$url" ]] || { cat "$STACK_DIR/token-endpoint.log" >&2; stack_die "the token endpoint stand-in did not start"; }
  stack_step "the machine's token: cognito-setup.sh --machine-client-id ... --token-endpoint ${url}"
  bash "$STACK_ROOT/scripts/cognito-setup.sh" --output "$dir/machine.env" --user-pool-id "$USER_POOL_ID" \
    --client-id "$APP_CLIENT_ID" --login-only --machine-client-id "$MACHINE_CLIENT_ID" --token-endpoint "$url" \
    --mask-tokens >"$STACK_DIR/setup-machine.log" 2>&1 ||
    { cat "$STACK_DIR/setup-machine.log" >&2; stack_die "cognito-setup.sh (machine token) failed"; }
  GATEWAY_CLIENT_IDS="${APP_CLIENT_ID},${MACHINE_CLIENT_ID}"
  export MACHINE_CLIENT_ID GATEWAY_CLIENT_IDS
}

# stack_expired_token: reads a token moto issued on stdin and prints the same token expired an
# hour ago, signed again with moto's own bundled signing key (scripts/moto_resign.py): the
# expired token moto would have issued. Emulator only: the key is public test material.
stack_expired_token() {
  "$STACK_ROOT/.venv/bin/python" "$STACK_ROOT/scripts/moto_resign.py" expired
}
