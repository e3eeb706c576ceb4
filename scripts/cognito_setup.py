#!/usr/bin/env python3
"""The Cognito guide's AWS CLI steps as one script; run it as scripts/cognito-setup.sh.

create-user-pool -> create-user-pool-client -> admin-create-user -> admin-set-user-password
--permanent -> initiate-auth USER_PASSWORD_AUTH, each through the AWS CLI (`aws` on PATH), so
AWS_ENDPOINT_URL, profiles and credentials work as they do for the guide. The IDs and tokens
go to an env file (default .local/cognito.env, mode 600).

Safe against a real pool:
- Against real AWS the guide's example passwords are never used: the password comes from
  COGNITO_PASSWORD, a prompt (a terminal only) or --generate-password, and is checked before
  any AWS call. Only against an emulator (AWS_ENDPOINT_URL naming a host outside AWS) do the
  guide's values stay the defaults.
- No password or token is ever in the argv of any process (`ps` shows argv to every local
  user): they go to the AWS CLI with --cli-input-json file://..., from files of mode 600 in a
  private temporary directory that is removed at exit. AWS CLI: "AWS CLI skeletons and input
  files", https://docs.aws.amazon.com/cli/v1/userguide/cli-usage-skeleton.html (the JSON keys
  are the API's: `aws cognito-idp <op> --generate-cli-skeleton`).
- Tokens are masked in what it prints unless --show-tokens; the refresh token is never printed.
- With a machine-to-machine app client (--machine-client-id and --token-endpoint, or a stack's
  ResourceServerScopes outputs) it also gets that client's access token with the
  client-credentials grant (scripts/machine_token.py); the client secret is read from Cognito
  into this process and sent only in that request's Authorization header.
- Re-runs reuse the pool and client made before (a state file beside the env file, or the
  pool's created-by tag) and log an existing user in; they never make a second pool of the
  same name.

Only the Python standard library (3.8+).
"""

from __future__ import annotations

import argparse
import configparser
import datetime
import getpass
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import string
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Dict, List, NoReturn, Optional, Tuple
from urllib.parse import urlsplit

import machine_token  # scripts/machine_token.py, beside this file

PROG = "cognito-setup"

# The guide's values (/work/shared/reference/cognito-cli-guide.ja.txt). The two passwords are
# public: they are only ever used against an emulator.
GUIDE_REGION = "ap-northeast-1"
GUIDE_POOL_NAME = "MyUserPool"
GUIDE_CLIENT_NAME = "MyAppClient"
GUIDE_EMAIL = "testuser@example.com"
GUIDE_TEMP_PASSWORD = "TempPass#1234"
GUIDE_PASSWORD = "NewSecurePass#5678"

# Tag on every pool this script creates, so a re-run without the state file can tell its own
# pool from someone else's pool of the same name (pool names are not unique in Cognito).
CREATED_BY_TAG = ("created-by", "cognito-setup.sh")

# Hosts of AWS's own endpoints. An endpoint URL on any other host is an emulator; no URL, or
# one on these hosts, is real AWS.
AWS_HOST_SUFFIXES = ("amazonaws.com", "amazonaws.com.cn", "api.aws")

# Cognito's pool and client name pattern is [\w\s+=,.@-]+; this script also keeps tabs and
# newlines out so that names print on one line.
NAME_PATTERN = re.compile(r"^[\w +=,.@-]{1,128}$")

# --generate-password: letters, digits and symbols from the set Cognito counts as special
# characters ("Adding user pool password requirements",
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-policies.html),
# chosen to need no quoting in a shell, so that it meets any pool's policy. 24 of these carry
# about 147 bits.
GENERATED_PASSWORD_LENGTH = 24
GENERATED_PASSWORD_SYMBOLS = "%+-.:=@_^"

USAGE = """\
Usage: scripts/cognito-setup.sh [options]

Creates a Cognito user pool and app client as the guide does, creates a user (welcome
message suppressed), sets its permanent password and logs in with USER_PASSWORD_AUTH.
Writes the IDs and tokens to an env file (mode 600).

The password (never on the command line: other local users can read argv with ps):
  COGNITO_PASSWORD=...          take it from the environment
  (a terminal)                  you are asked for it
  --generate-password           generate a strong one and print it once
Against real AWS one of these is required. Against an emulator (AWS_ENDPOINT_URL set to a
host outside AWS) the guide's example password is the default.

Options:
  --region REGION            AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the AWS CLI's
                             configured region, else the guide's ap-northeast-1)
  --pool-name NAME           user pool name (default: MyUserPool)
  --client-name NAME         app client name (default: MyAppClient)
  --email EMAIL              user name and e-mail (default: testuser@example.com)
  --user-pool-id ID          use this existing pool instead of finding or creating one
  --client-id ID             use this existing app client (requires --user-pool-id)
  --stack NAME               use the pool, client and API URLs of a deployed SAM stack
  --group NAME               also add the user to this group (created if missing), e.g. admin
  --login-only               the user exists already: only log in (needs a pool and client)
  --generate-password        generate the new user's password and print it once
  --output FILE              env file to write (default: .local/cognito.env)
  --state FILE               pools made by this script (default: cognito-setup-state.json
                             beside --output)
  --machine-client-id ID     also get a machine token: this app client's (client secret,
                             client-credentials grant) from --token-endpoint
  --token-endpoint URL       the pool domain's https://<domain>/oauth2/token
  --machine-scopes SCOPES    space-separated scopes to ask for (default: all the client may have)
                             With --stack these three come from the stack's outputs
                             (ResourceServerScopes), when it has them.
  --show-tokens              print the IdToken and AccessToken whole (default: masked;
                             the refresh token is never printed; the file has all three)
  -h, --help                 this help

Re-runs reuse the pool and client made before (from the state file, or by name and the
pool's created-by tag) and just log in a user that exists already.

Examples:
  COGNITO_PASSWORD='...' scripts/cognito-setup.sh          # the guide, end to end
  scripts/cognito-setup.sh --stack cognito-authorizer --group admin --generate-password
  AWS_ENDPOINT_URL=http://127.0.0.1:5000 scripts/cognito-setup.sh   # a local emulator
"""


class Failure(Exception):
    """Stops the script with a message (exit 1)."""


def die(message: str) -> NoReturn:
    raise Failure(message)


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


# --- where the AWS CLI will send cognito-idp calls ---------------------------------------


def cognito_endpoint() -> Optional[str]:
    """The endpoint URL the AWS CLI uses for cognito-idp from the environment, or None.

    Precedence as the AWS SDKs and CLI document it ("Service-specific endpoints",
    https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html): the
    service's own AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER before AWS_ENDPOINT_URL, and
    neither counts when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. An endpoint set in the
    config file is not read here: that path is treated as real AWS, the strict side.
    """
    if os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").strip().lower() == "true":
        return None
    for name in ("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "AWS_ENDPOINT_URL"):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def is_emulator(endpoint: Optional[str]) -> bool:
    """True only for an endpoint URL whose host is not one of AWS's (fails closed)."""
    if not endpoint:
        return False
    try:
        host = (urlsplit(endpoint).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if not host:
        return False
    return not any(host == s or host.endswith("." + s) for s in AWS_HOST_SUFFIXES)


# --- passwords ----------------------------------------------------------------------------


def has_control_character(value: str) -> bool:
    return any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)


def generate_password() -> str:
    alphabet = string.ascii_letters + string.digits + GENERATED_PASSWORD_SYMBOLS
    classes = (string.ascii_uppercase, string.ascii_lowercase, string.digits, GENERATED_PASSWORD_SYMBOLS)
    while True:  # a try has all four classes with probability about 0.93
        candidate = "".join(secrets.choice(alphabet) for _ in range(GENERATED_PASSWORD_LENGTH))
        if all(any(c in cls for c in candidate) for cls in classes):
            return candidate


def resolve_passwords(args: argparse.Namespace, emulator: bool) -> Tuple[str, Optional[str], bool]:
    """(password, temporary password or None, generated?), decided before any AWS call.

    A None temporary password lets Cognito generate one for admin-create-user; with
    MessageAction SUPPRESS nobody ever sees it, and admin-set-user-password replaces it right
    away ("If you don't specify a value, Amazon Cognito generates one for you",
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html).
    """
    env_password = os.environ.pop("COGNITO_PASSWORD", None)
    env_temp_password = os.environ.pop("COGNITO_TEMP_PASSWORD", None)
    generated = False
    if env_password:
        password = env_password
        if args.generate_password:
            die("COGNITO_PASSWORD and --generate-password exclude each other")
    elif args.generate_password:
        if args.login_only:
            die("--generate-password sets a new user's password; --login-only needs the existing one (COGNITO_PASSWORD)")
        password = generate_password()
        generated = True
    elif emulator:
        password = GUIDE_PASSWORD
    elif sys.stdin.isatty():
        password = getpass.getpass(f"Password for {args.email}: ")
        if not password:
            die("no password given")
        if not args.login_only and getpass.getpass("Same password again: ") != password:
            die("the two passwords differ")
    else:
        die(
            "no password: against real AWS this script never uses the guide's example password "
            "(it is public). Set COGNITO_PASSWORD, run it in a terminal to be asked, or add "
            "--generate-password. (No --password option: a command line is visible to every local "
            "user through ps.)"
        )
    if env_temp_password:
        temp_password: Optional[str] = env_temp_password
    else:
        temp_password = GUIDE_TEMP_PASSWORD if emulator else None

    if not emulator:
        for value, name in ((password, "COGNITO_PASSWORD"), (temp_password, "COGNITO_TEMP_PASSWORD")):
            if value in (GUIDE_PASSWORD, GUIDE_TEMP_PASSWORD):
                die(
                    f"{name} is one of the guide's example passwords, which are public; against real "
                    "AWS choose your own (or --generate-password)"
                )
    for value, name in ((password, "the password"), (temp_password, "COGNITO_TEMP_PASSWORD")):
        if value is not None and has_control_character(value):
            die(f"{name} contains a control character")
    return password, temp_password, generated


# --- the AWS CLI --------------------------------------------------------------------------


class AwsError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Aws:
    """Runs `aws` with --region and JSON output; secrets only ever through input files."""

    def __init__(self, region: str, secret_dir: Path, redact: List[str]):
        self.region = region
        self.secret_dir = secret_dir
        # Each secret as given and as it reads inside JSON (an error may quote the input).
        forms = {form for r in redact if r for form in (r, json.dumps(r, ensure_ascii=False)[1:-1], json.dumps(r)[1:-1])}
        self.redact = sorted(forms, key=len, reverse=True)
        self.counter = 0
        self.env = dict(os.environ, AWS_PAGER="")

    def _input_file(self, payload: Dict[str, Any]) -> Path:
        self.counter += 1
        path = self.secret_dir / f"input-{self.counter}.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f, ensure_ascii=False)
        return path

    def _scrub(self, text: str) -> str:
        for secret in self.redact:
            text = text.replace(secret, "****")
        return text

    def call(self, step_name: str, *args: str, input_json: Optional[Dict[str, Any]] = None,
             expected_errors: Tuple[str, ...] = ()) -> Dict[str, Any]:
        """The command's JSON answer; AwsError for an error code in expected_errors; any
        other failure stops the script with the AWS CLI's message."""
        command = ["aws", *args, "--region", self.region, "--output", "json"]
        input_path = None
        if input_json is not None:
            input_path = self._input_file(input_json)
            command += ["--cli-input-json", f"file://{input_path}"]
        try:
            result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True,
                                    text=True, env=self.env, check=False)
        finally:
            if input_path is not None:
                input_path.unlink()
        if result.returncode != 0:
            stderr = self._scrub(result.stderr)
            match = re.search(r"\(([A-Za-z]+(?:Exception|Error|Fault)?)\)", stderr)
            code = match.group(1) if match else ""
            if code and code in expected_errors:
                raise AwsError(code, stderr.strip())
            lines = [line for line in stderr.splitlines() if line.strip()]
            detail = "\n".join("  " + line for line in lines) or f"  (exit status {result.returncode})"
            die(f"{step_name} failed:\n{detail}")
        text = result.stdout.strip()
        if not text:
            return {}
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            die(f"{step_name}: the AWS CLI did not answer JSON")


# --- the state file: pools this script made -----------------------------------------------


class State:
    """IDs of the pools (and their clients) this script made, per endpoint, region and pool
    name. Read only when a pool is to be found, so a run with --user-pool-id never needs it."""

    def __init__(self, path: Path, endpoint: Optional[str]):
        self.path = path
        self.endpoint = endpoint or "aws"
        self._entries: Optional[List[Dict[str, str]]] = None

    @property
    def entries(self) -> List[Dict[str, str]]:
        if self._entries is None:
            self._entries = []
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                entries = data.get("pools", []) if isinstance(data, dict) else []
                self._entries = [e for e in entries if isinstance(e, dict)]
            except FileNotFoundError:
                pass
            except (OSError, ValueError) as error:
                die(f"cannot read the state file {self.path}: {error} (move it away to start afresh)")
        return self._entries

    @entries.setter
    def entries(self, value: List[Dict[str, str]]) -> None:
        self._entries = value

    def _matches(self, entry: Dict[str, str], region: str, name: str) -> bool:
        return (entry.get("endpoint"), entry.get("region"), entry.get("pool_name")) == (self.endpoint, region, name)

    def find(self, region: str, name: str) -> Optional[Dict[str, str]]:
        return next((e for e in self.entries if self._matches(e, region, name)), None)

    def forget(self, region: str, name: str) -> None:
        self.entries = [e for e in self.entries if not self._matches(e, region, name)]
        self._save()

    def remember(self, region: str, name: str, pool_id: str, client_id: str) -> None:
        self.entries = [e for e in self.entries if not self._matches(e, region, name)]
        self.entries.append({"endpoint": self.endpoint, "region": region, "pool_name": name,
                             "user_pool_id": pool_id, "app_client_id": client_id})
        self._save()

    def _save(self) -> None:
        write_private_file(self.path, json.dumps({"pools": self.entries}, indent=2) + "\n")


def write_private_file(path: Path, text: str) -> None:
    """Writes text to path with mode 600, atomically (a new file, then renamed over)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")  # mode 600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# --- the steps ----------------------------------------------------------------------------


def list_all(aws: Aws, step_name: str, key: str, *args: str) -> List[Dict[str, Any]]:
    """Every item of a paginated cognito-idp list call (--max-results and NextToken)."""
    items: List[Dict[str, Any]] = []
    token: Optional[str] = None
    for _ in range(1000):
        # With MaxResults given the AWS CLI does not paginate by itself and answers NextToken;
        # the next page's NextToken goes in the input JSON (the CLI shadows --next-token).
        page: Dict[str, Any] = {"MaxResults": 60}
        if token:
            page["NextToken"] = token
        answer = aws.call(step_name, *args, input_json=page)
        items.extend(answer.get(key, []))
        token = answer.get("NextToken")
        if not token:
            return items
    die(f"{step_name}: more than 1000 pages")


def describe_pool(aws: Aws, pool_id: str) -> Optional[Dict[str, Any]]:
    try:
        return aws.call("describe-user-pool", "cognito-idp", "describe-user-pool", "--user-pool-id", pool_id,
                        expected_errors=("ResourceNotFoundException",))["UserPool"]
    except AwsError:
        return None


def create_pool(aws: Aws, name: str) -> str:
    step(f"create-user-pool {name} ({aws.region})")
    tag_key, tag_value = CREATED_BY_TAG
    answer = aws.call(
        "create-user-pool", "cognito-idp", "create-user-pool",
        "--pool-name", name,
        "--policies", json.dumps({"PasswordPolicy": {
            "MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
            "RequireNumbers": True, "RequireSymbols": False}}),
        "--auto-verified-attributes", "email",
        "--schema", json.dumps([{"Name": "email", "AttributeDataType": "String", "Mutable": True, "Required": True}]),
        "--user-pool-tags", f"{tag_key}={tag_value}",
    )
    pool_id = answer.get("UserPool", {}).get("Id")
    if not pool_id:
        die("create-user-pool returned no pool ID")
    return pool_id


def find_or_create_pool(aws: Aws, state: State, name: str) -> Tuple[str, Optional[str]]:
    """(pool ID, app client ID recorded for it or None): the pool an earlier run made, else a
    new one. Stops rather than make a second pool of a name that exists."""
    entry = state.find(aws.region, name)
    if entry:
        pool = describe_pool(aws, entry.get("user_pool_id", ""))
        if pool and pool.get("Name") == name:
            step(f"user pool {pool['Id']} ({name}): made by an earlier run (state file {state.path})")
            return pool["Id"], entry.get("app_client_id") or None
        step(f"user pool {entry.get('user_pool_id')} in {state.path} no longer exists; forgetting it")
        state.forget(aws.region, name)

    same_name = [p for p in list_all(aws, "list-user-pools", "UserPools", "cognito-idp", "list-user-pools")
                 if p.get("Name") == name]
    if not same_name:
        pool_id = create_pool(aws, name)
        state.remember(aws.region, name, pool_id, "")
        return pool_id, None

    tag_key, tag_value = CREATED_BY_TAG
    ours = []
    for p in same_name:
        pool = describe_pool(aws, p["Id"])
        if pool and (pool.get("UserPoolTags") or {}).get(tag_key) == tag_value:
            ours.append(p["Id"])
    if len(ours) == 1:
        step(f"user pool {ours[0]} ({name}): made by an earlier run (its {tag_key} tag)")
        state.remember(aws.region, name, ours[0], "")
        return ours[0], None

    ids = [p["Id"] for p in same_name]
    if ours:
        why = f"{len(ours)} user pools named {name!r} in {aws.region} were made by this script ({', '.join(ours)})"
    else:
        why = (f"a user pool named {name!r} exists in {aws.region} already ({', '.join(ids)}), "
               "and it was not made by this script")
    example = ours[0] if ours else ids[0]
    die(
        f"{why}. Not creating another one of the same name. Either\n"
        f"  reuse it:          scripts/cognito-setup.sh --user-pool-id {example} [--client-id ID] ...\n"
        f"  delete it first:   aws cognito-idp delete-user-pool --user-pool-id {example} --region {aws.region}\n"
        f"  or use a new name: scripts/cognito-setup.sh --pool-name OTHER_NAME ..."
    )


def find_or_create_client(aws: Aws, pool_id: str, recorded_id: Optional[str], name: str) -> str:
    if recorded_id:
        try:
            aws.call("describe-user-pool-client", "cognito-idp", "describe-user-pool-client",
                     "--user-pool-id", pool_id, "--client-id", recorded_id,
                     expected_errors=("ResourceNotFoundException",))
            step(f"app client {recorded_id}: made by an earlier run")
            return recorded_id
        except AwsError:
            pass
    same_name = [c["ClientId"] for c in list_all(aws, "list-user-pool-clients", "UserPoolClients", "cognito-idp",
                                                 "list-user-pool-clients", "--user-pool-id", pool_id)
                 if c.get("ClientName") == name]
    if len(same_name) == 1:
        step(f"app client {same_name[0]} ({name}) exists in the pool: reused")
        return same_name[0]
    if len(same_name) > 1:
        die(f"the pool has {len(same_name)} app clients named {name!r} ({', '.join(same_name)}); pass --client-id")
    step(f"create-user-pool-client {name}")
    answer = aws.call(
        "create-user-pool-client", "cognito-idp", "create-user-pool-client",
        "--user-pool-id", pool_id,
        "--client-name", name,
        "--no-generate-secret",
        "--explicit-auth-flows", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
        "--supported-identity-providers", "COGNITO",
    )
    client_id = answer.get("UserPoolClient", {}).get("ClientId")
    if not client_id:
        die("create-user-pool-client returned no client ID")
    return client_id


def user_status(aws: Aws, pool_id: str, username: str) -> Optional[str]:
    try:
        answer = aws.call("admin-get-user", "cognito-idp", "admin-get-user", "--user-pool-id", pool_id,
                          "--username", username, expected_errors=("UserNotFoundException",))
    except AwsError:
        return None
    return answer.get("UserStatus", "UNKNOWN")


def stack_outputs(aws: Aws, stack: str) -> Dict[str, str]:
    step(f"reading the outputs of stack {stack}")
    answer = aws.call(f"describe-stacks {stack}", "cloudformation", "describe-stacks", "--stack-name", stack)
    stacks = answer.get("Stacks") or [{}]
    return {o.get("OutputKey", ""): o.get("OutputValue", "") for o in stacks[0].get("Outputs", [])}


class MachineClient:
    """A machine-to-machine app client (template.yaml's ResourceServerScopes): its token comes
    from the pool domain's token endpoint with the client-credentials grant
    (scripts/machine_token.py). Its secret is read from Cognito (DescribeUserPoolClient) into
    this process only, and is sent only in that request's Authorization header."""

    def __init__(self, client_id: str, endpoint: str, scopes: str):
        self.client_id, self.endpoint, self.scopes = client_id, endpoint, scopes
        if bool(client_id) != bool(endpoint):
            die("--machine-client-id and --token-endpoint go together")
        if endpoint:
            try:
                machine_token.check_endpoint(endpoint)
            except machine_token.TokenEndpointError as error:
                die(str(error))

    def or_outputs(self, outputs: Dict[str, str]) -> "MachineClient":
        """These settings, or else the stack's MachineClientId, TokenEndpoint and
        MachineClientScopes outputs."""
        if self.client_id or not outputs.get("MachineClientId"):
            return self
        return MachineClient(outputs["MachineClientId"], outputs.get("TokenEndpoint", ""),
                             self.scopes or outputs.get("MachineClientScopes", ""))

    def token(self, aws: Aws, pool_id: str) -> str:
        answer = aws.call("describe-user-pool-client", "cognito-idp", "describe-user-pool-client",
                          "--user-pool-id", pool_id, "--client-id", self.client_id)
        secret = (answer.get("UserPoolClient") or {}).get("ClientSecret") or ""
        if not secret:
            die(f"app client {self.client_id} has no client secret: the client-credentials grant needs one")
        step(f"client-credentials token for {self.client_id} from {self.endpoint}"
             + (f" (scope {self.scopes})" if self.scopes else ""))
        try:
            answer = machine_token.fetch(self.endpoint, self.client_id, secret, self.scopes)
        except machine_token.TokenEndpointError as error:
            die(str(error))
        return str(answer["access_token"])


def show_token(name: str, value: str, output: Path, whole: bool) -> None:
    if whole:
        print(f"{name}: {value}")
    else:
        print(f"{name}: {value[:16]}... ({len(value)} chars; full value in {output})")


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        die(f"{message} (see --help)")


def default_region() -> str:
    """The region the AWS CLI itself would use: AWS_REGION, AWS_DEFAULT_REGION, then `region`
    of the profile (AWS_PROFILE, else default) in its config file (AWS_CONFIG_FILE, else
    ~/.aws/config), so that a stack deployed with `sam deploy --guided` in any region is found
    without --region; the guide's region when none is set."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if os.environ.get(name, "").strip():
            return os.environ[name].strip()
    profile = os.environ.get("AWS_PROFILE", "").strip() or "default"
    config = configparser.ConfigParser(interpolation=None)
    try:
        config.read(os.environ.get("AWS_CONFIG_FILE") or Path.home() / ".aws" / "config")
    except (OSError, configparser.Error):
        return GUIDE_REGION
    section = "default" if profile == "default" else f"profile {profile}"
    return config.get(section, "region", fallback="").strip() or GUIDE_REGION


def parse_args(argv: List[str]) -> argparse.Namespace:
    parser = ArgumentParser(prog="scripts/cognito-setup.sh", usage=USAGE, add_help=False,
                                     allow_abbrev=False)
    parser.add_argument("-h", "--help", action="store_true")
    parser.add_argument("--region", default="")
    parser.add_argument("--pool-name", default=GUIDE_POOL_NAME)
    parser.add_argument("--client-name", default=GUIDE_CLIENT_NAME)
    parser.add_argument("--email", "--username", default=GUIDE_EMAIL)
    parser.add_argument("--user-pool-id", default="")
    parser.add_argument("--client-id", default="")
    parser.add_argument("--stack", default="")
    parser.add_argument("--group", default="")
    parser.add_argument("--login-only", action="store_true")
    parser.add_argument("--generate-password", action="store_true")
    parser.add_argument("--output", default=".local/cognito.env")
    parser.add_argument("--state", default="")
    parser.add_argument("--show-tokens", action="store_true")
    parser.add_argument("--machine-client-id", default="")
    parser.add_argument("--token-endpoint", default="")
    parser.add_argument("--machine-scopes", default="")
    # Masked is the default now; kept so that existing callers keep working.
    parser.add_argument("--mask-tokens", action="store_true")
    # Refused with a message: a password in argv is readable by every local user.
    parser.add_argument("--password", "--temporary-password", dest="password_option", nargs="?", const="")
    args = parser.parse_args(argv)
    if args.help:
        print(USAGE, end="")
        sys.exit(0)
    if args.password_option is not None:
        die("--password and --temporary-password are not accepted: a password on the command line is "
            "visible to every local user through ps. Set COGNITO_PASSWORD (and COGNITO_TEMP_PASSWORD), run "
            "in a terminal to be asked, or use --generate-password")
    for option in ("region", "user_pool_id", "client_id", "stack", "group", "output", "state"):
        value = getattr(args, option)
        if has_control_character(value):
            die(f"--{option.replace('_', '-')} contains a control character")
    for option in ("pool_name", "client_name"):
        if not NAME_PATTERN.match(getattr(args, option)):
            die(f"--{option.replace('_', '-')} must be 1-128 letters, digits, spaces or _+=,.@- (Cognito's pattern)")
    if not args.email or has_control_character(args.email):
        die("--email must be a non-empty string without control characters")
    if args.stack and (args.user_pool_id or args.client_id):
        die("--stack and --user-pool-id/--client-id exclude each other")
    if args.client_id and not args.user_pool_id:
        die("--client-id needs --user-pool-id")
    if args.login_only and not args.stack and not (args.user_pool_id and args.client_id):
        die("--login-only needs an existing pool and client (--stack, or --user-pool-id and --client-id)")
    return args


def run(argv: List[str]) -> None:
    args = parse_args(argv)
    endpoint = cognito_endpoint()
    emulator = is_emulator(endpoint)
    # Everything about the password is settled here, before the first AWS call.
    password, temp_password, generated = resolve_passwords(args, emulator)

    if shutil.which("aws") is None:
        die("the AWS CLI (aws) is not on PATH; install it and run 'aws configure' first")
    if emulator:
        step(f"using the emulator at {endpoint} (the guide's example passwords are the defaults there)")
    elif endpoint:
        step(f"using the AWS endpoint {endpoint}")

    args.region = args.region or default_region()
    if has_control_character(args.region):
        die("the region (AWS_REGION, AWS_DEFAULT_REGION or the AWS CLI's configuration) contains a control character")
    output = Path(args.output)
    state = State(Path(args.state) if args.state else output.parent / "cognito-setup-state.json", endpoint)
    secret_dir = Path(tempfile.mkdtemp(prefix="cognito-setup."))  # mode 700
    try:
        aws = Aws(args.region, secret_dir, [password, temp_password or ""])
        setup(args, aws, state, output, password, temp_password, generated)
    finally:
        shutil.rmtree(secret_dir, ignore_errors=True)


def setup(args: argparse.Namespace, aws: Aws, state: State, output: Path, password: str,
          temp_password: Optional[str], generated: bool) -> None:
    pool_id, client_id = args.user_pool_id, args.client_id
    api_url = http_api_url = ""
    machine = MachineClient(args.machine_client_id, args.token_endpoint, args.machine_scopes)
    if args.stack:
        outputs = stack_outputs(aws, args.stack)
        pool_id, client_id = outputs.get("UserPoolId", ""), outputs.get("AppClientId", "")
        api_url, http_api_url = outputs.get("ApiUrl", ""), outputs.get("HttpApiUrl", "")
        machine = machine.or_outputs(outputs)
        if not pool_id:
            die(f"stack {args.stack} has no UserPoolId output")
        if not client_id:
            die(f"stack {args.stack} has no AppClientId output")
        if "," in pool_id:
            die(f"stack {args.stack} trusts several pools ({pool_id}); pass --user-pool-id and --client-id")

    # 1. The user pool (guide step 2): the one given, the one made before, or a new one.
    recorded_client = None
    if pool_id:
        step(f"using user pool {pool_id}")
    else:
        pool_id, recorded_client = find_or_create_pool(aws, state, args.pool_name)

    # 2. The app client without a secret (guide step 3).
    if client_id:
        step(f"using app client {client_id}")
    else:
        client_id = find_or_create_client(aws, pool_id, recorded_client, args.client_name)
        if not args.user_pool_id and not args.stack:
            state.remember(aws.region, args.pool_name, pool_id, client_id)

    username = args.email
    if not args.login_only:
        status = user_status(aws, pool_id, username)
        if status is None:
            # 3. The user, no welcome message (guide step 4). The temporary password goes in the
            # input file; without one (real AWS) Cognito makes one that nobody sees.
            step(f"admin-create-user {username} (welcome message suppressed)")
            create_input: Dict[str, Any] = {
                "UserPoolId": pool_id,
                "Username": username,
                "UserAttributes": [{"Name": "email", "Value": username}],
                "MessageAction": "SUPPRESS",
            }
            if temp_password is not None:
                create_input["TemporaryPassword"] = temp_password
            aws.call("admin-create-user", "cognito-idp", "admin-create-user", input_json=create_input)
            # 4. The permanent password, so no change is asked at the first login (guide step 5).
            step(f"admin-set-user-password {username} (permanent)")
            aws.call("admin-set-user-password", "cognito-idp", "admin-set-user-password", input_json={
                "UserPoolId": pool_id, "Username": username, "Password": password, "Permanent": True})
            if generated:
                print(f"Generated password for {username} (shown only this once; saved nowhere): {password}",
                      flush=True)
        elif status == "FORCE_CHANGE_PASSWORD":
            die(f"user {username} exists with status FORCE_CHANGE_PASSWORD: its password was never set "
                "(an earlier run may have stopped after admin-create-user). Delete it and run again:\n"
                f"  aws cognito-idp admin-delete-user --user-pool-id {pool_id} --username {username} "
                f"--region {aws.region}")
        elif generated:
            die(f"user {username} exists already (status {status}); --generate-password only sets a new "
                "user's password. Set COGNITO_PASSWORD to its password to log in")
        else:
            step(f"user {username} exists (status {status}): logging in with the given password, which is not changed")

    # Optional: a group (for ROUTE_RULES such as GET /admin -> admin). Before the login, so
    # that the tokens carry cognito:groups.
    if args.group:
        try:
            aws.call("get-group", "cognito-idp", "get-group", "--user-pool-id", pool_id,
                     "--group-name", args.group, expected_errors=("ResourceNotFoundException",))
            step(f"group {args.group} exists")
        except AwsError:
            step(f"create-group {args.group}")
            aws.call("create-group", "cognito-idp", "create-group", "--user-pool-id", pool_id,
                     "--group-name", args.group)
        step(f"admin-add-user-to-group {username} -> {args.group}")
        aws.call("admin-add-user-to-group", "cognito-idp", "admin-add-user-to-group", "--user-pool-id", pool_id,
                 "--username", username, "--group-name", args.group)

    # 5. Log in (guide step 6); the password goes in the input file, the tokens come back on
    # the AWS CLI's stdout.
    step(f"initiate-auth USER_PASSWORD_AUTH as {username}")
    answer = aws.call("initiate-auth", "cognito-idp", "initiate-auth", input_json={
        "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
        "AuthParameters": {"USERNAME": username, "PASSWORD": password}})
    if answer.get("ChallengeName"):
        die(f"initiate-auth answered with the challenge {answer['ChallengeName']} instead of tokens")
    result = answer.get("AuthenticationResult") or {}
    tokens = {name: result.get(key, "") for name, key in
              (("ID_TOKEN", "IdToken"), ("ACCESS_TOKEN", "AccessToken"), ("REFRESH_TOKEN", "RefreshToken"))}
    for name in ("ID_TOKEN", "ACCESS_TOKEN"):
        if tokens[name].count(".") != 2:
            die(f"initiate-auth returned no {name}")

    # Optional: the machine client's token, beside the user's (ResourceServerScopes).
    machine_token = machine.token(aws, pool_id) if machine.client_id else ""

    # The env file, mode 600 (bearer tokens). Values are shell-quoted for `source`.
    values = [("AWS_REGION", aws.region), ("USER_POOL_ID", pool_id), ("APP_CLIENT_ID", client_id),
              ("COGNITO_USERNAME", username), *tokens.items()]
    if machine_token:
        values += [("MACHINE_CLIENT_ID", machine.client_id), ("MACHINE_ACCESS_TOKEN", machine_token)]
    if api_url:
        values.append(("API_URL", api_url))
    if http_api_url and http_api_url != "None":
        values.append(("HTTP_API_URL", http_api_url))
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"# Written by scripts/cognito-setup.sh on {stamp}. Holds bearer tokens: keep it private.\n"
    text += "".join(f"{name}={shlex.quote(value)}\n" for name, value in values)
    write_private_file(output, text)

    print()
    print(f"UserPoolId: {pool_id}")
    print(f"AppClientId: {client_id}")
    show_token("IdToken", tokens["ID_TOKEN"], output, args.show_tokens)
    show_token("AccessToken", tokens["ACCESS_TOKEN"], output, args.show_tokens)
    print(f"RefreshToken: not shown ({len(tokens['REFRESH_TOKEN'])} chars; in {output})")
    if machine_token:
        print(f"MachineClientId: {machine.client_id}")
        show_token("MachineAccessToken", machine_token, output, args.show_tokens)
    if api_url:
        print(f"ApiUrl: {api_url}")
    if http_api_url and http_api_url != "None":
        print(f"HttpApiUrl: {http_api_url}")
    print(f'Wrote {output} (mode 600). Use it with:  source {output} && curl -H "Authorization: Bearer $ID_TOKEN" ...')


def stop_on_signal(signum: int, _frame: Any) -> None:
    # SystemExit unwinds through the finally blocks, which remove the input files.
    sys.exit(128 + signum)


def main() -> int:
    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGHUP, stop_on_signal)
    try:
        run(sys.argv[1:])
    except Failure as failure:
        print(f"{PROG}: error: {failure}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
