#!/usr/bin/env bash
# Signs a (stolen) Cognito account out everywhere, for an administrator: the user's entry in
# the revocation list first, then Cognito's AdminUserGlobalSignOut (docs/revocation.md,
# "Deploying with revocation").
#
#   scripts/revoke-user.sh --user-pool-id ID --username NAME --table TABLE
#                          [--issuer ISS]... [--token-lifetime-seconds N]
#
# 1. admin-get-user: the user's `sub`.
# 2. dynamodb put-item, once per issuer: pk `sub#<iss>#<sub>`, not_before = now + 1 (tokens
#    with iat before it are revoked; one minted in the sign-out second itself is covered),
#    expires_at = not_before + N (the table's TTL attribute; N defaults to 86400, the longest
#    ID/access token lifetime Cognito allows).
# 3. admin-user-global-sign-out: Cognito stops accepting the user's refresh tokens.
#
# The entry comes first: were the order reversed and the write failed, the user's ID and
# access tokens would stay valid behind our API while the report said "signed out". A
# failure stops at its step, names it, and says what was already done.
#
# Issuers: without --issuer, both forms a Cognito pool can put in `iss` are written
# (https://cognito-idp.<pool region>.amazonaws.com/<pool id> and
# https://issuer-cognito-idp.<pool region>.amazonaws.com/<pool id>, Cognito's
# IssuerConfiguration ORIGINAL and UPDATED): the authorizer keys entries by the token's exact
# iss, and a pool that switched forms has live tokens of both. moto issues the first form.
#
# Region: AWS_REGION, else AWS_DEFAULT_REGION, else the AWS CLI's configured region. The AWS
# CLI itself honours AWS_ENDPOINT_URL (and the per-service AWS_ENDPOINT_URL_*), profiles and
# credentials as usual. No token or secret is handled, printed or put in argv: the script
# needs none (the IAM permissions cognito-idp:AdminGetUser, cognito-idp:AdminUserGlobalSignOut
# and dynamodb:PutItem on the table).
set -euo pipefail

PROG=revoke-user
DAY_SECONDS=86400

usage() {
  cat <<'EOF'
Usage: scripts/revoke-user.sh --user-pool-id ID --username NAME --table TABLE
                              [--issuer ISS]... [--token-lifetime-seconds N]

Signs a Cognito user out everywhere: writes the user's revocation-list entry (so our
authorizer refuses their ID and access tokens issued until now), then calls
AdminUserGlobalSignOut (so Cognito refuses their refresh tokens).

  --user-pool-id ID     the user pool, e.g. ap-northeast-1_abcdefgh
  --username NAME       the user's username (or alias Cognito accepts in AdminGetUser)
  --table TABLE         the revocation table (the stack output RevocationTableName)
  --issuer ISS          the token issuer to key the entry by; repeatable. Default: both
                        forms of the pool's issuer (cognito-idp and issuer-cognito-idp)
  --token-lifetime-seconds N
                        the app clients' longest ID/access token lifetime, 300 to 86400
                        (default 86400, Cognito's longest); the entry lives that long plus
                        the authorizer's largest clock skew (300 s), as /logout's do

Region from AWS_REGION, AWS_DEFAULT_REGION or the AWS CLI configuration; the AWS CLI honours
AWS_ENDPOINT_URL as usual.
EOF
}

usage_error() {
  printf '%s: %s\n' "$PROG" "$*" >&2
  printf "Run '%s --help' for usage.\n" "scripts/revoke-user.sh" >&2
  exit 2
}

POOL_ID=""
USERNAME=""
TABLE=""
ISSUERS=()
TOKEN_LIFETIME="$DAY_SECONDS"
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help)
      usage
      exit 0
      ;;
    --user-pool-id | --username | --table | --issuer | --token-lifetime-seconds)
      [[ $# -ge 2 ]] || usage_error "$1 needs a value"
      case "$1" in
        --user-pool-id) POOL_ID="$2" ;;
        --username) USERNAME="$2" ;;
        --table) TABLE="$2" ;;
        --issuer) ISSUERS+=("$2") ;;
        --token-lifetime-seconds) TOKEN_LIFETIME="$2" ;;
      esac
      shift 2
      ;;
    *) usage_error "unknown argument: $1" ;;
  esac
done

[[ -n "$POOL_ID" ]] || usage_error "--user-pool-id is required"
[[ -n "$USERNAME" ]] || usage_error "--username is required"
[[ -n "$TABLE" ]] || usage_error "--table is required"
# The pool ID is <region>_<id>: its region is the issuer's (the user pool's primary Region).
[[ "$POOL_ID" =~ ^([a-z0-9-]+)_[0-9A-Za-z]+$ ]] ||
  usage_error "--user-pool-id: $POOL_ID is not a user pool ID like ap-northeast-1_abcdefgh"
POOL_REGION="${BASH_REMATCH[1]}"
# DynamoDB's table-name rule.
[[ "$TABLE" =~ ^[A-Za-z0-9_.-]{3,255}$ ]] ||
  usage_error "--table: not a DynamoDB table name (3 to 255 of a-z, A-Z, 0-9, _ - .)"
[[ "$TOKEN_LIFETIME" =~ ^[1-9][0-9]{2,4}$ && "$TOKEN_LIFETIME" -ge 300 && "$TOKEN_LIFETIME" -le "$DAY_SECONDS" ]] ||
  usage_error "--token-lifetime-seconds: $TOKEN_LIFETIME is not a whole number of seconds from 300 to 86400"
if [[ ${#ISSUERS[@]} -eq 0 ]]; then
  ISSUERS=("https://cognito-idp.${POOL_REGION}.amazonaws.com/${POOL_ID}"
    "https://issuer-cognito-idp.${POOL_REGION}.amazonaws.com/${POOL_ID}")
fi
for iss in "${ISSUERS[@]}"; do
  # Goes into the key and into JSON: a URL's characters, no quote, backslash or '#'.
  [[ "$iss" =~ ^https?://[A-Za-z0-9._~:/?=@%+-]+$ ]] ||
    usage_error "--issuer: $iss is not an issuer URL (http(s)://, no quotes, spaces or '#')"
done

REGION="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
if [[ -z "$REGION" ]]; then
  REGION="$(aws configure get region 2>/dev/null || true)"
fi
[[ -n "$REGION" ]] || usage_error "no AWS Region: set AWS_REGION or configure one (aws configure)"

utc() { # utc EPOCH: ISO 8601 UTC (GNU date, else BSD date)
  date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ
}

DONE=()    # what has been done, for the failure report
ERR_FILE="$(mktemp)"
trap 'rm -f "$ERR_FILE"' EXIT

# fail STEP WHAT: the step that failed, the AWS CLI's message, what was done and what was not.
fail() {
  local step="$1" what="$2" item
  printf '%s: FAIL at step %s: %s\n' "$PROG" "$step" "$what" >&2
  if [[ -s "$ERR_FILE" ]]; then
    sed 's/^/  aws: /' "$ERR_FILE" >&2
  fi
  if [[ ${#DONE[@]} -eq 0 ]]; then
    printf '%s: already done: nothing\n' "$PROG" >&2
  else
    for item in "${DONE[@]}"; do
      printf '%s: already done: %s\n' "$PROG" "$item" >&2
    done
  fi
  case "$step" in
    1* | 2*) printf '%s: not done: admin-user-global-sign-out (the user is NOT signed out)\n' "$PROG" >&2 ;;
    3*) printf '%s: the list entry is written, so our API refuses their tokens; run again to retry the sign-out\n' \
      "$PROG" >&2 ;;
    4*) printf '%s: signed out in Cognito, but the final cut-off was not written: a token refreshed during the sign-out may stay valid; run again\n' \
      "$PROG" >&2 ;;
  esac
  exit 1
}

printf '%s: user %s in pool %s (region %s%s), table %s\n' "$PROG" "$USERNAME" "$POOL_ID" "$REGION" \
  "${AWS_ENDPOINT_URL:+, endpoint $AWS_ENDPOINT_URL}" "$TABLE"
if [[ "$TOKEN_LIFETIME" -lt "$DAY_SECONDS" ]]; then
  printf '%s: warning: --token-lifetime-seconds %s is under a day: tokens living longer stay valid after the entry expires\n' \
    "$PROG" "$TOKEN_LIFETIME" >&2
fi

# 1. The user's sub. Cognito is called in the pool's own Region (from its ID).
SUB="$(aws cognito-idp admin-get-user --region "$POOL_REGION" --user-pool-id "$POOL_ID" --username="$USERNAME" \
  --query "UserAttributes[?Name=='sub'].Value | [0]" --output text 2>"$ERR_FILE")" ||
  fail "1 (admin-get-user)" "could not read user $USERNAME"
# A Cognito sub is a UUID; anything else (or none) must not become a key.
[[ "$SUB" =~ ^[A-Za-z0-9-]{1,128}$ && "$SUB" != None ]] ||
  fail "1 (admin-get-user)" "user $USERNAME has no usable sub attribute"
printf '  1. admin-get-user: ok, sub %s\n' "$SUB"

# The entry outlives every token it covers in the authorizer's eyes: their lifetime, plus the
# largest CLOCK_SKEW_SECONDS the authorizer allows past exp (300), plus 60 s for tokens minted
# while the sign-out is in flight; the rule of revocation-table/src/schema.rs, which
# POST /logout writes by.
MAX_CLOCK_SKEW_SECONDS=300
IN_FLIGHT_SECONDS=60
# write_entries STEP NOT_BEFORE: the user's entry under each issuer, conditional like
# /logout's writes: it replaces an entry only with a later cut-off, so nothing moves a
# not_before back (a writer whose clock is behind, or whose call lands last).
write_entries() {
  local step="$1" not_before="$2" expires_at iss pk item
  expires_at=$((not_before + TOKEN_LIFETIME + MAX_CLOCK_SKEW_SECONDS + IN_FLIGHT_SECONDS))
  for iss in "${ISSUERS[@]}"; do
    pk="sub#${iss}#${SUB}"
    item="{\"pk\":{\"S\":\"${pk}\"},\"not_before\":{\"N\":\"${not_before}\"},\"expires_at\":{\"N\":\"${expires_at}\"}}"
    if aws dynamodb put-item --region "$REGION" --table-name "$TABLE" --item "$item" \
      --condition-expression "attribute_not_exists(#pk) OR #nb < :nb" \
      --expression-attribute-names '{"#pk":"pk","#nb":"not_before"}' \
      --expression-attribute-values "{\":nb\":{\"N\":\"${not_before}\"}}" >/dev/null 2>"$ERR_FILE"; then
      printf '  %s. dynamodb put-item: ok, entry %s\n' "$step" "$pk"
    elif grep -q ConditionalCheckFailedException "$ERR_FILE"; then
      printf '  %s. dynamodb put-item: ok, entry %s already has this or a later cut-off (kept)\n' "$step" "$pk"
    else
      fail "$step (dynamodb put-item)" "could not write entry $pk to table $TABLE"
    fi
    DONE+=("entry $pk written (not_before $(utc "$not_before"), expires $(utc "$expires_at"))")
  done
  printf '     not_before %s (%s): tokens issued before it are refused\n' "$(utc "$not_before")" "$not_before"
  printf '     expires_at %s (%s): the entry lapses then (TTL)\n' "$(utc "$expires_at")" "$expires_at"
}

# 2. The entries first. not_before = now + 1: the authorizer revokes iat < not_before, so a
# token minted in this very second (iat = now) is covered too. The time is this machine's:
# keep its clock right (NTP).
write_entries 2 $(($(date +%s) + 1))

# 3. Cognito's own sign-out: refresh tokens stop working.
aws cognito-idp admin-user-global-sign-out --region "$POOL_REGION" --user-pool-id "$POOL_ID" \
  --username="$USERNAME" >/dev/null 2>"$ERR_FILE" ||
  fail "3 (admin-user-global-sign-out)" "Cognito did not sign $USERNAME out"
printf '  3. admin-user-global-sign-out: ok, Cognito refuses their refresh tokens\n'

# 4. The cut-off again, now that Cognito has answered: a token refreshed while steps 2-3 ran
# has an iat after the first cut-off.
NOT_BEFORE=$(($(date +%s) + 1))
write_entries 4 "$NOT_BEFORE"
printf '%s: done: %s is signed out; our API refuses their tokens issued before %s once caches lapse\n' \
  "$PROG" "$USERNAME" "$(utc "$NOT_BEFORE")"
printf '%s: (API Gateway authorizer cache AuthorizerCacheTtl + RevocationCacheSeconds; docs/revocation.md)\n' "$PROG"
