"""What a spec diff reports: findings with a rule id and a level, and the table of rules.

Rule ids and their default levels follow oasdiff, the most complete open checker, so a
team that knows its output can read ours. The `sdk-*` rules are our own: what the change
does to the generated SDK's public API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Literal

from ..diagnostics import Location


class Level(IntEnum):
    INFO = 1
    WARN = 2
    ERR = 3

    @property
    def label(self) -> str:
        return {Level.INFO: "info", Level.WARN: "warning", Level.ERR: "breaking"}[self]


Section = Literal["api", "sdk"]


@dataclass(frozen=True)
class Finding:
    """One change: rule, level, what it affects (`subject`), where, and a one-line message.

    `pointer` is the path to the change from its operation, as if every `$ref` were inlined;
    `defined_at` is where the changed node really is (in a shared component, say), and
    `location` its file and line. Both name the head document, or the base one for removals.
    """

    rule: str
    level: Level
    subject: str
    pointer: str
    message: str
    defined_at: str
    location: Location
    section: Section = "api"
    note: str = ""
    # For a removal (located in the base document), the nearest place in the head document: where
    # a code review can show it.
    head_location: Location | None = None

    @property
    def key(self) -> str:
        """The line that accepts this change in an ignore file."""
        return f"{self.rule} {self.subject} {self.pointer}".rstrip()


_ERR, _WARN, _INFO = Level.ERR, Level.WARN, Level.INFO
OASDIFF_TABLE = Path(__file__).with_name("oasdiff-rules.tsv")


def _oasdiff_rules() -> dict[str, Level]:
    """oasdiff's rule ids and default levels, as its checker's rules table lists them."""
    rules: dict[str, Level] = {}
    for line in OASDIFF_TABLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and line != "rule_id\tlevel":
            rule, level = line.split("\t")
            rules[rule] = Level[level]
    return rules


# Our own ids: what oasdiff has no rule for. `sdkgen-*` are API changes, `sdk-*` what a change does
# to the generated SDK's public API.
OWN_RULES: dict[str, Level] = {
    # maxItems/minItems of a request body or property (oasdiff checks them on parameters only)
    "sdkgen-request-body-max-items-decreased": _ERR,
    "sdkgen-request-body-max-items-increased": _INFO,
    "sdkgen-request-body-min-items-decreased": _INFO,
    "sdkgen-request-property-max-items-decreased": _ERR,
    "sdkgen-request-property-max-items-increased": _INFO,
    "sdkgen-request-property-min-items-decreased": _INFO,
    # the generated SDK's public API
    "sdk-resource-added": _INFO,
    "sdk-resource-removed": _ERR,
    "sdk-resource-renamed": _ERR,
    "sdk-method-added": _INFO,
    "sdk-method-removed": _ERR,
    "sdk-method-renamed": _ERR,
    "sdk-method-result-changed": _WARN,
    "sdk-parameter-added": _INFO,
    "sdk-parameter-added-required": _ERR,
    "sdk-parameter-removed": _ERR,
    "sdk-parameter-type-changed": _WARN,
    "sdk-parameter-became-required": _ERR,
    "sdk-parameter-became-optional": _INFO,
    "sdk-model-added": _INFO,
    "sdk-model-removed": _ERR,
    "sdk-model-renamed": _ERR,
    "sdk-model-field-added": _INFO,
    "sdk-model-field-removed": _ERR,
    "sdk-model-field-type-changed": _WARN,
    "sdk-enum-member-added": _INFO,
    "sdk-enum-member-removed": _ERR,
    "sdk-error-class-added": _INFO,
    "sdk-error-class-removed": _ERR,
    "sdk-error-class-renamed": _ERR,
}
OASDIFF_RULES = _oasdiff_rules()
RULES: dict[str, Level] = {**OASDIFF_RULES, **OWN_RULES}
