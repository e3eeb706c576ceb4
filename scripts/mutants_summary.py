#!/usr/bin/env python3
"""Summarises a cargo-mutants run (mutants.out/outcomes.json) per crate:
caught / missed / unviable / timeouts, and the caught share of viable mutants. Stdlib only."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path


def crate_of(path: str) -> str:
    return path.split("/", 1)[0]


def source_path(mutant: dict) -> str:
    """The mutated file: `file` in cargo-mutants 27's outcomes.json (older releases wrote
    `source_file`, a string or an object with `path`)."""
    source = mutant.get("file", mutant.get("source_file"))
    return source if isinstance(source, str) else source["path"]


def main(outcomes_path: str) -> int:
    data = json.loads(Path(outcomes_path).read_text())
    counts: dict[str, Counter] = defaultdict(Counter)
    missed: list[str] = []
    for outcome in data["outcomes"]:
        scenario = outcome["scenario"]
        if scenario == "Baseline" or "Mutant" not in scenario:
            continue
        mutant = scenario["Mutant"]
        path = source_path(mutant)
        crate = crate_of(path)
        summary = outcome["summary"]
        key = {"CaughtMutant": "caught", "MissedMutant": "missed", "Unviable": "unviable",
               "Timeout": "timeout"}.get(summary, summary.lower())
        counts[crate][key] += 1
        if key == "missed":
            line = mutant.get("span", {}).get("start", {}).get("line", "?")
            missed.append(mutant.get("name") or f"{path}:{line}: {mutant.get('description', '')}")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"mutation score on commit {commit}, {date.today().isoformat()}")
    print("| crate | caught | missed | unviable | timeouts | caught of viable |")
    print("|---|---|---|---|---|---|")
    for crate in sorted(counts):
        c = counts[crate]
        viable = c["caught"] + c["missed"] + c["timeout"]
        share = f"{100 * c['caught'] / viable:.1f} %" if viable else "-"
        print(f"| {crate} | {c['caught']} | {c['missed']} | {c['unviable']} | {c['timeout']} | {share} |")
    Path(outcomes_path).with_name("missed.txt").write_text("".join(m + "\n" for m in missed))
    for m in missed:
        print(f"MISSED {m}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "mutants.out/outcomes.json"))
