"""Parameters whose AllowedPattern must accept exactly what the code behind them accepts.

AdminGroup is checked against Cognito's group-name rule and against the api-handler binary
itself (--api-handler): for every sample name, the template must accept exactly what both
accept. CorsAllowOrigin must accept only single origins the api-handler accepts too.
AuthorizationScopes must accept a comma-separated list of scope names and nothing that
would split into an empty or space-holding scope.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import regex  # \p{...} classes, as CloudFormation's AllowedPattern accepts them

from template_checks.report import Checks

ORIGIN = "https://app.example.com"

# Cognito CreateGroup API reference: GroupName, 1-128 characters, [\p{L}\p{M}\p{S}\p{N}\p{P}]+.
COGNITO_GROUP_NAME = regex.compile(r"[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}")
GROUP_NAME_SAMPLES = (
    "admin", "ops-team", "ops_team", "a.b", "a/b", "a:b", "a@b", "管理者", "ａｄｍｉｎ", "émile",
    "[admin]", '"admin"', "admin😀", "+", "a" * 128, "a" * 129, "", " ", " admin", "admin ",
    "ops team", "ops\tteam", "ops\u00a0team", "ops,admin", ",", "a,b,c", "ops\u3000team",
)


ORIGIN_SAMPLES_ACCEPTED = ("*", ORIGIN, "http://localhost:5173", "https://a-b.example.co.jp:8443")
ORIGIN_SAMPLES_REFUSED = ("https://x','evil", "https://a.example.com/path", "https://a,https://b",
                          "https://a b", "ftp://a.example.com", "app.example.com", "**", "https://")


def handler_refuses(api_handler: Path, variable: str, value: str) -> bool:
    """Whether the api-handler stops its cold start over this value: valid configuration passes
    init and stops at the missing Lambda runtime instead; a configuration error names the
    variable (the project's rule for bad configuration)."""
    run = subprocess.run([str(api_handler)], env={variable: value, "PATH": os.environ.get("PATH", "")},
                         capture_output=True, text=True, timeout=30, check=False)
    return variable in run.stdout + run.stderr


def check_admin_group(check: Checks, source: dict[str, Any], api_handler: Path) -> None:
    spec = source["Parameters"]["AdminGroup"]
    pattern = regex.compile(spec["AllowedPattern"])

    def template_accepts(name: str) -> bool:
        return (spec.get("MinLength", 0) <= len(name) <= spec.get("MaxLength", 1 << 30)
                and pattern.fullmatch(name) is not None)

    def handler_accepts(name: str) -> bool:
        return not handler_refuses(api_handler, "ADMIN_GROUP", name)

    check(f"AdminGroup: the api-handler binary accepts the default ({api_handler})", handler_accepts("admin"))
    check("AdminGroup: the template refuses an empty name (MinLength 1); the api-handler reads a "
          "blank ADMIN_GROUP as its default, the project's rule for blank values",
          not template_accepts("") and handler_accepts(""))
    disagreements = []
    for name in GROUP_NAME_SAMPLES:
        expected = COGNITO_GROUP_NAME.fullmatch(name) is not None and handler_accepts(name)
        if template_accepts(name) != expected:
            disagreements.append(f"{name!r}: template {template_accepts(name)}, Cognito+api-handler {expected}")
    check(f"AdminGroup: AllowedPattern accepts exactly what Cognito and the api-handler accept "
          f"({len(GROUP_NAME_SAMPLES)} samples){': ' + '; '.join(disagreements) if disagreements else ''}",
          not disagreements)


def check_cors_origin(check: Checks, source: dict[str, Any], api_handler: Path) -> None:
    pattern = regex.compile(source["Parameters"]["CorsAllowOrigin"]["AllowedPattern"])
    for origin in ORIGIN_SAMPLES_ACCEPTED:
        check(f"CorsAllowOrigin: accepts {origin!r}, and so does the api-handler",
              pattern.fullmatch(origin) is not None and not handler_refuses(api_handler, "CORS_ALLOW_ORIGIN", origin))
    for origin in ORIGIN_SAMPLES_REFUSED:
        check(f"CorsAllowOrigin: refuses {origin!r} (not one origin, or unsafe inside '...')",
              pattern.fullmatch(origin) is None)


def check_authorization_scopes(check: Checks, source: dict[str, Any]) -> None:
    pattern = regex.compile(source["Parameters"]["AuthorizationScopes"]["AllowedPattern"])
    for scopes, accepted in (("", True), ("myapi/read", True), ("https://api.example.com/read,openid", True),
                             ("a,,b", False), ("a b", False), (",a", False), ("a'", False)):
        check(f"AuthorizationScopes: {'accepts' if accepted else 'refuses'} {scopes!r}",
              (pattern.fullmatch(scopes) is not None) == accepted)
