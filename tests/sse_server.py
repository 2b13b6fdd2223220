"""A scripted HTTP/1.1 server of event streams on 127.0.0.1, on raw sockets for byte-level control.

Each path answers with the `Reply`s given to `SSEServer.script(path, ...)`, in order (the last one
again for later requests). A reply writes its body as the steps say: bytes (each its own chunk of
the chunked body, sent at once: TCP_NODELAY), a float (seconds to pause), then ends cleanly, cuts
the connection (no final chunk), or holds it open with keep-alive comments until the client goes
away. The server records each request (method, path, headers) and the requests whose client
closed the connection before the body ended (`disconnected`).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal


@dataclass
class Reply:
    status: int = 200
    body: Sequence[bytes | float] = ()
    end: Literal["clean", "cut", "hold"] = "clean"
    content_type: str = "text/event-stream"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


def one_byte_writes(data: bytes, pause: float = 0.0005) -> list[bytes | float]:
    """`data` as steps of one byte each, with a pause between, so that each arrives on its own."""
    steps: list[bytes | float] = []
    for index in range(len(data)):
        steps += [data[index : index + 1], pause]
    return steps


class SSEServer:
    def __init__(self) -> None:
        self.replies: dict[str, list[Reply]] = {}
        self.requests: list[Seen] = []
        self.disconnected: list[str] = []
        self.lock = threading.Lock()
        self.socket = socket.socket()
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = self.socket.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def script(self, path: str, *replies: Reply) -> None:
        with self.lock:
            self.replies[path] = list(replies)

    def reset(self) -> None:
        with self.lock:
            self.replies.clear()
            self.requests.clear()
            self.disconnected.clear()

    def seen(self, path: str) -> list[Seen]:
        with self.lock:
            return [request for request in self.requests if request.path.split("?")[0] == path]

    def wait_disconnected(self, path: str, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if path in self.disconnected:
                    return True
            time.sleep(0.01)
        return False

    def __enter__(self) -> SSEServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.running = False
        self.socket.close()

    def _accept(self) -> None:
        while self.running:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            request = self._read_request(connection)
            if request is None:
                return
            with self.lock:
                self.requests.append(request)
                queue = self.replies.get(request.path.split("?")[0])
                reply = (queue.pop(0) if len(queue) > 1 else queue[0]) if queue else Reply(404)
            self._reply(connection, request, reply)
        except OSError:
            pass
        finally:
            connection.close()

    @staticmethod
    def _read_request(connection: socket.socket) -> Seen | None:
        data = b""
        while b"\r\n\r\n" not in data:
            received = connection.recv(65536)
            if not received:
                return None
            data += received
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            received = connection.recv(65536)
            if not received:
                return None
            rest += received
        return Seen(method, path, headers)

    def _reply(self, connection: socket.socket, request: Seen, reply: Reply) -> None:
        head = [f"HTTP/1.1 {reply.status} Status", "Connection: close", "Transfer-Encoding: chunked"]
        head.append(f"Content-Type: {reply.content_type}")
        head += [f"{name}: {value}" for name, value in reply.headers.items()]
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            for step in reply.body:
                if isinstance(step, float):
                    time.sleep(step)
                elif step:
                    connection.sendall(b"%x\r\n%s\r\n" % (len(step), step))
            if reply.end == "clean":
                connection.sendall(b"0\r\n\r\n")
                connection.shutdown(socket.SHUT_WR)
                while connection.recv(65536):  # until the client closes its side
                    pass
            elif reply.end == "cut":
                connection.shutdown(socket.SHUT_RDWR)
            else:
                for _ in range(1000):  # keep-alive comments for at most 10 s, until the client leaves
                    connection.sendall(b"3\r\n:\n\n\r\n")
                    time.sleep(0.01)
        except OSError:
            with self.lock:
                self.disconnected.append(request.path.split("?")[0])


def events_body(count: int, size: int = 60) -> bytes:
    """`count` events of JSON data, each about `size` bytes, then `data: [DONE]`."""
    pad = "x" * max(0, size - 40)
    return (
        b"".join(b'data: {"index": %d, "text": "%s"}\n\n' % (index, pad.encode()) for index in range(count))
        + b"data: [DONE]\n\n"
    )


def chunks(data: bytes, size: int = 16384) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
