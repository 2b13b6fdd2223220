"""A paginated test API: a small ASGI app for 127.0.0.1 serving one list of items every way a
listing is paged, with scripted faults, recording every request it saw.

Routes (under /api/v1), each over `total` items `{"id": n}`:
  GET  /offset?offset=&limit=   {"data": [...], "meta": {"total": n}}          (limit default 10)
  GET  /bare?offset=&limit=     [...] (the response is the list)
  GET  /pages?page=&size=       {"data": [...], "numPages": n}                 (page from 1)
  GET  /cursor?cursor=&limit=   {"data": [...], "next": "c20" | null}
  POST /search {"cursor", "limit", ...}  {"results": [...], "page": {"next": ...}}
  GET  /next-url?start=&limit=  {"items": [...], "next": URL | null}          (`next_url` mode)
  GET  /linked?start=&limit=    [...] with a `Link: <...>; rel="next"` header    (`link` mode)
Every route answers 401 without the API key. Served in the foreground by
`python tests/pages_server.py --port N --total N` (the benchmark runs it so).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

API_KEY = "test-key"
PREFIX = "/api/v1"

Scope = dict[str, Any]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str  # without the /api/v1 prefix
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    host: str


@dataclass
class Fault:
    """Answer `status` to the next `times` requests to `path` whose query/body has `match`."""

    path: str
    match: dict[str, str]
    status: int
    times: int = 1


@dataclass
class PagesServer:
    total: int = 25
    # How /cursor and /search end: "null" (next is null), "empty" (next is ""), "absent" (no key),
    # or "repeat" (the first next cursor, over and over: a server bug that would loop for ever).
    cursor_end: str = "null"
    # /next-url: "relative" (a path), "query" (`?start=N`, relative to the page), "absolute",
    # or an origin (`http://host:port`) to send the next page to.
    next_url: str = "relative"
    # /linked: how the next page's link is written, see `link_header`.
    link: str = "plain"
    link_origin: str = ""
    # /offset ignores the offset (a server without paging): every page is the first.
    ignore_offset: bool = False
    # Requests for a page after the first are redirected (302) to this origin.
    redirect: str = ""
    # Answers without asking for the API key (a server elsewhere that a redirect sends pages to).
    open: bool = False
    requests: list[Seen] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)

    def reset(self) -> None:
        self.__init__()  # type: ignore[misc]

    def fail(self, path: str, status: int, times: int = 1, **match: Any) -> None:
        self.faults.append(Fault(path, {k: str(v) for k, v in match.items()}, status, times))

    def seen(self, path: str) -> list[Seen]:
        return [request for request in self.requests if request.path == path]

    def queries(self, path: str, name: str) -> list[str | None]:
        """The value of query parameter `name` in each request to `path`."""
        return [request.query.get(name) for request in self.seen(path)]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        path = scope["path"]
        path = path[len(PREFIX) :] if path.startswith(PREFIX) else path
        query = dict(parse_qsl(scope["query_string"].decode()))
        body = json.loads(raw) if raw else None
        seen = Seen(scope["method"], path, query, body, headers, headers.get("host", ""))
        self.requests.append(seen)
        if self.redirect and any(name in query for name in ("offset", "cursor", "page")):
            target = f"{self.redirect}{scope['path']}?{scope['query_string'].decode()}"
            await respond(send, 302, {}, {"location": target})
            return
        if headers.get("authorization") != f"Bearer {API_KEY}" and not self.open:
            await respond(send, 401, {"error": {"message": "missing or invalid API key"}})
            return
        for fault in self.faults:
            values = {**query, **{k: str(v) for k, v in (body or {}).items()}}
            if fault.times and fault.path == path and all(values.get(k) == v for k, v in fault.match.items()):
                fault.times -= 1
                await respond(send, fault.status, {"error": {"message": "scripted fault"}})
                return
        handler = ROUTES.get((scope["method"], path))
        if handler is None:
            await respond(send, 404, {"error": {"message": f"no route {path}"}})
            return
        status, payload, extra = handler(self, seen, scope)
        await respond(send, status, payload, extra)

    def items(self, start: int, count: int) -> list[dict[str, Any]]:
        return [{"id": n} for n in range(max(start, 0), min(start + count, self.total))]

    def offset_page(self, seen: Seen, scope: Scope) -> tuple[int, Any, dict[str, str]]:
        offset = 0 if self.ignore_offset else int(seen.query.get("offset", 0))
        data = self.items(offset, int(seen.query.get("limit", 10)))
        return 200, {"data": data, "meta": {"total": self.total}}, {}

    def bare_page(self, seen: Seen, scope: Scope) -> tuple[int, Any, dict[str, str]]:
        return 200, self.items(int(seen.query.get("offset", 0)), int(seen.query.get("limit", 10))), {}

    def numbered_page(self, seen: Seen, scope: Scope) -> tuple[int, Any, dict[str, str]]:
        page, size = int(seen.query.get("page", 1)), int(seen.query.get("size", 10))
        pages = -(-self.total // size)
        return 200, {"data": self.items((page - 1) * size, size), "numPages": pages}, {}

    def next_cursor(self, start: int, limit: int) -> dict[str, Any]:
        if self.cursor_end == "repeat":
            return {"next": f"c{limit}"}
        if start + limit < self.total:
            return {"next": f"c{start + limit}"}
        return {"null": {"next": None}, "empty": {"next": ""}, "absent": {}}[self.cursor_end]

    def cursor_page(self, seen: Seen, scope: Scope) -> tuple[int, Any, dict[str, str]]:
        start, limit = int(seen.query.get("cursor", "c0")[1:]), int(seen.query.get("limit", 10))
        return 200, {"data": self.items(start, limit), **self.next_cursor(start, limit)}, {}

    def search_page(self, seen: Seen, scope: Scope) -> tuple[int, Any, dict[str, str]]:
        body = seen.body or {}
        start, limit = int(str(body.get("cursor") or "c0")[1:]), int(body.get("limit", 10))
        return 200, {"results": self.items(start, limit), "page": self.next_cursor(start, limit)}, {}

    def own_origin(self, scope: Scope) -> str:
        host, port = scope["server"]
        return f"http://{host}:{port}"

    def next_url_page(self, seen: Seen, scope: Scope) -> tuple[int, Any, dict[str, str]]:
        start, limit = int(seen.query.get("start", 0)), int(seen.query.get("limit", 10))
        following = {**seen.query, "start": str(start + limit)}
        link = None
        if start + limit < self.total:
            query = urlencode(following)
            if self.next_url == "relative":
                link = f"{PREFIX}/next-url?{query}"
            elif self.next_url == "query":
                link = f"?{query}"
            elif self.next_url == "first":  # back to the first page (its query), with a fragment
                link = f"{PREFIX}/next-url?{urlencode({k: v for k, v in seen.query.items() if k != 'start'})}#again"
            elif self.next_url == "absolute":
                link = f"{self.own_origin(scope)}{PREFIX}/next-url?{query}"
            else:
                link = f"{self.next_url}{PREFIX}/next-url?{query}"
        return 200, {"items": self.items(start, limit), "next": link}, {}

    def linked_page(self, seen: Seen, scope: Scope) -> tuple[int, Any, dict[str, str]]:
        start, limit = int(seen.query.get("start", 0)), int(seen.query.get("limit", 10))
        headers = {}
        if start + limit < self.total:
            target = f"{self.link_origin}{PREFIX}/linked?{urlencode({**seen.query, 'start': str(start + limit)})}"
            headers["link"] = link_header(self.link, target, start)
        return 200, self.items(start, limit), headers


def link_header(style: str, target: str, start: int) -> str:
    """A `Link` field value whose `rel="next"` link is `target`, written as RFC 8288's examples
    write theirs: with other links around it, several relation types, extended parameters."""
    first = f"<{PREFIX}/linked?start=0>"
    if style == "plain":
        return f'<{target}>; rel="next"'
    if style == "among":  # after another link, with a title* (RFC 8187) like the RFC's chapters
        return f"{first}; rel=\"first\"; title*=UTF-8'de'erstes%20Kapitel, <{target}>; rel=\"next\"; title*=UTF-8'de'n%c3%a4chstes%20Kapitel"
    if style == "several":  # one link with two relation types, one of them an extension URI
        return f'<{target}>;\t rel="http://example.net/relation/other NEXT"'
    if style == "quoted":  # a quoted title holding `,`, `;`, `<` and `=`, which a split would cut
        return f'<{target}>; title="pages, <b>; a=b"; rel="next"'
    if style == "anchored":  # a `next` of another resource (anchor), then this one's
        return f'</elsewhere>; rel="next"; anchor="#foo", <{target}>; rel=next'
    raise ValueError(style)


async def respond(send: Send, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
    data = json.dumps(payload).encode()
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    raw_headers.append((b"x-request-id", b"req-pages"))
    raw_headers += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": data})


ROUTES: dict[tuple[str, str], Callable[[PagesServer, Seen, Scope], tuple[int, Any, dict[str, str]]]] = {
    ("GET", "/offset"): PagesServer.offset_page,
    ("GET", "/bare"): PagesServer.bare_page,
    ("GET", "/pages"): PagesServer.numbered_page,
    ("GET", "/cursor"): PagesServer.cursor_page,
    ("POST", "/search"): PagesServer.search_page,
    ("GET", "/next-url"): PagesServer.next_url_page,
    ("GET", "/linked"): PagesServer.linked_page,
}


def main() -> None:
    """Serves the paginated API in the foreground (without recording requests)."""
    import argparse

    import uvicorn

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--total", type=int, default=100_000)
    args = parser.parse_args()
    app = PagesServer(total=args.total)

    class Forgetful(list[Seen]):
        def append(self, item: Seen) -> None:  # a long benchmark would otherwise fill memory
            pass

    app.requests = Forgetful()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", lifespan="off", access_log=False)


if __name__ == "__main__":
    main()
