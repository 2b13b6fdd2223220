"""The generated SDK against Stoplight Prism mocking the same spec: a third party's reading of it.

Prism validates every request against the spec (a body with a stray `null` or a wrong type is
rejected with 422) and answers with data generated from the response schemas.
"""

from __future__ import annotations

import httpx
import pytest

import modelgates
from modelgates import errors, models

STATUSES = {
    "generate": [400, 401, 402, 404, 429, 500],
    "get_generation": [401, 404, 500],
    "get_video_content": [400, 401, 404, 500, 502],
    "list_videos_models": [400, 500],
}
CLASSES = {
    400: errors.BadRequestResponseError,
    401: errors.UnauthorizedResponseError,
    402: errors.PaymentRequiredResponseError,
    404: errors.NotFoundResponseError,
    429: errors.TooManyRequestsResponseError,
    500: errors.InternalServerResponseError,
    502: errors.BadGatewayResponseError,
}
CASES = [(op, status) for op, statuses in STATUSES.items() for status in statuses]


@pytest.fixture
def client(prism_url: str) -> modelgates.ModelGates:
    return modelgates.ModelGates(api_key="prism-key", server_url=prism_url, max_retries=0)


@pytest.fixture
def aclient(prism_url: str) -> modelgates.AsyncModelGates:
    return modelgates.AsyncModelGates(api_key="prism-key", server_url=prism_url, max_retries=0)


def run(client: modelgates.ModelGates, operation: str, **options: object) -> object:
    vg = client.video_generation
    if operation == "generate":
        return vg.generate(
            model="google/veo-3.1",
            prompt="A serene mountain landscape at sunset",
            aspect_ratio="16:9",
            duration=8,
            resolution="720p",
            frame_images=[
                models.FrameImage(
                    type="image_url", image_url=models.MediaUrl(url="https://x.example/a.png"), frame_type="first_frame"
                )
            ],
            provider=models.ProviderPreferences(options={"google-vertex": {"location": "us"}}),
            **options,  # type: ignore[arg-type]
        )
    if operation == "get_generation":
        return vg.get_generation("job-abc123", **options)  # type: ignore[arg-type]
    if operation == "get_video_content":
        with vg.get_video_content("job-abc123", index=0, **options) as stream:  # type: ignore[arg-type]
            return stream.read()
    return vg.list_videos_models(**options)  # type: ignore[arg-type]


def test_every_operation_succeeds(client: modelgates.ModelGates) -> None:
    job = run(client, "generate")
    assert isinstance(job, models.VideoGenerationResponse) and job.id
    polled = run(client, "get_generation")
    assert isinstance(polled, models.VideoGenerationResponse)
    content = run(client, "get_video_content")
    assert isinstance(content, bytes) and content
    listing = run(client, "list_videos_models")
    assert isinstance(listing, models.VideoModelsListResponse) and listing.data


def test_prism_rejects_what_the_spec_forbids(client: modelgates.ModelGates) -> None:
    """The check that makes the successes above meaningful: Prism refuses a body the spec forbids.

    Prism answers an invalid request with the spec's own 400 response.
    """
    with pytest.raises(errors.BadRequestResponseError):
        client.video_generation.generate(model="m", prompt=None)  # type: ignore[arg-type]
    assert isinstance(run(client, "generate"), models.VideoGenerationResponse)


def test_prism_accepts_the_upscaling_fields(client: modelgates.ModelGates) -> None:
    job = client.video_generation.generate(
        model="example/video-upscaler",
        creativity=3,
        upscale_factor=2.5,
        input_references=[
            models.VideoReference(type="video_url", video_url=models.MediaUrl(url="https://v.example/in.mp4"))
        ],
    )
    assert isinstance(job, models.VideoGenerationResponse) and job.id
    listing = client.video_generation.list_videos_models()
    for model in listing.data:  # whatever Prism makes up from the schema parses
        assert model.creativity is None or all(isinstance(level, int) for level in model.creativity)
        assert model.upscale_factor is None or isinstance(model.upscale_factor, models.UpscaleFactorRange)


@pytest.mark.parametrize("body", [{"upscale_factor": 0}, {"upscale_factor": -1}, {"creativity": 2.5}])
def test_prism_rejects_upscaling_values_the_spec_forbids(prism_url: str, body: dict[str, object]) -> None:
    """Sent raw, past the SDK's own checks: the spec's bounds and types hold for a third party too."""
    headers = {"authorization": "Bearer prism-key"}
    valid = {"model": "example/video-upscaler", "creativity": 1, "upscale_factor": 0.5}
    assert httpx.post(f"{prism_url}/videos", json=valid, headers=headers).status_code == 202
    answer = httpx.post(f"{prism_url}/videos", json={**valid, **body}, headers=headers)
    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize(("operation", "status"), CASES)
def test_every_documented_error(client: modelgates.ModelGates, operation: str, status: int) -> None:
    with pytest.raises(CLASSES[status]) as caught:
        run(client, operation, extra_headers={"Prefer": f"code={status}"})
    assert caught.value.status_code == status
    assert isinstance(caught.value.data, models.ErrorResponse)


async def test_async_every_operation(aclient: modelgates.AsyncModelGates) -> None:
    async with aclient:
        vg = aclient.video_generation
        job = await vg.generate(model="google/veo-3.1", duration=4, generate_audio=True)
        assert job.id
        assert (await vg.get_generation("job-abc123")).id
        async with vg.get_video_content("job-abc123") as stream:
            assert b"".join([c async for c in stream.aiter_bytes()])
        assert (await vg.list_videos_models()).data


@pytest.mark.parametrize(("operation", "status"), CASES)
async def test_async_every_documented_error(aclient: modelgates.AsyncModelGates, operation: str, status: int) -> None:
    headers = {"Prefer": f"code={status}"}
    vg = aclient.video_generation
    async with aclient:
        with pytest.raises(CLASSES[status]):
            if operation == "generate":
                await vg.generate(model="m", extra_headers=headers)
            elif operation == "get_generation":
                await vg.get_generation("job-abc123", extra_headers=headers)
            elif operation == "get_video_content":
                async with vg.get_video_content("job-abc123", extra_headers=headers):
                    pass
            else:
                await vg.list_videos_models(extra_headers=headers)
