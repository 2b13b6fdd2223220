"""`sdkgen diff`: what a spec change breaks for API clients and for users of the generated SDK."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Config
from ..diagnostics import SpecError, counted
from ..load import SpecDocument
from ..pipeline import build_ir
from ..validate import validate
from .context import DiffContext
from .findings import RULES, Finding, Level
from .ignore import Acceptance
from .operations import compare_documents
from .surface import SurfaceComparer, surface

__all__ = ["RULES", "DiffResult", "Finding", "Level", "diff_documents"]


@dataclass
class DiffResult:
    base: str
    head: str
    findings: list[Finding]
    accepted: list[Finding] = field(default_factory=list)
    unused: list[Acceptance] = field(default_factory=list)
    sdk_skipped: str = ""  # why the SDK surface was not compared

    def count(self, level: Level) -> int:
        return sum(1 for f in self.findings if f.level == level)

    def fails(self, threshold: Level) -> bool:
        return any(f.level >= threshold for f in self.findings)

    @property
    def summary(self) -> str:
        n = len(self.findings)
        err, warn, info = self.count(Level.ERR), self.count(Level.WARN), self.count(Level.INFO)
        line = f"{counted(n, 'change')}: {err} breaking, {counted(warn, 'warning')}, {info} info"
        if self.accepted:
            line += f" ({len(self.accepted)} more accepted in the ignore file)"
        return line


def _schema_names(doc: SpecDocument) -> set[str]:
    return set((doc.data.get("components") or {}).get("schemas") or {})


def _reason(error: SpecError) -> str:
    """A refusal as one line: its first problem, located."""
    first = error.diagnostics[0]
    more = len(error.diagnostics) - 1
    text = f"{first.location.file}:{first.location.line}: {first.message} (at {first.pointer or '/'})"
    return text + (f", and {counted(more, 'more problem')}" if more else "")


def _sdk_problem(doc: SpecDocument) -> str:
    """Why sdkgen cannot generate an SDK from `doc` (a valid OpenAPI document), or ""."""
    try:
        validate(doc)
    except SpecError as exc:
        return _reason(exc)
    return ""


def diff_documents(
    base: SpecDocument, head: SpecDocument, config: Config | None = None, accepted: list[Acceptance] | None = None
) -> DiffResult:
    """Every change from `base` to `head`: API findings first, then the SDK surface, each in document order.

    The SDK surface needs an SDK from each document; where sdkgen cannot generate one, the API
    findings stand alone and `sdk_skipped` says why."""
    ctx = DiffContext(base, head)
    compare_documents(ctx)
    config = config or Config()
    skipped = _sdk_problem(base) or _sdk_problem(head)
    if not skipped:
        try:
            old_api, old_models = build_ir(base, config, base.display_name)
            new_api, new_models = build_ir(head, config, head.display_name)
        except SpecError as exc:
            skipped = _reason(exc)
        else:
            SurfaceComparer(
                ctx,
                surface(old_api, old_models, _schema_names(base)),
                surface(new_api, new_models, _schema_names(head)),
            ).compare()
    unique = list(dict.fromkeys(ctx.findings))
    acceptances = accepted or []
    active: list[Finding] = []
    ignored: list[Finding] = []
    for finding in unique:
        (ignored if any(a.matches(finding) for a in acceptances) else active).append(finding)
    unused = [a for a in acceptances if not any(a.matches(f) for f in unique)]
    return DiffResult(base.display_name, head.display_name, active, ignored, unused, skipped)
