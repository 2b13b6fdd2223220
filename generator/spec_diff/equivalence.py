"""Do two schemas accept the same values? Their validation form: what is left of a schema once its
`$ref`s are followed and its annotations dropped (oasdiff's validation equivalence)."""

from __future__ import annotations

import json
from typing import Any

from ..diagnostics import join_pointer
from ..load import SpecDocument

# Keywords that describe a schema without constraining it (JSON Schema's meta-data vocabulary).
ANNOTATIONS = frozenset(
    {"title", "description", "default", "example", "examples", "externalDocs", "$comment", "deprecated"}
)
_SUBSCHEMA = frozenset(
    {"items", "additionalProperties", "not", "contains", "if", "then", "else", "propertyNames"}
    | {"unevaluatedItems", "unevaluatedProperties", "contentSchema"}
)
_SUBSCHEMA_LISTS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SUBSCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs"})

# Shared schemas are expanded at each use: past this many schemas a form is not worked out (and so
# equals nothing), which leaves the schemas to the ordinary, budgeted comparison.
MAX_FORM_SCHEMAS = 5_000


class _TooLarge(Exception):
    pass


def validation_form(doc: SpecDocument, node: Any, pointer: str, skip: tuple[str, ...] = ()) -> Any:
    """The schema as the values it accepts: `$ref`s followed, annotations and extensions dropped,
    `type` and `required` as sorted lists. Two schemas with the same form validate the same; a
    schema too large to expand has a form equal to no other."""
    expanded = 0

    def form_of(node: Any, pointer: str, refs: frozenset[str], skip: tuple[str, ...] = ()) -> Any:
        nonlocal expanded
        expanded += 1
        if expanded > MAX_FORM_SCHEMAS:
            raise _TooLarge
        ref = node.get("$ref") if isinstance(node, dict) else None
        if isinstance(ref, str):
            if ref in refs:
                return {"$ref": ref}  # a recursive schema: compared by its name below the first level
            refs = refs | {ref}
        node, pointer = doc.resolve(node, pointer)
        if not isinstance(node, dict):
            return node
        form: dict[str, Any] = {}
        for key, value in node.items():
            key = str(key)
            if key in ANNOTATIONS or key.startswith("x-") or key in skip:
                continue
            at = join_pointer(pointer, key)
            if key in _SUBSCHEMA and isinstance(value, dict):
                form[key] = form_of(value, at, refs)
            elif key in _SUBSCHEMA_LISTS and isinstance(value, list):
                form[key] = [form_of(v, join_pointer(at, i), refs) for i, v in enumerate(value)]
            elif key in _SUBSCHEMA_MAPS and isinstance(value, dict):
                form[key] = {str(k): form_of(v, join_pointer(at, k), refs) for k, v in value.items()}
            elif key == "type":
                form[key] = sorted(map(str, value)) if isinstance(value, list) else [str(value)]
            elif key == "required" and isinstance(value, list):
                form[key] = sorted(map(str, value))
            else:
                form[key] = value
        return form

    try:
        return form_of(node, pointer, frozenset(), skip)
    except _TooLarge:
        return object()


def canonical(value: Any) -> str:
    """A JSON value as text that is equal for equal values (keys sorted)."""
    return json.dumps(value, sort_keys=True, default=str)


def annotation_only(doc: SpecDocument, node: Any, pointer: str) -> bool:
    """Does the schema accept every value, saying only what it is (a `title`, a `description`)?"""
    return bool(validation_form(doc, node, pointer) == {})


def same_values(base: SpecDocument, old: Any, old_pointer: str, head: SpecDocument, new: Any, new_pointer: str) -> bool:
    """Do two schemas, one in each document, accept the same values?"""
    return bool(validation_form(base, old, old_pointer) == validation_form(head, new, new_pointer))
