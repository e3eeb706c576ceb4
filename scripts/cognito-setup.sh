#!/usr/bin/env bash
# The Cognito guide (create-user-pool -> create-user-pool-client -> admin-create-user ->
# admin-set-user-password -> initiate-auth) as one script.
#
# Prints the user pool ID, the app client ID and the tokens, and writes them to an env
# file (default .local/cognito.env, mode 600) that scripts/write-event-tokens.sh and the
# README's curl examples read. Any AWS error stops the script and is shown.
#
# Works unchanged against a local Cognito emulator: point the AWS CLI at it with its own
# AWS_ENDPOINT_URL (for example moto_server; see scripts/test-cognito-setup.sh).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/cognito-setup.sh [options]

Creates a Cognito user pool and app client exactly as the guide does, creates a user with
a temporary password (welcome message suppressed), sets its permanent password and logs
in with USER_PASSWORD_AUTH. Values default to the guide's.

Options:
  --region REGION            AWS region (default: ap-northeast-1)
  --pool-name NAME           user pool name (default: MyUserPool)
  --client-name NAME         app client name (default: MyAppClient)
  --email EMAIL              user name and e-mail (default: testuser@example.com)
  --temporary-password PW    temporary password (default: the guide's; or $COGNITO_TEMP_PASSWORD)
  --password PW              permanent password (default: the guide's; or $COGNITO_PASSWORD)
  --user-pool-id ID          use this existing pool instead of creating one
  --client-id ID             use this existing app client (requires --user-pool-id)
  --stack NAME               use the pool, client and API URL of a deployed SAM stack
  --group NAME               also add the user to this group (created if missing), e.g. admin
  --login-only               the user exists already: only log in (needs a pool and client)
  --output FILE              env file to write (default: .local/cognito.env)
  --mask-tokens              print only the first characters of each token
                             (the default when CI is set); the file always holds full tokens
  -h, --help                 this help

Examples:
  scripts/cognito-setup.sh                                   # the guide, end to end
  scripts/cognito-setup.sh --stack cognito-authorizer --group admin
  AWS_ENDPOINT_URL=http://127.0.0.1:5000 scripts/cognito-setup.sh   # a local emulator
EOF
}

die() {
  printf 'cognito-setup: error: %s\n' "$*" >&2
  exit 1
}

# The guide's values.
REGION="ap-northeast-1"
POOL_NAME="MyUserPool"
CLIENT_NAME="MyAppClient"
EMAIL="testuser@example.com"
TEMP_PASSWORD="${COGNITO_TEMP_PASSWORD:-TempPass#1234}"
PASSWORD="${COGNITO_PASSWORD:-NewSecurePass#5678}"
USER_POOL_ID=""
APP_CLIENT_ID=""
STACK=""
GROUP=""
LOGIN_ONLY=false
OUTPUT=".local/cognito.env"
MASK_TOKENS=false
if [[ -n "${CI:-}" && "${CI}" != "false" ]]; then
  MASK_TOKENS=true
fi

need_value() {
  [[ $# -ge 2 && -n "$2" ]] || die "option $1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --region) need_value "$@"; REGION="$2"; shift 2 ;;
    --pool-name) need_value "$@"; POOL_NAME="$2"; shift 2 ;;
    --client-name) need_value "$@"; CLIENT_NAME="$2"; shift 2 ;;
    --email | --username) need_value "$@"; EMAIL="$2"; shift 2 ;;
    --temporary-password) need_value "$@"; TEMP_PASSWORD="$2"; shift 2 ;;
    --password) need_value "$@"; PASSWORD="$2"; shift 2 ;;
    --user-pool-id) need_value "$@"; USER_POOL_ID="$2"; shift 2 ;;
    --client-id) need_value "$@"; APP_CLIENT_ID="$2"; shift 2 ;;
    --stack) need_value "$@"; STACK="$2"; shift 2 ;;
    --group) need_value "$@"; GROUP="$2"; shift 2 ;;
    --login-only) LOGIN_ONLY=true; shift ;;
    --output) need_value "$@"; OUTPUT="$2"; shift 2 ;;
    --mask-tokens) MASK_TOKENS=true; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see --help)" ;;
  esac
done

command -v aws >/dev/null 2>&1 || die "the AWS CLI (aws) is not on PATH; install it and run 'aws configure' first"

# No pager (AWS CLI v2 would otherwise page JSON output).
export AWS_PAGER=""

ERR_FILE="$(mktemp)"
trap 'rm -f "$ERR_FILE"' EXIT

# awscall STEP ARGS...: runs `aws ARGS... --region REGION`, prints its stdout; on failure
# shows the AWS error and stops.
awscall() {
  local step="$1"
  shift
  local out
  if ! out="$(aws "$@" --region "$REGION" 2>"$ERR_FILE")"; then
    printf 'cognito-setup: error: %s failed:\n' "$step" >&2
    sed '/^[[:space:]]*$/d; s/^/  /' "$ERR_FILE" >&2
    if grep -q 'UsernameExistsException' "$ERR_FILE"; then
      printf '  (the user exists already: add --login-only to just log in)\n' >&2
    fi
    exit 1
  fi
  printf '%s' "$out"
}

step() {
  printf '==> %s\n' "$*"
}

show_token() {
  local name="$1" value="$2"
  if [[ "$MASK_TOKENS" == true ]]; then
    printf '%s: %s... (%d chars; full value in %s)\n' "$name" "${value:0:16}" "${#value}" "$OUTPUT"
  else
    printf '%s: %s\n' "$name" "$value"
  fi
}

if [[ -n "${AWS_ENDPOINT_URL:-}" ]]; then
  step "using the endpoint in AWS_ENDPOINT_URL: ${AWS_ENDPOINT_URL}"
fi

API_URL=""
HTTP_API_URL=""
if [[ -n "$STACK" ]]; then
  [[ -z "$USER_POOL_ID" && -z "$APP_CLIENT_ID" ]] || die "--stack and --user-pool-id/--client-id exclude each other"
  step "reading the outputs of stack ${STACK}"
  stack_output() {
    awscall "describe-stacks ${STACK}" cloudformation describe-stacks --stack-name "$STACK" \
      --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]" --output text
  }
  USER_POOL_ID="$(stack_output UserPoolId)"
  APP_CLIENT_ID="$(stack_output AppClientId)"
  API_URL="$(stack_output ApiUrl)"
  HTTP_API_URL="$(stack_output HttpApiUrl)"
  [[ "$HTTP_API_URL" != "None" ]] || HTTP_API_URL=""
  [[ -n "$USER_POOL_ID" && "$USER_POOL_ID" != "None" ]] || die "stack ${STACK} has no UserPoolId output"
  [[ -n "$APP_CLIENT_ID" && "$APP_CLIENT_ID" != "None" ]] || die "stack ${STACK} has no AppClientId output"
  [[ "$USER_POOL_ID" != *,* ]] || die "stack ${STACK} trusts several pools (${USER_POOL_ID}); pass --user-pool-id and --client-id"
fi

if [[ -n "$APP_CLIENT_ID" && -z "$USER_POOL_ID" ]]; then
  die "--client-id needs --user-pool-id"
fi
if [[ "$LOGIN_ONLY" == true && ( -z "$USER_POOL_ID" || -z "$APP_CLIENT_ID" ) ]]; then
  die "--login-only needs an existing pool and client (--stack, or --user-pool-id and --client-id)"
fi

# 1. The user pool (guide step 2).
if [[ -z "$USER_POOL_ID" ]]; then
  step "create-user-pool ${POOL_NAME} (${REGION})"
  USER_POOL_ID="$(awscall create-user-pool cognito-idp create-user-pool \
    --pool-name "$POOL_NAME" \
    --policies '{
      "PasswordPolicy": {
        "MinimumLength": 8,
        "RequireUppercase": true,
        "RequireLowercase": true,
        "RequireNumbers": true,
        "RequireSymbols": false
      }
    }' \
    --auto-verified-attributes "email" \
    --schema '[
      {
        "Name": "email",
        "AttributeDataType": "String",
        "Mutable": true,
        "Required": true
      }
    ]' \
    --query 'UserPool.Id' --output text)"
else
  step "using user pool ${USER_POOL_ID}"
fi
[[ -n "$USER_POOL_ID" && "$USER_POOL_ID" != "None" ]] || die "create-user-pool returned no pool ID"

# 2. The app client without a secret (guide step 3).
if [[ -z "$APP_CLIENT_ID" ]]; then
  step "create-user-pool-client ${CLIENT_NAME}"
  APP_CLIENT_ID="$(awscall create-user-pool-client cognito-idp create-user-pool-client \
    --user-pool-id "$USER_POOL_ID" \
    --client-name "$CLIENT_NAME" \
    --no-generate-secret \
    --explicit-auth-flows "ALLOW_USER_PASSWORD_AUTH" "ALLOW_REFRESH_TOKEN_AUTH" \
    --supported-identity-providers "COGNITO" \
    --query 'UserPoolClient.ClientId' --output text)"
else
  step "using app client ${APP_CLIENT_ID}"
fi
[[ -n "$APP_CLIENT_ID" && "$APP_CLIENT_ID" != "None" ]] || die "create-user-pool-client returned no client ID"

if [[ "$LOGIN_ONLY" != true ]]; then
  # 3. The user with a temporary password, no welcome e-mail (guide step 4).
  step "admin-create-user ${EMAIL} (temporary password, welcome message suppressed)"
  awscall admin-create-user cognito-idp admin-create-user \
    --user-pool-id "$USER_POOL_ID" \
    --username "$EMAIL" \
    --user-attributes "Name=email,Value=${EMAIL}" \
    --temporary-password "$TEMP_PASSWORD" \
    --message-action SUPPRESS \
    --query 'User.Username' --output text >/dev/null

  # 4. The permanent password, so no change is asked at the first login (guide step 5).
  step "admin-set-user-password ${EMAIL} --permanent"
  awscall admin-set-user-password cognito-idp admin-set-user-password \
    --user-pool-id "$USER_POOL_ID" \
    --username "$EMAIL" \
    --password "$PASSWORD" \
    --permanent >/dev/null
fi

# Optional: a group (for ROUTE_RULES such as GET /admin -> admin). Before the login, so
# that the tokens carry cognito:groups.
if [[ -n "$GROUP" ]]; then
  if aws cognito-idp get-group --user-pool-id "$USER_POOL_ID" --group-name "$GROUP" \
    --region "$REGION" >/dev/null 2>"$ERR_FILE"; then
    step "group ${GROUP} exists"
  elif grep -q 'ResourceNotFoundException' "$ERR_FILE"; then
    step "create-group ${GROUP}"
    awscall create-group cognito-idp create-group \
      --user-pool-id "$USER_POOL_ID" --group-name "$GROUP" >/dev/null
  else
    printf 'cognito-setup: error: get-group failed:\n' >&2
    sed '/^[[:space:]]*$/d; s/^/  /' "$ERR_FILE" >&2
    exit 1
  fi
  step "admin-add-user-to-group ${EMAIL} -> ${GROUP}"
  awscall admin-add-user-to-group cognito-idp admin-add-user-to-group \
    --user-pool-id "$USER_POOL_ID" --username "$EMAIL" --group-name "$GROUP" >/dev/null
fi

# 5. Log in (guide step 6).
step "initiate-auth USER_PASSWORD_AUTH as ${EMAIL}"
AUTH="$(awscall initiate-auth cognito-idp initiate-auth \
  --auth-flow USER_PASSWORD_AUTH \
  --client-id "$APP_CLIENT_ID" \
  --auth-parameters "USERNAME=${EMAIL},PASSWORD=${PASSWORD}" \
  --query '[ChallengeName, AuthenticationResult.IdToken, AuthenticationResult.AccessToken, AuthenticationResult.RefreshToken]' \
  --output text)"
IFS=$'\t' read -r CHALLENGE ID_TOKEN ACCESS_TOKEN REFRESH_TOKEN <<<"$AUTH"
if [[ "$CHALLENGE" != "None" ]]; then
  die "initiate-auth answered with the challenge ${CHALLENGE} instead of tokens"
fi
for t in ID_TOKEN ACCESS_TOKEN; do
  [[ "${!t}" == *.*.* ]] || die "initiate-auth returned no ${t}"
done

# Write the env file (mode 600: it holds bearer tokens).
mkdir -p "$(dirname "$OUTPUT")"
(
  umask 077
  {
    printf '# Written by scripts/cognito-setup.sh on %s. Holds bearer tokens: keep it private.\n' \
      "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf 'AWS_REGION=%q\n' "$REGION"
    printf 'USER_POOL_ID=%q\n' "$USER_POOL_ID"
    printf 'APP_CLIENT_ID=%q\n' "$APP_CLIENT_ID"
    printf 'COGNITO_USERNAME=%q\n' "$EMAIL"
    printf 'ID_TOKEN=%q\n' "$ID_TOKEN"
    printf 'ACCESS_TOKEN=%q\n' "$ACCESS_TOKEN"
    printf 'REFRESH_TOKEN=%q\n' "$REFRESH_TOKEN"
    if [[ -n "$API_URL" ]]; then printf 'API_URL=%q\n' "$API_URL"; fi
    if [[ -n "$HTTP_API_URL" ]]; then printf 'HTTP_API_URL=%q\n' "$HTTP_API_URL"; fi
  } >"${OUTPUT}.tmp"
)
chmod 600 "${OUTPUT}.tmp"
mv -f "${OUTPUT}.tmp" "$OUTPUT"

echo
printf 'UserPoolId: %s\n' "$USER_POOL_ID"
printf 'AppClientId: %s\n' "$APP_CLIENT_ID"
show_token IdToken "$ID_TOKEN"
show_token AccessToken "$ACCESS_TOKEN"
show_token RefreshToken "$REFRESH_TOKEN"
if [[ -n "$API_URL" ]]; then printf 'ApiUrl: %s\n' "$API_URL"; fi
if [[ -n "$HTTP_API_URL" ]]; then printf 'HttpApiUrl: %s\n' "$HTTP_API_URL"; fi
# shellcheck disable=SC2016 # $ID_TOKEN is meant literally, for the reader to paste
printf 'Wrote %s (mode 600). Use it with:  source %s && curl -H "Authorization: Bearer $ID_TOKEN" ...\n' \
  "$OUTPUT" "$OUTPUT"
