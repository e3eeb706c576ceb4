"""The checks behind scripts/check_template.py, one module per concern.

- `report`: the ok/FAIL reporter every check writes to.
- `resolve`: the SAM transform, and its output resolved as CloudFormation would resolve it
  for one set of parameters (a `Scenario`).
- `routes`: the routes the template deploys, compared with the api-handler's and the local
  gateway's route tables (`print-routes`).
- `kind`: which authorizer a scenario expects (`AuthorizerKind`).
- `apis`: the REST API and the HTTP API: authorizers, routes, CORS, gateway responses,
  stages and access logs.
- `resources`: functions, roles, permissions, Cognito resources, alarms.
- `parameters`: parameters whose AllowedPattern must agree with Cognito and the api-handler.
- `revocation`: the opt-in revocation list (EnableRevocation): nothing of it when off; the
  table, exactly the DynamoDB actions each role needs and the variables when on; POST /logout.
- `scopes`: ResourceServerScopes (resource server, domain, machine client, trusted by every
  authorizer) and the rules that refuse scopes no token of the stack can carry.

Imports go one way: report and resolve import nothing of the package; routes and kind build
on them; apis, resources, parameters, revocation and scopes on those; check_template.py on all.
"""
