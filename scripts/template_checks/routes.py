"""The routes the template deploys, compared with the route tables in code.

The route list is written only in template.yaml and api-handler/src/routes.rs (the local
gateway takes the api-handler's table); `print-routes` (tests/src/bin) prints both views of it,
and every API's OpenAPI paths must match both: same methods, same paths, same public routes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from template_checks.report import Checks

# OpenAPI operation keys that are HTTP methods (API Gateway's extension for ANY included).
OPENAPI_METHODS = {"get": "GET", "put": "PUT", "post": "POST", "delete": "DELETE", "patch": "PATCH",
                   "head": "HEAD", "options": "OPTIONS", "x-amazon-apigateway-any-method": "ANY"}


class CodeRoutes:
    """The route tables of the api-handler and the local gateway, as `print-routes` prints
    them: each route (METHOD, path, access), access "public", "protected" or (api-handler
    only) "admin"."""

    SOURCES = ("api-handler", "local-gateway")

    def __init__(self, printed: Any) -> None:
        if not isinstance(printed, dict) or sorted(printed) != sorted(self.SOURCES):
            raise ValueError(f"print-routes printed {sorted(printed) if isinstance(printed, dict) else printed!r}")
        self.tables = {source: sorted((r["method"], r["path"], r["access"]) for r in printed[source])
                       for source in self.SOURCES}
        for source, routes in self.tables.items():
            if not routes:
                raise ValueError(f"print-routes printed no route for {source}")

    @staticmethod
    def load(binary: Path) -> "CodeRoutes":
        run = subprocess.run([str(binary)], capture_output=True, text=True, timeout=60, check=True)
        return CodeRoutes(json.loads(run.stdout))

    def gateway_view(self, source: str) -> list[tuple[str, str, str]]:
        """What API Gateway decides per route: public, or behind the authorizer."""
        return sorted((m, p, "public" if a == "public" else "authorizer") for m, p, a in self.tables[source])

    def admin_route_keys(self) -> list[str]:
        return sorted(f"{m} {p}" for m, p, a in self.tables["api-handler"] if a == "admin")


def deployed_routes(paths: dict[str, Any], authorizer: str, public_security: Any,
                    scopes: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """The routes of an API's OpenAPI paths as (METHOD, path, "public" | "authorizer" | what
    else its security says), "authorizer" meaning `authorizer` with exactly `scopes`. OPTIONS
    operations are CORS preflights, checked on their own."""
    routes = []
    for path, item in paths.items():
        for key, operation in item.items():
            method = OPENAPI_METHODS.get(key)
            if method is None or method == "OPTIONS":
                continue
            security = operation.get("security")
            if security == public_security:
                access = "public"
            elif security == [{authorizer: list(scopes)}]:
                access = "authorizer"
            else:
                access = f"security {security}"
            routes.append((method, path, access))
    return sorted(routes)


def check_routes(check: Checks, label: str, deployed: list[tuple[str, str, str]], code: CodeRoutes) -> None:
    def show(routes: list[tuple[str, str, str]]) -> str:
        return ", ".join(f"{m} {p} ({a})" for m, p, a in routes)

    for source in CodeRoutes.SOURCES:
        expected = code.gateway_view(source)
        differs = "" if deployed == expected else f"; {source} has {show(expected)}"
        check(f"{label}: the routes and which are public are {source}'s: {show(deployed)}{differs}",
              deployed == expected)
