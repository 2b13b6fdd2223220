"""A validated document rewritten, in a copy, into the forms the later stages read.

OpenAPI 3.1 has no `nullable` (JSON Schema 2020-12 spells "or null" `type: [<type>, 'null']`), but
openapi-spec-validator accepts it there as an unknown keyword, and documents converted from 3.0
keep it. It is read as what its author meant, with a located warning: `nullable: true` beside
`type` becomes `'null'` in the type list, beside `$ref` or a composition (`allOf`, `oneOf`,
`anyOf`) an `anyOf` of the schema and `{type: 'null'}`; `nullable: false` is dropped. The schema
moved under `anyOf/0` is recorded in `SpecDocument.moved`, so that later diagnostics still point
at the lines as written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from .diagnostics import Diagnostic, join_pointer, replaced_at, split_pointer
from .load import SpecDocument
from .schema_keywords import DATA as _DATA
from .schema_keywords import ONE_SCHEMA as _ONE_SCHEMA
from .schema_keywords import SCHEMA_LISTS as _SCHEMA_LISTS
from .schema_keywords import SCHEMA_MAPS as _SCHEMA_MAPS

# What stays on the outer schema when a nullable one is wrapped in `anyOf`: annotations.
_ANNOTATIONS = (
    "title",
    "description",
    "default",
    "example",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "xml",
    "$comment",
)
_COMPOSITIONS = ("$ref", "allOf", "oneOf", "anyOf")


def schemas(data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, schema) for every Schema Object of an OpenAPI document, outer ones first."""
    yield from _objects(data, "")


def _objects(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _objects(item, join_pointer(pointer, index))
        return
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        child = join_pointer(pointer, key)
        if key in _DATA or str(key).startswith("x-"):
            continue
        if key == "schema" or pointer == "/components/schemas":
            yield from _schema(value, child)
        else:
            yield from _objects(value, child)


def _schema(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if not isinstance(node, dict):
        return
    yield pointer, node
    for key, value in node.items():
        child = join_pointer(pointer, key)
        if key in _ONE_SCHEMA:
            if isinstance(value, list):  # 3.0's tuple form, refused by validation; tolerated here
                for index, item in enumerate(value):
                    yield from _schema(item, join_pointer(child, index))
            else:
                yield from _schema(value, child)
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            for index, item in enumerate(value):
                yield from _schema(item, join_pointer(child, index))
        elif key in _SCHEMA_MAPS and isinstance(value, dict):
            for name, item in value.items():
                yield from _schema(item, join_pointer(child, name))


def _rewritten(schema: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """`schema` without `nullable`, and the spelling it stands for (None: it changes nothing)."""
    rest = {key: value for key, value in schema.items() if key != "nullable"}
    if schema["nullable"] is not True:
        return rest, None
    types = rest.get("type")
    if isinstance(types, str) and not any(key in rest for key in _COMPOSITIONS):
        return {**rest, "type": [types, "null"]}, f"type: [{types}, 'null']"
    if isinstance(types, list) and not any(key in rest for key in _COMPOSITIONS):
        listed = ", ".join(str(t) for t in types)
        return {**rest, "type": types if "null" in types else [*types, "null"]}, f"type: [{listed}, 'null']"
    if types is None and not any(key in rest for key in _COMPOSITIONS):
        return rest, None  # no type: null is already allowed
    outer = {key: value for key, value in rest.items() if key in _ANNOTATIONS or str(key).startswith("x-")}
    core = {key: value for key, value in rest.items() if key not in outer}
    what = f"$ref: {core['$ref']!r}" if set(core) == {"$ref"} else ", ".join(f"{key}: ..." for key in core)
    return {**outer, "anyOf": [core, {"type": "null"}]}, f"anyOf: [{{{what}}}, {{type: 'null'}}]"


def nullable_in_31(doc: SpecDocument) -> list[tuple[str, str | None]]:
    """(pointer, the spelling it stands for) of each schema of a 3.1 document that has `nullable`."""
    if not str(doc.data.get("openapi", "")).startswith("3.1"):
        return []
    return [
        (pointer, _rewritten(schema)[1])
        for pointer, schema in schemas(doc.data)
        if isinstance(schema.get("nullable"), bool)
    ]


def nullable_notices(doc: SpecDocument) -> list[Diagnostic]:
    """A located warning for each `nullable` in a 3.1 document, saying how it is read."""
    found = []
    for pointer, spelling in nullable_in_31(doc):
        if spelling is None:
            message = "`nullable` is not a keyword in OpenAPI 3.1; here it changes nothing and is ignored"
            hint = "remove it: in 3.1 a schema allows null when its `type` lists 'null'"
        else:
            message = f"`nullable` is not a keyword in OpenAPI 3.1; read as `{spelling}`"
            hint = f"write `{spelling}` instead"
        found.append(replace(doc.diagnostic(join_pointer(pointer, "nullable"), message, hint), severity="warning"))
    return found


def normalized(doc: SpecDocument) -> SpecDocument:
    """A copy of `doc` in the forms the models and IR stages read (the document itself is unchanged):
    without the parts `x-sdk-ignore` leaves out, and `nullable` in 3.1 as type-or-null."""
    from .ignore import without_ignored  # which finds schemas with this module

    doc = without_ignored(doc)
    changes = nullable_in_31(doc)
    if not changes:
        return doc
    data: Any = doc.data
    moved = dict(doc.moved)
    # Inner schemas first: a rewrite changes only the schema's own keywords, so an outer schema
    # rewritten later carries the inner rewrites with it.
    for pointer, _ in sorted(changes, key=lambda change: -len(split_pointer(change[0]))):
        schema, _ = _rewritten(_get(data, pointer))
        data = replaced_at(data, split_pointer(pointer), schema)
        if "anyOf" in schema and schema["anyOf"] is not _get(doc.data, pointer).get("anyOf"):
            moved[join_pointer(pointer, "anyOf", 0)] = pointer
    return replace(doc, data=data, moved=moved)


def _get(data: Any, pointer: str) -> Any:
    node = data
    for token in split_pointer(pointer):
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node
