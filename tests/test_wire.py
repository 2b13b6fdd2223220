"""What the generated SDK puts on the wire for each parameter style and body type, over real HTTP.

The kitchen-sink corpus document is generated into a temporary folder and called against a
recording server on loopback; each test reads back the raw request the server received.
"""

from __future__ import annotations

import base64
import importlib
import io
import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from conftest import generate
from server import RunningServer

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "corpus" / "kitchen-sink-3.1.yaml"
ITEM = {"id": "0b5c6f1e-2f4b-4a37-9a53-6a1d2b8b7c10", "name": "sprocket", "kind": "widget"}
RESPONSES: dict[tuple[str, str], tuple[int, str, bytes]] = {
    ("GET", "/items"): (200, "application/json", json.dumps({"items": [ITEM]}).encode()),
    ("POST", "/items"): (201, "application/json", json.dumps(ITEM).encode()),
    ("PATCH", "/items/a%2Fb"): (200, "application/json", json.dumps(ITEM).encode()),
    ("DELETE", "/items/x"): (204, "", b""),
    ("PUT", "/items/x/notes"): (200, "text/plain; charset=utf-8", "stored ✓".encode()),
    ("POST", "/items/batch"): (200, "application/json", b'["n1", "n2"]'),
    ("POST", "/files"): (201, "application/json", b'{"id": "f1", "size": 5}'),
    ("PUT", "/files/f1"): (204, "", b""),
    ("POST", "/login"): (200, "application/json", b'{"token": "t"}'),
}


class Recorder:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["raw_path"].decode().removeprefix("/api/v1")
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.requests.append(
            {
                "method": scope["method"],
                "path": path,
                "query": scope["query_string"].decode(),
                "headers": headers,
                "header_names": [k.decode().lower() for k, _ in scope["headers"]],
                "body": body,
            }
        )
        status, content_type, data = RESPONSES.get((scope["method"], path), (404, "application/json", b"{}"))
        raw = [(b"content-type", content_type.encode())] if content_type else []
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": data})

    @property
    def last(self) -> dict[str, Any]:
        return self.requests[-1]


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    out = tmp_path_factory.mktemp("wire")
    generate(SPEC, out)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("kitchen_sink")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m == "kitchen_sink" or m.startswith("kitchen_sink.")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[Recorder, str]]:
    app = Recorder()
    with RunningServer(app) as running:
        yield app, running.url


@pytest.fixture
def client(sdk: Any, recorder: tuple[Recorder, str]) -> Iterator[Any]:
    with sdk.KitchenSink(api_key="user:s3cret", server_url=recorder[1], max_retries=0) as c:
        yield c


def test_query_styles_headers_cookies_and_basic_auth(client: Any, recorder: tuple[Recorder, str]) -> None:
    app = recorder[0]
    page = client.items.list_items(
        ids=[1, 2, 3],
        filter={"color": "red", "size": 2},
        tags=["a", "b"],
        sort="desc",
        x_trace_id="trace-1",
        session="s 1",
    )
    assert page.items[0].name == "sprocket"
    request = app.last
    pairs = [tuple(unquote(p).split("=", 1)) for p in request["query"].split("&")]
    assert pairs == [
        ("ids", "1,2,3"),  # form, explode: false
        ("filter[color]", "red"),  # deepObject
        ("filter[size]", "2"),
        ("tags", "a"),  # form, exploded (the default)
        ("tags", "b"),
        ("sort", "desc"),
    ]
    assert request["headers"]["x-trace-id"] == "trace-1"
    assert request["headers"]["cookie"] == "session=s%201"
    assert request["headers"]["authorization"] == "Basic " + base64.b64encode(b"user:s3cret").decode()


def test_json_body_sends_only_given_fields_and_no_read_only_ones(client: Any, recorder: tuple[Recorder, str]) -> None:
    item = client.items.create_item(name="n", kind="widget", price=2.5, shape={"shape": "circle", "radius": 1})
    assert str(item.id) == ITEM["id"]
    request = recorder[0].last
    assert request["headers"]["content-type"] == "application/json"
    assert json.loads(request["body"]) == {
        "name": "n",
        "kind": "widget",
        "price": 2.5,
        "shape": {"shape": "circle", "radius": 1},
    }
    assert "id" not in client.items.create_item.__code__.co_varnames  # readOnly: not an argument


def test_other_json_media_types_and_array_bodies(client: Any, recorder: tuple[Recorder, str]) -> None:
    client.items.update_item("a/b", name="x")
    request = recorder[0].last
    assert request["path"] == "/items/a%2Fb"  # a path parameter cannot add a path segment
    assert request["headers"]["content-type"] == "application/merge-patch+json"
    assert json.loads(request["body"]) == {"name": "x"}
    ids = client.items.create_items(body=[{"name": "a"}, {"name": "b", "price": None}])
    assert ids == ["n1", "n2"]
    assert json.loads(recorder[0].last["body"]) == [{"name": "a"}, {"name": "b", "price": None}]


def test_text_bodies_and_responses(client: Any, recorder: tuple[Recorder, str]) -> None:
    assert client.items.put_item_notes("x", body="note ✓") == "stored ✓"
    request = recorder[0].last
    assert request["headers"]["content-type"] == "text/plain"
    assert request["body"] == "note ✓".encode()


def test_multipart_upload_and_binary_body(client: Any, recorder: tuple[Recorder, str]) -> None:
    info = client.files.upload_file(file=("hello.txt", io.BytesIO(b"hello"), "text/plain"), labels=["x", "y"])
    assert info.size == 5
    request = recorder[0].last
    assert request["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    body = request["body"]
    assert b'name="file"; filename="hello.txt"' in body and b"Content-Type: text/plain\r\n\r\nhello" in body
    assert body.count(b'name="labels"') == 2
    client.default.replace_file("f1", body=b"\x00\x01raw")
    request = recorder[0].last
    assert request["headers"]["content-type"] == "application/octet-stream" and request["body"] == b"\x00\x01raw"


def test_form_body_and_an_operation_without_security(client: Any, recorder: tuple[Recorder, str]) -> None:
    assert client.default.post_login(username="u", password="p w", remember=True).token == "t"
    request = recorder[0].last
    assert request["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert request["body"] == b"username=u&password=p+w&remember=true"
    assert "authorization" not in request["headers"]


def test_deprecated_operations_and_parameters_warn_at_the_call(client: Any) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client.items.delete_item("x")
        client.items.list_items(legacy=True)
        client.items.list_items()
    messages = [(str(w.message), Path(w.filename).name) for w in caught if w.category is DeprecationWarning]
    assert messages == [
        ("DELETE /items/{itemId} is deprecated", "test_wire.py"),
        ("parameter 'legacy' of GET /items is deprecated", "test_wire.py"),
    ]


def test_servers_and_their_variables(sdk: Any) -> None:
    assert sdk.server_url() == "https://prod.sink.example/api/v2"
    assert sdk.server_url(env="staging") == "https://staging.sink.example/api/v2"
    assert sdk.server_url(1) == "http://localhost:8080/api"
    with pytest.raises(ValueError, match="no variables"):
        sdk.server_url(1, env="x")
    assert repr(sdk.KitchenSink(api_key="u:p")) == "KitchenSink(server_url='https://prod.sink.example/api/v2')"


IMPORT_EVERYTHING = """
import warnings
import httpx, pydantic  # their own warnings (httpx before 0.23.1 imports cgi) are not the SDK's
warnings.simplefilter("error")
import {package}, {package}.cli, {package}.errors, {package}.models, {package}.resources
"""


@pytest.mark.parametrize("package", ["kitchen_sink", "modelgates"])
def test_importing_the_sdk_and_its_models_warns_about_nothing(sdk: Any, package: str) -> None:
    """The models are written for the oldest pydantic declared: a newer construct is a warning at import
    on older releases (`Field(deprecated=True)` before pydantic 2.7), an error where warnings are."""
    folder = Path(sdk.__file__).parent.parent if package == "kitchen_sink" else ROOT / "generated"
    script = IMPORT_EVERYTHING.format(package=package)
    result = subprocess.run([sys.executable, "-c", script], cwd=folder, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_each_header_is_sent_once(client: Any, recorder: tuple[Recorder, str]) -> None:
    """The pool's defaults (httpx's lower-case `accept`, `user-agent`) and the request's own are one
    header each, by name ignoring case (RFC 9110 §5.1)."""
    client.items.update_item("a/b", name="x")
    sent = recorder[0].last
    assert sorted(sent["header_names"]) == sorted(set(sent["header_names"]))
    assert sent["headers"]["accept"] == "application/json"
    assert not sent["headers"]["user-agent"].startswith("python-httpx")


def test_an_empty_list_in_a_query_is_no_parameter(client: Any, recorder: tuple[Recorder, str]) -> None:
    """RFC 6570 §2.3: an empty list is undefined; `?ids=` would be a list of one empty string."""
    client.items.list_items(ids=[])
    assert "ids" not in recorder[0].last["query"]
