"""`x-sdk-ignore: true`: parts of the API the SDK leaves out, each named in a located warning and
in the generated README.

It applies to an operation, a parameter, a property, and a component schema. A property or a
parameter whose schema is a `$ref` to a component schema left out is left out with it (documents
written for Speakeasy rely on this). A required parameter or property left out is refused, unless
it has a default or is read-only: the API needs it. Any other reference to a schema left out (a
body, a list's items, a union member) is refused too, since something generated would refer to a
class that does not exist. On any other schema (inline, not a property) the key is not applied,
with a warning.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from .aliases import written_key
from .diagnostics import Diagnostic, join_pointer, split_pointer
from .load import SpecDocument
from .normalize import schemas
from .validate import HTTP_METHODS, declared_parameters, operations

IGNORE = "x-sdk-ignore"
SCHEMAS = "/components/schemas"
# Components reached only through a reference from something generated.
_REFERENCED_COMPONENTS = ("responses", "requestBodies", "parameters", "headers", "pathItems")


@dataclass(frozen=True)
class LeftOut:
    pointer: str  # of the value removed
    what: str  # for the README: "the operation `POST /legacy`"
    notice: Diagnostic


@dataclass
class _Found:
    left_out: list[LeftOut]
    problems: list[Diagnostic]
    not_applied: list[Diagnostic]


def _ignored(node: Any) -> bool:
    return isinstance(node, dict) and node.get(IGNORE) is True


def _has_default(doc: SpecDocument, schema: Any) -> bool:
    resolved, _ = doc.resolve(schema, "") if isinstance(schema, dict) else (schema, "")
    return isinstance(resolved, dict) and ("default" in resolved or resolved.get("readOnly") is True)


def _ignored_schema_ref(node: Any, ignored: set[str]) -> str | None:
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#") and ref[1:] in ignored:
        return ref[1:]
    return None


def _under(pointer: str, prefixes: set[str]) -> bool:
    tokens = split_pointer(pointer)
    return any(join_pointer("", *tokens[:n]) in prefixes for n in range(len(tokens) + 1))


def _find(doc: SpecDocument) -> _Found:
    found = _Found([], [], [])
    data = doc.data

    def key_at(where: str) -> str:
        return written_key(doc, where) if where.endswith(IGNORE) else IGNORE

    def note(pointer: str, where: str, what: str, reason: str = "", key: str = "") -> None:
        message = f"{what} is left out of the SDK{reason} ({key or key_at(where)})"
        notice = replace(doc.diagnostic(where, message), severity="warning")
        found.left_out.append(LeftOut(pointer, what, notice))

    def refuse(where: str, what: str, key: str = "") -> None:
        found.problems.append(
            doc.diagnostic(
                where,
                f"{what} is required and has no default: the SDK cannot leave it out",
                f"remove {key or key_at(where)}, or give it a default",
            )
        )

    def schema_key(ref: str) -> str:
        return written_key(doc, join_pointer(ref, IGNORE))

    components = (data.get("components") or {}) if isinstance(data.get("components"), dict) else {}
    ignored_schemas = {
        join_pointer(SCHEMAS, name) for name, schema in (components.get("schemas") or {}).items() if _ignored(schema)
    }
    for pointer in sorted(ignored_schemas):
        note(pointer, join_pointer(pointer, IGNORE), f"the schema {split_pointer(pointer)[-1]!r}")
    dropped: set[str] = set(ignored_schemas)
    kept_operations = []
    for pointer, method, path, operation in operations(doc):
        if _ignored(operation):
            dropped.add(pointer)
            note(pointer, join_pointer(pointer, IGNORE), f"the operation {method.upper()} {path}")
        else:
            kept_operations.append((pointer, method, path, operation))
    seen_parameters: set[str] = set()
    for pointer, method, path, operation in kept_operations:
        for parameter_pointer, raw in declared_parameters(doc, pointer, path, operation):
            parameter, _ = doc.resolve(raw, parameter_pointer)
            if not isinstance(parameter, dict) or parameter_pointer in seen_parameters:
                continue
            schema_ref = _ignored_schema_ref(parameter.get("schema"), ignored_schemas)
            if not (_ignored(parameter) or schema_ref):
                continue
            seen_parameters.add(parameter_pointer)
            dropped.add(parameter_pointer)
            what = f"the {parameter.get('in')} parameter {parameter.get('name')!r} of {method.upper()} {path}"
            target = parameter_pointer if "$ref" not in raw else _resolved_pointer(doc, raw, parameter_pointer)
            where = join_pointer(target, IGNORE) if _ignored(parameter) else join_pointer(target, "schema", "$ref")
            required = bool(parameter.get("required")) or parameter.get("in") == "path"
            key = "" if _ignored(parameter) else schema_key(str(schema_ref))
            if required and not _has_default(doc, parameter.get("schema")):
                refuse(where, what, key)
            else:
                reason = "" if _ignored(parameter) else f" with its schema {split_pointer(str(schema_ref))[-1]!r}"
                note(parameter_pointer, where, what, reason, key)
    for pointer, schema in schemas(data):
        if _under(pointer, dropped):
            continue
        properties = schema.get("properties")
        required_names: list[Any] = schema["required"] if isinstance(schema.get("required"), list) else []
        for name, prop in (properties or {}).items() if isinstance(properties, dict) else ():
            prop_pointer = join_pointer(pointer, "properties", name)
            schema_ref = _ignored_schema_ref(prop, ignored_schemas)
            if not (_ignored(prop) or schema_ref):
                continue
            dropped.add(prop_pointer)
            what = f"the property {name!r} of {_schema_name(pointer)}"
            where = join_pointer(prop_pointer, IGNORE) if _ignored(prop) else join_pointer(prop_pointer, "$ref")
            key = "" if _ignored(prop) else schema_key(str(schema_ref))
            if name in required_names and not _has_default(doc, prop):
                refuse(where, what, key)
            else:
                reason = "" if _ignored(prop) else f" with its schema {split_pointer(str(schema_ref))[-1]!r}"
                note(prop_pointer, where, what, reason, key)
    for pointer, schema in schemas(data):
        parent = split_pointer(pointer)[-2:-1]
        if _ignored(schema) and pointer not in dropped and parent != ["properties"] and not _under(pointer, dropped):
            key = written_key(doc, join_pointer(pointer, IGNORE))
            found.not_applied.append(
                replace(
                    doc.diagnostic(
                        join_pointer(pointer, IGNORE),
                        f"{key} on this schema is not applied: the SDK leaves out operations, parameters,"
                        " properties and component schemas",
                        "move the schema under components/schemas to leave it out, or leave out what uses it",
                    ),
                    severity="warning",
                )
            )
    found.problems += _dangling(doc, dropped, ignored_schemas)
    return found


def _resolved_pointer(doc: SpecDocument, raw: Any, pointer: str) -> str:
    return doc.resolve(raw, pointer)[1]


def _schema_name(pointer: str) -> str:
    tokens = split_pointer(pointer)
    if tokens[:2] == ["components", "schemas"] and len(tokens) == 3:
        return f"the schema {tokens[2]!r}"
    return f"the schema at {pointer}"


def _dangling(doc: SpecDocument, dropped: set[str], ignored_schemas: set[str]) -> Iterator[Diagnostic]:
    """A reference to a schema left out from something generated: operations and component schemas
    kept, and the components they refer to."""
    pending = ["/paths", SCHEMAS]
    visited: set[str] = set()
    while pending:
        start = pending.pop()
        if start in visited:
            continue
        visited.add(start)
        try:
            node = doc.get(start)
        except KeyError:
            continue
        for pointer, value in _walk(node, start, dropped):
            ref = value.get("$ref") if isinstance(value, dict) else None
            if not (isinstance(ref, str) and ref.startswith("#/")):
                continue
            target = ref[1:]
            if _under(target, ignored_schemas):
                key = written_key(doc, join_pointer("", *split_pointer(target)[:3], IGNORE))
                yield doc.diagnostic(
                    join_pointer(pointer, "$ref"),
                    f"this refers to the schema {split_pointer(target)[2]!r}, which is left out of the SDK ({key})",
                    "leave out what refers to it too (`x-sdk-ignore: true` on the operation, parameter or"
                    " property), or keep the schema",
                )
            elif any(target.startswith(f"/components/{kind}/") for kind in _REFERENCED_COMPONENTS):
                pending.append(target)


def _walk(node: Any, pointer: str, dropped: set[str]) -> Iterator[tuple[str, Any]]:
    if pointer in dropped:
        return
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            key = str(key)
            if key.startswith("x-") or key in ("callbacks", "example", "examples", "default", "enum", "const"):
                continue  # not generated, or data
            yield from _walk(value, join_pointer(pointer, key), dropped)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, join_pointer(pointer, index), dropped)


def checks(doc: SpecDocument) -> list[Diagnostic]:
    """The values of `x-sdk-ignore`, and what the SDK cannot leave out."""
    found: list[Diagnostic] = []
    for pointer, value in _ignore_keys(doc):
        if not isinstance(value, bool):
            key = written_key(doc, pointer)
            found.append(doc.diagnostic(pointer, f"{key} must be true or false", f"`{key}: true` leaves this out"))
    if found:
        return found
    return _find(doc).problems


def _ignore_keys(doc: SpecDocument) -> Iterator[tuple[str, Any]]:
    data = doc.data
    for pointer, _, _, operation in operations(doc):
        if IGNORE in operation:
            yield join_pointer(pointer, IGNORE), operation[IGNORE]
        for index, parameter in enumerate(operation.get("parameters") or []):
            if isinstance(parameter, dict) and IGNORE in parameter:
                yield join_pointer(pointer, "parameters", index, IGNORE), parameter[IGNORE]
    for path, item in (data.get("paths") or {}).items():
        for index, parameter in enumerate((item or {}).get("parameters") or [] if isinstance(item, dict) else []):
            if isinstance(parameter, dict) and IGNORE in parameter:
                yield join_pointer("/paths", path, "parameters", index, IGNORE), parameter[IGNORE]
    components = (data.get("components") or {}) if isinstance(data.get("components"), dict) else {}
    for name, parameter in (components.get("parameters") or {}).items():
        if isinstance(parameter, dict) and IGNORE in parameter:
            yield join_pointer("/components/parameters", name, IGNORE), parameter[IGNORE]
    for pointer, schema in schemas(data):
        if IGNORE in schema:
            yield join_pointer(pointer, IGNORE), schema[IGNORE]


def left_out(doc: SpecDocument) -> list[LeftOut]:
    """What `x-sdk-ignore` leaves out of the SDK, on a validated document."""
    if not any(value is True for _, value in _ignore_keys(doc)):
        return []
    return _find(doc).left_out


def notices(doc: SpecDocument) -> list[Diagnostic]:
    """A located warning for each part left out, and for each `x-sdk-ignore` not applied."""
    if not any(value is True for _, value in _ignore_keys(doc)):
        return []
    found = _find(doc)
    return [item.notice for item in found.left_out] + found.not_applied


def without_ignored(doc: SpecDocument) -> SpecDocument:
    """A copy of `doc` without the parts `x-sdk-ignore` leaves out (the document itself is unchanged)."""
    removed = [item.pointer for item in left_out(doc)]
    if not removed:
        return doc
    data = copy.deepcopy(doc.data)
    # The last first: removing an item of a list moves the items after it.
    for pointer in sorted(removed, key=_sort_key, reverse=True):
        tokens = split_pointer(pointer)
        parent: Any = data
        for token in tokens[:-1]:
            parent = parent[int(token)] if isinstance(parent, list) else parent[token]
        last = tokens[-1]
        if isinstance(parent, list):
            del parent[int(last)]
        else:
            del parent[last]
            if len(tokens) >= 2 and tokens[-2] == "properties":
                schema: Any = data
                for token in tokens[:-2]:
                    schema = schema[int(token)] if isinstance(schema, list) else schema[token]
                if isinstance(schema.get("required"), list) and last in schema["required"]:
                    schema["required"] = [name for name in schema["required"] if name != last]
                    if not schema["required"]:
                        del schema["required"]
    return replace(doc, data=data)


def _sort_key(pointer: str) -> tuple[Any, ...]:
    return tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in split_pointer(pointer))


def is_ignored(node: Any) -> bool:
    """An operation or a parameter the SDK leaves out (validation skips its names)."""
    return _ignored(node)


__all__ = ["HTTP_METHODS", "IGNORE", "LeftOut", "checks", "is_ignored", "left_out", "notices", "without_ignored"]
