"""Waiting for jobs and downloading results, over real HTTP against the test server with scripted faults."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

import modelgates
from modelgates import errors, models
from server import API_KEY, DownloadAnswer, VideoServer, video_bytes

FAST = {"poll_interval": 0.01}


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def submit(client: modelgates.ModelGates) -> str:
    return client.video_generation.generate(model="google/veo-3.1", prompt="a fox").id


def test_wait_polls_until_completed_through_unknown_statuses(
    client: modelgates.ModelGates, server: VideoServer
) -> None:
    server.statuses = ["pending", "in_progress", "upscaling", "completed"]
    job_id = submit(client)
    seen: list[str] = []
    job = client.video_generation.wait(job_id, on_update=lambda j: seen.append(str(j.status)), **FAST)
    assert job.status == "completed" and job.id == job_id
    assert job.unsigned_urls == [f"/api/v1/videos/{job_id}/content?index=0"]
    assert seen == ["pending", "in_progress", "upscaling", "completed"]
    assert len(server.seen("GET", f"/videos/{job_id}")) == 4
    assert len(server.seen("POST")) == 1


def test_wait_backs_off_up_to_the_poll_interval(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.statuses = ["in_progress"] * 4 + ["completed"]
    job_id = submit(client)
    started = time.monotonic()
    client.video_generation.wait(job_id, poll_interval=0.2)
    elapsed = time.monotonic() - started
    polls = server.seen("GET", f"/videos/{job_id}")
    assert len(polls) == 5
    # Four pauses, each capped at the interval: never faster than the first, never beyond the cap.
    assert 0.6 <= elapsed < 2.0


def test_wait_honours_retry_after_on_polls(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.statuses = ["in_progress", "completed"]
    server.poll_headers = {"Retry-After": "0.5"}
    job_id = submit(client)
    started = time.monotonic()
    client.video_generation.wait(job_id, **FAST)
    assert time.monotonic() - started >= 0.5


def test_wait_survives_transient_failures_without_losing_the_job(
    client: modelgates.ModelGates, server: VideoServer
) -> None:
    server.statuses = ["in_progress", "completed"]
    job_id = submit(client)
    # Seven failures outlast one poll's own retries (3 attempts): the wait itself must carry on.
    server.fail("GET", f"/videos/{job_id}", 503, times=4)
    server.fail("GET", f"/videos/{job_id}", 429, headers={"Retry-After": "0"}, times=2)
    server.fail("GET", f"/videos/{job_id}", 0, times=1)
    job = client.video_generation.wait(job_id, **FAST)
    assert job.status == "completed"
    assert len(server.seen("GET", f"/videos/{job_id}")) == 7 + 2
    assert len(server.seen("POST")) == 1


@pytest.mark.parametrize("status", ["failed", "cancelled", "expired"])
def test_wait_raises_on_failure_statuses(client: modelgates.ModelGates, server: VideoServer, status: str) -> None:
    server.statuses = ["in_progress", status]
    job_id = submit(client)
    with pytest.raises(errors.VideoGenerationFailedError) as caught:
        client.video_generation.wait(job_id, **FAST)
    failure = caught.value
    assert isinstance(failure, modelgates.JobFailedError)
    assert failure.job_id == job_id and failure.status == status
    assert isinstance(failure.job, models.VideoGenerationResponse) and failure.job.status == status
    if status == "failed":
        assert failure.reason == "the provider rejected the prompt"
        assert str(failure) == f"job {job_id} ended failed: the provider rejected the prompt"
    else:
        assert failure.reason is None


def test_wait_timeout_carries_the_job_id_and_can_resume(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.statuses = ["in_progress"]
    job_id = submit(client)
    with pytest.raises(modelgates.WaitTimeoutError) as caught:
        client.video_generation.wait(job_id, poll_interval=0.05, timeout=0.3)
    assert caught.value.job_id == job_id
    assert caught.value.job is not None and caught.value.job.status == "in_progress"
    server.statuses = ["completed"]
    assert client.video_generation.wait(caught.value.job_id, **FAST).status == "completed"


def test_wait_stops_at_once_on_errors_waiting_cannot_fix(client: modelgates.ModelGates, server: VideoServer) -> None:
    with pytest.raises(errors.NotFoundResponseError):
        client.video_generation.wait("job-missing", **FAST)
    assert len(server.seen("GET")) == 1


def test_generate_and_wait_posts_exactly_once(client: modelgates.ModelGates, server: VideoServer) -> None:
    server.statuses = ["pending", "completed"]
    job = client.video_generation.generate_and_wait(model="google/veo-3.1", prompt="a fox", duration=4, **FAST)
    assert job.status == "completed"
    (post,) = server.seen("POST")
    assert post.json() == {"model": "google/veo-3.1", "prompt": "a fox", "duration": 4}
    assert len(server.seen("GET", f"/videos/{job.id}")) == 2


def test_download_writes_the_whole_file_and_reports_progress(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path
) -> None:
    server.video_size = 300_000
    job_id = submit(client)
    progress: list[tuple[int, int | None]] = []
    target = tmp_path / "out.mp4"
    result = client.video_generation.download(job_id, target, on_progress=lambda n, total: progress.append((n, total)))
    assert result == modelgates.DownloadResult(target, 300_000, "video/mp4")
    assert target.read_bytes() == video_bytes(0, 300_000)
    assert progress[-1] == (300_000, 300_000)
    assert [n for n, _ in progress] == sorted(n for n, _ in progress)
    assert leftovers(tmp_path) == []
    (get,) = server.seen("GET", f"/videos/{job_id}/content")
    assert "range" not in get.headers


def test_download_resumes_with_range_after_a_cut(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path
) -> None:
    server.video_size = 300_000
    server.cut_downloads, server.cut_after = 2, 100_000
    job_id = submit(client)
    result = client.video_generation.download(job_id, tmp_path / "out.mp4")
    assert result.bytes == 300_000
    assert (tmp_path / "out.mp4").read_bytes() == video_bytes(0, 300_000)
    gets = server.seen("GET", f"/videos/{job_id}/content")
    assert len(gets) == 3
    assert "range" not in gets[0].headers
    # Each resume asks for exactly the bytes that are missing.
    offsets = [int(g.headers["range"].removeprefix("bytes=").rstrip("-")) for g in gets[1:]]
    assert 0 < offsets[0] <= 100_000 and offsets[0] < offsets[1] <= 200_000
    assert leftovers(tmp_path) == []


def test_download_restarts_when_the_server_ignores_range(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path
) -> None:
    server.video_size = 300_000
    server.ranges = False
    server.cut_downloads, server.cut_after = 1, 100_000
    job_id = submit(client)
    result = client.video_generation.download(job_id, tmp_path / "out.mp4")
    assert result.bytes == 300_000
    assert (tmp_path / "out.mp4").read_bytes() == video_bytes(0, 300_000)
    gets = server.seen("GET", f"/videos/{job_id}/content")
    # The 200 that answered the Range replaced the first 100 KB rather than following them.
    assert [g.headers.get("range") for g in gets] == [None, "bytes=100000-"]


def test_download_that_keeps_failing_leaves_no_file(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path
) -> None:
    server.video_size = 300_000
    server.downloads = [DownloadAnswer(cut_after=10_000)] + [DownloadAnswer(cut_after=0)] * 6
    job_id = submit(client)
    with pytest.raises(modelgates.DownloadError) as caught:
        client.video_generation.download(job_id, tmp_path / "out.mp4")
    assert caught.value.expected == 300_000 and caught.value.received == 10_000
    assert "6 attempts in a row ended without getting past byte 10000" in str(caught.value)
    assert list(tmp_path.iterdir()) == []
    assert len(server.seen("GET", f"/videos/{job_id}/content")) == 7


def test_download_refuses_to_overwrite_unless_asked(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path
) -> None:
    job_id = submit(client)
    target = tmp_path / "out.mp4"
    target.write_bytes(b"keep me")
    with pytest.raises(FileExistsError):
        client.video_generation.download(job_id, target)
    assert target.read_bytes() == b"keep me"
    assert server.seen("GET") == []
    client.video_generation.download(job_id, target, overwrite=True)
    assert target.read_bytes() == video_bytes(0, 1024)


def test_download_error_status_leaves_no_file(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path
) -> None:
    with pytest.raises(errors.NotFoundResponseError):
        client.video_generation.download("job-missing", tmp_path / "out.mp4")
    assert list(tmp_path.iterdir()) == []


def test_short_body_is_never_a_silent_short_file(tmp_path: Path) -> None:
    """A body shorter than its Content-Length (no transport error): resumed, then refused."""
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(200, headers={"content-length": "100", "content-type": "video/mp4"}, content=b"x" * 60)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    sdk = modelgates.ModelGates(api_key=API_KEY, server_url="http://127.0.0.1:9", http_client=http)
    with pytest.raises(modelgates.DownloadError, match="body ended at byte 60 of 100"):
        sdk.video_generation.download("job-1", tmp_path / "out.mp4")
    # The first attempt got 60 bytes; the six after it (each a 200 to its Range) no further.
    assert len(calls) == 7
    assert [c.headers.get("range") for c in calls] == [None] + ["bytes=60-"] * 6
    assert list(tmp_path.iterdir()) == []


def test_generate_and_download(client: modelgates.ModelGates, server: VideoServer, tmp_path: Path) -> None:
    server.statuses = ["in_progress", "completed"]
    server.video_size = 70_000
    updates: list[str] = []
    result = client.video_generation.generate_and_download(
        tmp_path / "fox.mp4",
        model="google/veo-3.1",
        prompt="a fox",
        on_update=lambda j: updates.append(str(j.status)),
        **FAST,
    )
    assert result.path == tmp_path / "fox.mp4" and result.bytes == 70_000
    assert result.path.read_bytes() == video_bytes(0, 70_000)
    assert updates == ["in_progress", "completed"]
    assert len(server.seen("POST")) == 1


async def test_async_wait_and_download(
    aclient: modelgates.AsyncModelGates, server: VideoServer, tmp_path: Path
) -> None:
    server.statuses = ["pending", "mystery", "completed"]
    server.video_size = 200_000
    server.cut_downloads, server.cut_after = 1, 50_000
    job = await aclient.video_generation.generate(model="google/veo-3.1")
    done = await aclient.video_generation.wait(job.id, **FAST)
    assert done.status == "completed"
    result = await aclient.video_generation.download(job.id, tmp_path / "a.mp4")
    assert result.bytes == 200_000 and (tmp_path / "a.mp4").read_bytes() == video_bytes(0, 200_000)
    gets = server.seen("GET", f"/videos/{job.id}/content")
    assert len(gets) == 2 and gets[1].headers["range"].startswith("bytes=")
    assert leftovers(tmp_path) == []


async def test_async_failure_timeout_and_combined(
    aclient: modelgates.AsyncModelGates, server: VideoServer, tmp_path: Path
) -> None:
    server.statuses = ["in_progress", "failed"]
    with pytest.raises(errors.VideoGenerationFailedError) as caught:
        await aclient.video_generation.generate_and_wait(model="google/veo-3.1", **FAST)
    assert caught.value.status == "failed" and caught.value.job_id == "job-0001"
    server.statuses = ["in_progress"]
    with pytest.raises(modelgates.WaitTimeoutError) as timed_out:
        await aclient.video_generation.generate_and_wait(model="google/veo-3.1", wait_timeout=0.2, **FAST)
    assert timed_out.value.job_id == "job-0002"
    server.statuses = ["completed"]
    result = await aclient.video_generation.generate_and_download(tmp_path / "b.mp4", model="google/veo-3.1", **FAST)
    assert result.path.read_bytes() == video_bytes(0, 1024)
    assert len(server.seen("POST")) == 3
