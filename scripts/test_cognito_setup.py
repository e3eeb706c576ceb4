#!/usr/bin/env python3
"""Tests scripts/cognito-setup.sh against moto (run by scripts/test-with-moto.sh scripts/test_cognito_setup.py, which
`make test-template` and `scripts/check-template.sh cognito` call).

Against the moto that scripts/test-with-moto.sh scripts/test_cognito_setup.py starts on 127.0.0.1 (scripts/lib-stack.sh,
the project's one moto start-up) and passes as --moto-url, it runs the script as a user would,
through the AWS CLI, while it
- records the argv of every `aws` the script starts (a shim earlier on PATH that logs its
  arguments, the mode of any file:// input and the input's keys, then execs the real CLI), and
- polls /proc/*/cmdline every few milliseconds for the whole run,
then checks that no password or token was ever in any process's argv, that input files were
private and are gone, and what the script made: the guide's pool and client, one pool only on
re-runs, a password with `,`, `=`, `"`, `\\` and a space that logs in, masked tokens, the env
file's mode. The real-AWS path (no emulator endpoint) is run with its proxies pointed at a
local listener that counts connections: it must refuse the guide's password before any AWS
call. "Strict" runs use that real-AWS path against moto, through an endpoint_url in an AWS
config file (which the script cannot see, so it treats it as AWS).

Standard library only; prints `ok`/`FAIL` lines and `test-cognito-setup: N passed, M failed`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import select
import signal
import socket
import stat
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

from script_tests import AwsError, Checks, moto_call  # scripts/script_tests.py, beside this file

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
SCRIPT = ROOT / "scripts" / "cognito-setup.sh"
REGION = "ap-northeast-1"
GUIDE_PASSWORDS = ("TempPass#1234", "NewSecurePass#5678")
# Every character the issue names, plus a backslash and a non-ASCII letter.
SPECIAL_PASSWORD = 'Sp ec,ial=Pa"ss\\wörd1X'
SECRET_OPS = ("admin-create-user", "admin-set-user-password", "initiate-auth")
RUN_TIMEOUT = 300
CHECKS = Checks()
check = CHECKS


# --- moto ---------------------------------------------------------------------------------


class Moto:
    """The running moto (its base URL), and direct calls to its Cognito API (no AWS CLI, so no
    argv: the test's own logins never put a password in a command line)."""

    def __init__(self, url: str):
        self.url = url.rstrip("/")
        # No proxy for these calls, whatever the environment says.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            self.opener.open(f"{self.url}/moto-api/", timeout=10).close()
        except OSError as error:
            raise SystemExit(f"test-cognito-setup: FAIL: moto does not answer on {self.url} ({error})") from None
        # A fresh moto: the checks count the pools the script makes.
        if self.pool_ids():
            raise SystemExit(f"test-cognito-setup: FAIL: moto on {self.url} holds user pools already; "
                             "run through scripts/test-with-moto.sh scripts/test_cognito_setup.py, which starts a fresh one")

    def call(self, action: str, payload: Dict[str, Any]) -> Dict[str, Any]:
        return moto_call(self.opener, self.url, REGION, "cognito-idp", action, payload)

    def pool_ids(self) -> List[str]:
        ids: List[str] = []
        payload: Dict[str, Any] = {"MaxResults": 60}
        while True:
            answer = self.call("ListUserPools", payload)
            ids += [p["Id"] for p in answer.get("UserPools", [])]
            if not answer.get("NextToken"):
                return ids
            payload["NextToken"] = answer["NextToken"]

    def login(self, client_id: str, username: str, password: str) -> Dict[str, Any]:
        return self.call("InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
                                          "AuthParameters": {"USERNAME": username, "PASSWORD": password}})

    def can_log_in(self, client_id: str, username: str, password: str) -> bool:
        try:
            return "IdToken" in self.login(client_id, username, password).get("AuthenticationResult", {})
        except AwsError:
            return False


# --- watching argv ------------------------------------------------------------------------


class ArgvWatcher:
    """Collects the command line of every process descended from this test, from /proc,
    polled every few milliseconds. Only descendants: other users of the machine may run
    anything, including old copies of the script."""

    def __init__(self, interval: float = 0.01):
        self.interval = interval
        self.root = os.getpid()
        self.seen: Set[bytes] = set()
        self.scans = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _scan(self) -> None:
        parents: Dict[int, int] = {}
        cmdlines: Dict[int, bytes] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            pid = int(entry)
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmdline = f.read()
                with open(f"/proc/{pid}/stat", "rb") as f:
                    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
                    parents[pid] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if cmdline:
                cmdlines[pid] = cmdline
        for pid, cmdline in cmdlines.items():
            ancestor, hops = parents.get(pid), 0
            while ancestor and ancestor != self.root and hops < 64:
                ancestor, hops = parents.get(ancestor), hops + 1
            if ancestor == self.root:
                self.seen.add(cmdline)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._scan()
            self.scans += 1
            self._stop.wait(self.interval)

    def __enter__(self) -> "ArgvWatcher":
        self._thread.start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._stop.set()
        self._thread.join()

    def containing(self, secret: str) -> List[str]:
        needle = secret.encode()
        return [c.replace(b"\0", b" ").decode(errors="replace")[:120] for c in self.seen if needle in c]

    def ops_seen(self) -> Set[str]:
        ops = set()
        for cmdline in self.seen:
            args = cmdline.split(b"\0")
            if any(a.endswith(b"/aws") or a == b"aws" for a in args[:3]) and b"cognito-idp" in args:
                ops.add(args[args.index(b"cognito-idp") + 1].decode())
        return ops


SHIM = """#!{python}
# Test shim for `aws`: logs its argv, the mode of every file:// input and that input's keys,
# then runs the real AWS CLI with the same arguments.
import json, os, stat, sys
record = {{"argv": sys.argv[1:], "inputs": []}}
for arg in sys.argv[1:]:
    if arg.startswith("file://"):
        path = arg[len("file://"):]
        info = {{"path": path, "mode": stat.S_IMODE(os.stat(path).st_mode),
                 "dir_mode": stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode)}}
        with open(path, encoding="utf-8") as f:
            info["keys"] = sorted(json.load(f))
        record["inputs"].append(info)
with open(os.environ["AWS_SHIM_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(record) + "\\n")
if os.environ.get("AWS_SHIM_FAIL_QUOTING_INPUT") and record["inputs"]:
    # An AWS CLI error that quotes its input: the script must not pass the secret on.
    with open(record["inputs"][0]["path"], encoding="utf-8") as f:
        sys.stderr.write("An error occurred (ValidationException): bad input " + f.read() + "\\n")
    sys.exit(255)
os.execv({real!r}, [{real!r}] + sys.argv[1:])
"""


class Run:
    def __init__(self, rc: int, stdout: str, stderr: str, calls: List[Dict[str, Any]], tmpdir: Path,
                 output: Path):
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.text = stdout + stderr
        self.calls = calls
        self.tmpdir = tmpdir
        self.output = output

    def ops(self) -> List[str]:
        return [c["argv"][1] for c in self.calls if c["argv"][:1] == ["cognito-idp"] and len(c["argv"]) > 1]

    def env(self) -> Dict[str, str]:
        values = {}
        for line in self.output.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                name, value = line.split("=", 1)
                values[name] = value
        return values


class Harness:
    def __init__(self, work: Path, moto: Moto):
        self.work = work
        self.moto = moto
        self.shim_dir = work / "shim"
        self.shim_dir.mkdir()
        shim = self.shim_dir / "aws"
        shim.write_text(SHIM.format(python=sys.executable, real=str(VENV_BIN / "aws")))
        shim.chmod(0o755)
        self.runs = 0
        self.secrets: Set[str] = set(GUIDE_PASSWORDS)
        # Strict runs: the real-AWS path of the script, with the AWS CLI sent to moto by its
        # config file (invisible to the script).
        self.strict_config = work / "aws-config"
        self.strict_config.write_text(f"[default]\nendpoint_url = {moto.url}\nregion = {REGION}\n")

    def base_env(self) -> Dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_", "COGNITO_")) and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
        env.update(PATH=f"{self.shim_dir}:{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}",
                   AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
                   AWS_EC2_METADATA_DISABLED="true")
        env.pop("CI", None)  # masking is the default, not a CI setting
        return env

    def emulator_env(self, **extra: str) -> Dict[str, str]:
        return dict(self.base_env(), AWS_ENDPOINT_URL=self.moto.url, **extra)

    def strict_env(self, **extra: str) -> Dict[str, str]:
        return dict(self.base_env(), AWS_CONFIG_FILE=str(self.strict_config), **extra)

    def prepare(self, env: Dict[str, str]) -> Path:
        self.runs += 1
        run_dir = self.work / f"run{self.runs}"
        (run_dir / "tmp").mkdir(parents=True)
        env["TMPDIR"] = str(run_dir / "tmp")
        env["AWS_SHIM_LOG"] = str(run_dir / "aws-calls.jsonl")
        return run_dir

    def finish(self, run_dir: Path, rc: int, stdout: str, stderr: str, output: Path) -> Run:
        log = run_dir / "aws-calls.jsonl"
        calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
        print(f"--- exit {rc}; AWS CLI calls: {', '.join(c['argv'][1] if len(c['argv']) > 1 else '?' for c in calls) or 'none'}")
        for line in (stdout + stderr).splitlines():
            print(f"    | {line}")
        return Run(rc, stdout, stderr, calls, run_dir / "tmp", output)

    def run(self, title: str, args: List[str], env: Dict[str, str], output: Optional[Path] = None) -> Run:
        run_dir = self.prepare(env)
        output = output or run_dir / "out" / "cognito.env"
        print(f"\n--- {title}: cognito-setup.sh {' '.join(args)}", flush=True)
        result = subprocess.run(["bash", str(SCRIPT), "--output", str(output), *args], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        return self.finish(run_dir, result.returncode, result.stdout, result.stderr, output)

    def run_in_terminal(self, title: str, args: List[str], env: Dict[str, str], answers: List[str]) -> Run:
        """Runs the script on a pseudo-terminal that is its controlling terminal (util-linux
        setsid --ctty) and answers each password prompt in turn."""
        run_dir = self.prepare(env)
        output = run_dir / "out" / "cognito.env"
        print(f"\n--- {title}: cognito-setup.sh {' '.join(args)} (on a terminal)", flush=True)
        master, slave = os.openpty()
        process = subprocess.Popen(["setsid", "--ctty", "bash", str(SCRIPT), "--output", str(output), *args],
                                   cwd=ROOT, env=env, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        transcript = b""
        pending = list(answers)
        deadline = time.monotonic() + RUN_TIMEOUT
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the terminal's other side closed
                break
            if not chunk:
                break
            transcript += chunk
            if pending and re.search(rb"(Password for [^\n]*|Same password again): $", transcript):
                os.write(master, pending.pop(0).encode() + b"\n")
                transcript += b"<answered>\n"
        os.close(master)
        rc = process.wait(timeout=60)
        return self.finish(run_dir, rc, transcript.decode(errors="replace"), "", output)


def claims(token: str) -> Dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def secret_inputs_checked(run: Run, what: str, expect_ops: Set[str]) -> None:
    """The calls that carry secrets took them from private input files, gone after the run."""
    secret_calls = [c for c in run.calls if len(c["argv"]) > 1 and c["argv"][1] in SECRET_OPS]
    check(f"{what}: {', '.join(sorted(expect_ops))} ran", {c["argv"][1] for c in secret_calls} >= expect_ops,
          str(run.ops()))
    bad = [c["argv"][1] for c in secret_calls
           if not (c["inputs"] and all(i["mode"] == 0o600 and i["dir_mode"] == 0o700 for i in c["inputs"]))]
    check(f"{what}: each call with a secret read it from --cli-input-json file:// (mode 600, directory 700)",
          not bad, str(bad))
    leftovers = [i["path"] for c in run.calls for i in c["inputs"] if os.path.exists(i["path"])]
    check(f"{what}: input files removed", not leftovers, str(leftovers))
    check(f"{what}: nothing left in TMPDIR", not any(run.tmpdir.iterdir()), str(list(run.tmpdir.iterdir())))


def no_secret_in_argv(watcher: ArgvWatcher, harness: Harness, runs: List[Run], what: str) -> None:
    logged = [arg for run in runs for c in run.calls for arg in c["argv"]]
    hits = sorted({s for s in harness.secrets if any(s in a for a in logged)})
    check(f"{what}: no password or token in any aws argv (shim log)", not hits, f"{len(hits)} secret(s) found")
    hits = sorted({s for s in harness.secrets if watcher.containing(s)})
    check(f"{what}: no password or token in any /proc/*/cmdline seen ({watcher.scans} scans, "
          f"{len(watcher.seen)} command lines)", not hits, f"{len(hits)} secret(s) found")
    logged_ops = {op for run in runs for op in run.ops()}
    check(f"{what}: the /proc watcher saw every cognito-idp operation the shim logged",
          logged_ops and logged_ops <= watcher.ops_seen(), f"{sorted(logged_ops - watcher.ops_seen())}")


def refused_offline(harness: Harness, title: str, env: Dict[str, str], expect: str, args: Optional[List[str]] = None) -> None:
    """The real-AWS path: refused before any AWS call. Proxies point at a local listener that
    counts connections; the shim logs any `aws` started."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    proxy = f"http://127.0.0.1:{listener.getsockname()[1]}"
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY"):
        env[name] = proxy
    env["NO_PROXY"] = env["no_proxy"] = ""
    connections = 0
    stop = threading.Event()

    def count() -> None:
        nonlocal connections
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                connections += 1
                conn.close()
            except socket.timeout:
                pass

    counter = threading.Thread(target=count, daemon=True)
    counter.start()
    try:
        run = harness.run(title, args or [], env)
    finally:
        stop.set()
        counter.join()
        listener.close()
    check(f"{title}: exits non-zero", run.rc != 0, str(run.rc))
    check(f"{title}: says why ({expect!r})", expect in run.text, run.text[-300:])
    check(f"{title}: no AWS CLI started", not run.calls, str(run.ops()))
    check(f"{title}: no connection to the proxies", connections == 0, str(connections))
    check(f"{title}: no env file", not run.output.exists())
    check(f"{title}: nothing left in TMPDIR", not any(run.tmpdir.iterdir()))


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description="Tests scripts/cognito-setup.sh against moto; "
                                                 "run it through scripts/test-with-moto.sh scripts/test_cognito_setup.py, which starts moto.")
    parser.add_argument("--moto-url", required=True, help="base URL of a fresh moto server on 127.0.0.1")
    args = parser.parse_args(argv)
    if not (VENV_BIN / "aws").exists():
        print(f"test-cognito-setup: FAIL: {VENV_BIN / 'aws'} not found (run 'make venv')", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="test-cognito-setup.") as work_name:
        work = Path(work_name)
        moto = Moto(args.moto_url)
        harness = Harness(work, moto)
        with ArgvWatcher() as watcher:
            # The watcher can see a secret in argv at all: a process holding a marker.
            marker = "argv-watcher-control-" + os.urandom(6).hex()
            subprocess.run([sys.executable, "-c", "import time; time.sleep(0.5)", marker], check=True)
            check("control: the /proc watcher sees a short-lived process's argv", bool(watcher.containing(marker)))
            runs = scenarios(harness, moto)
        no_secret_in_argv(watcher, harness, runs, "all runs")
    print(f"test-cognito-setup: {CHECKS.passed} passed, {CHECKS.failed} failed")
    return 0 if CHECKS.failed == 0 else 1


def scenarios(harness: Harness, moto: Moto) -> List[Run]:
    runs: List[Run] = []
    shared = harness.work / "shared-out"

    # 1. The guide end to end against the emulator, with the guide's values and group admin.
    first = harness.run("the guide (emulator)", ["--group", "admin"], harness.emulator_env(),
                        output=shared / "cognito.env")
    runs.append(first)
    if not check("guide: exits 0", first.rc == 0, first.stderr[-500:]):
        return runs
    env = first.env()
    pool_id, client_id = env["USER_POOL_ID"], env["APP_CLIENT_ID"]
    tokens = {name: env[name] for name in ("ID_TOKEN", "ACCESS_TOKEN", "REFRESH_TOKEN")}
    harness.secrets.update(tokens.values())
    check("env file has mode 600", stat.S_IMODE(first.output.stat().st_mode) == 0o600)
    check("pool ID looks like <region>_<id>", re.fullmatch(r"ap-northeast-1_[0-9a-zA-Z]+", pool_id) is not None, pool_id)
    check("pool and client IDs printed", f"UserPoolId: {pool_id}\n" in first.stdout and f"AppClientId: {client_id}\n" in first.stdout)
    check("tokens printed masked by default", re.search(r"^IdToken: eyJ[^ ]{13}\.\.\. \(\d+ chars", first.stdout, re.M) is not None)
    check("no token printed whole, refresh token not at all",
          not any(t in first.text for t in tokens.values()) and tokens["REFRESH_TOKEN"][:8] not in first.text)
    check("no password printed", not any(p in first.text for p in GUIDE_PASSWORDS))
    id_claims, access_claims = claims(tokens["ID_TOKEN"]), claims(tokens["ACCESS_TOKEN"])
    check("IdToken: token_use id, aud the client, iss the pool",
          (id_claims.get("token_use"), id_claims.get("aud"), id_claims.get("iss")) ==
          ("id", client_id, f"https://cognito-idp.{REGION}.amazonaws.com/{pool_id}"), str(id_claims))
    check("AccessToken: token_use access, client_id the client",
          (access_claims.get("token_use"), access_claims.get("client_id")) == ("access", client_id))
    check("tokens carry the admin group", id_claims.get("cognito:groups") == ["admin"], str(id_claims.get("cognito:groups")))
    pool = moto.call("DescribeUserPool", {"UserPoolId": pool_id})["UserPool"]
    policy = pool["Policies"]["PasswordPolicy"]
    email = next(a for a in pool["SchemaAttributes"] if a["Name"] == "email")
    check("pool as in the guide: name, password policy, auto-verified e-mail, e-mail schema",
          pool["Name"] == "MyUserPool"
          and (policy["MinimumLength"], policy["RequireUppercase"], policy["RequireLowercase"],
               policy["RequireNumbers"], policy["RequireSymbols"]) == (8, True, True, True, False)
          and pool["AutoVerifiedAttributes"] == ["email"] and email["Required"] and email["Mutable"], str(pool)[:300])
    check("pool tagged created-by=cognito-setup.sh", pool.get("UserPoolTags", {}).get("created-by") == "cognito-setup.sh")
    client = moto.call("DescribeUserPoolClient", {"UserPoolId": pool_id, "ClientId": client_id})["UserPoolClient"]
    check("client as in the guide: no secret, USER_PASSWORD_AUTH + REFRESH_TOKEN_AUTH, COGNITO",
          client["ClientName"] == "MyAppClient" and "ClientSecret" not in client
          and sorted(client["ExplicitAuthFlows"]) == ["ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH"]
          and client.get("SupportedIdentityProviders") == ["COGNITO"], str(client)[:300])
    user = moto.call("AdminGetUser", {"UserPoolId": pool_id, "Username": "testuser@example.com"})
    check("user CONFIRMED (permanent password set)", user["UserStatus"] == "CONFIRMED", user["UserStatus"])
    secret_inputs_checked(first, "guide", set(SECRET_OPS))
    create = next(c for c in first.calls if c["argv"][1] == "admin-create-user")
    check("emulator: admin-create-user sent the guide's temporary password (in the input file)",
          "TemporaryPassword" in create["inputs"][0]["keys"], str(create["inputs"][0]["keys"]))

    # 2. The same command again: no second pool, the same client, the user just logs in. The env
    #    file is made world-readable first: the rewrite must make it private again.
    first.output.chmod(0o644)
    pools_before = moto.pool_ids()
    again = harness.run("the same again (state file)", ["--group", "admin"], harness.emulator_env(),
                        output=shared / "cognito.env")
    runs.append(again)
    check("again: exits 0", again.rc == 0, again.stderr[-500:])
    check("again: no new pool", moto.pool_ids() == pools_before, f"{len(pools_before)} -> {len(moto.pool_ids())}")
    check("again: found the pool in the state file", "made by an earlier run (state file" in again.stdout)
    check("again: no create-* call for pool, client or user",
          not {"create-user-pool", "create-user-pool-client", "admin-create-user"} & set(again.ops()), str(again.ops()))
    if again.rc == 0:
        env2 = again.env()
        harness.secrets.update(env2[n] for n in ("ID_TOKEN", "ACCESS_TOKEN", "REFRESH_TOKEN"))
        check("again: same pool and client", (env2["USER_POOL_ID"], env2["APP_CLIENT_ID"]) == (pool_id, client_id))
        check("again: env file private again (600)", stat.S_IMODE(again.output.stat().st_mode) == 0o600)

    # 3. Without the state file (another output directory), among more than 60 pools (two pages
    #    of list-user-pools): found by name and its created-by tag.
    for i in range(61):
        moto.call("CreateUserPool", {"PoolName": f"Decoy{i}"})
    pools_before = moto.pool_ids()
    by_tag = harness.run("no state file, 62 pools", [], harness.emulator_env())
    runs.append(by_tag)
    check("by tag: exits 0", by_tag.rc == 0, by_tag.stderr[-500:])
    check("by tag: no new pool", moto.pool_ids() == pools_before)
    check("by tag: found the pool by its tag", f"user pool {pool_id} (MyUserPool): made by an earlier run (its created-by tag)" in by_tag.stdout)
    if by_tag.rc == 0:
        harness.secrets.update(by_tag.env()[n] for n in ("ID_TOKEN", "ACCESS_TOKEN", "REFRESH_TOKEN"))
        check("by tag: same pool and client", (by_tag.env()["USER_POOL_ID"], by_tag.env()["APP_CLIENT_ID"]) == (pool_id, client_id))

    # 4. A pool of the same name that this script did not make: stop, say how to reuse or delete.
    hand_made = moto.call("CreateUserPool", {"PoolName": "HandMadePool"})["UserPool"]["Id"]
    pools_before = moto.pool_ids()
    foreign = harness.run("a same-name pool made by hand", ["--pool-name", "HandMadePool"], harness.emulator_env())
    runs.append(foreign)
    check("foreign pool: exits non-zero", foreign.rc != 0)
    check("foreign pool: says how to reuse it", f"--user-pool-id {hand_made}" in foreign.stderr, foreign.stderr[-400:])
    check("foreign pool: says how to delete it", f"aws cognito-idp delete-user-pool --user-pool-id {hand_made}" in foreign.stderr)
    check("foreign pool: no new pool", moto.pool_ids() == pools_before)
    check("foreign pool: no env file", not foreign.output.exists())

    # 5. A password with a space, `,`, `=`, `"`, `\` and a non-ASCII letter, for a new user.
    harness.secrets.add(SPECIAL_PASSWORD)
    special = harness.run("special-character password", ["--user-pool-id", pool_id, "--client-id", client_id,
                                                          "--email", "special@example.com"],
                          harness.emulator_env(COGNITO_PASSWORD=SPECIAL_PASSWORD))
    runs.append(special)
    check("special password: exits 0", special.rc == 0, special.stderr[-500:])
    check("special password: the user logs in with it (InitiateAuth straight to moto)",
          moto.can_log_in(client_id, "special@example.com", SPECIAL_PASSWORD))
    check("control: a wrong password does not log in",
          not moto.can_log_in(client_id, "special@example.com", SPECIAL_PASSWORD + "x"))
    check("special password: not printed", SPECIAL_PASSWORD not in special.text)
    secret_inputs_checked(special, "special password", {"admin-create-user", "admin-set-user-password", "initiate-auth"})
    if special.rc == 0:
        harness.secrets.update(special.env()[n] for n in ("ID_TOKEN", "ACCESS_TOKEN", "REFRESH_TOKEN"))

    # 6. --login-only with it, and --show-tokens: the two JWTs whole, the refresh token never.
    shown = harness.run("--login-only --show-tokens", ["--user-pool-id", pool_id, "--client-id", client_id,
                                                       "--email", "special@example.com", "--login-only", "--show-tokens"],
                        harness.emulator_env(COGNITO_PASSWORD=SPECIAL_PASSWORD))
    runs.append(shown)
    check("--show-tokens: exits 0", shown.rc == 0, shown.stderr[-500:])
    if shown.rc == 0:
        env6 = shown.env()
        harness.secrets.update(env6[n] for n in ("ID_TOKEN", "ACCESS_TOKEN", "REFRESH_TOKEN"))
        check("--show-tokens: IdToken and AccessToken printed whole",
              f"IdToken: {env6['ID_TOKEN']}\n" in shown.stdout and f"AccessToken: {env6['ACCESS_TOKEN']}\n" in shown.stdout)
        check("--show-tokens: refresh token not printed", env6["REFRESH_TOKEN"] not in shown.text
              and "RefreshToken: not shown" in shown.stdout)
        check("--login-only: only initiate-auth", shown.ops() == ["initiate-auth"], str(shown.ops()))

    # 7. A wrong password: the AWS error is shown, the password is not, nothing is left behind.
    wrong_password = "Wrong, pass=\"word\" 0"
    harness.secrets.add(wrong_password)
    wrong = harness.run("wrong password", ["--user-pool-id", pool_id, "--client-id", client_id, "--login-only"],
                        harness.emulator_env(COGNITO_PASSWORD=wrong_password))
    runs.append(wrong)
    check("wrong password: exits non-zero", wrong.rc != 0)
    check("wrong password: AWS error shown", "NotAuthorizedException" in wrong.stderr, wrong.stderr[-300:])
    check("wrong password: not echoed", wrong_password not in wrong.text)
    check("wrong password: nothing left in TMPDIR", not any(wrong.tmpdir.iterdir()))

    # 7b. An AWS error that quotes the input (the shim makes one up): the password, raw or as it
    #     reads in JSON, is masked in what the script shows.
    for quoted in ("Quoted-Pass-4711", SPECIAL_PASSWORD):
        harness.secrets.add(quoted)
        echoed = harness.run("an AWS error quoting the input", ["--user-pool-id", pool_id, "--client-id", client_id,
                                                                  "--login-only"],
                             harness.emulator_env(COGNITO_PASSWORD=quoted, AWS_SHIM_FAIL_QUOTING_INPUT="1"))
        check(f"quoted input ({quoted!r}): error shown with the password masked",
              echoed.rc != 0 and "ValidationException" in echoed.stderr and "****" in echoed.stderr
              and quoted not in echoed.text and json.dumps(quoted)[1:-1] not in echoed.text, echoed.stderr[-300:])

    # 8. No password options: refused before any AWS call.
    option = harness.run("--password on the command line", ["--password", "Cmdline#Pass1"], harness.emulator_env())
    check("--password: refused", option.rc != 0 and "COGNITO_PASSWORD" in option.stderr, option.stderr[-300:])
    check("--password: no AWS CLI started", not option.calls)

    # 9. Real AWS: the guide's password is refused before any AWS call.
    refused_offline(harness, "real AWS, no password, no terminal", harness.base_env(), "Set COGNITO_PASSWORD")
    refused_offline(harness, "AWS_ENDPOINT_URL on an AWS host", harness.base_env() | {
        "AWS_ENDPOINT_URL": f"https://cognito-idp.{REGION}.amazonaws.com"}, "Set COGNITO_PASSWORD")
    refused_offline(harness, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", harness.emulator_env(
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true"), "Set COGNITO_PASSWORD")
    refused_offline(harness, "cognito-idp's own endpoint variable on an AWS host", harness.emulator_env(
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=f"https://cognito-idp.{REGION}.amazonaws.com"), "Set COGNITO_PASSWORD")
    refused_offline(harness, "real AWS, COGNITO_PASSWORD = the guide's", harness.base_env() | {
        "COGNITO_PASSWORD": GUIDE_PASSWORDS[1]}, "the guide's example passwords")
    refused_offline(harness, "real AWS, COGNITO_TEMP_PASSWORD = the guide's", harness.base_env() | {
        "COGNITO_PASSWORD": "Own-Pass-4711", "COGNITO_TEMP_PASSWORD": GUIDE_PASSWORDS[0]}, "the guide's example passwords")

    # 10. The real-AWS path end to end (moto through the config file): COGNITO_PASSWORD, and no
    #     temporary password sent (Cognito makes one nobody sees).
    strict = harness.run("real-AWS path, COGNITO_PASSWORD", ["--pool-name", "StrictPool"],
                         harness.strict_env(COGNITO_PASSWORD=SPECIAL_PASSWORD))
    runs.append(strict)
    check("strict: exits 0", strict.rc == 0, strict.stderr[-500:])
    if strict.rc != 0:
        return runs
    strict_env = strict.env()
    strict_pool, strict_client = strict_env["USER_POOL_ID"], strict_env["APP_CLIENT_ID"]
    harness.secrets.update(strict_env[n] for n in ("ID_TOKEN", "ACCESS_TOKEN", "REFRESH_TOKEN"))
    create = next(c for c in strict.calls if c["argv"][1] == "admin-create-user")
    check("strict: admin-create-user without a temporary password",
          "TemporaryPassword" not in create["inputs"][0]["keys"], str(create["inputs"][0]["keys"]))
    check("strict: the user logs in with COGNITO_PASSWORD",
          moto.can_log_in(strict_client, "testuser@example.com", SPECIAL_PASSWORD))
    check("strict: the guide's password does not log in",
          not moto.can_log_in(strict_client, "testuser@example.com", GUIDE_PASSWORDS[1]))
    secret_inputs_checked(strict, "strict", set(SECRET_OPS))

    # 11. --generate-password: a strong password, printed once, that logs in.
    generated = harness.run("real-AWS path, --generate-password", [
        "--user-pool-id", strict_pool, "--client-id", strict_client, "--email", "generated@example.com",
        "--generate-password"], harness.strict_env())
    runs.append(generated)
    check("generate: exits 0", generated.rc == 0, generated.stderr[-500:])
    found = re.findall(r"^Generated password for generated@example\.com \(shown only this once; saved nowhere\): (\S+)$",
                       generated.stdout, re.M)
    if check("generate: the password printed once", len(found) == 1, str(len(found))):
        password = found[0]
        harness.secrets.add(password)
        check("generate: printed exactly once in all output", generated.text.count(password) == 1)
        check("generate: 24 characters with upper, lower, digit and symbol",
              len(password) == 24 and all(any(c in cls for c in password) for cls in
                                          (string.ascii_uppercase, string.ascii_lowercase, string.digits, "%+-.:=@_^")))
        check("generate: the user logs in with it", moto.can_log_in(strict_client, "generated@example.com", password))
        check("generate: not in the env file", generated.rc == 0 and password not in generated.output.read_text())
    if generated.rc == 0:
        harness.secrets.update(generated.env()[n] for n in ("ID_TOKEN", "ACCESS_TOKEN", "REFRESH_TOKEN"))
    again_generated = harness.run("--generate-password for an existing user", [
        "--user-pool-id", strict_pool, "--client-id", strict_client, "--email", "generated@example.com",
        "--generate-password"], harness.strict_env())
    runs.append(again_generated)
    check("generate, user exists: refused, password unchanged",
          again_generated.rc != 0 and "exists already" in again_generated.stderr
          and "admin-set-user-password" not in again_generated.ops(), again_generated.stderr[-300:])

    # 12. Asked on a terminal (twice, not echoed).
    typed = "Typed in, a=b \"q\" 42"
    harness.secrets.add(typed)
    prompted = harness.run_in_terminal("real-AWS path, password typed", [
        "--user-pool-id", strict_pool, "--client-id", strict_client, "--email", "typed@example.com"],
        harness.strict_env(), [typed, typed])
    runs.append(prompted)
    check("terminal: exits 0", prompted.rc == 0, prompted.stdout[-500:])
    check("terminal: asked twice", "Password for typed@example.com: " in prompted.stdout
          and "Same password again: " in prompted.stdout)
    check("terminal: the password was not echoed", typed not in prompted.stdout)
    check("terminal: the user logs in with it", moto.can_log_in(strict_client, "typed@example.com", typed))
    if prompted.rc == 0:
        harness.secrets.update(prompted.env()[n] for n in ("ID_TOKEN", "ACCESS_TOKEN", "REFRESH_TOKEN"))
    mismatch = harness.run_in_terminal("real-AWS path, two different passwords typed", [
        "--user-pool-id", strict_pool, "--client-id", strict_client, "--email", "typo@example.com"],
        harness.strict_env(), [typed, typed + "!"])
    check("terminal, passwords differ: refused before any AWS call",
          mismatch.rc != 0 and "differ" in mismatch.stdout and not mismatch.calls, mismatch.stdout[-300:])

    # 13. Stopped by SIGTERM while the AWS CLI runs: the input files go too.
    env_term = harness.emulator_env(COGNITO_PASSWORD=SPECIAL_PASSWORD)
    run_dir = harness.prepare(env_term)
    print("\n--- SIGTERM during initiate-auth", flush=True)
    process = subprocess.Popen(["bash", str(SCRIPT), "--output", str(run_dir / "out" / "c.env"), "--user-pool-id",
                                pool_id, "--client-id", client_id, "--email", "special@example.com", "--login-only"],
                               cwd=ROOT, env=env_term, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    log = run_dir / "aws-calls.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (log.exists() and log.read_text().strip()):
        time.sleep(0.01)
    inputs_now = [i["path"] for line in log.read_text().splitlines() for i in json.loads(line)["inputs"]] if log.exists() else []
    check("SIGTERM: the input file existed while the AWS CLI ran", bool(inputs_now) and all(os.path.exists(p) for p in inputs_now))
    process.send_signal(signal.SIGTERM)
    rc = process.wait(timeout=60)
    check("SIGTERM: exits 143", rc == 143, str(rc))
    check("SIGTERM: input files and their directory removed", not any((run_dir / "tmp").iterdir()),
          str(list((run_dir / "tmp").iterdir())))

    # 14. Unknown options are refused.
    unknown = harness.run("an unknown option", ["--nope"], harness.emulator_env())
    check("unknown option refused", unknown.rc != 0 and "--nope" in unknown.stderr and not unknown.calls)

    # 15. No --region: the region the AWS CLI would use (here its profile's), not the guide's,
    # so that a stack deployed in another region is found.
    config = harness.work / "aws-config-region"
    config.write_text("[default]\nregion = us-east-1\n[profile other]\nregion = eu-west-1\n")
    for title, extra, region in (
            ("region from the AWS CLI profile", {"AWS_PROFILE": "other"}, "eu-west-1"),
            ("region from AWS_DEFAULT_REGION over the profile", {"AWS_PROFILE": "other", "AWS_DEFAULT_REGION": "us-west-2"},
             "us-west-2")):
        regional = harness.run(title, ["--pool-name", f"RegionPool{region.replace('-', '')}"],
                               harness.emulator_env(AWS_CONFIG_FILE=str(config), **extra))
        runs.append(regional)
        pool = regional.env().get("USER_POOL_ID", "") if regional.rc == 0 else ""
        check(f"{title}: the pool is made in {region}", pool.startswith(f"{region}_"), regional.stderr[-300:] or pool)
    return runs


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
