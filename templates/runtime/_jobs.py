"""Waiting for long-running jobs and downloading their results: the loops users should not write.

Both are driven by declarations in the generated resources (a `Waiter`, a streaming `Endpoint`);
the sync and async loops share their state machines here, so each loop is only the I/O.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import errno
import logging
import math
import os
import re
import sys
import time
import zlib
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
    RequestValidationError,
    WaitTimeoutError,
    _RootError,
)

JobT = TypeVar("JobT")
ProgressCallback = Callable[[int, "int | None"], None]

FIRST_POLL_DELAY = 1.0
POLL_BACKOFF = 1.5
DEFAULT_POLL_INTERVAL = 10.0
DEFAULT_WAIT_TIMEOUT = 900.0
# A download fails after this many failed attempts in a row beyond the first that got no further.
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
        redact: Callable[[str], str] = str,
    ) -> None:
        check_wait(poll_interval, timeout)
        self.waiter = waiter
        self.job_id = job_id
        self.redact = redact
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
                f"job {self.job_id} ended {status}"
                + (f": {self.redact(reason)}" if reason else ""),
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
                self.redact(
                    f"job {self.job_id} did not finish in time; wait again to resume"
                ),
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
        waiter,
        str(next(iter(path_params.values()))),
        poll_interval,
        timeout,
        on_update,
        transport.redact,
    )
    while True:
        try:
            job, response = transport.fetch(
                waiter.endpoint,
                Call(path_params=path_params),
                RequestOptions(),
                deadline=poll.deadline,
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
        waiter,
        str(next(iter(path_params.values()))),
        poll_interval,
        timeout,
        on_update,
        transport.redact,
    )
    while True:
        try:
            job, response = await transport.fetch(
                waiter.endpoint,
                Call(path_params=path_params),
                RequestOptions(),
                deadline=poll.deadline,
            )
        except (APIError, APIConnectionError) as exc:
            poll.transient(exc)
        else:
            if poll.observe(job, response.headers):
                return job
        await _sleep(poll.next_sleep())


def check_wait(poll_interval: float, timeout: float) -> None:
    """Raises `RequestValidationError` unless both are seconds, 0 or more: checked before a job is
    submitted, so that a wait that cannot work fails before it bills."""
    for name, value in (("poll_interval", poll_interval), ("timeout", timeout)):
        if not (isinstance(value, (int, float)) and 0 <= value < math.inf):
            raise RequestValidationError(
                f"{name} must be a number of seconds, 0 or more, not {value!r}"
            )


def check_destination(path: str | os.PathLike[str], overwrite: bool) -> Path:
    """`path` as a `Path`, once it is known that a download may write it; else a `DestinationError`
    that says why and what to do. Called before any request is sent, so that a command that cannot
    finish fails before it bills: `path` must not exist unless `overwrite` (a
    `DestinationExistsError`), and must not be a folder or a broken symbolic link; its folder must
    exist and be writable."""
    target = Path(path)
    try:
        return _check_destination(target, overwrite)
    except DestinationError:
        raise
    except (
        OSError,
        ValueError,
    ) as exc:  # a name too long, a NUL in it, a loop of links
        raise DestinationError(
            f"{target!r} cannot be written: {exc}; choose another path", path=target
        ) from exc


def _check_destination(target: Path, overwrite: bool) -> Path:
    if "\0" in str(target):
        raise DestinationError(
            f"{target!r} has a NUL character, which no file name can hold", path=target
        )
    try:
        longest = os.pathconf(target.parent, "PC_NAME_MAX")
    except (
        AttributeError,
        OSError,
        ValueError,
    ):  # no pathconf, or no such folder (yet)
        longest = 255
    if len(os.fsencode(target.name)) > longest:
        raise DestinationError(
            f"the file name {target.name[:40]}... is longer than the {longest} bytes its folder"
            " allows; choose a shorter one",
            path=target,
        )
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


# A body the server encoded although the download asked for identity (gzip, deflate) is undone here,
# DECODE_STEP bytes of output at a time; it may expand at most MAX_EXPANSION times the encoded bytes
# received, plus EXPANSION_ALLOWANCE, before the download fails: a small body that inflates to
# gigabytes (a "gzip bomb") stops there, having used that much disk and one step of memory.
MAX_EXPANSION = 100
EXPANSION_ALLOWANCE = 16 << 20
DECODE_STEP = 1 << 18
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)


class _StartOver(Exception):
    """The response cannot continue the file: discard it and ask again for the whole body."""


class _Inflater:
    """Undoes a gzip (concatenated members too) or deflate Content-Encoding, in bounded steps."""

    def __init__(self, encoding: str) -> None:
        self.gzip = encoding in ("gzip", "x-gzip")
        self.wbits = zlib.MAX_WBITS | 16 if self.gzip else zlib.MAX_WBITS
        self.zlib = zlib.decompressobj(self.wbits)
        self.consumed = 0  # encoded bytes received
        self.produced = 0  # decoded bytes

    @property
    def done(self) -> bool:
        """Whether the encoded stream reached its end (else the body was cut short)."""
        return self.zlib.eof

    def inflate(self, data: bytes) -> Iterator[bytes]:
        self.consumed += len(data)
        while True:
            if self.zlib.eof:
                if not data:
                    return
                if not self.gzip:
                    raise zlib.error("data after the end of the deflate stream")
                self.zlib = zlib.decompressobj(self.wbits)  # the next gzip member
            try:
                piece = self.zlib.decompress(data, DECODE_STEP)
            except zlib.error:
                if self.gzip or self.produced or self.wbits < 0:
                    raise
                # Some servers send `deflate` as a bare deflate stream, without its zlib header.
                self.wbits = -zlib.MAX_WBITS
                self.zlib = zlib.decompressobj(self.wbits)
                continue
            if piece:
                self.produced += len(piece)
                yield piece
            data = self.zlib.unused_data if self.zlib.eof else self.zlib.unconsumed_tail
            if not data and not self.zlib.eof and len(piece) < DECODE_STEP:
                return


class _Download:
    """A download into a temporary file beside `path`, moved into place only when complete.

    Each request asks for `Accept-Encoding: identity`, so that offsets count bytes of the file. A
    body that stops short is resumed with `Range: bytes=N-` when the body so far was not encoded; the
    answer continues the file only if it is a 206 whose `Content-Range` starts at N and agrees with
    the total already known. Anything else (a 200, a 416, a 206 that starts elsewhere, has another or
    no total, or cannot be parsed) discards what was received and asks again without Range: bytes
    from two answers are never spliced. The download fails after MAX_RESUMES + 1 attempts in a row
    that end without getting further into the file than any attempt before.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        overwrite: bool,
        on_progress: ProgressCallback | None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self.path = check_destination(path, overwrite)
        self.redact = redact
        self.overwrite = overwrite
        self.temp, fd = _create_temp(self.path)
        self.file: IO[bytes] = os.fdopen(fd, "wb")
        self.on_progress = on_progress
        self.received = 0
        self.total: int | None = None
        self.content_type: str | None = None
        self.furthest = 0  # the most bytes the file has held
        self.stalls = 0  # failed attempts in a row that got no further than that
        self.ranged = False  # whether the request in flight asks for a Range
        self.resumable = False  # whether the body so far can be continued with a Range
        self.limit: int | None = None  # where the body in flight must stop
        self.inflater: _Inflater | None = None
        # What identifies the version of the file being received (a strong ETag, else
        # Last-Modified), sent as If-Range so that a resume never continues another version;
        # and the first answer's ETag and Last-Modified, which a 206 continuing it must not contradict.
        self.validator: str | None = None
        self.version: tuple[str | None, str | None] = (None, None)

    def request(self, call: Call) -> Call:
        """The call again, in identity encoding, asking only for the bytes not yet received
        where the body so far can be continued."""
        self.ranged = self.resumable and self.received > 0
        self.resumable = False  # until the answer shows it can be continued
        headers = {**(call.headers or {}), "Accept-Encoding": "identity"}
        if self.ranged:
            headers["Range"] = f"bytes={self.received}-"
            if self.validator is not None:
                headers["If-Range"] = self.validator
        return dataclasses.replace(call, headers=headers)

    def begin(self, response: httpx.Response) -> None:
        """Continue the file with a 206 for the bytes asked for, or start it over with a 200."""
        self.content_type = response.headers.get("content-type")
        encoding = response.headers.get("content-encoding", "").strip().lower()
        encoded = encoding not in ("", "identity")
        if response.status_code == 206:
            self._check_range(response.headers.get("content-range"), encoded)
            self._check_version(response.headers)
        else:
            length = response.headers.get("content-length")
            self.total = (
                int(length) if length and length.isdigit() and not encoded else None
            )
            self.limit = self.total
        if self.received and not (self.ranged and response.status_code == 206):
            _log.debug("restarting the download of %s from byte 0", self.path.name)
            self._discard()
        if (
            not self.ranged or response.status_code != 206
        ):  # the file starts with this answer
            self.validator = _validator(response.headers)
            self.version = _version(response.headers)
        self.inflater = None
        if encoded:
            if encoding not in ("gzip", "x-gzip", "deflate"):
                raise self.error(
                    f"the server sent the body in the {encoding!r} encoding although the download"
                    " asked for identity; only gzip and deflate can be undone"
                )
            # A body read before it got here (by a test transport, an event hook) is decoded already.
            if not response.is_stream_consumed:
                self.inflater = _Inflater(encoding)
        self.resumable = not encoded

    def _check_range(self, content_range: str | None, encoded: bool) -> None:
        """Raises _StartOver unless the 206 holds the bytes asked for, of the known total."""
        asked = self.received if self.ranged else 0
        found = _CONTENT_RANGE.fullmatch((content_range or "").strip())
        if encoded:
            raise _StartOver(
                "a 206 with an encoded body, whose offsets are not the file's"
            )
        if found is None:
            raise _StartOver(f"a 206 with Content-Range {content_range!r}")
        start, end = int(found[1]), int(found[2])
        total = None if found[3] == "*" else int(found[3])
        if total is None and not self.ranged:
            raise _StartOver(
                "a 206 of a file of unknown size, in answer to a request for all of it"
            )
        if start != asked:
            raise _StartOver(
                f"a 206 from byte {start} in answer to a request from {asked}"
            )
        if end < start or (total is not None and end >= total):
            raise _StartOver(f"a 206 with Content-Range {content_range!r}")
        if self.total is not None and total != self.total:
            raise _StartOver(
                f"a 206 for a file of {found[3]} bytes, not the {self.total} announced"
            )
        self.total = total
        self.limit = end + 1

    def _check_version(self, headers: httpx.Headers) -> None:
        """Raises _StartOver when a 206 continuing the file names another version of it: another
        ETag (strong or weak), or another Last-Modified, than the answer the file started with.
        """
        if not self.ranged:
            return
        for name, known, found in zip(
            ("ETag", "Last-Modified"), self.version, _version(headers), strict=True
        ):
            if known is not None and found is not None and found != known:
                raise _StartOver(
                    f"a 206 of another version of the file ({name} {found})"
                )

    def feed(self, data: bytes) -> None:
        """Bytes of the body as they arrived, decoded when the server encoded them anyway."""
        inflater = self.inflater
        if inflater is None:
            self.write(data)
            return
        try:
            for piece in inflater.inflate(data):
                bound = MAX_EXPANSION * inflater.consumed + EXPANSION_ALLOWANCE
                if inflater.produced > bound:
                    raise self.error(
                        f"the {inflater.consumed} bytes of the encoded body decode to more than"
                        f" {bound} (at most {MAX_EXPANSION} times as many, plus"
                        f" {EXPANSION_ALLOWANCE >> 20} MiB)"
                    )
                self.write(piece)
        except zlib.error as exc:
            raise self.error(f"the encoded body could not be decoded: {exc}") from exc

    def write(self, chunk: bytes) -> None:
        if self.limit is not None and self.received + len(chunk) > self.limit:
            raise _StartOver(f"a body that runs past byte {self.limit}")
        try:
            self.file.write(chunk)
        except OSError as exc:
            raise self.error(f"could not write {self.temp}: {exc}") from exc
        self.received += len(chunk)
        if self.on_progress is not None:
            self.on_progress(self.received, self.total)

    @property
    def complete(self) -> bool:
        if self.inflater is not None and not self.inflater.done:
            return False
        return self.total is None or self.received == self.total

    def shortfall(self) -> str:
        if self.inflater is not None and not self.inflater.done:
            return f"the encoded body ended before its end, at byte {self.received}"
        return f"body ended at byte {self.received} of {self.total}"

    def unsatisfiable(self, error: APIError) -> bool:
        """Whether a failed request is a 416 for our Range: the file is then started over."""
        if error.status_code != 416 or not self.ranged:
            return False
        self.start_over(f"416 for bytes from {self.received}")
        return True

    def start_over(self, reason: str) -> None:
        """Discards the bytes received; the next request asks for the whole body. An answer to a
        request that already asked for the whole body counts as a failed attempt."""
        _log.debug(
            "download of %s cannot continue from a response that sent %s; starting over",
            self.path.name,
            self.redact(reason),
        )
        self._discard()
        self.resumable = False
        if not self.ranged:
            self.failed(f"the server sent {reason}")

    def failed(self, reason: str) -> None:
        """An attempt ended before the file was complete: counted unless it got further than any
        before it."""
        if self.received > self.furthest:
            self.furthest = self.received
            self.stalls = 0
        else:
            self.stalls += 1
            if self.stalls > MAX_RESUMES:
                raise self.error(
                    f"{self.stalls} attempts in a row ended without getting past byte"
                    f" {self.furthest}; the last: {reason}"
                )
        _log.debug(
            "download of %s interrupted at byte %d (%s); resuming",
            self.path.name,
            self.received,
            self.redact(reason),
        )

    def error(self, what: str) -> DownloadError:
        total = self.total if self.total is not None else "unknown"
        return DownloadError(
            self.redact(
                f"download of {self.path.name} failed at byte {self.received} of {total}: {what}"
            ),
            received=self.received,
            expected=self.total,
        )

    def _discard(self) -> None:
        # Only when needed: truncating an untouched file makes ext4 flush it on close.
        self.file.seek(0)
        self.file.truncate()
        self.received = 0

    def finish(self) -> DownloadResult:
        # The rename is atomic, so `path` is never partial; like curl, the data is left to the OS to
        # flush rather than fsynced (which would halve the speed of a large download).
        try:
            self.file.close()  # writes what is buffered: the disk may be full only now
            if self.overwrite:
                os.replace(self.temp, self.path)
            else:
                _move_no_replace(self.temp, self.path)
        except FileExistsError as exc:
            raise self.error(
                f"{self.path} was created while downloading and is left as it is;"
                " pass overwrite=True to replace it"
            ) from exc
        except OSError as exc:
            raise self.error(f"could not move the file into place: {exc}") from exc
        return DownloadResult(self.path, self.received, self.content_type)

    def abort(self) -> None:
        self.file.close()
        self.temp.unlink(missing_ok=True)


def _validator(headers: httpx.Headers) -> str | None:
    """What If-Range may name (RFC 9110 §13.1.5): a strong ETag, else Last-Modified."""
    etag = headers.get("etag")
    if etag and not etag.startswith("W/"):
        return str(etag)
    modified: str | None = headers.get("last-modified")
    return modified


def _version(headers: httpx.Headers) -> tuple[str | None, str | None]:
    return headers.get("etag"), headers.get("last-modified")


def _create_temp(path: Path) -> tuple[Path, int]:
    """A new, empty file beside `path`, opened for writing, with the mode `open()` would give it:
    0o666 less the umask (or as the folder's default ACL says), not mkstemp's 0o600."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    # A name as long as the filesystem allows leaves no room for the 15 characters added here.
    stem = os.fsdecode(os.fsencode(path.name)[:200])
    for _ in range(100):
        temp = path.parent / f".{stem}.{os.urandom(4).hex()}.part"
        try:
            return temp, os.open(temp, flags, 0o666)
        except FileExistsError:
            continue
    raise FileExistsError(f"no unused temporary name beside {path}")


def _move_no_replace(source: Path, target: Path) -> None:
    """Renames `source` to `target`, raising FileExistsError if `target` exists, even if it was
    created a moment before: a hard link, which is refused when the name is taken, then the source
    unlinked. Where the filesystem has no hard links (FAT, exFAT, some network shares): Windows'
    rename, which never replaces; Linux's renameat2(RENAME_NOREPLACE); elsewhere a check then a
    rename, which a file created between the two would lose to."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:
        if os.name == "nt":
            os.rename(source, target)
        elif not _rename_no_replace(source, target):
            if os.path.lexists(target):
                raise FileExistsError(
                    errno.EEXIST, os.strerror(errno.EEXIST), str(target)
                ) from None
            os.rename(source, target)
        return
    os.unlink(source)


def _rename_no_replace(source: Path, target: Path) -> bool:
    """renameat2(RENAME_NOREPLACE) on Linux; False where the C library or filesystem lacks it."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_cwd, no_replace = -100, 1
    names = os.fsencode(source), os.fsencode(target)
    if renameat2(at_cwd, names[0], at_cwd, names[1], no_replace) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(target))


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
    state = _Download(path, overwrite, on_progress, transport.redact)
    try:
        while True:
            try:
                response = transport.send(endpoint, state.request(call), options)
            except APIError as exc:
                if state.unsatisfiable(exc):
                    continue
                raise
            try:
                state.begin(response)
                if response.is_stream_consumed:
                    state.feed(response.content)
                else:
                    for data in response.iter_raw():
                        state.feed(data)
            except _StartOver as exc:
                state.start_over(str(exc))
                continue
            except BODY_ERRORS as exc:
                state.failed(f"{type(exc).__name__}: {exc}")
                continue
            except httpx.HTTPError as exc:
                raise state.error(f"{type(exc).__name__}: {exc}") from exc
            finally:
                response.close()
            if state.complete:
                return state.finish()
            state.failed(state.shortfall())
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
    state = _Download(path, overwrite, on_progress, transport.redact)
    try:
        while True:
            try:
                response = await transport.send(endpoint, state.request(call), options)
            except APIError as exc:
                if state.unsatisfiable(exc):
                    continue
                raise
            try:
                state.begin(response)
                if response.is_stream_consumed:
                    state.feed(response.content)
                else:
                    async for data in response.aiter_raw():
                        state.feed(data)
            except _StartOver as exc:
                state.start_over(str(exc))
                continue
            except BODY_ERRORS as exc:
                state.failed(f"{type(exc).__name__}: {exc}")
                continue
            except httpx.HTTPError as exc:
                raise state.error(f"{type(exc).__name__}: {exc}") from exc
            finally:
                await response.aclose()
            if state.complete:
                return state.finish()
            state.failed(state.shortfall())
    except BaseException:
        state.abort()
        raise
