"""Everything else the stack creates: the functions and their roles (least privilege), the
permissions API Gateway gets, the log role, the Cognito resources (kept on a switch to an
external pool), the alarms, and what AuthorizerKind=cognito leaves out.
"""

from __future__ import annotations

import json
from typing import Any

from template_checks.kind import AUTHORIZER_RESOURCES, LAMBDA, Kind
from template_checks.report import Checks
from template_checks.resolve import Scenario, rule_allows
from template_checks.routes import CodeRoutes


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
    # max_auth_age_seconds rules are judged for the TTL both APIs cache answers for
    # (docs/verification.md, "Freshness under the authorizer cache").
    check("authorizer env: AUTHORIZER_CACHE_TTL_SECONDS is AuthorizerCacheTtl (300 by default)",
          str(env.get("AUTHORIZER_CACHE_TTL_SECONDS")) == "300")
    # An empty RequiredClaims (the default) leaves the variable out, so no claim rule applies.
    check("authorizer env: no REQUIRED_CLAIMS by default (RequiredClaims empty)",
          "REQUIRED_CLAIMS" not in env)
    # The api-handler checks the admin group itself on its admin-only routes; the authorizer's
    # rules guard the same routes (defence in depth), with the same group.
    admin_rules = {key: {"groups": [admin_group]} for key in code.admin_route_keys()}
    check(f"authorizer env: ROUTE_RULES guards the api-handler's admin-only routes with group {admin_group}: "
          f"{json.dumps(admin_rules)}",
          bool(admin_rules) and json.loads(env.get("ROUTE_RULES", "null")) == admin_rules)


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
          rest_routes == [f"ApiFunctionRest{r}PermissionStage" for r in ("Admin", "Health", "Hello", "Logout", "Me")])


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


def check_issuer_form_rule(check: Checks, source: dict[str, Any]) -> None:
    """With an existing pool behind the HTTP API's JWT authorizer, the issuer form must be
    given: the stack cannot read a pool it does not own, and one wrong URL refuses every token."""
    existing = {"UserPoolId": "ap-northeast-1_abcdefgh", "AppClientId": "client1"}
    for overrides, allowed in (
            ({**existing, "AuthorizerKind": "cognito", "EnableHttpApi": "true"}, False),
            ({**existing, "AuthorizerKind": "cognito", "EnableHttpApi": "true", "IssuerType": "UPDATED"}, True),
            ({**existing, "AuthorizerKind": "cognito", "EnableHttpApi": "true", "IssuerType": "ORIGINAL"}, True),
            ({**existing, "AuthorizerKind": "cognito"}, True),
            ({**existing, "EnableHttpApi": "true"}, True),
            ({"AuthorizerKind": "cognito", "EnableHttpApi": "true"}, True)):
        passes = rule_allows(source, "ExistingPoolIssuerFormIsGiven", overrides)
        check(f"rule ExistingPoolIssuerFormIsGiven: {overrides} {'allowed' if allowed else 'refused'}",
              passes is allowed)


def check_pool_survives_switch(check: Checks, raw: dict[str, Any]) -> None:
    """Setting UserPoolId on an existing stack turns CreateUserPool false: CloudFormation then
    removes every resource under that condition. Retain keeps them (and the users)."""
    pooled = {n: r for n, r in raw["Resources"].items() if r.get("Condition") == "CreateUserPool"}
    check("Cognito resources exist only without UserPoolId: UserPool, UserPoolClient, AdminUserGroup",
          sorted(pooled) == ["AdminUserGroup", "UserPool", "UserPoolClient"])
    for name, resource in sorted(pooled.items()):
        check(f"{name}: DeletionPolicy and UpdateReplacePolicy Retain (a switch to UserPoolId keeps it)",
              resource.get("DeletionPolicy") == "Retain" and resource.get("UpdateReplacePolicy") == "Retain")


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
