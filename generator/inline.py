"""Inline request and response schemas, moved under `components/schemas` with stable names.

datamodel-code-generator makes models from components only. An operation's inline body or
response schema becomes `<Operation>Request` / `<Operation>Response` (the operation named by its
operationId, else by method and path), so its model keeps its name whatever else changes in the
spec. A name already taken is a located error, never a silent `Request2`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .diagnostics import Diagnostic, SpecError, join_pointer, split_pointer
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


def name_inline_schemas(doc: SpecDocument) -> SpecDocument:
    """`doc` with every inline body/response schema the SDK needs moved under components/schemas."""
    moves: list[tuple[str, str]] = []  # (pointer of the inline schema, its model name)
    for pointer, method, path, operation in operations(doc):
        base = operation_base_name(method, path, operation)
        if "requestBody" in operation:
            body, body_pointer = doc.resolve(operation["requestBody"], join_pointer(pointer, "requestBody"))
            media_type = _model_schema(body.get("content") if isinstance(body, dict) else None, True)
            if media_type and needs_model(body["content"][media_type].get("schema")):
                schema_pointer = join_pointer(body_pointer, "content", media_type, "schema")
                moves.append((schema_pointer, _named(body_pointer, base, "Request")))
        responses = operation.get("responses") if isinstance(operation.get("responses"), dict) else {}
        status = success_status(responses)
        if status is not None:
            response, response_pointer = doc.resolve(responses[status], join_pointer(pointer, "responses", status))
            media_type = _model_schema(response.get("content") if isinstance(response, dict) else None, False)
            if media_type and needs_model(response["content"][media_type].get("schema")):
                schema_pointer = join_pointer(response_pointer, "content", media_type, "schema")
                moves.append((schema_pointer, _named(response_pointer, base, "Response")))
    if not moves:
        return doc
    return _moved(doc, moves)


def _named(owner_pointer: str, base: str, suffix: str) -> str:
    """Shared bodies and responses (under components) are named after their component, once."""
    tokens = split_pointer(owner_pointer)
    if len(tokens) == 3 and tokens[0] == "components":
        base = pascal(tokens[2])
    return base if base.endswith(suffix) else base + suffix


def _moved(doc: SpecDocument, moves: list[tuple[str, str]]) -> SpecDocument:
    data = doc.data
    existing = (data.get("components") or {}).get("schemas") or {}
    taken = {pascal(name): name for name in existing}
    added: dict[str, Any] = {}
    moved: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for schema_pointer, name in moves:
        target = join_pointer(SCHEMAS, name)
        if moved.get(target) == schema_pointer:
            continue  # a shared component reached from several operations
        if name in taken or target in moved:
            other = f"{SCHEMAS}/{taken[name]}" if name in taken else moved[target]
            problems.append(
                doc.diagnostic(
                    schema_pointer,
                    f"the inline schema would get the model name {name!r}, already used by {other}",
                    "move the schema under components/schemas, or rename the operation (its operationId)",
                )
            )
            continue
        added[name] = doc.get(schema_pointer)
        moved[target] = schema_pointer
        data = _set(data, split_pointer(schema_pointer), {"$ref": "#" + target})
    if problems:
        raise SpecError(problems)
    components = dict(data.get("components") or {})
    components["schemas"] = {**existing, **added}
    return replace(doc, data={**data, "components": components}, moved={**doc.moved, **moved})


def _set(node: Any, tokens: list[str], value: Any) -> Any:
    """A copy of `node` with the value at `tokens` replaced, sharing everything off that path."""
    if not tokens:
        return value
    head, rest = tokens[0], tokens[1:]
    if isinstance(node, list):
        index = int(head)
        return node[:index] + [_set(node[index], rest, value)] + node[index + 1 :]
    return {**node, head: _set(node[head], rest, value)}
