"""Paginated operations: a pager that requests each page only when its items are needed.

An operation that returns one page of a list declares how the next page is asked for (a
`Pagination`); `SyncTransport.pages` sends the first page's request and returns a pager, whose
iteration yields the items of every page, requesting the next page only once the items before it
have been taken. The pagination state (`_Paginator`) does no I/O: the sync and async pagers share it.

Memory stays flat however many pages are read: a pager keeps its first page (the call's result)
and, while iterating, the page being read; each iteration starts again from the first page and
requests the later ones again, so a listing can be read twice without holding all of it.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import httpx

from ._encoding import Body, given
from ._runtime import (
    Call,
    Endpoint,
    RequestOptions,
    _ResponseView,
    origin,
)
from .errors import PaginationError

if TYPE_CHECKING:
    from ._runtime import AsyncTransport, SyncTransport

__all__ = ["Pagination", "Page", "SyncPager", "AsyncPager", "next_link"]

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

# A next cursor or URL is compared exactly with this many before it (a server that hands out a
# cursor again sends the pages after it again, forever); longer cycles are caught in constant
# memory by a checkpoint (Brent's method), after at most twice the cycle's length in pages.
RECENT_CURSORS = 1024


@dataclass(frozen=True)
class Pagination:
    """How an operation's pages are asked for; declared once per operation by the generated code.

    `kind`: `offset` (the offset input grows by the items of each page), `page` (the page input
    grows by 1, from the caller's value or 1), `cursor` (the cursor input takes `next_cursor` from
    each result), `url` (the next page is the URL at `next_url` in the result) or `link` (the
    `Link` response header's `rel="next"` target, RFC 8288). Inputs are (location, wire name),
    location `query` or `body` (a JSON body's field). Paths into the result are attribute names,
    a dict read by key; `results=()` means the result itself is the list of items.
    `default_limit`: the page size the server uses when the caller sends no limit (the limit
    parameter's default in the API spec).
    """

    kind: Literal["offset", "page", "cursor", "url", "link"]
    results: tuple[str, ...] = ()
    offset: tuple[str, str] | None = None
    page: tuple[str, str] | None = None
    limit: tuple[str, str] | None = None
    cursor: tuple[str, str] | None = None
    next_cursor: tuple[str, ...] = ()
    next_url: tuple[str, ...] = ()
    num_pages: tuple[str, ...] = ()
    default_limit: int | None = None


@dataclass
class Page(_ResponseView, Generic[ItemT, ResultT]):
    """One page: `result` (the parsed response), its `items`, its `number` (0 for the first page
    of an iteration), and the response's `status_code`, `headers` and `request_id`."""

    result: ResultT
    items: list[ItemT]
    number: int


def dig(value: Any, path: tuple[str, ...]) -> Any:
    """The value at `path` (attribute names; a mapping is read by key), None where one is missing."""
    for name in path:
        if value is None:
            return None
        if isinstance(value, Mapping):
            value = value.get(name)
        else:
            value = getattr(value, name, None)
    return value


class _LoopGuard:
    """Whether a cursor or URL came before, in bounded memory: exactly among the last
    `RECENT_CURSORS`, and by Brent's cycle detection (a checkpoint moved at each power of two
    steps) beyond them, so that no cycle, however long, is followed for ever."""

    def __init__(self) -> None:
        self.recent: collections.OrderedDict[str, None] = collections.OrderedDict()
        self.checkpoint: str | None = None
        self.power = 1
        self.steps = 0

    def seen(self, value: str) -> bool:
        """Records `value`; True if it was seen before."""
        if value in self.recent or value == self.checkpoint:
            return True
        self.recent[value] = None
        if len(self.recent) > RECENT_CURSORS:
            self.recent.popitem(last=False)
        self.steps += 1
        if self.steps == self.power:
            self.checkpoint, self.power, self.steps = value, self.power * 2, 0
        return False


class _Paginator:
    """The state of one iteration over the pages of one call: from the call and each page, the
    next page's request, or None to stop. Does no I/O.

    It stops at an empty page; for `offset` and `page`, at a page shorter than the limit the
    caller sent (else the spec's default limit) (the other kinds follow the server's next cursor or URL, which says whether more
    pages exist) or a page identical to the one before (a server that ignores the input); at the
    `num_pages` the result gives; where there is no next cursor or URL (absent, null or ""); and,
    with a warning logged, at a cursor or URL seen before. A next URL on another origin than the
    API's raises `PaginationError`: the credentials are sent with every page, and must not go there.
    """

    def __init__(
        self,
        pagination: Pagination,
        call: Call,
        api_origin: tuple[str, str, int | None],
        log: logging.Logger,
        redact: Callable[[str], str],
        what: str,
    ) -> None:
        self.pagination = pagination
        self.call = call
        self.api_origin = api_origin
        self.log = log
        self.redact = redact
        self.what = what  # `GET /items`, for messages
        self.guard = _LoopGuard()
        self.pages = 0
        self.previous_body: int | None = None
        kind = pagination.kind
        if kind == "offset":
            self.position = _int(self._input(pagination.offset), 0)
        elif kind == "page":
            self.position = _int(self._input(pagination.page), 1)
        else:
            self.position = 0
        if kind == "cursor":
            cursor = self._input(pagination.cursor)
            if cursor is not None:
                self.guard.seen(str(cursor))
        limit = self._input(pagination.limit)
        if limit is None:
            limit = pagination.default_limit
        self.limit = limit if isinstance(limit, int) and limit > 0 else None

    def _input(self, where: tuple[str, str] | None) -> Any:
        """The caller's value of an input, None where it was not given."""
        if where is None:
            return None
        location, name = where
        if location == "body":
            body = self.call.body
            values = body.json if body is not None else None
        else:
            values = self.call.query
        if not isinstance(values, Mapping):
            return None
        value = values.get(name)
        return value if given(value) else None

    def repeats(self, response: httpx.Response) -> bool:
        """Whether an offset or page-number page is the same as the one before: a server that
        ignores the input sends the first page again and again. Its items are not given again.
        """
        if self.pagination.kind not in ("offset", "page"):
            return False
        body = hash(response.content)
        if body != self.previous_body:
            self.previous_body = body
            return False
        self.log.warning(
            "%s: page %d is the same as the page before; stopping before it (the server"
            " may not support the %s input)",
            self.what,
            self.pages + 1,
            self.pagination.kind,
        )
        return True

    def items(self, result: Any) -> list[Any]:
        """The items of a page; none where the result has no list there."""
        found = dig(result, self.pagination.results)
        if found is None:
            return []
        return found if isinstance(found, list) else list(found)

    def next_call(
        self, result: Any, items: list[Any], response: httpx.Response
    ) -> Call | None:
        """The request for the page after this one (`result`, `items`, from `response`), or None."""
        self.pages += 1
        pagination = self.pagination
        if not items:
            return None
        if pagination.num_pages:
            total = dig(result, pagination.num_pages)
            done = self.position if pagination.kind == "page" else self.pages
            if isinstance(total, int) and done >= total:
                return None
        kind = pagination.kind
        if kind in ("offset", "page"):
            if self.limit is not None and len(items) < self.limit:
                return None
            self.position += len(items) if kind == "offset" else 1
            where = pagination.offset if kind == "offset" else pagination.page
            return self._with_input(where, self.position)
        if kind == "cursor":
            cursor = dig(result, pagination.next_cursor)
            if cursor is None or cursor == "":
                return None
            if self.guard.seen(str(cursor)):
                self._warn_repeated("cursor")
                return None
            return self._with_input(pagination.cursor, cursor)
        target = (
            dig(result, pagination.next_url)
            if kind == "url"
            else next_link(response.headers.get_list("link"), response.request.url)
        )
        if target is None or target == "":
            return None
        url = self._same_origin(response.request.url, str(target)).copy_with(
            fragment=None
        )
        if self.guard.seen(str(url)):
            self._warn_repeated("next URL")
            return None
        return dataclasses.replace(self.call, query=None, url=str(url))

    def _with_input(self, where: tuple[str, str] | None, value: Any) -> Call:
        if where is None:  # a declaration without the input: nothing to change
            raise PaginationError(
                f"{self.what}: the pagination declares no input to ask for the next page with",
                next_url=None,
            )
        location, name = where
        if location == "body":
            body = self.call.body or Body("application/json", json={})
            fields = dict(body.json) if isinstance(body.json, Mapping) else {}
            fields[name] = value
            self.call = dataclasses.replace(
                self.call, body=dataclasses.replace(body, json=fields)
            )
        else:
            self.call = dataclasses.replace(
                self.call, query={**(self.call.query or {}), name: value}
            )
        return self.call

    def _same_origin(self, base: httpx.URL, target: str) -> httpx.URL:
        """`target` resolved against the page's URL, if on the API's origin; else PaginationError."""
        try:
            url = base.join(target)
        except (httpx.InvalidURL, ValueError) as exc:
            raise PaginationError(
                self.redact(f"{self.what}: the next page's URL is not valid: {exc}"),
                next_url=self.redact(target),
            ) from exc
        if url.scheme not in ("http", "https") or origin(url) != self.api_origin:
            shown = self.redact(str(url.copy_with(query=None, fragment=None)))
            raise PaginationError(
                f"{self.what}: the next page is at {shown}, on another origin than the API's;"
                " it was not requested, as the credentials would be sent there",
                next_url=self.redact(str(url)),
            )
        return url

    def landed(self, response: httpx.Response) -> None:
        """Raises `PaginationError` when a page's request was redirected to another origin: its
        items are not the API's (and the API key was not sent there)."""
        if origin(response.request.url) != self.api_origin:
            shown = self.redact(
                str(response.request.url.copy_with(query=None, fragment=None))
            )
            raise PaginationError(
                f"{self.what}: the next page was redirected to {shown}, on another origin than"
                " the API's; its answer is not used",
                next_url=self.redact(str(response.request.url)),
            )

    def _warn_repeated(self, what: str) -> None:
        self.log.warning(
            "%s: page %d gives a %s already followed; stopping there, as following it"
            " would request the same pages again",
            self.what,
            self.pages,
            what,
        )


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


class _PagerBase(Generic[ItemT, ResultT]):
    def __init__(
        self,
        endpoint: Endpoint[ResultT],
        pagination: Pagination,
        call: Call,
        options: RequestOptions,
        first: tuple[ResultT, httpx.Response],
        api_origin: tuple[str, str, int | None],
        log: logging.Logger,
        redact: Callable[[str], str],
    ) -> None:
        self._endpoint = endpoint
        self._pagination = pagination
        self._call = call
        self._options = options
        self._origin = api_origin
        self._log = log
        self._redact = redact
        result, response = first
        self._first: Page[ItemT, ResultT] = self._page(
            self._paginator(), result, response, 0
        )

    @property
    def first_page(self) -> Page[ItemT, ResultT]:
        """The page the call fetched."""
        return self._first

    def _paginator(self) -> _Paginator:
        state = _Paginator(
            self._pagination,
            self._call,
            self._origin,
            self._log,
            self._redact,
            f"{self._endpoint.method} {self._endpoint.path}",
        )
        first = self.__dict__.get("_first")
        if first is not None and self._pagination.kind in ("url", "link"):
            # A next link back to the first page would give its items again.
            state.guard.seen(str(first.response.request.url.copy_with(fragment=None)))
        return state

    @staticmethod
    def _page(
        state: _Paginator, result: ResultT, response: httpx.Response, number: int
    ) -> Page[ItemT, ResultT]:
        return Page(response, result, state.items(result), number)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._endpoint.method} {self._endpoint.path}>"


class SyncPager(_PagerBase[ItemT, ResultT]):
    """The items of every page of a call. Iterating yields them in order, requesting each page
    after the first only when its items are needed (with the call's retries and options; an error
    raises from the iteration, the items before it already yielded).

    Each iteration starts again from the first page, which the pager keeps, and requests the later
    pages again: memory stays flat, however long the listing.
    """

    def __init__(
        self,
        transport: SyncTransport,
        endpoint: Endpoint[ResultT],
        pagination: Pagination,
        call: Call,
        options: RequestOptions,
        first: tuple[ResultT, httpx.Response],
    ) -> None:
        self._transport = transport
        super().__init__(
            endpoint,
            pagination,
            call,
            options,
            first,
            transport.api_origin(transport.http),
            transport._log,
            transport.redact,
        )

    def __iter__(self) -> Iterator[ItemT]:
        return self.iter_items()

    def iter_items(self, max_items: int | None = None) -> Iterator[ItemT]:
        """The items across pages; with `max_items`, at most that many, and no page is requested
        after the one that holds the last of them."""
        if max_items is not None and max_items <= 0:
            return
        count = 0
        for page in self.iter_pages():
            for item in page.items:
                yield item
                count += 1
                if max_items is not None and count >= max_items:
                    return

    def iter_pages(
        self, max_pages: int | None = None
    ) -> Iterator[Page[ItemT, ResultT]]:
        """The pages, the first (already fetched) included; with `max_pages`, at most that many."""
        state = self._paginator()
        page = self._first
        if max_pages is not None and max_pages <= 0:
            return
        while True:
            if state.repeats(page.response):
                return
            yield page
            if max_pages is not None and page.number + 1 >= max_pages:
                return
            call = state.next_call(page.result, page.items, page.response)
            if call is None:
                return
            result, response = self._transport.fetch(
                self._endpoint, call, self._options
            )
            state.landed(response)
            page = self._page(state, result, response, page.number + 1)


class AsyncPager(_PagerBase[ItemT, ResultT]):
    """The asynchronous form of `SyncPager`: `async for item in pager`, `pager.iter_items()` and
    `pager.iter_pages()` as async iterators."""

    def __init__(
        self,
        transport: AsyncTransport,
        endpoint: Endpoint[ResultT],
        pagination: Pagination,
        call: Call,
        options: RequestOptions,
        first: tuple[ResultT, httpx.Response],
    ) -> None:
        self._transport = transport
        super().__init__(
            endpoint,
            pagination,
            call,
            options,
            first,
            transport.api_origin(transport.http),
            transport._log,
            transport.redact,
        )

    def __aiter__(self) -> AsyncIterator[ItemT]:
        return self.iter_items()

    async def iter_items(self, max_items: int | None = None) -> AsyncIterator[ItemT]:
        """The items across pages; with `max_items`, at most that many."""
        if max_items is not None and max_items <= 0:
            return
        count = 0
        async with contextlib.aclosing(self.iter_pages()) as pages:
            async for page in pages:
                for item in page.items:
                    yield item
                    count += 1
                    if max_items is not None and count >= max_items:
                        return

    async def iter_pages(
        self, max_pages: int | None = None
    ) -> AsyncGenerator[Page[ItemT, ResultT], None]:
        """The pages, the first (already fetched) included; with `max_pages`, at most that many."""
        state = self._paginator()
        page = self._first
        if max_pages is not None and max_pages <= 0:
            return
        while True:
            if state.repeats(page.response):
                return
            yield page
            if max_pages is not None and page.number + 1 >= max_pages:
                return
            call = state.next_call(page.result, page.items, page.response)
            if call is None:
                return
            result, response = await self._transport.fetch(
                self._endpoint, call, self._options
            )
            state.landed(response)
            page = self._page(state, result, response, page.number + 1)


# RFC 8288 §3 / appendix B: the `Link` field value, parsed as the appendix says.
_OWS = " \t"


def links(field_values: list[str]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each link of `Link` field values as (target as written, [(parameter name lowercased,
    value)]), by RFC 8288 appendix B.2 and B.3; parsing stops at the first malformed link.
    """
    found: list[tuple[str, list[tuple[str, str]]]] = []
    text = ",".join(field_values)
    at, end = 0, len(text)
    while at < end:
        while at < end and text[at] in _OWS + ",":
            at += 1
        if at >= end or text[at] != "<":
            break
        close = text.find(">", at + 1)
        if close < 0:
            break
        target = text[at + 1 : close]
        at = close + 1
        params: list[tuple[str, str]] = []
        while True:
            while at < end and text[at] in _OWS:
                at += 1
            if at >= end or text[at] != ";":
                break
            at += 1
            while at < end and text[at] in _OWS:
                at += 1
            start = at
            while at < end and text[at] not in "=;," + _OWS:
                at += 1
            name = text[start:at].lower()
            while at < end and text[at] in _OWS:
                at += 1
            value = ""
            if at < end and text[at] == "=":
                at += 1
                while at < end and text[at] in _OWS:
                    at += 1
                if at < end and text[at] == '"':
                    at += 1
                    chars = []
                    while at < end and text[at] != '"':
                        if text[at] == "\\" and at + 1 < end:
                            at += 1
                        chars.append(text[at])
                        at += 1
                    at += 1  # the closing quote
                    value = "".join(chars)
                else:
                    start = at
                    while at < end and text[at] not in ";,":
                        at += 1
                    value = text[start:at].rstrip(_OWS)
            params.append((name, value))
        found.append((target, params))
        # Skip whatever is left of a link that did not end cleanly, up to the next one.
        while at < end and text[at] != ",":
            at += 1
    return found


def next_link(field_values: list[str], base: httpx.URL) -> str | None:
    """The target of the first link with relation type `next` (RFC 8288: relation types are
    compared ignoring case; `rel` may hold several, space-separated; only the first `rel` counts)
    whose context is the response itself (no `anchor` to another resource); None if none.
    """
    for target, params in links(field_values):
        rel = next((value for name, value in params if name == "rel"), "")
        if "next" not in rel.lower().split():
            continue
        anchor = next((value for name, value in params if name == "anchor"), None)
        if anchor is not None and base.join(anchor) != base:
            continue  # a link from another resource (a fragment of this one included)
        return target
    return None
