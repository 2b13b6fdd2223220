"""Stage 2: is the document a valid OpenAPI 3.0/3.1 spec the generator can turn into Python?

Every problem is a located Diagnostic (file:line:col, JSON pointer, hint where one is known).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import best_match

from .diagnostics import Diagnostic, SpecError, join_pointer, split_pointer
from .ir import PathKey
from .load import SpecDocument
from .names import RESERVED_METHODS, is_identifier, keyword_note, operation_basis, parameter_name, pascal, snake

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_VERSION = re.compile(r"^3\.(0|1)\.\d+$")


def validate(doc: SpecDocument, sdk: bool = True) -> None:
    """Raises SpecError with every problem found; returns quietly on a usable spec (with
    `sdk=False`, on a valid OpenAPI document that sdkgen might not generate an SDK from)."""
    check_references(doc)
    problems = validation_problems(doc, sdk=sdk)
    if problems:
        raise SpecError(problems)


def check_references(doc: SpecDocument) -> None:
    """The quick checks every later stage relies on: a known OpenAPI version, and `$ref`s that resolve."""
    _check_version(doc)
    problems = list(_check_refs(doc))
    if problems:
        raise SpecError(problems)


def validation_problems(doc: SpecDocument, conforming: bool = False, sdk: bool = True) -> list[Diagnostic]:
    """The slow checks (the OpenAPI schema, then sdkgen's own), on a document that passed `check_references`.

    `conforming`: `conforms(doc)` already said yes, so the OpenAPI schema is not checked again.
    `sdk`: include what sdkgen needs to generate an SDK (`sdk_checks`), beyond valid OpenAPI."""
    version = _check_version(doc)
    schema_errors = [] if conforming else list(_schema_errors(doc, version))
    found = [*schema_errors, *openapi_rule_checks(doc), *(sdk_checks(doc) if sdk else [])]
    return list(dict.fromkeys(found))  # a path's own parameter is checked once per operation


def conforms(doc: SpecDocument) -> bool:
    """The quick pass alone: does the document conform to the OpenAPI specification?"""
    from . import conformance

    return conformance.is_valid(doc.data, _check_version(doc))


def _check_version(doc: SpecDocument) -> str:
    data = doc.data
    if "swagger" in data:
        raise SpecError(
            [
                doc.diagnostic(
                    "/swagger",
                    f"Swagger {data['swagger']} documents are not supported",
                    "convert it to OpenAPI 3 first (for example with swagger2openapi)",
                )
            ]
        )
    if "openapi" not in data:
        raise SpecError([doc.diagnostic("", "not an OpenAPI document: the 'openapi' version field is missing")])
    version = str(data["openapi"])
    match = _VERSION.match(version)
    if not match:
        raise SpecError(
            [
                doc.diagnostic(
                    "/openapi",
                    f"unsupported OpenAPI version {version!r}",
                    "sdkgen reads OpenAPI 3.0.x and 3.1.x documents",
                )
            ]
        )
    return "3." + match.group(1)


def walk(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    yield pointer, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, join_pointer(pointer, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, join_pointer(pointer, index))


def _check_refs(doc: SpecDocument) -> Iterator[Diagnostic]:
    cycles: set[frozenset[str]] = set()
    for pointer, node in walk(doc.data):
        if any(token.startswith("x-") for token in split_pointer(pointer)):
            continue  # a specification extension's value is free-form (OpenAPI §4.9)
        if isinstance(node, dict) and "$ref" in node:
            try:
                doc.resolve(node, pointer)
            except SpecError as exc:
                for problem in exc.diagnostics:
                    members = frozenset(problem.message.removeprefix("reference cycle: ").split(" -> "))
                    if problem.message.startswith("reference cycle: ") and members in cycles:
                        continue  # the same cycle, entered from another of its members
                    cycles.add(members)
                    yield problem


def _schema_errors(doc: SpecDocument, version: str) -> Iterator[Diagnostic]:
    # Imported here: on a large document this runs in a forked worker, which then pays the import
    # (a quarter of a second) while the parent generates the models.
    from . import conformance

    if conformance.is_valid(doc.data, version):
        return
    try:
        errors = list(conformance.iter_errors(doc.data, version))
    except Exception as exc:  # the validator's own failure on a malformed document
        errors = list(conformance.document_errors(doc.data, version))
        if not errors:
            yield doc.diagnostic("", f"the OpenAPI validator could not read the document: {exc!r}")
            return
    seen: set[str] = set()
    for error in errors:
        if str(getattr(error, "message", "")).startswith(("Operation ID ", "Path parameter ")):
            continue  # sdkgen's own checks report these, located
        relative = [str(token) for token in getattr(error, "absolute_path", [])]
        instance = getattr(error, "instance", None)
        misplaced = _other_version_syntax(instance, version)
        if misplaced is not None:
            inner, keyword = misplaced
            pointer = _written(doc, relative) + inner
            if pointer not in seen:
                seen.add(pointer)
                message = f"`{keyword}` is written in OpenAPI {'3.1' if version == '3.0' else '3.0'} syntax"
                yield doc.diagnostic(
                    pointer, message, _hint(relative + split_pointer(inner), doc.get(pointer), version)
                )
            continue
        error = _most_specific(error)
        relative = [str(token) for token in getattr(error, "absolute_path", [])]
        instance = getattr(error, "instance", None)
        pointer = _written(doc, relative)
        unexpected = _unexpected_keyword(error)
        message = _message(error)
        if unexpected is not None:
            pointer, relative = join_pointer(pointer, unexpected), relative + [unexpected]
            message = f"unexpected keyword {unexpected!r} ({message})"
        if pointer in seen:
            continue  # the document's schema and a keyword check both failing one value
        seen.add(pointer)
        yield doc.diagnostic(pointer, message, _hint(relative, instance, version))


def _most_specific(error: Any) -> Any:
    """The error among a `oneOf`/`anyOf` failure's alternatives that says what is wrong.

    The OpenAPI schemas allow a Reference Object wherever most objects may be, so a broken object
    is first reported as "not valid under any of the given schemas" at the object that encloses
    it; the alternative that is not a reference (when the value has no `$ref`) names the failing
    keyword, and its own alternatives are followed the same way."""
    while getattr(error, "context", None):
        candidates = [alternative for alternative in error.context if not _reference_alternative(alternative)]
        best = best_match(candidates) if candidates else None
        if best is None or best is error:
            break
        error = best
    return error


def _reference_alternative(error: Any) -> bool:
    instance = getattr(error, "instance", None)
    return (
        getattr(error, "validator", None) == "required"
        and getattr(error, "validator_value", None) == ["$ref"]
        and isinstance(instance, dict)
        and "$ref" not in instance
    )


def _unexpected_keyword(error: Any) -> str | None:
    """The first key an `additionalProperties: false` object does not allow, to point at it."""
    instance, schema = getattr(error, "instance", None), getattr(error, "schema", None)
    if getattr(error, "validator", None) != "additionalProperties" or not isinstance(instance, dict):
        return None
    if not isinstance(schema, dict):
        return None
    allowed = schema.get("properties") or {}
    patterns = list(schema.get("patternProperties") or {})
    for key in instance:
        if key not in allowed and not any(re.search(pattern, str(key)) for pattern in patterns):
            return str(key)
    return None


def _written(doc: SpecDocument, tokens: list[str]) -> str:
    """The pointer, in the document as written, of the value the validator reached by `tokens`
    from the root: the validator follows `$ref`s, so its path may pass through them."""
    node: Any = doc.data
    pointer = ""
    for token in tokens:
        for _ in range(64):  # a chain of references (a cycle was refused before this stage)
            if not (isinstance(node, dict) and token not in node and isinstance(node.get("$ref"), str)):
                break
            ref = node["$ref"]
            try:
                node, pointer = (doc.get(ref[1:]), ref[1:]) if ref.startswith("#") else (None, pointer)
            except KeyError:
                return pointer
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return pointer
        pointer = join_pointer(pointer, token)
    return pointer


def _other_version_syntax(instance: Any, version: str) -> tuple[str, str] | None:
    """(pointer inside `instance`, keyword) of the first 3.1 keyword in a 3.0 schema, or 3.0 one in 3.1,
    which the validator reports only as the enclosing schema matching none of its alternatives."""
    for inner, node in walk(instance):
        if not isinstance(node, dict):
            continue
        if version == "3.0" and isinstance(node.get("type"), list):
            return join_pointer(inner, "type"), "type"
        for bound in ("exclusiveMinimum", "exclusiveMaximum"):
            if version == "3.1" and isinstance(node.get(bound), bool):
                return join_pointer(inner, bound), bound
    return None


def _message(error: Any) -> str:
    message = str(getattr(error, "message", error))
    return message if len(message) <= 300 else message[:297] + "..."


def _hint(relative: list[str], instance: Any, version: str) -> str | None:
    last = relative[-1] if relative else ""
    if version == "3.1" and last in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(instance, bool):
        bound = "minimum" if last == "exclusiveMinimum" else "maximum"
        return f"`{last}: {str(instance).lower()}` is OpenAPI 3.0 syntax; in 3.1 write `{last}: <number>` instead of `{bound}`"
    if last == "type" and isinstance(instance, list) and version == "3.0":
        return "type lists are OpenAPI 3.1 syntax; in 3.0 write a single type and `nullable: true`"
    if last == "const" and version == "3.0":
        return "`const` is OpenAPI 3.1 syntax; in 3.0 write `enum: [<value>]`"
    if last == "required" and isinstance(instance, bool):
        return "in a schema, `required` is a list of property names, not a boolean"
    if isinstance(instance, dict) and instance.get("in") == "path" and instance.get("required") is not True:
        return "a path parameter needs `required: true`"
    return None


def operations(doc: SpecDocument) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(pointer, http method, path, operation) for every operation, in document order."""
    for path, _ in (doc.data.get("paths") or {}).items():
        item, item_pointer = path_item(doc, path)
        for method in HTTP_METHODS:
            operation = item.get(method)
            if isinstance(operation, dict):
                yield join_pointer(item_pointer, method), method, path, operation


def path_item(doc: SpecDocument, path: str) -> tuple[dict[str, Any], str]:
    """The Path Item of `path` and its pointer, through a `$ref` (OpenAPI 3.1 §4.8.9.1: a Path Item
    may refer to one under `components/pathItems`); an empty one if it is no object."""
    pointer = join_pointer("/paths", path)
    item = doc.data["paths"][path]
    if isinstance(item, dict) and isinstance(item.get("$ref"), str) and item["$ref"].startswith("#/"):
        try:
            item, pointer = doc.resolve(item, pointer)
        except SpecError:
            return {}, pointer
    return (item if isinstance(item, dict) else {}), pointer


def method_name(method: str, path: str, operation: dict[str, Any]) -> str:
    override = operation.get("x-sdk-name")
    if isinstance(override, str):
        return override
    return snake(operation_basis(method, path, operation.get("operationId")))


DEFAULT_TAG = "default"


RESOURCE = "x-sdk-resource"


def resource_tag(operation: dict[str, Any]) -> str:
    """What names an operation's resource: its `x-sdk-resource`, else its first tag; operations
    without either go to `default`."""
    if isinstance(operation.get(RESOURCE), str):
        return str(operation[RESOURCE])
    tags = operation.get("tags")
    return str(tags[0]) if isinstance(tags, list) and tags else DEFAULT_TAG


def openapi_rule_checks(doc: SpecDocument) -> Iterator[Diagnostic]:
    """The OpenAPI rules its JSON Schema cannot express, located: unique operationIds (§4.8.10),
    path parameters that match the path's template (§4.8.12), and header and cookie names that
    HTTP can carry (RFC 9110 §5.1)."""
    seen_ids: dict[str, str] = {}
    for pointer, _, path, operation in operations(doc):
        operation_id = operation.get("operationId")
        if isinstance(operation_id, str):
            if operation_id in seen_ids:
                yield doc.diagnostic(
                    join_pointer(pointer, "operationId"),
                    f"operationId {operation_id!r} is already used at {seen_ids[operation_id]}",
                    "operationIds must be unique: they name the generated methods",
                )
            seen_ids.setdefault(operation_id, pointer)
        yield from _header_name_checks(doc, pointer, operation)
        yield from _path_parameter_checks(doc, pointer, path, operation)


def sdk_checks(doc: SpecDocument) -> Iterator[Diagnostic]:
    """What sdkgen itself needs of a valid document: Python names for its methods, arguments and
    classes that do not collide, and well-formed `x-sdk-*` extensions."""
    from . import aliases, ignore, sdk_extensions  # which read operations as this module finds them

    seen_methods: dict[tuple[str, str], str] = {}
    seen_ids: set[str] = set()
    for pointer, method, path, operation in operations(doc):
        if ignore.is_ignored(operation):
            continue  # left out of the SDK: its names are not used
        operation_id = operation.get("operationId")
        if isinstance(operation_id, str):
            if operation_id in seen_ids:
                continue  # a duplicate, reported as an OpenAPI error
            seen_ids.add(operation_id)
        if "x-sdk-name" in operation and not isinstance(operation["x-sdk-name"], str):
            yield doc.diagnostic(
                join_pointer(pointer, "x-sdk-name"),
                f"the method's name must be a string, not {operation['x-sdk-name']!r}",
                "a Python name, such as `list` or `create`",
            )
            continue
        name = method_name(method, path, operation)
        if not is_identifier(name) or name.startswith("_") or name in RESERVED_METHODS:
            yield doc.diagnostic(
                join_pointer(pointer, "x-sdk-name" if "x-sdk-name" in operation else "operationId"),
                f"{name!r} is not a usable Python method name" + keyword_note(name),
                (
                    f"`{name}_` is one"
                    if keyword_note(name)
                    else "use letters, digits and underscores, not starting with a digit or underscore"
                )
                + (f"; {name!r} is taken by the SDK itself" if name in RESERVED_METHODS else ""),
            )
        key = (snake(resource_tag(operation)), name)
        if key in seen_methods:
            yield doc.diagnostic(
                pointer,
                f"method name {name!r} collides with the operation at {seen_methods[key]} in resource {key[0]!r}",
                "give one of them a different operationId or an `x-sdk-name`",
            )
        seen_methods.setdefault(key, pointer)
        yield from _parameter_name_checks(doc, pointer, operation)
        if IDEMPOTENCY in operation:
            yield from _idempotency_check(doc, join_pointer(pointer, IDEMPOTENCY), operation[IDEMPOTENCY])
        if RETRIES in operation:
            yield from _retries_check(doc, join_pointer(pointer, RETRIES), operation[RETRIES])
        if MAX_METHOD_PARAMS in operation:
            yield from _max_params_check(doc, join_pointer(pointer, MAX_METHOD_PARAMS), operation[MAX_METHOD_PARAMS])
    if IDEMPOTENCY in doc.data:
        yield from _idempotency_check(doc, join_pointer("", IDEMPOTENCY), doc.data[IDEMPOTENCY])
    if RETRIES in doc.data:
        yield from _retries_check(doc, join_pointer("", RETRIES), doc.data[RETRIES])
    if MAX_METHOD_PARAMS in doc.data:
        yield from _max_params_check(doc, join_pointer("", MAX_METHOD_PARAMS), doc.data[MAX_METHOD_PARAMS])
    if GLOBALS in doc.data:
        yield from _globals_check(doc, doc.data[GLOBALS])
    yield from _schema_name_checks(doc)
    yield from aliases.problems(doc)
    yield from ignore.checks(doc)
    yield from sdk_extensions.checks(doc)


HTTP_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# The extension naming the header that carries an idempotency key, on an operation or, for every
# POST and PATCH, at the top level; `false` turns it off.
IDEMPOTENCY = "x-sdk-idempotency"
# Headers the SDK sets itself, which cannot carry the key (lower case).
SDK_HEADERS = frozenset({"accept", "authorization", "content-length", "content-type", "cookie", "host", "user-agent"})


def _idempotency_check(doc: SpecDocument, pointer: str, value: Any) -> Iterator[Diagnostic]:
    """`x-sdk-idempotency` is a header name (an RFC 9110 token) the SDK does not set otherwise, or false."""
    hint = "`x-sdk-idempotency: Idempotency-Key` sends a key in that header; `false` turns a document-wide one off"
    if value is False:
        return
    if not isinstance(value, str):
        kinds = {
            bool: "true",
            type(None): "null",
            int: "a number",
            float: "a number",
            dict: "a mapping",
            list: "a list",
        }
        kind = kinds.get(type(value), type(value).__name__)
        yield doc.diagnostic(pointer, f"{IDEMPOTENCY} must be a header name or false, not {kind}", hint)
    elif not HTTP_TOKEN.match(value):
        yield doc.diagnostic(
            pointer,
            f"{IDEMPOTENCY} {value!r} is not a valid HTTP header name",
            "header names are letters, digits and !#$%&'*+.^_`|~- only (no spaces, colons, quotes, CR or LF)",
        )
    elif value.lower() in SDK_HEADERS | _api_key_headers(doc):
        yield doc.diagnostic(
            pointer,
            f"{IDEMPOTENCY} {value!r} names a header the SDK sets itself",
            "name a header of its own, such as Idempotency-Key",
        )


# Client-level parameters: `{parameters: [Parameter Object or $ref, ...]}` at the top level.
GLOBALS = "x-sdk-globals"
# The keywords the clients' constructors take besides the global parameters.
CLIENT_KEYWORDS = frozenset(
    {"api_key", "server_url", "timeout", "max_retries", "retry_non_idempotent", "http_client", "default_headers"}
    | {"max_response_bytes", "max_retry_after", "self"}
)
GLOBAL_LOCATIONS = ("header", "query", "path", "cookie")


def global_name(parameter: dict[str, Any]) -> str:
    """A global parameter's keyword in the clients' constructors: named as an argument is, with a
    trailing `_` where it would take one of the constructor's own keywords."""
    name = parameter_name(str(parameter.get("name")), parameter.get("x-sdk-name"))
    return name + "_" if name in CLIENT_KEYWORDS else name


def global_parameters(doc: SpecDocument) -> Iterator[tuple[str, dict[str, Any]]]:
    """(pointer, resolved Parameter Object) of each well-formed global parameter."""
    raw = doc.data.get(GLOBALS)
    parameters = raw.get("parameters") if isinstance(raw, dict) else None
    for index, item in enumerate(parameters if isinstance(parameters, list) else []):
        pointer = join_pointer("", GLOBALS, "parameters", index)
        try:
            parameter, pointer = doc.resolve(item, pointer)
        except SpecError:
            continue
        if (
            isinstance(parameter, dict)
            and parameter.get("in") in GLOBAL_LOCATIONS
            and isinstance(parameter.get("name"), str)
        ):
            yield pointer, parameter


def _globals_check(doc: SpecDocument, value: Any) -> Iterator[Diagnostic]:
    """`x-sdk-globals` holds `parameters`, a list of Parameter Objects (or `$ref`s to them), each
    with a name, a location and a schema, and a keyword of its own in the clients' constructors."""
    pointer = join_pointer("", GLOBALS)
    example = "x-sdk-globals: {parameters: [{name: X-Api-Version, in: header, schema: {type: string}}]}"
    if not isinstance(value, dict) or not isinstance(value.get("parameters"), list):
        yield doc.diagnostic(pointer, f"{GLOBALS} must be a mapping with a `parameters` list", example)
        return
    for key in value:
        if key != "parameters":
            yield doc.diagnostic(join_pointer(pointer, key), f"{GLOBALS} takes only `parameters`, not {key!r}", example)
    seen: dict[tuple[str, str], str] = {}
    keywords: dict[str, str] = {}
    for index, item in enumerate(value["parameters"]):
        written = join_pointer(pointer, "parameters", index)
        try:
            parameter, where = doc.resolve(item, written)
        except SpecError as exc:
            yield from exc.diagnostics
            continue
        if not isinstance(parameter, dict):
            yield doc.diagnostic(written, "a global parameter must be a Parameter Object or a $ref to one", example)
            continue
        name, location = parameter.get("name"), parameter.get("in")
        if not isinstance(name, str) or not name:
            yield doc.diagnostic(join_pointer(where, "name"), "a global parameter needs a `name`", example)
            continue
        if location not in GLOBAL_LOCATIONS:
            yield doc.diagnostic(
                join_pointer(where, "in"),
                f"global parameter {name!r} must be `in` header, query, path or cookie, not {location!r}",
            )
            continue
        if location in ("header", "cookie") and not HTTP_TOKEN.match(name):
            yield doc.diagnostic(join_pointer(where, "name"), f"{location} name {name!r} is not a valid HTTP token")
            continue
        if location == "header" and name.lower() in SDK_HEADERS | _api_key_headers(doc):
            yield doc.diagnostic(
                join_pointer(where, "name"),
                f"global header {name!r} is one the SDK sets itself",
                "the clients' `default_headers` send fixed headers",
            )
            continue
        if not isinstance(parameter.get("schema"), dict):
            yield doc.diagnostic(
                where,
                f"global parameter {name!r} needs a `schema`",
                "`content` is not supported for global parameters",
            )
            continue
        override = parameter.get("x-sdk-name")
        if override is not None and not (isinstance(override, str) and is_identifier(override)):
            yield doc.diagnostic(
                join_pointer(where, "x-sdk-name"),
                f"{override!r} is not a usable Python argument name" + keyword_note(str(override)),
            )
            continue
        key = (location, name.lower() if location == "header" else name)
        if key in seen:
            yield doc.diagnostic(
                where, f"the {location} parameter {name!r} is already a global parameter at {seen[key]}"
            )
            continue
        seen[key] = where
        keyword = global_name(parameter)
        if keyword in keywords:
            yield doc.diagnostic(
                where,
                f"global parameter {name!r} would be the client keyword {keyword!r}, as {keywords[keyword]!r} is",
                "name one of them with `x-sdk-name`",
            )
        keywords.setdefault(keyword, name)


# Retry settings: at the top level for every operation, or on one operation (which replaces them).
RETRIES = "x-sdk-retries"
_RETRY_KEYS = ("strategy", "backoff", "statusCodes", "retryConnectionErrors")
_BACKOFF_KEYS = ("initialInterval", "maxInterval", "maxElapsedTime", "exponent")
# Above this no backoff number means anything (a pause of 31 years, a factor of 1e12): finite, and
# a pause the runtime's clock and sleep can take.
_BACKOFF_MAX = 1e12
_STATUS_RANGE = re.compile(r"^[1-5]XX$", re.IGNORECASE)


def _retries_check(doc: SpecDocument, pointer: str, value: Any) -> Iterator[Diagnostic]:
    """`x-sdk-retries` has Speakeasy's shape: `strategy` (backoff or none), `backoff` (milliseconds
    and an exponent), `statusCodes` (429, "5XX") and `retryConnectionErrors`."""
    example = (
        "x-sdk-retries: {strategy: backoff, backoff: {initialInterval: 500, maxInterval: 60000,"
        " maxElapsedTime: 3600000, exponent: 1.5}, statusCodes: [429, 5XX], retryConnectionErrors: true}"
    )
    if not isinstance(value, dict):
        yield doc.diagnostic(pointer, f"{RETRIES} must be a mapping", example)
        return
    for key in value:
        if key not in _RETRY_KEYS:
            yield doc.diagnostic(
                join_pointer(pointer, key), f"{RETRIES} has no {key!r}", "it takes " + ", ".join(_RETRY_KEYS)
            )
    if value.get("strategy", "backoff") not in ("backoff", "none"):
        yield doc.diagnostic(
            join_pointer(pointer, "strategy"),
            f"strategy must be `backoff` or `none`, not {value['strategy']!r}",
            "`none` turns retries off for the operation",
        )
    backoff = value.get("backoff", {})
    if not isinstance(backoff, dict):
        yield doc.diagnostic(join_pointer(pointer, "backoff"), "backoff must be a mapping", example)
        backoff = {}
    for key, number in backoff.items():
        where = join_pointer(pointer, "backoff", key)
        if key not in _BACKOFF_KEYS:
            yield doc.diagnostic(where, f"backoff has no {key!r}", "it takes " + ", ".join(_BACKOFF_KEYS))
        elif isinstance(number, bool) or not isinstance(number, (int, float)) or not 0 <= number < _BACKOFF_MAX:
            unit = "a factor" if key == "exponent" else "milliseconds"
            yield doc.diagnostic(
                where,
                f"{key} must be a number ({unit}), 0 or more and below {_BACKOFF_MAX:g}, not {number!r}",
                "a week is 604800000 ms" if key != "exponent" else None,
            )
        elif key == "exponent" and number < 1:
            yield doc.diagnostic(
                where, f"exponent must be 1 or more, not {number!r}", "each pause is this many times the last"
            )
    low, high = backoff.get("initialInterval"), backoff.get("maxInterval")
    if all(isinstance(n, (int, float)) and not isinstance(n, bool) for n in (low, high)) and high < low:
        yield doc.diagnostic(
            join_pointer(pointer, "backoff", "maxInterval"),
            f"maxInterval ({high} ms) is below initialInterval ({low} ms)",
        )
    codes = value.get("statusCodes", [])
    if not isinstance(codes, list):
        yield doc.diagnostic(join_pointer(pointer, "statusCodes"), "statusCodes must be a list", example)
        codes = []
    for index, code in enumerate(codes):
        if retry_status(code) is None:
            yield doc.diagnostic(
                join_pointer(pointer, "statusCodes", index),
                f"{code!r} is not an HTTP status or range",
                'write a status (429) or a range ("5XX")',
            )
    if not isinstance(value.get("retryConnectionErrors", False), bool):
        yield doc.diagnostic(
            join_pointer(pointer, "retryConnectionErrors"), "retryConnectionErrors must be true or false"
        )


def retry_status(code: Any) -> tuple[str, int] | None:
    """("status", 503) or ("range", 5) for a valid `statusCodes` entry, else None."""
    if isinstance(code, bool):
        return None
    if isinstance(code, int) or (isinstance(code, str) and code.isdigit()):
        return ("status", int(code)) if 100 <= int(code) <= 599 else None
    if isinstance(code, str) and _STATUS_RANGE.match(code):
        return "range", int(code[0])
    return None


# Beyond this many properties a JSON request body is one argument; at the top level, or per operation.
MAX_METHOD_PARAMS = "x-sdk-max-method-params"


def _max_params_check(doc: SpecDocument, pointer: str, value: Any) -> Iterator[Diagnostic]:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        yield doc.diagnostic(
            pointer,
            f"{MAX_METHOD_PARAMS} must be a whole number, 0 or more, not {value!r}",
            "beyond that many properties the request body is one argument; 0: always one",
        )


def _api_key_headers(doc: SpecDocument) -> frozenset[str]:
    """The headers (lower case) API-key security schemes send the credential in."""
    schemes = (doc.data.get("components") or {}).get("securitySchemes") or {}
    return frozenset(
        str(scheme.get("name", "")).lower()
        for scheme in schemes.values()
        if isinstance(scheme, dict) and scheme.get("type") == "apiKey" and scheme.get("in") == "header"
    )


def _schema_name_checks(doc: SpecDocument) -> Iterator[Diagnostic]:
    """Two component schemas whose names give the same class name would overwrite each other."""
    seen: dict[str, str] = {}
    for name, schema in ((doc.data.get("components") or {}).get("schemas") or {}).items():
        if isinstance(schema, dict) and schema.get("x-sdk-ignore") is True:
            continue  # left out of the SDK
        class_name = pascal(str(name))
        pointer = join_pointer("/components/schemas", name)
        if class_name in seen:
            yield doc.diagnostic(
                pointer,
                f"schema {name!r} would get the class name {class_name!r}, as {seen[class_name]} does",
                "rename one of them (names differing only in case or punctuation make the same Python class)",
            )
        seen.setdefault(class_name, pointer)


def declared_parameters(doc: SpecDocument, pointer: str, path: str, operation: dict[str, Any]) -> list[tuple[str, Any]]:
    """(pointer, parameter or its `$ref`) for the parameters of the path, then of the operation at
    `pointer` (which override the path's of the same name and location)."""
    item, path_pointer = path_item(doc, path)
    sources = [(path_pointer, item.get("parameters")), (pointer, operation.get("parameters"))]
    return [
        (join_pointer(base, "parameters", index), parameter)
        for base, parameters in sources
        for index, parameter in enumerate(parameters if isinstance(parameters, list) else [])
    ]


def _path_parameter_checks(
    doc: SpecDocument, pointer: str, path: str, operation: dict[str, Any]
) -> Iterator[Diagnostic]:
    """Every `{name}` in the path is a declared path parameter (of the operation or the path), and
    every declared path parameter is in the path (not in a `?query` or `#fragment` of the key)."""
    in_path = re.findall(r"\{([^{}]*)\}", PathKey.split(path).path)
    declared: dict[str, str] = {}
    for parameter_pointer, raw in declared_parameters(doc, pointer, path, operation):
        parameter, _ = doc.resolve(raw, parameter_pointer)
        if isinstance(parameter, dict) and parameter.get("in") == "path":
            declared[str(parameter.get("name"))] = parameter_pointer
    for name in dict.fromkeys(in_path):
        if name not in declared:
            yield doc.diagnostic(
                pointer,
                f"the path {path!r} has the parameter {{{name}}}, which this operation does not declare",
                f"add `{{name: {name}, in: path, required: true, schema: {{type: string}}}}` to its parameters",
            )
    for name, parameter_pointer in declared.items():
        if name not in in_path:
            yield doc.diagnostic(
                join_pointer(parameter_pointer, "name"), f"path parameter {name!r} is not in the path {path!r}"
            )


def _header_name_checks(doc: SpecDocument, pointer: str, operation: dict[str, Any]) -> Iterator[Diagnostic]:
    for index, parameter in enumerate(operation.get("parameters") or []):
        parameter_pointer = join_pointer(pointer, "parameters", index)
        parameter, _ = doc.resolve(parameter, parameter_pointer)
        if not isinstance(parameter, dict):
            continue
        if parameter.get("in") in ("header", "cookie") and not HTTP_TOKEN.match(str(parameter.get("name", ""))):
            yield doc.diagnostic(
                join_pointer(parameter_pointer, "name"),
                f"{parameter.get('in')} name {parameter.get('name')!r} is not a valid HTTP token",
                "header and cookie names are letters, digits and !#$%&'*+.^_`|~- only (no spaces, quotes, CR or LF)",
            )


def _parameter_name_checks(doc: SpecDocument, pointer: str, operation: dict[str, Any]) -> Iterator[Diagnostic]:
    names: dict[str, str] = {}
    for index, parameter in enumerate(operation.get("parameters") or []):
        parameter_pointer = join_pointer(pointer, "parameters", index)
        parameter, _ = doc.resolve(parameter, parameter_pointer)
        if not isinstance(parameter, dict) or parameter.get("x-sdk-ignore") is True:
            continue
        if parameter.get("in") in ("header", "cookie") and not HTTP_TOKEN.match(str(parameter.get("name", ""))):
            continue  # reported as an OpenAPI error
        override = parameter.get("x-sdk-name")
        if not isinstance(override, str):
            continue  # names derived from the spec are settled by the builder (`arguments.settle`)
        if not is_identifier(override) or override.startswith("_"):
            yield doc.diagnostic(
                join_pointer(parameter_pointer, "x-sdk-name"),
                f"{override!r} is not a usable Python argument name" + keyword_note(override),
            )
        elif override in names:
            yield doc.diagnostic(
                join_pointer(parameter_pointer, "x-sdk-name"),
                f"x-sdk-name {override!r} is already the name of parameter {names[override]!r}",
            )
        names.setdefault(override, str(parameter.get("name")))
