#!/usr/bin/env python3
"""Lines of deployed Rust code per crate, the measure issue 22's budget uses.

Counts `src/**/*.rs` of the crates the two functions link (authorizer, api-handler, lambda-log,
verifier, revocation-table). Not counted: blank lines, comment lines (`//`, `//!`, `///`,
and lines inside `/* */`), files named `tests.rs` or `*_tests.rs` or under a `tests/` folder,
and everything from a `#[cfg(test)]` line to the end of its file (the project keeps
in-file tests in a trailing `mod tests`). Usage: scripts/count_code_lines.py [ROOT]
"""
import pathlib
import sys

CRATES = ["authorizer", "api-handler", "verifier", "revocation-table", "lambda-log"]


def code_lines(text: str) -> int:
    count = 0
    in_block = False
    for raw in text.splitlines():
        line = raw.strip()
        if in_block:
            if "*/" in line:
                in_block = False
            continue
        if line.startswith("#[cfg(test)]"):
            break
        if not line or line.startswith("//"):
            continue
        if line.startswith("/*"):
            in_block = "*/" not in line
            continue
        count += 1
    return count


def is_test_file(path: pathlib.Path) -> bool:
    return (path.name == "tests.rs" or path.name.endswith("_tests.rs")
            or "tests" in path.parts[:-1])


def main() -> None:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    total = 0
    for crate in CRATES:
        src = root / crate / "src"
        n = sum(code_lines(p.read_text()) for p in sorted(src.rglob("*.rs"))
                if not is_test_file(p.relative_to(src)))
        total += n
        print(f"{crate:18} {n:6}")
    print(f"{'total':18} {total:6}")


if __name__ == "__main__":
    main()
