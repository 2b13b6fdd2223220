"""Waiting for long-running jobs and downloading their results: the loops users should not write.

Both are driven by declarations in the generated resources (a `Waiter`, a streaming `Endpoint`);
the sync and async loops share their state machines here, so each loop is only the I/O.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import logging
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

import httpx

from ._runtime import (
    RETRYABLE_STATUSES,
    AsyncTransport,
    Call,
    Endpoint,
    RequestOptions,
    SyncTransport,
    _sleep,
    parse_retry_after,
)
from .errors import (
    APIConnectionError,
    APIError,
    DestinationError,
    DestinationExistsError,
    DownloadError,
    JobFailedError,
    WaitTimeoutError,
    _RootError,
)

JobT = TypeVar("JobT")
ProgressCallback = Callable[[int, "int | None"], None]

FIRST_POLL_DELAY = 1.0
POLL_BACKOFF = 1.5
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_WAIT_TIMEOUT = 900.0
MAX_RESUMES = 5
_log = logging.getLogger(__name__.rsplit(".", 1)[0])


@dataclass(frozen=True)
class Waiter(Generic[JobT]):
    """How to tell, from a polled job, that it is done (success), failed, or still going."""

    endpoint: Endpoint[JobT]
    status_field: str
    success: frozenset[str]
    failure: frozenset[str]
    error_field: str | None
    failure_error: type[JobFailedError]


class _Poll(Generic[JobT]):
    """One wait: the schedule (soon, then slower, capped; Retry-After honoured) and the verdicts."""

    def __init__(
        self,
        waiter: Waiter[JobT],
        job_id: str,
        poll_interval: float,
        timeout: float,
        on_update: Callable[[JobT], None] | None,
    ) -> None:
        self.waiter = waiter
        self.job_id = job_id
        self.cap = max(poll_interval, 0.0)
        self.delay = min(FIRST_POLL_DELAY, self.cap)
        self.deadline = time.monotonic() + timeout
        self.on_update = on_update
        self.last: JobT | None = None
        self.server_delay: float | None = None

    def observe(self, job: JobT, headers: httpx.Headers) -> bool:
        """True when the job succeeded; raises when it failed; False to keep polling."""
        self.last = job
        self.server_delay = parse_retry_after(headers.get("retry-after"))
        if self.on_update is not None:
            self.on_update(job)
        status = _text(getattr(job, self.waiter.status_field, None))
        if status in self.waiter.success:
            return True
        if status in self.waiter.failure:
            reason = (
                _text(getattr(job, self.waiter.error_field, None))
                if self.waiter.error_field
                else None
            )
            raise self.waiter.failure_error(
                f"job {self.job_id} ended {status}" + (f": {reason}" if reason else ""),
                job=job,
                job_id=self.job_id,
                status=status,
                reason=reason,
            )
        return (
            False  # still running, or a status this SDK does not know yet: keep waiting
        )

    def transient(self, error: Exception) -> None:
        """A poll that failed for a reason worth waiting out; anything else is re-raised."""
        if isinstance(error, APIError) and error.status_code not in RETRYABLE_STATUSES:
            raise error
        headers = error.headers if isinstance(error, APIError) else httpx.Headers()
        self.server_delay = parse_retry_after(headers.get("retry-after"))
        _log.debug("poll of job %s failed (%s); still waiting", self.job_id, error)

    def next_sleep(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeoutError(
                f"job {self.job_id} did not finish in time; wait again to resume",
                job_id=self.job_id,
                job=self.last,
            )
        pause = max(self.delay, self.server_delay or 0.0)
        self.delay = min(self.delay * POLL_BACKOFF, self.cap)
        return min(pause, remaining)


def _text(value: Any) -> str | None:
    if isinstance(value, enum.Enum):
        value = value.value
    return None if value is None else str(value)


def wait(
    transport: SyncTransport,
    waiter: Waiter[JobT],
    path_params: Mapping[str, Any],
    *,
    poll_interval: float,
    timeout: float,
    on_update: Callable[[JobT], None] | None,
) -> JobT:
    poll = _Poll(
        waiter, str(next(iter(path_params.values()))), poll_interval, timeout, on_update
    )
    while True:
        try:
            job, response = transport.fetch(
                waiter.endpoint, Call(path_params=path_params), RequestOptions()
            )
        except (APIError, APIConnectionError) as exc:
            poll.transient(exc)
        else:
            if poll.observe(job, response.headers):
                return job
        time.sleep(poll.next_sleep())


async def async_wait(
    transport: AsyncTransport,
    waiter: Waiter[JobT],
    path_params: Mapping[str, Any],
    *,
    poll_interval: float,
    timeout: float,
    on_update: Callable[[JobT], None] | None,
) -> JobT:
    poll = _Poll(
        waiter, str(next(iter(path_params.values()))), poll_interval, timeout, on_update
    )
    while True:
        try:
            job, response = await transport.fetch(
                waiter.endpoint, Call(path_params=path_params), RequestOptions()
            )
        except (APIError, APIConnectionError) as exc:
            poll.transient(exc)
        else:
            if poll.observe(job, response.headers):
                return job
        await _sleep(poll.next_sleep())


def check_destination(path: str | os.PathLike[str], overwrite: bool) -> Path:
    """`path` as a `Path`, once it is known that a download may write it; else a `DestinationError`
    that says why and what to do. Called before any request is sent, so that a command that cannot
    finish fails before it bills: `path` must not exist unless `overwrite` (a
    `DestinationExistsError`), and must not be a folder or a broken symbolic link; its folder must
    exist and be writable."""
    target = Path(path)
    if target.is_symlink() and not target.exists():
        raise DestinationError(
            f"{target} is a symbolic link to {os.readlink(target)}, which does not exist;"
            " remove the link or choose another path",
            path=target,
        )
    if target.is_dir():
        raise DestinationError(
            f"{target} is a folder; give the path of a file to write", path=target
        )
    if target.exists() and not overwrite:
        raise DestinationExistsError(
            f"{target} exists; pass overwrite=True to replace it", path=target
        )
    folder = target.parent
    if not folder.exists():
        raise DestinationError(
            f"the folder {folder} does not exist; create it, or choose another path for {target.name}",
            path=target,
        )
    if not folder.is_dir():
        raise DestinationError(
            f"{folder} is not a folder, so {target} cannot be written; choose another path",
            path=target,
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DestinationError(
            f"the folder {folder} is not writable; choose another path for {target.name}"
            " or make the folder writable",
            path=target,
        )
    return target


@contextlib.contextmanager
def resumable(
    job_id: object,
    method: str,
    path: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> Iterator[None]:
    """Around the part of a `..._and_wait` / `..._and_download` call after its job was submitted
    (and billed): an error raised inside leaves with `job_id` set and a message that says how to
    pick the job up, by `method` (`client.videos.wait`), called with the job id, and `path` for a
    download. There, an `OSError` (writing `path`: its folder removed meanwhile, the disk full)
    becomes a `DestinationError` chained from it."""
    job = str(job_id)
    arguments = [repr(job)]
    if path is not None:
        arguments.append(repr(os.fspath(path)))
        arguments += ["overwrite=True"] if overwrite else []
    resume = f"{method}({', '.join(arguments)})"
    try:
        yield
    except _RootError as exc:
        _keep_job(exc, job, path is not None, resume)
        raise
    except OSError as exc:
        if path is None:  # not from the SDK: waiting writes no file
            raise
        target = Path(path)
        error = DestinationError(
            f"cannot write {target}: {exc.strerror or exc}", path=target
        )
        _keep_job(error, job, path is not None, resume)
        raise error from exc


def _keep_job(error: _RootError, job_id: str, done: bool, resume: str) -> None:
    if error.job_id is None:
        error.job_id = job_id
    if isinstance(error, JobFailedError):
        return  # the job ended: there is nothing to pick up
    state = "is done: download its result with" if done else "goes on: pick it up with"
    note = f"job {job_id} {state} {resume}"
    message = str(error.args[0]) if error.args else ""
    if note not in message:
        error.args = (f"{message}; {note}" if message else note, *error.args[1:])


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    bytes: int
    content_type: str | None


class _Download:
    """A download into a temporary file beside `path`, renamed into place only when complete."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        overwrite: bool,
        on_progress: ProgressCallback | None,
    ) -> None:
        self.path = check_destination(path, overwrite)
        import tempfile

        fd, temp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent or "."
        )
        self.temp = Path(temp)
        self.file: IO[bytes] = os.fdopen(fd, "wb")
        self.on_progress = on_progress
        self.received = 0
        self.total: int | None = None
        self.content_type: str | None = None
        self.interruptions = 0

    def resumed(self, call: Call) -> Call:
        """The call again, asking only for the bytes not yet received."""
        if not self.received:
            return call
        return dataclasses.replace(
            call, headers={**(call.headers or {}), "Range": f"bytes={self.received}-"}
        )

    def begin(self, response: httpx.Response) -> None:
        """Continue where the file stops (a 206 for our range) or start over (a full 200)."""
        self.content_type = response.headers.get("content-type")
        content_range = response.headers.get("content-range", "")
        if response.status_code == 206 and content_range.startswith(
            f"bytes {self.received}-"
        ):
            total = content_range.rsplit("/", 1)[-1]
            self.total = int(total) if total.isdigit() else None
            return
        if self.received:
            _log.debug(
                "server ignored the range request; restarting the download of %s",
                self.path.name,
            )
            # Only on a restart: truncating an untouched file makes ext4 flush it on close.
            self.file.seek(0)
            self.file.truncate()
            self.received = 0
        length = response.headers.get("content-length")
        encoded = response.headers.get("content-encoding", "identity") != "identity"
        self.total = (
            int(length) if length and length.isdigit() and not encoded else None
        )

    def write(self, chunk: bytes) -> None:
        self.file.write(chunk)
        self.received += len(chunk)
        if self.on_progress is not None:
            self.on_progress(self.received, self.total)

    @property
    def complete(self) -> bool:
        return self.total is None or self.received == self.total

    def interrupted(self, reason: str) -> None:
        self.interruptions += 1
        if self.interruptions > MAX_RESUMES:
            raise DownloadError(
                f"download of {self.path.name} failed after {MAX_RESUMES} resumes at byte {self.received}"
                f" of {self.total if self.total is not None else 'unknown'}: {reason}",
                received=self.received,
                expected=self.total,
            )
        _log.debug(
            "download of %s interrupted at byte %d (%s); resuming",
            self.path.name,
            self.received,
            reason,
        )

    def finish(self) -> DownloadResult:
        # The rename is atomic, so `path` is never partial; like curl, the data is left to the OS to
        # flush rather than fsynced (which would halve the speed of a large download).
        self.file.close()
        os.replace(self.temp, self.path)
        return DownloadResult(self.path, self.received, self.content_type)

    def abort(self) -> None:
        self.file.close()
        self.temp.unlink(missing_ok=True)


# Failures of the body after the headers arrived: the download resumes from where it stopped.
BODY_ERRORS = (httpx.ReadError, httpx.RemoteProtocolError, httpx.ReadTimeout)


def download(
    transport: SyncTransport,
    endpoint: Endpoint[Any],
    path: str | os.PathLike[str],
    *,
    overwrite: bool,
    on_progress: ProgressCallback | None,
    call: Call,
    options: RequestOptions,
) -> DownloadResult:
    state = _Download(path, overwrite, on_progress)
    try:
        while True:
            response = transport.send(endpoint, state.resumed(call), options)
            try:
                state.begin(response)
                for chunk in response.iter_bytes():
                    state.write(chunk)
            except BODY_ERRORS as exc:
                state.interrupted(f"{type(exc).__name__}: {exc}")
                continue
            finally:
                response.close()
            if state.complete:
                return state.finish()
            state.interrupted(f"body ended at byte {state.received} of {state.total}")
    except BaseException:
        state.abort()
        raise


async def async_download(
    transport: AsyncTransport,
    endpoint: Endpoint[Any],
    path: str | os.PathLike[str],
    *,
    overwrite: bool,
    on_progress: ProgressCallback | None,
    call: Call,
    options: RequestOptions,
) -> DownloadResult:
    state = _Download(path, overwrite, on_progress)
    try:
        while True:
            response = await transport.send(endpoint, state.resumed(call), options)
            try:
                state.begin(response)
                async for chunk in response.aiter_bytes():
                    state.write(chunk)
            except BODY_ERRORS as exc:
                state.interrupted(f"{type(exc).__name__}: {exc}")
                continue
            finally:
                await response.aclose()
            if state.complete:
                return state.finish()
            state.interrupted(f"body ended at byte {state.received} of {state.total}")
    except BaseException:
        state.abort()
        raise
