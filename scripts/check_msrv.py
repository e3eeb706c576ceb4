#!/usr/bin/env python3
"""Checks that the declared minimum Rust version (MSRV) is true and stated consistently.

Run by `make lint`. Only one toolchain exists on the CI machine, so the MSRV cannot be proven
by building with an old compiler; instead this checks what can be checked mechanically:

- every manifest (the workspace, bench/ and fuzz/, which are separate workspaces) declares the
  same `rust-version`, every workspace member inherits it, and clippy's `incompatible_msrv`
  lint is on for all of them (it rejects std APIs stabilised after `rust-version`; clippy.toml
  extends it to tests and benches);
- no locked dependency declares a higher `rust-version` (`cargo metadata`);
- language features the lint cannot see are not newer than the MSRV (let chains: 1.88);
- both READMEs state the same version.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEPARATE_WORKSPACES = ("bench", "fuzz")

# Language features that clippy's incompatible_msrv cannot detect (it checks std items only),
# with the release that stabilised them. `if let … && let …` / `&& let` chains: Rust 1.88
# (https://blog.rust-lang.org/2025/06/26/Rust-1.88.0/).
LANGUAGE_FEATURES = (
    ("let chains", (1, 88, 0), re.compile(r"(^|[^/])\b(if|while)\s+let\b[^{;]*&&|&&\s*let\b", re.S)),
)

README_PATTERNS = {
    "README.md": re.compile(r"Rust \(`rustup`, (\d+\.\d+) or newer\)"),
    "README.ja.md": re.compile(r"Rust（`rustup`、(\d+\.\d+) 以上）"),
}


def version(text: str) -> tuple[int, int, int]:
    """`1.88` and `1.88.0` are the same version."""
    major, minor, patch = (text.split(".") + ["0", "0"])[:3]
    return int(major), int(minor), int(patch)


def show(v: tuple[int, int, int]) -> str:
    return f"{v[0]}.{v[1]}" if v[2] == 0 else ".".join(map(str, v))


def main() -> int:
    failures: list[str] = []

    def check(what: str, ok: bool) -> None:
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            failures.append(what)

    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text())
    msrv_text = workspace["workspace"]["package"]["rust-version"]
    msrv = version(msrv_text)
    print(f"declared rust-version: {msrv_text}")

    check(
        "workspace lints: clippy::incompatible_msrv = deny",
        workspace["workspace"].get("lints", {}).get("clippy", {}).get("incompatible_msrv") == "deny",
    )
    for member in workspace["workspace"]["members"]:
        manifest = tomllib.loads((ROOT / member / "Cargo.toml").read_text())
        check(
            f"{member}: rust-version and lints inherited from the workspace",
            manifest["package"].get("rust-version") == {"workspace": True}
            and manifest.get("lints") == {"workspace": True},
        )
    for folder in SEPARATE_WORKSPACES:
        manifest = tomllib.loads((ROOT / folder / "Cargo.toml").read_text())
        check(
            f"{folder}/Cargo.toml: rust-version {msrv_text} and incompatible_msrv = deny",
            manifest["package"].get("rust-version") == msrv_text
            and manifest.get("lints", {}).get("clippy", {}).get("incompatible_msrv") == "deny",
        )
    clippy_conf = tomllib.loads((ROOT / "clippy.toml").read_text())
    check(
        "clippy.toml: incompatible_msrv also checks tests; no second msrv",
        clippy_conf.get("check-incompatible-msrv-in-tests") is True and "msrv" not in clippy_conf,
    )

    # Dependencies: the MSRV is at least the highest rust-version in each lock file.
    for folder in (".", *SEPARATE_WORKSPACES):
        result = subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked"],
            cwd=ROOT / folder,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            check(f"cargo metadata in {folder}: {result.stderr.strip()[-300:]}", False)
            continue
        packages = json.loads(result.stdout)["packages"]
        # Registry packages only: our own path crates are checked above.
        declared = [
            (version(p["rust_version"]), p["name"], p["version"])
            for p in packages
            if p["rust_version"] and p["source"] is not None
        ]
        highest = max(declared)
        check(
            f"{folder}: highest dependency rust-version {show(highest[0])} ({highest[1]} {highest[2]})"
            f" <= {msrv_text}",
            highest[0] <= msrv,
        )

    # Language features clippy cannot see.
    sources = subprocess.run(
        ["git", "ls-files", "*.rs"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name, needs, pattern in LANGUAGE_FEATURES:
        users = [path for path in sources if pattern.search((ROOT / path).read_text())]
        if users:
            check(
                f"{name} (Rust {show(needs)}) used in {len(users)} file(s), e.g. {users[0]}: "
                f"needs rust-version >= {show(needs)}",
                msrv >= needs,
            )

    for readme, pattern in README_PATTERNS.items():
        found = pattern.findall((ROOT / readme).read_text())
        check(f"{readme} states Rust {msrv_text} (found {found})", found == [msrv_text])

    print(f"\ncheck_msrv: {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
