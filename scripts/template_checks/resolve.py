"""The SAM transform (samtranslator, the library `sam deploy` uses), run offline, and its
output resolved the way CloudFormation would for one set of parameters: conditions, Fn::If,
AWS::NoValue and parameter Refs. References to resources stay in place, so that checks
compare them as written (`{"Ref": "UserPool"}`), not as invented IDs.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """The transform's policy-template loader, offline: the template uses no SAM policies."""

    def load(self) -> dict[str, Any]:
        return {}


def sam_transform(source: dict[str, Any], parameters: dict[str, str]) -> dict[str, Any]:
    return transform(copy.deepcopy(source), dict(parameters), NoManagedPolicies())


def parameter_values(source: dict[str, Any], overrides: dict[str, str]) -> dict[str, Any]:
    values = {name: spec.get("Default") for name, spec in source["Parameters"].items()}
    values.update(overrides)
    values.update({"AWS::Region": "ap-northeast-1", "AWS::AccountId": "123456789012",
                   "AWS::Partition": "aws", "AWS::StackName": "stack", "AWS::URLSuffix": "amazonaws.com"})
    return values


def rule_allows(source: dict[str, Any], rule_name: str, overrides: dict[str, str]) -> bool | None:
    """Whether the template's rule lets these parameters deploy, as CloudFormation evaluates
    Rules before anything is created; None when the rule is missing or cannot be read."""
    rule = source.get("Rules", {}).get(rule_name, {})
    resolver = Resolver(source, parameter_values(source, overrides))
    try:
        # A rule without a RuleCondition always applies.
        condition = rule.get("RuleCondition")
        return ((condition is not None and not resolver.truth(condition))
                or all(resolver.truth(a["Assert"]) for a in rule["Assertions"]))
    except (KeyError, TypeError, ValueError):
        return None


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
