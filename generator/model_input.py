"""The schemas as the models stage reads them: the same document, with what one model class per
schema cannot express, or datamodel-code-generator reads otherwise than the OpenAPI specification,
rewritten to what it means for a class that both parses responses and builds requests.

- `readOnly` and `writeOnly` properties are not `required` (OpenAPI 3.0 §4.7.25 "Schema Object":
  a required readOnly property applies to responses only, a writeOnly one to requests only; one
  class serves both). Which request arguments are required is still read from the spec itself.
- An `enum` listing `null` is the enum without it, or null: `anyOf: [<enum>, {type: 'null'}]`
  (JSON Schema 2020-12 §6.1.2), the form that gives `Enum | None`; otherwise null parses to a
  truthy enum member. A component that is such an enum stays the enum, each reference to it
  becoming "it, or null", so that its class keeps the component's name.
- `anyOf: [<one type with its constraints>, {type: 'null'}]` is `type: [<type>, 'null']` with
  those constraints: the same values, typed `int | None` rather than a RootModel class.
- `nullable: false` is dropped: it is the default (OpenAPI 3.0), and datamodel-code-generator reads
  it as "present but not null", typing an optional field `int = None`.
- A `pattern` pydantic's regular expressions cannot run as ECMA-262 means it (look-around,
  backreferences) is moved into the description, not enforced: the document stays valid, the
  models import on every pydantic the SDK supports, and the server still checks the value.
- Properties that take one Python field name (`vendor.name` and `vendor_name`) are ordered so that
  the one whose name is already that Python name comes first and keeps it; the other gets the
  models stage's `_1` (numbered in document order among those that collide).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from .diagnostics import join_pointer
from .names import snake

# Keys whose values are data (examples, defaults), never schemas.
DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "x-examples"})


@dataclass
class ModelInput:
    data: dict[str, Any]
    # (pointer of the property renamed, its name, the property that kept the Python name, that name)
    renamed: list[tuple[str, str, str, str]] = field(default_factory=list)
    # (pointer of a `pattern` the models do not enforce, the pattern, why)
    unenforced: list[tuple[str, str, str]] = field(default_factory=list)


def model_input(data: dict[str, Any]) -> ModelInput:
    """A rewritten copy of the document; `data` itself is not changed."""
    found = ModelInput({})
    result = _rewrite(_nullable_enum_components(data), "", found)
    assert isinstance(result, dict)
    found.data = result
    return found


def _nullable_enum_components(data: dict[str, Any]) -> dict[str, Any]:
    """A component that is an enum listing `null` as the enum without it, each reference to it as
    "it, or null": the class keeps the component's name (as an `anyOf` it would be a RootModel
    around an enum named twice, `KindKind`)."""
    schemas = (data.get("components") or {}).get("schemas") or {}
    nullable = {
        name
        for name, schema in schemas.items()
        if isinstance(schema, dict)
        and isinstance(schema.get("enum"), list)
        and None in schema["enum"]
        and any(value is not None for value in schema["enum"])
    }
    if not nullable:
        return data
    refs = {f"#/components/schemas/{name.replace('~', '~0').replace('/', '~1')}" for name in nullable}

    def without_null(schema: dict[str, Any]) -> dict[str, Any]:
        types = schema.get("type")
        kept = [t for t in types if t != "null"] if isinstance(types, list) else types
        enum = [value for value in schema["enum"] if value is not None]
        result = {**schema, "enum": enum}
        result.pop("nullable", None)
        if kept is not None:
            result["type"] = kept[0] if isinstance(kept, list) and len(kept) == 1 else kept
        return result

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(item) for item in node]
        if not isinstance(node, dict):
            return node
        if set(node) == {"$ref"} and node["$ref"] in refs:
            return {"anyOf": [node, {"type": "null"}]}
        return {key: value if key in DATA_KEYS else walk(value) for key, value in node.items()}

    walked = walk(data)
    walked["components"]["schemas"] = {
        name: without_null(schema) if name in nullable else schema
        for name, schema in walked["components"]["schemas"].items()
    }
    return walked


def _rewrite(node: Any, pointer: str, found: ModelInput) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, join_pointer(pointer, index), found) for index, item in enumerate(node)]
    if not isinstance(node, dict):
        return node
    schema = {
        key: (value if key in DATA_KEYS else _rewrite(value, join_pointer(pointer, key), found))
        for key, value in node.items()
    }
    if schema.get("nullable") is False:
        del schema["nullable"]
    properties = schema.get("properties")
    if isinstance(properties, dict):
        if isinstance(schema.get("required"), list):
            schema["required"] = [name for name in schema["required"] if not _one_way(properties.get(name))]
        schema["properties"] = _identifiers_first(properties, join_pointer(pointer, "properties"), found)
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and isinstance(schema.get("type", "string"), (str, list)):
        reason = unenforceable(pattern)
        if reason:
            del schema["pattern"]
            note = f"Pattern (not checked by the SDK): `{pattern}`"
            schema["description"] = f"{schema['description']}\n\n{note}" if schema.get("description") else note
            found.unenforced.append((join_pointer(pointer, "pattern"), pattern, reason))
    enum = schema.get("enum")
    if isinstance(enum, list) and None in enum and any(v is not None for v in enum):
        return _enum_or_null(schema)
    return _type_or_null(schema)


def _one_way(prop: Any) -> bool:
    return isinstance(prop, dict) and (prop.get("readOnly") is True or prop.get("writeOnly") is True)


def _identifiers_first(properties: dict[str, Any], pointer: str, found: ModelInput) -> dict[str, Any]:
    groups: dict[str, list[str]] = {}
    for name in properties:
        groups.setdefault(snake(name), []).append(name)
    if all(len(names) == 1 for names in groups.values()):
        return properties
    ordered: dict[str, Any] = {}
    for name in properties:
        python_name = snake(name)
        names = groups[python_name]
        if len(names) > 1 and python_name in names:
            names.remove(python_name)
            names.insert(0, python_name)
            ordered.setdefault(python_name, properties[python_name])
        ordered.setdefault(name, properties[name])
    for python_name, names in groups.items():
        for number, name in enumerate(names[1:], start=1):
            found.renamed.append((join_pointer(pointer, name), name, names[0], f"{python_name}_{number}"))
    return ordered


def _enum_or_null(schema: dict[str, Any]) -> dict[str, Any]:
    enum = dict(schema)
    enum["enum"] = [v for v in schema["enum"] if v is not None]
    enum.pop("nullable", None)
    types = enum.get("type")
    if isinstance(types, list):
        kept = [t for t in types if t != "null"]
        enum["type"] = kept[0] if len(kept) == 1 else kept
    outer = {key: schema[key] for key in ("title", "description", "default", "deprecated") if key in schema}
    return {**outer, "anyOf": [enum, {"type": "null"}]}


@functools.cache
def unenforceable(pattern: str) -> str | None:
    """Why pydantic cannot check an ECMA-262 `pattern` (OpenAPI 3.1 §4.8.24.1) as the API means it,
    if it cannot: its regular expressions are the Rust regex crate's, with no look-around or
    backreferences, and `[:alpha:]` inside a class is a POSIX class there, literal characters in
    ECMA-262."""
    from pydantic_core import SchemaValidator, core_schema

    if re.search(r"\[[^\]]*\[:\^?[a-z]+:\]", pattern):
        return "a POSIX class such as [:alpha:] means other characters in pydantic's regular expressions"
    try:
        SchemaValidator(core_schema.str_schema(pattern=pattern, regex_engine="rust-regex"))
    except Exception as exc:  # pydantic_core.SchemaError; any failure means the same here
        first = str(exc).strip().splitlines()[-1].strip()
        return f"pydantic's regular expressions cannot run it ({first})"
    return None


# Keywords that constrain one type only (JSON Schema 2020-12 §6.2-6.5), and annotations: a schema of
# these and one `type` admits null exactly when `type` lists "null" too.
_ONE_TYPE_KEYWORDS = frozenset(
    {
        *("type", "format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"),
        *("minLength", "maxLength", "pattern", "items", "minItems", "maxItems", "uniqueItems"),
        *("properties", "required", "additionalProperties", "minProperties", "maxProperties"),
        *("title", "description", "default", "example", "examples", "deprecated", "readOnly", "writeOnly"),
    }
)
_OUTER_KEYWORDS = frozenset({"title", "description", "default", "example", "examples", "deprecated"})


def _type_or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """`anyOf: [{type: integer, minimum: 1}, {type: 'null'}]` as `type: [integer, 'null'], minimum: 1`,
    the same values: datamodel-code-generator makes the first a RootModel class whose field then
    takes a plain default (`n: EditN | None = 1`) mypy refuses, or an argument a plain value cannot fill."""
    for keyword in ("anyOf", "oneOf"):
        options = schema.get(keyword)
        if not (isinstance(options, list) and len(options) == 2 and {"type": "null"} in options):
            continue
        other = options[1 - options.index({"type": "null"})]
        if not (
            isinstance(other, dict)
            and isinstance(other.get("type"), str)
            and other["type"] != "null"
            and set(other) <= _ONE_TYPE_KEYWORDS
            and set(schema) - {keyword} <= _OUTER_KEYWORDS
            and not (set(schema) & set(other) - {keyword})
        ):
            continue
        outer = {key: value for key, value in schema.items() if key != keyword}
        return {**outer, **other, "type": [other["type"], "null"]}
    return schema
