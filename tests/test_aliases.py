"""Documents written for Speakeasy: its `x-speakeasy-*` extensions are read as sdkgen's own keys.

`aliases/speakeasy.yaml` is a small router API in the shape of published Speakeasy-annotated
documents (method name overrides, groups, ignored operations, parameters, properties and schemas,
an open enum, deprecation messages, and the aliases of pagination, streams, globals and retries);
`aliases/ours.yaml` is the same API written with sdkgen's keys."""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
import threading
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from test_generation import type_check

from generator.cli import main
from generator.config import Config
from generator.load import load_spec
from generator.pipeline import build_ir, generate_tree
from generator.spec_diff.sources import load_source
from generator.write import write_tree

HERE = Path(__file__).parent / "aliases"
SPEAKEASY = HERE / "speakeasy.yaml"
OURS = HERE / "ours.yaml"


def _line_of(path: Path, text: str, after: str = "") -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and text in line) + 1


def test_the_aliases_give_names_resources_open_enums_ignored_parts_and_messages() -> None:
    api, files = generate_tree(SPEAKEASY, Config(), "speakeasy.yaml")
    methods = {(r.attr_name, op.method_name) for r in api.resources for op in r.operations}
    assert methods == {
        ("chat", "send"),  # x-speakeasy-name-override, x-speakeasy-group
        ("chat", "complete"),
        ("models", "list"),
        ("beta_endpoints", "list_endpoints"),  # root-level override; a dotted group is one resource
        ("analytics", "get_user_activity"),
    }  # createCoinbaseCharge is x-speakeasy-ignore
    chat = next(r for r in api.resources if r.attr_name == "chat")
    assert chat.description == "Chat completions."  # the tag of the group's name documents it
    listing = next(op for op in api.operations if op.method_name == "list")
    assert [p.py_name for p in listing.parameters] == ["kind", "supported_parameters", "offset"]
    assert listing.deprecation_messages == [("supported_parameters", "Filter with category instead.")]
    complete = next(op for op in api.operations if op.method_name == "complete")
    assert complete.deprecation_message == "Send chat messages with chat.send instead."
    send = next(op for op in api.operations if op.method_name == "send")
    assert send.body is not None
    assert [f.wire_name for f in send.body.fields] == [
        "model",
        "messages",
        "stream",
        "max_tokens",
        "max_completion_tokens",
    ]  # `route` (its schema is ignored) and `internal_flags` are left out
    assert next(f for f in send.body.fields if f.wire_name == "max_tokens").deprecation_message
    models = files["relay_chat/models.py"]
    assert "class DeprecatedRoute" not in models and "route" not in models and "internal_flags" not in models
    assert "def _missing_(cls, value: object) -> FinishReason | None:" in models
    readme = files["README.md"]
    left_out = readme.split("## Left out of this SDK", 1)[1].split("## Errors", 1)[0]
    for what in ("POST /coinbase", "'debug_trace'", "'route'", "'internal_flags'", "'DeprecatedRoute'"):
        assert what in left_out
    docs = files["docs/chat.md"]
    assert "> **Deprecated**: Send chat messages with chat.send instead." in docs
    # The aliases of what other parts implement are copied onto sdkgen's keys, unchanged or reshaped.
    doc = load_spec(SPEAKEASY)
    assert doc.data["x-sdk-retries"]["statusCodes"] == ["5XX"]
    assert doc.data["x-sdk-globals"]["parameters"][0]["name"] == "X-Title"
    post = doc.get("/paths/~1chat~1completions/post")
    assert post["x-sdk-stream"] == {"sentinel": "[DONE]", "request-field": "stream"}
    assert doc.get("/paths/~1models/get/x-sdk-pagination")["type"] == "offsetLimit"
    assert doc.get("/paths/~1activity/get/x-sdk-max-method-params") == 2


def test_the_same_document_with_sdkgens_keys_generates_the_same_sdk() -> None:
    generated = []
    for spec in (SPEAKEASY, OURS):
        _, files = generate_tree(spec, Config(), "relay.yaml")
        sha = load_spec(spec).sha256
        generated.append(
            {path: text.replace(sha, "SHA") for path, text in files.items() if path != "sdkgen-inputs.json"}
        )
    assert generated[0] == generated[1]


def test_copied_keys_are_located_at_the_alias_and_the_documents_bytes_are_its_own() -> None:
    doc = load_spec(SPEAKEASY)
    assert doc.sha256 == hashlib.sha256(SPEAKEASY.read_bytes()).hexdigest()
    name = doc.location("/paths/~1models/get/x-sdk-name")
    assert name.line == _line_of(SPEAKEASY, "x-speakeasy-name-override: list")
    sentinel = doc.diagnostic("/paths/~1chat~1completions/post/x-sdk-stream/sentinel", "m")
    assert sentinel.location.line == _line_of(SPEAKEASY, "x-speakeasy-sse-sentinel")
    assert sentinel.pointer.endswith("/content/text~1event-stream/x-speakeasy-sse-sentinel")
    root = doc.diagnostic("/paths/~1models~1{author}~1{slug}~1endpoints/get/x-sdk-name", "m")
    assert root.pointer == "/x-speakeasy-name-override/0/methodNameOverride"
    # The spec diff reads the same document.
    assert load_source(str(SPEAKEASY)).get("/components/schemas/FinishReason/x-sdk-open-enum") is True


def test_sdkgens_own_keys_win_where_both_are_written(tmp_path: Path) -> None:
    text = SPEAKEASY.read_text(encoding="utf-8")
    text = text.replace(
        "      x-speakeasy-name-override: send\n", "      x-speakeasy-name-override: send\n      x-sdk-name: create\n"
    )
    text = text.replace(
        "      x-speakeasy-group: chat\n", "      x-speakeasy-group: chat\n      x-sdk-resource: completions\n"
    )
    spec = tmp_path / "both.yaml"
    spec.write_text(text, encoding="utf-8")
    api, _ = build_ir(load_spec(spec), Config(), "both.yaml")
    assert ("completions", "create") in {(r.attr_name, op.method_name) for r in api.resources for op in r.operations}


def _written(tmp_path: Path, old: str, new: str) -> Path:
    text = SPEAKEASY.read_text(encoding="utf-8")
    assert old in text
    spec = tmp_path / "spec.yaml"
    spec.write_text(text.replace(old, new, 1), encoding="utf-8")
    return spec


BAD_VALUES = [
    # (replaced, by, (a line before the one the error is at, that line), pointer's end, message)
    (
        "x-speakeasy-group: chat",
        "x-speakeasy-group: 5",
        ("", "x-speakeasy-group: 5"),
        "/post/x-speakeasy-group",
        "x-speakeasy-group must be a resource name",
    ),
    (
        "x-speakeasy-group: chat",
        "x-sdk-resource: '...'",
        ("", "x-sdk-resource:"),
        "/post/x-sdk-resource",
        "x-sdk-resource must be a resource name",
    ),
    (
        "x-speakeasy-unknown-values: allow",
        "x-speakeasy-unknown-values: deny",
        ("", "x-speakeasy-unknown-values"),
        "/FinishReason/x-speakeasy-unknown-values",
        "must be `allow`, not 'deny'",
    ),
    (
        "x-speakeasy-unknown-values: allow",
        "x-sdk-open-enum: 'yes'",
        ("", "x-sdk-open-enum"),
        "/FinishReason/x-sdk-open-enum",
        "must be true or false",
    ),
    (
        "x-speakeasy-ignore: true\n      responses",
        "x-speakeasy-ignore: 'yes'\n      responses",
        ("", "x-speakeasy-ignore: 'yes'"),
        "~1coinbase/post/x-speakeasy-ignore",
        "x-speakeasy-ignore must be true or false",
    ),
    (
        "x-speakeasy-deprecation-message: Send",
        "x-sdk-deprecation-message: 3\n      x-other: Send",
        ("", "x-sdk-deprecation-message: 3"),
        "~1completions/post/x-sdk-deprecation-message",
        "must be the text of the deprecation notice",
    ),
    (
        "x-speakeasy-name-override: send",
        "x-speakeasy-name-override: 'class'",
        ("", "x-speakeasy-name-override: 'class'"),
        "/post/x-speakeasy-name-override",
        "'class' is not a usable Python method name",
    ),
    (
        "operationId: ^listProviderEndpoints$",
        "operationId: '(unclosed'",
        ("", "operationId: '(unclosed'"),
        "/x-speakeasy-name-override/0/operationId",
        "is not a regular expression",
    ),
    # A required property or parameter, and a schema a body refers to, cannot be left out.
    (
        "required: [model, messages]",
        "required: [model, messages, internal_flags]",
        ("internal_flags:", "x-speakeasy-ignore"),
        "/internal_flags/x-speakeasy-ignore",
        "the property 'internal_flags' of the schema 'ChatRequest' is required",
    ),
    (
        "        - {name: slug, in: path, required: true, schema: {type: string}}",
        "        - {name: slug, in: path, required: true, schema: {type: string}, x-speakeasy-ignore: true}",
        ("", "name: slug"),
        "/parameters/1/x-speakeasy-ignore",
        "the path parameter 'slug'",
    ),
    (
        "schema: {$ref: '#/components/schemas/ChatRequest'}",
        "schema: {$ref: '#/components/schemas/DeprecatedRoute'}",
        ("", "schemas/DeprecatedRoute'}"),
        "/application~1json/schema/$ref",
        "which is left out of the SDK (x-speakeasy-ignore)",
    ),
]


@pytest.mark.parametrize(("old", "new", "line", "pointer_end", "message"), BAD_VALUES)
def test_a_bad_value_is_a_located_error_at_the_key_written(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    old: str,
    new: str,
    line: tuple[str, str],
    pointer_end: str,
    message: str,
) -> None:
    spec = _written(tmp_path, old, new)
    code = main(["validate", str(spec)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err
    errors = [text for text in err.splitlines() if ": error: " in text]
    assert len(errors) == 1, err
    where, said = errors[0].split(": error: ", 1)
    assert where.rsplit(":", 2)[-2] == str(_line_of(spec, line[1], line[0])), err
    assert message in said, err
    pointer = err.splitlines()[err.splitlines().index(errors[0]) + 1].strip()
    assert pointer.startswith("at /") and pointer.endswith(pointer_end), err


def test_the_aliases_notices_name_each_part_left_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SPEAKEASY)]) == 0
    err = capsys.readouterr().err
    warned = [line.split(": warning: ", 1) for line in err.splitlines() if ": warning: " in line]
    lines = {said: int(where.rsplit(":", 2)[1]) for where, said in warned}
    assert lines == {
        "the query parameter 'debug_trace' of GET /models is left out of the SDK (x-speakeasy-ignore)": _line_of(
            SPEAKEASY, "x-speakeasy-ignore", "debug_trace"
        ),
        "x-speakeasy-group 'beta.endpoints' names a nested resource: sdkgen makes no nested resources,"
        " and puts the method on client.beta_endpoints": _line_of(SPEAKEASY, "beta.endpoints"),
        "the operation POST /coinbase is left out of the SDK (x-speakeasy-ignore)": _line_of(
            SPEAKEASY, "x-speakeasy-ignore", "/coinbase"
        ),
        "the property 'route' of the schema 'ChatRequest' is left out of the SDK with its schema"
        " 'DeprecatedRoute' (x-speakeasy-ignore)": _line_of(SPEAKEASY, "$ref", "route:"),
        "the property 'internal_flags' of the schema 'ChatRequest' is left out of the SDK (x-speakeasy-ignore)": _line_of(
            SPEAKEASY, "x-speakeasy-ignore", "internal_flags"
        ),
        "the schema 'DeprecatedRoute' is left out of the SDK (x-speakeasy-ignore)": _line_of(
            SPEAKEASY, "x-speakeasy-ignore", "DeprecatedRoute:"
        ),
    }


class _Api(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, dict[str, Any]]] = []

    def _answer(self, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self.seen.append(("POST", self.path, json.loads(self.rfile.read(length) or b"{}")))
        self._answer({"id": "c1", "finish_reason": "content_filter", "text": "hi"})

    def do_GET(self) -> None:  # noqa: N802
        self.seen.append(("GET", self.path, {}))
        self._answer({"data": [{"id": "m1"}]})

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def api_url() -> Iterator[str]:
    _Api.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_generated_sdk_is_type_clean_and_warns_with_the_documents_messages(tmp_path: Path, api_url: str) -> None:
    _, files = generate_tree(SPEAKEASY, Config(), "speakeasy.yaml")
    out = tmp_path / "sdk"
    write_tree(files, out)
    type_check(out, "relay_chat")
    sys.path.insert(0, str(out))
    try:
        relay_chat = importlib.import_module("relay_chat")
        client = relay_chat.RelayChat(api_key="key", server_url=api_url)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            result = client.chat.complete(prompt="Hello")
            models = client.models.list(supported_parameters="tools", kind="text")
        assert [str(w.message) for w in said if w.category is DeprecationWarning] == [
            "Send chat messages with chat.send instead.",
            "Filter with category instead.",
        ]
        assert all(w.filename == __file__ for w in said if w.category is DeprecationWarning)
        assert result.finish_reason.value == "content_filter"  # an open enum keeps a value it does not list
        assert [m.id for m in models] == ["m1"]  # x-speakeasy-pagination: a pager of the items
        client.close()
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "relay_chat" or m.startswith("relay_chat.")]:
            del sys.modules[name]
    assert _Api.seen == [
        ("POST", "/completions", {"prompt": "Hello"}),
        ("GET", "/models?category=text&supported_parameters=tools", {}),
        # The pager asks for the next page; this server ignores the offset, so it stops there.
        ("GET", "/models?category=text&supported_parameters=tools&offset=1", {}),
    ]
