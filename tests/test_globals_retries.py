"""Client-level parameters (`x-sdk-globals`), per-operation retry settings (`x-sdk-retries`) and
request bodies taken whole (`x-sdk-max-method-params`), over real HTTP.

The SDK of tests/corpus/globals-retries.yaml (package `widget_works`) calls a small ASGI server
on 127.0.0.1 that records every request (its path, headers, body and when it arrived) and answers
with the statuses a test scripts first.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import generate
from generator.cli import main
from server import RunningServer

SPEC = Path(__file__).parent / "corpus" / "globals-retries.yaml"
PACKAGE = "widget_works"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class WidgetServer:
    """Answers the operations of globals-retries.yaml; `fail(method, path, 503, 500)` makes the next
    requests to that path answer those statuses first."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.faults: dict[tuple[str, str], list[int]] = {}

    def reset(self) -> None:
        self.seen.clear()
        self.faults.clear()

    def fail(self, method: str, path: str, *statuses: int) -> None:
        self.faults[(method, path)] = list(statuses)

    def requests(self, method: str, path: str) -> list[Seen]:
        return [r for r in self.seen if (r.method, r.path) == (method, path)]

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        method, path = scope["method"], scope["path"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.seen.append(Seen(method, path, headers, body, time.monotonic()))
        pending = self.faults.get((method, path))
        if pending:
            status, answer = pending.pop(0), {"error": "scripted"}
        else:
            status, answer = self.answer(method, path, body)
        content = b"" if status == 204 else json.dumps(answer).encode()
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
        )
        await send({"type": "http.response.body", "body": content})

    @staticmethod
    def answer(method: str, path: str, body: bytes) -> tuple[int, Any]:
        widget = {"id": "w-1", "name": "one"}
        if path == "/status":
            return 200, {"ok": True}
        if path == "/notes" or method == "DELETE":
            return 204, None
        if path.endswith("/widgets"):
            return (200, {"data": [widget]}) if method == "GET" else (201, {**widget, **json.loads(body)})
        return 200, widget


@pytest.fixture(scope="module")
def sdk_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("widgets") / "sdk"
    generate(SPEC, out)
    return out


@pytest.fixture(scope="module")
def sdk(sdk_folder: Path) -> Iterator[Any]:
    sys.path.insert(0, str(sdk_folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(sdk_folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[WidgetServer, str]]:
    app = WidgetServer()
    with RunningServer(app) as server:
        yield app, f"http://127.0.0.1:{server.port}"


@pytest.fixture
def server(running: tuple[WidgetServer, str]) -> WidgetServer:
    running[0].reset()
    return running[0]


@pytest.fixture
def make(sdk: Any, running: tuple[WidgetServer, str]) -> Iterator[Any]:
    """Makes clients of the test server; closes them after the test."""
    made: list[Any] = []

    def client(**settings: Any) -> Any:
        made.append(sdk.WidgetWorks(api_key="k", server_url=running[1], **settings))
        return made[-1]

    yield client
    for client_made in made:
        client_made.close()


# -- x-sdk-globals ----------------------------------------------------------------------------


def test_a_global_header_goes_with_every_call_that_declares_it_and_a_call_replaces_it(
    make: Any, server: WidgetServer
) -> None:
    default = make()
    default.widgets.list_widgets()
    chosen = make(x_api_version="2025-01-01")
    chosen.widgets.list_widgets()
    chosen.widgets.create_widget(body={"name": "a"})
    chosen.widgets.list_widgets(x_api_version="1999-12-31")  # this call only
    chosen.widgets.list_widgets()
    chosen.widgets.get_widget("w-1")  # does not declare it: not sent
    versions = [r.headers.get("x-api-version") for r in server.seen]
    assert versions == ["2024-06-01", "2025-01-01", "2025-01-01", "1999-12-31", "2025-01-01", None]


def test_a_global_header_no_operation_declares_goes_with_every_call(make: Any, server: WidgetServer) -> None:
    client = make(x_tenant="acme")
    client.widgets.get_status()
    client.widgets.add_note(text="hi")
    client.widgets.delete_widget("w-1")
    make().widgets.get_status()  # not given: not sent
    assert [r.headers.get("x-tenant") for r in server.seen] == ["acme", "acme", "acme", None]


def test_a_global_path_parameter_fills_the_path_and_a_call_replaces_it(
    sdk: Any, make: Any, server: WidgetServer
) -> None:
    make().widgets.get_widget("w-1")  # the spec's default
    client = make(region="us")
    client.widgets.get_widget("w-1")
    client.widgets.list_widgets(region="ap-south")
    client.widgets.label_widget("w-9", body={"text": "new"})
    assert [r.path for r in server.seen] == [
        "/eu/widgets/w-1",
        "/us/widgets/w-1",
        "/ap-south/widgets",
        "/us/widgets/w-9/label",
    ]


async def test_the_async_client_sends_the_globals_too(sdk: Any, running: tuple[WidgetServer, str]) -> None:
    app, url = running
    app.reset()
    async with sdk.AsyncWidgetWorks(api_key="k", server_url=url, region="us", x_tenant="t-1") as client:
        await client.widgets.list_widgets(x_api_version="v2")
    (request,) = app.seen
    assert request.path == "/us/widgets"
    assert (request.headers["x-api-version"], request.headers["x-tenant"]) == ("v2", "t-1")


# -- x-sdk-retries ----------------------------------------------------------------------------


def test_a_get_is_retried_on_a_configured_status_with_the_documents_backoff(make: Any, server: WidgetServer) -> None:
    server.fail("GET", "/status", 501, 507)  # 5XX is configured for the document (the client's own: 5xx but these)
    assert make().widgets.get_status().ok is True
    attempts = server.requests("GET", "/status")
    assert len(attempts) == 3
    gaps = [later.at - earlier.at for earlier, later in zip(attempts, attempts[1:], strict=False)]
    # initialInterval 20 ms, exponent 2, half to all of it (jitter): at least 10 and 20 ms apart
    assert gaps[0] >= 0.01 and gaps[1] >= 0.02, gaps
    assert sum(gaps) < 5, gaps  # not the client's default (0.5 s, then 1 s)


def test_a_status_not_configured_is_not_retried(sdk: Any, make: Any, server: WidgetServer) -> None:
    # get_widget's own settings retry 503 only, replacing the document's 5XX
    server.fail("GET", "/eu/widgets/w-1", 502)
    with pytest.raises(sdk.errors.APIError) as raised:
        make().widgets.get_widget("w-1")
    assert raised.value.status_code == 502
    assert len(server.requests("GET", "/eu/widgets/w-1")) == 1
    server.fail("GET", "/eu/widgets/w-1", 503, 503)
    assert make().widgets.get_widget("w-1").id == "w-1"
    assert len(server.requests("GET", "/eu/widgets/w-1")) == 4


def test_a_post_without_an_idempotency_key_is_not_retried_on_a_configured_5xx(
    sdk: Any, make: Any, server: WidgetServer
) -> None:
    client = make()
    server.fail("POST", "/eu/widgets", 503)
    with pytest.raises(sdk.errors.APIError):
        client.widgets.create_widget(body={"name": "a"})
    assert len(server.requests("POST", "/eu/widgets")) == 1
    server.fail("GET", "/eu/widgets", 503)  # the same status on a GET is retried
    client.widgets.list_widgets()
    assert len(server.requests("GET", "/eu/widgets")) == 2
    # 429 is configured too, and retried whatever the method, as the server asks to retry
    server.fail("POST", "/eu/widgets", 429)
    assert client.widgets.create_widget(body={"name": "b"}).name == "b"
    assert len(server.requests("POST", "/eu/widgets")) == 3
    # and the caller may accept a repeat
    server.fail("POST", "/eu/widgets", 500)
    client.widgets.create_widget(body={"name": "c"}, retry_non_idempotent=True)
    assert len(server.requests("POST", "/eu/widgets")) == 5


def test_strategy_none_turns_retries_off_and_a_calls_max_retries_turns_them_on(
    sdk: Any, make: Any, server: WidgetServer
) -> None:
    client = make(max_retries=3)
    server.fail("DELETE", "/eu/widgets/w-1", 503)
    with pytest.raises(sdk.errors.APIError):
        client.widgets.delete_widget("w-1")
    assert len(server.requests("DELETE", "/eu/widgets/w-1")) == 1
    server.fail("DELETE", "/eu/widgets/w-1", 503)
    client.widgets.delete_widget("w-1", max_retries=1)
    assert len(server.requests("DELETE", "/eu/widgets/w-1")) == 3


def test_a_calls_max_retries_still_bounds_the_configured_retries(sdk: Any, make: Any, server: WidgetServer) -> None:
    server.fail("GET", "/status", 501, 501, 501)
    with pytest.raises(sdk.errors.APIError):
        make().widgets.get_status(max_retries=1)
    assert len(server.requests("GET", "/status")) == 2


# -- x-sdk-max-method-params ------------------------------------------------------------------


def test_a_large_body_is_one_argument_sent_with_wire_names_unset_fields_left_out(
    sdk: Any, make: Any, server: WidgetServer
) -> None:
    client = make()
    created = client.widgets.create_widget(body=sdk.models.WidgetCreate(name="a", display_name="A", size_mm=30))
    assert created.name == "a"
    client.widgets.create_widget(body={"name": "b", "sizeMm": 4, "tags": ["x"]})
    client.widgets.label_widget("w-1", body=sdk.models.Label(text="t"))  # x-sdk-max-method-params: 0
    client.widgets.add_note(text="n", pinned=True)  # three properties or fewer: one argument each
    bodies = [r.json() for r in server.seen]
    assert bodies == [
        {"name": "a", "displayName": "A", "sizeMm": 30},
        {"name": "b", "sizeMm": 4, "tags": ["x"]},
        {"text": "t"},
        {"text": "n", "pinned": True},
    ]


def test_a_body_that_does_not_match_its_model_is_refused_before_sending(
    sdk: Any, make: Any, server: WidgetServer
) -> None:
    with pytest.raises(sdk.errors.RequestValidationError) as raised:
        make().widgets.create_widget(body={"sizeMm": "big"})
    assert isinstance(raised.value, sdk.errors.WidgetWorksError)
    assert "name" in str(raised.value)
    assert server.seen == []


TYPED_USE = """
from widget_works import AsyncWidgetWorks, WidgetWorks, models


def use(client: WidgetWorks) -> models.Widget:
    client.widgets.create_widget(body={"name": "b", "sizeMm": 3})
    client.widgets.list_widgets(region="ap", x_api_version="v1")
    client.widgets.get_widget("w-1", region="us")
    client.widgets.create_widget(name="a")  # type: ignore[call-arg]
    return client.widgets.create_widget(body=models.WidgetCreate(name="a", display_name="A"))


async def use_async(client: AsyncWidgetWorks) -> None:
    await client.widgets.label_widget("w-1", body=models.Label(text="t"))


WidgetWorks(region="us", x_tenant="acme", x_api_version="2025-01-01")
WidgetWorks(region=3)  # type: ignore[arg-type]
"""


def test_mypy_strict_accepts_the_typed_calls_and_refuses_the_wrong_ones(sdk_folder: Path) -> None:
    (sdk_folder / "typed_use.py").write_text(TYPED_USE)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "typed_use.py"], cwd=sdk_folder, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- validation -------------------------------------------------------------------------------


def _document(change: Any) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    change(spec)
    return spec


def _op(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    operation: dict[str, Any] = spec["paths"][path][method]
    return operation


REFUSED = {
    "strategy": (
        lambda s: s["x-sdk-retries"].update(strategy="sometimes"),
        "/x-sdk-retries/strategy",
        "strategy must be `backoff` or `none`",
    ),
    "interval": (
        lambda s: _op(s, "/status", "get").update({"x-sdk-retries": {"backoff": {"initialInterval": -5}}}),
        "/paths/~1status/get/x-sdk-retries/backoff/initialInterval",
        "initialInterval must be a number (milliseconds), 0 or more",
    ),
    "status": (
        lambda s: s["x-sdk-retries"].update(statusCodes=[429, 600]),
        "/x-sdk-retries/statusCodes/1",
        "600 is not an HTTP status or range",
    ),
    "unknown-key": (
        lambda s: s["x-sdk-retries"].update(maxAttempts=3),
        "/x-sdk-retries/maxAttempts",
        "x-sdk-retries has no 'maxAttempts'",
    ),
    "max-params": (
        lambda s: _op(s, "/notes", "post").update({"x-sdk-max-method-params": "three"}),
        "/paths/~1notes/post/x-sdk-max-method-params",
        "x-sdk-max-method-params must be a whole number",
    ),
    "global-location": (
        lambda s: s["x-sdk-globals"]["parameters"][1].update({"in": "body"}),
        "/x-sdk-globals/parameters/1/in",
        "must be `in` header, query, path or cookie",
    ),
    "global-shape": (
        lambda s: s.update({"x-sdk-globals": [{"name": "region"}]}),
        "/x-sdk-globals",
        "x-sdk-globals must be a mapping with a `parameters` list",
    ),
    "global-keyword": (
        lambda s: s["x-sdk-globals"]["parameters"][2].update({"x-sdk-name": "region"}),
        "/x-sdk-globals/parameters/2",
        "would be the client keyword 'region'",
    ),
    "global-sdk-header": (
        lambda s: s["x-sdk-globals"]["parameters"][2].update({"name": "Authorization"}),
        "/x-sdk-globals/parameters/2/name",
        "is one the SDK sets itself",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_malformed_extension_is_a_located_error(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    change, pointer, message = REFUSED[case]
    spec_path = tmp_path / "widgets.yaml"
    spec_path.write_text(yaml.safe_dump(_document(change), sort_keys=False))
    code = main(["generate", str(spec_path), "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1, err
    location, found = errors[0].split(": error: ", 1)
    assert location.startswith(f"{spec_path}:") and location.split(":")[-2].isdigit(), err
    assert message in found, err
    assert err.splitlines()[err.splitlines().index(errors[0]) + 1].strip() == f"at {pointer}", err
    assert not (tmp_path / "out").exists()


def test_the_command_line_starts_without_a_required_global_and_takes_it_per_command(
    tmp_path: Path, running: tuple[WidgetServer, str]
) -> None:
    app, url = running
    app.reset()

    def required_version(spec: dict[str, Any]) -> None:
        version = spec["components"]["parameters"]["ApiVersion"]
        version["required"] = True
        del version["schema"]["default"]

    spec_path = tmp_path / "widgets.yaml"
    spec_path.write_text(yaml.safe_dump(_document(required_version), sort_keys=False))
    generate(spec_path, tmp_path / "sdk")
    env = {"PYTHONPATH": str(tmp_path / "sdk"), "WIDGET_WORKS_API_KEY": "k", "PATH": ""}
    for command in (["get-status"], ["list-widgets", "--x-api-version", "v9"]):
        done = subprocess.run(
            [sys.executable, "-m", PACKAGE, "--server-url", url, "--json", *command],
            capture_output=True,
            text=True,
            env=env,
        )
        assert done.returncode == 0, done.stderr
    assert [(r.path, r.headers.get("x-api-version")) for r in app.seen] == [("/status", None), ("/eu/widgets", "v9")]
