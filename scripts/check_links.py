#!/usr/bin/env python3
"""Checks that every relative link in the repository's Markdown files resolves.

Run by `make lint`. For each tracked `*.md` file, every inline link `[text](target)` outside
code blocks and code spans is checked: a relative path must name a tracked file or folder,
and a `#fragment` on a Markdown file (or on the file itself) must name one of its headings,
slugged the way GitHub renders them (lower case, punctuation dropped, spaces to hyphens,
`-1`, `-2`… for repeats). External links (`http:`, `https:`, `mailto:`) are not fetched.
Standard library only.
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"(?<!!)\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
EXTERNAL = ("http://", "https://", "mailto:")


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout
    return [line for line in out.splitlines() if (ROOT / line).exists()]


def prose_lines(text: str):
    """(line number, line) outside fenced code blocks, with code spans blanked."""
    in_fence = False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if not in_fence:
            yield number, CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text (github-slugger)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = text.replace("`", "").lower()
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in " -_" or category[0] in "LMN":
            kept.append(char)
    return "".join(kept).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        match = None if in_fence else HEADING.match(line)
        if match:
            base = slug(match.group(2))
            seen = counts.get(base, 0)
            counts[base] = seen + 1
            found.add(base if seen == 0 else f"{base}-{seen}")
    return found


def main() -> int:
    files = tracked_files()
    known = set(files)
    folders = {str(PurePosixPath(f).parent) for f in files}
    for folder in list(folders):
        while folder not in ("", "."):
            folder = str(PurePosixPath(folder).parent)
            folders.add(folder)
    markdown = sorted(f for f in files if f.endswith(".md"))
    failures: list[str] = []
    checked = 0
    for source in markdown:
        text = (ROOT / source).read_text(encoding="utf-8")
        for number, line in prose_lines(text):
            for match in LINK.finditer(line):
                target = match.group(1)
                if target.startswith(EXTERNAL):
                    continue
                checked += 1
                where = f"{source}:{number}: {target}"
                path_part, _, fragment = target.partition("#")
                if path_part:
                    resolved = PurePosixPath(source).parent / path_part
                    # Normalise `..` and `.` without touching the file system.
                    parts: list[str] = []
                    for part in resolved.parts:
                        if part == "..":
                            if not parts:
                                failures.append(f"{where}: leaves the repository")
                                break
                            parts.pop()
                        elif part != ".":
                            parts.append(part)
                    else:
                        name = "/".join(parts).rstrip("/")
                        if name not in known and name not in folders:
                            failures.append(f"{where}: no such tracked file or folder")
                            continue
                        if fragment and name.endswith(".md"):
                            if fragment not in anchors(ROOT / name):
                                failures.append(f"{where}: no heading #{fragment} in {name}")
                    continue
                if fragment and fragment not in anchors(ROOT / source):
                    failures.append(f"{where}: no heading #{fragment} in this file")
    for failure in failures:
        print("FAIL " + failure)
    print(f"check_links: {checked} relative links in {len(markdown)} Markdown files, "
          f"{len(failures)} broken")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
