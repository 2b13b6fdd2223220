"""The two documents being compared, and where findings are collected."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from ..load import SpecDocument
from .findings import RULES, Finding, Level, Section

Side = Literal["base", "head"]


def path_template(path: str) -> str:
    """`/videos/{jobId}` and `/videos/{id}` are the same endpoint."""
    return re.sub(r"\{[^}/]*\}", "{}", path)


@dataclass
class DiffContext:
    base: SpecDocument
    head: SpecDocument
    findings: list[Finding] = field(default_factory=list)
    schema_comparisons: int = 0

    def doc(self, side: Side) -> SpecDocument:
        return self.base if side == "base" else self.head

    def emit(
        self,
        rule: str,
        subject: str,
        pointer: str,
        message: str,
        *,
        side: Side = "head",
        defined_at: str | None = None,
        note: str = "",
        level: Level | None = None,
        section: Section = "api",
    ) -> None:
        """Records a finding; `rule` must be in the rules table (a typo fails loudly, in tests)."""
        where = defined_at if defined_at is not None else pointer
        self.findings.append(
            Finding(
                rule=rule,
                level=level if level is not None else RULES[rule],
                subject=subject,
                pointer=pointer,
                message=message,
                defined_at=where,
                location=self.doc(side).location(where),
                section=section,
                note=note,
            )
        )
