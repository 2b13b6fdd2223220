"""Does a document conform to the OpenAPI specification? openapi-spec-validator, in two passes.

Its pure-Python JSON Schema engine spends seconds on a spec with hundreds of schemas (each schema
is checked against the 3.1 dialect, whose `$dynamicRef`s are slow to resolve). So a first pass
runs the same validator with the document and dialect meta-schemas checked by jsonschema-rs (the
engine openapi-spec-validator itself offers as a backend) and only answers "valid or not". Only a
document that fails it is validated again in pure Python, for the errors with their instances and
paths, which the diagnostics need to point at the right line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import cache
from typing import Any

import jsonschema_rs
import regress
from jsonschema.exceptions import SchemaError, ValidationError
from jsonschema.validators import validator_for
from jsonschema_path.paths import SchemaPath
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.schemas import schema_v30, schema_v31
from openapi_spec_validator.validation import keywords
from openapi_spec_validator.validation.exceptions import ExtraParametersError
from openapi_spec_validator.validation.validators import SpecValidator

_SPEC_VALIDATORS: dict[str, type[SpecValidator]] = {"3.0": OpenAPIV30SpecValidator, "3.1": OpenAPIV31SpecValidator}
_DOCUMENT_SCHEMAS = {"3.0": schema_v30, "3.1": schema_v31}
_OAS31_META_BASE = "https://spec.openapis.org/oas/3.1/meta/base"


def is_valid(data: dict[str, Any], version: str) -> bool:
    """True when openapi-spec-validator would report no error (the quick pass).

    False also when the quick pass cannot run, so that the detailed one decides."""
    try:
        validator = _validator_class(version, quick=True, default_dialect="jsonSchemaDialect" not in data)
        return next(iter(validator(data).iter_errors()), None) is None
    except Exception:  # noqa: BLE001 - the detailed pass reports whatever this one tripped over
        return False


def iter_errors(data: dict[str, Any], version: str) -> Iterator[Any]:
    """openapi-spec-validator's errors, each with its instance and its path from the document's root
    (the detailed pass).

    The path may pass through `$ref`s (the validator follows them); it is the path of the failing
    value, never of an enclosing object the validator happened to be checking.

    OpenAPI's patterns are ECMA-262's (JSON Schema 2020-12 §6.3.3): openapi-schema-validator checks
    the `regex` format with regress, an ECMA-262 engine, and a pattern valid only with the `u` flag
    (`\\p{L}`) is not an error either."""
    validator = _validator_class(version, quick=False, default_dialect=False)(data)
    return (error for error in validator.iter_errors() if not _only_python_refuses(error))


def document_errors(data: dict[str, Any], version: str) -> Iterator[Any]:
    """The document checked against the OpenAPI specification's JSON Schema alone, each error with
    its path: where openapi-spec-validator's own checks stop at a malformed document."""
    schema = _DOCUMENT_SCHEMAS[version]
    validator = validator_for(schema)(schema)
    return (error for error in validator.iter_errors(data) if not _only_python_refuses(error))


def _only_python_refuses(error: Any) -> bool:
    if getattr(error, "validator", None) != "format" or getattr(error, "validator_value", None) != "regex":
        return False
    return isinstance(error.instance, str) and is_ecma_regex(error.instance)


def is_ecma_regex(pattern: str) -> bool:
    """Is `pattern` an ECMA-262 regular expression, with or without the `u` flag?

    Checked by regress, an implementation of ECMA-262's grammar, Annex B included: `[\\w-.]` is
    a class of `\\w`, `-` and `.` there, and an error in Python's `re`."""
    for flags in ("", "u"):
        try:
            regress.Regex(pattern, flags)
        except regress.RegressError:
            continue
        return True
    return False


def _located(cls: type[keywords.KeywordValidator], suffix: tuple[str, ...] = ()) -> type[keywords.KeywordValidator]:
    """`cls`, whose errors carry their path from the document's root.

    openapi-spec-validator's keyword validators (a schema's meta-schema check, its `default`
    against the schema, `required` naming no property, duplicate parameters) report paths relative
    to the value they were checking, or none at all; this prefixes the path of that value (the
    innermost validator's, which saw the error first)."""

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        base = next((tuple(arg.parts) for arg in args if isinstance(arg, SchemaPath)), None)
        for error in cls.__call__(self, *args, **kwargs):
            if base is not None and not getattr(error, "_sdkgen_located", False):
                error._sdkgen_located = True  # type: ignore[attr-defined]
                where = (*base, *(suffix or _ERROR_SUFFIXES.get(type(error), ())))
                error.path.extendleft(reversed(where))
            yield error

    return type(f"Located{cls.__name__}", (cls,), {"__call__": __call__})


# Errors about a keyword of the object checked, rather than about the object.
_ERROR_SUFFIXES: dict[type[Exception], tuple[str, ...]] = {ExtraParametersError: ("required",)}


@cache
def _validator_class(version: str, quick: bool, default_dialect: bool) -> type[SpecValidator]:
    base = _SPEC_VALIDATORS[version]
    schema = dict(_DOCUMENT_SCHEMAS[version])
    attributes: dict[str, Any] = {}
    if quick:
        attributes["schema_validator"] = _QuickDocumentValidator(schema)
        if version == "3.1" and default_dialect:
            attributes["keyword_validators"] = {**base.keyword_validators, "schema": _QuickOAS31SchemaValidator}
    else:
        # Chosen explicitly: with jsonschema-rs installed the validator's default backend is the
        # quick one, whose errors carry neither the failing instance nor a usable path.
        attributes["schema_validator"] = validator_for(schema)(schema)
        attributes["keyword_validators"] = {
            keyword: _located(cls, ("default",) if keyword == "default" else ())
            for keyword, cls in base.keyword_validators.items()
        }
    return type(f"{'Quick' if quick else 'Detailed'}{base.__name__}", (base,), attributes)


class _QuickDocumentValidator:
    """The document against the OpenAPI meta-schema, in Rust; yields one error when it fails."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self._validator = jsonschema_rs.validator_for(schema)

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        if not self._validator.is_valid(instance):
            yield ValidationError("the document does not conform to the OpenAPI schema")


class _QuickOAS31SchemaValidator(keywords.OpenAPIV31SchemaValidator):
    """Checks schemas in the default 3.1 dialect with jsonschema-rs; those naming their own `$schema`
    as before."""

    def _get_schema_checker(self, schema: Any, schema_value: Any) -> Callable[[Any], None]:
        if isinstance(schema_value, Mapping) and "$schema" in schema_value:
            return super()._get_schema_checker(schema, schema_value)
        return _check_oas31_schema


def _check_oas31_schema(schema: Any) -> None:
    if not _oas31_dialect().is_valid(schema):
        raise SchemaError("the schema does not conform to the OpenAPI 3.1 dialect")


@cache
def _oas31_dialect() -> Any:
    # openapi-schema-validator's own copy of the OAS 3.1 vocabulary, which it exposes no other way;
    # if that changes, `is_valid` fails over to the detailed pass (tests/test_conformance.py).
    from openapi_schema_validator._specifications import REGISTRY

    meta = OAS31Validator.META_SCHEMA
    registry = jsonschema_rs.Registry([(meta["$id"], meta), (_OAS31_META_BASE, REGISTRY.contents(_OAS31_META_BASE))])
    return jsonschema_rs.validator_for(meta, registry=registry, validate_formats=True)
