#!/usr/bin/env bash
# Proves the deploy paths work the first time (`make test-template`):
#   validate  sam validate --lint, sam validate and cfn-lint on template.yaml, all clean,
#             offline (dummy credentials, a region, proxies pointing at a closed local port)
#   translate scripts/check_template.py: the SAM transform's output, resolved per parameter set,
#             checked for what the README promises (auth on each route, identity sources, one
#             stage, CORS, access logs, least privilege, the guide's pool kept on a switch,
#             AdminGroup as strict as Cognito and the api-handler)
#   build     sam build for x86_64 (arm64 stays the template default; its Rust target cannot
#             be installed here), artifacts checked to be x86-64 executables
#   cognito   scripts/test-cognito-setup.sh: the guide's set-up script against moto
#   events    every events/authorizer-*.json answered as documented by the authorizer run
#             under `cargo lambda watch` and called with `cargo lambda invoke`, with real
#             tokens from the set-up script against moto (JWKS from moto via COGNITO_ENDPOINT)
# Usage: scripts/check-template.sh [STAGE...]   (default: all, in that order)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# The project's own tools first (cargo-lambda's zig comes from .venv too).
export PATH="$ROOT/.venv/bin:$PATH"
export SAM_CLI_TELEMETRY=0

for tool in sam cfn-lint cargo cargo-lambda aws moto_server python3 curl; do
  command -v "$tool" >/dev/null 2>&1 || {
    printf 'check-template: %s not found; run make venv (Python tools) or install Rust\n' "$tool" >&2
    exit 1
  }
done

PASSED=0
FAILED=0
ok() {
  PASSED=$((PASSED + 1))
  printf 'ok   %s\n' "$*"
}
not_ok() {
  FAILED=$((FAILED + 1))
  printf 'FAIL %s\n' "$*"
}
section() { printf '\n=== %s\n' "$*"; }

# Environment in which nothing can reach AWS: a region, dummy credentials, no shared
# config or metadata service, and every proxy variable pointing at a closed local port.
offline() {
  env -u AWS_PROFILE -u AWS_DEFAULT_PROFILE -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL \
    AWS_DEFAULT_REGION=ap-northeast-1 AWS_REGION=ap-northeast-1 \
    AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing \
    AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_EC2_METADATA_DISABLED=true \
    HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 \
    https_proxy=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9 NO_PROXY= no_proxy= \
    "$@"
}

stage_validate() {
  section "template checks (offline)"
  local out
  if out="$(offline sam validate --lint --template-file template.yaml 2>&1)" &&
    [[ "$out" == *"is a valid SAM Template" && "$(printf '%s\n' "$out" | wc -l)" -eq 1 ]]; then
    ok "sam validate --lint: $out"
  else
    not_ok "sam validate --lint:"
    printf '%s\n' "$out"
  fi
  if out="$(offline sam validate --template-file template.yaml 2>&1)" &&
    [[ "$out" == *"is a valid SAM Template"* ]]; then
    ok "sam validate: clean"
  else
    not_ok "sam validate:"
    printf '%s\n' "$out"
  fi
  # cfn-lint exits non-zero on errors, warnings and informational findings alike.
  if out="$(offline cfn-lint --format parseable -- template.yaml 2>&1)" && [[ -z "$out" ]]; then
    ok "cfn-lint $(cfn-lint --version | cut -d' ' -f2): no findings"
  else
    not_ok "cfn-lint:"
    printf '%s\n' "$out"
  fi
}

stage_translate() {
  section "SAM transform output"
  # The AdminGroup check runs the api-handler binary (its ADMIN_GROUP validation) on sample names.
  if ! cargo build --quiet --locked -p api-handler --bin api-handler 2>"$ROOT/target/api-handler-build.log"; then
    tail -n 40 "$ROOT/target/api-handler-build.log"
    not_ok "cargo build -p api-handler --bin api-handler"
    return 0
  fi
  if offline python3 scripts/check_template.py --api-handler "$ROOT/target/debug/api-handler"; then
    ok "SAM transform output as documented (scripts/check_template.py)"
  else
    not_ok "SAM transform output (see FAIL lines above)"
  fi
}

elf_machine() { # prints the ELF e_machine of a file: 62 = x86-64, 183 = aarch64
  python3 -c 'import sys, struct
b = open(sys.argv[1], "rb").read(20)
print(struct.unpack("<H", b[18:20])[0] if b[:4] == b"\x7fELF" else "not-elf")' "$1"
}

stage_build() {
  section "sam build (x86_64)"
  local start end
  mkdir -p "$ROOT/target"
  start=$(date +%s)
  # Same command as the README's; the Rust build lands in the workspace's shared target/
  # (target/x86_64-unknown-linux-gnu/release), so repeated runs are incremental.
  if sam build --parameter-overrides Architecture=x86_64 >"$ROOT/target/sam-build.log" 2>&1; then
    end=$(date +%s)
    ok "sam build --parameter-overrides Architecture=x86_64 ($((end - start)) s)"
  else
    tail -n 60 "$ROOT/target/sam-build.log" || true
    not_ok "sam build --parameter-overrides Architecture=x86_64 (log: target/sam-build.log)"
    return 0
  fi
  local fn
  for fn in AuthorizerFunction ApiFunction; do
    local bin=".aws-sam/build/${fn}/bootstrap"
    if [[ -x "$bin" && "$(elf_machine "$bin")" == 62 ]]; then
      ok "$bin is an x86-64 executable ($(du -h "$bin" | cut -f1))"
    else
      not_ok "$bin missing, not executable or not x86-64"
    fi
  done
  # sam build does not rewrite the parameter: deploy these artifacts with the same
  # --parameter-overrides Architecture=x86_64 (the README says so).
  if [[ -f .aws-sam/build/template.yaml ]]; then
    ok ".aws-sam/build/template.yaml written"
  else
    not_ok ".aws-sam/build/template.yaml missing"
  fi
}

stage_cognito() {
  section "scripts/cognito-setup.sh against moto"
  if bash scripts/test-cognito-setup.sh; then
    ok "scripts/test-cognito-setup.sh"
  else
    not_ok "scripts/test-cognito-setup.sh"
  fi
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # wait_port PORT PID SECONDS: until something listens on 127.0.0.1:PORT
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

stage_events() {
  section "events/authorizer-*.json under cargo lambda watch + invoke"
  local work
  work="$(mktemp -d)"
  EVENTS_WORK="$work"

  # Every event is JSON; the ones with a token carry the placeholder, not a real token.
  local ev
  for ev in events/authorizer-*.json; do
    [[ "$ev" == *.local.json ]] && continue
    if python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$ev" 2>/dev/null &&
      ! grep -q 'eyJ' "$ev"; then
      ok "$ev is JSON without a real token"
    else
      not_ok "$ev is not JSON, or carries a real token"
    fi
  done

  # moto: the Cognito emulator that issues the tokens and serves the pool's JWKS.
  local moto_port
  moto_port="$(free_port)"
  set -m
  moto_server -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
  MOTO_PID=$!
  set +m
  wait_port "$moto_port" "$MOTO_PID" 30 || {
    cat "$work/moto.log"
    not_ok "moto_server did not start"
    return 0
  }
  local awsenv=(AWS_ENDPOINT_URL="http://127.0.0.1:${moto_port}" AWS_ACCESS_KEY_ID=testing
    AWS_SECRET_ACCESS_KEY=testing AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
    AWS_EC2_METADATA_DISABLED=true CI=true)
  env "${awsenv[@]}" bash scripts/cognito-setup.sh --group admin --output "$work/admin.env" >"$work/setup.log" 2>&1 || {
    cat "$work/setup.log"
    not_ok "cognito-setup.sh (admin user)"
    return 0
  }
  local pool client
  pool="$(sed -n 's/^USER_POOL_ID=//p' "$work/admin.env")"
  client="$(sed -n 's/^APP_CLIENT_ID=//p' "$work/admin.env")"
  env "${awsenv[@]}" bash scripts/cognito-setup.sh --user-pool-id "$pool" --client-id "$client" \
    --email member@example.com --output "$work/member.env" >"$work/setup2.log" 2>&1 || {
    cat "$work/setup2.log"
    not_ok "cognito-setup.sh (member user, no group)"
    return 0
  }

  # Build first, so that compile errors show here and the first invoke does not wait.
  if ! cargo build --quiet -p authorizer --bin authorizer 2>"$work/build.log"; then
    tail -n 40 "$work/build.log"
    not_ok "cargo build -p authorizer --bin authorizer"
    return 0
  fi

  # The authorizer as the README runs it: cargo lambda watch, configured like the template's
  # defaults, fetching the pool's JWKS from moto.
  local invoke_port
  invoke_port="$(free_port)"
  set -m
  # An env file, as the README shows (--env-var would split ROUTE_RULES at its commas).
  cat >"$work/authorizer.env" <<ENV
USER_POOL_ID=${pool}
APP_CLIENT_ID=${client}
COGNITO_ENDPOINT=http://127.0.0.1:${moto_port}
TOKEN_USE=any
HTTP_API_RESPONSE=simple
ROUTE_RULES='{"GET /admin": {"groups": ["admin"]}, "GET /reports/*": {"groups": ["admin", "auditors"]}}'
ENV
  cargo lambda watch --quiet --invoke-address 127.0.0.1 --invoke-port "$invoke_port" \
    --ignore-changes --env-file "$work/authorizer.env" >"$work/watch.log" 2>&1 &
  WATCH_PID=$!
  set +m
  if ! wait_port "$invoke_port" "$WATCH_PID" 60; then
    tail -n 40 "$work/watch.log"
    not_ok "cargo lambda watch did not start"
    return 0
  fi

  # invoke NAME EVENT_FILE EXPECT: EXPECT is a Python expression over `r` (the JSON answer)
  # or the word Unauthorized (the function's error).
  invoke() {
    local what="$1" file="$2" expect="$3" out
    if out="$(timeout 180 cargo lambda invoke authorizer --invoke-address 127.0.0.1 --invoke-port "$invoke_port" \
      --data-file "$file" --output-format json 2>&1)"; then
      if [[ "$expect" != Unauthorized ]] &&
        python3 -c 'import json, sys; r = json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' \
          "$out" "$expect" 2>/dev/null; then
        ok "$what"
      else
        not_ok "$what: got $out"
      fi
    elif [[ "$expect" == Unauthorized && "$out" == *Unauthorized* ]]; then
      ok "$what"
    else
      not_ok "$what: failed: $out"
    fi
  }

  local stage_arn='arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod'
  local allow_all="any(s['Effect'] == 'Allow' and '${stage_arn}/*/*' in (s['Resource'] if isinstance(s['Resource'], list) else [s['Resource']]) for s in r['policyDocument']['Statement'])"
  local denies_admin="any(s['Effect'] == 'Deny' and any(x.startswith('${stage_arn}/GET/admin') for x in (s['Resource'] if isinstance(s['Resource'], list) else [s['Resource']])) for s in r['policyDocument']['Statement'])"
  local no_deny="all(s['Effect'] == 'Allow' for s in r['policyDocument']['Statement'])"

  local who
  for who in admin member; do
    bash scripts/write-event-tokens.sh --env-file "$work/${who}.env" >/dev/null
    local sub
    sub="$(python3 -c 'import base64, json, sys
p = sys.argv[1].split(".")[1]
print(json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))["sub"])' \
      "$(sed -n 's/^ID_TOKEN=//p' "$work/${who}.env")")"
    local principal="r['principalId'] == '${sub}'"
    if [[ "$who" == admin ]]; then
      invoke "REST TOKEN GET /hello, admin: Allow stage, no Deny" events/authorizer-rest-token.local.json "$principal and $allow_all and $no_deny"
      invoke "REST TOKEN GET /admin, admin: Allow stage, no Deny" events/authorizer-rest-token-admin.local.json "$allow_all and $no_deny"
      invoke "REST REQUEST GET /me, admin: Allow stage" events/authorizer-rest-request.local.json "$principal and $allow_all and $no_deny"
      invoke "HTTP API GET /hello, admin: isAuthorized" events/authorizer-http-v2.local.json "r['isAuthorized'] is True"
      invoke "HTTP API GET /admin, admin: isAuthorized" events/authorizer-http-v2-admin.local.json "r['isAuthorized'] is True"
    else
      invoke "REST TOKEN GET /hello, member: Allow stage + Deny GET /admin" events/authorizer-rest-token.local.json "$principal and $allow_all and $denies_admin"
      invoke "REST TOKEN GET /admin, member: Deny GET /admin" events/authorizer-rest-token-admin.local.json "$denies_admin"
      invoke "REST REQUEST GET /me, member: Allow stage + Deny GET /admin" events/authorizer-rest-request.local.json "$principal and $allow_all and $denies_admin"
      invoke "HTTP API GET /hello, member: isAuthorized" events/authorizer-http-v2.local.json "r['isAuthorized'] is True"
      invoke "HTTP API GET /admin, member: not isAuthorized" events/authorizer-http-v2-admin.local.json "r['isAuthorized'] is False"
    fi
  done
  # The AccessToken is accepted too (TOKEN_USE=any).
  bash scripts/write-event-tokens.sh --env-file "$work/member.env" --token-use access >/dev/null
  invoke "REST TOKEN GET /hello, member AccessToken: Allow stage" events/authorizer-rest-token.local.json "$allow_all"
  # Placeholders and broken or missing tokens: Unauthorized (401).
  invoke "REST TOKEN with the placeholder: Unauthorized" events/authorizer-rest-token.json Unauthorized
  invoke "REST TOKEN, not a JWT: Unauthorized" events/authorizer-rest-token-invalid.json Unauthorized
  invoke "REST REQUEST, no Authorization: Unauthorized" events/authorizer-rest-request-missing-token.json Unauthorized
  invoke "HTTP API, no authorization: Unauthorized" events/authorizer-http-v2-missing-token.json Unauthorized
  events_cleanup
}

# Background processes of the events stage (own process groups) and its scratch files;
# also run on any exit.
MOTO_PID=""
WATCH_PID=""
EVENTS_WORK=""
events_cleanup() {
  local pid
  for pid in $WATCH_PID $MOTO_PID; do
    if kill -0 "$pid" 2>/dev/null; then
      # cargo lambda watch runs the function as a child: end its whole process group.
      kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  WATCH_PID=""
  MOTO_PID=""
  if [[ -n "$EVENTS_WORK" ]]; then rm -rf "$EVENTS_WORK"; fi
  EVENTS_WORK=""
  rm -f "$ROOT"/events/authorizer-*.local.json
}
trap events_cleanup EXIT

STAGES=("$@")
if [[ ${#STAGES[@]} -eq 0 ]]; then
  STAGES=(validate translate build cognito events)
fi
for stage in "${STAGES[@]}"; do
  case "$stage" in
    validate | translate | build | cognito | events) "stage_${stage}" ;;
    *)
      printf 'check-template: unknown stage %s (validate, translate, build, cognito, events)\n' "$stage" >&2
      exit 2
      ;;
  esac
done

echo
echo "check-template: ${PASSED} passed, ${FAILED} failed"
[[ "$FAILED" -eq 0 ]]
