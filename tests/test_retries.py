"""Retry policy opt-ins, response metadata and the debug log, over real HTTP against the test server."""

from __future__ import annotations

import logging

import pytest

import modelgates
from modelgates import errors, models
from server import API_KEY, VideoServer


def test_get_gives_up_after_max_retries(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("GET", "/videos/models", 503, times=10)
    with pytest.raises(errors.APIError) as caught:
        client.video_generation.list_videos_models()
    assert caught.value.status_code == 503
    assert len(server.seen("GET", "/videos/models")) == 3


def test_get_retries_408_and_dropped_connections(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("GET", "/videos/models", 408, times=1)
    server.fail("GET", "/videos/models", 0, times=1)
    assert client.video_generation.list_videos_models().data
    assert len(server.seen("GET", "/videos/models")) == 3


def test_post_5xx_is_retried_only_when_the_call_opts_in(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("POST", "/videos", 502, times=1)
    job = client.video_generation.generate(model="m", retry_non_idempotent=True)
    assert job.status == "pending"
    assert len(server.seen("POST")) == 2


def test_post_timeout_is_retried_when_the_client_opts_in(server: VideoServer, server_url: str) -> None:
    with modelgates.ModelGates(api_key=API_KEY, server_url=server_url, retry_non_idempotent=True) as sdk:
        sdk._transport.retry = type(sdk._transport.retry)(max_retries=2, initial_delay=0.01, retry_non_idempotent=True)
        server.fail("POST", "/videos", 500, delay=1.0, times=1)
        job = sdk.video_generation.generate(model="m", timeout=0.3)
        assert job.status == "pending"
        # ...and a call can opt back out.
        server.fail("POST", "/videos", 500, times=1)
        with pytest.raises(errors.InternalServerResponseError):
            sdk.video_generation.generate(model="m", retry_non_idempotent=False)
    assert len(server.seen("POST")) == 3


def test_with_response_gives_status_headers_and_request_id(client: modelgates.ModelGates, server: VideoServer) -> None:
    created = client.video_generation.with_response.generate(model="google/veo-3.1")
    assert created.status_code == 202
    assert isinstance(created.data, models.VideoGenerationResponse) and created.data.status == "pending"
    assert created.request_id is not None and created.request_id.startswith("req-")
    assert created.headers["content-type"] == "application/json"
    assert created.elapsed >= 0
    server.fail("GET", f"/videos/{created.data.id}", 503, headers={"x-request-id": "req-failed"}, times=1)
    polled = client.video_generation.with_response.get_generation(created.data.id)
    assert polled.status_code == 200 and polled.request_id not in (None, "req-failed")
    assert len(server.seen("POST")) == 1 and len(server.seen("GET")) == 2


async def test_async_with_response(aclient: modelgates.AsyncModelGates) -> None:
    listed = await aclient.video_generation.with_response.list_videos_models()
    assert listed.status_code == 200 and listed.data.data[0].id == "google/veo-3.1"
    assert listed.request_id is not None


def test_debug_log_records_requests_and_retries_without_the_key(
    client: modelgates.ModelGates, server: VideoServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.fail("GET", "/videos/models", 503, times=1)
    with caplog.at_level(logging.DEBUG, logger="modelgates"):
        client.video_generation.list_videos_models()
    messages = [r.getMessage() for r in caplog.records if r.name == "modelgates"]
    assert len(messages) == 5, messages
    assert messages[0].startswith("GET http://127.0.0.1:") and messages[0].endswith("/videos/models (attempt 1)")
    assert "-> 503" in messages[1]
    assert messages[2].startswith("retrying GET /api/v1/videos/models in ")
    assert messages[3].endswith("(attempt 2)") and "-> 200" in messages[4]
    assert API_KEY not in caplog.text


def test_query_api_key_is_redacted_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    import httpx

    from modelgates._runtime import Auth, Call, Endpoint, RequestOptions, SyncTransport

    http = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(200, json=None)))
    transport = SyncTransport(
        http_client=http,
        api_key="sekrit-query-key",
        auth=Auth("query", "api_key"),
        base_url="http://127.0.0.1:9",
        timeout=5,
        max_retries=0,
        retry_non_idempotent=False,
        default_headers=None,
        user_agent="t",
        logger_name="modelgates",
        max_response_bytes=1 << 20,
        max_retry_after=60.0,
    )
    with caplog.at_level(logging.DEBUG, logger="modelgates"):
        transport.request(Endpoint("GET", "/x", None), Call(query={"q": 1}), RequestOptions())
    assert "api_key=%2A%2A%2A" in caplog.text or "api_key=***" in caplog.text
    assert "sekrit" not in caplog.text
