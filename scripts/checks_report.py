"""The scripts' tests' reporter: one `ok`/`FAIL` line per check, and the counts for the exit
status. Shared by test_cognito_setup.py and test_revoke_user.py (stdlib only)."""

from __future__ import annotations


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
