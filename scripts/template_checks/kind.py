"""Which authorizer a scenario expects (template.yaml's `AuthorizerKind`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kind:
    """Which authorizer a scenario expects (AuthorizerKind) and, for API Gateway's built-ins,
    what they must be configured with."""

    name: str = "lambda"
    scopes: tuple[str, ...] = ()
    provider_arn: Any = None
    issuer: str | None = None
    audience: Any = None

    @property
    def builtin(self) -> bool:
        return self.name == "cognito"


LAMBDA = Kind()
# The Lambda authorizer's resources: none of them may exist with AuthorizerKind=cognito.
AUTHORIZER_RESOURCES = ("AuthorizerFunction", "AuthorizerRole", "AuthorizerLogGroup",
                        "AuthorizerRestApiPermission", "AuthorizerHttpApiPermission",
                        "JwksUnavailableAlarm")
