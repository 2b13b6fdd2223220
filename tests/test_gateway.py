"""The SDK of tests/corpus/ai-gateway.yaml (an AI API: chat streamed as server-sent events, lists
paginated by offset, cursor and `Link` header) over real HTTP against tests/gateway_server.py:
the overloads as mypy reads them, streams and pages end to end, the command line, and every
example of its README and reference docs, run as written."""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from gateway_server import ANSWER, GatewayServer

from conftest import generate
from server import API_KEY, RunningServer

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "corpus" / "ai-gateway.yaml"
VENV_BIN = Path(sys.executable).parent
PACKAGE = "model_gateway"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


@pytest.fixture(scope="module")
def sdk_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gateway") / "sdk"
    generate(SPEC, out)
    return out


@pytest.fixture(scope="module")
def sdk(sdk_folder: Path) -> Iterator[ModuleType]:
    sys.path.insert(0, str(sdk_folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(sdk_folder))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[GatewayServer, str]]:
    app = GatewayServer()
    with RunningServer(app) as server:
        yield app, server.url


@pytest.fixture
def gateway(running: tuple[GatewayServer, str]) -> GatewayServer:
    app = running[0]
    app.seen.clear()
    return app


@pytest.fixture
def client(sdk: ModuleType, running: tuple[GatewayServer, str]) -> Iterator[Any]:
    with sdk.ModelGateway(api_key=API_KEY, server_url=running[1]) as client:
        yield client


def test_chat_answers_json_unless_asked_to_stream(client: Any, gateway: GatewayServer, sdk: ModuleType) -> None:
    result = client.chat.send(model="vendor/model-1", messages=[{"role": "user", "content": "Capital of France?"}])
    assert isinstance(result, sdk.models.ChatResult)
    assert result.choices[0].message.content == "".join(ANSWER)
    (seen,) = gateway.requests("/chat/completions")
    assert "stream" not in seen.body
    assert seen.headers.get("accept") != "text/event-stream"


def test_chat_streams_typed_chunks_until_the_sentinel(client: Any, gateway: GatewayServer, sdk: ModuleType) -> None:
    with client.chat.send(model="vendor/model-1", messages=[{"role": "user", "content": "hi"}], stream=True) as stream:
        chunks = list(stream)
    deltas = [c for c in chunks if isinstance(c, sdk.models.ChatDelta)]
    assert "".join(d.content for d in deltas) == "".join(ANSWER)
    assert isinstance(chunks[-1], sdk.models.ChatUsage) and chunks[-1].completion_tokens == len(ANSWER)
    assert len(chunks) == len(ANSWER) + 1  # the keep-alive comment and `[DONE]` are no chunks
    (seen,) = gateway.requests("/chat/completions")
    assert seen.body["stream"] is True
    assert seen.headers["accept"] == "text/event-stream"


def test_a_stream_of_whole_events_yields_the_event_schema(client: Any, gateway: GatewayServer, sdk: ModuleType) -> None:
    with client.generations.events("gen-1") as stream:
        events = list(stream)
    assert [(e.event, e.id, e.data.percent) for e in events] == [
        ("progress", "0", 0),
        ("progress", "1", 50),
        ("done", "2", 100),
    ]
    assert all(isinstance(e, sdk.models.ProgressEvent) for e in events)
    assert [s.path for s in gateway.seen] == ["/api/v1/generations/gen-1/events"]


def test_offset_pages_are_asked_for_lazily_and_a_short_page_ends_the_list(client: Any, gateway: GatewayServer) -> None:
    pager = client.models.list(limit=3)
    assert len(gateway.seen) == 1  # the call sends the first page's request, no more
    ids = [m.id for m in pager]
    assert ids == [f"vendor/model-{n}" for n in range(7)]
    assert [s.query for s in gateway.seen] == [
        {"limit": "3"},
        {"limit": "3", "offset": "3"},
        {"limit": "3", "offset": "6"},
    ]


def test_max_items_stops_before_the_next_page(client: Any, gateway: GatewayServer) -> None:
    items = list(client.models.list(limit=3).iter_items(max_items=4))
    assert [m.id for m in items] == [f"vendor/model-{n}" for n in range(4)]
    assert len(gateway.seen) == 2


def test_cursor_pages(client: Any, gateway: GatewayServer) -> None:
    pages = list(client.generations.list(model="vendor/model-1").iter_pages())
    assert [[g.id for g in page.items] for page in pages] == [["gen-0", "gen-1"], ["gen-2", "gen-3"], ["gen-4"]]
    assert [page.number for page in pages] == [0, 1, 2]
    assert [s.query for s in gateway.seen] == [
        {"model": "vendor/model-1"},
        {"model": "vendor/model-1", "cursor": "c2"},
        {"model": "vendor/model-1", "cursor": "c4"},
    ]


def test_link_header_pages(client: Any, gateway: GatewayServer) -> None:
    keys = [k.id for k in client.keys.list(per_page=2)]
    assert keys == [f"key-{n}" for n in range(5)]
    assert [s.query for s in gateway.seen] == [
        {"per_page": "2"},
        {"page": "2", "per_page": "2"},
        {"page": "3", "per_page": "2"},
    ]


def test_async_streams_and_pages(sdk: ModuleType, running: tuple[GatewayServer, str], gateway: GatewayServer) -> None:
    async def main() -> tuple[list[Any], list[str]]:
        async with sdk.AsyncModelGateway(api_key=API_KEY, server_url=running[1]) as client:
            stream = await client.chat.send(model="m", messages=[{"role": "user", "content": "hi"}], stream=True)
            async with stream:
                chunks = [chunk async for chunk in stream]
            pager = await client.models.list(limit=3)
            ids = [model.id async for model in pager]
        return chunks, ids

    chunks, ids = asyncio.run(main())
    assert len(chunks) == len(ANSWER) + 1
    assert ids == [f"vendor/model-{n}" for n in range(7)]


def _cli(sdk_folder: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(sdk_folder), "MODEL_GATEWAY_API_KEY": API_KEY}
    env["MODEL_GATEWAY_SERVER_URL"] = url
    return subprocess.run([sys.executable, "-m", PACKAGE, *args], capture_output=True, text=True, env=env, timeout=60)


def test_the_command_line_lists_every_page_and_prints_events_as_json_lines(
    sdk_folder: Path, running: tuple[GatewayServer, str], gateway: GatewayServer
) -> None:
    url = running[1]
    # The operation's own `limit` (the page size) yields `--limit` to the pager's option.
    every = _cli(sdk_folder, url, "models", "list", "--param-limit", "3", "--all", "--json")
    assert every.returncode == 0, every.stderr
    assert [json.loads(line)["id"] for line in every.stdout.splitlines()] == [f"vendor/model-{n}" for n in range(7)]
    assert [s.query.get("offset") for s in gateway.seen] == [None, "3", "6"]
    some = _cli(sdk_folder, url, "generations", "list", "--limit", "3", "--json")
    assert [json.loads(line)["id"] for line in some.stdout.splitlines()] == ["gen-0", "gen-1", "gen-2"]
    first = _cli(sdk_folder, url, "models", "list", "--json")  # no --all: the first page's answer
    assert [m["id"] for m in json.loads(first.stdout)["data"]] == [f"vendor/model-{n}" for n in range(3)]
    messages = json.dumps([{"role": "user", "content": "hi"}])
    streamed = _cli(sdk_folder, url, "chat", "send", "--model", "m", "--messages", messages, "--stream", "--json")
    assert streamed.returncode == 0, streamed.stderr
    lines = [json.loads(line) for line in streamed.stdout.splitlines()]
    assert [line["type"] for line in lines] == ["delta"] * len(ANSWER) + ["usage"]
    bad = _cli(sdk_folder, url, "models", "list", "--limit", "0")
    assert bad.returncode == 2 and "positive" in bad.stderr


def _examples(sdk_folder: Path) -> list[tuple[str, str]]:
    found = []
    for doc in [sdk_folder / "README.md", *sorted((sdk_folder / "docs").glob("*.md"))]:
        text = doc.read_text()
        for match in FENCE.finditer(text):
            found.append((f"{doc.name}:{text[: match.start()].count(chr(10)) + 2}", match.group(1)))
    return found


def test_every_readme_and_reference_example_runs(
    sdk_folder: Path, running: tuple[GatewayServer, str], gateway: GatewayServer
) -> None:
    """The examples that show streams and pages run as written against the server."""
    examples = _examples(sdk_folder)
    shown = "\n".join(code for _, code in examples)
    assert "stream=True" in shown and "iter_pages(" in shown and "for event in stream" in shown
    env = {**os.environ, "PYTHONPATH": str(sdk_folder), "MODEL_GATEWAY_API_KEY": API_KEY}
    env["MODEL_GATEWAY_SERVER_URL"] = running[1]
    for where, code in examples:
        if "import" not in code:
            continue  # a fragment (a signature, an install line)
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 0, f"{where}:\n{code}\n{result.stderr}"
        assert result.stdout.strip() or "print(" not in code, where


def test_the_global_header_goes_with_every_call_and_the_ignored_operation_is_left_out(
    sdk: ModuleType, sdk_folder: Path, running: tuple[GatewayServer, str], gateway: GatewayServer
) -> None:
    """`x-speakeasy-globals` makes `X-Title` a client setting sent with every call (a call's own
    argument replaces it); `x-speakeasy-ignore` leaves the crypto payment out, said in the README."""
    with sdk.ModelGateway(api_key=API_KEY, server_url=running[1], x_title="Docs App") as client:
        list(client.models.list(limit=5))
        client.chat.send(model="m", messages=[{"role": "user", "content": "hi"}], x_title="Chat Page")
        client.chat.send(model="m", messages=[{"role": "user", "content": "hi"}])
        assert not hasattr(client, "credits")
    # Sent where the operation declares the parameter (Speakeasy's rule): chat, not the model list.
    assert [s.headers.get("x-title") for s in gateway.seen] == [None, None, "Chat Page", "Docs App"]
    readme = (sdk_folder / "README.md").read_text()
    assert "## Left out of this SDK" in readme and "POST /credits/coinbase" in readme
    assert "coinbase" not in (sdk_folder / PACKAGE / "resources.py").read_text().lower()


def test_the_projects_readme_examples_of_streams_and_pages_run(
    sdk_folder: Path, running: tuple[GatewayServer, str], gateway: GatewayServer
) -> None:
    """The README's examples for `model_gateway` run as written against the gateway server."""
    text = (ROOT / "README.md").read_text()
    examples = [code for code in FENCE.findall(text) if "from model_gateway import" in code]
    assert len(examples) == 2
    env = {**os.environ, "PYTHONPATH": str(sdk_folder), "MODEL_GATEWAY_API_KEY": API_KEY}
    env["MODEL_GATEWAY_SERVER_URL"] = running[1]
    outputs = []
    for code in examples:
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
        assert result.returncode == 0, f"{code}\n{result.stderr}"
        outputs.append(result.stdout)
    assert outputs[0] == "".join(ANSWER) + "\n" + "".join(ANSWER) + "\n"
    assert outputs[1].splitlines()[:9] == [f"vendor/model-{n}" for n in range(7)] + ["gen-0", "gen-1"]


def test_without_a_limit_the_specs_default_page_size_ends_the_list_at_a_short_page(
    client: Any, gateway: GatewayServer
) -> None:
    """`limit` defaults to 3 in the spec: a page of fewer items is the last, with no request for
    an empty page after it."""
    assert len(list(client.models.list())) == 7
    assert [s.query for s in gateway.seen] == [{}, {"offset": "3"}, {"offset": "6"}]
