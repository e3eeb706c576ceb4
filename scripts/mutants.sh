#!/usr/bin/env bash
# Mutation testing of the code that decides access (`make mutants`; not part of `make test`).
#
#   scripts/mutants.sh [cargo-mutants options...]      e.g. --file verifier/src/claims.rs
#
# Installs cargo-mutants (pinned) into .tools on first use, runs it with .cargo/mutants.toml
# (which files are mutated, per-mutant timeout), on both cores, then prints the score per crate
# from mutants.out/outcomes.json: caught / missed / unviable / timeouts. Every missed mutant is
# listed in mutants.out/missed.txt: each needs a test that states the rule it protects, or a
# `#[mutants::skip]` with a one-line reason when no input can tell it apart.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=27.1.0
export PATH="$PWD/.tools/bin:$PATH"
if ! cargo mutants --version 2>/dev/null | grep -qF "$VERSION"; then
  cargo install cargo-mutants --version "$VERSION" --locked --root .tools
fi

status=0
cargo mutants --jobs 2 --no-shuffle "$@" || status=$?
# cargo-mutants exits 2 when mutants were missed, 3 on timeouts: the summary says which.
python3 scripts/mutants_summary.py mutants.out/outcomes.json
exit "$status"
