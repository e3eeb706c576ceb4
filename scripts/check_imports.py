#!/usr/bin/env python3
"""Imports go one way: no two modules of a crate import each other, directly or round a cycle.

For each crate's src/, every `crate::a::b` or `super::b` path in code (comments included, since
a doc link is a dependency a reader follows too) is an edge from the module whose file holds it
to the deepest module the path names. A strongly connected set of more than one module is a
cycle and fails the check. Also checks that the verifier crate names neither the authorizer nor
Lambda or API Gateway crates. Run by `make lint`; stdlib only.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CRATES = ["verifier", "revocation-table", "lambda-log", "authorizer", "api-handler", "local-gateway", "testkit"]
PATH_RE = re.compile(r"\b(crate|super)((?:::[a-z_][a-z0-9_]*)+)")
# The verifier must stay free of the adapter and of Lambda / API Gateway types.
VERIFIER_FORBIDDEN = re.compile(r"\b(authorizer|lambda_runtime|aws_lambda_events)::")


def module_of(src: Path, file: Path) -> tuple[str, ...]:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return tuple(parts)


def edges(src: Path) -> dict[tuple[str, ...], set[tuple[str, ...]]]:
    files = {module_of(src, f): f for f in src.rglob("*.rs")}
    modules = set(files)
    graph: dict[tuple[str, ...], set[tuple[str, ...]]] = {m: set() for m in modules}
    for module, file in files.items():
        for kind, path in PATH_RE.findall(file.read_text()):
            names = path.strip(":").split("::")
            # `super::` is this module's parent (for `x/mod.rs`, module `x`, that is the root).
            base: tuple[str, ...] = () if kind == "crate" else module[:-1]
            target = base
            for name in names:
                if base + tuple([*target[len(base):], name]) in modules:
                    target = base + tuple([*target[len(base):], name])
                else:
                    break
            if target != module and target in modules and target != ():
                graph[module].add(target)
    return graph


def cycles(graph: dict[tuple[str, ...], set[tuple[str, ...]]]) -> list[list[tuple[str, ...]]]:
    """Tarjan's strongly connected components of more than one node."""
    index: dict = {}
    low: dict = {}
    stack: list = []
    on_stack: set = set()
    found: list = []
    counter = [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def main() -> int:
    failures = 0
    for crate in CRATES:
        src = ROOT / crate / "src"
        for component in cycles(edges(src)):
            failures += 1
            names = ", ".join("::".join(m) for m in component)
            print(f"check_imports: {crate}: modules import each other: {names}")
    for file in (ROOT / "verifier" / "src").rglob("*.rs"):
        for line_number, line in enumerate(file.read_text().splitlines(), 1):
            if VERIFIER_FORBIDDEN.search(line):
                failures += 1
                print(f"check_imports: {file.relative_to(ROOT)}:{line_number}: the verifier names the adapter or Lambda")
    manifest = (ROOT / "verifier" / "Cargo.toml").read_text()
    for forbidden in ("authorizer", "lambda_runtime", "aws_lambda_events"):
        if re.search(rf"^\s*{forbidden}\b", manifest, re.MULTILINE):
            failures += 1
            print(f"check_imports: verifier/Cargo.toml depends on {forbidden}")
    print(f"check_imports: {failures} failed" if failures else "check_imports: no import cycles, the verifier stands alone")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
