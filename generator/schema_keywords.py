"""Where an OpenAPI document holds schemas: the keywords of a Schema Object that hold others."""

from __future__ import annotations

# Keywords whose value is one schema, a list of schemas, or a map of names to schemas.
ONE_SCHEMA = (
    "items",
    "not",
    "additionalProperties",
    "additionalItems",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
# Keywords that hold data, not OpenAPI objects: never searched for schemas.
DATA = ("example", "examples", "default", "enum", "const", "value")
