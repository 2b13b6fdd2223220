"""The ignore file: changes the team accepts on purpose, one per line.

Each line is a finding's key as the report prints it: `<rule-id> <subject> <pointer>`, where
`*` stands for any subject or any pointer. `#` starts a comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..diagnostics import Diagnostic, Location, SpecError
from .findings import RULES, Finding


@dataclass(frozen=True)
class Acceptance:
    rule: str
    subject: str
    pointer: str
    line: int

    def matches(self, finding: Finding) -> bool:
        return (
            self.rule == finding.rule
            and self.subject in ("*", finding.subject)
            and self.pointer in ("*", finding.pointer)
        )


def load_ignore(path: Path, text: str | None = None) -> list[Acceptance]:
    """The accepted changes in the ignore file at `path` (or `text`, read from elsewhere and named `path`)."""
    accepted: list[Acceptance] = []
    problems: list[Diagnostic] = []
    if text is None:
        text = path.read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        tokens = line.split()
        where = Location(str(path), number, 1)
        if len(tokens) < 3:
            problems.append(
                Diagnostic(where, "", "expected `<rule-id> <subject> <pointer>`", "copy the line from the report")
            )
        elif tokens[0] not in RULES:
            problems.append(Diagnostic(where, "", f"unknown rule id {tokens[0]!r}"))
        else:
            accepted.append(Acceptance(tokens[0], " ".join(tokens[1:-1]), tokens[-1], number))
    if problems:
        raise SpecError(problems)
    return accepted
