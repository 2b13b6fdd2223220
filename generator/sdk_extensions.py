"""The values of `x-sdk-resource`, `x-sdk-deprecation-message` and `x-sdk-open-enum`, checked where
they are written (or where the Speakeasy alias they were copied from is: see `aliases`).

- `x-sdk-resource: <name>` on an operation puts its method on that resource instead of its first
  tag's. A dotted name (Speakeasy's nested groups, `chat.completions`) is one resource named after
  the whole of it (`client.chat_completions`, class `ChatCompletions`), with a located warning:
  sdkgen makes no nested resources.
- `x-sdk-deprecation-message: <text>` on a deprecated operation, parameter or schema is the
  DeprecationWarning's message and the docs' note; without `deprecated: true` it does nothing,
  with a located warning.
- `x-sdk-open-enum` is true or false.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from .aliases import takes, written_key
from .diagnostics import Diagnostic, join_pointer
from .load import SpecDocument
from .names import resource_names
from .normalize import schemas
from .validate import operations

RESOURCE = "x-sdk-resource"
DEPRECATION_MESSAGE = "x-sdk-deprecation-message"
OPEN_ENUM = "x-sdk-open-enum"


def _kind(value: Any) -> str:
    kinds = {
        bool: "a boolean",
        type(None): "null",
        int: "a number",
        float: "a number",
        dict: "a mapping",
        list: "a list",
    }
    return kinds.get(type(value), type(value).__name__)


def _deprecatable(doc: SpecDocument) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, object) of every operation, parameter and schema that may carry a deprecation message."""
    for pointer, _, _, operation in operations(doc):
        yield pointer, operation
        for index, parameter in enumerate(operation.get("parameters") or []):
            if isinstance(parameter, dict):
                yield join_pointer(pointer, "parameters", index), parameter
    for path, item in (doc.data.get("paths") or {}).items():
        for index, parameter in enumerate((item.get("parameters") or []) if isinstance(item, dict) else []):
            if isinstance(parameter, dict):
                yield join_pointer("/paths", path, "parameters", index), parameter
    components = doc.data.get("components") if isinstance(doc.data.get("components"), dict) else {}
    for name, parameter in ((components or {}).get("parameters") or {}).items():
        if isinstance(parameter, dict):
            yield join_pointer("/components/parameters", name), parameter
    yield from schemas(doc.data)


def checks(doc: SpecDocument) -> Iterator[Diagnostic]:
    for pointer, _, _, operation in operations(doc):
        if RESOURCE in operation and operation.get("x-sdk-ignore") is not True:
            value, where = operation[RESOURCE], join_pointer(pointer, RESOURCE)
            key = written_key(doc, where)
            if not isinstance(value, str) or not re.search("[A-Za-z]", value):
                shown = repr(value) if isinstance(value, str) else _kind(value)
                yield doc.diagnostic(
                    where,
                    f"{key} must be a resource name with a letter in it, not {shown}",
                    f"`{key}: videos` puts the method on client.videos",
                )
    seen: set[int] = set()
    for pointer, node in _deprecatable(doc):
        if id(node) in seen:
            continue
        seen.add(id(node))
        if DEPRECATION_MESSAGE in node:
            value, where = node[DEPRECATION_MESSAGE], join_pointer(pointer, DEPRECATION_MESSAGE)
            if not isinstance(value, str) or not value.strip():
                key = written_key(doc, where)
                shown = "empty" if isinstance(value, str) else _kind(value)
                yield doc.diagnostic(
                    where, f"{key} must be the text of the deprecation notice, not {shown}", "write one line of text"
                )
        if OPEN_ENUM in node and not isinstance(node[OPEN_ENUM], bool):
            where = join_pointer(pointer, OPEN_ENUM)
            key = written_key(doc, where)
            value = node[OPEN_ENUM]
            shown = repr(value) if isinstance(value, str) else _kind(value)
            yield doc.diagnostic(
                where,
                f"{key} must be {takes(doc, where, 'true or false')}, not {shown}",
                "an open enum accepts values the document does not list",
            )


def notices(doc: SpecDocument) -> Iterator[Diagnostic]:
    """A dotted resource name, and a deprecation message on something not deprecated."""
    for pointer, _, _, operation in operations(doc):
        value = operation.get(RESOURCE)
        if isinstance(value, str) and "." in value and operation.get("x-sdk-ignore") is not True:
            where = join_pointer(pointer, RESOURCE)
            attr = resource_names(value, frozenset())[0]
            yield replace(
                doc.diagnostic(
                    where,
                    f"{written_key(doc, where)} {value!r} names a nested resource: sdkgen makes no nested resources,"
                    f" and puts the method on client.{attr}",
                    "name a resource without dots to choose its name",
                ),
                severity="warning",
            )
    seen: set[int] = set()
    for pointer, node in _deprecatable(doc):
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node.get(DEPRECATION_MESSAGE), str) and node.get("deprecated") is not True:
            where = join_pointer(pointer, DEPRECATION_MESSAGE)
            yield replace(
                doc.diagnostic(
                    where,
                    f"{written_key(doc, where)} does nothing here: this is not marked `deprecated: true`",
                    "add `deprecated: true` beside it",
                ),
                severity="warning",
            )


def deprecation_message(node: Any) -> str:
    """The deprecation notice's text of a deprecated operation, parameter or schema ("" if none)."""
    if not isinstance(node, dict) or node.get("deprecated") is not True:
        return ""
    value = node.get(DEPRECATION_MESSAGE)
    return " ".join(value.split()) if isinstance(value, str) else ""
