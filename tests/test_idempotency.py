"""Idempotency keys (`x-sdk-idempotency`), over real HTTP against the test server.

The ModelGates spec is copied with `x-sdk-idempotency: Idempotency-Key` on `POST /videos`, and the
SDK generated from it (package `keyed_videos`) calls the same test server as the project's SDK:
a keyed POST is retried after a 5XX or a timeout with the key it was first sent with, one key per
call. The project's own SDK (no declaration) keeps the safe rule: one POST, the error raised.
"""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import yaml

import modelgates
from conftest import SPEC, generate
from generator.validate import IDEMPOTENCY
from modelgates import errors
from server import API_KEY, SeenRequest, VideoServer

HEADER = "Idempotency-Key"
PACKAGE = "keyed_videos"


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The SDK of the ModelGates spec with an idempotency key declared on `POST /videos`, imported."""
    folder = tmp_path_factory.mktemp("keyed")
    spec = yaml.safe_load(SPEC.read_text())
    spec["info"]["title"] = "Keyed Videos"
    spec["paths"]["/videos"]["post"][IDEMPOTENCY] = HEADER
    spec_path = folder / "keyed.yaml"
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = folder / "sdk"
    generate(spec_path, out)
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _fast(sdk: Any) -> Any:
    sdk._transport.retry = type(sdk._transport.retry)(max_retries=2, initial_delay=0.01, max_delay=0.05)
    return sdk


@pytest.fixture
def kclient(keyed: Any, server: VideoServer, server_url: str) -> Iterator[Any]:
    with _fast(keyed.KeyedVideos(api_key=API_KEY, server_url=server_url)) as sdk:
        yield sdk


@pytest.fixture
async def akclient(keyed: Any, server: VideoServer, server_url: str) -> AsyncIterator[Any]:
    async with _fast(keyed.AsyncKeyedVideos(api_key=API_KEY, server_url=server_url)) as sdk:
        yield sdk


def _keys(requests: list[SeenRequest]) -> list[str | None]:
    return [request.headers.get(HEADER.lower()) for request in requests]


def _random_key(key: str | None) -> str:
    assert key is not None
    assert uuid.UUID(key).version == 4, key
    return key


def test_a_5xx_is_retried_with_the_key_of_the_first_attempt(kclient: Any, server: VideoServer) -> None:
    server.fail("POST", "/videos", 500, times=1)
    job = kclient.video_generation.generate(model="google/veo-3.1", prompt="A fox")
    assert job.status == "pending"
    first, again = _keys(server.seen("POST", "/videos"))
    assert _random_key(first) == again
    # The next call is another request: a key of its own.
    kclient.video_generation.generate(model="google/veo-3.1", prompt="A fox")
    keys = _keys(server.seen("POST", "/videos"))
    assert len(keys) == 3 and _random_key(keys[2]) != first


def test_a_timeout_is_retried_with_the_same_key(kclient: Any, server: VideoServer) -> None:
    server.fail("POST", "/videos", 500, delay=1.0, times=1)  # answers after the call has timed out
    job = kclient.video_generation.generate(model="google/veo-3.1", timeout=0.3)
    assert job.status == "pending" and len(server.jobs) == 1
    first, again = _keys(server.seen("POST", "/videos"))
    assert _random_key(first) == again


def test_a_key_given_by_the_caller_is_sent_with_every_attempt(kclient: Any, server: VideoServer) -> None:
    server.fail("POST", "/videos", 502, times=1)
    kclient.video_generation.generate(model="google/veo-3.1", idempotency_key="order-42")
    assert _keys(server.seen("POST", "/videos")) == ["order-42", "order-42"]
    # In extra_headers, in any case, it is the key too.
    kclient.video_generation.generate(model="google/veo-3.1", extra_headers={"idempotency-KEY": "order-43"})
    assert _keys(server.seen("POST", "/videos"))[2] == "order-43"


def test_gets_carry_no_key(kclient: Any, server: VideoServer) -> None:
    kclient.video_generation.list_videos_models()
    assert _keys(server.seen("GET")) == [None]


def test_submit_and_wait_passes_the_key_on(kclient: Any, server: VideoServer) -> None:
    server.fail("POST", "/videos", 503, times=1)
    job = kclient.video_generation.generate_and_wait(model="google/veo-3.1", idempotency_key="k-1", poll_interval=0.01)
    assert job.status == "completed"
    assert _keys(server.seen("POST", "/videos")) == ["k-1", "k-1"]


def test_retries_stop_at_max_retries(kclient: Any, server: VideoServer, keyed: Any) -> None:
    server.fail("POST", "/videos", 500, times=5)
    with pytest.raises(keyed.errors.InternalServerResponseError):
        kclient.video_generation.generate(model="google/veo-3.1", max_retries=1)
    first, again = _keys(server.seen("POST", "/videos"))
    assert _random_key(first) == again


async def test_async_retries_with_the_same_key(akclient: Any, server: VideoServer) -> None:
    server.fail("POST", "/videos", 500, times=1)
    server.fail("POST", "/videos", 500, delay=1.0, times=1)
    job = await akclient.video_generation.generate(model="google/veo-3.1", timeout=0.3)
    assert job.status == "pending"
    keys = _keys(server.seen("POST", "/videos"))
    assert len(keys) == 3 and len(set(keys)) == 1 and _random_key(keys[0])
    await akclient.video_generation.generate(model="google/veo-3.1")
    assert _keys(server.seen("POST", "/videos"))[3] not in (None, keys[0])


def test_without_the_declaration_a_post_is_not_retried(client: modelgates.ModelGates, server: VideoServer) -> None:
    """The project's SDK (no `x-sdk-idempotency` in its spec): a billed POST is sent once."""
    server.fail("POST", "/videos", 500, times=1)
    with pytest.raises(errors.InternalServerResponseError):
        client.video_generation.generate(model="google/veo-3.1")
    server.fail("POST", "/videos", 500, delay=1.0, times=1)
    with pytest.raises(errors.APITimeoutError):
        client.video_generation.generate(model="google/veo-3.1", timeout=0.3)
    assert _keys(server.seen("POST", "/videos")) == [None, None]
    assert not server.jobs
