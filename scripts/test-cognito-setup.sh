#!/usr/bin/env bash
# Runs scripts/test_cognito_setup.py (scripts/cognito-setup.sh against moto; standard-library
# Python) with the project's .venv Python, which also provides moto_server and the AWS CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ! -x .venv/bin/python ]]; then
  echo "test-cognito-setup: FAIL: .venv/bin/python not found (run 'make venv')" >&2
  exit 1
fi
exec .venv/bin/python scripts/test_cognito_setup.py "$@"
