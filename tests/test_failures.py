"""The SDK's failure contract over real HTTP: every failure is one of its errors, bounded, retried
where that is safe, and never shows the API key. The test server misbehaves on the wire as real
networks and proxies do (tests/server.py `Fault.wire`); each test checks what the server saw too."""

from __future__ import annotations

import dataclasses
import email.utils
import time
import traceback
import tracemalloc
import warnings
from typing import Any

import httpx
import pytest

import modelgates
from modelgates import errors
from server import API_KEY, VideoServer

MODELS = "/videos/models"


def fast(sdk: Any, **policy: Any) -> Any:
    retry = sdk._transport.retry
    sdk._transport.retry = dataclasses.replace(retry, initial_delay=0.01, max_delay=0.05, **policy)
    return sdk


# -- the body is part of the attempt ------------------------------------------------------------


@pytest.mark.parametrize("wire", ["cut", "bad-gzip"])
def test_a_body_that_fails_mid_read_is_retried(client: modelgates.ModelGates, server: VideoServer, wire: str) -> None:
    server.fail("GET", MODELS, 200, body={"data": []}, wire=wire)
    assert client.video_generation.list_videos_models().data
    assert len(server.seen("GET", MODELS)) == 2


@pytest.mark.parametrize(
    ("wire", "cause"),
    [("cut", (httpx.RemoteProtocolError, httpx.ReadError)), ("bad-gzip", (httpx.DecodingError,))],
)
def test_a_body_that_always_fails_is_an_sdk_error(
    client: modelgates.ModelGates, server: VideoServer, wire: str, cause: tuple[type[Exception], ...]
) -> None:
    server.fail("GET", MODELS, 200, body={"data": []}, wire=wire, times=3)
    with pytest.raises(errors.APIConnectionError) as caught:
        client.video_generation.list_videos_models()
    assert isinstance(caught.value.__cause__, cause)
    assert "GET /api/v1/videos/models" in str(caught.value)
    assert len(server.seen("GET", MODELS)) == 3


def test_a_slow_body_times_out_as_an_sdk_error_after_retries(
    client: modelgates.ModelGates, server: VideoServer
) -> None:
    server.fail("GET", MODELS, 200, body={"data": []}, wire="slow", delay=1.0, times=3)
    started = time.monotonic()
    with pytest.raises(errors.APITimeoutError) as caught:
        client.video_generation.list_videos_models(timeout=0.2)
    assert time.monotonic() - started < 2.5
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)
    assert "reading the response timed out" in str(caught.value)
    assert len(server.seen("GET", MODELS)) == 3


def test_a_cut_answer_to_a_billed_post_is_not_sent_again(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("POST", "/videos", 202, body={"id": "job-1", "status": "pending"}, wire="cut")
    with pytest.raises(errors.APIConnectionError) as caught:
        client.video_generation.generate(model="google/veo-3.1")
    assert "the response was cut off" in str(caught.value)
    assert len(server.seen("POST")) == 1


def test_a_redirect_loop_is_an_sdk_error_and_not_retried(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("GET", MODELS, wire="redirect", times=100)
    with pytest.raises(errors.APIConnectionError) as caught:
        client.video_generation.list_videos_models()
    assert isinstance(caught.value.__cause__, httpx.TooManyRedirects)
    assert len(server.seen("GET", MODELS)) == 21  # httpx follows 20 redirects, once


async def test_async_calls_read_the_body_inside_the_attempt(
    aclient: modelgates.AsyncModelGates, server: VideoServer
) -> None:
    server.fail("GET", MODELS, 200, body={"data": []}, wire="cut")
    assert (await aclient.video_generation.list_videos_models()).data
    server.fail("GET", MODELS, 200, body={"data": []}, wire="bad-gzip", times=3)
    with pytest.raises(errors.APIConnectionError) as caught:
        await aclient.video_generation.list_videos_models()
    assert isinstance(caught.value.__cause__, httpx.DecodingError)
    assert len(server.seen("GET", MODELS)) == 2 + 3


def test_a_streamed_body_cut_mid_way_is_an_sdk_error(client: modelgates.ModelGates, server: VideoServer) -> None:
    job_id = client.video_generation.generate(model="google/veo-3.1").id
    server.video_size = 300_000
    server.cut_downloads, server.cut_after = 1, 100_000
    with client.video_generation.get_video_content(job_id) as stream:
        with pytest.raises(errors.APIConnectionError) as caught:
            b"".join(stream.iter_bytes())
    assert "cut off" in str(caught.value)
    assert len(server.seen("GET", f"/videos/{job_id}/content")) == 1


# -- arguments and settings are checked before anything is sent --------------------------------


def test_invalid_arguments_are_a_request_validation_error(client: modelgates.ModelGates, server: VideoServer) -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        client.video_generation.generate(model="google/veo-3.1", duration="long")  # type: ignore[arg-type]
    assert isinstance(caught.value, ValueError) and caught.value.__cause__ is not None
    assert [problem["loc"] for problem in caught.value.errors] == [("duration",)]
    assert server.requests == []


@pytest.mark.parametrize("job_id", ["", ".", ".."])
def test_a_path_parameter_that_would_change_the_url_is_refused(
    client: modelgates.ModelGates, server: VideoServer, job_id: str
) -> None:
    with pytest.raises(errors.RequestValidationError, match="another URL"):
        client.video_generation.get_generation(job_id)
    with pytest.raises(errors.RequestValidationError):
        client.video_generation.wait(job_id)
    assert server.requests == []


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/api", "api.example.com/v1", "http://[::1", "https://"])
def test_a_bad_server_url_is_refused_when_the_client_is_made(url: str) -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        modelgates.ModelGates(api_key=API_KEY, server_url=url)
    assert isinstance(caught.value, ValueError)


def test_a_relative_server_url_needs_a_base_url_before_anything_is_sent(server: VideoServer, server_url: str) -> None:
    with modelgates.ModelGates(api_key=API_KEY, server_url="/api/v1") as sdk:
        with pytest.raises(errors.ConfigurationError, match="is relative"):
            sdk.video_generation.list_videos_models()
    # An http_client's base_url completes it, as httpx does.
    base = server_url.removesuffix("/api/v1")
    with (
        httpx.Client(base_url=base) as http,
        modelgates.ModelGates(api_key=API_KEY, server_url="/api/v1", http_client=http) as sdk,
    ):
        assert sdk.video_generation.list_videos_models().data
    assert len(server.seen("GET", MODELS)) == 1


def test_a_key_pasted_with_its_newline_works_and_is_never_shown(
    server: VideoServer, server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELGATES_API_KEY", f"  {API_KEY}\n")
    with fast(modelgates.ModelGates(server_url=server_url)) as sdk:
        assert sdk.video_generation.list_videos_models().data
        server.fail("GET", MODELS, 401, body={"error": {"message": f"key {API_KEY} is not valid"}})
        with pytest.raises(errors.APIError) as caught:
            sdk.video_generation.list_videos_models()
    assert API_KEY not in str(caught.value) and API_KEY not in repr(caught.value)
    assert "key *** is not valid" in str(caught.value)
    assert [r.headers["authorization"] for r in server.seen("GET")] == [f"Bearer {API_KEY}"] * 2


@pytest.mark.parametrize(
    ("key", "kind"),
    [("sk-abc\ndef", "whitespace or control"), ("sk-abcdéf", "non-ASCII"), ("sk abc", "whitespace or control")],
)
def test_a_key_http_cannot_carry_is_refused_without_echoing_it(
    server: VideoServer, server_url: str, key: str, kind: str
) -> None:
    with pytest.raises(errors.ConfigurationError) as caught:
        modelgates.ModelGates(api_key=key, server_url=server_url)
    assert kind in str(caught.value) and "position" in str(caught.value)
    assert "abc" not in str(caught.value) and "def" not in str(caught.value)
    assert server.requests == []


def test_the_command_line_reports_a_bad_key_in_one_line(server_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    from modelgates import cli

    code = cli.main(["models", "--json", "--api-key", "sk-secret\nvalue", "--server-url", server_url])
    err = capsys.readouterr().err
    assert code == 1 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "secret" not in err and "non-ASCII" not in err and "position 10" in err


@pytest.mark.parametrize(
    ("url", "warned"),
    [
        ("http://api.example.com/v1", True),
        ("http://10.0.0.7:8080", True),
        ("https://api.example.com/v1", False),
        ("http://127.0.0.1:9/v1", False),
        ("http://[::1]:9/v1", False),
        ("http://localhost:9/v1", False),
    ],
)
def test_a_key_sent_in_clear_to_another_machine_warns(url: str, warned: bool) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        modelgates.ModelGates(api_key=API_KEY, server_url=url).close()
    found = [w for w in caught if issubclass(w.category, errors.InsecureTransportWarning)]
    assert len(found) == int(warned)
    if warned:
        assert found[0].filename == __file__  # at the line that made the client
        assert API_KEY not in str(found[0].message)


# -- bounded bodies ----------------------------------------------------------------------------


def test_a_gzip_bomb_stops_at_the_response_limit(server: VideoServer, server_url: str) -> None:
    server.fail("GET", MODELS, 200, wire="bomb", size=256 << 20)
    with fast(modelgates.ModelGates(api_key=API_KEY, server_url=server_url)) as sdk:
        tracemalloc.start()
        try:
            with pytest.raises(errors.ResponseTooLargeError) as caught:
                sdk.video_generation.list_videos_models()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert caught.value.limit == 64 << 20
    assert peak < 160 << 20  # the 64 MiB read so far, at most twice, and one decoded chunk
    assert len(server.seen("GET", MODELS)) == 1


async def test_the_response_limit_is_a_setting(server: VideoServer, server_url: str) -> None:
    server.fail("GET", MODELS, 200, wire="large", size=2 << 20)
    async with modelgates.AsyncModelGates(api_key=API_KEY, server_url=server_url, max_response_bytes=1 << 20) as sdk:
        with pytest.raises(errors.ResponseTooLargeError, match="over 1048576 bytes"):
            await sdk.video_generation.list_videos_models()
    assert len(server.seen("GET", MODELS)) == 1


def test_an_error_body_is_read_only_up_to_a_mebibyte(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("GET", MODELS, 404, wire="large", size=16 << 20)
    with pytest.raises(errors.NotFoundResponseError) as caught:
        client.video_generation.list_videos_models()
    assert len(caught.value.response.content) == 1 << 20
    assert caught.value.body == "x" * (1 << 20)


# -- time is bounded by what the caller asked --------------------------------------------------


@pytest.mark.parametrize("form", ["seconds", "date"])
def test_a_retry_after_beyond_the_limit_fails_at_once_with_the_servers_delay(
    client: modelgates.ModelGates, server: VideoServer, form: str
) -> None:
    retry_after = "3600" if form == "seconds" else email.utils.formatdate(time.time() + 3 * 86400, usegmt=True)
    server.fail("GET", MODELS, 503, headers={"Retry-After": retry_after}, times=3)
    started = time.monotonic()
    with pytest.raises(errors.APIError) as caught:
        client.video_generation.list_videos_models()
    assert time.monotonic() - started < 1.0
    assert caught.value.status_code == 503
    assert caught.value.retry_after is not None and caught.value.retry_after >= 3599
    assert "retry after" in str(caught.value)
    assert len(server.seen("GET", MODELS)) == 1


def test_a_caller_may_allow_a_longer_retry_after(server: VideoServer, server_url: str) -> None:
    server.fail("GET", MODELS, 429, headers={"Retry-After": "1"}, times=2)
    with fast(modelgates.ModelGates(api_key=API_KEY, server_url=server_url, max_retry_after=0.5)) as sdk:
        with pytest.raises(errors.TooManyRequestsResponseError) as caught:
            sdk.video_generation.list_videos_models()
        assert caught.value.retry_after == 1.0
    with fast(modelgates.ModelGates(api_key=API_KEY, server_url=server_url), max_retry_after=2.0) as sdk:
        assert sdk.video_generation.list_videos_models().data
    assert len(server.seen("GET", MODELS)) == 1 + 2


def test_a_wait_ends_at_its_timeout_even_while_a_poll_hangs(client: modelgates.ModelGates, server: VideoServer) -> None:
    job_id = client.video_generation.generate(model="google/veo-3.1").id
    server.fail("GET", f"/videos/{job_id}", 503, delay=5.0, times=5)
    started = time.monotonic()
    with pytest.raises(errors.WaitTimeoutError):
        client.video_generation.wait(job_id, poll_interval=0.01, timeout=1.0)
    assert time.monotonic() - started < 1.8
    assert len(server.seen("GET", f"/videos/{job_id}")) == 1


async def test_an_async_wait_ends_at_its_timeout_through_retries(
    aclient: modelgates.AsyncModelGates, server: VideoServer
) -> None:
    job_id = (await aclient.video_generation.generate(model="google/veo-3.1")).id
    server.fail("GET", f"/videos/{job_id}", 503, headers={"Retry-After": "30"}, times=5)
    started = time.monotonic()
    with pytest.raises(errors.WaitTimeoutError):
        await aclient.video_generation.wait(job_id, poll_interval=0.01, timeout=1.0)
    assert time.monotonic() - started < 1.8


# -- what a hostile or broken server sends is contained ----------------------------------------


@pytest.mark.parametrize("body", [API_KEY.encode(), {"data": API_KEY}, {"data": [{"id": API_KEY}]}])
def test_a_response_that_echoes_the_key_is_refused_without_showing_it(
    server: VideoServer, server_url: str, body: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from modelgates import cli

    server.fail("GET", MODELS, 200, body=body, times=2)
    with modelgates.ModelGates(api_key=API_KEY, server_url=server_url) as sdk:
        with pytest.raises(errors.ResponseValidationError) as caught:
            sdk.video_generation.list_videos_models()
    assert API_KEY not in str(caught.value) and API_KEY[:6] not in str(caught.value)
    assert "does not match the API spec" in str(caught.value)
    # Not in the traceback either: pydantic's error, which quotes the body, is not chained.
    shown = "".join(traceback.format_exception(caught.value))
    assert API_KEY[:6] not in shown and caught.value.__cause__ is None
    assert cli.main(["models", "--api-key", API_KEY, "--server-url", server_url]) == 1
    err = capsys.readouterr().err
    assert API_KEY[:6] not in err and len(err.splitlines()) == 1


def test_a_failed_jobs_reason_that_echoes_the_key_is_redacted(
    client: modelgates.ModelGates, server: VideoServer
) -> None:
    server.statuses = ["failed"]
    server.extra_job_fields = {"error": f"provider refused key {API_KEY}"}
    job_id = client.video_generation.generate(model="google/veo-3.1").id
    with pytest.raises(errors.VideoGenerationFailedError) as caught:
        client.video_generation.wait(job_id, poll_interval=0.01)
    assert str(caught.value) == f"job {job_id} ended failed: provider refused key ***"


def test_an_error_message_cut_short_leaves_no_part_of_the_key(
    client: modelgates.ModelGates, server: VideoServer
) -> None:
    server.fail("GET", MODELS, 400, body=("x" * 195 + API_KEY + "y" * 100).encode())
    with pytest.raises(errors.BadRequestResponseError) as caught:
        client.video_generation.list_videos_models()
    assert API_KEY[:3] not in str(caught.value).replace("x", "")


def test_a_retry_after_date_no_clock_holds_is_ignored(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("GET", MODELS, 503, headers={"Retry-After": "1 Jan 99999999999999999999 00:00:00"}, times=3)
    with pytest.raises(errors.APIError) as caught:
        client.video_generation.list_videos_models()
    assert caught.value.status_code == 503 and caught.value.retry_after is None
    assert len(server.seen("GET", MODELS)) == 3  # backed off as if no Retry-After was sent


def test_an_error_body_nested_too_deep_for_json_is_kept_as_text(
    client: modelgates.ModelGates, server: VideoServer
) -> None:
    server.fail("GET", MODELS, 404, body=b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(errors.NotFoundResponseError) as caught:
        client.video_generation.list_videos_models()
    assert isinstance(caught.value.body, str) and caught.value.body.startswith("[[[")


def test_a_body_json_cannot_carry_is_refused_before_sending(client: modelgates.ModelGates, server: VideoServer) -> None:
    with pytest.raises(errors.RequestValidationError, match="cannot be sent as JSON"):
        client.video_generation.generate(model="example/video-upscaler", upscale_factor=float("inf"))
    assert server.requests == []


@pytest.mark.parametrize("url", ["https://api.example.com/v1?region=eu", "https://api.example.com/v1#docs"])
def test_a_server_url_with_a_query_or_fragment_is_refused(url: str) -> None:
    with pytest.raises(errors.ConfigurationError, match="query"):
        modelgates.ModelGates(api_key=API_KEY, server_url=url)


def test_a_wait_ends_at_its_timeout_while_a_poll_body_trickles_in(
    client: modelgates.ModelGates, server: VideoServer
) -> None:
    job_id = client.video_generation.generate(model="google/veo-3.1").id
    job = {"id": job_id, "polling_url": "/x", "status": "in_progress"}
    server.fail("GET", f"/videos/{job_id}", 200, body=job, wire="trickle", delay=0.1, times=3)
    started = time.monotonic()
    with pytest.raises(errors.WaitTimeoutError):
        client.video_generation.wait(job_id, poll_interval=0.01, timeout=1.0)
    assert time.monotonic() - started < 2.0  # the body alone takes 7 s


async def test_a_body_encoded_twice_is_not_decoded(aclient: modelgates.AsyncModelGates, server: VideoServer) -> None:
    server.fail("GET", MODELS, 200, body={"data": []}, wire="double-gzip", times=3)
    with pytest.raises(errors.APIConnectionError, match="content codings") as caught:
        await aclient.video_generation.list_videos_models()
    assert isinstance(caught.value.__cause__, httpx.DecodingError)
    assert len(server.seen("GET", MODELS)) == 3


def test_a_key_sent_in_clear_through_an_http_clients_base_url_warns() -> None:
    with warnings.catch_warnings(record=True) as caught, httpx.Client(base_url="http://api.example.com") as http:
        warnings.simplefilter("always")
        modelgates.ModelGates(api_key=API_KEY, server_url="/v1", http_client=http)
    found = [w for w in caught if issubclass(w.category, errors.InsecureTransportWarning)]
    assert len(found) == 1 and found[0].filename == __file__


@pytest.mark.parametrize(("poll_interval", "timeout"), [(float("nan"), 10.0), (-1.0, 10.0), (1.0, float("nan"))])
def test_a_wait_refuses_intervals_that_are_not_seconds(
    client: modelgates.ModelGates, server: VideoServer, poll_interval: float, timeout: float
) -> None:
    with pytest.raises(errors.RequestValidationError, match="seconds"):
        client.video_generation.wait("job-1", poll_interval=poll_interval, timeout=timeout)
    assert server.requests == []


def test_the_command_line_escapes_control_characters_in_a_servers_message(
    server: VideoServer, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from modelgates import cli

    server.fail("GET", MODELS, 400, body={"error": {"message": "\x1b[2Jcleared \x07"}})
    assert cli.main(["models", "--api-key", API_KEY, "--server-url", server_url]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err and "\\x1b[2Jcleared \\x07" in err


def test_the_command_line_refuses_json_nested_too_deep_as_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    from modelgates import cli

    with pytest.raises(SystemExit) as exited:
        cli.main(["generate", "--model", "m", "--provider", "[" * 100_000 + "]" * 100_000, "--api-key", "k"])
    assert exited.value.code == 2 and "nested too deeply" in capsys.readouterr().err


def test_a_wait_ends_at_its_timeout_while_an_error_body_trickles_in(
    client: modelgates.ModelGates, server: VideoServer
) -> None:
    job_id = client.video_generation.generate(model="google/veo-3.1").id
    server.fail("GET", f"/videos/{job_id}", 503, wire="trickle", delay=0.1, times=3)
    started = time.monotonic()
    with pytest.raises(errors.WaitTimeoutError):
        client.video_generation.wait(job_id, poll_interval=0.01, timeout=1.0)
    assert time.monotonic() - started < 2.0  # the error body alone takes 8 s


@pytest.mark.parametrize("form", ["lower", "percent"])
def test_the_key_is_redacted_in_the_forms_a_server_echoes_it_in(
    server: VideoServer, server_url: str, form: str
) -> None:
    key = "sk-AbCd/Ef+Gh=="
    echoed = key.lower() if form == "lower" else "sk-AbCd%2FEf%2BGh%3D%3D"
    server.fail("GET", MODELS, 400, body={"error": {"message": f"no such key: {echoed}"}})
    with modelgates.ModelGates(api_key=key, server_url=server_url, max_retries=0) as sdk:
        with pytest.raises(errors.APIError) as caught:
            sdk.video_generation.list_videos_models()
    assert str(caught.value) == "400 no such key: ***"


def test_wait_settings_that_cannot_work_are_refused_before_the_job_is_billed(
    client: modelgates.ModelGates, server: VideoServer
) -> None:
    with pytest.raises(errors.RequestValidationError, match="wait_timeout|timeout"):
        client.video_generation.generate_and_wait(model="google/veo-3.1", wait_timeout=float("nan"))
    with pytest.raises(errors.RequestValidationError, match="poll_interval"):
        client.video_generation.generate_and_wait(model="google/veo-3.1", poll_interval=-1)
    assert server.requests == []


@pytest.mark.parametrize("timeout", [-1.0, float("nan"), "5"])
def test_a_timeout_that_is_not_seconds_is_refused(
    client: modelgates.ModelGates, server: VideoServer, timeout: Any
) -> None:
    with pytest.raises(errors.RequestValidationError, match="timeout"):
        client.video_generation.list_videos_models(timeout=timeout)
    with pytest.raises(errors.ConfigurationError, match="timeout"):
        modelgates.ModelGates(api_key=API_KEY, timeout=timeout)
    assert server.requests == []


def test_a_header_value_that_is_not_a_string_is_refused(client: modelgates.ModelGates, server: VideoServer) -> None:
    with pytest.raises(errors.RequestValidationError, match="extra_headers"):
        client.video_generation.list_videos_models(extra_headers={"X-Count": 5})  # type: ignore[dict-item]
    with pytest.raises(errors.ConfigurationError, match="default_headers"):
        modelgates.ModelGates(api_key=API_KEY, default_headers={"X-Count": 5})  # type: ignore[dict-item]
    assert server.requests == []


def test_the_command_line_escapes_control_characters_in_tables(
    server: VideoServer, server_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from modelgates import cli

    listed = {"data": [{"id": "m\x1b]0;pwned\x07", "canonical_slug": "m", "name": "\x1b[2J", "created": 1}]}
    server.fail("GET", MODELS, 200, body=listed)
    assert cli.main(["models", "--api-key", API_KEY, "--server-url", server_url]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\\x1b[2J" in out


def test_a_short_key_blanks_out_only_the_servers_words(server: VideoServer, server_url: str) -> None:
    server.fail("GET", MODELS, 503, body={"error": {"message": "busy s"}}, headers={"Retry-After": "3600"})
    with modelgates.ModelGates(api_key="s", server_url=server_url, max_retries=0) as sdk:
        with pytest.raises(errors.APIError) as caught:
            sdk.video_generation.list_videos_models()
    assert str(caught.value) == "503 bu***y *** (the server asks to retry after 3600 s)"
