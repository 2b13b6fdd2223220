"""Documents written for Speakeasy: its `x-speakeasy-*` extensions read as sdkgen's own.

This is the one module that reads `x-speakeasy-*` keys. When a document is loaded, each alias is
copied, once, onto sdkgen's key where that key is absent (sdkgen's own key wins where both are
written), and the copy is recorded in `SpecDocument.moved`, so that a diagnostic about the copied
value is located, and its pointer given, at the key the user wrote. The document's text (and so
the sha256 sdkgen records) is untouched; the aliases stay in the data, where no stage reads them.

| sdkgen's key (where)            | alias (where)                                                    |
|---------------------------------|------------------------------------------------------------------|
| x-sdk-name (operation)          | x-speakeasy-name-override (operation; root list of               |
|                                 | `{operationId: <regex>, methodNameOverride: <name>}`)            |
| x-sdk-name (parameter)          | x-speakeasy-name-override (parameter)                            |
| x-sdk-resource (operation)      | x-speakeasy-group (operation)                                    |
| x-sdk-open-enum: true (schema)  | x-speakeasy-unknown-values: allow (schema)                       |
| x-sdk-ignore (operation, parameter, schema, property) | x-speakeasy-ignore                         |
| x-sdk-deprecation-message (operation, parameter, schema) | x-speakeasy-deprecation-message         |
| x-sdk-pagination (operation)    | x-speakeasy-pagination                                           |
| x-sdk-stream.sentinel (operation) | x-speakeasy-sse-sentinel (the success response's               |
|                                 | `text/event-stream` Media Type Object)                           |
| x-sdk-stream.request-field (operation) | x-speakeasy-stream-request-field (operation)              |
| x-sdk-globals (root)            | x-speakeasy-globals (root)                                       |
| x-sdk-retries (root, operation) | x-speakeasy-retries                                              |
| x-sdk-max-method-params (root, operation) | x-speakeasy-max-method-params                          |

`x-speakeasy-name-override` on a schema or a property (a class or field name) has no sdkgen
counterpart: it is not applied, with a located warning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from .diagnostics import Diagnostic, join_pointer, split_pointer
from .load import SpecDocument
from .media import essence, success_status
from .normalize import schemas

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

NAME_OVERRIDE = "x-speakeasy-name-override"
UNKNOWN_VALUES = "x-speakeasy-unknown-values"
SSE_SENTINEL = "x-speakeasy-sse-sentinel"
STREAM_REQUEST_FIELD = "x-speakeasy-stream-request-field"

# Copied verbatim, by where they are written.
ROOT = {
    "x-speakeasy-globals": "x-sdk-globals",
    "x-speakeasy-retries": "x-sdk-retries",
    "x-speakeasy-max-method-params": "x-sdk-max-method-params",
}
OPERATION = {
    NAME_OVERRIDE: "x-sdk-name",
    "x-speakeasy-group": "x-sdk-resource",
    "x-speakeasy-ignore": "x-sdk-ignore",
    "x-speakeasy-deprecation-message": "x-sdk-deprecation-message",
    "x-speakeasy-pagination": "x-sdk-pagination",
    "x-speakeasy-retries": "x-sdk-retries",
    "x-speakeasy-max-method-params": "x-sdk-max-method-params",
}
PARAMETER = {
    NAME_OVERRIDE: "x-sdk-name",
    "x-speakeasy-ignore": "x-sdk-ignore",
    "x-speakeasy-deprecation-message": "x-sdk-deprecation-message",
}
SCHEMA = {
    "x-speakeasy-ignore": "x-sdk-ignore",
    "x-speakeasy-deprecation-message": "x-sdk-deprecation-message",
    UNKNOWN_VALUES: "x-sdk-open-enum",  # `allow` is `true`
}
STREAM = "x-sdk-stream"

# What an alias takes, where a message says what is wrong with its value (else sdkgen's key's).
ALIAS_TAKES = {UNKNOWN_VALUES: "`allow`"}


def with_aliases(doc: SpecDocument) -> SpecDocument:
    """`doc` with each alias copied onto sdkgen's key where that key is absent (in place: called
    once, by the loader, on data no one else holds yet)."""
    moved = dict(doc.moved)
    data = doc.data

    def copy(holder: dict[str, Any], pointer: str, table: dict[str, str]) -> None:
        for alias, ours in table.items():
            if alias in holder and ours not in holder:
                value = holder[alias]
                if alias == UNKNOWN_VALUES and value == "allow":
                    value = True
                holder[ours] = value
                moved[join_pointer(pointer, ours)] = join_pointer(pointer, alias)

    copy(data, "", ROOT)
    overrides = _root_overrides(data)
    for pointer, operation in _operations(data):
        copy(operation, pointer, OPERATION)
        if "x-sdk-name" not in operation and isinstance(operation.get("operationId"), str):
            for index, pattern, name in overrides:
                if pattern.search(operation["operationId"]):
                    operation["x-sdk-name"] = name
                    moved[join_pointer(pointer, "x-sdk-name")] = join_pointer(
                        "", NAME_OVERRIDE, index, "methodNameOverride"
                    )
                    break
        _copy_stream(data, operation, pointer, moved)
    for pointer, parameter in _parameters(data):
        copy(parameter, pointer, PARAMETER)
    for pointer, schema in list(schemas(data)):
        copy(schema, pointer, SCHEMA)
    return replace(doc, moved=moved)


def _copy_stream(data: dict[str, Any], operation: dict[str, Any], pointer: str, moved: dict[str, str]) -> None:
    """`x-sdk-stream: {sentinel, request-field}` from the success response's event-stream media
    type and the operation's request field; fields of an `x-sdk-stream` written win."""
    found: dict[str, tuple[Any, str]] = {}
    if STREAM_REQUEST_FIELD in operation:
        found["request-field"] = (operation[STREAM_REQUEST_FIELD], join_pointer(pointer, STREAM_REQUEST_FIELD))
    media = _event_stream(data, operation, pointer)
    if media is not None and SSE_SENTINEL in media[0]:
        found["sentinel"] = (media[0][SSE_SENTINEL], join_pointer(media[1], SSE_SENTINEL))
    if not found:
        return
    stream = operation.setdefault(STREAM, {})
    if not isinstance(stream, dict):
        return  # sdkgen's own, whatever it is, wins (and is checked as written)
    for key, (value, written) in found.items():
        if key not in stream:
            stream[key] = value
            moved[join_pointer(pointer, STREAM, key)] = written


def _event_stream(data: dict[str, Any], operation: dict[str, Any], pointer: str) -> tuple[dict[str, Any], str] | None:
    """The `text/event-stream` Media Type Object of the operation's success response, and its pointer."""
    responses = operation.get("responses")
    if not isinstance(responses, dict):
        return None
    status = success_status({str(code): value for code, value in responses.items()})
    if status is None:
        return None
    status_key = next(code for code in responses if str(code) == status)
    response, where = _resolved(data, responses[status_key], join_pointer(pointer, "responses", status_key))
    content = response.get("content") if isinstance(response, dict) else None
    for media_type, media in (content or {}).items() if isinstance(content, dict) else ():
        if essence(str(media_type)) == "text/event-stream" and isinstance(media, dict):
            return media, join_pointer(where, "content", media_type)
    return None


def _resolved(data: dict[str, Any], value: Any, pointer: str) -> tuple[Any, str]:
    """Local `$ref`s followed (at most a few), leniently: validation reports broken ones."""
    for _ in range(16):
        ref = value.get("$ref") if isinstance(value, dict) else None
        if not (isinstance(ref, str) and ref.startswith("#/")):
            break
        node: Any = data
        for token in split_pointer(ref[1:]):
            node = node.get(token) if isinstance(node, dict) else None
        value, pointer = node, ref[1:]
    return value, pointer


def _path_items(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for base in (("paths",), ("components", "pathItems")):
        node: Any = data
        for token in base:
            node = node.get(token) if isinstance(node, dict) else None
        for key, item in (node or {}).items() if isinstance(node, dict) else ():
            if isinstance(item, dict):
                yield join_pointer("", *base, key), item


def _operations(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for item_pointer, item in _path_items(data):
        for method in HTTP_METHODS:
            if isinstance(item.get(method), dict):
                yield join_pointer(item_pointer, method), item[method]


def _parameters(data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Parameter Object as written (a `$ref` is read where it points)."""
    holders = [(p, item) for p, item in _path_items(data)] + list(_operations(data))
    for pointer, holder in holders:
        parameters = holder.get("parameters")
        for index, parameter in enumerate(parameters if isinstance(parameters, list) else []):
            if isinstance(parameter, dict) and "$ref" not in parameter:
                yield join_pointer(pointer, "parameters", index), parameter
    components = (data.get("components") or {}) if isinstance(data.get("components"), dict) else {}
    for name, parameter in (components.get("parameters") or {}).items():
        if isinstance(parameter, dict):
            yield join_pointer("/components/parameters", name), parameter


def _root_overrides(data: dict[str, Any]) -> list[tuple[int, re.Pattern[str], str]]:
    """The root-level `x-speakeasy-name-override` list's well-formed entries: (index, the
    operationId regex, the method name). `root_override_problems` reports the others."""
    entries = data.get(NAME_OVERRIDE)
    found = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, dict):
            continue
        pattern, name = entry.get("operationId"), entry.get("methodNameOverride")
        if isinstance(pattern, str) and isinstance(name, str):
            try:
                found.append((index, re.compile(pattern), name))
            except re.error:
                continue
    return found


def written_key(doc: SpecDocument, pointer: str) -> str:
    """The key the user wrote for the value at `pointer`: sdkgen's, or the alias it was copied from."""
    tokens = split_pointer(doc.written_at(pointer))
    return tokens[-1] if tokens else ""


def takes(doc: SpecDocument, pointer: str, ours: str) -> str:
    """What the key written for `pointer` takes, for a message: `ours` unless an alias with its own
    values (`x-speakeasy-unknown-values: allow`) was written."""
    return ALIAS_TAKES.get(written_key(doc, pointer), ours)


def problems(doc: SpecDocument) -> Iterator[Diagnostic]:
    """Errors in the aliases' own forms: the root-level `x-speakeasy-name-override` list."""
    entries = doc.data.get(NAME_OVERRIDE)
    if NAME_OVERRIDE not in doc.data:
        return
    hint = f"{NAME_OVERRIDE} at the top level is a list of {{operationId: <regex>, methodNameOverride: <name>}}"
    if not isinstance(entries, list):
        yield doc.diagnostic(join_pointer("", NAME_OVERRIDE), f"{NAME_OVERRIDE} at the top level must be a list", hint)
        return
    for index, entry in enumerate(entries):
        pointer = join_pointer("", NAME_OVERRIDE, index)
        if not isinstance(entry, dict):
            yield doc.diagnostic(pointer, "each entry must be a mapping", hint)
            continue
        for key in ("operationId", "methodNameOverride"):
            if not isinstance(entry.get(key), str):
                yield doc.diagnostic(join_pointer(pointer, key), f"{key} must be a string", hint)
        if isinstance(entry.get("operationId"), str):
            try:
                re.compile(entry["operationId"])
            except re.error as exc:
                yield doc.diagnostic(
                    join_pointer(pointer, "operationId"),
                    f"operationId {entry['operationId']!r} is not a regular expression: {exc}",
                    "write the operationId itself, or a pattern such as ^list.*",
                )


def _read_places(data: dict[str, Any]) -> set[str]:
    """The pointers of every `x-speakeasy-*` key written where sdkgen reads it."""
    read = {join_pointer("", key) for key in [*ROOT, NAME_OVERRIDE] if key in data}
    for pointer, operation in _operations(data):
        read |= {join_pointer(pointer, key) for key in [*OPERATION, STREAM_REQUEST_FIELD] if key in operation}
        media = _event_stream(data, operation, pointer)
        if media is not None and SSE_SENTINEL in media[0]:
            read.add(join_pointer(media[1], SSE_SENTINEL))
    for pointer, parameter in _parameters(data):
        read |= {join_pointer(pointer, key) for key in PARAMETER if key in parameter}
    for pointer, schema in schemas(data):
        read |= {join_pointer(pointer, key) for key in [*SCHEMA, NAME_OVERRIDE] if key in schema}
    return read


def _written(value: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """(key, pointer) of every `x-speakeasy-*` key in the document, in document order."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and key.startswith("x-speakeasy-"):
                yield key, join_pointer(pointer, key)
            elif not (isinstance(key, str) and key.startswith("x-")):  # an extension's value is data
                yield from _written(item, join_pointer(pointer, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _written(item, join_pointer(pointer, index))


def notices(doc: SpecDocument) -> Iterator[Diagnostic]:
    """Located warnings for aliases sdkgen has no counterpart for: a class or field name override;
    and, once per key, for each `x-speakeasy-*` key sdkgen does not read where it is written (a
    misspelt one, one in another place than Speakeasy reads it, one sdkgen does not implement)."""
    read = _read_places(doc.data)
    unread: dict[str, list[str]] = {}
    for key, pointer in _written(doc.data):
        if pointer not in read:
            unread.setdefault(key, []).append(pointer)
    for key, pointers in unread.items():
        where = f" ({len(pointers)} places; the first here)" if len(pointers) > 1 else ""
        known = key in {*ROOT, *OPERATION, *PARAMETER, *SCHEMA, NAME_OVERRIDE, SSE_SENTINEL, STREAM_REQUEST_FIELD}
        hint = (
            f"sdkgen reads {key} on the success response's text/event-stream Media Type Object"
            if key == SSE_SENTINEL
            else (
                f"sdkgen reads {key} where Speakeasy does; see the README's table of the extensions it reads"
                if known
                else "sdkgen reads the x-speakeasy-* extensions in the README's table; this one changes nothing"
            )
        )
        yield replace(doc.diagnostic(pointers[0], f"{key} is not read by sdkgen here{where}", hint), severity="warning")
    for pointer, schema in schemas(doc.data):
        if NAME_OVERRIDE in schema:
            where = join_pointer(pointer, NAME_OVERRIDE)
            what = "property" if "/properties/" in pointer else "schema"
            yield replace(
                doc.diagnostic(
                    where,
                    f"{NAME_OVERRIDE} on a {what} is not applied: the {'field' if what == 'property' else 'class'}"
                    " keeps the name sdkgen gives it",
                    "sdkgen renames operations and parameters only",
                ),
                severity="warning",
            )
