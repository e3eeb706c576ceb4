#!/usr/bin/env bash
# Proves the deploy paths work the first time (`make test-template`):
#   validate  sam validate --lint, sam validate and cfn-lint on template.yaml, all clean,
#             offline (dummy credentials, a region, proxies pointing at a closed local port)
#   translate scripts/check_template.py: the SAM transform's output, resolved per parameter set,
#             checked for what the README promises (auth on each route, identity sources, one
#             stage, CORS, access logs, least privilege, the guide's pool kept on a switch,
#             AdminGroup as strict as Cognito and the api-handler), and its routes the same
#             as the api-handler's and the local gateway's (the print-routes binary)
#   build     sam build for x86_64 (arm64 stays the template default; its Rust target cannot
#             be installed here), artifacts checked to be x86-64 executables
#   cognito   scripts/test-with-moto.sh scripts/test_cognito_setup.py: the guide's set-up script against moto,
#             and scripts/test_machine_token.py: its machine token from a token-endpoint stand-in
#   revoke    scripts/test-with-moto.sh scripts/test_revoke_user.py: the admin sign-out script (revocation entry, then
#             AdminUserGlobalSignOut) against moto's Cognito and DynamoDB
# (The events/authorizer-*.json checks under `cargo lambda watch` are end-to-end tests:
# tests/e2e/authorizer_events.rs, run by scripts/e2e.sh.)
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
  # The AdminGroup check runs the api-handler binary (its ADMIN_GROUP validation) on sample
  # names; the route check reads the api-handler's and the local gateway's route tables from
  # print-routes (tests/src/bin).
  local bin
  for bin in api-handler print-routes; do
    if ! cargo build --quiet --locked --bin "$bin" 2>"$ROOT/target/${bin}-build.log"; then
      tail -n 40 "$ROOT/target/${bin}-build.log"
      not_ok "cargo build --bin $bin"
      return 0
    fi
  done
  if offline python3 scripts/check_template.py --api-handler "$ROOT/target/debug/api-handler" \
    --print-routes "$ROOT/target/debug/print-routes"; then
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
  # --parameter-overrides Architecture=x86_64 (docs/deploy.md says so).
  if [[ -f .aws-sam/build/template.yaml ]]; then
    ok ".aws-sam/build/template.yaml written"
  else
    not_ok ".aws-sam/build/template.yaml missing"
  fi
}

# run_script_test TITLE TEST.py: one of the scripts' tests against a fresh moto.
run_script_test() {
  section "$1"
  if bash scripts/test-with-moto.sh "$2"; then
    ok "$2"
  else
    not_ok "$2"
  fi
}

stage_cognito() {
  run_script_test "scripts/cognito-setup.sh against moto" scripts/test_cognito_setup.py
  run_script_test "cognito-setup.sh's machine token (a token-endpoint stand-in)" scripts/test_machine_token.py
}

stage_revoke() { run_script_test "scripts/revoke-user.sh against moto" scripts/test_revoke_user.py; }

STAGES=("$@")
if [[ ${#STAGES[@]} -eq 0 ]]; then
  STAGES=(validate translate build cognito revoke)
fi
for stage in "${STAGES[@]}"; do
  case "$stage" in
    validate | translate | build | cognito | revoke) "stage_${stage}" ;;
    *)
      printf 'check-template: unknown stage %s (validate, translate, build, cognito, revoke)\n' "$stage" >&2
      exit 2
      ;;
  esac
done

echo
echo "check-template: ${PASSED} passed, ${FAILED} failed"
[[ "$FAILED" -eq 0 ]]
