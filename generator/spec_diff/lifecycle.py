"""Deprecation and stability as oasdiff reads them: the `x-sunset` date of a deprecated operation or
parameter, and an operation's `x-stability-level`.

An operation at stability `alpha` or `draft` makes no promise: its changes are not reported.
Something deprecated may be removed once its sunset date has passed, and not before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

SUNSET = "x-sunset"
STABILITY = "x-stability-level"
STABILITY_LEVELS = ("draft", "alpha", "beta", "stable")
UNPROMISED = ("draft", "alpha")


def stability(node: dict[str, Any]) -> str | None:
    """The operation's stability level ("" when it declares none), or None when it is not one of
    `STABILITY_LEVELS`."""
    level = node.get(STABILITY)
    if level is None:
        return ""
    return level if level in STABILITY_LEVELS else None


def reported(operation: dict[str, Any]) -> bool:
    """Are this operation's changes reported? Not at `alpha` or `draft`, nor at an unknown level."""
    level = stability(operation)
    return level is not None and level not in UNPROMISED


def sunset(node: dict[str, Any]) -> tuple[bool, dt.date | None]:
    """(declared, date): whether `x-sunset` is there, and its date (None when it is no date).

    A date (RFC 3339 `full-date`) or a date-time (`date-time`, whose day counts)."""
    if SUNSET not in node:
        return False, None
    value = node[SUNSET]
    if isinstance(value, dt.datetime):
        return True, value.date()
    if isinstance(value, dt.date):
        return True, value
    if not isinstance(value, str):
        return True, None
    try:
        return True, dt.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return True, dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00")).date()
    except ValueError:
        return True, None


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def removal_rule(node: dict[str, Any], what: str) -> tuple[str | None, str]:
    """The rule for removing a path, an operation or a parameter, by its deprecation and sunset date
    (None: removed after its sunset date, as announced)."""
    stem = {"path": "api-path-removed", "operation": "api-removed", "parameter": "request-parameter-removed"}[what]
    if node.get("deprecated") is not True:
        return ("request-parameter-removed" if what == "parameter" else f"{stem}-without-deprecation"), (
            f"{what} removed without deprecation"
        )
    declared, date = sunset(node)
    if not declared:
        return f"{stem}-with-deprecation", f"{what} removed (it was deprecated)"
    if date is None:
        rule = "request-parameter-sunset-parse" if what == "parameter" else "api-path-sunset-parse"
        return rule, f"{what} removed; its {SUNSET} {node.get(SUNSET)!r} is not an RFC 3339 date"
    if today() < date:
        return f"{stem}-before-sunset", f"{what} removed before its sunset date {date.isoformat()}"
    return None, ""


def deprecation_rule(node: dict[str, Any], operation: dict[str, Any], what: str) -> tuple[str | None, str]:
    """The rule for deprecating an operation or a parameter, by its sunset date."""
    if stability(operation) is None:
        return None, ""
    declared, date = sunset(node)
    if not declared:
        return ("endpoint-deprecated" if what == "operation" else "request-parameter-deprecated"), f"{what} deprecated"
    if date is None:
        rule = "api-deprecated-sunset-parse" if what == "operation" else "request-parameter-sunset-parse"
        return rule, f"{what} deprecated; its {SUNSET} {node.get(SUNSET)!r} is not an RFC 3339 date"
    if date < today():
        rule = "api-sunset-date-too-small" if what == "operation" else "request-parameter-sunset-date-too-small"
        return rule, f"{what} deprecated with a sunset date in the past ({date.isoformat()})"
    rule = "endpoint-deprecated-with-sunset" if what == "operation" else "request-parameter-deprecated"
    return rule, f"{what} deprecated, sunset {date.isoformat()}"
