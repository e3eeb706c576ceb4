#!/usr/bin/env bash
# The Cognito guide's set-up through the AWS CLI, safe against a real pool: see
# scripts/cognito_setup.py (Python 3.8+, standard library only) and `--help`.
set -euo pipefail
command -v python3 >/dev/null 2>&1 || {
  echo "cognito-setup: error: python3 is not on PATH (the script needs Python 3.8 or newer)" >&2
  exit 1
}
exec python3 "$(dirname "${BASH_SOURCE[0]}")/cognito_setup.py" "$@"
