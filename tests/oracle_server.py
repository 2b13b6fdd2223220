"""The oracle of tests/test_generative.py: an HTTP server on 127.0.0.1 that checks every request it
receives with openapi-core's request validator against an OpenAPI document, and answers with the
response the test scripted.

It runs in a venv of its own (`.venv-oracle`, tests/oracle-requirements.txt: openapi-core cannot
share a venv with the generator's openapi-spec-validator) and needs nothing of this project: the
request is parsed by werkzeug and judged by openapi-core, none of it code we wrote.

    python tests/oracle_server.py SPEC SERVER_PATH   # prints the port it listens on, then serves

SERVER_PATH is the path part of the document's server URL (`/api/v1`): the document's `servers`
are replaced by this server's own URL with that path, so openapi-core matches the requests it gets.
Control routes, under /__oracle__/: `POST next` scripts the answer to the next request (JSON:
status, headers, body as base64); `GET last` returns the last request seen, as received, with
openapi-core's verdict (`errors`, each with the schema errors behind it).
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from pathlib import Path
from typing import Any

import yaml
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest
from werkzeug.datastructures import Headers
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

CONTROL = "/__oracle__/"


class RawHeadersHandler(WSGIRequestHandler):
    """Keeps the headers as received: WSGI leaves out names with `_` (`api_key`), which a document
    may declare."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ["oracle.headers"] = list(self.headers.items())
        return environ


def describe(error: BaseException) -> dict[str, Any]:
    """An openapi-core error with everything it carries: its causes and their schema errors."""
    found: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    schema_errors = getattr(error, "schema_errors", None)
    if schema_errors:
        found["schema_errors"] = [
            {"message": e.message, "path": list(e.absolute_path), "validator": e.validator} for e in schema_errors
        ]
    cause = error.__cause__ or error.__context__
    if cause is not None:
        found["cause"] = describe(cause)
    return found


class Oracle:
    def __init__(self, spec: dict[str, Any], base_uri: str) -> None:
        self.spec = spec
        self.base_uri = base_uri  # relative `$ref`s to other files resolve against it
        self.openapi: OpenAPI | None = None
        self.next: dict[str, Any] = {"status": 204, "headers": {}, "body": ""}
        self.last: dict[str, Any] | None = None
        self.lock = threading.Lock()

    def bind(self, url: str) -> None:
        self.spec["servers"] = [{"url": url}]
        for item in self.spec.get("paths", {}).values():
            if isinstance(item, dict):
                item.pop("servers", None)
                for operation in item.values():
                    if isinstance(operation, dict):
                        operation.pop("servers", None)
        self.openapi = OpenAPI.from_dict(_one_type_per_schema(self.spec), base_uri=self.base_uri)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path.startswith(CONTROL):
            return self.control(request)(environ, start_response)
        body = request.get_data(cache=True)
        seen: dict[str, Any] = {
            "method": request.method,
            "path": environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path,
            "headers": [[k, v] for k, v in environ["oracle.headers"]],
            "body": base64.b64encode(body).decode(),
        }
        assert self.openapi is not None
        checked = WerkzeugOpenAPIRequest(request)
        checked.parameters.header = Headers(environ["oracle.headers"])
        try:
            result = self.openapi.unmarshal_request(checked)
            seen["errors"] = [describe(e) for e in result.errors]
        except Exception as exc:  # openapi-core failing is a verdict too, not a 500
            seen["errors"] = [describe(exc)]
        with self.lock:
            self.last = seen
            answer = self.next
        response = Response(base64.b64decode(answer["body"]), status=answer["status"], headers=answer["headers"])
        return response(environ, start_response)

    def control(self, request: Request) -> Response:
        command = request.path[len(CONTROL) :]
        with self.lock:
            if command == "next" and request.method == "POST":
                self.next = json.loads(request.get_data())
                self.last = None
                return Response("{}", content_type="application/json")
            if command == "last":
                return Response(json.dumps(self.last), content_type="application/json")
        return Response("unknown control route", status=404)


def _one_type_per_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """The parameters' schemas with a list of types (`type: [integer, 'null']`, OpenAPI 3.1) written
    as the `anyOf` of one schema per type, which JSON Schema 2020-12 makes the same set of values:
    openapi-core 0.23.1 cannot cast a parameter whose `type` is a list (a TypeError on every call)."""

    def rewrite(schema: Any) -> Any:
        if not isinstance(schema, dict) or not isinstance(schema.get("type"), list):
            return schema
        rest = {k: v for k, v in schema.items() if k not in ("type", "default", "description", "example")}
        kept = {k: v for k, v in schema.items() if k in ("default", "description", "example")}
        return {**kept, "anyOf": [{**rest, "type": t} for t in schema["type"]]}

    referred: set[str] = set()  # components a parameter's schema refers to, rewritten the same way

    def parameters(items: Any) -> Any:
        if not isinstance(items, list):
            return items
        for p in items:
            ref = p.get("schema", {}).get("$ref") if isinstance(p, dict) and isinstance(p.get("schema"), dict) else None
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                referred.add(ref.rsplit("/", 1)[1])
        return [{**p, "schema": rewrite(p["schema"])} if isinstance(p, dict) and "schema" in p else p for p in items]

    for item in (spec.get("paths") or {}).values():
        if isinstance(item, dict):
            if "parameters" in item:
                item["parameters"] = parameters(item["parameters"])
            for operation in item.values():
                if isinstance(operation, dict) and "parameters" in operation:
                    operation["parameters"] = parameters(operation["parameters"])
    shared = (spec.get("components") or {}).get("parameters") or {}
    for name, parameter in shared.items():
        if isinstance(parameter, dict) and "schema" in parameter:
            parameters([parameter])
            shared[name] = {**parameter, "schema": rewrite(parameter["schema"])}
    schemas = (spec.get("components") or {}).get("schemas") or {}
    for name in referred & set(schemas):
        schemas[name] = rewrite(schemas[name])
    return spec


def main() -> None:
    spec_path, server_path = Path(sys.argv[1]), sys.argv[2]
    oracle = Oracle(yaml.safe_load(spec_path.read_text(encoding="utf-8")), spec_path.resolve().as_uri())
    server = make_server("127.0.0.1", 0, oracle, threaded=False, request_handler=RawHeadersHandler)
    oracle.bind(f"http://127.0.0.1:{server.server_port}{server_path.rstrip('/')}")
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
