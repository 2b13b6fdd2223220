"""Downloads against a misbehaving server, over real HTTP: answers to a resume that do not continue
the file, bodies encoded although identity was asked for, a file created at the destination while the
download runs, the mode of the file, and links that keep dropping. Each test checks what the SDK did
and what the server saw; every failure must leave no temporary `.part` file behind."""

from __future__ import annotations

import asyncio
import errno
import os
import stat
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import modelgates
from modelgates import _jobs, cli
from server import API_KEY, DownloadAnswer, SeenRequest, VideoServer, gzip_bomb, video_bytes

SIZE = 1_000_000
JOB = "job-0001"
CONTENT = f"/videos/{JOB}/content"

Download = Callable[..., modelgates.DownloadResult]


@pytest.fixture
def video(server: VideoServer) -> VideoServer:
    """The test server with one finished job, JOB, whose video is SIZE bytes."""
    server.video_size = SIZE
    server.jobs[JOB] = {"polls": 0, "request": {}}
    return server


@pytest.fixture(params=["sync", "async"])
def download(request: pytest.FixtureRequest, server_url: str) -> Download:
    """`download(path, **kwargs)`: JOB's video downloaded by a sync, or an async, client."""

    def sync(path: Path, **kwargs: Any) -> modelgates.DownloadResult:
        with modelgates.ModelGates(api_key=API_KEY, server_url=server_url) as sdk:
            return sdk.video_generation.download(JOB, path, **kwargs)

    async def run(path: Path, **kwargs: Any) -> modelgates.DownloadResult:
        async with modelgates.AsyncModelGates(api_key=API_KEY, server_url=server_url) as sdk:
            return await sdk.video_generation.download(JOB, path, **kwargs)

    if request.param == "sync":
        return sync
    return lambda path, **kwargs: asyncio.run(run(path, **kwargs))


def gets(server: VideoServer) -> list[SeenRequest]:
    """The downloads' requests the server saw, each asking for identity encoding."""
    seen = server.seen("GET", CONTENT)
    assert seen and all(r.headers.get("accept-encoding") == "identity" for r in seen)
    return seen


def ranges(server: VideoServer) -> list[str | None]:
    return [r.headers.get("range") for r in gets(server)]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def assert_whole(result: modelgates.DownloadResult, path: Path) -> None:
    assert result.path == path and result.bytes == SIZE
    assert path.read_bytes() == video_bytes(0, SIZE)
    assert leftovers(path.parent) == []


# -- answers to a resume that do not continue the file ------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        DownloadAnswer(start=301_000),  # Content-Range: bytes 301000-999999/1000000
        DownloadAnswer(content_range="bytes 300000-999999/2000000"),
        DownloadAnswer(content_range="bytes 300000-999999/*"),
        DownloadAnswer(content_range="bytes 300000-999999"),
        DownloadAnswer(content_range=""),
        DownloadAnswer(start=301_000, content_range="bytes 300000-499999/1000000"),
    ],
    ids=["starts-elsewhere", "other-total", "unknown-total", "malformed", "no-content-range", "body-past-its-range"],
)
def test_a_206_that_does_not_continue_the_file_starts_it_over(
    video: VideoServer, download: Download, tmp_path: Path, answer: DownloadAnswer
) -> None:
    video.downloads = [DownloadAnswer(cut_after=300_000), answer]
    result = download(tmp_path / "out.mp4")
    assert_whole(result, tmp_path / "out.mp4")
    assert ranges(video) == [None, "bytes=300000-", None]


def test_a_416_for_the_resume_starts_the_file_over(video: VideoServer, download: Download, tmp_path: Path) -> None:
    video.downloads = [DownloadAnswer(cut_after=300_000), DownloadAnswer(status=416)]
    result = download(tmp_path / "out.mp4")
    assert_whole(result, tmp_path / "out.mp4")
    assert ranges(video) == [None, "bytes=300000-", None]


def test_bad_206s_count_against_the_budget_when_the_restarts_fail_too(
    video: VideoServer, download: Download, tmp_path: Path
) -> None:
    """Each bad 206 is answered by a request for the whole file; when those are cut at the same place,
    six in a row end the download."""
    video.downloads = [DownloadAnswer(cut_after=300_000)]
    video.downloads += [DownloadAnswer(start=301_000), DownloadAnswer(cut_after=300_000)] * 6
    with pytest.raises(modelgates.DownloadError, match="6 attempts in a row ended without getting past byte 300000"):
        download(tmp_path / "out.mp4")
    assert ranges(video) == [None] + ["bytes=300000-", None] * 6
    assert leftovers(tmp_path) == [] and list(tmp_path.iterdir()) == []


# -- bodies encoded although the download asked for identity ------------------------------------


def test_downloads_ask_for_identity_and_other_calls_do_not(
    client: modelgates.ModelGates, video: VideoServer, tmp_path: Path
) -> None:
    client.video_generation.get_generation(JOB)
    assert_whole(client.video_generation.download(JOB, tmp_path / "out.mp4"), tmp_path / "out.mp4")
    poll = video.seen("GET", f"/videos/{JOB}")[0]
    assert poll.path == f"/videos/{JOB}"
    assert "identity" not in poll.headers["accept-encoding"] and "gzip" in poll.headers["accept-encoding"]
    assert len(gets(video)) == 1


@pytest.mark.parametrize(
    "body, encoding",
    [
        ("gzip", "gzip"),
        ("gzip", "x-gzip"),
        ("gzip-members", "gzip"),
        ("deflate", "deflate"),
        ("deflate-raw", "deflate"),
    ],
)
def test_a_body_encoded_anyway_is_decoded(
    video: VideoServer, download: Download, tmp_path: Path, body: str, encoding: str
) -> None:
    video.downloads = [DownloadAnswer(body=body, encoding=encoding)]
    assert_whole(download(tmp_path / "out.mp4"), tmp_path / "out.mp4")
    assert ranges(video) == [None]


def test_an_encoded_body_cut_short_is_not_resumed_by_range(
    video: VideoServer, download: Download, tmp_path: Path
) -> None:
    """Offsets in the decoded file are not offsets in the encoded body (which a Range would count in):
    the download starts over instead."""
    encoded = DownloadAnswer(body="gzip-stored", encoding="gzip")
    video.downloads = [DownloadAnswer(body="gzip-stored", encoding="gzip", cut_after=300_000), encoded]
    assert_whole(download(tmp_path / "out.mp4"), tmp_path / "out.mp4")
    assert ranges(video) == [None, None]


def test_an_encoded_206_starts_the_file_over(video: VideoServer, download: Download, tmp_path: Path) -> None:
    video.downloads = [DownloadAnswer(cut_after=300_000), DownloadAnswer(body="gzip-stored", encoding="gzip")]
    assert_whole(download(tmp_path / "out.mp4"), tmp_path / "out.mp4")
    assert ranges(video) == [None, "bytes=300000-", None]


def test_a_gzip_bomb_fails_once_past_the_bound_in_little_memory(
    video: VideoServer, download: Download, tmp_path: Path
) -> None:
    bomb = gzip_bomb()  # 4 MB that decode to 4 GiB
    video.downloads = [DownloadAnswer(body="bomb", encoding="gzip")]
    tracemalloc.start()
    try:
        with pytest.raises(modelgates.DownloadError, match="decode to more than") as caught:
            download(tmp_path / "out.mp4")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The bound: 100 times the encoded bytes received, plus 16 MiB; the first 64 KiB already trip it.
    assert _jobs.EXPANSION_ALLOWANCE < caught.value.received < 32 << 20
    assert caught.value.expected is None
    assert peak < 16 << 20, f"{peak} bytes allocated at the peak"
    assert list(tmp_path.iterdir()) == []
    assert ranges(video) == [None]
    assert len(bomb) < 5_000_000


def test_a_body_that_is_not_gzip_fails_with_download_error(
    video: VideoServer, download: Download, tmp_path: Path
) -> None:
    video.downloads = [DownloadAnswer(body="video", encoding="gzip")]
    with pytest.raises(modelgates.DownloadError, match="could not be decoded") as caught:
        download(tmp_path / "out.mp4")
    assert isinstance(caught.value.__cause__, zlib.error)
    assert caught.value.received == 0 and caught.value.expected is None
    assert list(tmp_path.iterdir()) == []
    assert ranges(video) == [None]


def test_an_encoding_that_cannot_be_undone_fails(video: VideoServer, download: Download, tmp_path: Path) -> None:
    video.downloads = [DownloadAnswer(body="video", encoding="br")]
    with pytest.raises(modelgates.DownloadError, match="'br' encoding although the download asked for identity"):
        download(tmp_path / "out.mp4")
    assert list(tmp_path.iterdir()) == []
    assert ranges(video) == [None]


# -- the destination and the file's mode ---------------------------------------------------------


def created_mid_download(video: VideoServer, path: Path) -> None:
    """Someone else writes `path` just before the last chunk of the body is sent."""
    video.downloads = [DownloadAnswer(before_last_chunk=lambda: path.write_bytes(b"someone else's"))]


def test_a_file_created_at_the_destination_while_downloading_is_kept(
    video: VideoServer, download: Download, tmp_path: Path
) -> None:
    target = tmp_path / "out.mp4"
    created_mid_download(video, target)
    with pytest.raises(modelgates.DownloadError, match="was created while downloading") as caught:
        download(target)
    assert isinstance(caught.value.__cause__, FileExistsError)
    assert caught.value.received == SIZE and caught.value.expected == SIZE
    assert target.read_bytes() == b"someone else's"
    assert leftovers(tmp_path) == []
    assert len(gets(video)) == 1
    created_mid_download(video, target)
    assert_whole(download(target, overwrite=True), target)


@pytest.fixture(params=["renameat2", "check-then-rename"])
def no_hard_links(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """A filesystem without hard links (as FAT): os.link fails with EPERM. Yields the targets that
    renameat2(RENAME_NOREPLACE) was asked to rename to, or turns it off."""

    def refuse(source: Any, target: Any) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", refuse)
    renamed: list[Path] = []
    real = _jobs._rename_no_replace

    def spy(source: Path, target: Path) -> bool:
        renamed.append(target)
        return request.param == "renameat2" and real(source, target)

    monkeypatch.setattr(_jobs, "_rename_no_replace", spy)
    return renamed


def test_without_hard_links_the_file_is_still_never_replaced(
    video: VideoServer, client: modelgates.ModelGates, tmp_path: Path, no_hard_links: list[Path]
) -> None:
    target = tmp_path / "out.mp4"
    assert_whole(client.video_generation.download(JOB, target), target)
    other = tmp_path / "other.mp4"
    created_mid_download(video, other)
    with pytest.raises(modelgates.DownloadError, match="was created while downloading"):
        client.video_generation.download(JOB, other)
    assert other.read_bytes() == b"someone else's"
    assert leftovers(tmp_path) == []
    assert no_hard_links == [target, other]


def test_the_command_line_says_when_the_destination_appeared_while_downloading(
    video: VideoServer, server_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.mp4"
    created_mid_download(video, target)
    code = cli.main(["download", JOB, str(target), "--api-key", API_KEY, "--server-url", server_url])
    assert code == 1
    assert f"{target} exists; pass --overwrite to replace it" in capsys.readouterr().err
    assert target.read_bytes() == b"someone else's" and leftovers(tmp_path) == []


@pytest.fixture(params=[0o022, 0o027, 0o002])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def test_the_file_gets_the_mode_open_would_give_it(
    video: VideoServer, download: Download, tmp_path: Path, umask: int
) -> None:
    target = tmp_path / "out.mp4"
    assert_whole(download(target), target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    (tmp_path / "by-open").write_bytes(b"")
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE((tmp_path / "by-open").stat().st_mode)


# -- the resume budget ---------------------------------------------------------------------------


def test_a_link_that_cuts_every_100_kb_still_completes(video: VideoServer, download: Download, tmp_path: Path) -> None:
    video.cut_downloads, video.cut_after = 100, 100_000
    assert_whole(download(tmp_path / "out.mp4"), tmp_path / "out.mp4")
    assert ranges(video) == [None] + [f"bytes={n}-" for n in range(100_000, SIZE, 100_000)]


def test_six_cuts_in_a_row_without_a_byte_fail(video: VideoServer, download: Download, tmp_path: Path) -> None:
    """Five cuts without progress are waited out; progress resets the count; the sixth in a row fails."""
    video.downloads = [DownloadAnswer(cut_after=100_000)] + [DownloadAnswer(cut_after=0)] * 5
    video.downloads += [DownloadAnswer(cut_after=100_000)] + [DownloadAnswer(cut_after=0)] * 6
    with pytest.raises(modelgates.DownloadError) as caught:
        download(tmp_path / "out.mp4")
    message = str(caught.value)
    assert "failed at byte 200000 of 1000000" in message and "6 attempts in a row" in message
    assert "RemoteProtocolError" in message  # what cut the last attempt
    assert caught.value.received == 200_000 and caught.value.expected == SIZE
    assert list(tmp_path.iterdir()) == []
    assert ranges(video) == [None] + ["bytes=100000-"] * 6 + ["bytes=200000-"] * 6


# -- versions, sizes and names ------------------------------------------------------------------


def test_a_resume_names_the_version_it_continues_and_never_splices_another(
    video: VideoServer, download: Download, tmp_path: Path
) -> None:
    # The server ignores If-Range and sends a 206 of another version: the SDK sees the ETag change.
    video.downloads = [DownloadAnswer(etag='"v1"', cut_after=300_000), DownloadAnswer(etag='"v2"')]
    result = download(tmp_path / "out.mp4")
    assert_whole(result, tmp_path / "out.mp4")
    seen = gets(video)
    assert [r.headers.get("range") for r in seen] == [None, "bytes=300000-", None]
    assert [r.headers.get("if-range") for r in seen] == [None, '"v1"', None]


def test_a_206_of_unknown_size_for_the_whole_file_is_not_taken_as_all_of_it(
    video: VideoServer, download: Download, tmp_path: Path
) -> None:
    video.downloads = [DownloadAnswer(start=0, content_range=f"bytes 0-{SIZE - 1}/*")]
    result = download(tmp_path / "out.mp4")
    assert_whole(result, tmp_path / "out.mp4")
    assert ranges(video) == [None, None]


@pytest.mark.parametrize("name", ["a\0b.mp4", "v" * 300 + ".mp4"])
def test_a_name_no_file_can_have_is_refused_before_anything_is_sent(
    video: VideoServer, server_url: str, tmp_path: Path, name: str
) -> None:
    with modelgates.ModelGates(api_key=API_KEY, server_url=server_url) as sdk:
        with pytest.raises(modelgates.errors.DestinationError):
            sdk.video_generation.generate_and_download(tmp_path / name, model="google/veo-3.1")
    assert video.requests == [] and leftovers(tmp_path) == []


def test_a_name_as_long_as_the_folder_allows_is_written(video: VideoServer, download: Download, tmp_path: Path) -> None:
    target = tmp_path / ("v" * 251 + ".mp4")  # 255 bytes: no room for the temporary file's suffix
    assert_whole(download(target), target)


DISK_FULL = """
import resource, signal, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import modelgates
from modelgates import errors

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
limit = int(sys.argv[5])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
with modelgates.ModelGates(api_key=sys.argv[3], server_url=sys.argv[4]) as sdk:
    try:
        sdk.video_generation.download("job-0001", sys.argv[6])
    except errors.DownloadError as exc:
        print("DownloadError", type(exc.__cause__).__name__)
"""


@pytest.mark.parametrize("limit", [5_000, 19_000])
def test_a_full_disk_is_a_download_error_wherever_the_write_fails(
    video: VideoServer, server_url: str, tmp_path: Path, limit: int
) -> None:
    """RLIMIT_FSIZE stands in for a full disk: the write that fails may be one of the body's, or,
    with 1,000-byte chunks kept in the file object's buffer, the last one, made when the file is
    closed (of 20,000 bytes, those past the last full buffer before the limit)."""
    import subprocess
    import sys

    video.video_size = 20_000
    video.downloads = [DownloadAnswer(chunk_size=1_000)]
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", DISK_FULL, str(root / "generated"), str(root / "tests"), API_KEY, server_url]
        + [str(limit), str(tmp_path / "out.mp4")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["DownloadError", "OSError"]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_weak_etag_that_changes_starts_the_file_over(video: VideoServer, download: Download, tmp_path: Path) -> None:
    video.downloads = [DownloadAnswer(etag='W/"v1"', cut_after=300_000), DownloadAnswer(etag='W/"v2"')]
    assert_whole(download(tmp_path / "out.mp4"), tmp_path / "out.mp4")
    assert ranges(video) == [None, "bytes=300000-", None]


def test_a_name_that_is_not_utf8_is_written(video: VideoServer, server_url: str, tmp_path: Path) -> None:
    target = tmp_path / os.fsdecode(b"out\xff.mp4")  # a valid Linux name Python holds as a surrogate
    with modelgates.ModelGates(api_key=API_KEY, server_url=server_url) as sdk:
        result = sdk.video_generation.generate_and_download(target, model="google/veo-3.1", poll_interval=0.01)
    assert result.path == target and target.stat().st_size == result.bytes
    assert leftovers(tmp_path) == []
