"""Shared by the scripts' tests (test_cognito_setup.py, test_revoke_user.py; stdlib only): the
reporter, one `ok`/`FAIL` line per check with the counts for the exit status, and direct calls
to moto's JSON APIs (no AWS CLI, so a test's own passwords and tokens never reach an argv)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict

# service -> (X-Amz-Target prefix, Content-Type)
TARGETS = {"cognito-idp": ("AWSCognitoIdentityProviderService", "application/x-amz-json-1.1"),
           "dynamodb": ("DynamoDB_20120810", "application/x-amz-json-1.0")}


class AwsError(Exception):
    """An error answer: its type (`__type`, without the namespace) and message."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


def moto_call(opener: urllib.request.OpenerDirector, url: str, region: str, service: str, action: str,
              payload: Dict[str, Any]) -> Dict[str, Any]:
    """One call of `service`'s `action` on moto at `url`, in `region`."""
    prefix, content_type = TARGETS[service]
    request = urllib.request.Request(url + "/", data=json.dumps(payload).encode(), method="POST", headers={
        "Content-Type": content_type,
        "X-Amz-Target": f"{prefix}.{action}",
        # moto takes the service and region from the credential scope; it checks no signature.
        "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20250101/{region}/{service}/aws4_request, "
                         "SignedHeaders=host, Signature=0",
    })
    try:
        with opener.open(request, timeout=30) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        answer = json.loads(error.read() or b"{}")
        code = str(answer.get("__type", error.code)).rsplit("#", 1)[-1]
        raise AwsError(code, str(answer.get("message", answer.get("Message", "")))) from None
    return json.loads(body) if body else {}


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def __call__(self, what: str, condition: bool, detail: str = "") -> bool:
        if condition:
            self.passed += 1
            print(f"ok   {what}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""), flush=True)
        return condition
