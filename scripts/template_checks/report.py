"""The reporter: one `ok`/`FAIL` line per check, failures collected for the exit status.

A group of checks that cannot even look (the template lacks a resource or key it reads) is
one failure, not a crash, so one missing piece never hides every other finding.
"""

from __future__ import annotations

from typing import Any


class Checks:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def __call__(self, what: str, ok: bool) -> bool:
        print(("ok   " if ok else "FAIL ") + what)
        if not ok:
            self.failures.append(what)
        return ok

    def group(self, function: Any, *args: Any, **kwargs: Any) -> None:
        """Runs one group of checks; a template shaped so differently that the group cannot
        even look (a missing resource or key) is one failure, not a crash."""
        try:
            function(self, *args, **kwargs)
        except (KeyError, TypeError, ValueError, IndexError) as error:
            self(f"{function.__name__}: the template lacks what it checks ({type(error).__name__}: {error})",
                 False)
