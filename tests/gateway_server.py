"""A test server for tests/corpus/ai-gateway.yaml: chat answered as JSON or as server-sent events,
lists paginated by offset, cursor and `Link` header, and a stream of progress events.

An ASGI app for `server.RunningServer`. It records every request it sees; its lists are as long
as the test sets them (`models`, `generations`, `keys`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode

from server import API_KEY, Receive, Scope, Send, respond

PREFIX = "/api/v1"
ANSWER = ["The", " capital", " of", " France", " is", " Paris."]


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class GatewayServer:
    models: list[dict[str, Any]] = field(
        default_factory=lambda: [{"id": f"vendor/model-{n}", "name": f"Model {n}"} for n in range(7)]
    )
    default_limit: int = 3
    generations: list[dict[str, Any]] = field(
        default_factory=lambda: [{"id": f"gen-{n}", "model": "vendor/model-1"} for n in range(5)]
    )
    generations_per_page: int = 2
    keys: list[dict[str, Any]] = field(default_factory=lambda: [{"id": f"key-{n}", "label": f"k{n}"} for n in range(5)])
    seen: list[Seen] = field(default_factory=list)

    def requests(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == PREFIX + path]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = {k: v[-1] for k, v in parse_qs(scope["query_string"].decode()).items()}
        path = scope["path"]
        self.seen.append(Seen(scope["method"], path, query, headers, json.loads(body) if body else None))
        if headers.get("authorization") != f"Bearer {API_KEY}":
            await respond(send, 401, {"error": {"code": 401, "message": "missing or wrong API key"}})
            return
        route = path.removeprefix(PREFIX)
        if route == "/chat/completions" and scope["method"] == "POST":
            await self.chat(send, json.loads(body))
        elif route == "/models":
            await self.list_models(send, query)
        elif route == "/generations":
            await self.list_generations(send, query)
        elif route.startswith("/generations/") and route.endswith("/events"):
            await self.progress(send)
        elif route == "/keys":
            await self.list_keys(send, scope, query)
        else:
            await respond(send, 404, {"error": {"code": 404, "message": "no such route"}})

    async def chat(self, send: Send, request: dict[str, Any]) -> None:
        if not request.get("messages"):
            await respond(send, 400, {"error": {"code": 400, "message": "messages is required"}})
            return
        if not request.get("stream"):
            message = {"role": "assistant", "content": "".join(ANSWER)}
            choice = {"index": 0, "message": message, "finish_reason": "stop"}
            await respond(send, 200, {"id": "chat-1", "model": request["model"], "choices": [choice]})
            return
        events = [{"type": "delta", "index": 0, "content": word} for word in ANSWER]
        events.append({"type": "usage", "prompt_tokens": 9, "completion_tokens": len(ANSWER)})
        chunks = [b": processing\n\n"] + [f"data: {json.dumps(e)}\n\n".encode() for e in events]
        await self.stream(send, [*chunks, b"data: [DONE]\n\n"])

    async def progress(self, send: Send) -> None:
        chunks = [f"event: progress\nid: {n}\ndata: {json.dumps({'percent': n * 50})}\n\n".encode() for n in range(2)]
        chunks.append(b'event: done\nid: 2\ndata: {"percent": 100, "message": "finished"}\n\n')
        await self.stream(send, chunks)

    @staticmethod
    async def stream(send: Send, chunks: list[bytes]) -> None:
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async def list_models(self, send: Send, query: dict[str, str]) -> None:
        offset = int(query.get("offset", 0))
        limit = int(query.get("limit", self.default_limit))
        page = self.models[offset : offset + limit]
        await respond(send, 200, {"data": page, "total": len(self.models)})

    async def list_generations(self, send: Send, query: dict[str, str]) -> None:
        start = int(query["cursor"].removeprefix("c")) if "cursor" in query else 0
        stop = start + self.generations_per_page
        next_cursor = f"c{stop}" if stop < len(self.generations) else None
        await respond(send, 200, {"items": self.generations[start:stop], "next_cursor": next_cursor})

    async def list_keys(self, send: Send, scope: Scope, query: dict[str, str]) -> None:
        per_page = int(query.get("per_page", 2))
        page = int(query.get("page", 1))
        items = self.keys[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(self.keys):
            target = f"{PREFIX}/keys?{urlencode({'page': page + 1, 'per_page': per_page})}"
            headers["link"] = f'<{target}>; rel="next", <{PREFIX}/keys?page=1>; rel="first"'
        await respond(send, 200, items, headers)
