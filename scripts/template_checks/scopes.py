"""Scopes a caller can earn (issue 21, item 1): with ResourceServerScopes the created pool gets
a resource server holding exactly the listed scopes, the prefix domain that hosts its token
endpoint, and a client-credentials app client allowed exactly those scopes, which every
authorizer then trusts (our APP_CLIENT_ID, the JWT authorizer's audience); without it none of
them exists, and the template's rules refuse a required scope that no token of the stack can
carry (the guide's USER_PASSWORD_AUTH tokens hold only aws.cognito.signin.user.admin).

The invariant checked end to end here: every scope AuthorizationScopes requires is one that a
token of the stack can hold, so that no setting refuses every token the stack's pool issues.
"""

from __future__ import annotations

import re
from typing import Any

import regex

from template_checks.report import Checks
from template_checks.resolve import Scenario, rule_allows

SIGNIN = "aws.cognito.signin.user.admin"
MACHINE = ("ResourceServer", "UserPoolDomain", "MachineClient")
MACHINE_OUTPUTS = {"TokenEndpoint", "MachineClientId", "MachineClientScopes"}


def scope_strings(nodes: list[Any], identifier: str) -> list[str]:
    """The scopes as CloudFormation would spell them: each node is a string the resolver
    computed, or `!Sub [${ResourceServerIdentifier}/${Name}, {Name: ...}]` left to compute."""
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        template, variables = node["Fn::Sub"]
        values = {"ResourceServerIdentifier": identifier, **{k: str(v) for k, v in variables.items()}}
        out.append(re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], template))
    return out


def check_no_machine_path(check: Checks, s: Scenario) -> None:
    present = [name for name in MACHINE if name in s.resources]
    check(f"[{s.name}] no resource server, domain or machine client without ResourceServerScopes ({present})",
          not present and not (MACHINE_OUTPUTS & set(s.outputs)))


def check_machine_path(check: Checks, s: Scenario, names: list[str], identifier: str, prefix: str,
                       required: list[str]) -> None:
    label = f"[{s.name}]"
    server = s.props("ResourceServer")
    # Cognito's patterns (AWS::Cognito::UserPoolResourceServer): Identifier
    # [\x21\x23-\x5B\x5D-\x7E]+, Name [\w\s+=,.@-]+, both 1-256 characters.
    check(f"{label} ResourceServer: Identifier and Name within Cognito's patterns ({server.get('Name')})",
          regex.fullmatch(r"[\x21\x23-\x5B\x5D-\x7E]{1,256}", str(server["Identifier"])) is not None
          and regex.fullmatch(r"[\w\s+=,.@-]{1,256}", str(server["Name"])) is not None)
    check(f"{label} ResourceServer: in the created pool, Identifier {identifier}, exactly the scopes {names}",
          server["UserPoolId"] == {"Ref": "UserPool"} and server["Identifier"] == identifier
          and [scope["ScopeName"] for scope in server["Scopes"]] == names
          and all(scope.get("ScopeDescription") for scope in server["Scopes"]))
    domain = s.props("UserPoolDomain")
    check(f"{label} UserPoolDomain: prefix {prefix} on the created pool",
          domain["UserPoolId"] == {"Ref": "UserPool"}
          and domain["Domain"] == {"Fn::Join": ["", [prefix]]})
    client = s.props("MachineClient")
    granted = scope_strings(client["AllowedOAuthScopes"], identifier)
    check(f"{label} MachineClient: a secret, client_credentials only, OAuth on, allowed exactly {granted}",
          client["UserPoolId"] == {"Ref": "UserPool"} and client["GenerateSecret"] is True
          and client["AllowedOAuthFlows"] == ["client_credentials"]
          and client["AllowedOAuthFlowsUserPoolClient"] is True
          and granted == [f"{identifier}/{name}" for name in names]
          and not client.get("ExplicitAuthFlows"))
    check(f"{label} MachineClient is created after the ResourceServer that holds its scopes",
          s.resources["MachineClient"].get("DependsOn") in ("ResourceServer", ["ResourceServer"]))
    env = s.props("AuthorizerFunction")["Environment"]["Variables"] if "AuthorizerFunction" in s.resources else None
    if env is not None:
        check(f"{label} authorizer trusts the user client and the machine client (APP_CLIENT_ID)",
              env["APP_CLIENT_ID"] == {"Fn::Sub": "${UserPoolClient},${MachineClient}"})
        check(f"{label} authorizer REQUIRED_SCOPES is AuthorizationScopes ({required})",
              env.get("REQUIRED_SCOPES", "").split(",") == required if required else "REQUIRED_SCOPES" not in env)
    jwt = (s.resources.get("HttpApi", {}).get("Properties", {}).get("Body", {})
           .get("components", {}).get("securitySchemes", {}).get("CognitoJwtAuthorizer"))
    check(f"{label} a JWT authorizer exactly with AuthorizerKind=cognito and the HTTP API",
          (jwt is not None) == (env is None and "HttpApi" in s.resources))
    if jwt is not None:
        audience = jwt["x-amazon-apigateway-authorizer"]["jwtConfiguration"]["audience"]
        check(f"{label} JWT authorizer audience: the user client and the machine client ({audience})",
              audience == [{"Ref": "UserPoolClient"}, {"Ref": "MachineClient"}])
    earnable = set(granted) | {SIGNIN}
    check(f"{label} every required scope {required} is one a token of the stack can hold ({sorted(earnable)})",
          set(required) <= earnable)
    endpoint = s.outputs.get("TokenEndpoint", {}).get("Value")
    check(f"{label} output TokenEndpoint: the domain's /oauth2/token ({endpoint})",
          endpoint == {"Fn::Sub": "https://${UserPoolDomain}.auth.ap-northeast-1.amazoncognito.com/oauth2/token"}
          or endpoint == {"Fn::Sub": "https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com/oauth2/token"})
    scopes_output = s.outputs.get("MachineClientScopes", {}).get("Value", {}).get("Fn::Join")
    check(f"{label} outputs MachineClientId and MachineClientScopes (space-separated, as granted)",
          s.outputs.get("MachineClientId", {}).get("Value") == {"Ref": "MachineClient"}
          and scopes_output is not None and scopes_output[0] == " "
          and scope_strings(scopes_output[1], identifier) == granted)


def check_scope_rules(check: Checks, source: dict[str, Any]) -> None:
    rules = source.get("Rules", {})
    domain = {"UserPoolDomainPrefix": "myapp-auth"}
    cases = [
        ("created pool, no resource server, AuthorizationScopes=myapi/read", {"AuthorizationScopes": "myapi/read"}, False),
        ("created pool, no resource server, two scopes", {"AuthorizationScopes": f"{SIGNIN},myapi/read"}, False),
        ("created pool, no resource server, the sign-in scope", {"AuthorizationScopes": SIGNIN}, True),
        ("created pool, no scopes", {}, True),
        ("resource server without a domain prefix", {"ResourceServerScopes": "read"}, False),
        ("resource server and domain, AuthorizationScopes=myapi/read",
         {"ResourceServerScopes": "read", "AuthorizationScopes": "myapi/read", **domain}, True),
        ("resource server and domain, no AuthorizationScopes (the machine client would pass every route)",
         {"ResourceServerScopes": "read", **domain}, False),
        ("resource server with a given pool",
         {"ResourceServerScopes": "read", "UserPoolId": "ap-northeast-1_abcdefgh", "AppClientId": "c", **domain}, False),
        ("given pool, any scope (its own resource servers)",
         {"UserPoolId": "ap-northeast-1_abcdefgh", "AppClientId": "c", "AuthorizationScopes": "myapi/read"}, True),
    ]
    for name, overrides, accepted in cases:
        holds = all(rule_allows(source, name, overrides) is True for name in rules)
        check(f"Rules: {'accept' if accepted else 'refuse'} {name}", holds == accepted)
    pattern = regex.compile(source["Parameters"]["ResourceServerScopes"]["AllowedPattern"])
    for scopes, accepted in (("", True), ("read", True), ("read,write,admin", True), ("a,b,c,d", False),
                             ("read,", False), ("my/read", False), ("read write", False)):
        check(f"ResourceServerScopes: {'accepts' if accepted else 'refuses'} {scopes!r}",
              (pattern.fullmatch(scopes) is not None) == accepted)
    prefix = regex.compile(source["Parameters"]["UserPoolDomainPrefix"]["AllowedPattern"])
    for value, accepted in (("", True), ("myapp-auth", True), ("MyApp", False), ("-x", False), ("x-", False)):
        check(f"UserPoolDomainPrefix: {'accepts' if accepted else 'refuses'} {value!r}",
              (prefix.fullmatch(value) is not None) == accepted)
