#!/usr/bin/env bash
# Writes a real token into the events that carry the placeholder REPLACE_WITH_ID_TOKEN.
#
# The committed events/*.json keep the placeholder; each one that has it is copied to
# events/<name>.local.json (git-ignored) with the token in place, so a real bearer token
# never lands in git. Use the copies with sam local invoke / cargo lambda invoke.
#
# The token comes from --token, else from the env file scripts/cognito-setup.sh wrote
# (.local/cognito.env by default: the guide's login, against AWS or a local emulator).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  cat <<'EOF'
Usage: scripts/write-event-tokens.sh [--token-use id|access] [--env-file FILE] [--token JWT]

  --token-use id|access  which token of the env file to write (default: id = IdToken)
  --env-file FILE        env file written by scripts/cognito-setup.sh (default: .local/cognito.env)
  --token JWT            write this token instead (e.g. one minted locally)
  --events DIR           events folder (default: events)

Writes events/<name>.local.json for every events/<name>.json holding REPLACE_WITH_ID_TOKEN.
EOF
}

die() {
  printf 'write-event-tokens: error: %s\n' "$*" >&2
  exit 1
}

PLACEHOLDER="REPLACE_WITH_ID_TOKEN"
TOKEN_USE="id"
ENV_FILE=".local/cognito.env"
TOKEN=""
EVENTS="events"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --token-use) [[ $# -ge 2 ]] || die "--token-use needs a value"; TOKEN_USE="$2"; shift 2 ;;
    --env-file) [[ $# -ge 2 ]] || die "--env-file needs a value"; ENV_FILE="$2"; shift 2 ;;
    --token) [[ $# -ge 2 ]] || die "--token needs a value"; TOKEN="$2"; shift 2 ;;
    --events) [[ $# -ge 2 ]] || die "--events needs a value"; EVENTS="$2"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

if [[ -z "$TOKEN" ]]; then
  [[ -f "$ENV_FILE" ]] || die "no token: pass --token, or run scripts/cognito-setup.sh first (it writes ${ENV_FILE})"
  case "$TOKEN_USE" in
    id) var=ID_TOKEN ;;
    access) var=ACCESS_TOKEN ;;
    *) die "--token-use must be id or access, not ${TOKEN_USE}" ;;
  esac
  # Read only the one line, without sourcing the file.
  TOKEN="$(sed -n "s/^${var}=//p" "$ENV_FILE" | tail -n 1)"
  [[ -n "$TOKEN" ]] || die "${ENV_FILE} has no ${var}"
fi

# A JWT is three base64url parts; refusing anything else also keeps sed safe below.
[[ "$TOKEN" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$ ]] ||
  die "the token is not a JWT (three base64url parts separated by dots)"

written=0
shopt -s nullglob
for event in "$EVENTS"/*.json; do
  case "$event" in *.local.json) continue ;; esac
  grep -q "$PLACEHOLDER" "$event" || continue
  out="${event%.json}.local.json"
  (
    umask 077
    sed "s|${PLACEHOLDER}|${TOKEN}|g" "$event" >"${out}.tmp"
  )
  mv -f "${out}.tmp" "$out"
  printf 'wrote %s\n' "$out"
  written=$((written + 1))
done
[[ "$written" -gt 0 ]] || die "no event in ${EVENTS}/ holds ${PLACEHOLDER}"
printf '%d event(s) now carry the token (git-ignored *.local.json copies)\n' "$written"
