"""What a valid document declares that the generated SDK does not express, as located warnings.

Nothing a spec says is dropped in silence: parts the SDK has no place for (requests the API sends,
servers for one path, a second success body, a path key's `#fragment`), a key's `?query` sent as
fixed parameters, and operations sending the same request line are named with file:line, and
generation goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from .aliases import notices as alias_notices
from .diagnostics import Diagnostic, join_pointer
from .ignore import is_ignored
from .ignore import notices as ignore_notices
from .ir import PathKey
from .load import SpecDocument
from .media import success_status
from .normalize import nullable_notices
from .sdk_extensions import notices as extension_notices
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
    sent_by: dict[tuple[str, str, tuple[tuple[str, str], ...]], str] = {}
    for pointer, method, path, operation in operations(doc):
        if is_ignored(operation):
            continue  # left out, and said so (`ignore`)
        key = PathKey.split(path)
        request = f"{method.upper()} {key.path}" + (f"?{key.query}" if key.query else "")
        if key.fragment is not None:
            warn(pointer, f"the path's fragment #{key.fragment} is never sent: calls are {request}", _FRAGMENT_HINT)
        if key.query is not None:
            warn(
                pointer,
                f"the path's query ?{key.query} is sent with every call, before the operation's query parameters",
                "a path holds no query in OpenAPI: declare the parameters `in: query` (`enum` with one value fixes one)",
            )
        # The request line a call sends, whatever its parameters are named (OpenAPI 3.1 §4.8.8).
        sent = (method, key.hierarchy, tuple(sorted(key.query_pairs)))
        if sent in sent_by:
            warn(
                pointer,
                f"this operation sends the same request line as the operation at {sent_by[sent]}: {request}",
                "the server tells them apart only by the parameters and body they send; if it cannot, remove one",
            )
        sent_by.setdefault(sent, pointer)
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
    found += [*ignore_notices(doc), *alias_notices(doc), *extension_notices(doc)]
    return sorted(found, key=lambda notice: (notice.location.line, notice.location.col))


_FRAGMENT_HINT = (
    "a URL's fragment never reaches the server; the operationId names the operation, so the path needs"
    " no fragment unless it sets apart operations on one URL"
)
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
