"""A spec-driven ModelGates test server: a small ASGI app for 127.0.0.1, with scripted faults.

Routes, request validation and error bodies come from spec/modelgates-videos.yaml; job state is
kept in memory. Tests script faults (`server.fail(...)`) and read back every request it saw.
Beyond the spec, POST /videos refuses `creativity` and `upscale_factor` that the chosen model (one
of MODELS, what GET /videos/models lists) does not support.
"""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import re
import socket
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
import yaml
from openapi_schema_validator import OAS31Validator

SPEC_PATH = Path(__file__).resolve().parent.parent / "spec" / "modelgates-videos.yaml"
API_KEY = "test-key"
CHUNK = 64 * 1024

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class Fault:
    """Answer the next `times` matching requests with `status` (or drop the connection, or stall).

    `wire` misbehaves on the wire instead of answering plainly, with `status` and `body`:
    - "cut": send half the body, then drop the connection;
    - "slow": send half the body, pause `delay` seconds, send the rest;
    - "bad-gzip": say `Content-Encoding: gzip` and send bytes that are not gzip;
    - "bomb": a gzip body that decodes to `size` bytes of spaces (valid JSON whitespace);
    - "large": a body of `size` bytes, sent in chunks;
    - "redirect": a 302 back to the same URL, every time (a loop);
    - "trickle": the body one byte at a time, `delay` seconds apart;
    - "double-gzip": the body gzipped twice, `Content-Encoding: gzip, gzip`.
    """

    method: str
    path: str
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1
    delay: float = 0.0
    wire: str = ""
    size: int = 0


@dataclass
class DownloadAnswer:
    """How to answer one GET of a video's content instead of the usual way (VideoServer.downloads).

    `status` answers with that status alone (a 416 carries `Content-Range: bytes */SIZE`). Otherwise
    the body is the representation `body` names ("video" as is, else `encoded_body`) from byte `start`
    (a 206 whatever was asked; default: where the Range asked, or 0) to its end. `encoding` is the
    Content-Encoding sent, `content_range` the Content-Range of a 206 (default: the true one; "" sends
    none); `ignore_range` answers a Range with the whole 200.
    `cut_after` breaks the connection off after that many bytes of the body; `before_last_chunk` runs
    just before the last chunk of the body is sent. `etag` is sent as the ETag; the body goes in
    chunks of `chunk_size` bytes.
    """

    status: int | None = None
    start: int | None = None
    body: str = "video"
    encoding: str | None = None
    content_range: str | None = None
    ignore_range: bool = False
    cut_after: int | None = None
    before_last_chunk: Callable[[], None] | None = None
    etag: str | None = None
    chunk_size: int = CHUNK


@dataclass
class SeenRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Routes:
    """Operations from the spec's paths, matched by method and path template."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.table: list[tuple[str, re.Pattern[str], str, dict[str, Any]]] = []
        # Literal paths first, so /videos/models is not taken for /videos/{jobId}.
        for path in sorted(spec["paths"], key=lambda p: p.count("{")):
            pattern = re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path)) + "$")
            for method, operation in spec["paths"][path].items():
                self.table.append((method.upper(), pattern, operation["operationId"], operation))

    def match(self, method: str, path: str) -> tuple[str, dict[str, Any], dict[str, str]] | None:
        for route_method, pattern, operation_id, operation in self.table:
            found = pattern.match(path)
            if found and route_method == method:
                return operation_id, operation, found.groupdict()
        return None

    def body_validator(self, operation: dict[str, Any]) -> OAS31Validator:
        schema = operation["requestBody"]["content"]["application/json"]["schema"]
        return OAS31Validator({**schema, "components": self.spec["components"]})


class VideoServer:
    def __init__(self, spec_path: Path = SPEC_PATH) -> None:
        self.spec = yaml.safe_load(spec_path.read_text())
        self.routes = Routes(self.spec)
        self.prefix = urlsplit(self.spec["servers"][0]["url"]).path.rstrip("/")
        self.requests: list[SeenRequest] = []
        self.faults: list[Fault] = []
        self.jobs: dict[str, dict[str, Any]] = {}
        self.video_size = 1024
        self.polls_to_complete = 2
        self.extra_job_fields: dict[str, Any] = {}
        self.status_override: str | None = None
        self.statuses: list[str] = []  # the status of each poll in turn, the last one repeating
        self.poll_headers: dict[str, str] = {}
        self.ranges = True  # answer `Range: bytes=N-` with 206
        self.cut_downloads = 0  # how many downloads to break off mid-body...
        self.cut_after = 0  # ...after this many bytes of the response body
        self.downloads: list[DownloadAnswer] = []  # how to answer the next downloads, in turn
        self._lock = threading.Lock()

    # -- scripting -------------------------------------------------------------------------

    def fail(self, method: str, path: str, status: int = 500, **kwargs: Any) -> None:
        self.faults.append(Fault(method, path, status, **kwargs))

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.faults.clear()
            self.jobs.clear()
            self.video_size = 1024
            self.polls_to_complete = 2
            self.extra_job_fields = {}
            self.status_override = None
            self.statuses = []
            self.poll_headers = {}
            self.ranges = True
            self.cut_downloads = 0
            self.cut_after = 0
            self.downloads = []

    def seen(self, method: str, path_prefix: str = "") -> list[SeenRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.method == method and re.fullmatch(fault.path, path) and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    # -- ASGI ------------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        method, path = scope["method"], scope["path"]
        if path.startswith(self.prefix):
            path = path[len(self.prefix) :]
        query = scope["query_string"].decode()
        self.requests.append(SeenRequest(method, path, query, headers, body))

        fault = self._take_fault(method, path)
        if fault is not None and fault.wire:
            await misbehave(send, fault, scope["path"])
            return
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status == 0:  # drop the connection without an answer
                raise ConnectionAbortedError("scripted disconnect")
            payload = fault.body if fault.body is not None else error_body(fault.status, "scripted fault")
            await respond(send, fault.status, payload, fault.headers)
            return

        route = self.routes.match(method, path)
        if route is None:
            await respond(send, 404, error_body(404, f"no route for {method} {path}"))
            return
        operation_id, operation, path_params = route
        if headers.get("authorization") != f"Bearer {API_KEY}":
            await respond(send, 401, error_body(401, "missing or invalid API key"))
            return
        handler = getattr(self, "op_" + operation_id)
        await handler(send, operation, path_params, query, body, headers)

    async def op_createVideos(
        self, send: Send, operation: dict[str, Any], _: dict[str, str], __: str, body: bytes, ___: dict[str, str]
    ) -> None:
        try:
            payload = json.loads(body)
        except ValueError:
            await respond(send, 400, error_body(400, "body is not JSON"))
            return
        errors = sorted(self.routes.body_validator(operation).iter_errors(payload), key=lambda e: list(e.path))
        if errors:
            where = "/".join(str(p) for p in errors[0].path)
            await respond(send, 400, error_body(400, f"{where}: {errors[0].message}"))
            return
        refused = upscaling_refusal(payload)
        if refused:
            await respond(send, 400, error_body(400, refused))
            return
        job_id = f"job-{len(self.jobs) + 1:04d}"
        self.jobs[job_id] = {"polls": 0, "request": payload}
        await respond(send, 202, self.job_view(job_id, "pending"))

    async def op_getGeneration(self, send: Send, _: dict[str, Any], params: dict[str, str], *__: Any) -> None:
        job = self.jobs.get(params["jobId"])
        if job is None:
            await respond(send, 404, error_body(404, "job not found"))
            return
        job["polls"] += 1
        if self.statuses:
            status = self.statuses[min(job["polls"], len(self.statuses)) - 1]
        else:
            status = "completed" if job["polls"] >= self.polls_to_complete else "in_progress"
        view = self.job_view(params["jobId"], self.status_override or status)
        await respond(send, 200, view, self.poll_headers)

    async def op_getVideoContent(
        self, send: Send, _: dict[str, Any], params: dict[str, str], query: str, __: bytes, headers: dict[str, str]
    ) -> None:
        if params["jobId"] not in self.jobs:
            await respond(send, 404, error_body(404, "job not found"))
            return
        if query and not re.fullmatch(r"index=\d+", query):
            await respond(send, 400, error_body(400, f"bad query {query!r}"))
            return
        with self._lock:
            answer = self.downloads.pop(0) if self.downloads else None
            cut = answer is None and self.cut_downloads > 0
            self.cut_downloads -= cut
        answer = answer or DownloadAnswer(cut_after=self.cut_after if cut else None)
        if answer.status is not None:
            scripted = error_body(answer.status, "scripted")
            await respond(send, answer.status, scripted, {"content-range": f"bytes */{self.video_size}"})
            return
        # The representation sent: the video, or its encoding (which a Range then counts in, as when a
        # server sends a precompressed file).
        if answer.body == "video":
            size = self.video_size
            data = None
        else:
            data = encoded_body(answer.body, self.video_size)
            size = len(data)
        start = 0
        asked = re.fullmatch(r"bytes=(\d+)-", headers.get("range", ""))
        if asked and self.ranges and not answer.ignore_range and int(asked.group(1)) < size:
            start = int(asked.group(1))
        if answer.start is not None:
            start = answer.start
        partial = start > 0 or answer.start is not None
        response_headers = [(b"content-type", b"video/mp4")]
        if partial and answer.content_range != "":
            content_range = answer.content_range or f"bytes {start}-{size - 1}/{size}"
            response_headers.append((b"content-range", content_range.encode()))
        if answer.encoding:
            response_headers.append((b"content-encoding", answer.encoding.encode()))
        if answer.etag:
            response_headers.append((b"etag", answer.etag.encode()))
        response_headers.append((b"content-length", str(size - start).encode()))
        step = answer.chunk_size
        chunks = (
            video_bytes(p, min(p + step, size)) if data is None else data[p : p + step]
            for p in range(start, size, step)
        )
        status = 206 if partial else 200
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        sent = 0
        chunk = next(chunks, b"")
        while True:
            following = next(chunks, None)
            if following is None and answer.before_last_chunk is not None:
                answer.before_last_chunk()
            if answer.cut_after is not None and sent + len(chunk) > answer.cut_after:
                body = chunk[: answer.cut_after - sent]
                await send({"type": "http.response.body", "body": body, "more_body": True})
                raise ConnectionAbortedError("scripted cut mid-body")
            await send({"type": "http.response.body", "body": chunk, "more_body": following is not None})
            if following is None:
                return
            sent += len(chunk)
            chunk = following

    async def op_listVideosModels(self, send: Send, *_: Any) -> None:
        await respond(send, 200, {"data": MODELS})

    def job_view(self, job_id: str, status: str) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": job_id,
            "polling_url": f"/api/v1/videos/{job_id}",
            "status": status,
            "generation_id": f"gen-{job_id}",
        }
        if status == "completed":
            view["unsigned_urls"] = [f"/api/v1/videos/{job_id}/content?index=0"]
            view["usage"] = {"cost": 0.5, "is_byok": False}
        if status == "failed":
            view["error"] = "the provider rejected the prompt"
        view.update(self.extra_job_fields)
        return view


# What GET /videos/models lists: generation models, which give null (or nothing) for the upscaling
# fields, and upscaling models with their creativity levels and upscale_factor range.
MODELS: list[dict[str, Any]] = [
    {
        "id": "google/veo-3.1",
        "canonical_slug": "google/veo-3.1-20261001",
        "name": "Veo 3.1",
        "created": 1760000000,
        "description": "Video with audio",
        "hugging_face_id": None,
        "supported_resolutions": ["720p", "1080p", "8K"],
        "supported_aspect_ratios": ["16:9", "9:16"],
        "supported_sizes": None,
        "supported_durations": [4, 6, 8],
        "supported_frame_images": ["first_frame", "last_frame"],
        "generate_audio": True,
        "seed": None,
        "creativity": None,
        "upscale_factor": None,
        "allowed_passthrough_parameters": ["negative_prompt"],
        "pricing_skus": {"video": "veo-3.1-per-second"},
        "released_in_region": "global",
    },
    {
        "id": "example/video-upscaler",
        "canonical_slug": "example/video-upscaler-20261101",
        "name": "Video Upscaler",
        "created": 1762000000,
        "description": "Upscales a reference video",
        "hugging_face_id": None,
        "supported_resolutions": ["1080p", "4K"],
        "supported_aspect_ratios": None,
        "supported_sizes": None,
        "supported_durations": None,
        "supported_frame_images": None,
        "generate_audio": None,
        "seed": None,
        "creativity": [1, 2, 3, 4, 5],
        "upscale_factor": {"min": 1, "max": 4},
        "allowed_passthrough_parameters": [],
        "pricing_skus": None,
    },
    {
        "id": "example/video-upscaler-open",
        "canonical_slug": "example/video-upscaler-open-20261201",
        "name": "Video Upscaler Open",
        "created": 1763000000,
        "creativity": [0],
        "upscale_factor": {"min": 1.5, "max": None},
    },
    {
        "id": "example/text-to-video",
        "canonical_slug": "example/text-to-video-20250101",
        "name": "Text to Video",
        "created": 1735689600,
    },
]


def upscaling_refusal(request: dict[str, Any]) -> str | None:
    """Why the API refuses the request's `creativity` or `upscale_factor` for its model, if it does."""
    model = next((m for m in MODELS if m["id"] == request["model"]), None)
    for name in ("creativity", "upscale_factor"):
        if name in request and (model is None or model.get(name) is None):
            return f"{name}: not supported by model {request['model']}"
    if model is not None and "creativity" in request and request["creativity"] not in model["creativity"]:
        return f"creativity: {request['creativity']} is not one of {model['creativity']}"
    if model is not None and "upscale_factor" in request:
        low, high = model["upscale_factor"]["min"], model["upscale_factor"]["max"]
        factor = request["upscale_factor"]
        if (low is not None and factor < low) or (high is not None and factor > high):
            return f"upscale_factor: {factor} is outside {low}..{high}"
    return None


_PATTERN = bytes(range(256)) * (CHUNK // 256 + 1)


def video_bytes(start: int, stop: int) -> bytes:
    """Bytes `start:stop` of every test video: byte i is i % 256, so a misplaced resume shows."""
    out = bytearray()
    while start < stop:
        offset = start % 256
        take = min(stop - start, len(_PATTERN) - offset)
        out += _PATTERN[offset : offset + take]
        start += take
    return bytes(out)


_BOMB: list[bytes] = []
BOMB_SIZE = 4 << 30


def encoded_body(kind: str, size: int) -> bytes:
    """The first `size` bytes of the video as DownloadAnswer.body names them: "gzip" (level 6, which
    packs the repeating test video about 100 to 1), "gzip-stored" (level 0: as long as the video, so
    offsets in it are about the video's), "gzip-members" (two gzip members in a row, as `cat a.gz b.gz`
    makes), "deflate" (zlib's format), "deflate-raw" (without zlib's header), or "bomb" (gzip_bomb)."""
    if kind == "bomb":
        return gzip_bomb()
    video = video_bytes(0, size)
    if kind == "gzip":
        return gzip.compress(video)
    if kind == "gzip-stored":
        return gzip.compress(video, compresslevel=0)
    if kind == "gzip-members":
        return gzip.compress(video[: size // 2]) + gzip.compress(video[size // 2 :])
    if kind == "deflate":
        return zlib.compress(video)
    if kind == "deflate-raw":
        compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        return compressor.compress(video) + compressor.flush()
    raise ValueError(kind)


def gzip_bomb() -> bytes:
    """A gzip body of about 4 MB that decodes to BOMB_SIZE zero bytes (its trailer is not checked)."""
    if not _BOMB:
        step = 64 << 20
        # Compressed from a fresh state and ending in a full flush, the block is whole by itself, so
        # copies of it in a row decode to copies of its zeros.
        compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        block = compressor.compress(bytes(step)) + compressor.flush(zlib.Z_FULL_FLUSH)
        header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        end = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()
        _BOMB.append(
            header + block * (BOMB_SIZE // step) + end + bytes(4) + (BOMB_SIZE % (1 << 32)).to_bytes(4, "little")
        )
    return _BOMB[0]


def error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "metadata": None}, "user_id": None}


_request_ids = itertools.count(1)


async def respond(send: Send, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if "x-request-id" not in {k.lower() for k in headers or {}}:
        raw_headers.append((b"x-request-id", f"req-{next(_request_ids)}".encode()))
    raw_headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": data})


async def misbehave(send: Send, fault: Fault, path: str) -> None:
    """Answers as `fault.wire` says (see `Fault`)."""
    if fault.wire == "redirect":
        await respond(send, 302, b"", {"location": path})
        return
    if fault.wire in ("bomb", "large"):
        chunks = spaces_gzip_bomb(fault.size) if fault.wire == "bomb" else _filler(fault.size)
        headers = [(b"content-type", b"application/json")]
        if fault.wire == "bomb":
            headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": fault.status, "headers": headers})
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    payload = fault.body if fault.body is not None else error_body(fault.status, "scripted fault")
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if fault.wire == "trickle":
        await send({"type": "http.response.start", "status": fault.status, "headers": headers})
        for index in range(len(data)):
            await send({"type": "http.response.body", "body": data[index : index + 1], "more_body": True})
            await asyncio.sleep(fault.delay)
        await send({"type": "http.response.body", "body": b""})
        return
    if fault.wire == "double-gzip":
        data = gzip.compress(gzip.compress(data))
        headers = [(b"content-type", b"application/json"), (b"content-encoding", b"gzip, gzip")]
        headers.append((b"content-length", str(len(data)).encode()))
        await send({"type": "http.response.start", "status": fault.status, "headers": headers})
        await send({"type": "http.response.body", "body": data})
        return
    if fault.wire == "bad-gzip":
        headers.append((b"content-encoding", b"gzip"))
        data = b"these bytes are not gzip" + bytes(len(data))
        headers[1] = (b"content-length", str(len(data)).encode())
    await send({"type": "http.response.start", "status": fault.status, "headers": headers})
    if fault.wire == "bad-gzip":
        await send({"type": "http.response.body", "body": data})
        return
    half = len(data) // 2
    await send({"type": "http.response.body", "body": data[:half], "more_body": True})
    if fault.wire == "cut":
        raise ConnectionAbortedError("scripted cut mid-body")
    await asyncio.sleep(fault.delay)
    await send({"type": "http.response.body", "body": data[half:]})


def _filler(size: int) -> Iterator[bytes]:
    for start in range(0, size, CHUNK):
        yield b"x" * min(CHUNK, size - start)


_BOMBS: dict[int, list[bytes]] = {}


def spaces_gzip_bomb(size: int) -> list[bytes]:
    """A gzip stream of `size` spaces, in chunks, compressed once per size (about 1000 to 1)."""
    if size not in _BOMBS:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        block = b" " * (1 << 20)
        parts = [compressor.compress(block) for _ in range(size >> 20)]
        parts.append(compressor.compress(b" " * (size & ((1 << 20) - 1))))
        parts.append(compressor.flush())
        data = b"".join(parts)
        _BOMBS[size] = [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]
    return _BOMBS[size]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningServer:
    """Runs an ASGI app with uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def __enter__(self) -> RunningServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def main() -> None:
    """Serves the test API in the foreground: `python tests/server.py --port 8080`."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--video-size", type=int, default=1024, help="bytes of every video")
    args = parser.parse_args()
    app = VideoServer()
    app.video_size = args.video_size
    app.polls_to_complete = 1
    app.jobs["job-abc123"] = {"polls": 1, "request": {}}
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off", access_log=False)


if __name__ == "__main__":
    main()
