#!/usr/bin/env python3
"""Checks that template.yaml deploys what the README says (`check-template.sh translate`).

The SAM transform (samtranslator, the library `sam deploy` uses) runs offline on the template;
its output is then resolved the way CloudFormation would for a given set of parameters
(conditions, Fn::If, AWS::NoValue, parameter Refs) and checked scenario by scenario: the
defaults, CORS with the HTTP API and the non-default choices, and an external user pool.

The routes of both APIs (method, path, and whether the authorizer guards them) must be the
ones the api-handler serves and the local gateway stands in for: their route tables come from
the `print-routes` binary (tests/src/bin, --print-routes), so the route list is written only
in template.yaml, api-handler/src/routes.rs and local-gateway/src/routes.rs, and compared
here. The authorizer's default ROUTE_RULES must guard exactly the api-handler's admin-only
routes with the AdminGroup default.

The AdminGroup parameter's AllowedPattern is also checked against Cognito's group-name rule
and against the api-handler binary itself (--api-handler): for every sample name, the
template must accept exactly what both accept. CorsAllowOrigin must accept only single
origins the api-handler accepts too.

Runs with the project's .venv Python (samtranslator and the `regex` module come with
aws-sam-cli and cfn-lint). Exit status 1 when any check fails.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex  # \p{...} classes, as CloudFormation's AllowedPattern accepts them
from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "https://app.example.com"

# Variables documented for access logs, per API type. REST: API Gateway developer guide,
# "Variables for access logging for API Gateway"; HTTP API: "Customize HTTP API access logs".
# HTTP APIs have no $context.authorizer.latency: there $context.authorizer.<key> reads a key
# of the Lambda authorizer's context.
REST_LOG_VARIABLES = {
    "$context.requestId", "$context.extendedRequestId", "$context.identity.sourceIp",
    "$context.requestTime", "$context.httpMethod", "$context.resourcePath", "$context.status",
    "$context.responseLength", "$context.responseLatency", "$context.error.messageString",
    "$context.error.responseType", "$context.authorizer.principalId", "$context.authorizer.error",
    "$context.authorizer.latency", "$context.authorizer.integrationStatus",
    "$context.authorizer.integrationLatency", "$context.integrationStatus",
    "$context.integrationLatency",
}
HTTP_LOG_VARIABLES = {
    "$context.requestId", "$context.identity.sourceIp", "$context.requestTime",
    "$context.httpMethod", "$context.routeKey", "$context.path", "$context.status",
    "$context.responseLength", "$context.responseLatency", "$context.error.messageString",
    "$context.error.responseType", "$context.authorizer.error", "$context.integrationErrorMessage",
    "$context.integrationStatus", "$context.integrationLatency",
}
# What the README promises to be in each access log line (issue: why the authorizer said no).
REST_LOG_REQUIRED = {"$context.authorizer.error", "$context.authorizer.latency", "$context.status",
                     "$context.identity.sourceIp", "$context.requestId"}
HTTP_LOG_REQUIRED = {"$context.authorizer.error", "$context.status", "$context.identity.sourceIp",
                     "$context.requestId"}

GATEWAY_RESPONSES = ("DEFAULT_4XX", "DEFAULT_5XX", "UNAUTHORIZED", "ACCESS_DENIED")
DEFAULT_GATEWAY_TEMPLATE = '{"message":$context.error.messageString}'

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


class NoManagedPolicies:
    """The transform's policy-template loader, offline: the template uses no SAM policies."""

    def load(self) -> dict[str, Any]:
        return {}


class Checks:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def __call__(self, what: str, ok: bool) -> bool:
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            self.failures.append(what)
        return ok

    def group(self, function: Any, *args: Any, **kwargs: Any) -> None:
        """Runs one group of checks; a template shaped so differently that the group cannot
        even look (a missing resource or key) is one failure, not a crash."""
        try:
            function(self, *args, **kwargs)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            self(f"{function.__name__}: the template lacks what it checks ({type(error).__name__}: {error})",
                 False)


# ------------------------------------------------------------------ transform and resolve

def sam_transform(source: dict[str, Any], parameters: dict[str, str]) -> dict[str, Any]:
    return transform(copy.deepcopy(source), dict(parameters), NoManagedPolicies())


def parameter_values(source: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    values = {name: spec.get("Default") for name, spec in source["Parameters"].items()}
    values.update(overrides)
    values.update({"AWS::Region": "ap-northeast-1", "AWS::AccountId": "123456789012",
                   "AWS::Partition": "aws", "AWS::StackName": "stack", "AWS::URLSuffix": "amazonaws.com"})
    return values


class Resolver:
    """Resolves conditions, Fn::If, AWS::NoValue and parameter Refs as CloudFormation would,
    leaving references to resources (Ref/GetAtt/Sub of resources) in place. Fn::Split,
    Fn::Select and the list form of Fn::Sub are computed when their inputs are known; inside
    them a Ref to a resource of CREATED_IDS reads as that placeholder ID."""

    NO_VALUE = object()
    CREATED_IDS = {"UserPool": "ap-northeast-1_CreatedPool", "UserPoolClient": "createdclientid"}

    def __init__(self, template: dict[str, Any], values: dict[str, Any]) -> None:
        self.values = values
        self.condition_specs = template.get("Conditions", {})
        self.conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = self.truth(self.condition_specs[name])
        return self.conditions[name]

    def truth(self, node: Any) -> bool:
        (function, args), = node.items()
        if function == "Fn::Equals":
            left, right = (self.value(arg) for arg in args)
            return str(left) == str(right)
        if function == "Fn::Not":
            return not self.truth(args[0])
        if function == "Fn::And":
            return all(self.truth(arg) for arg in args)
        if function == "Fn::Or":
            return any(self.truth(arg) for arg in args)
        if function == "Condition":
            return self.condition(args)
        raise ValueError(f"unsupported condition function {function}")

    def value(self, node: Any) -> Any:
        resolved = self.resolve(node)
        if isinstance(resolved, dict) and set(resolved) == {"Ref"}:
            raise ValueError(f"unresolved reference in a condition: {resolved}")
        return resolved

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = (self.resolve(item) for item in node)
            return [item for item in items if item is not self.NO_VALUE]
        if not isinstance(node, dict):
            return node
        if set(node) == {"Fn::If"}:
            name, if_true, if_false = node["Fn::If"]
            return self.resolve(if_true if self.condition(name) else if_false)
        if set(node) == {"Ref"}:
            if node["Ref"] == "AWS::NoValue":
                return self.NO_VALUE
            if node["Ref"] in self.values:
                return self.values[node["Ref"]]
            return node
        if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
            text = re.sub(r"\$\{([\w:]+)\}",
                          lambda m: str(self.values.get(m.group(1), m.group(0))), node["Fn::Sub"])
            return text if "${" not in text else {"Fn::Sub": text}
        if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], list):
            template, variables = node["Fn::Sub"]
            known = {name: self.known(value) for name, value in variables.items()}
            if all(isinstance(value, str) for value in known.values()):
                known = {**{k: str(v) for k, v in self.values.items()}, **known}
                text = re.sub(r"\$\{([\w:]+)\}", lambda m: known.get(m.group(1), m.group(0)), template)
                if "${" not in text:
                    return text
        if set(node) == {"Fn::Split"}:
            delimiter, source = node["Fn::Split"]
            text = self.known(source)
            if isinstance(text, str):
                return text.split(delimiter)
        if set(node) == {"Fn::Select"}:
            index, items = node["Fn::Select"]
            items = self.known(items)
            if isinstance(items, list):
                return items[int(index)]
        items = ((key, self.resolve(value)) for key, value in node.items())
        return {key: value for key, value in items if value is not self.NO_VALUE}

    def known(self, node: Any) -> Any:
        """The value of `node` where it is an input to a computed function."""
        resolved = self.resolve(node)
        if isinstance(resolved, dict) and set(resolved) == {"Ref"}:
            return self.CREATED_IDS.get(resolved["Ref"], resolved)
        return resolved

    def deployed(self, template: dict[str, Any]) -> dict[str, Any]:
        """The resources and outputs CloudFormation would create, resolved."""
        resources = {
            name: self.resolve(resource)
            for name, resource in template["Resources"].items()
            if "Condition" not in resource or self.condition(resource["Condition"])
        }
        outputs = {
            name: self.resolve(output)
            for name, output in template.get("Outputs", {}).items()
            if "Condition" not in output or self.condition(output["Condition"])
        }
        return {"Resources": resources, "Outputs": outputs}


# An Okta-style issuer, as the README's example gives it.
EXTRA_ISSUERS = ('[{"name":"okta","issuer":"https://example.okta.com/oauth2/default",'
                 '"audience":"api://default","algorithms":["RS256"],"groups_claim":"groups",'
                 '"scopes_claim":"scp","typ":"at+jwt"}]')


class Scenario:
    """One deploy: the SAM transform for these parameters, resolved by CloudFormation's rules."""

    def __init__(self, source: dict[str, Any], name: str, parameters: dict[str, str]) -> None:
        self.name = name
        self.raw = sam_transform(source, parameters)
        resolved = Resolver(self.raw, parameter_values(source, parameters)).deployed(self.raw)
        self.resources: dict[str, Any] = resolved["Resources"]
        self.outputs: dict[str, Any] = resolved["Outputs"]

    def of_type(self, resource_type: str) -> dict[str, Any]:
        return {n: r for n, r in self.resources.items() if r["Type"] == resource_type}

    def props(self, name: str) -> dict[str, Any]:
        return self.resources[name]["Properties"]


# ------------------------------------------------------------------ routes

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


# ------------------------------------------------------------------ checks

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

def handler_refuses(api_handler: Path, variable: str, value: str) -> bool:
    """Whether the api-handler stops its cold start over this value: valid configuration passes
    init and stops at the missing Lambda runtime instead; a configuration error names the
    variable (the project's rule for bad configuration)."""
    run = subprocess.run([str(api_handler)], env={variable: value, "PATH": os.environ.get("PATH", "")},
                         capture_output=True, text=True, timeout=30, check=False)
    return variable in run.stdout + run.stderr


def log_variables(log_format: str) -> set[str]:
    return set(re.findall(r"\$context(?:\.[A-Za-z0-9_]+)+", log_format))


def check_access_log(check: Checks, label: str, setting: dict[str, Any], log_group: str,
                     documented: set[str], required: set[str], scenario: Scenario) -> None:
    log_format = setting.get("Format", "")
    used = log_variables(log_format)
    # One JSON object per line: substitute values the way API Gateway does ($context.x inside
    # quotes; messageString is itself a quoted string or null).
    sample = log_format.replace("$context.error.messageString", '"x"')
    sample = re.sub(r"\$context(?:\.[A-Za-z0-9_]+)+", "x", sample)
    try:
        parsed_ok = isinstance(json.loads(sample), dict) and "\n" not in log_format
    except json.JSONDecodeError:
        parsed_ok = False
    check(f"{label}: access log format is one JSON object per line", parsed_ok)
    check(f"{label}: access log has {sorted(required)}", required <= used)
    check(f"{label}: access log uses only documented variables (unknown: {sorted(used - documented)})",
          used <= documented)
    expected_arn = {"Fn::Sub": f"arn:aws:logs:ap-northeast-1:123456789012:log-group:${{{log_group}}}"}
    check(f"{label}: access log goes to {log_group} (ARN without ':*')",
          setting.get("DestinationArn") == expected_arn)
    group = scenario.resources.get(log_group)
    check(f"{label}: {log_group} exists with the retention parameter",
          group is not None and group["Properties"].get("RetentionInDays") == 14)


def check_functions(check: Checks, s: Scenario, code: CodeRoutes, admin_group: str) -> None:
    res = s.resources
    for fn, log_group, role in (("AuthorizerFunction", "AuthorizerLogGroup", "AuthorizerRole"),
                                ("ApiFunction", "ApiLogGroup", "ApiRole")):
        p = res[fn]["Properties"]
        check(f"{fn}: provided.al2023, bootstrap, Architectures from the parameter",
              p["Runtime"] == "provided.al2023" and p["Handler"] == "bootstrap"
              and p["Architectures"] == ["arm64"])
        check(f"{fn}: small MemorySize/Timeout", p["MemorySize"] <= 256 and p["Timeout"] <= 10)
        check(f"{fn}: logs to {log_group}", p["LoggingConfig"]["LogGroup"] == {"Ref": log_group})
        check(f"{log_group}: has a retention", "RetentionInDays" in res[log_group]["Properties"])
        rp = res[role]["Properties"]
        statements = [st for pol in rp.get("Policies", []) for st in pol["PolicyDocument"]["Statement"]]
        check(f"{role}: no managed policies, only CreateLogStream/PutLogEvents on {log_group}",
              not rp.get("ManagedPolicyArns") and len(statements) == 1
              and all(st["Effect"] == "Allow"
                      and sorted(st["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
                      and st["Resource"] == {"Fn::GetAtt": [log_group, "Arn"]} for st in statements))
        check(f"{fn}: uses {role}", p["Role"] == {"Fn::GetAtt": [role, "Arn"]})
    check("no IAM policy resources",
          not s.of_type("AWS::IAM::Policy") and not s.of_type("AWS::IAM::ManagedPolicy"))
    env = res["AuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    check("authorizer env: USER_POOL_ID/APP_CLIENT_ID of the created pool",
          env["USER_POOL_ID"] == {"Ref": "UserPool"} and env["APP_CLIENT_ID"] == {"Ref": "UserPoolClient"})
    check("authorizer env: TOKEN_USE=any, USER_POOL_ISSUER=any, HTTP_API_RESPONSE=simple",
          env.get("TOKEN_USE") == "any"
          and env.get("USER_POOL_ISSUER") == "any" and env.get("HTTP_API_RESPONSE") == "simple")
    check("authorizer env: no ISSUERS by default (the pool only)", "ISSUERS" not in env)
    # The api-handler checks the admin group itself on its admin-only routes; the authorizer's
    # rules guard the same routes (defence in depth), with the same group.
    admin_rules = {key: {"groups": [admin_group]} for key in code.admin_route_keys()}
    check(f"authorizer env: ROUTE_RULES guards the api-handler's admin-only routes with group {admin_group}: "
          f"{json.dumps(admin_rules)}",
          bool(admin_rules) and json.loads(env.get("ROUTE_RULES", "null")) == admin_rules)


def check_rest_api(check: Checks, s: Scenario, cors_origin: str | None, code: CodeRoutes,
                   kind: Kind = LAMBDA) -> None:
    res = s.resources
    label = "REST" + (" (CORS)" if cors_origin else "") + f" [{kind.name}]"
    stages = s.of_type("AWS::ApiGateway::Stage")
    deployments = s.of_type("AWS::ApiGateway::Deployment")
    check(f"{label}: exactly one stage, the configured one (no extra 'Stage' stage)",
          [st["Properties"]["StageName"] for st in stages.values()] == ["prod"]
          and all("StageName" not in d["Properties"] for d in deployments.values()))
    body = res["RestApi"]["Properties"]["Body"]
    check(f"{label}: OpenAPI 3.0.1 definition", body.get("openapi") == "3.0.1")
    check(f"{label}: waits for the account's CloudWatch log role setting",
          res["RestApi"].get("DependsOn") == "ApiGatewayLogRoleReady")
    schemes = body["components"]["securitySchemes"]
    if kind.builtin:
        name = "CognitoUserPoolAuthorizer"
        auth = schemes[name]
        ext = auth["x-amazon-apigateway-authorizer"]
        # "Integrate a REST API with an Amazon Cognito user pool": a COGNITO_USER_POOLS
        # authorizer names pools by ARN and reads the token from a header.
        check(f"{label}: only API Gateway's COGNITO_USER_POOLS authorizer, on the Authorization "
              f"header, trusting {kind.provider_arn}",
              sorted(schemes) == [name] and ext["type"] == "cognito_user_pools"
              and auth.get("x-amazon-apigateway-authtype") == "cognito_user_pools"
              and auth["name"] == "Authorization" and auth["in"] == "header"
              and ext["providerARNs"] == [kind.provider_arn])
    else:
        name = "CognitoTokenAuthorizer"
        auth = schemes[name]
        ext = auth["x-amazon-apigateway-authorizer"]
        check(f"{label}: only the TOKEN authorizer, on the Authorization header, cache TTL 300",
              sorted(schemes) == [name]
              and ext["type"] == "token" and auth["name"] == "Authorization" and auth["in"] == "header"
              and "AuthorizerFunction" in json.dumps(ext["authorizerUri"])
              and ext["authorizerResultTtlInSeconds"] == 300)
    paths = body["paths"]
    # An operation without security is public (the API has no default authorizer).
    check_routes(check, f"{label} {name} scopes {list(kind.scopes)}",
                 deployed_routes(paths, name, None, kind.scopes), code)
    for path, methods in paths.items():
        options = methods.get("options")
        integration = (options or {}).get("x-amazon-apigateway-integration", {})
        headers = integration.get("responses", {}).get("default", {}).get("responseParameters", {})
        origin = headers.get("method.response.header.Access-Control-Allow-Origin")
        check(f"{label}: OPTIONS {path} answered by API Gateway (mock), no authorizer, "
              f"Allow-Origin {cors_origin or 'absent'}",
              options is not None and integration.get("type") == "mock" and "security" not in options
              and origin == (f"'{cors_origin}'" if cors_origin else None)
              and "authorization" in headers.get("method.response.header.Access-Control-Allow-Headers", ""))
    responses = body.get("x-amazon-apigateway-gateway-responses", {})
    for kind in GATEWAY_RESPONSES:
        response = responses.get(kind, {})
        params = response.get("responseParameters", {})
        check(f"{label}: gateway response {kind}: body {DEFAULT_GATEWAY_TEMPLATE}, "
              f"Allow-Origin {cors_origin or 'absent'}",
              response.get("responseTemplates") == {"application/json": DEFAULT_GATEWAY_TEMPLATE}
              and params == ({"gatewayresponse.header.Access-Control-Allow-Origin": f"'{cors_origin}'"}
                             if cors_origin else {}))
    (stage,) = stages.values()
    check_access_log(check, label, stage["Properties"].get("AccessLogSetting", {}),
                     "RestApiAccessLogGroup", REST_LOG_VARIABLES, REST_LOG_REQUIRED, s)
    env = res["ApiFunction"]["Properties"]["Environment"]["Variables"]
    check(f"{label}: api-handler CORS_ALLOW_ORIGIN {cors_origin or 'unset'}",
          env.get("CORS_ALLOW_ORIGIN") == cors_origin)


def check_http_api(check: Checks, s: Scenario, cors_origin: str | None, code: CodeRoutes,
                   kind: Kind = LAMBDA) -> None:
    res = s.resources
    label = "HTTP API" + (" (CORS)" if cors_origin else "") + f" [{kind.name}]"
    body = res["HttpApi"]["Properties"]["Body"]
    schemes = body["components"]["securitySchemes"]
    if kind.builtin:
        name = "CognitoJwtAuthorizer"
        jwt = schemes[name]
        ext = jwt["x-amazon-apigateway-authorizer"]
        # "Control access to HTTP APIs with JWT authorizers in API Gateway": one issuer, a list
        # of audiences (aud, or client_id without aud), the token from identitySource.
        check(f"{label}: only API Gateway's JWT authorizer, issuer {kind.issuer}, audience "
              f"{kind.audience}, token from the Authorization header",
              sorted(schemes) == [name] and jwt["type"] == "oauth2" and ext["type"] == "jwt"
              and ext["identitySource"] == "$request.header.Authorization"
              and ext["jwtConfiguration"] == {"issuer": kind.issuer, "audience": kind.audience})
    else:
        name = "CognitoRequestAuthorizer"
        hext = schemes[name]["x-amazon-apigateway-authorizer"]
        check(f"{label}: only the REQUEST authorizer, payload 2.0, simple responses",
              sorted(schemes) == [name]
              and hext["type"] == "request" and hext["authorizerPayloadFormatVersion"] == "2.0"
              and hext["enableSimpleResponses"] is True
              and "AuthorizerFunction" in json.dumps(hext["authorizerUri"])
              and hext["authorizerResultTtlInSeconds"] == 300)
        check(f"{label}: identity sources = Authorization header + $context.routeKey (ROUTE_RULES caching)",
              hext["identitySource"] == ["$request.header.Authorization", "$context.routeKey"])
        env = res["AuthorizerFunction"]["Properties"]["Environment"]["Variables"]
        check(f"{label}: the authorizer's IDENTITY_SOURCES are the API's identity sources, in order",
              env.get("IDENTITY_SOURCES", "").split(",") == hext["identitySource"])
    # No default authorizer on the HTTP API: an operation without security is public.
    routes = deployed_routes(body["paths"], name, None, kind.scopes)
    check_routes(check, f"{label} {name} scopes {list(kind.scopes)}", routes, code)
    for method, path, _ in routes:
        operation_key = {v: k for k, v in OPENAPI_METHODS.items()}[method]
        integ = body["paths"][path][operation_key]["x-amazon-apigateway-integration"]
        check(f"{label}: {method} {path} -> ApiFunction, payload 2.0",
              integ["payloadFormatVersion"] == "2.0" and "ApiFunction.Arn" in json.dumps(integ["uri"]))
    cors = body.get("x-amazon-apigateway-cors")
    if cors_origin:
        check(f"{label}: CORS configuration for {cors_origin}, authorization header allowed",
              cors is not None and cors.get("allowOrigins") == [cors_origin]
              and "authorization" in cors.get("allowHeaders", []) and "GET" in cors.get("allowMethods", []))
    else:
        check(f"{label}: no CORS configuration", cors is None)
    stages = s.of_type("AWS::ApiGatewayV2::Stage")
    check(f"{label}: one stage, $default", [st["Properties"]["StageName"] for st in stages.values()] == ["$default"])
    (stage,) = stages.values()
    check_access_log(check, label, stage["Properties"].get("AccessLogSettings", {}),
                     "HttpApiAccessLogGroup", HTTP_LOG_VARIABLES, HTTP_LOG_REQUIRED, s)


def check_permissions(check: Checks, s: Scenario, kind: Kind = LAMBDA) -> None:
    perms = {n: r["Properties"] for n, r in s.of_type("AWS::Lambda::Permission").items()}

    def invokes(fn: str) -> list[str]:
        return [n for n, p in perms.items()
                if p["FunctionName"] in ({"Ref": fn}, {"Fn::GetAtt": [fn, "Arn"]})
                and p["Principal"] == "apigateway.amazonaws.com" and p["Action"] == "lambda:InvokeFunction"]

    def from_authorizers(api: str) -> dict[str, Any]:
        return {"Fn::Sub": f"arn:aws:execute-api:ap-northeast-1:123456789012:${{{api}}}/authorizers/*"}

    if kind.builtin:
        check("[cognito] no permission to invoke an authorizer function (there is none)",
              not invokes("AuthorizerFunction"))
    else:
        check("API Gateway may invoke the authorizer from each API's authorizers (REST and HTTP API)",
              sorted(invokes("AuthorizerFunction")) == ["AuthorizerHttpApiPermission", "AuthorizerRestApiPermission"]
              and perms["AuthorizerRestApiPermission"]["SourceArn"] == from_authorizers("RestApi")
              and perms["AuthorizerHttpApiPermission"]["SourceArn"] == from_authorizers("HttpApi"))
    check(f"[{kind.name}] every permission is for API Gateway",
          len(invokes("AuthorizerFunction")) + len(invokes("ApiFunction")) == len(perms))
    rest_routes = sorted(n for n in invokes("ApiFunction") if n.startswith("ApiFunctionRest"))
    check(f"[{kind.name}] API Gateway may invoke the api-handler on each REST route: {rest_routes}",
          rest_routes == [f"ApiFunctionRest{r}PermissionStage" for r in ("Admin", "Health", "Hello", "Me")])


def check_log_role(check: Checks, s: Scenario, created: bool, kind: Kind = LAMBDA) -> None:
    roles = sorted(s.of_type("AWS::IAM::Role"))
    expected = ["ApiGatewayCloudWatchRole"] if created else []
    expected += ["ApiRole"] if kind.builtin else ["ApiRole", "AuthorizerRole"]
    check(f"IAM roles: {expected}", roles == expected)
    account = s.resources.get("ApiGatewayAccount")
    if created:
        role = s.resources["ApiGatewayCloudWatchRole"]
        rp = role["Properties"]
        check("ApiGatewayCloudWatchRole: assumed by API Gateway only, AmazonAPIGatewayPushToCloudWatchLogs",
              rp["AssumeRolePolicyDocument"]["Statement"]
              == [{"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"},
                   "Action": "sts:AssumeRole"}]
              and rp["ManagedPolicyArns"]
              == ["arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"]
              and not rp.get("Policies"))
        check("ApiGatewayAccount: sets that role; role and setting retained on stack deletion",
              account is not None
              and account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]}
              and all(r.get("DeletionPolicy") == "Retain" and r.get("UpdateReplacePolicy") == "Retain"
                      for r in (role, account)))
        check("REST API waits for ApiGatewayAccount (through ApiGatewayLogRoleReady)",
              s.resources["ApiGatewayLogRoleReady"]["Metadata"] == {"AccountSetting": {"Ref": "ApiGatewayAccount"}})
    else:
        check("ApiGatewayLogRole=existing: the account setting is left alone", account is None)


def check_cognito(check: Checks, s: Scenario, issuer_type: str) -> None:
    res = s.resources
    pool = res["UserPool"]
    pp = pool["Properties"]["Policies"]["PasswordPolicy"]
    check("UserPool: guide's password policy (8, upper, lower, numbers, no symbols)",
          pp == {"MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
                 "RequireNumbers": True, "RequireSymbols": False})
    check("UserPool: email required, mutable and auto-verified",
          pool["Properties"]["AutoVerifiedAttributes"] == ["email"]
          and pool["Properties"]["Schema"] == [{"Name": "email", "AttributeDataType": "String",
                                                 "Mutable": True, "Required": True}])
    check(f"UserPool: IssuerConfiguration {issuer_type}",
          pool["Properties"].get("IssuerConfiguration") == {"Type": issuer_type})
    client = res["UserPoolClient"]["Properties"]
    check("UserPoolClient: no secret, USER_PASSWORD_AUTH + REFRESH_TOKEN_AUTH, COGNITO",
          client["GenerateSecret"] is False
          and client["ExplicitAuthFlows"] == ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
          and client["SupportedIdentityProviders"] == ["COGNITO"])
    check("AdminUserGroup: named after AdminGroup", res["AdminUserGroup"]["Properties"]["GroupName"] == "admin")


def check_pool_survives_switch(check: Checks, raw: dict[str, Any]) -> None:
    """Setting UserPoolId on an existing stack turns CreateUserPool false: CloudFormation then
    removes every resource under that condition. Retain keeps them (and the users)."""
    pooled = {n: r for n, r in raw["Resources"].items() if r.get("Condition") == "CreateUserPool"}
    check("Cognito resources exist only without UserPoolId: UserPool, UserPoolClient, AdminUserGroup",
          sorted(pooled) == ["AdminUserGroup", "UserPool", "UserPoolClient"])
    for name, resource in sorted(pooled.items()):
        check(f"{name}: DeletionPolicy and UpdateReplacePolicy Retain (a switch to UserPoolId keeps it)",
              resource.get("DeletionPolicy") == "Retain" and resource.get("UpdateReplacePolicy") == "Retain")


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


def check_builtin_kind(check: Checks, s: Scenario, kind: Kind) -> None:
    """AuthorizerKind=cognito: nothing of the Lambda authorizer is deployed; the api-handler
    (which still checks AdminGroup on /admin) and its alarm are."""
    present = sorted(n for n in AUTHORIZER_RESOURCES if n in s.resources)
    check(f"[cognito] no Lambda authorizer resources (found {present})", not present)
    check("[cognito] one function, the api-handler", sorted(s.of_type("AWS::Lambda::Function")) == ["ApiFunction"])
    check("[cognito] no AuthorizerFunctionName output", "AuthorizerFunctionName" not in s.outputs)
    check("[cognito] Api5xxAlarm kept", "Api5xxAlarm" in s.resources)
    env = s.props("ApiFunction")["Environment"]["Variables"]
    check("[cognito] the api-handler still checks the admin group", env.get("ADMIN_GROUP") == "admin")


def check_logs_and_alarms(check: Checks, s: Scenario, topic: str | None) -> None:
    """The authorizer logs JSON at the chosen level, and the two alarms watch what it and the
    REST API publish (issue 15)."""
    p = s.props("AuthorizerFunction")
    logging_config = p["LoggingConfig"]
    check("authorizer logs JSON at AuthorizerLogLevel (INFO by default)",
          logging_config.get("LogFormat") == "JSON" and logging_config.get("ApplicationLogLevel") == "INFO")
    namespace = p["Environment"]["Variables"].get("METRICS_NAMESPACE")
    jwks = s.props("JwksUnavailableAlarm")
    check("JwksUnavailableAlarm: Decisions with reason=jwks_unavailable above 0 over 5 minutes, "
          "in the authorizer's METRICS_NAMESPACE",
          jwks["Namespace"] == namespace and jwks["MetricName"] == "Decisions"
          and jwks["Dimensions"] == [{"Name": "reason", "Value": "jwks_unavailable"}]
          and jwks["Statistic"] == "Sum" and jwks["Period"] == 300 and jwks["Threshold"] == 0
          and jwks["ComparisonOperator"] == "GreaterThanThreshold")
    api = s.props("Api5xxAlarm")
    rest_name = s.props("RestApi")["Name"]
    check("Api5xxAlarm: the REST API's 5XXError average (its rate) over 5 minutes",
          api["Namespace"] == "AWS/ApiGateway" and api["MetricName"] == "5XXError"
          and {"Name": "ApiName", "Value": rest_name} in api["Dimensions"]
          and api["Statistic"] == "Average" and api["Period"] == 300)
    for name, props in (("JwksUnavailableAlarm", jwks), ("Api5xxAlarm", api)):
        expected = [topic] if topic else None
        check(f"{name}: notifies AlarmTopicArn when given, nothing otherwise",
              props.get("AlarmActions") == expected and props.get("OKActions") == expected)


def run_checks(template: Path, api_handler: Path, code: CodeRoutes) -> list[str]:
    check = Checks()
    source = yaml_parse(template.read_text())
    # The transform needs S3 code locations (sam build/package put them there).
    for fn in ("AuthorizerFunction", "ApiFunction"):
        source["Resources"][fn]["Properties"]["CodeUri"] = "s3://bucket/key.zip"

    print("-- defaults")
    default = Scenario(source, "defaults", {})
    admin_group = source["Parameters"]["AdminGroup"]["Default"]
    check.group(check_functions, default, code, admin_group)
    check.group(check_rest_api, default, None, code)
    check("defaults: no HTTP API resources", not any(r["Type"].startswith("AWS::ApiGatewayV2")
                                                     for r in default.resources.values()))
    check.group(check_log_role, default, created=True)
    check.group(check_cognito, default, "UPDATED")
    check.group(check_pool_survives_switch, default.raw)
    check.group(check_logs_and_alarms, default, None)
    check("Outputs: ApiUrl, UserPoolId, AppClientId, RestApiAccessLogGroup",
          {"ApiUrl", "UserPoolId", "AppClientId", "RestApiAccessLogGroup"} <= set(default.outputs))

    print("-- CORS, HTTP API, ORIGINAL issuer pinned, existing log role")
    cors = Scenario(source, "cors", {"EnableHttpApi": "true", "CorsAllowOrigin": ORIGIN,
                                     "IssuerType": "ORIGINAL", "UserPoolIssuer": "original",
                                     "ApiGatewayLogRole": "existing"})
    check.group(check_rest_api, cors, ORIGIN, code)
    check.group(check_http_api, cors, ORIGIN, code)
    check.group(check_permissions, cors, LAMBDA)
    check.group(check_log_role, cors, created=False)
    check.group(check_cognito, cors, "ORIGINAL")
    topic = "arn:aws:sns:ap-northeast-1:123456789012:authorizer-alarms"
    check.group(check_logs_and_alarms, Scenario(source, "alarms", {"AlarmTopicArn": topic}), topic)
    env = cors.props("AuthorizerFunction")["Environment"]["Variables"]
    check("authorizer env: USER_POOL_ISSUER from UserPoolIssuer", env.get("USER_POOL_ISSUER") == "original")
    check("Outputs: HttpApiUrl, HttpApiAccessLogGroup with the HTTP API",
          {"HttpApiUrl", "HttpApiAccessLogGroup"} <= set(cors.outputs))

    print("-- HTTP API without CORS")
    http = Scenario(source, "http", {"EnableHttpApi": "true"})
    check.group(check_http_api, http, None, code)

    print("-- external pool")
    external = Scenario(source, "external", {"UserPoolId": "ap-northeast-1_abcdefgh",
                                             "AppClientId": "190d8ar0cc5pc1isoec2s5ncvb"})
    env = external.props("AuthorizerFunction")["Environment"]["Variables"]
    check("external pool: no Cognito resources, the authorizer trusts the given pool and client",
          not any(r["Type"].startswith("AWS::Cognito::") for r in external.resources.values())
          and env.get("USER_POOL_ID") == "ap-northeast-1_abcdefgh"
          and env.get("APP_CLIENT_ID") == "190d8ar0cc5pc1isoec2s5ncvb")

    print("-- AuthorizerKind=cognito: API Gateway's built-in authorizers on the created pool")
    created_pool = Resolver.CREATED_IDS["UserPool"]
    builtin = Kind("cognito", provider_arn={"Fn::GetAtt": ["UserPool", "Arn"]},
                   issuer=f"https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/{created_pool}",
                   audience=[{"Ref": "UserPoolClient"}])
    cognito = Scenario(source, "cognito", {"AuthorizerKind": "cognito", "EnableHttpApi": "true"})
    check.group(check_builtin_kind, cognito, builtin)
    check.group(check_rest_api, cognito, None, code, builtin)
    check.group(check_http_api, cognito, None, code, builtin)
    check.group(check_permissions, cognito, builtin)
    check.group(check_log_role, cognito, created=True, kind=builtin)
    check.group(check_cognito, cognito, "UPDATED")

    print("-- AuthorizerKind=cognito, scopes, ORIGINAL issuer, given pools (the first is trusted)")
    scoped = Kind("cognito", scopes=("myapi/read", "myapi/write"),
                  provider_arn="arn:aws:cognito-idp:ap-southeast-2:123456789012:userpool/ap-southeast-2_abcdefgh",
                  issuer="https://cognito-idp.ap-southeast-2.amazonaws.com/ap-southeast-2_abcdefgh",
                  audience=["client1", "client2"])
    given = Scenario(source, "cognito-given", {
        "AuthorizerKind": "cognito", "EnableHttpApi": "true", "AuthorizationScopes": "myapi/read,myapi/write",
        "IssuerType": "ORIGINAL", "UserPoolId": "ap-southeast-2_abcdefgh,ap-northeast-1_second",
        "AppClientId": "client1,client2", "CorsAllowOrigin": ORIGIN})
    check.group(check_builtin_kind, given, scoped)
    check.group(check_rest_api, given, ORIGIN, code, scoped)
    check.group(check_http_api, given, ORIGIN, code, scoped)
    check.group(check_permissions, given, scoped)
    check("[cognito] given pools: no Cognito resources",
          not any(r["Type"].startswith("AWS::Cognito::") for r in given.resources.values()))
    pattern = regex.compile(source["Parameters"]["AuthorizationScopes"]["AllowedPattern"])
    for scopes, accepted in (("", True), ("myapi/read", True), ("https://api.example.com/read,openid", True),
                             ("a,,b", False), ("a b", False), (",a", False), ("a'", False)):
        check(f"AuthorizationScopes: {'accepts' if accepted else 'refuses'} {scopes!r}",
              (pattern.fullmatch(scopes) is not None) == accepted)

    print("-- extra issuers")
    extra = Scenario(source, "issuers", {"ExtraIssuers": EXTRA_ISSUERS})
    env = extra.props("AuthorizerFunction")["Environment"]["Variables"]
    check("ExtraIssuers: passed to the authorizer as ISSUERS, unchanged, beside the pool",
          env.get("ISSUERS") == EXTRA_ISSUERS and env.get("USER_POOL_ID") == {"Ref": "UserPool"})
    check("ExtraIssuers: optional (default empty) and in the Authorizer parameter group",
          source["Parameters"]["ExtraIssuers"].get("Default") == ""
          and any("ExtraIssuers" in group["Parameters"] for group in
                  source["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]))

    print("-- AdminGroup and CorsAllowOrigin validation")
    check.group(check_admin_group, source, api_handler)
    check.group(check_cors_origin, source, api_handler)
    return check.failures


def main(argv: list[str]) -> int:
    # samtranslator warns about its own feature toggles and metrics on every transform.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    parser.add_argument("--api-handler", type=Path, required=True,
                        help="the built api-handler binary (target/debug/api-handler)")
    parser.add_argument("--print-routes", type=Path, required=True,
                        help="the built print-routes binary (target/debug/print-routes): the route tables "
                             "of the api-handler and the local gateway")
    args = parser.parse_args(argv)
    for binary in (args.api_handler, args.print_routes):
        if not os.access(binary, os.X_OK):
            print(f"FAIL binary {binary} missing or not executable")
            return 1
    try:
        code = CodeRoutes.load(args.print_routes)
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError) as error:
        print(f"FAIL {args.print_routes}: no route tables ({type(error).__name__}: {error})")
        return 1
    failures = run_checks(args.template, args.api_handler, code)
    print(f"\ncheck_template: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
