"""Paginated calls (`_pages`): each way of asking for the next page, where iteration stops, what is
requested when, over real HTTP against tests/pages_server.py; and the `Link` header parser against
cases rebuilt from RFC 8288's examples.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pydantic
import pytest
from pages_server import API_KEY, PagesServer

import modelgates
from modelgates import errors
from modelgates._encoding import Body
from modelgates._pages import AsyncPager, Page, Pagination, SyncPager, _LoopGuard, links, next_link
from modelgates._runtime import Call, Endpoint, RequestOptions, async_with_response, with_response
from server import RunningServer


class Item(pydantic.BaseModel):
    id: int


class Meta(pydantic.BaseModel):
    total: int


class OffsetPage(pydantic.BaseModel):
    data: list[Item]
    meta: Meta


def _json() -> Any:
    return dict[str, Any]


OFFSET: Endpoint[OffsetPage] = Endpoint("GET", "/offset", lambda: OffsetPage)
OFFSET_PAGES = Pagination("offset", results=("data",), offset=("query", "offset"), limit=("query", "limit"))
BARE: Endpoint[list[Item]] = Endpoint("GET", "/bare", lambda: list[Item])  # type: ignore[arg-type]
BARE_PAGES = Pagination("offset", offset=("query", "offset"), limit=("query", "limit"))
NUMBERED: Endpoint[Any] = Endpoint("GET", "/pages", _json)
NUMBERED_PAGES = Pagination(
    "page", results=("data",), page=("query", "page"), limit=("query", "size"), num_pages=("numPages",)
)
CURSOR: Endpoint[Any] = Endpoint("GET", "/cursor", _json)
CURSOR_PAGES = Pagination(
    "cursor", results=("data",), cursor=("query", "cursor"), limit=("query", "limit"), next_cursor=("next",)
)
SEARCH: Endpoint[Any] = Endpoint("POST", "/search", _json)
SEARCH_PAGES = Pagination("cursor", results=("results",), cursor=("body", "cursor"), next_cursor=("page", "next"))
NEXT_URL: Endpoint[Any] = Endpoint("GET", "/next-url", _json)
NEXT_URL_PAGES = Pagination("url", results=("items",), next_url=("next",))
LINKED: Endpoint[Any] = Endpoint("GET", "/linked", lambda: list[dict[str, Any]])
LINKED_PAGES = Pagination("link")


def ids(items: Any) -> list[int]:
    return [item.id if isinstance(item, Item) else item["id"] for item in items]


@pytest.fixture(scope="module")
def pages_server() -> Iterator[tuple[PagesServer, str]]:
    app = PagesServer()
    with RunningServer(app) as running:
        yield app, running.url


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[tuple[PagesServer, str]]:
    """A second server: another origin (another port of the same host)."""
    app = PagesServer()
    with RunningServer(app) as running:
        yield app, f"http://127.0.0.1:{running.port}"


@pytest.fixture
def server(pages_server: tuple[PagesServer, str], elsewhere: tuple[PagesServer, str]) -> PagesServer:
    pages_server[0].reset()
    elsewhere[0].reset()
    return pages_server[0]


@pytest.fixture
def client(server: PagesServer, pages_server: tuple[PagesServer, str]) -> Iterator[modelgates.ModelGates]:
    with modelgates.ModelGates(api_key=API_KEY, server_url=pages_server[1], max_retries=2) as sdk:
        sdk._transport.retry = type(sdk._transport.retry)(max_retries=2, initial_delay=0.01, max_delay=0.05)
        yield sdk


@pytest.fixture
async def aclient(
    server: PagesServer, pages_server: tuple[PagesServer, str]
) -> AsyncIterator[modelgates.AsyncModelGates]:
    async with modelgates.AsyncModelGates(api_key=API_KEY, server_url=pages_server[1], max_retries=2) as sdk:
        sdk._transport.retry = type(sdk._transport.retry)(max_retries=2, initial_delay=0.01, max_delay=0.05)
        yield sdk


def pages(
    client: modelgates.ModelGates, endpoint: Endpoint[Any], pagination: Pagination, **call: Any
) -> SyncPager[Any, Any]:
    return client._transport.pages(endpoint, pagination, Call(**call), RequestOptions())


async def apages(
    client: modelgates.AsyncModelGates, endpoint: Endpoint[Any], pagination: Pagination, **call: Any
) -> AsyncPager[Any, Any]:
    return await client._transport.pages(endpoint, pagination, Call(**call), RequestOptions())


# Each scheme


def test_offset_and_limit_pages_end_at_a_short_page_keeping_the_other_arguments(
    client: modelgates.ModelGates, server: PagesServer
) -> None:
    pager = pages(client, OFFSET, OFFSET_PAGES, query={"limit": 10, "filter": "blue"})
    assert ids(pager) == list(range(25))
    # 10, 10, then 5 of 10: the short page is the last; no fourth request for an empty page
    assert server.queries("/offset", "offset") == [None, "10", "20"]
    assert server.queries("/offset", "filter") == ["blue"] * 3
    assert server.queries("/offset", "limit") == ["10"] * 3
    assert all(seen.headers["authorization"] == f"Bearer {API_KEY}" for seen in server.requests)


def test_offset_pages_without_a_limit_end_at_an_empty_page(client: modelgates.ModelGates, server: PagesServer) -> None:
    server.total = 20
    pager = pages(client, OFFSET, OFFSET_PAGES, query={"offset": 5})
    assert ids(pager) == list(range(5, 20))
    # the server's page size is unknown to the SDK: a short page cannot be told, the empty one ends
    assert server.queries("/offset", "offset") == ["5", "15", "20"]


def test_a_result_that_is_the_list_itself(client: modelgates.ModelGates, server: PagesServer) -> None:
    server.total = 7
    assert ids(pages(client, BARE, BARE_PAGES, query={"limit": 3})) == list(range(7))
    assert server.queries("/bare", "offset") == [None, "3", "6"]


def test_page_numbers_stop_at_num_pages(client: modelgates.ModelGates, server: PagesServer) -> None:
    server.total = 30  # three full pages of 10: only numPages says the third is the last
    pager = pages(client, NUMBERED, NUMBERED_PAGES, query={"size": 10})
    assert ids(pager) == list(range(30))
    assert server.queries("/pages", "page") == [None, "2", "3"]


def test_page_numbers_start_at_the_callers_page(client: modelgates.ModelGates, server: PagesServer) -> None:
    server.total = 30
    pager = pages(client, NUMBERED, NUMBERED_PAGES, query={"size": 10, "page": 2})
    assert ids(pager) == list(range(10, 30))
    assert server.queries("/pages", "page") == ["2", "3"]


@pytest.mark.parametrize("end", ["null", "empty", "absent"])
def test_cursor_in_the_query_until_there_is_no_next_cursor(
    client: modelgates.ModelGates, server: PagesServer, end: str
) -> None:
    server.cursor_end = end
    server.total = 30  # full pages throughout: only the cursor says where the list ends
    pager = pages(client, CURSOR, CURSOR_PAGES, query={"limit": 10})
    assert ids(pager) == list(range(30))
    assert server.queries("/cursor", "cursor") == [None, "c10", "c20"]


def test_cursor_in_a_json_body_keeps_the_other_fields(client: modelgates.ModelGates, server: PagesServer) -> None:
    body = Body("application/json", json={"filter": "blue", "limit": 10})
    pager = pages(client, SEARCH, SEARCH_PAGES, body=body)
    assert ids(pager) == list(range(25))
    assert [seen.body for seen in server.seen("/search")] == [
        {"filter": "blue", "limit": 10},
        {"filter": "blue", "limit": 10, "cursor": "c10"},
        {"filter": "blue", "limit": 10, "cursor": "c20"},
    ]
    assert body.json == {"filter": "blue", "limit": 10}  # the call's own body is left as it was


@pytest.mark.parametrize("style", ["relative", "query", "absolute"])
def test_next_url_relative_or_absolute(client: modelgates.ModelGates, server: PagesServer, style: str) -> None:
    server.next_url = style
    pager = pages(client, NEXT_URL, NEXT_URL_PAGES, query={"limit": 10, "kind": "x"}, headers={"X-Trace": "t1"})
    assert ids(pager) == list(range(25))
    assert server.queries("/next-url", "start") == [None, "10", "20"]
    # the next URL's query is the server's (which carries kind); the call's headers and the key go on
    assert server.queries("/next-url", "kind") == ["x"] * 3
    assert [seen.headers.get("x-trace") for seen in server.requests] == ["t1"] * 3
    assert all(seen.headers["authorization"] == f"Bearer {API_KEY}" for seen in server.requests)


@pytest.mark.parametrize("style", ["plain", "among", "several", "quoted", "anchored"])
def test_link_header_next(client: modelgates.ModelGates, server: PagesServer, style: str) -> None:
    server.link = style
    pager = pages(client, LINKED, LINKED_PAGES, query={"limit": 10})
    assert ids(pager) == list(range(25))
    assert server.queries("/linked", "start") == [None, "10", "20"]
    assert server.queries("/linked", "limit") == ["10"] * 3


# Where iteration stops, and what is requested when


def test_an_empty_first_page_has_no_items_and_one_request(client: modelgates.ModelGates, server: PagesServer) -> None:
    server.total = 0
    for endpoint, pagination in [(OFFSET, OFFSET_PAGES), (CURSOR, CURSOR_PAGES), (LINKED, LINKED_PAGES)]:
        assert list(pages(client, endpoint, pagination, query={"limit": 10})) == []
    assert len(server.requests) == 3


@pytest.mark.timeout(30)  # without the guard, the pages never end
def test_a_repeated_cursor_stops_with_a_warning(
    client: modelgates.ModelGates, server: PagesServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.cursor_end = "repeat"  # every page says the next cursor is c10
    with caplog.at_level(logging.WARNING, logger="modelgates"):
        assert ids(pages(client, CURSOR, CURSOR_PAGES, query={"limit": 10})) == list(range(20))
    assert server.queries("/cursor", "cursor") == [None, "c10"]
    assert "cursor already followed" in caplog.text


@pytest.mark.timeout(30)  # without the guard, the pages never end
def test_a_next_cursor_equal_to_the_callers_stops(client: modelgates.ModelGates, server: PagesServer) -> None:
    server.cursor_end = "repeat"
    assert ids(pages(client, CURSOR, CURSOR_PAGES, query={"limit": 10, "cursor": "c10"})) == list(range(10, 20))
    assert server.queries("/cursor", "cursor") == ["c10"]


@pytest.mark.timeout(30)  # without the guard, the pages never end
def test_a_server_that_ignores_the_offset_is_not_read_for_ever(
    client: modelgates.ModelGates, server: PagesServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.ignore_offset = True
    with caplog.at_level(logging.WARNING, logger="modelgates"):
        # The second answer repeats the first: its items are not given twice.
        assert ids(pages(client, OFFSET, OFFSET_PAGES, query={"limit": 10})) == list(range(10))
    assert server.queries("/offset", "offset") == [None, "10"]
    assert "same as the page before" in caplog.text


@pytest.mark.parametrize("route", ["link", "url"])
def test_a_next_page_on_another_origin_is_not_requested(
    client: modelgates.ModelGates,
    server: PagesServer,
    elsewhere: tuple[PagesServer, str],
    route: str,
) -> None:
    other, origin = elsewhere
    server.link_origin = server.next_url = origin
    endpoint, pagination = (LINKED, LINKED_PAGES) if route == "link" else (NEXT_URL, NEXT_URL_PAGES)
    pager = pages(client, endpoint, pagination, query={"limit": 10})
    got = []
    with pytest.raises(errors.PaginationError) as raised:
        for item in pager:
            got.append(item)
    assert ids(got) == list(range(10))  # the first page's items came first
    assert raised.value.next_url is not None and raised.value.next_url.startswith(origin)
    assert isinstance(raised.value, errors.ModelGatesError)
    assert API_KEY not in str(raised.value)
    assert len(server.requests) == 1
    assert other.requests == []  # the key never went there


def test_a_next_url_on_another_scheme_or_port_of_the_same_host_is_another_origin(
    client: modelgates.ModelGates, server: PagesServer, pages_server: tuple[PagesServer, str]
) -> None:
    port = pages_server[1].split(":")[2].split("/")[0]
    for origin in (f"https://127.0.0.1:{port}", "http://127.0.0.1:1", f"http://localhost:{port}"):
        server.reset()
        server.next_url = origin
        with pytest.raises(errors.PaginationError):
            list(pages(client, NEXT_URL, NEXT_URL_PAGES))
        assert len(server.requests) == 1


def test_a_page_redirected_to_another_origin_raises_and_the_key_does_not_go_there(
    server: PagesServer, pages_server: tuple[PagesServer, str], elsewhere: tuple[PagesServer, str]
) -> None:
    """httpx follows redirects and drops `Authorization` on another origin, but not other headers
    that hold the API key (an API key's own header): the SDK's pool drops those too, and the
    pager refuses the redirected page's items."""
    other, origin = elsewhere
    other.open = True
    server.redirect = origin
    headers = {"X-Api-Key": API_KEY, "X-Trace": "kept"}
    with modelgates.ModelGates(api_key=API_KEY, server_url=pages_server[1], default_headers=headers) as sdk:
        pager = pages(sdk, OFFSET, OFFSET_PAGES, query={"limit": 10})
        got = []
        with pytest.raises(errors.PaginationError, match="redirected to") as raised:
            for item in pager:
                got.append(item)
    assert ids(got) == list(range(10))
    assert API_KEY not in str(raised.value)
    (seen,) = other.requests  # the redirect was followed: without the key
    assert not any(API_KEY in value for value in seen.headers.values())
    assert seen.headers["x-trace"] == "kept"


def test_a_next_url_back_to_the_first_page_ends_the_list(client: modelgates.ModelGates, server: PagesServer) -> None:
    """The first page's own URL counts as followed: a next link back to it (a fragment does not
    make another page) would give its items again."""
    server.next_url = "first"
    assert ids(pages(client, NEXT_URL, NEXT_URL_PAGES, query={"limit": 10})) == list(range(10))
    assert len(server.requests) == 1


def test_the_transport_refuses_a_url_on_another_origin(
    client: modelgates.ModelGates, elsewhere: tuple[PagesServer, str]
) -> None:
    other, origin = elsewhere
    call = Call(url=f"{origin}/api/v1/offset")
    with pytest.raises(errors.RequestValidationError, match="another origin"):
        client._transport.request(OFFSET, call, RequestOptions())
    assert other.requests == []


def test_max_items_stops_without_requesting_the_next_page(client: modelgates.ModelGates, server: PagesServer) -> None:
    pager = pages(client, OFFSET, OFFSET_PAGES, query={"limit": 10})
    assert ids(pager.iter_items(max_items=10)) == list(range(10))  # the page boundary: page 2 not needed
    assert len(server.requests) == 1
    assert ids(pager.iter_items(max_items=12)) == list(range(12))
    assert server.queries("/offset", "offset") == [None, "10"]
    assert list(pager.iter_items(max_items=0)) == []
    assert len(server.requests) == 2


def test_max_pages_stops_without_requesting_the_next_page(client: modelgates.ModelGates, server: PagesServer) -> None:
    pager = pages(client, CURSOR, CURSOR_PAGES, query={"limit": 10})
    got = list(pager.iter_pages(max_pages=2))
    assert [page.number for page in got] == [0, 1]
    assert [ids(page.items) for page in got] == [list(range(10)), list(range(10, 20))]
    assert server.queries("/cursor", "cursor") == [None, "c10"]


def test_pages_are_requested_lazily(client: modelgates.ModelGates, server: PagesServer) -> None:
    pager = pages(client, OFFSET, OFFSET_PAGES, query={"limit": 10})
    assert len(server.requests) == 1  # the call fetched the first page
    items = iter(pager)
    assert len(server.requests) == 1
    for _ in range(10):
        next(items)
    assert len(server.requests) == 1  # the first page's items need no request
    assert next(items).id == 10
    assert len(server.requests) == 2


def test_pages_carry_their_result_and_response(client: modelgates.ModelGates, server: PagesServer) -> None:
    pager = pages(client, OFFSET, OFFSET_PAGES, query={"limit": 10})
    got = list(pager.iter_pages())
    assert [page.number for page in got] == [0, 1, 2]
    assert got[0] is pager.first_page
    assert all(isinstance(page, Page) and isinstance(page.result, OffsetPage) for page in got)
    assert [len(page.items) for page in got] == [10, 10, 5]
    assert got[2].result.meta.total == 25
    assert got[1].status_code == 200 and got[1].request_id == "req-pages"
    assert got[1].headers["content-type"] == "application/json"
    assert got[1].response.request.url.params["offset"] == "10"


def test_a_pager_iterated_again_keeps_only_the_first_page(client: modelgates.ModelGates, server: PagesServer) -> None:
    pager = pages(client, OFFSET, OFFSET_PAGES, query={"limit": 10})
    assert ids(pager) == ids(pager) == list(range(25))
    # the first page once (the call), the later ones once per iteration
    assert server.queries("/offset", "offset") == [None, "10", "20", "10", "20"]


def test_a_503_on_page_three_is_retried(client: modelgates.ModelGates, server: PagesServer) -> None:
    server.fail("/offset", 503, offset=20)
    assert ids(pages(client, OFFSET, OFFSET_PAGES, query={"limit": 10})) == list(range(25))
    assert server.queries("/offset", "offset") == [None, "10", "20", "20"]


def test_a_404_on_page_two_raises_mid_iteration(client: modelgates.ModelGates, server: PagesServer) -> None:
    server.fail("/cursor", 404, times=5, cursor="c10")
    got = []
    with pytest.raises(errors.NotFoundResponseError) as raised:
        for item in pages(client, CURSOR, CURSOR_PAGES, query={"limit": 10}):
            got.append(item)
    assert ids(got) == list(range(10))
    assert raised.value.status_code == 404
    assert server.queries("/cursor", "cursor") == [None, "c10"]  # a 404 is not retried


def test_an_error_on_the_first_page_raises_from_the_call(client: modelgates.ModelGates, server: PagesServer) -> None:
    server.fail("/offset", 404)
    with pytest.raises(errors.NotFoundResponseError):
        pages(client, OFFSET, OFFSET_PAGES, query={"limit": 10})
    assert len(server.requests) == 1


def test_with_response_around_a_paginated_call(client: modelgates.ModelGates, server: PagesServer) -> None:
    wrapped = with_response(client._transport.pages)(OFFSET, OFFSET_PAGES, Call(query={"limit": 10}), RequestOptions())
    assert wrapped.status_code == 200 and wrapped.request_id == "req-pages"
    assert "offset" not in wrapped.response.request.url.params  # the first page's response
    assert isinstance(wrapped.data, SyncPager)
    assert len(server.requests) == 1
    assert ids(wrapped.data) == list(range(25))
    assert wrapped.response.request.url.params.get("offset") is None


# Async


async def test_async_offset_pages(aclient: modelgates.AsyncModelGates, server: PagesServer) -> None:
    pager = await apages(aclient, OFFSET, OFFSET_PAGES, query={"limit": 10})
    assert len(server.requests) == 1
    assert ids([item async for item in pager]) == list(range(25))
    assert server.queries("/offset", "offset") == [None, "10", "20"]


async def test_async_cursor_in_body_pages(aclient: modelgates.AsyncModelGates, server: PagesServer) -> None:
    pager = await apages(aclient, SEARCH, SEARCH_PAGES, body=Body("application/json", json={"limit": 10}))
    got = [page async for page in pager.iter_pages()]
    assert [page.number for page in got] == [0, 1, 2]
    assert ids(item for page in got for item in page.items) == list(range(25))


@pytest.mark.parametrize("endpoint,pagination", [(NEXT_URL, NEXT_URL_PAGES), (LINKED, LINKED_PAGES)])
async def test_async_next_url_and_link_pages(
    aclient: modelgates.AsyncModelGates, server: PagesServer, endpoint: Endpoint[Any], pagination: Pagination
) -> None:
    pager = await apages(aclient, endpoint, pagination, query={"limit": 10})
    assert ids([item async for item in pager]) == list(range(25))
    assert len(server.requests) == 3


async def test_async_max_items_and_max_pages(aclient: modelgates.AsyncModelGates, server: PagesServer) -> None:
    pager = await apages(aclient, CURSOR, CURSOR_PAGES, query={"limit": 10})
    assert ids([item async for item in pager.iter_items(max_items=10)]) == list(range(10))
    assert [page.number async for page in pager.iter_pages(max_pages=1)] == [0]
    assert len(server.requests) == 1


async def test_async_errors_mid_iteration(
    aclient: modelgates.AsyncModelGates, server: PagesServer, elsewhere: tuple[PagesServer, str]
) -> None:
    server.fail("/offset", 503, offset=10)
    server.fail("/offset", 404, offset=20)
    got = []
    with pytest.raises(errors.NotFoundResponseError):
        async for item in await apages(aclient, OFFSET, OFFSET_PAGES, query={"limit": 10}):
            got.append(item)
    assert ids(got) == list(range(20))
    assert server.queries("/offset", "offset") == [None, "10", "10", "20"]
    server.reset()
    server.link_origin = elsewhere[1]
    with pytest.raises(errors.PaginationError):
        [item async for item in await apages(aclient, LINKED, LINKED_PAGES)]
    assert len(server.requests) == 1 and elsewhere[0].requests == []


async def test_async_with_response(aclient: modelgates.AsyncModelGates, server: PagesServer) -> None:
    wrapped = await async_with_response(aclient._transport.pages)(
        CURSOR, CURSOR_PAGES, Call(query={"limit": 10}), RequestOptions()
    )
    assert wrapped.status_code == 200 and isinstance(wrapped.data, AsyncPager)
    assert ids([item async for item in wrapped.data]) == list(range(25))


# The Link header, against cases rebuilt from RFC 8288's examples (§3.5), each on one line: the
# RFC folds them for the page, and a field value on the wire has no line breaks (RFC 9112 §5.2)

BASE = httpx.URL("http://example.com/TheBook/chapter3")


def test_link_parser_reads_the_rfcs_examples() -> None:
    # one link, with a quoted title
    assert links(['<http://example.com/TheBook/chapter2>; rel="previous"; title="previous chapter"']) == [
        ("http://example.com/TheBook/chapter2", [("rel", "previous"), ("title", "previous chapter")])
    ]
    # a relative target, an extension relation type, and an anchor
    assert links(['</>; rel="http://example.net/foo"', '</terms>; rel="copyright"; anchor="#foo"']) == [
        ("/", [("rel", "http://example.net/foo")]),
        ("/terms", [("rel", "copyright"), ("anchor", "#foo")]),
    ]
    # two links in one field value, with RFC 8187 extended titles
    chapters = [
        "</TheBook/chapter2>; rel=\"previous\"; title*=UTF-8'de'letztes%20Kapitel,"
        " </TheBook/chapter4>;  rel=\"next\"; title*=UTF-8'de'n%c3%a4chstes%20Kapitel"
    ]
    assert [target for target, _ in links(chapters)] == ["/TheBook/chapter2", "/TheBook/chapter4"]
    assert next_link(chapters, BASE) == "/TheBook/chapter4"
    assert str(BASE.join(next_link(chapters, BASE) or "")) == "http://example.com/TheBook/chapter4"
    # one link, two relation types
    several = ['<http://example.org/>;\t rel="start http://example.net/relation/other"']
    assert links(several) == [("http://example.org/", [("rel", "start http://example.net/relation/other")])]
    assert next_link(several, BASE) is None


def test_next_link_follows_rfc_8288() -> None:
    # relation types are compared ignoring case, and a rel may list several
    assert next_link(['<p2>; rel="prev NEXT"'], BASE) == "p2"
    assert next_link(["<p2>; REL=next"], BASE) == "p2"
    # only the first rel counts; a rel with no value is none
    assert next_link(['<p2>; rel="prev"; rel="next"'], BASE) is None
    assert next_link(["<p2>; rel"], BASE) is None
    # quoted values may hold separators and escaped quotes
    assert next_link(['<p1>; title="a, <b>; rel=next \\" x"; rel="first", <p2>; rel="next"'], BASE) == "p2"
    # a link of another resource (anchor) is not this response's next page; an anchor on it is
    assert next_link(['<p1>; rel="next"; anchor="#frag", <p2>; rel="next"; anchor="chapter3"'], BASE) == "p2"
    # several Link fields are one list
    assert next_link(['<p1>; rel="prev"', '<p2>; rel="next"'], BASE) == "p2"
    # malformed: parsing stops there
    assert next_link(['p1; rel="next"'], BASE) is None
    assert next_link(['<p1; rel="next"'], BASE) is None
    assert next_link([], BASE) is None


def test_httpx_link_parsing_misses_what_rfc_8288_allows() -> None:
    # why the pager has its own parser: httpx keys links by their whole rel value
    response = httpx.Response(200, headers={"link": '<p2>; rel="prev next"'})
    assert "next" not in response.links
    assert next_link(response.headers.get_list("link"), BASE) == "p2"


def test_loop_guard_catches_cycles_longer_than_its_window() -> None:
    cycle = 3000  # longer than the RECENT_CURSORS compared exactly
    guard = _LoopGuard()
    steps = 0
    while not guard.seen(f"c{steps % cycle}"):
        steps += 1
        assert steps < 4 * cycle
    assert steps >= cycle
    small = _LoopGuard()
    assert [small.seen(value) for value in ["a", "b", "c", "b"]] == [False, False, False, True]
