"""The two documents being compared, and where findings are collected."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

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
    _digests: dict[tuple[Side, str], str] = field(default_factory=dict)
    _inline_digests: dict[tuple[Side, int], str] = field(default_factory=dict)

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
                head_location=self.head.location(where) if side == "base" else None,
            )
        )

    def same(self, base_node: Any, base_pointer: str, head_node: Any, head_pointer: str) -> bool:
        """Are two schemas identical, everything they refer to included (by the same `$ref`s)? Then
        nothing under them changed.

        Shared components are reached from every operation that uses them; this keeps an unchanged
        one from being walked again each time."""
        return self._digest("base", base_node, [])[0] == self._digest("head", head_node, [])[0]

    def _digest(self, side: Side, node: Any, stack: list[str]) -> tuple[str, int]:
        """A digest of `node` with each `$ref` followed, and the lowest position in `stack` (the
        references being followed) it depends on: a reference back to one of them stands for its
        distance up the stack, so such a digest holds only within this walk and is not kept."""
        free = len(stack) + 1_000_000
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
            ref = node["$ref"]
            siblings = json.dumps({k: v for k, v in node.items() if k != "$ref"}, sort_keys=True, default=str)
            if ref in stack:
                position = stack.index(ref)
                return f"cycle:{len(stack) - position}:{siblings}", position
            inner = self._digests.get((side, ref))
            depends = free
            if inner is None:
                try:
                    resolved = self.doc(side).get(ref[1:])
                except KeyError:
                    return f"missing:{ref}", free
                inner, depends = self._digest(side, resolved, [*stack, ref])
                if depends >= len(stack):
                    self._digests[(side, ref)] = inner
                    depends = free
            return _hash(["$ref", ref, inner, siblings]), depends
        if not isinstance(node, (dict, list)):
            return json.dumps(node, sort_keys=True, default=str), free
        # an inline schema is digested once (the documents outlive the comparison, so ids are stable)
        known = self._inline_digests.get((side, id(node)))
        if known is not None:
            return known, free
        if isinstance(node, dict):
            items = [(str(k), *self._digest(side, v, stack)) for k, v in node.items()]
            digest, depends = _hash(sorted((k, d) for k, d, _ in items)), min((p for _, _, p in items), default=free)
        else:
            parts = [self._digest(side, v, stack) for v in node]
            digest, depends = _hash([d for d, _ in parts]), min((p for _, p in parts), default=free)
        if depends >= len(stack):
            self._inline_digests[(side, id(node))] = digest
        return digest, depends


def _hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value).encode()).hexdigest()
