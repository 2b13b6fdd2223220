"""The generated SDK over real HTTP against the project's spec-driven test server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import httpx
import pytest
from openapi_schema_validator import OAS31Validator

import modelgates
import server as server_module
from modelgates import errors, models
from server import API_KEY, VideoServer

ERROR_CASES = [
    ("POST", "/videos", 400, errors.BadRequestResponseError),
    ("POST", "/videos", 401, errors.UnauthorizedResponseError),
    ("POST", "/videos", 402, errors.PaymentRequiredResponseError),
    ("POST", "/videos", 404, errors.NotFoundResponseError),
    ("POST", "/videos", 429, errors.TooManyRequestsResponseError),
    ("POST", "/videos", 500, errors.InternalServerResponseError),
    ("GET", "/videos/job-0001", 401, errors.UnauthorizedResponseError),
    ("GET", "/videos/job-0001", 404, errors.NotFoundResponseError),
    ("GET", "/videos/job-0001", 500, errors.InternalServerResponseError),
    ("GET", "/videos/job-0001/content", 400, errors.BadRequestResponseError),
    ("GET", "/videos/job-0001/content", 401, errors.UnauthorizedResponseError),
    ("GET", "/videos/job-0001/content", 404, errors.NotFoundResponseError),
    ("GET", "/videos/job-0001/content", 500, errors.InternalServerResponseError),
    ("GET", "/videos/job-0001/content", 502, errors.BadGatewayResponseError),
    ("GET", "/videos/models", 400, errors.BadRequestResponseError),
    ("GET", "/videos/models", 500, errors.InternalServerResponseError),
]


def call(client: modelgates.ModelGates, method: str, path: str) -> object:
    if method == "POST":
        return client.video_generation.generate(model="google/veo-3.1", max_retries=0)
    if path.endswith("/content"):
        with client.video_generation.get_video_content("job-0001", max_retries=0) as stream:
            return stream.read()
    if path == "/videos/models":
        return client.video_generation.list_videos_models(max_retries=0)
    return client.video_generation.get_generation("job-0001", max_retries=0)


def test_generate_sends_exactly_the_given_fields(client: modelgates.ModelGates, server: VideoServer) -> None:
    job = client.video_generation.generate(
        model="google/veo-3.1",
        prompt="A serene mountain landscape at sunset",
        aspect_ratio="16:9",
        duration=8,
        resolution="720p",
        provider=models.ProviderPreferences(options={"01ai": {"x": 1}, "amazon-bedrock/claude-on-aws": {}}),
        input_references=[
            models.AudioReference(type="audio_url", audio_url=models.MediaUrl(url="https://a.example/x.mp3"))
        ],
    )
    assert isinstance(job, models.VideoGenerationResponse)
    assert job.id == "job-0001" and job.status == "pending"
    (post,) = server.seen("POST")
    assert post.headers["authorization"] == f"Bearer {API_KEY}"
    assert post.headers["content-type"] == "application/json"
    assert post.json() == {
        "model": "google/veo-3.1",
        "prompt": "A serene mountain landscape at sunset",
        "aspect_ratio": "16:9",
        "duration": 8,
        "resolution": "720p",
        "provider": {"options": {"01ai": {"x": 1}, "amazon-bedrock/claude-on-aws": {}}},
        "input_references": [{"type": "audio_url", "audio_url": {"url": "https://a.example/x.mp3"}}],
    }


def test_generate_sends_the_upscaling_fields(client: modelgates.ModelGates, server: VideoServer) -> None:
    video = models.VideoReference(type="video_url", video_url=models.MediaUrl(url="https://v.example/in.mp4"))
    job = client.video_generation.generate(
        model="example/video-upscaler", creativity=3, upscale_factor=2.5, input_references=[video]
    )
    assert job.status == "pending"
    (post,) = server.seen("POST")
    assert post.json() == {
        "model": "example/video-upscaler",
        "creativity": 3,
        "upscale_factor": 2.5,
        "input_references": [{"type": "video_url", "video_url": {"url": "https://v.example/in.mp4"}}],
    }
    assert server.jobs[job.id]["request"]["upscale_factor"] == 2.5
    # an int factor is a number on the wire; a range without a maximum takes any factor above its minimum
    client.video_generation.generate(model="example/video-upscaler-open", creativity=0, upscale_factor=16)
    assert server.seen("POST")[-1].json() == {
        "model": "example/video-upscaler-open",
        "creativity": 0,
        "upscale_factor": 16,
    }


def test_generate_omits_the_upscaling_fields_when_not_given(client: modelgates.ModelGates, server: VideoServer) -> None:
    client.video_generation.generate(model="google/veo-3.1", prompt="p")
    client.video_generation.generate_and_wait(model="google/veo-3.1", prompt="p", poll_interval=0.01)
    for post in server.seen("POST"):
        assert post.json() == {"model": "google/veo-3.1", "prompt": "p"}
        assert b"creativity" not in post.body and b"upscale_factor" not in post.body


def test_generate_and_wait_passes_the_upscaling_fields(client: modelgates.ModelGates, server: VideoServer) -> None:
    job = client.video_generation.generate_and_wait(
        model="example/video-upscaler", creativity=5, upscale_factor=4, poll_interval=0.01
    )
    assert job.status == "completed"
    (post,) = server.seen("POST")
    assert post.json() == {"model": "example/video-upscaler", "creativity": 5, "upscale_factor": 4}


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"upscale_factor": 0}, "upscale_factor"),
        ({"upscale_factor": -1.5}, "upscale_factor"),
        ({"creativity": "high"}, "creativity"),
    ],
)
def test_upscaling_fields_are_checked_before_sending(
    client: modelgates.ModelGates, server: VideoServer, arguments: dict[str, object], field: str
) -> None:
    with pytest.raises(Exception) as caught:
        client.video_generation.generate(model="example/video-upscaler", **arguments)  # type: ignore[arg-type]
    assert field in str(caught.value)
    assert server.seen("POST") == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"model": "google/veo-3.1", "creativity": 2}, "creativity: not supported by model google/veo-3.1"),
        ({"model": "google/veo-3.1", "upscale_factor": 2}, "upscale_factor: not supported by model google/veo-3.1"),
        ({"model": "example/video-upscaler", "creativity": 9}, "creativity: 9 is not one of [1, 2, 3, 4, 5]"),
        ({"model": "example/video-upscaler", "upscale_factor": 8.5}, "upscale_factor: 8.5 is outside 1..4"),
        ({"model": "example/video-upscaler-open", "upscale_factor": 1.2}, "upscale_factor: 1.2 is outside 1.5..None"),
    ],
)
def test_server_refusal_of_upscaling_fields_is_bad_request(
    client: modelgates.ModelGates, arguments: dict[str, object], message: str
) -> None:
    with pytest.raises(errors.BadRequestResponseError) as caught:
        client.video_generation.generate(**arguments)  # type: ignore[arg-type]
    assert caught.value.data is not None and caught.value.data.error.message == message


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"model": "example/video-upscaler", "upscale_factor": 0}, "upscale_factor: 0 is less than or equal to"),
        ({"model": "example/video-upscaler", "creativity": 2.5}, "creativity: 2.5 is not of type 'integer'"),
    ],
)
def test_the_test_server_checks_the_upscaling_fields_against_the_spec(
    server: VideoServer, server_url: str, body: dict[str, object], message: str
) -> None:
    answer = httpx.post(f"{server_url}/videos", json=body, headers={"authorization": f"Bearer {API_KEY}"})
    assert answer.status_code == 400 and answer.json()["error"]["message"].startswith(message)
    assert server.jobs == {}


def test_list_models_parses_the_upscaling_fields(client: modelgates.ModelGates) -> None:
    veo, upscaler, open_upscaler, text_to_video = client.video_generation.list_videos_models().data
    # a generation model: null for both, as the API sends them
    assert veo.creativity is None and veo.upscale_factor is None
    assert {"creativity", "upscale_factor"} <= veo.model_fields_set
    # upscaling models: their creativity levels and upscale_factor range, a bound of which may be null
    assert upscaler.creativity == [1, 2, 3, 4, 5]
    assert isinstance(upscaler.upscale_factor, models.UpscaleFactorRange)
    assert (upscaler.upscale_factor.min, upscaler.upscale_factor.max) == (1, 4)
    assert open_upscaler.creativity == [0]
    assert open_upscaler.upscale_factor == models.UpscaleFactorRange(min=1.5, max=None)
    # a model listed without the fields at all: optional, so it still parses
    assert text_to_video.creativity is None and text_to_video.upscale_factor is None
    assert not {"creativity", "upscale_factor"} & text_to_video.model_fields_set
    dumped = open_upscaler.model_dump(mode="json", exclude_unset=True)
    assert dumped["upscale_factor"] == {"min": 1.5, "max": None}


def test_upscale_factor_range_needs_both_bounds() -> None:
    with pytest.raises(Exception) as caught:
        models.UpscaleFactorRange.model_validate({"min": 1})
    assert "max" in str(caught.value)


def test_the_test_servers_upscaling_fields_follow_the_spec() -> None:
    """The listing's creativity and upscale_factor values are ones the spec allows (its 8K and
    released_in_region are off-spec on purpose, for the open enum and extra fields)."""
    spec = server_module.VideoServer().spec
    declared = spec["components"]["schemas"]["VideoModel"]["properties"]
    schema = {
        "type": "object",
        "properties": {name: declared[name] for name in ("creativity", "upscale_factor")},
        "components": spec["components"],
    }
    for model in server_module.MODELS:
        OAS31Validator(schema).validate(model)
    assert {type(m.get("upscale_factor")) for m in server_module.MODELS} == {type(None), dict}


def test_input_references_parse_by_discriminator(client: modelgates.ModelGates) -> None:
    request = models.VideoGenerationRequest.model_validate(
        {"model": "m", "input_references": [{"type": "video_url", "video_url": {"url": "u"}}]}
    )
    assert request.input_references is not None
    assert isinstance(request.input_references[0], models.VideoReference)


def test_client_side_validation_sends_nothing(client: modelgates.ModelGates, server: VideoServer) -> None:
    with pytest.raises(Exception) as caught:
        client.video_generation.generate(model="m", duration=0)
    assert "duration" in str(caught.value)
    assert server.seen("POST") == []


def test_poll_then_download(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.video_size = 300_000
    job = client.video_generation.generate(model="google/veo-3.1", prompt="p")
    first = client.video_generation.get_generation(job.id)
    final = client.video_generation.get_generation(job.id)
    assert first.status == models.VideoGenerationStatus.in_progress
    assert final.status == "completed" and final.usage is not None and final.usage.cost == 0.5
    with client.video_generation.get_video_content(job.id, index=0) as stream:
        assert stream.status_code == 200 and stream.content_type == "video/mp4"
        received = b"".join(stream.iter_bytes())
    assert len(received) == 300_000
    assert server.seen("GET", "/videos/job-0001/content")[0].query == "index=0"


def test_list_models_keeps_unknown_values_and_fields(client: modelgates.ModelGates) -> None:
    listing = client.video_generation.list_videos_models()
    model = listing.data[0]
    assert model.id == "google/veo-3.1"
    assert model.supported_resolutions is not None
    assert model.supported_resolutions[-1] == "8K"  # not in the spec's enum: kept, not rejected
    assert model.supported_resolutions[-1].value == "8K"
    assert model.model_extra == {"released_in_region": "global"}
    assert json.loads(listing.model_dump_json(by_alias=True))["data"][0]["supported_resolutions"][-1] == "8K"


def test_unknown_job_status_is_accepted(client: modelgates.ModelGates, server: VideoServer) -> None:
    job = client.video_generation.generate(model="m")
    server.status_override = "queued_for_review"
    polled = client.video_generation.get_generation(job.id)
    assert polled.status == "queued_for_review"
    assert polled.status not in (models.VideoGenerationStatus.completed, models.VideoGenerationStatus.failed)


@pytest.mark.parametrize(("method", "path", "status", "error_class"), ERROR_CASES)
def test_documented_statuses_raise_their_class(
    client: modelgates.ModelGates, server: VideoServer, method: str, path: str, status: int, error_class: type
) -> None:
    server.jobs["job-0001"] = {"polls": 0, "request": {}}
    server.fail(method, path, status, headers={"x-request-id": "req-42"})
    with pytest.raises(error_class) as caught:
        call(client, method, path)
    error = caught.value
    assert isinstance(error, errors.APIError) and isinstance(error, modelgates.ModelGatesError)
    assert error.status_code == status and error.request_id == "req-42"
    assert error.data is not None and error.data.error.code == status
    assert error.data.error.message == "scripted fault"
    assert len(server.seen(method, path)) == 1


def test_undocumented_status_is_api_error(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("GET", "/videos/models", 418, body={"message": "teapot"})
    with pytest.raises(errors.APIError) as caught:
        client.video_generation.list_videos_models()
    assert type(caught.value) is errors.APIError
    assert caught.value.status_code == 418 and caught.value.body == {"message": "teapot"}


def test_get_retries_5xx_and_honours_retry_after(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("GET", "/videos/models", 503, times=1)
    server.fail("GET", "/videos/models", 429, headers={"retry-after": "0"}, times=1)
    assert client.video_generation.list_videos_models().data
    assert len(server.seen("GET", "/videos/models")) == 3


def test_post_is_not_retried_after_a_5xx(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("POST", "/videos", 500, times=5)
    with pytest.raises(errors.InternalServerResponseError):
        client.video_generation.generate(model="m")
    assert len(server.seen("POST")) == 1


def test_post_is_retried_after_429(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("POST", "/videos", 429, headers={"retry-after": "0"}, times=1)
    job = client.video_generation.generate(model="m")
    assert job.status == "pending"
    assert len(server.seen("POST")) == 2


def test_max_retries_zero_per_call(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("GET", "/videos/models", 503, times=3)
    with pytest.raises(errors.APIError):
        client.video_generation.list_videos_models(max_retries=0)
    assert len(server.seen("GET", "/videos/models")) == 1


def test_post_timeout_is_not_retried(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("POST", "/videos", 500, delay=1.0, times=3)
    with pytest.raises(errors.APITimeoutError):
        client.video_generation.generate(model="m", timeout=0.2)
    assert len(server.seen("POST")) == 1


def test_connection_refused_is_a_connection_error() -> None:
    from server import free_port

    sdk = modelgates.ModelGates(api_key="k", server_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(errors.APIConnectionError) as caught:
        sdk.video_generation.list_videos_models()
    assert not isinstance(caught.value, errors.APITimeoutError)


def test_extra_headers_and_user_agent(client: modelgates.ModelGates, server: VideoServer) -> None:
    client.video_generation.list_videos_models(extra_headers={"X-Trace": "abc"})
    (seen,) = server.seen("GET")
    assert seen.headers["x-trace"] == "abc"
    assert seen.headers["user-agent"].startswith("modelgates-python/")


def test_response_that_breaks_the_spec(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.fail("GET", "/videos/models", 200, body={"data": "not a list"})
    with pytest.raises(errors.ResponseValidationError):
        client.video_generation.list_videos_models()


def test_missing_api_key_is_clear(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODELGATES_API_KEY", raising=False)
    with pytest.raises(errors.MissingCredentialsError, match="MODELGATES_API_KEY"):
        modelgates.ModelGates()


def test_api_key_from_env_never_shown(monkeypatch: pytest.MonkeyPatch, server_url: str) -> None:
    secret = "sk-very-secret-value"
    monkeypatch.setenv("MODELGATES_API_KEY", secret)
    sdk = modelgates.ModelGates(server_url=server_url)
    shown = repr(sdk) + str(sdk) + repr(sdk._transport) + repr(sdk.video_generation)
    assert secret not in shown


def test_streamed_download_of_256_mib_keeps_memory_flat(client: modelgates.ModelGates, server: VideoServer) -> None:
    size = 256 * 1024 * 1024
    server.video_size = size
    server.jobs["job-0001"] = {"polls": 0, "request": {}}
    received = 0
    tracemalloc.start()
    try:
        with client.video_generation.get_video_content("job-0001") as stream:
            assert stream.content_length == size
            for chunk in stream.iter_bytes():
                received += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert received == size
    assert peak < 16 * 1024 * 1024, f"peak traced memory {peak / 2**20:.1f} MiB while streaming 256 MiB"


# What a fresh process has loaded, after each step of `_LOADED_SCRIPT`.
_LOADED_SCRIPT = """
import sys, modelgates
def loaded():
    return sorted(name for name in ("pydantic", "modelgates.models") if name in sys.modules)
videos = modelgates.ModelGates(api_key=sys.argv[1], server_url=sys.argv[2]).video_generation
print(loaded())
print(videos.download("job-0001", sys.argv[3]).bytes, loaded())
print(videos.get_generation("job-0001").status, loaded())
"""


def test_a_download_loads_neither_the_models_nor_pydantic(server: VideoServer, server_url: str, tmp_path: Path) -> None:
    """pydantic and the models are most of what a first call costs; a download parses no JSON, so
    importing the SDK and downloading, in a fresh process, never loads them. The first call that
    parses a response does."""
    server.video_size = 300_000
    server.jobs["job-0001"] = {"polls": 5, "request": {}}
    target = tmp_path / "video.mp4"
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_SCRIPT, API_KEY, server_url, str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(modelgates.__file__).parent.parent)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[]",
        "300000 []",
        "completed ['modelgates.models', 'pydantic']",
    ]
    assert target.stat().st_size == 300_000
    assert [(r.method, r.path) for r in server.requests] == [
        ("GET", "/videos/job-0001/content"),
        ("GET", "/videos/job-0001"),
    ]


# -- async -------------------------------------------------------------------------------------


async def test_async_every_operation(aclient: modelgates.AsyncModelGates, server: VideoServer) -> None:
    job = await aclient.video_generation.generate(model="google/veo-3.1", prompt="p", resolution="1080p")
    assert job.status == "pending"
    polled = await aclient.video_generation.get_generation(job.id)
    assert polled.id == job.id
    listing = await aclient.video_generation.list_videos_models()
    assert listing.data[0].name == "Veo 3.1"
    server.video_size = 200_000
    async with aclient.video_generation.get_video_content(job.id, index=0) as stream:
        data = b"".join([chunk async for chunk in stream.aiter_bytes()])
    assert len(data) == 200_000
    stream2 = await aclient.video_generation.get_video_content(job.id)
    assert len(await stream2.read()) == 200_000
    await stream2.close()
    assert server.seen("POST")[0].json() == {"model": "google/veo-3.1", "prompt": "p", "resolution": "1080p"}


async def test_async_upscaling_fields(aclient: modelgates.AsyncModelGates, server: VideoServer) -> None:
    await aclient.video_generation.generate(model="example/video-upscaler", creativity=1, upscale_factor=1.5)
    assert server.seen("POST")[0].json() == {"model": "example/video-upscaler", "creativity": 1, "upscale_factor": 1.5}
    listing = await aclient.video_generation.list_videos_models()
    assert [m.upscale_factor for m in listing.data][:2] == [None, models.UpscaleFactorRange(min=1, max=4)]
    with pytest.raises(errors.BadRequestResponseError):
        await aclient.video_generation.generate(model="google/veo-3.1", creativity=1)


@pytest.mark.parametrize(("method", "path", "status", "error_class"), ERROR_CASES)
async def test_async_documented_statuses(
    aclient: modelgates.AsyncModelGates, server: VideoServer, method: str, path: str, status: int, error_class: type
) -> None:
    server.jobs["job-0001"] = {"polls": 0, "request": {}}
    server.fail(method, path, status)
    vg = aclient.video_generation
    with pytest.raises(error_class) as caught:
        if method == "POST":
            await vg.generate(model="m", max_retries=0)
        elif path.endswith("/content"):
            async with vg.get_video_content("job-0001", max_retries=0):
                pass
        elif path == "/videos/models":
            await vg.list_videos_models(max_retries=0)
        else:
            await vg.get_generation("job-0001", max_retries=0)
    assert caught.value.status_code == status


async def test_async_retry_and_post_safety(aclient: modelgates.AsyncModelGates, server: VideoServer) -> None:
    server.fail("GET", "/videos/models", 502, times=2)
    assert (await aclient.video_generation.list_videos_models()).data
    assert len(server.seen("GET", "/videos/models")) == 3
    server.fail("POST", "/videos", 503, times=3)
    with pytest.raises(errors.APIError):
        await aclient.video_generation.generate(model="m")
    assert len(server.seen("POST")) == 1
