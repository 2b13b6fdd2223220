"""Generative conformance: generated SDKs against an oracle we did not write.

For every document that generates (tests/corpus/manifest.yaml's `generates`, and the product's spec,
whose SDK is the committed generated/modelgates) and every operation in it:

* Responses: hypothesis-jsonschema draws instances of each JSON response schema; each must parse
  into the SDK's result the way the SDK parses a body (`Endpoint.parse` of an httpx.Response) and
  dump back (`model_dump(mode="json", by_alias=True, exclude_unset=True)`, what the SDK's own
  encoding does with a model) to JSON equal to the instance.
* Requests: argument values are drawn from the operation's parameter and request-body schemas, the
  SDK's operation is called against tests/oracle_server.py over real HTTP on 127.0.0.1, and the
  request it received is judged by openapi-core's request validator (parsed by werkzeug). Every
  valid input must make a valid request.

The documents' schemas become JSON Schema (draft 7, what hypothesis-jsonschema generates from) by
`to_json_schema`, faithfully, never looser:

* OpenAPI 3.0: `nullable: true` adds "null" to `type` (3.0.3: only where `type` is given; `enum`
  still applies), boolean `exclusiveMinimum`/`exclusiveMaximum` become the numeric form, siblings
  of a `$ref` are ignored (3.0: "SHALL be ignored").
* OpenAPI 3.1 (JSON Schema 2020-12): siblings of a `$ref` apply (`allOf` with it), `prefixItems`
  becomes draft 7's array `items` with `additionalItems`, `dependentRequired`/`dependentSchemas`
  become `dependencies`. Keywords draft 7 cannot express (`unevaluatedProperties`,
  `$dynamicRef`, ...) fail the test with the keyword's location.
* Both: annotations are dropped (`description`, `example`, `discriminator`: in OpenAPI a hint,
  the `oneOf`/`anyOf` it sits on still constrains), `format: int32`/`int64` become the range they
  name, string formats hypothesis-jsonschema does not know are drawn from FORMATS (a format
  found in neither fails the test). readOnly properties are left out of requests and writeOnly ones
  out of responses (OpenAPI: readOnly "SHOULD NOT be sent as part of the request", its `required`
  applies to responses only; writeOnly the other way round).

What the inputs leave out, each because no request could carry it, not because the SDK fails it:

* The keys of a JSON object body are only the properties the operation takes as arguments (the
  SDK has no argument for others).
* A path parameter is not empty and holds no `/`: an empty segment changes the route, and WSGI
  servers (werkzeug here) decode `%2F` in the path before anyone can tell it from a `/`.
* A header parameter's string is printable ASCII without leading or trailing spaces (RFC 9110
  field values; HTTP strips the outer whitespace).
* A query parameter's string is not empty unless the parameter says `allowEmptyValue: true`
  (OpenAPI's default forbids `?name=`), and a required text or binary body is not empty (HTTP
  cannot tell an empty body from none).
* File parts of a multipart body are bytes (`format: binary` says nothing more), not drawn from
  their schema; the other parts are.
* A schema nested in itself is generated RECURSION levels deep at most (hypothesis-jsonschema
  cannot generate from recursive references; they are inlined that deep, `false` below).
* Only the synchronous client is called (the asynchronous one builds requests with the same code).

Where openapi-core 0.23.1 itself is wrong, `oracle_fault` names the verdicts not counted (bodies it
does not decode, RFC 3339 times with an offset), and tests/oracle_server.py writes a parameter's
list of types as the equivalent `anyOf`, which it can cast.

SDKGEN_GENERATIVE_EXAMPLES sets the examples per operation (default 25); `make conformance-deep`
runs many more.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import importlib
import inspect
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from conftest import generate
from generator import ir
from generator.config import Config, load_config
from generator.load import load_spec
from generator.pipeline import build_ir

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
SPEC = ROOT / "spec" / "modelgates-videos.yaml"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text())
ORACLE_SERVER = ROOT / "tests" / "oracle_server.py"
ORACLE_PYTHON = Path(os.environ.get("SDKGEN_ORACLE_PYTHON") or ROOT / ".venv-oracle" / "bin" / "python")
EXAMPLES = int(os.environ.get("SDKGEN_GENERATIVE_EXAMPLES", "25"))
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@dataclass(frozen=True)
class Document:
    name: str
    path: Path
    credentials: str
    package: str | None = None  # None: the committed generated/modelgates, already importable


DOCUMENTS = {
    "spec/modelgates-videos.yaml": Document("spec/modelgates-videos.yaml", SPEC, "test-key"),
    **{
        name: Document(name, CORPUS / name, str(entry["credentials"]), entry["package"])
        for name, entry in sorted(MANIFEST["generates"].items())
    },
}


def raw(document: Document) -> dict[str, Any]:
    """The document as written; one split over files with its parts in place (the loader's bundle)."""
    bundled = load_spec(document.path)
    if bundled.referenced:
        return bundled.data
    return yaml.safe_load(document.path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def operations(document: Document) -> list[tuple[str, str]]:
    """(METHOD, path) of every operation in the document, read from it, not from the generator;
    but those the document leaves out of the SDK (`x-sdk-ignore`, `x-speakeasy-ignore`)."""
    return [
        (method.upper(), path)
        for path, item in raw(document).get("paths", {}).items()
        for method in HTTP_METHODS
        if method in item and not any(item[method].get(key) is True for key in IGNORED)
    ]


IGNORED = ("x-sdk-ignore", "x-speakeasy-ignore")


CASES = [(name, method, path) for name, document in DOCUMENTS.items() for method, path in operations(document)]
CASE_IDS = [f"{name}:{method} {path}" for name, method, path in CASES]


# -- OpenAPI schemas as JSON Schema draft 7 ----------------------------------------------------------


class Unconvertible(Exception):
    """A schema this test cannot turn into a strategy faithfully: the test fails with it."""


ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "example",
        "examples",
        "default",
        "deprecated",
        "externalDocs",
        "xml",
        "discriminator",
        "$comment",
        "contentMediaType",
        "contentEncoding",
        "$schema",
    }
)
# Validation keywords draft 7 has, under the same name and meaning in OpenAPI 3.0 and 3.1.
SHARED = frozenset(
    {
        "type",
        "enum",
        "const",
        "multipleOf",
        "maximum",
        "minimum",
        "maxLength",
        "minLength",
        "pattern",
        "format",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "required",
        "properties",
        "additionalProperties",
        "patternProperties",
        "propertyNames",
        "items",
        "contains",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "$ref",
        "readOnly",
        "writeOnly",
        "nullable",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "prefixItems",
        "dependentRequired",
        "dependentSchemas",
    }
)
INTEGER_FORMATS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def _duration() -> st.SearchStrategy[str]:
    parts = st.tuples(*[st.integers(0, 99)] * 4)
    return parts.filter(any).map(lambda p: f"P{p[0]}DT{p[1]}H{p[2]}M{p[3]}S")


# String formats hypothesis-jsonschema does not know: OpenAPI's format registry. A value of each is
# what the format says; `binary` and `password` say nothing about a JSON string's text.
FORMATS: dict[str, st.SearchStrategy[str]] = {
    "byte": st.binary(max_size=24).map(lambda b: base64.b64encode(b).decode()),
    "binary": st.text(),
    "password": st.text(),
    "uuid": st.uuids().map(str),
    "duration": _duration(),
    "ulid": st.from_regex(r"[0-7][0-9A-HJKMNP-TV-Z]{25}", fullmatch=True),
    "path": st.lists(st.from_regex(r"[A-Za-z0-9._-]{1,8}", fullmatch=True), min_size=1, max_size=4).map("/".join),
}


class Converter:
    """One document's schemas as draft 7, for requests or for responses."""

    def __init__(self, document: dict[str, Any], direction: str) -> None:
        self.doc = document
        self.v31 = str(document["openapi"]).startswith("3.1")
        self.direction = direction  # "request" or "response"

    def resolve(self, node: Any) -> Any:
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not ref.startswith("#/"):
                raise Unconvertible(f"reference {ref!r} is not local")
            target: Any = self.doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
            if seen > 50:
                raise Unconvertible(f"reference cycle at {ref!r}")
        return node

    def schema(self, root: Any, where: str) -> dict[str, Any]:
        """`root` with every component schema it may reference, as one draft 7 schema."""
        definitions = {
            name: self.convert(schema, f"#/components/schemas/{name}")
            for name, schema in self.doc.get("components", {}).get("schemas", {}).items()
        }
        return inline(self.convert(root, where), definitions, ())  # type: ignore[no-any-return]

    def _excluded(self, schema: Any) -> bool:
        keyword = "readOnly" if self.direction == "request" else "writeOnly"
        if not isinstance(schema, dict):
            return False
        if schema.get(keyword) is True:
            return True
        return "$ref" in schema and self._excluded(self.resolve(schema))

    def convert(self, node: Any, where: str) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, dict):
            raise Unconvertible(f"{where}: not a schema: {node!r}")
        node = {k: v for k, v in node.items() if not k.startswith("x-") and k not in ANNOTATIONS}
        unknown = sorted(set(node) - SHARED)
        if unknown:
            raise Unconvertible(f"{where}: keywords draft 7 cannot express: {unknown}")
        if "$ref" in node:
            ref = node.pop("$ref")
            prefix = "#/components/schemas/"
            if not ref.startswith(prefix) or "/" in ref[len(prefix) :]:
                raise Unconvertible(f"{where}: reference {ref!r} is not to a component schema")
            target = {"$ref": "#/definitions/" + ref[len(prefix) :]}
            node.pop("readOnly", None), node.pop("writeOnly", None)
            if not self.v31 or not node:  # 3.0 ignores a reference's siblings
                return target
            return {"allOf": [target, self.convert(node, where)]}
        out: dict[str, Any] = {}
        nullable = node.pop("nullable", None)
        if nullable is not None and self.v31:
            raise Unconvertible(f"{where}: `nullable` is not a keyword in OpenAPI 3.1")
        node.pop("readOnly", None), node.pop("writeOnly", None)
        for key, value in node.items():
            here = f"{where}/{key}"
            if key in ("properties", "patternProperties", "dependentSchemas"):
                value = {name: self.convert(s, f"{here}/{name}") for name, s in value.items()}
            elif key in ("additionalProperties", "propertyNames", "not", "contains", "if", "then", "else"):
                value = self.convert(value, here)
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems"):
                value = [self.convert(s, f"{here}/{i}") for i, s in enumerate(value)]
            elif key == "items":
                if isinstance(value, list):
                    raise Unconvertible(f"{here}: an array of schemas is not OpenAPI")
                value = self.convert(value, here)
            out[key] = value
        if nullable is True and "type" in out:
            out["type"] = [out["type"], "null"]
        for bound in ("exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(out.get(bound), bool):  # 3.0 (draft 4): a flag on minimum/maximum
                flag = out.pop(bound)
                limit = "minimum" if bound == "exclusiveMinimum" else "maximum"
                if flag and limit in out:
                    out[bound] = out.pop(limit)
        if "prefixItems" in out:
            out["additionalItems"] = out.pop("items", True)
            out["items"] = out.pop("prefixItems")
        dependencies = {**out.pop("dependentRequired", {}), **out.pop("dependentSchemas", {})}
        if dependencies:
            out["dependencies"] = dependencies
        if "properties" in node:
            excluded = {name for name, s in node["properties"].items() if self._excluded(s)}
            out["properties"] = {k: v for k, v in out["properties"].items() if k not in excluded}
            if "required" in out:
                out["required"] = [name for name in out["required"] if name not in excluded]
                if not out["required"]:
                    del out["required"]
            if excluded and out.get("additionalProperties", True) is not False:
                # Absent, not merely unconstrained: a readOnly property is not sent.
                out["propertyNames"] = {"not": {"enum": sorted(excluded)}}
        fmt = out.get("format")
        if fmt in INTEGER_FORMATS:
            low, high = INTEGER_FORMATS[fmt]
            return {"allOf": [out, {"minimum": low, "maximum": high}]}
        types = out.get("type", [])
        types = types if isinstance(types, list) else [types]
        if isinstance(fmt, str) and "string" in types:
            from hypothesis_jsonschema._from_schema import STRING_FORMATS

            if fmt not in STRING_FORMATS and fmt not in FORMATS:
                raise Unconvertible(f"{where}: no strategy for string format {fmt!r}: add one to FORMATS")
        return out


RECURSION = 2  # how often one schema may nest in itself in a generated instance


def inline(node: Any, definitions: dict[str, Any], stack: tuple[str, ...]) -> Any:
    """References replaced by what they name (hypothesis-jsonschema cannot generate from recursive
    ones): a schema nested in itself more than RECURSION times becomes `false`, so deeper instances
    are not generated; every instance generated is still valid."""
    if isinstance(node, list):
        return [inline(item, definitions, stack) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].removeprefix("#/definitions/")
        if stack.count(name) >= RECURSION:
            return False
        return inline(definitions[name], definitions, (*stack, name))
    return {
        key: (
            value
            if key in ("enum", "const", "required")
            else (
                {k: inline(v, definitions, stack) for k, v in value.items()}
                if key in ("properties", "patternProperties", "dependencies")
                else inline(value, definitions, stack)
            )
        )
        for key, value in node.items()
    }


def strategy(converter: Converter, schema: Any, where: str) -> st.SearchStrategy[Any]:
    try:
        return from_schema(converter.schema(schema, where), custom_formats=FORMATS)
    except Unconvertible as exc:
        pytest.fail(f"cannot generate from {where}: {exc}")
    except Exception as exc:  # hypothesis-jsonschema refusing the schema
        pytest.fail(f"hypothesis-jsonschema cannot generate from {where}: {type(exc).__name__}: {exc}")


# -- comparing JSON ---------------------------------------------------------------------------------


def json_equal(a: Any, b: Any) -> bool:
    """Equal as JSON values: 1 and 1.0 are one number, True is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (math.isnan(a) and math.isnan(b)) if isinstance(a, float) else a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


# -- the SDKs and the oracle ------------------------------------------------------------------------


@dataclass
class Sdk:
    document: Document
    spec: dict[str, Any]
    api: ir.Api
    package: Any

    def operation(self, method: str, path: str) -> ir.Operation:
        found = [op for op in self.api.operations if op.http_method == method and op.path == path]
        assert found, f"the SDK has no operation for {method} {path}"
        return found[0]

    def endpoint(self, op: ir.Operation) -> Any:
        return getattr(importlib.import_module(self.package.__name__ + ".resources"), op.endpoint_name)

    def client(self, server_url: str) -> Any:
        client_class = getattr(self.package, self.api.names.client_class)
        kwargs: dict[str, Any] = {"server_url": server_url, "max_retries": 0}
        if "api_key" in inspect.signature(client_class).parameters:
            kwargs["api_key"] = self.document.credentials
        return client_class(**kwargs)


@pytest.fixture(scope="session")
def sdks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Sdk]]:
    made: dict[str, Sdk] = {}

    class Lazy(dict[str, Sdk]):
        def __missing__(self, name: str) -> Sdk:
            document = DOCUMENTS[name]
            if document.package is None:
                config = load_config(ROOT / "spec" / "sdkgen.yaml")
                api, _ = build_ir(load_spec(document.path), config, "spec/modelgates-videos.yaml")
                package = importlib.import_module(api.names.package)  # generated/, on sys.path by conftest
            else:
                out = tmp_path_factory.mktemp("generative")
                generate(document.path, out)
                sys.path.insert(0, str(out))
                package = importlib.import_module(document.package)
                api, _ = build_ir(load_spec(document.path), Config(), name)
            self[name] = Sdk(document, raw(document), api, package)
            return self[name]

    yield Lazy(made)


class Oracle:
    """tests/oracle_server.py serving one document, in the oracle's venv."""

    def __init__(self, document: Document) -> None:
        spec = raw(document)
        server = (spec.get("servers") or [{"url": "/"}])[0]
        url = server["url"]
        for name, variable in server.get("variables", {}).items():
            url = url.replace("{" + name + "}", str(variable["default"]))
        self.server_path = urlsplit(url).path.rstrip("/")
        if not ORACLE_PYTHON.exists():
            pytest.fail(f"the oracle's venv is missing ({ORACLE_PYTHON}): run `make oracle`")
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [str(ORACLE_PYTHON), str(ORACLE_SERVER), str(document.path), self.server_path],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.log.seek(0)
            pytest.fail(f"the oracle did not start for {document.name}:\n{self.log.read().decode(errors='replace')}")
        self.root = f"http://127.0.0.1:{int(line)}"
        self.url = self.root + self.server_path
        self.http = httpx.Client(timeout=30)

    def answer(self, status: int, content_type: str | None, body: bytes) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        scripted = {"status": status, "headers": headers, "body": base64.b64encode(body).decode()}
        self.http.post(self.root + "/__oracle__/next", json=scripted).raise_for_status()

    def last(self) -> dict[str, Any] | None:
        seen: dict[str, Any] | None = self.http.get(self.root + "/__oracle__/last").json()
        return seen

    def close(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="session")
def oracles() -> Iterator[dict[str, Oracle]]:
    class Lazy(dict[str, Oracle]):
        def __missing__(self, name: str) -> Oracle:
            self[name] = Oracle(DOCUMENTS[name])
            return self[name]

    started = Lazy()
    yield started
    for oracle in started.values():
        oracle.close()


# -- responses -------------------------------------------------------------------------------------


def json_responses(spec: dict[str, Any], converter: Converter, method: str, path: str) -> list[tuple[str, Any]]:
    """(status, schema) of every JSON response the operation declares."""
    operation = spec["paths"][path][method.lower()]
    found = []
    for status, response in operation.get("responses", {}).items():
        for media, content in converter.resolve(response).get("content", {}).items():
            if _is_json(media) and "schema" in content:
                found.append((str(status), content["schema"]))
    return found


def _is_json(media: str) -> bool:
    media = media.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


RESPONSE_CASES = [
    (name, method, path)
    for name, method, path in CASES
    if json_responses(raw(DOCUMENTS[name]), Converter(raw(DOCUMENTS[name]), "response"), method, path)
]


def dump(result: Any) -> Any:
    import pydantic

    if isinstance(result, pydantic.BaseModel):
        return result.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return pydantic.TypeAdapter(type(result)).dump_python(result, mode="json", by_alias=True, exclude_unset=True)


def round_trip(endpoint: Any, status: str, instances: st.SearchStrategy[Any], where: str) -> None:
    @SETTINGS
    @given(instance=instances)
    def parses_and_dumps_back(instance: Any) -> None:
        code = int(status) if status.isdigit() else 200
        response = httpx.Response(code, content=json.dumps(instance).encode())
        parsed = endpoint.parse(response)
        dumped = dump(parsed)
        assert json_equal(dumped, instance), (
            f"{where}: the SDK's {type(parsed).__name__} does not dump back to the response body:\n"
            f"  body:   {json.dumps(instance)}\n  dumped: {json.dumps(dumped)}"
        )

    parses_and_dumps_back()


@pytest.mark.parametrize(("name", "method", "path"), RESPONSE_CASES, ids=[f"{n}:{m} {p}" for n, m, p in RESPONSE_CASES])
def test_every_valid_response_parses_and_dumps_back(name: str, method: str, path: str, sdks: dict[str, Sdk]) -> None:
    sdk = sdks[name]
    op = sdk.operation(method, path)
    converter = Converter(sdk.spec, "response")
    for status, schema in json_responses(sdk.spec, converter, method, path):
        where = f"{name}: {method} {path} response {status}"
        if status != op.result.status:
            # An error response: the SDK raises its error class, whose `body` is the JSON as sent.
            continue
        assert op.result.kind == "json", f"{where}: a JSON response, which the SDK returns as {op.result.kind}"
        round_trip(sdk.endpoint(op), status, strategy(converter, schema, where), where)


# -- requests --------------------------------------------------------------------------------------

ABSENT = object()
HEADER_TEXT = {"pattern": "^[!-~]([ -~]*[!-~])?$"}  # printable ASCII, no outer spaces
PATH_TEXT = {"minLength": 1, "pattern": "^[^/]+$"}
NON_EMPTY = {"minLength": 1}


@dataclass
class Inputs:
    params: dict[str, Any]  # py_name -> JSON value
    body: Any = ABSENT


def parameter_strategy(converter: Converter, op: ir.Operation, spec_op: dict[str, Any], where: str) -> Any:
    declared = {}
    for item in [*spec_op.get("_path_parameters", []), *spec_op.get("parameters", [])]:
        parameter = converter.resolve(item)
        declared[(parameter["in"], parameter["name"])] = parameter
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for p in op.parameters:
        parameter = declared.get((p.location, p.wire_name))
        assert parameter is not None, f"{where}: the SDK takes a {p.location} parameter {p.wire_name!r} not declared"
        if "schema" in parameter:
            schema = parameter["schema"]
        else:
            schema = next(iter(parameter["content"].values()))["schema"]
        if p.location == "header":
            schema = {"allOf": [schema, HEADER_TEXT]}
        elif p.location == "path":
            schema = {"allOf": [schema, PATH_TEXT]}
        elif p.location == "query" and not parameter.get("allowEmptyValue", False):
            schema = {"allOf": [schema, NON_EMPTY]}
        values = strategy(converter, schema, f"{where} parameter {p.wire_name}")
        fields[p.py_name] = values if p.required else st.one_of(st.just(ABSENT), values)
    return st.fixed_dictionaries(fields).map(lambda d: {k: v for k, v in d.items() if v is not ABSENT})


def body_strategy(converter: Converter, body: ir.RequestBody, schema: Any, where: str) -> Any:
    if body.encoding == "binary":
        return st.binary(min_size=1 if body.required else 0, max_size=64)
    if body.encoding == "text" and body.required:
        schema = {"allOf": [schema, NON_EMPTY]}
    if body.whole_hint is None:  # one argument per property: only those properties
        files = sorted(f.wire_name for f in body.fields if f.is_file)
        names = sorted(f.wire_name for f in body.fields if not f.is_file)
        if files:  # file parts are bytes, drawn apart; the rest of the schema as it is
            schema = copy.deepcopy(converter.resolve(schema))
            required = set(schema.get("required", []))
            for name in files:
                schema.get("properties", {}).pop(name, None)
            schema["required"] = sorted(required - set(files))
            if not schema["required"]:
                del schema["required"]
            parts = {name: st.binary(min_size=1, max_size=32) for name in files}
            file_parts = st.fixed_dictionaries(
                {n: p for n, p in parts.items() if n in required},
                optional={n: p for n, p in parts.items() if n not in required},
            )
        schema = {"allOf": [schema, {"type": "object", "propertyNames": {"enum": names}}]}
        if files:
            return st.tuples(strategy(converter, schema, where), file_parts).map(lambda pair: {**pair[0], **pair[1]})
    return strategy(converter, schema, where)


def _path_parameters(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    operation = dict(spec["paths"][path][method.lower()])
    operation["_path_parameters"] = spec["paths"][path].get("parameters", [])
    return operation


@pytest.mark.parametrize(("name", "method", "path"), CASES, ids=CASE_IDS)
def test_every_valid_input_sends_a_valid_request(
    name: str, method: str, path: str, sdks: dict[str, Sdk], oracles: dict[str, Oracle]
) -> None:
    sdk = sdks[name]
    oracle = oracles[name]
    op = sdk.operation(method, path)
    where = f"{name}: {method} {path}"
    converter = Converter(sdk.spec, "request")
    spec_op = _path_parameters(sdk.spec, path, method)
    params = parameter_strategy(converter, op, spec_op, where)
    body: st.SearchStrategy[Any] = st.just(ABSENT)
    if op.body is not None:
        request_body = converter.resolve(spec_op["requestBody"])
        media = request_body["content"][op.body.content_type]
        assert "schema" in media, f"{where}: the request body has no schema"
        body = body_strategy(converter, op.body, media["schema"], f"{where} request body")
        if not op.body.required:
            body = st.one_of(st.just(ABSENT), body)
    client = sdk.client(oracle.url)
    method_of = getattr(getattr(client, op.resource_attr), op.method_name)
    signature = inspect.signature(method_of)
    response_converter = Converter(sdk.spec, "response")
    answers = {s: sch for s, sch in json_responses(sdk.spec, response_converter, method, path)}
    answer: st.SearchStrategy[Any] = st.just(None)
    if op.result.kind == "json" and op.result.status in answers:
        answer = strategy(response_converter, answers[op.result.status], f"{where} response {op.result.status}")

    @SETTINGS
    @given(values=params, content=body, reply=answer)
    def request_is_valid(values: dict[str, Any], content: Any, reply: Any) -> None:
        kwargs = dict(values)
        if content is not ABSENT:
            assert op.body is not None
            if op.body.whole_hint is not None or op.body.encoding == "binary":
                kwargs["body"] = content
            else:
                by_wire = {f.wire_name: f.py_name for f in op.body.fields}
                kwargs.update({by_wire[k]: v for k, v in content.items()})
        unknown = set(kwargs) - set(signature.parameters)
        assert not unknown, f"{where}: the SDK method takes no arguments {sorted(unknown)}"
        status = int(op.result.status) if op.result.status.isdigit() else 200
        if op.result.kind == "json":
            oracle.answer(status, op.result.content_type or "application/json", json.dumps(reply).encode())
        elif op.result.kind == "empty":
            oracle.answer(status, None, b"")
        else:
            oracle.answer(status, op.result.content_type or "application/octet-stream", b"abc")
        shown = {k: (v if not isinstance(v, bytes) else f"<{len(v)} bytes>") for k, v in kwargs.items()}
        call = f"{op.resource_attr}.{op.method_name}(**{shown!r})"
        errors = sdk.package.errors
        try:
            if op.result.kind == "stream":
                with method_of(**kwargs) as streamed:
                    streamed.read()
            else:
                method_of(**kwargs)
        except errors.ResponseValidationError:
            pass  # the scripted answer is test_every_valid_response_parses_and_dumps_back's concern
        except errors.APIError as exc:
            raise AssertionError(f"{where}: {call} got {exc} from the oracle") from exc
        except Exception as exc:
            raise AssertionError(f"{where}: {call} raised {type(exc).__name__}: {exc}") from exc
        seen = oracle.last()
        assert seen is not None, f"{where}: {call} sent nothing"
        sent = base64.b64decode(seen["body"])
        seen["errors"] = [e for e in seen["errors"] if not oracle_fault(e)]
        assert not seen[
            "errors"
        ], f"{where}: openapi-core rejects what {call} sent:\n" f"  {seen['method']} {seen['path']}\n" + "".join(
            f"  {k}: {v}\n" for k, v in seen["headers"]
        ) + f"  body: {sent[:500]!r}\n" + "".join(
            f"  error: {json.dumps(e)}\n" for e in seen["errors"]
        )

    with contextlib.closing(client):
        request_is_valid()


# RFC 3339 §5.6 full-time: the offset is required ("Z" or +hh:mm); openapi-schema-validator's
# `time` check accepts only times without one.
RFC3339_TIME = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def oracle_fault(error: dict[str, Any]) -> bool:
    """Whether openapi-core 0.23.1's verdict is its own fault, not the request's; each such verdict
    is one of these, and the rest of the request is still judged:

    * a body it did not decode: the bytes of a `format: binary` part or body, or of a `+json` media
      type other than `application/json` (`application/merge-patch+json`, RFC 6839 §3.1: JSON),
      checked against `type: string`/`object` as bytes ("b'...' is not of type ...");
    * an RFC 3339 full-time with its offset ("00:00:00Z") said not to be a `time`."""
    schema_errors = (error.get("cause") or error).get("schema_errors") or error.get("schema_errors") or []
    if not schema_errors:
        return False

    def own_fault(found: dict[str, Any]) -> bool:
        message = str(found.get("message", ""))
        if found.get("validator") == "type" and re.match(r"^b['\"]", message):
            return True
        value = re.match(r"^'(.*)' is not a 'time'$", message)
        return found.get("validator") == "format" and bool(value and RFC3339_TIME.match(value.group(1)))

    return all(own_fault(found) for found in schema_errors)


def test_the_oracles_faults_are_only_what_they_say() -> None:
    body = {
        "type": "InvalidRequestBody",
        "schema_errors": [{"message": "b'\\x00' is not of type 'string'", "validator": "type"}],
    }
    assert oracle_fault(body)
    assert oracle_fault(
        {"cause": {"schema_errors": [{"message": "'00:00:00Z' is not a 'time'", "validator": "format"}]}}
    )
    assert not oracle_fault({"schema_errors": [{"message": "'25:00' is not a 'time'", "validator": "format"}]})
    assert not oracle_fault({"schema_errors": [{"message": "'x' is not of type 'integer'", "validator": "type"}]})
    assert not oracle_fault({"type": "TypeError", "message": "Expected a string value"})


def test_the_cases_cover_every_operation_of_every_document() -> None:
    assert {n for n, _, _ in CASES} == set(DOCUMENTS)
    assert len(CASES) == sum(len(operations(d)) for d in DOCUMENTS.values())


def test_json_equal_tells_json_values_apart() -> None:
    assert json_equal({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not json_equal(True, 1) and not json_equal(0, False) and not json_equal(None, 0)
    assert not json_equal({"a": 1}, {"a": 1, "b": None}) and not json_equal("1", 1)


def test_conversion_is_faithful() -> None:
    v30 = Converter({"openapi": "3.0.3", "components": {"schemas": {}}}, "request")
    assert v30.convert({"type": "string", "nullable": True, "enum": ["a"]}, "#") == {
        "type": ["string", "null"],
        "enum": ["a"],
    }
    assert v30.convert({"type": "number", "minimum": 1, "exclusiveMinimum": True}, "#") == {
        "type": "number",
        "exclusiveMinimum": 1,
    }
    v31 = Converter({"openapi": "3.1.0", "components": {"schemas": {"A": {}}}}, "response")
    assert v31.convert({"prefixItems": [{"type": "string"}], "items": False}, "#") == {
        "items": [{"type": "string"}],
        "additionalItems": False,
    }
    assert v31.convert({"$ref": "#/components/schemas/A", "maxLength": 2}, "#") == {
        "allOf": [{"$ref": "#/definitions/A"}, {"maxLength": 2}]
    }
    with pytest.raises(Unconvertible, match="unevaluatedProperties"):
        v31.convert({"type": "object", "unevaluatedProperties": False}, "#")
    with pytest.raises(Unconvertible, match="format 'no-such'"):
        v31.convert({"type": "string", "format": "no-such"}, "#")
    request = Converter({"openapi": "3.1.0", "components": {"schemas": {}}}, "request")
    converted = request.convert(
        {"type": "object", "required": ["id", "a"], "properties": {"id": {"readOnly": True}, "a": {}}}, "#"
    )
    assert converted == {
        "type": "object",
        "required": ["a"],
        "properties": {"a": {}},
        "propertyNames": {"not": {"enum": ["id"]}},
    }
    assert copy.deepcopy(converted) == converted
