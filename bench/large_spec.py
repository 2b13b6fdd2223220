"""A large OpenAPI 3.1 document, made programmatically and deterministically, for scale tests.

`python bench/large_spec.py OUT.yaml --operations 300 --schemas 800` writes one. Its schemas mix
the shapes real specs have: scalars with formats, nullable fields, enums, arrays and maps of other
schemas, allOf extension, oneOf unions with a discriminator, and a recursive tree; its operations
list, read, create, replace and delete resources grouped under tags, with path and query
parameters, JSON bodies, and error responses.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

SCALARS: list[dict[str, Any]] = [
    {"type": "string"},
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "uuid"},
    {"type": "string", "format": "uri"},
    {"type": "integer", "format": "int64"},
    {"type": "number", "format": "double"},
    {"type": "boolean"},
    {"type": ["string", "null"]},
    {"type": "string", "maxLength": 64, "pattern": "^[a-z0-9-]+$"},
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _schema(index: int) -> dict[str, Any]:
    """Schema number `index`: its shape cycles, and it refers only to lower-numbered schemas."""
    kind = index % 8
    if kind == 0 or index < 4:
        return {"type": "string", "description": f"State {index}", "enum": [f"s{index}_{k}" for k in range(4)]}
    properties: dict[str, Any] = {"id": {"type": "string"}}
    for field in range(6):
        properties[f"field_{field}"] = dict(SCALARS[(index + field) % len(SCALARS)], description=f"Field {field}")
    properties["state"] = _ref(f"S{(index // 8) * 8:04d}")
    schema: dict[str, Any] = {
        "type": "object",
        "description": f"Record {index}",
        "required": ["id"],
        "properties": properties,
    }
    earlier_index = (index // 16) * 8 + 1  # a plain object schema (shape 1) defined before this one
    earlier = f"S{earlier_index:04d}"
    if earlier_index < 9:
        return schema
    if kind == 1:
        properties["items"] = {"type": "array", "items": _ref(earlier)}
    elif kind == 2:
        properties["by_key"] = {"type": "object", "additionalProperties": _ref(earlier)}
    elif kind == 3:
        return {"allOf": [_ref(earlier), {"type": "object", "properties": {"extra": {"type": "integer"}}}]}
    elif kind == 4:
        properties["related"] = _ref(earlier)
    elif kind == 5:
        properties["parent"] = _ref(f"S{index:04d}")  # recursive
    elif kind == 6:
        properties["kind"] = {"type": "string", "const": f"k{index}"}
    elif kind == 7:
        options = [f"S{i:04d}" for i in range(index - 1, 0, -1) if i % 8 == 6][:3]
        if len(options) >= 2:
            mapping = {f"k{name[1:].lstrip('0')}": f"#/components/schemas/{name}" for name in options}
            properties["choice"] = {
                "oneOf": [_ref(name) for name in options],
                "discriminator": {"propertyName": "kind", "mapping": mapping},
            }
    return schema


def large_spec(operations: int = 300, schemas: int = 800, tags: int = 20) -> dict[str, Any]:
    components = {f"S{i:04d}": _schema(i) for i in range(schemas)}
    components["Problem"] = {"type": "object", "properties": {"message": {"type": "string"}}}
    objects = [name for name, s in components.items() if s.get("type") == "object" and name != "Problem"]
    paths: dict[str, Any] = {}
    error = {"description": "Not found", "content": {"application/json": {"schema": _ref("Problem")}}}
    for number in range(operations):
        resource = f"r{number // 5:03d}"
        tag = f"Group {number // 5 % tags:02d}"
        model = objects[number % len(objects)]
        body = {"required": True, "content": {"application/json": {"schema": _ref(model)}}}
        ok = {"description": "OK", "content": {"application/json": {"schema": _ref(model)}}}
        item_path = f"/{resource}/{{itemId}}"
        id_param = {"name": "itemId", "in": "path", "required": True, "schema": {"type": "string"}}
        shape = number % 5
        if shape == 0:
            paths.setdefault(f"/{resource}", {})["get"] = {
                "operationId": f"list{resource.title()}",
                "tags": [tag],
                "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 20}},
                    {"name": "cursor", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {"200": ok},
            }
        elif shape == 1:
            paths.setdefault(f"/{resource}", {})["post"] = {
                "operationId": f"create{resource.title()}",
                "tags": [tag],
                "requestBody": body,
                "responses": {"201": ok, "400": error},
            }
        elif shape == 2:
            paths.setdefault(item_path, {})["get"] = {
                "operationId": f"get{resource.title()}",
                "tags": [tag],
                "parameters": [id_param],
                "responses": {"200": ok, "404": error},
            }
        elif shape == 3:
            paths.setdefault(item_path, {})["put"] = {
                "operationId": f"replace{resource.title()}",
                "tags": [tag],
                "parameters": [id_param],
                "requestBody": body,
                "responses": {"200": ok, "404": error},
            }
        else:
            paths.setdefault(item_path, {})["delete"] = {
                "operationId": f"delete{resource.title()}",
                "tags": [tag],
                "parameters": [id_param],
                "responses": {"204": {"description": "Deleted"}, "404": error},
            }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Large API", "version": "1.0.0"},
        "servers": [{"url": "https://large.example/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}, "schemas": components},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--operations", type=int, default=300)
    parser.add_argument("--schemas", type=int, default=800)
    args = parser.parse_args()
    document = large_spec(args.operations, args.schemas)
    args.output.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


if __name__ == "__main__":
    main()
