"""Inline request and response schemas, moved under `components/schemas` with stable names.

datamodel-code-generator makes models from components only. An operation's inline body or
response schema becomes `<Operation>Request` / `<Operation>Response` (the operation named by its
operationId, else by method and path), so its model keeps its name whatever else changes in the
spec. A name already taken (by a component, or by another inline schema) gets `Body` appended,
then a number (`<Operation>RequestBody`, `<Operation>RequestBody2`), with a located warning.
"""

from __future__ import annotations

import itertools
from collections.abc import Container, Iterator, Mapping
from dataclasses import replace
from typing import Any

from .diagnostics import Diagnostic, join_pointer, replaced_at, split_pointer
from .events import streamed
from .load import SpecDocument
from .media import encoding, preferred, success_status
from .names import operation_basis, pascal
from .validate import operations

SCHEMAS = "/components/schemas"


def operation_base_name(method: str, path: str, operation: dict[str, Any]) -> str:
    return pascal(operation_basis(method, path, operation.get("operationId")))


def needs_model(schema: Any) -> bool:
    return isinstance(schema, dict) and "$ref" not in schema and bool(schema)


def _model_schema(content: Any, request: bool) -> str | None:
    """The media type whose inline schema needs a model: the JSON (or form) one the SDK uses."""
    if not isinstance(content, dict):
        return None
    media_type = preferred(content)
    if media_type is None or not isinstance(content[media_type], dict):
        return None
    wanted = ("json", "form", "multipart") if request else ("json",)
    return media_type if encoding(media_type) in wanted else None


def _places(doc: SpecDocument) -> Iterator[tuple[str, str]]:
    """(pointer of the schema, its model name) of each request body and success response schema
    the SDK validates through a model."""
    for pointer, method, path, operation in operations(doc):
        base = operation_base_name(method, path, operation)
        if "requestBody" in operation:
            body, body_pointer = doc.resolve(operation["requestBody"], join_pointer(pointer, "requestBody"))
            media_type = _model_schema(body.get("content") if isinstance(body, dict) else None, True)
            if media_type and "schema" in body["content"][media_type]:
                yield join_pointer(body_pointer, "content", media_type, "schema"), _named(body_pointer, base, "Request")
        responses = operation.get("responses") if isinstance(operation.get("responses"), dict) else {}
        status = success_status(responses)
        if status is not None:
            response, response_pointer = doc.resolve(responses[status], join_pointer(pointer, "responses", status))
            media_type = _model_schema(response.get("content") if isinstance(response, dict) else None, False)
            if media_type and "schema" in response["content"][media_type]:
                schema_pointer = join_pointer(response_pointer, "content", media_type, "schema")
                yield schema_pointer, _named(response_pointer, base, "Response")
            content = response.get("content") if isinstance(response, dict) else None
            events = streamed(operation, content)
            if events and isinstance(content[events], dict) and content[events].get("schema"):
                yield join_pointer(response_pointer, "content", events, "schema"), _named(
                    response_pointer, base, "Event"
                )


def name_inline_schemas(doc: SpecDocument) -> SpecDocument:
    """`doc` with every inline body/response schema the SDK needs moved under components/schemas."""
    moves = [(pointer, name) for pointer, name in _places(doc) if needs_model(doc.get(pointer))]
    return _moved(doc, moves) if moves else doc


def wrap_unmodelled(doc: SpecDocument, schema_classes: Mapping[str, str]) -> SpecDocument | None:
    """`doc` with each body or response schema that refers to a schema without a class of its own
    (datamodel-code-generator writes a union or a list inline where it is used) replaced by a
    reference to a new component that refers to it: a RootModel, named as an inline schema is.
    None when every such schema has a class."""
    moves = []
    for pointer, name in _places(doc):
        ref = doc.get(pointer).get("$ref") if isinstance(doc.get(pointer), dict) else None
        if isinstance(ref, str) and ref.startswith("#/") and ref[1:] not in schema_classes:
            moves.append((pointer, name))
    return _moved(doc, moves) if moves else None


def _named(owner_pointer: str, base: str, suffix: str) -> str:
    """Shared bodies and responses (under components) are named after their component, once."""
    tokens = split_pointer(owner_pointer)
    if len(tokens) == 3 and tokens[0] == "components":
        base = pascal(tokens[2])
    return base if base.endswith(suffix) else base + suffix


def _free_name(name: str, taken: Container[str]) -> str:
    """`name`, else `<name>Body`, else `<name>Body2`, `<name>Body3`...: the first not taken."""
    if name not in taken:
        return name
    candidates = (f"{name}Body{n if n > 1 else ''}" for n in itertools.count(1))
    return next(c for c in candidates if c not in taken)


def _moved(doc: SpecDocument, moves: list[tuple[str, str]]) -> SpecDocument:
    data = doc.data
    existing = (data.get("components") or {}).get("schemas") or {}
    taken = {pascal(name) for name in existing} | set(existing)
    added: dict[str, Any] = {}
    moved: dict[str, str] = {}  # new component pointer -> the schema's pointer
    placed: dict[str, str] = {}  # the schema's pointer -> its new component pointer
    renamed: list[Diagnostic] = []
    for schema_pointer, wanted in moves:
        if schema_pointer in placed:
            continue  # a shared body or response (under components) reached from several operations
        name = _free_name(wanted, taken)
        if name != wanted:
            other = f"#{SCHEMAS}/{wanted}" if wanted in existing else "another component's model name"
            message = f"this schema's model is named {name!r}: {wanted!r} is already {other}"
            hint = "move the schema under components/schemas to choose its name"
            renamed.append(replace(doc.diagnostic(schema_pointer, message, hint), severity="warning"))
        taken.add(name)
        target = join_pointer(SCHEMAS, name)
        added[name] = doc.get(schema_pointer)
        moved[target] = schema_pointer
        placed[schema_pointer] = target
        data = replaced_at(data, split_pointer(schema_pointer), {"$ref": "#" + target})
    components = dict(data.get("components") or {})
    components["schemas"] = {**existing, **added}
    return replace(
        doc,
        data={**data, "components": components},
        moved={**doc.moved, **moved},
        warnings=(*doc.warnings, *renamed),
    )
