"""Event streams: the decoder against the web-platform-tests' format cases, and `Stream` /
`AsyncStream` over real HTTP against a scripted server (tests/sse_server.py) that splits events at
every byte, cuts streams, stalls, fails before the stream and watches for the client leaving."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pydantic
import pytest
from sse_server import Reply, SSEServer, one_byte_writes

import modelgates
from modelgates import errors
from modelgates._runtime import Call, Endpoint, RequestOptions
from modelgates._streams import EventDecoder, Events, ServerSentEvent

KEY = "sk-stream-secret-key"


class Chunk(pydantic.BaseModel):
    index: int
    text: str


class Envelope(pydantic.BaseModel):
    event: str
    data: Chunk
    id: str
    retry: int | None


class Either(pydantic.RootModel[Chunk | str]):
    pass


GET = Endpoint("GET", "/stream", None)
POST = Endpoint("POST", "/stream", None)
CHUNKS: Events[Chunk] = Events(lambda: Chunk, sentinel="[DONE]")


def ev(data: str, event: str = "message", id: str = "", retry: int | None = None) -> ServerSentEvent:
    return ServerSentEvent(event, data, id, retry)


# (test it comes from, bytes, expected events): the eventsource/format-* tests of the
# web-platform-tests, their server's bytes rebuilt (resources/message.py writes `message`, then
# the `newline` (default "\n\n", "none": nothing), then "\n") and their assertions as events.
WPT_CASES: list[tuple[str, bytes, list[ServerSentEvent]]] = [
    # format-bom: a BOM at the start is skipped; a second one, later, makes a field name no one knows
    ("format-bom", b"\xef\xbb\xbfdata:1\n\n\xef\xbb\xbfdata:2\n\ndata:3\n\n\n", [ev("1"), ev("3")]),
    # format-bom-2: two BOMs at the start: only the first is skipped
    ("format-bom-2", b"\xef\xbb\xbf\xef\xbb\xbfdata:1\n\ndata:2\n\ndata:3\n\n\n", [ev("2"), ev("3")]),
    # format-comments: comments (with NUL, CR, a 2 KiB one) between data lines, any line end
    (
        "format-comments",
        b"data:1\r:\0\n:\r\ndata:2\n:" + b"x" * 2048 + b"\rdata:3\n:data:fail\r:" + b"x" * 2048 + b"\ndata:4\n\n",
        [ev("1\n2\n3\n4")],
    ),
    # format-data-before-final-empty-line: the event the body ends in is not dispatched
    (
        "format-data-before-final-empty-line",
        b"retry:1000\ndata:test1\n\nid:test\ndata:test2\n",
        [ev("test1", retry=1000)],
    ),
    # format-field-data: `data:` is an empty line of data; `data` without colon too
    ("format-field-data", b"data:\n\ndata\ndata\n\ndata:test\n\n\n", [ev(""), ev("\n"), ev("test")]),
    # format-field-event: a named event, then a message
    ("format-field-event", b"event:test\ndata:x\n\ndata:x\n\n\n", [ev("x", event="test"), ev("x")]),
    # format-field-event-empty: `event: ` (empty) is a message
    ("format-field-event-empty", b"event: \ndata:data\n\n\n", [ev("data")]),
    # format-field-id (resources/last-event-id: `id: ...`, `retry: 200`, `data: hello`)
    ("format-field-id", "id: …\nretry: 200\ndata: hello\n\n".encode(), [ev("hello", id="…", retry=200)]),
    # format-field-id-3, "persists": an id lasts for the events after it
    ("format-field-id-3 persists", b"id: 1\ndata: 1\n\ndata:2\n\n", [ev("1", id="1"), ev("2", id="1")]),
    # format-field-id-3, "changes and persists"
    (
        "format-field-id-3 changes",
        b"id: 1\ndata: 1\n\nid: 2\ndata:2\n\ndata:3\n\n",
        [ev("1", id="1"), ev("2", id="2"), ev("3", id="2")],
    ),
    # format-field-id-3, "resets": an empty id sets it back to ""
    (
        "format-field-id-3 resets",
        b"id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n",
        [ev("1", id="1"), ev("2"), ev("3")],
    ),
    # format-field-id-null: an id with U+0000 anywhere is ignored
    *[
        ("format-field-id-null", b"id: " + value + b"\nretry: 200\ndata: hello\n\n", [ev("hello", retry=200)])
        for value in (b"\0\0", b"x\0", b"\0x", b"x\0x", b" \0")
    ],
    # format-field-parsing: field names are case-sensitive and whole; one leading space goes
    (
        "format-field-parsing",
        b"data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n\n",
        [ev("\0\n 2\n1\n3\n\n4")],
    ),
    # format-field-retry: decimal, leading zeros and all
    ("format-field-retry", b"retry:02000\ndata:x\n\n\n", [ev("x", retry=2000)]),
    # format-field-retry-bogus: a value that is not all digits is ignored
    ("format-field-retry-bogus", b"retry:2000\nretry:1000x\ndata:x\n\n\n", [ev("x", retry=2000)]),
    # format-field-retry-empty: `retry` without a value is ignored
    ("format-field-retry-empty", b"retry\ndata:test\n\n\n", [ev("test")]),
    # format-field-unknown: unknown fields, a line without colon, a comment
    (
        "format-field-unknown",
        b"data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n\n",
        [ev("test\n\ntest")],
    ),
    # format-leading-space: only a space is stripped, not a tab; CR ends a line
    ("format-leading-space", b"data:\ttest\rdata: \ndata:test\n\n\n", [ev("\ttest\n\ntest")]),
    # format-newlines: CRLF, LF and CR mixed
    ("format-newlines", b"data:test\r\ndata\ndata:test\r\n\r\n", [ev("test\n\ntest")]),
    # format-null-character: NUL in data is kept
    ("format-null-character", b"data:\0\n\n\n\n", [ev("\0")]),
    # format-utf-8: always UTF-8, whatever the Content-Type's charset says
    ("format-utf-8", b"data:ok\xe2\x80\xa6\n\n\n", [ev("ok…")]),
    # event-data (resources/message2.py, the repeating part): events without data are not dispatched
    (
        "event-data",
        b"data:msg\ndata: msg\n\n:\nfalsefield:msg\n\nfalsefield:msg\nData:data\n\ndata\n\ndata:end\n\n",
        [ev("msg\nmsg"), ev(""), ev("end")],
    ),
]


def decode(chunks: list[bytes]) -> list[ServerSentEvent]:
    decoder = EventDecoder()
    events = [event for chunk in chunks for event in decoder.feed(chunk)]
    return events + decoder.end()


@pytest.mark.parametrize("data, expected", [case[1:] for case in WPT_CASES], ids=[case[0] for case in WPT_CASES])
def test_the_decoder_gives_the_web_platform_tests_events_whole_and_split_anywhere(
    data: bytes, expected: list[ServerSentEvent]
) -> None:
    assert decode([data]) == expected
    assert decode([data[index : index + 1] for index in range(len(data))]) == expected
    for split in range(len(data) + 1):
        assert decode([data[:split], data[split:]]) == expected, split


def test_the_decoder_splits_inside_characters_and_line_ends_and_replaces_invalid_utf8() -> None:
    data = "\ufeffdata: é€😀\r\n\r\ndata: a\r\r\ndata: \u2028b\n\n".encode() + b"data: \xff\xc3(\n\n"
    expected = [ev("é€😀"), ev("a"), ev("\u2028b"), ev("\ufffd\ufffd(")]
    for first in range(len(data) + 1):
        for second in range(first, min(first + 6, len(data) + 1)):
            assert decode([data[:first], data[first:second], data[second:]]) == expected, (first, second)
    # A CR ending one chunk and an LF starting the next are one line end, not an empty line.
    assert decode([b"data: 1\r", b"\ndata: 2\r", b"\n\r", b"\n"]) == [ev("1\n2")]
    assert decode([b"data: 1\r", b"", b"\ndata: 2\n\n"]) == [ev("1\n2")]


def test_the_decoder_discards_an_unfinished_event_and_says_so() -> None:
    decoder = EventDecoder()
    assert decoder.feed(b"data: 1\n\ndata: 2\n") == [ev("1")]
    assert decoder.pending
    assert decoder.end() == []
    assert not decoder.pending
    assert EventDecoder().feed(b"\xef\xbb") == [] and decode([b"\xef\xbb", b"\xbfdata:1\n\n"]) == [ev("1")]


# --- over HTTP ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sse() -> Iterator[SSEServer]:
    with SSEServer() as server:
        yield server


@pytest.fixture
def sdk(sse: SSEServer) -> Iterator[modelgates.ModelGates]:
    sse.reset()
    with modelgates.ModelGates(api_key=KEY, server_url=sse.url, max_retries=2, timeout=5) as client:
        client._transport.retry = type(client._transport.retry)(max_retries=2, initial_delay=0.01, max_delay=0.05)
        yield client


@pytest.fixture
async def asdk(sse: SSEServer) -> AsyncIterator[modelgates.AsyncModelGates]:
    sse.reset()
    async with modelgates.AsyncModelGates(api_key=KEY, server_url=sse.url, max_retries=2, timeout=5) as client:
        client._transport.retry = type(client._transport.retry)(max_retries=2, initial_delay=0.01, max_delay=0.05)
        yield client


def open_stream(
    client: modelgates.ModelGates,
    events: Events[Any] = CHUNKS,
    endpoint: Endpoint[Any] = GET,
    options: RequestOptions | None = None,
) -> Any:
    return client._transport.events(endpoint, events, Call(), options or RequestOptions())


async def aopen_stream(
    client: modelgates.AsyncModelGates, events: Events[Any] = CHUNKS, endpoint: Endpoint[Any] = GET
) -> Any:
    return await client._transport.events(endpoint, events, Call(), RequestOptions())


def chunk_event(index: int, text: str = "hi") -> bytes:
    return b'data: {"index": %d, "text": "%s"}\n\n' % (index, text.encode())


MIXED = (
    b"\xef\xbb\xbf: a keep-alive comment\r\n\r\n"
    + b'data: {"index": 0,\r\ndata: "text": "line\\nbreak \xc3\xa9"}\r\n\r\n'
    + b":\n\n"
    + b'event: message\rid: 7\rdata: {"index": 1, "text": "cr"}\r\r'
    + b'data: {"index": 2,\ndata:"text": "\xe2\x82\xac"}\n\n'
    + b"data: [DONE]\n\n"
)
MIXED_ITEMS = [Chunk(index=0, text="line\nbreak é"), Chunk(index=1, text="cr"), Chunk(index=2, text="€")]


def test_a_stream_written_one_byte_at_a_time_gives_its_items(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(body=one_byte_writes(MIXED)))
    with open_stream(sdk) as stream:
        assert stream.status_code == 200 and stream.headers["content-type"] == "text/event-stream"
        assert list(stream) == MIXED_ITEMS
        assert stream.events_received == 3 and stream.completed
    seen = sse.seen("/stream")
    assert len(seen) == 1 and seen[0].headers["accept"] == "text/event-stream"


async def test_an_async_stream_written_one_byte_at_a_time_gives_its_items(
    asdk: modelgates.AsyncModelGates, sse: SSEServer
) -> None:
    sse.script("/stream", Reply(body=one_byte_writes(MIXED)))
    async with await aopen_stream(asdk) as stream:
        assert [item async for item in stream] == MIXED_ITEMS
        assert stream.events_received == 3
    seen = sse.seen("/stream")
    assert len(seen) == 1 and seen[0].headers["accept"] == "text/event-stream"


def test_a_stream_split_in_two_writes_at_every_byte_gives_the_same_items(
    sdk: modelgates.ModelGates, sse: SSEServer
) -> None:
    for split in range(1, len(MIXED)):
        sse.script("/stream", Reply(body=[MIXED[:split], 0.002, MIXED[split:]]))
        with open_stream(sdk) as stream:
            assert list(stream) == MIXED_ITEMS, split
    assert len(sse.seen("/stream")) == len(MIXED) - 1


async def test_an_async_stream_split_in_two_writes_at_every_byte_gives_the_same_items(
    asdk: modelgates.AsyncModelGates, sse: SSEServer
) -> None:
    for split in range(1, len(MIXED)):
        sse.script("/stream", Reply(body=[MIXED[:split], 0.002, MIXED[split:]]))
        async with await aopen_stream(asdk) as stream:
            assert [item async for item in stream] == MIXED_ITEMS, split
    assert len(sse.seen("/stream")) == len(MIXED) - 1


def test_the_end_marker_ends_the_stream_and_closes_the_connection(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0), b"data: [DONE]\n\n"], end="hold"))
    stream = open_stream(sdk)
    assert list(stream) == [Chunk(index=0, text="hi")]
    assert sse.wait_disconnected("/stream")


def test_the_raw_events_and_the_other_item_shapes(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    body = b'event: delta\nid: 4\nretry: 10\ndata: {"index": 1, "text": "a"}\n\ndata: [DONE]\n\n'
    sse.script("/stream", Reply(body=[body]))
    with open_stream(sdk, Events(sentinel="[DONE]")) as stream:
        assert list(stream) == [ev('{"index": 1, "text": "a"}', "delta", "4", 10)]
    with open_stream(sdk) as stream:
        assert [event.json() for event in stream.iter_events()] == [{"index": 1, "text": "a"}]
    with open_stream(sdk, Events(lambda: Envelope, envelope=True, sentinel="[DONE]")) as stream:
        assert list(stream) == [Envelope(event="delta", data=Chunk(index=1, text="a"), id="4", retry=10)]
    with open_stream(sdk, Events(root=lambda: Either, sentinel="[DONE]")) as stream:
        assert list(stream) == [Chunk(index=1, text="a")]
    with open_stream(sdk, Events(lambda: str, json_data=False, sentinel="[DONE]")) as stream:
        assert list(stream) == ['{"index": 1, "text": "a"}']
    assert len(sse.seen("/stream")) == 5


def test_an_event_that_does_not_match_its_type_raises_without_the_servers_values(
    sdk: modelgates.ModelGates, sse: SSEServer
) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0), b'data: {"index": "secret-value", "text": 1}\n\n'], end="hold"))
    stream = open_stream(sdk)
    with pytest.raises(errors.ResponseValidationError) as caught:
        list(stream)
    message = str(caught.value)
    assert "event 2 of the stream" in message and "index" in message and "secret-value" not in message
    assert isinstance(caught.value, modelgates.ModelGatesError)
    assert sse.wait_disconnected("/stream")  # an error closes the connection


def test_an_error_event_in_the_stream_raises_a_typed_error(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    error = b'event: error\ndata: {"error": {"message": "overloaded, key ' + KEY.encode() + b'"}}\n\n'
    sse.script("/stream", Reply(body=[chunk_event(0), chunk_event(1), error, chunk_event(2)], end="hold"))
    stream = open_stream(sdk)
    items = []
    with pytest.raises(errors.StreamEventError) as caught:
        for item in stream:
            items.append(item)
    assert len(items) == 2
    raised = caught.value
    assert isinstance(raised, errors.APIError) and isinstance(raised, errors.StreamError)
    assert isinstance(raised, modelgates.ModelGatesError)
    assert raised.events_received == 2 and raised.event.event == "error" and raised.status_code == 200
    assert "overloaded, key ***" in str(raised) and KEY not in str(raised)
    assert sse.wait_disconnected("/stream")


async def test_an_error_object_in_the_data_raises_a_typed_error(
    asdk: modelgates.AsyncModelGates, sse: SSEServer
) -> None:
    error = b'data: {"error": {"type": "server_error"}, "message": "model crashed"}\n\n'
    sse.script("/stream", Reply(body=[chunk_event(0), error], end="hold"))
    stream = await aopen_stream(asdk)
    with pytest.raises(errors.StreamEventError) as caught:
        async for _ in stream:
            pass
    assert caught.value.events_received == 1 and caught.value.body["error"] == {"type": "server_error"}
    assert "model crashed" in str(caught.value)
    # A non-null `error` only: `"error": null` is an ordinary item's field.
    sse.script("/stream", Reply(body=[b'data: {"index": 0, "text": "a", "error": null}\n\n', b"data: [DONE]\n\n"]))
    async with await aopen_stream(asdk) as stream:
        assert [item async for item in stream] == [Chunk(index=0, text="a")]


@pytest.mark.parametrize("cut_after", [b"", b'data: {"index": 2,'])
def test_a_stream_cut_mid_way_says_how_many_events_arrived(
    sdk: modelgates.ModelGates, sse: SSEServer, cut_after: bytes
) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0), chunk_event(1), cut_after], end="cut"))
    with open_stream(sdk) as stream:
        items = []
        with pytest.raises(errors.StreamInterruptedError) as caught:
            for item in stream:
                items.append(item)
    assert len(items) == 2 and caught.value.events_received == 2 and "after 2 events" in str(caught.value)
    assert isinstance(caught.value, errors.APIConnectionError) and not isinstance(caught.value, errors.APITimeoutError)
    assert isinstance(caught.value.__cause__, httpx.HTTPError)
    assert len(sse.seen("/stream")) == 1  # not retried


async def test_an_async_stream_cut_mid_event_raises(asdk: modelgates.AsyncModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0), b"data: {"], end="cut"))
    async with await aopen_stream(asdk) as stream:
        with pytest.raises(errors.StreamInterruptedError) as caught:
            async for _ in stream:
                pass
    assert caught.value.events_received == 1
    assert len(sse.seen("/stream")) == 1


def test_a_stream_that_ends_without_its_end_marker_is_an_error(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0), chunk_event(1)]))
    with open_stream(sdk) as stream, pytest.raises(errors.StreamInterruptedError) as caught:
        list(stream)
    assert caught.value.events_received == 2 and "without its end marker ('[DONE]')" in str(caught.value)
    # Without a declared end marker, the end of the body ends the stream, unless mid-event.
    with open_stream(sdk, Events(lambda: Chunk)) as stream:
        assert len(list(stream)) == 2 and stream.completed
    sse.script("/stream", Reply(body=[chunk_event(0), b'data: {"index": 1, "text": "x"}\n']))
    with open_stream(sdk, Events(lambda: Chunk)) as stream, pytest.raises(errors.StreamInterruptedError) as caught:
        list(stream)
    assert caught.value.events_received == 1 and "in the middle of an event" in str(caught.value)


def test_a_stream_slower_than_the_read_timeout_raises_a_timeout_with_the_count(
    sdk: modelgates.ModelGates, sse: SSEServer
) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0), 1.0, chunk_event(1)], end="hold"))
    stream = open_stream(sdk, options=RequestOptions(timeout=0.3))
    with pytest.raises(errors.StreamTimeoutError) as caught:
        list(stream)
    raised = caught.value
    assert isinstance(raised, errors.APITimeoutError) and isinstance(raised, errors.StreamInterruptedError)
    assert raised.events_received == 1 and "timed out after 1 events" in str(raised)
    assert len(sse.seen("/stream")) == 1


async def test_an_async_stream_slower_than_the_read_timeout_raises_a_timeout(
    asdk: modelgates.AsyncModelGates, sse: SSEServer
) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0), 1.0, chunk_event(1)], end="hold"))
    stream = await asdk._transport.events(GET, CHUNKS, Call(), RequestOptions(timeout=0.3))
    with pytest.raises(errors.StreamTimeoutError) as caught:
        async for _ in stream:
            pass
    assert caught.value.events_received == 1


@pytest.mark.parametrize("status, endpoint", [(429, POST), (503, GET)])
def test_a_retryable_status_before_the_stream_is_retried(
    sdk: modelgates.ModelGates, sse: SSEServer, status: int, endpoint: Endpoint[Any]
) -> None:
    body = [chunk_event(0), b"data: [DONE]\n\n"]
    sse.script("/stream", Reply(status, [b'{"message": "busy"}'], content_type="application/json"), Reply(body=body))
    with open_stream(sdk, endpoint=endpoint) as stream:
        assert list(stream) == [Chunk(index=0, text="hi")]
    assert len(sse.seen("/stream")) == 2


async def test_an_async_retryable_status_before_the_stream_is_retried(
    asdk: modelgates.AsyncModelGates, sse: SSEServer
) -> None:
    sse.script("/stream", Reply(503, [b"busy"], content_type="text/plain"), Reply(body=[b"data: [DONE]\n\n"]))
    async with await aopen_stream(asdk) as stream:
        assert [item async for item in stream] == []
    assert len(sse.seen("/stream")) == 2


def test_an_error_status_raises_from_the_call(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(401, [b'{"message": "bad key"}'], content_type="application/json"))
    with pytest.raises(errors.UnauthorizedResponseError) as caught:
        open_stream(sdk)
    assert "bad key" in str(caught.value)
    assert len(sse.seen("/stream")) == 1


async def test_an_async_error_status_raises_from_the_call(asdk: modelgates.AsyncModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(401, [b'{"message": "bad key"}'], content_type="application/json"))
    with pytest.raises(errors.UnauthorizedResponseError):
        await aopen_stream(asdk)
    assert len(sse.seen("/stream")) == 1


def test_a_response_that_is_not_an_event_stream_is_refused(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(body=[b'{"index": 0, "text": "a"}'], content_type="application/json", end="hold"))
    with pytest.raises(errors.ResponseValidationError, match="not an event stream"):
        open_stream(sdk)
    assert sse.wait_disconnected("/stream")


def test_the_callers_accept_header_is_kept(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(body=[b"data: [DONE]\n\n"]))
    with open_stream(sdk, options=RequestOptions(extra_headers={"accept": "text/event-stream; q=1"})) as stream:
        assert list(stream) == []
    assert sse.seen("/stream")[0].headers["accept"] == "text/event-stream; q=1"


def test_leaving_the_with_block_closes_the_connection(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0)], end="hold"))
    with open_stream(sdk) as stream:
        assert next(iter(stream)) == Chunk(index=0, text="hi")
    assert sse.wait_disconnected("/stream")


@pytest.mark.parametrize("read_first", [True, False])
def test_an_abandoned_stream_closes_its_connection(
    sdk: modelgates.ModelGates, sse: SSEServer, read_first: bool
) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0)], end="hold"))
    stream = open_stream(sdk)
    if read_first:
        assert next(iter(stream)) == Chunk(index=0, text="hi")
    del stream
    assert sse.wait_disconnected("/stream")


def test_a_loop_over_a_temporary_stream_that_breaks_closes_the_connection(
    sdk: modelgates.ModelGates, sse: SSEServer
) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0), chunk_event(1)], end="hold"))
    items = []
    for item in open_stream(sdk):  # the stream object itself is dropped at once; the loop goes on
        items.append(item)
        if len(items) == 2:
            break
    assert items == [Chunk(index=0, text="hi"), Chunk(index=1, text="hi")]
    gc.collect()
    assert sse.wait_disconnected("/stream")


async def test_an_abandoned_async_stream_is_closed_by_the_event_loop(
    asdk: modelgates.AsyncModelGates, sse: SSEServer
) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0)], end="hold"))
    stream = await aopen_stream(asdk)
    async for _ in stream:
        break
    del stream, _
    gc.collect()
    for _ in range(200):
        await asyncio.sleep(0.01)  # the loop runs the abandoned generator's finalizer
        if sse.disconnected:
            break
    assert sse.wait_disconnected("/stream", timeout=1)


async def test_leaving_async_with_closes_the_connection(asdk: modelgates.AsyncModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0)], end="hold"))
    async with await aopen_stream(asdk) as stream:
        async for item in stream:
            assert item == Chunk(index=0, text="hi")
            break
    assert sse.wait_disconnected("/stream")


@pytest.mark.parametrize(
    "endless",
    [b"data: " + b"x" * 4096, b"data: x\n" * 1024, b": a comment that never ends " * 200],
    ids=["one-line", "data-lines-without-end", "unfinished-comment"],
)
def test_the_decoder_refuses_an_event_past_its_limit(endless: bytes) -> None:
    """A server that never ends an event (one endless line, or data lines with no empty line
    after them) cannot grow the decoder's memory past its limit."""
    decoder = EventDecoder(max_event_bytes=1024)
    assert decoder.feed(b"data: first\n\n") == [ev("first")]
    with pytest.raises(ValueError, match="over its limit") as caught:
        for start in range(0, len(endless), 100):
            decoder.feed(endless[start : start + 100])
    assert 1024 < caught.value.size <= 1024 + 100  # type: ignore[attr-defined]


def test_an_event_past_max_response_bytes_raises_response_too_large(sse: SSEServer) -> None:
    """Over HTTP, the client's `max_response_bytes` bounds one event (not the whole stream)."""
    sse.reset()
    many = [chunk_event(n, "x" * 500) for n in range(20)]  # 10 KiB in all: more than the limit
    huge = [b"data: " + b"y" * 1000 for _ in range(64)]  # one event of 64 KB, never ended
    sse.script("/stream", Reply(body=[*many, *huge], end="hold"))
    with modelgates.ModelGates(api_key=KEY, server_url=sse.url, max_response_bytes=4096, timeout=5) as client:
        with open_stream(client) as stream, pytest.raises(errors.ResponseTooLargeError) as caught:
            items = []
            for item in stream:
                items.append(item)
    assert len(items) == 20 and caught.value.limit == 4096
    assert "event 21 of the stream is over 4096 bytes" in str(caught.value)
    assert len(sse.seen("/stream")) == 1


def test_an_undeclared_end_marker_is_named_in_the_error(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    """A spec that does not declare its stream's `[DONE]`: the error says what the data was and
    what to declare, instead of only a JSON parser's complaint."""
    sse.script("/stream", Reply(body=[chunk_event(0), b"data: [DONE]\n\n"]))
    undeclared: Events[Chunk] = Events(lambda: Chunk)
    with open_stream(sdk, undeclared) as stream, pytest.raises(errors.ResponseValidationError) as caught:
        list(stream)
    assert "event 2 of the stream does not match the API spec" in str(caught.value)
    assert "its data is [DONE]: if that ends the stream, the API spec should declare it" in str(caught.value)


def test_a_line_arriving_in_many_reads_costs_its_length_not_its_square() -> None:
    """An unfinished line grows without being copied and searched again at every read: 16 MB in
    4 KiB reads is decoded in linear time (measured: the quadratic form took seconds)."""
    decoder = EventDecoder()
    line = b"data: " + b"x" * (16 << 20)
    for start in range(0, len(line), 4096):
        assert decoder.feed(line[start : start + 4096]) == []
    (event,) = decoder.feed(b"\n\n")
    assert len(event.data) == 16 << 20


def test_a_retry_field_too_long_for_a_number_is_ignored() -> None:
    decoder = EventDecoder()
    assert decoder.feed(b"retry: " + b"9" * 5000 + b"\ndata: x\n\n") == [ev("x")]
    assert decoder.retry is None


def test_iterating_a_closed_stream_yields_nothing(sdk: modelgates.ModelGates, sse: SSEServer) -> None:
    sse.script("/stream", Reply(body=[chunk_event(0), b"data: [DONE]\n\n"]))
    stream = open_stream(sdk)
    stream.close()
    assert list(stream) == []
