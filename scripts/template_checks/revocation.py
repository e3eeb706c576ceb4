"""The opt-in revocation list (issue 13, docs/revocation.md): with EnableRevocation=false
nothing of it is deployed (no table, no DynamoDB permission, no REVOCATION_* variable, which
the authorizer would refuse without a table); with true, exactly the table the authorizer
reads, exactly the permissions each function needs, and the variables wired.

Least privilege is checked as equality, not inclusion: the authorizer's role holds one
DynamoDB statement with exactly GetItem and BatchGetItem on the table's ARN, the
api-handler's exactly PutItem on it, and no other statement of any role names DynamoDB, a
wildcard action or a wildcard resource. POST /logout must be behind the same authorizer (and,
for the built-ins, the same scopes) as /me on every API, whatever the code's route tables say.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from template_checks.kind import LAMBDA, Kind
from template_checks.report import Checks
from template_checks.resolve import Scenario, rule_allows
from template_checks.routes import deployed_routes

TABLE = "RevocationTable"
TABLE_ARN = {"Fn::GetAtt": [TABLE, "Arn"]}
# The Cognito maximum of an ID or access token's lifetime (one day), which every entry must
# outlive (template.yaml cites the API reference).
ENTRY_SECONDS = "86400"
PARAMETERS = {
    "EnableRevocation": ("false", {"AllowedValues": ["true", "false"]}),
    "RevocationCacheSeconds": (30, {"MinValue": 0, "MaxValue": 3600}),
    "RevocationFailure": ("closed", {"AllowedValues": ["closed", "open"]}),
    "RevocationTablePitr": ("false", {"AllowedValues": ["true", "false"]}),
}
AUTHORIZER_SOURCE = Path(__file__).resolve().parents[2] / "authorizer" / "src" / "revocation" / "mod.rs"


def statements(s: Scenario, role: str) -> list[dict[str, Any]]:
    return [st for policy in s.props(role).get("Policies", []) for st in policy["PolicyDocument"]["Statement"]]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def dynamodb_statements(s: Scenario, role: str) -> list[dict[str, Any]]:
    return [st for st in statements(s, role) if "dynamodb" in json.dumps(st)]


def revocation_env(s: Scenario, function: str) -> dict[str, Any]:
    env = s.props(function)["Environment"]["Variables"]
    return {k: v for k, v in env.items() if k.startswith("REVOCATION_") or k == "TOKEN_LIFETIME_SECONDS"}


def authorizer_revocation_variables() -> set[str]:
    """The REVOCATION_* variables the authorizer reads (its `pub const` names in
    authorizer/src/revocation/mod.rs)."""
    source = AUTHORIZER_SOURCE.read_text()
    return set(re.findall(r'pub const REVOCATION_\w+: &str = "(REVOCATION_\w+)";', source))


def check_no_wildcards(check: Checks, s: Scenario, label: str) -> None:
    roles = sorted(s.of_type("AWS::IAM::Role"))
    wild = [(role, st) for role in roles for st in statements(s, role)
            if any("*" in str(a) for a in as_list(st.get("Action")))
            or any(r == "*" or (isinstance(r, str) and r.endswith(":*")) for r in as_list(st.get("Resource")))]
    check(f"{label}: no role statement with a wildcard action or resource (found {wild})", not wild)


def check_revocation_off(check: Checks, s: Scenario, kind: Kind = LAMBDA) -> None:
    label = f"EnableRevocation=false [{s.name}]"
    check(f"{label}: no DynamoDB table", not s.of_type("AWS::DynamoDB::Table"))
    granted = {role: dynamodb_statements(s, role) for role in sorted(s.of_type("AWS::IAM::Role"))}
    check(f"{label}: no role may use DynamoDB ({granted})", not any(granted.values()))
    functions = ["ApiFunction"] + ([] if kind.builtin else ["AuthorizerFunction"])
    env = {fn: revocation_env(s, fn) for fn in functions}
    check(f"{label}: no REVOCATION_* variable in {functions} ({env})", not any(env.values()))
    check(f"{label}: no RevocationTableName output", "RevocationTableName" not in s.outputs)
    check_no_wildcards(check, s, label)


def check_revocation_on(check: Checks, s: Scenario, cache_seconds: int, failure: str, pitr: bool) -> None:
    label = f"EnableRevocation=true [{s.name}]"
    tables = s.of_type("AWS::DynamoDB::Table")
    check(f"{label}: exactly one DynamoDB table, {TABLE} ({sorted(tables)})", sorted(tables) == [TABLE])
    table = s.resources[TABLE]
    expected = {
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": pitr},
    }
    props = table["Properties"]
    differs = {k: props.get(k) for k in set(expected) | set(props) if props.get(k) != expected.get(k)}
    check(f"{label}: {TABLE} on-demand, key pk (S) alone, TTL on expires_at, PITR {pitr}, nothing else "
          f"(differs: {differs})", not differs)
    check(f"{label}: {TABLE} retained on deletion and replacement (security state)",
          table.get("DeletionPolicy") == "Retain" and table.get("UpdateReplacePolicy") == "Retain")

    for role, actions in (("AuthorizerRole", ["dynamodb:BatchGetItem"]),
                          ("ApiRole", ["dynamodb:PutItem"])):
        granted = dynamodb_statements(s, role)
        check(f"{role}: one DynamoDB statement, Allow exactly {actions} on {TABLE}'s ARN (found {granted})",
              len(granted) == 1 and granted[0].get("Effect") == "Allow"
              and sorted(as_list(granted[0].get("Action"))) == actions
              and granted[0].get("Resource") == TABLE_ARN and set(granted[0]) == {"Effect", "Action", "Resource"})
        others = [st for st in statements(s, role) if st not in granted]
        check(f"{role}: its other statements are the log statement alone",
              len(others) == 1 and sorted(others[0]["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"])
    other_roles = {role: dynamodb_statements(s, role) for role in sorted(s.of_type("AWS::IAM::Role"))
                   if role not in ("AuthorizerRole", "ApiRole")}
    check(f"{label}: no other role may use DynamoDB ({other_roles})", not any(other_roles.values()))
    check(f"{label}: no IAM policy resources beside the roles' own",
          not s.of_type("AWS::IAM::Policy") and not s.of_type("AWS::IAM::ManagedPolicy"))
    check_no_wildcards(check, s, label)

    table_ref = {"Ref": TABLE}
    authorizer = revocation_env(s, "AuthorizerFunction")
    wanted = {"REVOCATION_TABLE": table_ref, "REVOCATION_CACHE_SECONDS": cache_seconds,
              "REVOCATION_FAILURE": failure}
    # A Number parameter reaches the variable as its string.
    found = {k: str(v) if k == "REVOCATION_CACHE_SECONDS" else v for k, v in authorizer.items()}
    check(f"authorizer env: exactly {wanted} (found {authorizer})",
          found == {**wanted, "REVOCATION_CACHE_SECONDS": str(cache_seconds)})
    read = authorizer_revocation_variables()
    check(f"authorizer env: only REVOCATION_* variables the authorizer reads ({sorted(read)}, from "
          f"{AUTHORIZER_SOURCE.name})", bool(read) and set(authorizer) <= read)
    api = revocation_env(s, "ApiFunction")
    wanted_api = {"REVOCATION_TABLE": table_ref, "TOKEN_LIFETIME_SECONDS": ENTRY_SECONDS}
    check(f"api-handler env: exactly {wanted_api} (found {api})", api == wanted_api)
    check(f"{label}: output RevocationTableName is the table",
          s.outputs.get("RevocationTableName", {}).get("Value") == table_ref)


def check_logout_route(check: Checks, s: Scenario, kind: Kind = LAMBDA) -> None:
    """POST /logout is behind the authorizer with the scopes of /me, on every API deployed."""
    apis = [("REST", "RestApi", "CognitoUserPoolAuthorizer" if kind.builtin else "CognitoTokenAuthorizer")]
    if "HttpApi" in s.resources:
        apis.append(("HTTP API", "HttpApi", "CognitoJwtAuthorizer" if kind.builtin else "CognitoRequestAuthorizer"))
    for label, api, authorizer in apis:
        routes = deployed_routes(s.props(api)["Body"]["paths"], authorizer, None, kind.scopes)
        logout = [r for r in routes if r[1] == "/logout"]
        check(f"{label} [{kind.name}]: POST /logout (only) behind {authorizer} with scopes {list(kind.scopes)}, "
              f"like GET /me (found {logout})",
              logout == [("POST", "/logout", "authorizer")] and ("GET", "/me", "authorizer") in routes)


def check_revocation_parameters(check: Checks, source: dict[str, Any]) -> None:
    params = source["Parameters"]
    for name, (default, constraints) in PARAMETERS.items():
        spec = params.get(name, {})
        check(f"parameter {name}: default {default!r}, {constraints}",
              spec.get("Default") == default and all(spec.get(k) == v for k, v in constraints.items()))
    groups = source["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    holding = [g["Label"]["default"] for g in groups if set(PARAMETERS) <= set(g["Parameters"])]
    check(f"the revocation parameters share one Metadata interface group ({holding})", len(holding) == 1)
    for overrides, allowed in (({"EnableRevocation": "true"}, True),
                               ({"EnableRevocation": "true", "AuthorizerKind": "cognito"}, False),
                               ({"EnableRevocation": "false", "AuthorizerKind": "cognito"}, True)):
        passes = rule_allows(source, "RevocationNeedsLambdaAuthorizer", overrides)
        check(f"rule RevocationNeedsLambdaAuthorizer: {overrides} {'allowed' if allowed else 'refused'} "
              "(the built-in authorizers cannot read the list)", passes is allowed)
