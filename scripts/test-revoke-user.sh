#!/usr/bin/env bash
# Runs scripts/test_revoke_user.py (scripts/revoke-user.sh against moto's Cognito and
# DynamoDB; standard-library Python) with the project's .venv Python, which also provides the
# AWS CLI, against a fresh moto started by scripts/lib-stack.sh (and stopped on exit).
set -euo pipefail
STACK_NAME=test-revoke-user
# shellcheck source=scripts/lib-stack.sh
source "$(dirname "$0")/lib-stack.sh"
cd "$STACK_ROOT"
[[ -x .venv/bin/python ]] || stack_die ".venv/bin/python not found (run 'make venv')"
STACK_DIR="$(mktemp -d)"
trap 'stack_cleanup; rm -rf "$STACK_DIR"' EXIT
stack_start_moto
.venv/bin/python scripts/test_revoke_user.py --moto-url "$MOTO_URL" "$@"
