"""Waiting for jobs and downloading results, over real HTTP against the test server with scripted faults."""

from __future__ import annotations

import errno
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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


# -- the destination, checked before anything is billed ---------------------------------------------


def _unwritable(monkeypatch: pytest.MonkeyPatch, folder: Path) -> Path:
    """`folder` as one the process may not write into: `os.access` says so (as root, which may write
    anywhere, permission bits alone would not)."""
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == folder else real(p, mode, **kw))
    return folder / "out.mp4"


def _destination(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, bool, str]:
    """A destination a download cannot write: (path, overwrite, what the message says)."""
    if kind == "exists":
        (tmp_path / "taken.mp4").write_bytes(b"keep me")
        return tmp_path / "taken.mp4", False, "taken.mp4 exists; pass overwrite=True to replace it"
    if kind in ("folder", "folder-overwrite"):
        (tmp_path / "videos").mkdir()
        return tmp_path / "videos", kind == "folder-overwrite", "videos is a folder; give the path of a file"
    if kind == "dangling-link":
        (tmp_path / "link.mp4").symlink_to(tmp_path / "gone.mp4")
        return tmp_path / "link.mp4", True, "gone.mp4, which does not exist; remove the link"
    if kind == "missing-folder":
        return tmp_path / "nowhere" / "out.mp4", False, f"the folder {tmp_path / 'nowhere'} does not exist"
    if kind == "parent-is-a-file":
        (tmp_path / "file").write_bytes(b"")
        return tmp_path / "file" / "out.mp4", False, f"{tmp_path / 'file'} is not a folder"
    assert kind == "unwritable-folder"
    (tmp_path / "locked").mkdir()
    return _unwritable(monkeypatch, tmp_path / "locked"), False, f"the folder {tmp_path / 'locked'} is not writable"


DESTINATIONS = ["exists", "folder", "folder-overwrite", "dangling-link", "missing-folder", "parent-is-a-file"]


@pytest.mark.parametrize("kind", [*DESTINATIONS, "unwritable-folder"])
def test_generate_and_download_refuses_a_destination_before_the_job_is_submitted(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    path, overwrite, said = _destination(kind, tmp_path, monkeypatch)
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(errors.DestinationError, match=re.escape(said)) as caught:
        client.video_generation.generate_and_download(path, model="google/veo-3.1", overwrite=overwrite, **FAST)
    assert isinstance(caught.value, modelgates.ModelGatesError)
    assert caught.value.path == path and caught.value.job_id is None
    assert isinstance(caught.value, FileExistsError) == (kind == "exists")
    assert server.requests == []  # nothing submitted, nothing billed
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("kind", DESTINATIONS)
async def test_async_generate_and_download_refuses_a_destination_before_the_job_is_submitted(
    aclient: modelgates.AsyncModelGates,
    server: VideoServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    path, overwrite, said = _destination(kind, tmp_path, monkeypatch)
    with pytest.raises(errors.DestinationError, match=re.escape(said)):
        await aclient.video_generation.generate_and_download(path, model="google/veo-3.1", overwrite=overwrite, **FAST)
    assert server.requests == []


@pytest.mark.parametrize("kind", DESTINATIONS)
def test_download_refuses_a_destination_before_any_request(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    server.jobs["job-0042"] = {"polls": 5, "request": {}}
    path, overwrite, said = _destination(kind, tmp_path, monkeypatch)
    with pytest.raises(errors.DestinationError, match=re.escape(said)):
        client.video_generation.download("job-0042", path, overwrite=overwrite)
    assert server.requests == []


def test_an_existing_file_is_still_a_file_exists_error(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path
) -> None:
    """`except FileExistsError` around a download keeps working: the error is both."""
    (tmp_path / "taken.mp4").write_bytes(b"keep me")
    with pytest.raises(FileExistsError) as caught:
        client.video_generation.download("job-0001", tmp_path / "taken.mp4")
    error = caught.value
    assert isinstance(error, errors.DestinationExistsError) and isinstance(error, modelgates.ModelGatesError)
    assert error.errno == errno.EEXIST and error.filename == str(tmp_path / "taken.mp4")
    assert str(error) == f"{tmp_path / 'taken.mp4'} exists; pass overwrite=True to replace it"
    assert server.requests == []


# -- after the billed submit, the job is never lost ---------------------------------------------------


@dataclass
class AfterSubmit:
    """A failure after the job was submitted: `arrange(server, folder)` scripts it and returns the
    path to download to and the arguments to add (callbacks, `timeout`); `error_name` is the class
    in `errors` of what is raised."""

    arrange: Callable[[VideoServer, Path], tuple[Path, dict[str, Any]]]
    error_name: str
    phase: str  # "wait" or "download": what picks the job up

    @property
    def error(self) -> type[Exception]:
        found: type[Exception] = getattr(errors, self.error_name)
        return found


def _appears_meanwhile(server: VideoServer, folder: Path) -> tuple[Path, dict[str, Any]]:
    target = folder / "out.mp4"
    return target, {"on_update": lambda job: target.write_bytes(b"theirs") if job.status == "completed" else None}


def _folder_removed_meanwhile(server: VideoServer, folder: Path) -> tuple[Path, dict[str, Any]]:
    (folder / "videos").mkdir()
    return folder / "videos" / "out.mp4", {
        "on_update": lambda job: shutil.rmtree(folder / "videos") if job.status == "completed" else None
    }


def _download_keeps_breaking(server: VideoServer, folder: Path) -> tuple[Path, dict[str, Any]]:
    server.video_size = 300_000
    server.cut_downloads, server.cut_after = 100, 0  # every attempt cut before its first byte
    return folder / "out.mp4", {}


def _poll_404(server: VideoServer, folder: Path) -> tuple[Path, dict[str, Any]]:
    server.fail("GET", "/videos/job-0001", 404)
    return folder / "out.mp4", {}


def _poll_invalid(server: VideoServer, folder: Path) -> tuple[Path, dict[str, Any]]:
    server.fail("GET", "/videos/job-0001", 200, body={"id": "job-0001", "status": "in_progress"})  # no polling_url
    return folder / "out.mp4", {}


def _download_times_out(server: VideoServer, folder: Path) -> tuple[Path, dict[str, Any]]:
    server.fail("GET", "/videos/job-0001/content", 503, delay=2.0, times=10)  # no answer in time
    return folder / "out.mp4", {"timeout": 0.5}


def _folder_removed_while_writing(server: VideoServer, folder: Path) -> tuple[Path, dict[str, Any]]:
    server.video_size = 200_000
    (folder / "videos").mkdir()

    def remove(received: int, total: int | None) -> None:
        if (folder / "videos").exists():
            shutil.rmtree(folder / "videos")

    return folder / "videos" / "out.mp4", {"on_progress": remove}


AFTER_SUBMIT = {
    "file-appears": AfterSubmit(_appears_meanwhile, "DestinationExistsError", "download"),
    "folder-removed": AfterSubmit(_folder_removed_meanwhile, "DestinationError", "download"),
    "download-error": AfterSubmit(_download_keeps_breaking, "DownloadError", "download"),
    "poll-404": AfterSubmit(_poll_404, "NotFoundResponseError", "wait"),
    "poll-invalid": AfterSubmit(_poll_invalid, "ResponseValidationError", "wait"),
    "download-transport": AfterSubmit(_download_times_out, "APIConnectionError", "download"),
    "write-fails": AfterSubmit(_folder_removed_while_writing, "DownloadError", "download"),
}


def _check_kept(error: BaseException, case: AfterSubmit, server: VideoServer, target: Path) -> None:
    assert isinstance(error, case.error) and isinstance(error, modelgates.ModelGatesError), repr(error)
    assert len(server.seen("POST")) == 1  # exactly one job billed...
    (created,) = server.jobs
    assert error.job_id == created  # ...and its handle kept
    resume = (
        f"job {created} goes on: pick it up with client.video_generation.wait({created!r})"
        if case.phase == "wait"
        else f"job {created} is done: download its result with client.video_generation.download({created!r}, {str(target)!r})"
    )
    assert str(error).endswith(resume), str(error)


@pytest.mark.parametrize("name", AFTER_SUBMIT)
def test_errors_after_the_submit_carry_the_job_id(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path, name: str
) -> None:
    case = AFTER_SUBMIT[name]
    server.statuses = ["in_progress", "completed"]
    target, extra = case.arrange(server, tmp_path)
    with pytest.raises(case.error) as caught:
        client.video_generation.generate_and_download(target, model="google/veo-3.1", **extra, **FAST)
    _check_kept(caught.value, case, server, target)
    assert not target.exists() or target.read_bytes() == b"theirs"
    if target.parent.exists():
        assert leftovers(target.parent) == []


@pytest.mark.parametrize("name", AFTER_SUBMIT)
async def test_async_errors_after_the_submit_carry_the_job_id(
    aclient: modelgates.AsyncModelGates, server: VideoServer, tmp_path: Path, name: str
) -> None:
    case = AFTER_SUBMIT[name]
    server.statuses = ["in_progress", "completed"]
    target, extra = case.arrange(server, tmp_path)
    with pytest.raises(case.error) as caught:
        await aclient.video_generation.generate_and_download(target, model="google/veo-3.1", **extra, **FAST)
    _check_kept(caught.value, case, server, target)


@pytest.mark.parametrize("name", ["poll-404", "poll-invalid"])
def test_generate_and_wait_errors_carry_the_job_id(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path, name: str
) -> None:
    case = AFTER_SUBMIT[name]
    server.statuses = ["in_progress", "completed"]
    case.arrange(server, tmp_path)
    with pytest.raises(case.error) as caught:
        client.video_generation.generate_and_wait(model="google/veo-3.1", **FAST)
    _check_kept(caught.value, case, server, tmp_path)


def test_the_kept_job_id_picks_the_job_up(client: modelgates.ModelGates, server: VideoServer, tmp_path: Path) -> None:
    """A 404 on a poll (a replica that has not seen the job yet) does not lose the billed job."""
    server.statuses = ["completed"]
    server.fail("GET", "/videos/job-0001", 404)
    with pytest.raises(errors.NotFoundResponseError) as caught:
        client.video_generation.generate_and_download(tmp_path / "out.mp4", model="google/veo-3.1", **FAST)
    assert not (tmp_path / "out.mp4").exists()
    job = client.video_generation.wait(caught.value.job_id, **FAST)
    client.video_generation.download(job.id, tmp_path / "out.mp4")
    assert (tmp_path / "out.mp4").read_bytes() == video_bytes(0, 1024)
    assert len(server.seen("POST")) == 1


def test_a_write_failure_is_chained_from_the_os_error(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path
) -> None:
    target, extra = _folder_removed_while_writing(server, tmp_path)
    with pytest.raises(errors.DownloadError) as caught:
        client.video_generation.generate_and_download(target, model="google/veo-3.1", **extra, **FAST)
    assert isinstance(caught.value.__cause__, OSError)
    assert "could not move the file into place" in str(caught.value)


@pytest.mark.parametrize("status", ["failed", "timeout"])
def test_a_job_that_ended_or_ran_out_of_time_keeps_its_id(
    client: modelgates.ModelGates, server: VideoServer, tmp_path: Path, status: str
) -> None:
    server.statuses = ["in_progress"] if status == "timeout" else ["in_progress", "failed"]
    with pytest.raises((errors.VideoGenerationFailedError, modelgates.WaitTimeoutError)) as caught:
        client.video_generation.generate_and_download(
            tmp_path / "out.mp4", model="google/veo-3.1", wait_timeout=0.2, **FAST
        )
    assert caught.value.job_id == "job-0001"
    if status == "failed":  # nothing to pick up: the message stays as it was
        assert str(caught.value) == "job job-0001 ended failed: the provider rejected the prompt"
    else:
        assert str(caught.value).endswith("pick it up with client.video_generation.wait('job-0001')")
    assert len(server.seen("POST")) == 1


def test_every_error_has_a_job_id_attribute() -> None:
    assert modelgates.ModelGatesError("x").job_id is None
    assert modelgates.APIConnectionError("x", request=httpx.Request("GET", "http://127.0.0.1")).job_id is None
