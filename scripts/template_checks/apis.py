"""The REST API and the HTTP API as deployed: which authorizer guards which route, identity
sources, CORS, gateway responses, the one stage and its access log.

The access-log variables are the documented ones per API type, so a log format that names a
variable the API does not have fails here rather than logging "-" in production.
"""

from __future__ import annotations

import json
import re
from typing import Any

from template_checks.kind import LAMBDA, Kind
from template_checks.report import Checks
from template_checks.resolve import Scenario
from template_checks.routes import OPENAPI_METHODS, CodeRoutes, check_routes, deployed_routes

# Variables documented for access logs, per API type. REST: API Gateway developer guide,
# "Variables for access logging for API Gateway"; HTTP API: "Customize HTTP API access logs".
# HTTP APIs have no $context.authorizer.latency: there $context.authorizer.<key> reads a key
# of the Lambda authorizer's context.
REST_LOG_VARIABLES = {
    "$context.requestId", "$context.extendedRequestId", "$context.identity.sourceIp",
    "$context.requestTime", "$context.httpMethod", "$context.resourcePath", "$context.status",
    "$context.responseLength", "$context.responseLatency", "$context.error.message",
    "$context.error.responseType", "$context.authorizer.principalId", "$context.authorizer.error",
    "$context.authorizer.latency", "$context.authorizer.integrationStatus",
    "$context.authorizer.integrationLatency", "$context.integrationStatus",
    "$context.integrationLatency",
}
HTTP_LOG_VARIABLES = {
    "$context.requestId", "$context.identity.sourceIp", "$context.requestTime",
    "$context.httpMethod", "$context.routeKey", "$context.path", "$context.status",
    "$context.responseLength", "$context.responseLatency", "$context.error.message",
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


# What API Gateway may put in place of a variable: "-" for a value it does not have, numbers,
# and messages. AWS documents no escaping of a double quote inside a value; its own error
# messages hold none (docs/deploy.md, "Access logs").
SAMPLE_LOG_VALUES = ("-", "0", "401", "Unauthorized", "User is not authorized to access this resource",
                     "2026-12-07T05:00:00Z", "Root=1-abc;Sampled=0")


def log_variables(log_format: str) -> set[str]:
    return set(re.findall(r"\$context(?:\.[A-Za-z0-9_]+)+", log_format))


def check_access_log(check: Checks, label: str, setting: dict[str, Any], log_group: str,
                     documented: set[str], required: set[str], scenario: Scenario) -> None:
    log_format = setting.get("Format", "")
    used = log_variables(log_format)
    # One JSON object per line whatever the request: every variable quoted, so that a value
    # API Gateway leaves out (written "-"), a number or a message with spaces all stay JSON.
    # $context.error.messageString (already quoted) would be valid only when there is an error.
    parsed_ok = "\n" not in log_format and "messageString" not in log_format
    for value in SAMPLE_LOG_VALUES:
        sample = re.sub(r"\$context(?:\.[A-Za-z0-9_]+)+", value, log_format)
        try:
            parsed_ok = parsed_ok and isinstance(json.loads(sample), dict)
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
        # A browser sends the method only if the preflight lists it (POST /logout included).
        served = {OPENAPI_METHODS[key] for key in methods if key in OPENAPI_METHODS} - {"OPTIONS"}
        allowed = set(headers.get("method.response.header.Access-Control-Allow-Methods", "").strip("'").split(","))
        check(f"{label}: OPTIONS {path} allows the methods served there ({sorted(served)}; allows {sorted(allowed)})",
              served <= allowed)
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
        check(f"{label}: CORS configuration for {cors_origin}, authorization header and every served method "
              f"({sorted({m for m, _, _ in routes})}) allowed",
              cors is not None and cors.get("allowOrigins") == [cors_origin]
              and "authorization" in cors.get("allowHeaders", [])
              and {m for m, _, _ in routes} <= set(cors.get("allowMethods", [])))
    else:
        check(f"{label}: no CORS configuration", cors is None)
    stages = s.of_type("AWS::ApiGatewayV2::Stage")
    check(f"{label}: one stage, $default", [st["Properties"]["StageName"] for st in stages.values()] == ["$default"])
    (stage,) = stages.values()
    check_access_log(check, label, stage["Properties"].get("AccessLogSettings", {}),
                     "HttpApiAccessLogGroup", HTTP_LOG_VARIABLES, HTTP_LOG_REQUIRED, s)
