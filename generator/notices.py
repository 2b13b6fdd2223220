"""What a valid document declares that the generated SDK does not express, as located warnings.

Nothing a spec says is dropped in silence: parts the SDK has no place for (requests the API sends,
servers for one path, a second success body) are named with file:line, and generation goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from .diagnostics import Diagnostic, join_pointer
from .load import SpecDocument
from .media import success_status
from .normalize import nullable_notices
from .validate import operations


def notices(doc: SpecDocument) -> list[Diagnostic]:
    found: list[Diagnostic] = []

    def warn(pointer: str, message: str, hint: str | None = None) -> None:
        found.append(replace(doc.diagnostic(pointer, message, hint), severity="warning"))

    received = "the API sends this request; an SDK only makes requests"
    for name in doc.data.get("webhooks") or {}:
        warn(join_pointer("/webhooks", name), f"webhook {name!r} is not generated", received)
    for path, item in (doc.data.get("paths") or {}).items():
        if isinstance(item, dict) and item.get("servers"):
            warn(join_pointer("/paths", path, "servers"), "servers of a path are not used", _SERVERS_HINT)
    for pointer, _, _, operation in operations(doc):
        for name in operation.get("callbacks") or {}:
            warn(join_pointer(pointer, "callbacks", name), f"callback {name!r} is not generated", received)
        if operation.get("servers"):
            warn(join_pointer(pointer, "servers"), "servers of an operation are not used", _SERVERS_HINT)
        for code, status in _untyped_success_bodies(doc, pointer, operation.get("responses") or {}):
            warn(
                join_pointer(pointer, "responses", code, "content"),
                f"the {code} response's body is not typed: the call returns the {status} response's",
                "give both statuses the same body, or split the operation",
            )
    found += nullable_notices(doc)
    return sorted(found, key=lambda notice: (notice.location.line, notice.location.col))


_SERVERS_HINT = "calls go to the client's server; pass server_url, or list the server at the top level"


def _untyped_success_bodies(doc: SpecDocument, pointer: str, responses: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(status, returned status) for each 2XX response whose body differs from the one a call returns."""
    by_code = {str(code): response for code, response in responses.items()}
    status = success_status(by_code)
    if status is None or not status.startswith("2"):
        return
    returned = _content(doc, by_code[status], join_pointer(pointer, "responses", status))
    for code in sorted(c for c in by_code if c.startswith("2") and c != status):
        content = _content(doc, by_code[code], join_pointer(pointer, "responses", code))
        if content and content != returned:
            yield code, status


def _content(doc: SpecDocument, response: Any, pointer: str) -> Any:
    resolved, _ = doc.resolve(response, pointer)
    return resolved.get("content") if isinstance(resolved, dict) else None
