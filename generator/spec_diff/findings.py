"""What a spec diff reports: findings with a rule id and a level, and the table of rules.

Rule ids and their default levels follow oasdiff, the most complete open checker, so a
team that knows its output can read ours. The `sdk-*` rules are our own: what the change
does to the generated SDK's public API.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
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

    @property
    def key(self) -> str:
        """The line that accepts this change in an ignore file."""
        return f"{self.rule} {self.subject} {self.pointer}".rstrip()


_ERR, _WARN, _INFO = Level.ERR, Level.WARN, Level.INFO


def _bounds(prefix: str, narrowing: Level, widening: Level, verbs: dict[str, str]) -> dict[str, Level]:
    """Ids for the bound keywords: `<prefix>-<bound>-<verb>`, narrowing or widening by direction."""
    rules: dict[str, Level] = {}
    for stem, effect in verbs.items():
        rules[f"{prefix}-{stem}"] = narrowing if effect == "narrows" else widening
    return rules


# A bound change narrows a request (fewer values accepted) or widens a response (values clients never saw).
_REQUEST_BOUNDS = {
    "max-length-decreased": "narrows",
    "max-length-increased": "widens",
    "max-length-set": "narrows",
    "min-length-increased": "narrows",
    "min-length-decreased": "widens",
    "max-decreased": "narrows",
    "max-increased": "widens",
    "max-set": "narrows",
    "min-increased": "narrows",
    "min-decreased": "widens",
    "min-set": "narrows",
    "max-items-decreased": "narrows",
    "max-items-increased": "widens",
    "min-items-increased": "narrows",
    "min-items-decreased": "widens",
    "min-items-set": "narrows",
}
_RESPONSE_BOUNDS = {
    "max-length-increased": "widens",
    "max-length-unset": "widens",
    "min-length-decreased": "widens",
    "max-increased": "widens",
    "min-decreased": "widens",
    "min-items-decreased": "widens",
    "min-items-unset": "widens",
}

RULES: dict[str, Level] = {
    # endpoints and operations
    "endpoint-added": _INFO,
    "api-path-removed-without-deprecation": _ERR,
    "api-path-removed-with-deprecation": _INFO,
    "api-removed-without-deprecation": _ERR,
    "api-removed-with-deprecation": _INFO,
    "endpoint-deprecated": _INFO,
    "endpoint-reactivated": _INFO,
    "api-operation-id-removed": _INFO,
    "api-operation-id-added": _INFO,
    "api-tag-removed": _INFO,
    "api-tag-added": _INFO,
    "api-schema-removed": _INFO,
    # security
    "api-security-removed": _ERR,
    "api-security-added": _INFO,
    "api-security-scope-added": _ERR,
    "api-security-scope-removed": _INFO,
    "api-global-security-removed": _ERR,
    "api-global-security-added": _INFO,
    "api-global-security-scope-added": _ERR,
    "api-global-security-scope-removed": _INFO,
    "api-security-component-removed": _INFO,
    "api-security-component-added": _INFO,
    # parameters
    "new-required-request-parameter": _ERR,
    "new-optional-request-parameter": _INFO,
    "new-request-path-parameter": _ERR,
    "request-parameter-removed": _WARN,
    "request-parameter-removed-with-deprecation": _INFO,
    "request-parameter-became-required": _ERR,
    "request-parameter-became-optional": _INFO,
    "request-parameter-deprecated": _INFO,
    "request-parameter-reactivated": _INFO,
    "request-parameter-type-changed": _ERR,
    "request-parameter-type-generalized": _INFO,
    "request-parameter-became-nullable": _INFO,
    "request-parameter-became-not-nullable": _ERR,
    "request-parameter-became-enum": _ERR,
    "request-parameter-enum-value-removed": _ERR,
    "request-parameter-enum-value-added": _INFO,
    "request-parameter-pattern-added": _ERR,
    "request-parameter-pattern-removed": _INFO,
    "request-parameter-pattern-changed": _WARN,
    "request-parameter-default-value-added": _INFO,
    "request-parameter-default-value-changed": _INFO,
    "request-parameter-default-value-removed": _INFO,
    **_bounds("request-parameter", _ERR, _INFO, _REQUEST_BOUNDS),
    # request bodies
    "request-body-added-required": _ERR,
    "request-body-added-optional": _INFO,
    "request-body-removed": _ERR,
    "request-body-became-required": _ERR,
    "request-body-became-optional": _INFO,
    "request-body-media-type-removed": _ERR,
    "request-body-media-type-added": _INFO,
    "request-body-type-changed": _ERR,
    "request-body-type-generalized": _INFO,
    "request-body-became-nullable": _INFO,
    "request-body-became-not-nullable": _ERR,
    "request-body-became-enum": _ERR,
    "request-body-enum-value-removed": _ERR,
    "request-body-one-of-added": _INFO,
    "request-body-one-of-removed": _ERR,
    "request-body-any-of-added": _INFO,
    "request-body-any-of-removed": _ERR,
    **_bounds("request-body", _ERR, _INFO, _REQUEST_BOUNDS),
    # request properties
    "new-required-request-property": _ERR,
    "new-optional-request-property": _INFO,
    "request-property-removed": _WARN,
    "request-property-became-required": _ERR,
    "request-property-became-optional": _INFO,
    "request-property-type-changed": _ERR,
    "request-property-type-generalized": _INFO,
    "request-property-became-nullable": _INFO,
    "request-property-became-not-nullable": _ERR,
    "request-property-became-enum": _ERR,
    "request-property-enum-value-removed": _ERR,
    "request-property-enum-value-added": _INFO,
    "request-property-pattern-added": _ERR,
    "request-property-pattern-removed": _INFO,
    "request-property-pattern-changed": _WARN,
    "request-property-default-value-added": _INFO,
    "request-property-default-value-changed": _INFO,
    "request-property-default-value-removed": _INFO,
    "request-property-deprecated": _INFO,
    "request-property-reactivated": _INFO,
    "request-property-one-of-added": _INFO,
    "request-property-one-of-removed": _ERR,
    "request-property-any-of-added": _INFO,
    "request-property-any-of-removed": _ERR,
    **_bounds("request-property", _ERR, _INFO, _REQUEST_BOUNDS),
    # responses
    "response-success-status-removed": _ERR,
    "response-success-status-added": _INFO,
    "response-non-success-status-removed": _INFO,
    "response-non-success-status-added": _INFO,
    "response-media-type-removed": _ERR,
    "response-media-type-added": _INFO,
    "response-body-type-changed": _ERR,
    "response-body-type-generalized": _ERR,
    "response-body-type-specialized": _INFO,
    "response-body-became-nullable": _ERR,
    "response-body-became-not-nullable": _INFO,
    "response-body-one-of-added": _ERR,
    "response-body-one-of-removed": _INFO,
    "response-body-any-of-added": _ERR,
    "response-body-any-of-removed": _INFO,
    **_bounds("response-body", _INFO, _ERR, _RESPONSE_BOUNDS),
    # response properties
    "response-required-property-removed": _ERR,
    "response-optional-property-removed": _INFO,
    "response-required-property-added": _INFO,
    "response-optional-property-added": _INFO,
    "response-property-became-optional": _ERR,
    "response-property-became-required": _INFO,
    "response-property-became-nullable": _ERR,
    "response-property-became-not-nullable": _INFO,
    "response-property-type-changed": _ERR,
    "response-property-type-generalized": _ERR,
    "response-property-type-specialized": _INFO,
    "response-property-enum-value-added": _WARN,
    "response-property-enum-value-removed": _INFO,
    "response-property-pattern-added": _INFO,
    "response-property-pattern-changed": _WARN,
    "response-property-pattern-removed": _ERR,
    "response-property-deprecated": _INFO,
    "response-property-reactivated": _INFO,
    "response-property-one-of-added": _ERR,
    "response-property-one-of-removed": _INFO,
    "response-property-any-of-added": _ERR,
    "response-property-any-of-removed": _INFO,
    **_bounds("response-property", _INFO, _ERR, _RESPONSE_BOUNDS),
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
