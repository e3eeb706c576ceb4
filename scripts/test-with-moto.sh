#!/usr/bin/env bash
# test-with-moto.sh TEST.py [ARGS...]: runs one of the scripts' tests (standard-library
# Python: scripts/test_cognito_setup.py tests cognito-setup.sh, scripts/test_revoke_user.py
# tests revoke-user.sh) with the project's .venv Python, which also provides the AWS CLI,
# against a fresh moto started by scripts/lib-stack.sh (and stopped on exit).
set -euo pipefail
[[ $# -ge 1 && "$1" == scripts/test_*.py ]] || { echo "usage: $0 scripts/test_NAME.py [ARGS...]" >&2; exit 2; }
TEST="$1"
shift
STACK_NAME="$(basename "$TEST" .py)"
# shellcheck source=scripts/lib-stack.sh
source "$(dirname "$0")/lib-stack.sh"
cd "$STACK_ROOT"
[[ -x .venv/bin/python ]] || stack_die ".venv/bin/python not found (run 'make venv')"
STACK_DIR="$(mktemp -d)"
trap 'stack_cleanup; rm -rf "$STACK_DIR"' EXIT
stack_start_moto
.venv/bin/python "$TEST" --moto-url "$MOTO_URL" "$@"
