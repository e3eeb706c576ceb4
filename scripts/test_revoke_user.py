#!/usr/bin/env python3
"""Tests scripts/revoke-user.sh against moto (run by scripts/test-with-moto.sh scripts/test_revoke_user.py, which
`make test-template` and `scripts/check-template.sh revoke` call, on a fresh moto it starts).

The test makes a user pool, an app client, users who log in (USER_PASSWORD_AUTH) and the
revocation table (key `pk`, S) through moto's Cognito and DynamoDB APIs directly, then runs
the script as an administrator would, with the AWS CLI pointed at moto by AWS_ENDPOINT_URL.
Every `aws` the script starts goes through a logging shim earlier on PATH, so the order of its
calls is checked, not assumed. It checks:
- the entries' exact attributes (pk, not_before within [before + 1, after + 1], expires_at =
  not_before + N + 300 + 60), keyed by the issuer moto actually puts in the user's tokens and by the
  pool's other issuer form, and nothing else written;
- the user's refresh token works before and not after (moto implements
  AdminUserGlobalSignOut), another user's still does;
- the report names each step and holds no token;
- --issuer and --token-lifetime-seconds;
- failures: an unknown user stops at admin-get-user with nothing written and nobody signed
  out; a missing table stops at put-item with the user NOT signed out (entry first); bad
  arguments stop before any AWS call.

Standard library only; prints `ok`/`FAIL` lines and `test-revoke-user: N passed, M failed`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Tuple

from script_tests import AwsError, Checks, moto_call  # scripts/script_tests.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
SCRIPT = ROOT / "scripts" / "revoke-user.sh"
REGION = "ap-northeast-1"
PASSWORD = "Revoke-Test-Pass#1"
TABLE = "revocation-test"
RUN_TIMEOUT = 120
DAY = 86400
# The authorizer's largest clock skew, added to every entry's life (revocation-table/src/schema.rs).
SKEW = 300
# And the margin for tokens minted while the sign-out is in flight (IN_FLIGHT_SECONDS there).
IN_FLIGHT = 60
check = Checks()


class Moto:
    """Direct calls to moto's Cognito and DynamoDB JSON APIs (no AWS CLI, so the test's own
    passwords and tokens never reach an argv)."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def call(self, service: str, action: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return moto_call(self.opener, self.url, REGION, service, action, payload)

    def cognito(self, action: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return self.call("cognito-idp", action, payload)

    def dynamodb(self, action: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return self.call("dynamodb", action, payload)

    def items(self, table: str) -> List[Dict[str, Any]]:
        return self.dynamodb("Scan", {"TableName": table, "ConsistentRead": True}).get("Items", [])


class Pool:
    def __init__(self, moto: Moto):
        self.moto = moto
        self.id = moto.cognito("CreateUserPool", {"PoolName": "RevokeTestPool"})["UserPool"]["Id"]
        self.client_id = moto.cognito("CreateUserPoolClient", {
            "UserPoolId": self.id, "ClientName": "RevokeTestClient",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})["UserPoolClient"]["ClientId"]

    def add_user(self, username: str) -> None:
        self.moto.cognito("AdminCreateUser", {"UserPoolId": self.id, "Username": username, "MessageAction": "SUPPRESS",
                                              "UserAttributes": [{"Name": "email", "Value": f"{username}@example.com"}]})
        self.moto.cognito("AdminSetUserPassword", {"UserPoolId": self.id, "Username": username,
                                                   "Password": PASSWORD, "Permanent": True})

    def login(self, username: str) -> Dict[str, str]:
        return self.moto.cognito("InitiateAuth", {
            "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": self.client_id,
            "AuthParameters": {"USERNAME": username, "PASSWORD": PASSWORD}})["AuthenticationResult"]

    def refresh_works(self, refresh_token: str) -> bool:
        try:
            answer = self.moto.cognito("InitiateAuth", {"AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": self.client_id,
                                                        "AuthParameters": {"REFRESH_TOKEN": refresh_token}})
        except AwsError as error:
            if error.code != "NotAuthorizedException":
                raise
            return False
        return "IdToken" in answer.get("AuthenticationResult", {})


def claims(token: str) -> Dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


SHIM = """#!{python}
# Test shim for `aws`: logs the service and operation of each call, then runs the real CLI.
import json, os, sys
with open(os.environ["AWS_SHIM_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(sys.argv[1:3]) + "\\n")
os.execv({real!r}, [{real!r}] + sys.argv[1:])
"""


class Run:
    def __init__(self, rc: int, stdout: str, stderr: str, calls: List[str]):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.text = stdout + stderr
        self.calls = calls


class Harness:
    def __init__(self, work: Path, moto: Moto):
        self.work = work
        self.moto = moto
        shim_dir = work / "shim"
        shim_dir.mkdir()
        shim = shim_dir / "aws"
        shim.write_text(SHIM.format(python=sys.executable, real=str(VENV_BIN / "aws")))
        shim.chmod(0o755)
        self.shim_dir = shim_dir
        self.runs = 0

    def env(self) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AWS_") and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
        env.update(PATH=f"{self.shim_dir}:{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}",
                   AWS_ENDPOINT_URL=self.moto.url, AWS_REGION=REGION,
                   AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                   AWS_EC2_METADATA_DISABLED="true")
        return env

    def run(self, title: str, args: List[str]) -> Run:
        self.runs += 1
        log = self.work / f"calls{self.runs}.jsonl"
        env = dict(self.env(), AWS_SHIM_LOG=str(log))
        print(f"\n--- {title}: revoke-user.sh {' '.join(args)}", flush=True)
        result = subprocess.run(["bash", str(SCRIPT), *args], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                capture_output=True, text=True, timeout=RUN_TIMEOUT)
        calls = [" ".join(json.loads(line)) for line in log.read_text().splitlines()] if log.exists() else []
        print(f"--- exit {result.returncode}; AWS CLI calls: {', '.join(calls) or 'none'}")
        for line in (result.stdout + result.stderr).splitlines():
            print(f"    | {line}")
        return Run(result.returncode, result.stdout, result.stderr, calls)


def no_token(run: Run, tokens: Dict[str, str]) -> Tuple[bool, str]:
    leaked = [name for name, value in tokens.items() if isinstance(value, str) and name.endswith("Token")
              and value in run.text]
    jwt_like = re.findall(r"eyJ[A-Za-z0-9_-]{10,}", run.text)
    return not leaked and not jwt_like, f"leaked {leaked} {jwt_like[:1]}"


def entry(item: Dict[str, Any]) -> Dict[str, Any]:
    """An item as plain values: {"pk": str, "not_before": int, ...}; any other type is kept raw."""
    plain: Dict[str, Any] = {}
    for name, value in item.items():
        if set(value) == {"S"}:
            plain[name] = value["S"]
        elif set(value) == {"N"} and re.fullmatch(r"-?[0-9]+", value["N"]):
            plain[name] = int(value["N"])
        else:
            plain[name] = value
    return plain


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moto-url", required=True)
    args = parser.parse_args(argv)
    moto = Moto(args.moto_url)
    try:
        moto.opener.open(f"{moto.url}/moto-api/", timeout=10).close()
    except OSError as error:
        print(f"test-revoke-user: FAIL: moto does not answer on {moto.url} ({error})")
        return 1

    pool = Pool(moto)
    for user in ("mallory-victim", "bystander", "second-victim", "third-victim"):
        pool.add_user(user)
    moto.dynamodb("CreateTable", {"TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
                                  "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                                  "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})

    with tempfile.TemporaryDirectory(prefix="test-revoke-user-") as tmp:
        harness = Harness(Path(tmp), moto)

        # --- the stolen account: entry first, then Cognito's sign-out ---------------------
        victim = pool.login("mallory-victim")
        bystander = pool.login("bystander")
        token_claims = claims(victim["IdToken"])
        sub, iss = token_claims["sub"], token_claims["iss"]
        check("before: the victim's refresh token works (so 'after' can fail)", pool.refresh_works(victim["RefreshToken"]))
        check(f"moto's iss is the pool's ORIGINAL form, the script's first default ({iss})",
              iss == f"https://cognito-idp.{REGION}.amazonaws.com/{pool.id}")
        before = int(time.time())
        run = harness.run("sign the victim out", ["--user-pool-id", pool.id, "--username", "mallory-victim",
                                                  "--table", TABLE])
        after = int(time.time())
        check("exit 0", run.rc == 0, f"exit {run.rc}")
        check("AWS CLI calls in order: admin-get-user, put-item (both issuer forms), admin-user-global-sign-out, "
              "put-item again (the cut-off once Cognito has answered)",
              run.calls == ["cognito-idp admin-get-user", "dynamodb put-item", "dynamodb put-item",
                            "cognito-idp admin-user-global-sign-out", "dynamodb put-item", "dynamodb put-item"],
              str(run.calls))
        items = {e["pk"]: e for e in map(entry, moto.items(TABLE))}
        updated_iss = f"https://issuer-cognito-idp.{REGION}.amazonaws.com/{pool.id}"
        keys = [f"sub#{iss}#{sub}", f"sub#{updated_iss}#{sub}"]
        check(f"exactly two entries, keyed by the token's iss and the UPDATED form: {keys}",
              sorted(items) == sorted(keys), str(sorted(items)))
        first = items.get(keys[0], {})
        nb = first.get("not_before")
        check("entry attributes are exactly pk, not_before, expires_at (numbers)",
              all(set(e) == {"pk", "not_before", "expires_at"} and isinstance(e["not_before"], int)
                  and isinstance(e["expires_at"], int) for e in items.values()), str(items))
        check(f"not_before within [before + 1, after + 1] = [{before + 1}, {after + 1}] ({nb})",
              isinstance(nb, int) and before + 1 <= nb <= after + 1)
        check("not_before is after the victim's token's iat (the token is revoked)",
              isinstance(nb, int) and token_claims["iat"] < nb)
        check(f"expires_at = not_before + {DAY} + {SKEW} + {IN_FLIGHT} (the default)", first.get("expires_at") == (nb or 0) + DAY + SKEW + IN_FLIGHT)
        check("both issuer forms' entries carry the same times",
              len({(e.get("not_before"), e.get("expires_at")) for e in items.values()}) == 1)
        check("after: the victim's refresh token no longer works (AdminUserGlobalSignOut done)",
              not pool.refresh_works(victim["RefreshToken"]))
        check("after: another user's refresh token still works", pool.refresh_works(bystander["RefreshToken"]))
        ok, detail = no_token(run, {**victim, **{f"bystander {k}": v for k, v in bystander.items()}})
        check("the report holds no token", ok, detail)
        for needle in ("admin-get-user: ok", f"sub {sub}", f"entry {keys[0]}", f"entry {keys[1]}",
                       "admin-user-global-sign-out: ok", time.strftime("not_before %Y-%m-%dT%H:%M:%SZ", time.gmtime(nb or 0)),
                       time.strftime("expires_at %Y-%m-%dT%H:%M:%SZ", time.gmtime((nb or 0) + DAY + SKEW + IN_FLIGHT))):
            check(f"the report says {needle!r}", needle in run.stdout)

        # --- --issuer and --token-lifetime-seconds --------------------------------------------------
        second = pool.login("second-victim")
        second_sub = claims(second["IdToken"])["sub"]
        custom_iss = "https://auth.example.com/tenant-1"
        existing = {e["pk"] for e in map(entry, moto.items(TABLE))}
        before = int(time.time())
        run = harness.run("one issuer, ten minutes", ["--user-pool-id", pool.id, "--username", "second-victim",
                                                      "--table", TABLE, "--issuer", custom_iss, "--token-lifetime-seconds", "600"])
        new = [e for e in map(entry, moto.items(TABLE)) if e["pk"] not in existing]
        check("--issuer: exit 0, exactly one new entry, keyed by that issuer",
              run.rc == 0 and [e["pk"] for e in new] == [f"sub#{custom_iss}#{second_sub}"], str(new))
        check("--token-lifetime-seconds 600: expires_at = not_before + 600 + 300 + 60",
              len(new) == 1 and new[0]["expires_at"] == new[0]["not_before"] + 600 + SKEW + IN_FLIGHT
              and new[0]["not_before"] >= before + 1)
        check("--token-lifetime-seconds under a day: a warning says so", "under a day" in run.stderr)
        check("second victim signed out too", not pool.refresh_works(second["RefreshToken"]))

        # --- a later cut-off already stands: kept, never moved back ------------------------
        later = int(time.time()) + 3600
        key = f"sub#{custom_iss}#{second_sub}"
        moto.dynamodb("PutItem", {"TableName": TABLE, "Item": {
            "pk": {"S": key}, "not_before": {"N": str(later)}, "expires_at": {"N": str(later + DAY)}}})
        run = harness.run("a later cut-off stands", ["--user-pool-id", pool.id, "--username", "second-victim",
                                                     "--table", TABLE, "--issuer", custom_iss])
        kept = {e["pk"]: e for e in map(entry, moto.items(TABLE))}.get(key, {})
        check("a later cut-off stands: exit 0, the entry keeps its not_before (conditional write)",
              run.rc == 0 and kept.get("not_before") == later, f"exit {run.rc}, {kept}")
        check("a later cut-off stands: the report says it was kept", "(kept)" in run.stdout)

        # --- failures -------------------------------------------------------------------------
        existing = moto.items(TABLE)
        run = harness.run("unknown user", ["--user-pool-id", pool.id, "--username", "nobody", "--table", TABLE])
        check("unknown user: non-zero exit, the failing step named (admin-get-user)",
              run.rc != 0 and "FAIL at step 1 (admin-get-user)" in run.stderr, f"exit {run.rc}")
        check("unknown user: the AWS CLI's reason shown (UserNotFoundException)", "UserNotFoundException" in run.stderr)
        check("unknown user: nothing written, no sign-out attempted",
              moto.items(TABLE) == existing and run.calls == ["cognito-idp admin-get-user"], str(run.calls))
        check("unknown user: the report says nothing was done",
              "already done: nothing" in run.stderr and "not done: admin-user-global-sign-out" in run.stderr)

        third = pool.login("third-victim")
        run = harness.run("missing table", ["--user-pool-id", pool.id, "--username", "third-victim",
                                            "--table", "no-such-table"])
        check("missing table: non-zero exit, the failing step named (put-item)",
              run.rc != 0 and "FAIL at step 2 (dynamodb put-item)" in run.stderr, f"exit {run.rc}")
        check("missing table: Cognito sign-out NOT attempted (entry first)",
              "cognito-idp admin-user-global-sign-out" not in run.calls, str(run.calls))
        check("missing table: the user's refresh token still works (not signed out)",
              pool.refresh_works(third["RefreshToken"]))
        check("missing table: the report says the user is NOT signed out",
              "not done: admin-user-global-sign-out (the user is NOT signed out)" in run.stderr)
        ok, detail = no_token(run, third)
        check("missing table: the report holds no token", ok, detail)

        for title, bad in (("no --table", ["--user-pool-id", pool.id, "--username", "third-victim"]),
                           ("bad --token-lifetime-seconds", ["--user-pool-id", pool.id, "--username", "third-victim",
                                                    "--table", TABLE, "--token-lifetime-seconds", "299"]),
                           ("issuer with a quote", ["--user-pool-id", pool.id, "--username", "third-victim",
                                                    "--table", TABLE, "--issuer", 'https://x"y']),
                           ("bad pool ID", ["--user-pool-id", "pool", "--username", "third-victim", "--table", TABLE])):
            run = harness.run(title, bad)
            check(f"{title}: exit 2 before any AWS call", run.rc == 2 and not run.calls, f"exit {run.rc}, {run.calls}")

    print(f"\ntest-revoke-user: {check.passed} passed, {check.failed} failed")
    return 1 if check.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
