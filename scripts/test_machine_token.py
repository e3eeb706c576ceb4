#!/usr/bin/env python3
"""Tests the machine token of scripts/cognito-setup.sh (--machine-client-id, --token-endpoint;
with --stack, template.yaml's ResourceServerScopes outputs) against moto, run by
scripts/test-with-moto.sh scripts/test_machine_token.py (`make test-template`).

moto holds the pool, the resource server and the machine client with its secret, but has no
token endpoint, so a loopback stand-in (scripts/token_endpoint_standin.py) plays it and
refuses any request that is not exactly the documented client-credentials request (Basic
client authentication, form body, grant_type=client_credentials). The checks: the token
written beside the user's is the machine's (sub = client_id = the machine client, no
username, the scopes asked for), the secret never reaches an argv, an output or the env file,
a wrong secret or a plain-HTTP remote endpoint stops the script, and nothing is written then.
"""

from __future__ import annotations

import argparse
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List

from test_cognito_setup import CHECKS, VENV_BIN, ArgvWatcher, Harness, Moto, Run, check, claims, no_secret_in_argv
from token_endpoint_standin import TokenEndpoint

SCOPES = ["myapi/read", "myapi/write"]


def scenarios(harness: Harness, moto: Moto) -> List[Run]:
    runs: List[Run] = []
    first = harness.run("the guide (emulator)", [], harness.emulator_env())
    runs.append(first)
    if not check("guide: exits 0", first.rc == 0, first.stderr[-500:]):
        return runs
    env = first.env()
    pool_id, client_id = env["USER_POOL_ID"], env["APP_CLIENT_ID"]
    harness.secrets.update(env[n] for n in ("ID_TOKEN", "ACCESS_TOKEN", "REFRESH_TOKEN"))
    check("no machine token without a machine client", "MACHINE_ACCESS_TOKEN" not in env)

    # What template.yaml's ResourceServerScopes creates, in moto.
    moto.call("CreateResourceServer", {"UserPoolId": pool_id, "Identifier": "myapi", "Name": "myapi", "Scopes": [
        {"ScopeName": "read", "ScopeDescription": "r"}, {"ScopeName": "write", "ScopeDescription": "w"}]})
    machine = moto.call("CreateUserPoolClient", {
        "UserPoolId": pool_id, "ClientName": "MyAppClient-machine", "GenerateSecret": True,
        "AllowedOAuthFlows": ["client_credentials"], "AllowedOAuthFlowsUserPoolClient": True,
        "AllowedOAuthScopes": SCOPES})["UserPoolClient"]
    machine_id, secret = machine["ClientId"], machine["ClientSecret"]
    harness.secrets.add(secret)
    endpoint = TokenEndpoint(pool_id, machine_id, secret, SCOPES)
    url = endpoint.start()
    login = ["--user-pool-id", pool_id, "--client-id", client_id, "--login-only"]

    both = harness.run("machine token, all scopes", [*login, "--machine-client-id", machine_id,
                                                     "--token-endpoint", url], harness.emulator_env())
    runs.append(both)
    if check("machine: exits 0", both.rc == 0, both.stderr[-500:]):
        env = both.env()
        token = env.get("MACHINE_ACCESS_TOKEN", "")
        harness.secrets.add(token)
        shape = claims(token)
        check("machine: MACHINE_CLIENT_ID written beside the user's tokens",
              env.get("MACHINE_CLIENT_ID") == machine_id and env.get("ID_TOKEN", "").count(".") == 2)
        check("machine: a client-credentials token (sub = client_id = the machine client, no username)",
              shape.get("sub") == machine_id and shape.get("client_id") == machine_id
              and shape.get("token_use") == "access" and "username" not in shape, str(shape))
        check("machine: no scope asked, every scope the client may have granted",
              shape.get("scope") == " ".join(SCOPES), str(shape.get("scope")))
        check("machine: the token printed masked, the secret not at all",
              token not in both.text and secret not in both.text and "MachineAccessToken: eyJ" in both.stdout)
        check("machine: the secret is not in the env file", secret not in both.output.read_text())
        check("machine: env file mode 600", stat.S_IMODE(both.output.stat().st_mode) == 0o600)
        check("machine: the secret read from Cognito (describe-user-pool-client)",
              "describe-user-pool-client" in both.ops(), str(both.ops()))
    check("stand-in: one documented request (Basic auth, form, grant_type), no scope asked",
          endpoint.seen == [("ok", ["client_id", "grant_type"], "")], str(endpoint.seen))

    one = harness.run("machine token, one scope", [*login, "--machine-client-id", machine_id, "--token-endpoint", url,
                                                   "--machine-scopes", "myapi/read"], harness.emulator_env())
    runs.append(one)
    if check("one scope: exits 0", one.rc == 0, one.stderr[-500:]):
        token = one.env().get("MACHINE_ACCESS_TOKEN", "")
        harness.secrets.add(token)
        check("one scope: the token holds just it", claims(token).get("scope") == "myapi/read")
    check("stand-in: the scope asked for was sent", endpoint.seen[-1] == ("ok", ["client_id", "grant_type", "scope"], "myapi/read"),
          str(endpoint.seen[-1:]))

    wrong = TokenEndpoint(pool_id, machine_id, secret + "x", SCOPES)
    wrong_url = wrong.start()
    refused = harness.run("a secret the endpoint refuses", [*login, "--machine-client-id", machine_id,
                                                             "--token-endpoint", wrong_url], harness.emulator_env())
    runs.append(refused)
    check("wrong secret: fails with the OAuth error, nothing written",
          refused.rc != 0 and "invalid_client" in refused.stderr and not refused.output.exists()
          and secret not in refused.text, refused.stderr[-300:])
    check("stand-in: it saw the request and said invalid_client", [s[0] for s in wrong.seen] == ["invalid_client"])

    plain = harness.run("a plain-HTTP remote token endpoint", [*login, "--machine-client-id", machine_id,
                                                                "--token-endpoint", "http://auth.example.com/oauth2/token"],
                        harness.emulator_env())
    check("plain HTTP to a remote host: refused before any AWS call",
          plain.rc != 0 and "https" in plain.stderr and not plain.calls, plain.stderr[-300:])
    alone = harness.run("--machine-client-id alone", [*login, "--machine-client-id", machine_id], harness.emulator_env())
    check("--machine-client-id without --token-endpoint: refused before any AWS call",
          alone.rc != 0 and "go together" in alone.stderr and not alone.calls, alone.stderr[-300:])
    endpoint.stop()
    wrong.stop()
    return runs


def redirects_are_refused() -> None:
    """A token endpoint answering 3xx gets no second request: urllib's default would send the
    Basic header (the client secret) again to the Location, plain http included."""
    import http.server
    import threading
    import machine_token  # scripts/machine_token.py, beside this file

    hits: List[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_GET = do_POST  # noqa: N815

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        machine_token.fetch(f"http://127.0.0.1:{server.server_port}/oauth2/token", "id", "secret")
        outcome = "answered"
    except machine_token.TokenEndpointError as error:
        outcome = str(error)
    finally:
        server.shutdown()
    check("a redirecting token endpoint: refused naming the status, the secret sent once, to it only",
          outcome == "the token endpoint answered 302 (no OAuth error code)" and hits == ["/oauth2/token"],
          f"{outcome} {hits}")


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description="Tests cognito-setup.sh's machine token against moto; "
                                                 "run it through scripts/test-with-moto.sh scripts/test_machine_token.py.")
    parser.add_argument("--moto-url", required=True, help="base URL of a fresh moto server on 127.0.0.1")
    args = parser.parse_args(argv)
    if not (VENV_BIN / "aws").exists():
        print(f"test-machine-token: FAIL: {VENV_BIN / 'aws'} not found (run 'make venv')", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="test-machine-token.") as work_name:
        moto = Moto(args.moto_url)
        harness = Harness(Path(work_name), moto)
        with ArgvWatcher() as watcher:
            marker = "argv-watcher-control-" + os.urandom(6).hex()
            subprocess.run([sys.executable, "-c", "import time; time.sleep(0.5)", marker], check=True)
            check("control: the /proc watcher sees a short-lived process's argv", bool(watcher.containing(marker)))
            runs = scenarios(harness, moto)
        no_secret_in_argv(watcher, harness, runs, "all runs")
    redirects_are_refused()
    print(f"test-machine-token: {CHECKS.passed} passed, {CHECKS.failed} failed")
    return 0 if CHECKS.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
