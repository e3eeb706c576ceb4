#!/usr/bin/env python3
"""Checks that template.yaml deploys what the README says (`check-template.sh translate`).

The SAM transform (samtranslator, the library `sam deploy` uses) runs offline on the template;
its output is then resolved the way CloudFormation would for a given set of parameters
(conditions, Fn::If, AWS::NoValue, parameter Refs) and checked scenario by scenario: the
defaults, CORS with the HTTP API and the non-default choices, an external user pool, and
AuthorizerKind=cognito (API Gateway's built-in authorizers) with and without scopes, and the
revocation list off (every scenario above) and on (EnableRevocation, with its options).

The routes of both APIs (method, path, and whether the authorizer guards them) must be the
ones the api-handler serves and the local gateway stands in for: their route tables come from
the `print-routes` binary (tests/src/bin, --print-routes), so the route list is written only
in template.yaml and api-handler/src/routes.rs (the local gateway takes the api-handler's
table), and compared here. The authorizer's default ROUTE_RULES must guard exactly the api-handler's admin-only
routes with the AdminGroup default.

The AdminGroup parameter's AllowedPattern is also checked against Cognito's group-name rule
and against the api-handler binary itself (--api-handler): for every sample name, the
template must accept exactly what both accept. CorsAllowOrigin must accept only single
origins the api-handler accepts too.

This file holds the scenarios and the command line; the checks live in scripts/template_checks/,
one module per concern (see its __init__.py). Runs with the project's .venv Python
(samtranslator and the `regex` module come with aws-sam-cli and cfn-lint). Exit status 1 when
any check fails.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
from pathlib import Path

from samtranslator.yaml_helper import yaml_parse

from template_checks.apis import check_http_api, check_rest_api
from template_checks.kind import LAMBDA, Kind
from template_checks.parameters import ORIGIN, check_admin_group, check_authorization_scopes, check_cors_origin
from template_checks.report import Checks
from template_checks.resolve import Resolver, Scenario
from template_checks.resources import (
    check_builtin_kind,
    check_cognito,
    check_issuer_form_rule,
    check_functions,
    check_log_role,
    check_logs_and_alarms,
    check_permissions,
    check_pool_survives_switch,
)
from template_checks.revocation import (
    check_logout_route,
    check_revocation_off,
    check_revocation_on,
    check_revocation_parameters,
)
from template_checks.routes import CodeRoutes
from template_checks.scopes import check_machine_path, check_no_machine_path, check_scope_rules

# An Okta-style issuer, as the README's example gives it.
EXTRA_ISSUERS = ('[{"name":"okta","issuer":"https://example.okta.com/oauth2/default",'
                 '"audience":"api://default","algorithms":["RS256"],"groups_claim":"groups",'
                 '"scopes_claim":"scp","typ":"at+jwt"}]')

ROOT = Path(__file__).resolve().parent.parent


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
    check.group(check_revocation_off, default)
    check.group(check_logout_route, default)
    check("Outputs: ApiUrl, UserPoolId, AppClientId, RestApiAccessLogGroup",
          {"ApiUrl", "UserPoolId", "AppClientId", "RestApiAccessLogGroup"} <= set(default.outputs))

    print("-- CORS, HTTP API, ORIGINAL issuer pinned, existing log role")
    cors = Scenario(source, "cors", {"EnableHttpApi": "true", "CorsAllowOrigin": ORIGIN,
                                     "IssuerType": "ORIGINAL", "UserPoolIssuer": "original",
                                     "ApiGatewayLogRole": "existing"})
    check.group(check_rest_api, cors, ORIGIN, code)
    check.group(check_http_api, cors, ORIGIN, code)
    check.group(check_logout_route, cors)
    check.group(check_revocation_off, cors)
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
    # IssuerType=auto: the created pool and the JWT authorizer use the ORIGINAL form, the one
    # AWS documents for the built-ins.
    builtin = Kind("cognito", provider_arn={"Fn::GetAtt": ["UserPool", "Arn"]},
                   issuer=f"https://cognito-idp.ap-northeast-1.amazonaws.com/{created_pool}",
                   audience=[{"Ref": "UserPoolClient"}])
    cognito = Scenario(source, "cognito", {"AuthorizerKind": "cognito", "EnableHttpApi": "true"})
    check.group(check_builtin_kind, cognito, builtin)
    check.group(check_rest_api, cognito, None, code, builtin)
    check.group(check_http_api, cognito, None, code, builtin)
    check.group(check_logout_route, cognito, builtin)
    check.group(check_revocation_off, cognito, builtin)
    check.group(check_permissions, cognito, builtin)
    check.group(check_log_role, cognito, created=True, kind=builtin)
    check.group(check_cognito, cognito, "ORIGINAL")

    print("-- AuthorizerKind=cognito with IssuerType=UPDATED said: the pool and the JWT issuer follow")
    updated = Kind("cognito", provider_arn={"Fn::GetAtt": ["UserPool", "Arn"]},
                   issuer=f"https://issuer-cognito-idp.ap-northeast-1.amazonaws.com/{created_pool}",
                   audience=[{"Ref": "UserPoolClient"}])
    cognito_updated = Scenario(source, "cognito-updated", {"AuthorizerKind": "cognito", "EnableHttpApi": "true",
                                                           "IssuerType": "UPDATED"})
    check.group(check_http_api, cognito_updated, None, code, updated)
    check.group(check_cognito, cognito_updated, "UPDATED")
    check.group(check_issuer_form_rule, source)

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
    check.group(check_logout_route, given, scoped)
    check.group(check_permissions, given, scoped)
    check("[cognito] given pools: no Cognito resources",
          not any(r["Type"].startswith("AWS::Cognito::") for r in given.resources.values()))
    check_authorization_scopes(check, source)

    check.group(check_no_machine_path, default)
    check.group(check_no_machine_path, cognito)

    print("-- ResourceServerScopes: resource server, domain, machine client (lambda and cognito kinds)")
    machine_params = {"ResourceServerScopes": "read,write", "UserPoolDomainPrefix": "myapp-auth",
                      "AuthorizationScopes": "myapi/read", "EnableHttpApi": "true"}
    machine = Scenario(source, "machine", machine_params)
    check.group(check_machine_path, machine, ["read", "write"], "myapi", "myapp-auth", ["myapi/read"])
    check.group(check_rest_api, machine, None, code)
    check.group(check_http_api, machine, None, code)
    machine_builtin = Scenario(source, "machine-cognito", {**machine_params, "AuthorizerKind": "cognito"})
    check.group(check_machine_path, machine_builtin, ["read", "write"], "myapi", "myapp-auth", ["myapi/read"])
    scoped_created = Kind("cognito", scopes=("myapi/read",), provider_arn={"Fn::GetAtt": ["UserPool", "Arn"]},
                          issuer=f"https://cognito-idp.ap-northeast-1.amazonaws.com/{created_pool}",
                          audience=[{"Ref": "UserPoolClient"}, {"Ref": "MachineClient"}])
    check.group(check_builtin_kind, machine_builtin, scoped_created)
    check.group(check_rest_api, machine_builtin, None, code, scoped_created)
    check.group(check_http_api, machine_builtin, None, code, scoped_created)
    for names in (["read"], ["read", "write", "admin"]):
        one = Scenario(source, f"machine-{len(names)}", {"ResourceServerScopes": ",".join(names),
                                                          "ResourceServerIdentifier": "https://api.example.com",
                                                          "UserPoolDomainPrefix": "p"})
        check.group(check_machine_path, one, names, "https://api.example.com", "p", [])
    check.group(check_scope_rules, source)

    print("-- extra issuers")
    extra = Scenario(source, "issuers", {"ExtraIssuers": EXTRA_ISSUERS})
    env = extra.props("AuthorizerFunction")["Environment"]["Variables"]
    check("ExtraIssuers: passed to the authorizer as ISSUERS, unchanged, beside the pool",
          env.get("ISSUERS") == EXTRA_ISSUERS and env.get("USER_POOL_ID") == {"Ref": "UserPool"})
    check("ExtraIssuers: optional (default empty) and in the Authorizer parameter group",
          source["Parameters"]["ExtraIssuers"].get("Default") == ""
          and any("ExtraIssuers" in group["Parameters"] for group in
                  source["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]))

    print("-- EnableRevocation=true: the table, least privilege, the variables (defaults)")
    revocation = Scenario(source, "revocation", {"EnableRevocation": "true"})
    check.group(check_revocation_on, revocation, cache_seconds=30, failure="closed", pitr=False)
    check.group(check_logout_route, revocation)
    check.group(check_rest_api, revocation, None, code)

    print("-- EnableRevocation=true with the HTTP API, no cache, fail open, point-in-time recovery")
    options = Scenario(source, "revocation-options", {
        "EnableRevocation": "true", "EnableHttpApi": "true", "RevocationCacheSeconds": "0",
        "RevocationFailure": "open", "RevocationTablePitr": "true", "CorsAllowOrigin": ORIGIN})
    check.group(check_revocation_on, options, cache_seconds=0, failure="open", pitr=True)
    check.group(check_logout_route, options)
    check.group(check_http_api, options, ORIGIN, code)
    check.group(check_permissions, options, LAMBDA)
    check.group(check_revocation_parameters, source)

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
