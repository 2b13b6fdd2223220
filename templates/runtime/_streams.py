"""Server-sent events: the decoder, and the streams an event-stream operation returns.

`EventDecoder` interprets `text/event-stream` bytes as the WHATWG HTML standard says
("Interpreting an event stream"); it does no I/O, so the sync and async streams share it, and
each stream's loop is only the reading. The generated code declares each event-stream operation
once (an `Events`); `SyncTransport.events` / `AsyncTransport.events` send the request (with the
call's retries, until the status line arrives) and return a `Stream` / `AsyncStream`.
"""

from __future__ import annotations

import json
import operator
import re
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

import httpx

from ._runtime import (
    Endpoint,
    _error_message,
    _problems,
    _ResponseView,
    cached_adapter,
    cached_root_model,
)
from .errors import (
    ResponseTooLargeError,
    ResponseValidationError,
    StreamEventError,
    StreamInterruptedError,
    StreamTimeoutError,
)

if TYPE_CHECKING:  # pydantic loads with the first event parsed, not on import
    import pydantic

__all__ = [
    "ServerSentEvent",
    "EventDecoder",
    "Events",
    "Stream",
    "AsyncStream",
]

ItemT = TypeVar("ItemT")

_BOM = b"\xef\xbb\xbf"


class ServerSentEvent(NamedTuple):
    """One dispatched event. `event` is its type (`message` when the stream names none), `data`
    its `data` lines joined with newlines, `id` the stream's last event id when it was dispatched
    (ids persist from one event to the next), `retry` the reconnection time in milliseconds the
    server set within this event, if it did. Immutable (a named tuple: made at C speed, a
    dataclass would cost more than reading the stream)."""

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None

    def json(self) -> Any:
        """`data` parsed as JSON (`ValueError` if it is not)."""
        return json.loads(self.data)


class EventTooLarge(ValueError):
    """An event grew past `EventDecoder.max_event_bytes` (`size`: its bytes so far)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"an event is over its limit, at {size} bytes so far")
        self.size = size


_new_event = tuple.__new__
_EVENT = operator.itemgetter(0)
_DATA = operator.itemgetter(1)


class EventDecoder:
    """Bytes of an event stream in, dispatched events out; keeps what a chunk leaves unfinished.

    Lines end with CRLF, LF or CR, also when a CR ends one chunk and its LF starts the next; a UTF-8
    byte order mark is skipped at the start of the stream only; text is UTF-8 whatever the server
    declares, invalid bytes decoded as U+FFFD. A chunk may end anywhere, inside a line or inside a
    character. Comments (lines starting with `:`, keep-alives) and unknown fields are ignored.
    """

    def __init__(self, max_event_bytes: int | None = None) -> None:
        # An event (its lines so far) may hold this many bytes at most: beyond, `feed` raises
        # `EventTooLarge`, so that a server that never ends an event cannot use up the memory.
        self.max_event_bytes = max_event_bytes
        self._size = 0  # of the `data` lines of the event under way
        self._buffer = b""  # the unfinished line
        # Chunks that continue the unfinished line without ending it, joined once a line ends:
        # a long line arriving in many reads costs its length, not its length squared.
        self._tail: list[bytes] = []
        self._tail_size = 0
        self._started = False  # past the byte order mark, if any
        self._after_cr = (
            False  # the last chunk ended with CR: an LF starting this one is its pair
        )
        self._data: list[str] = []
        self._event = ""
        self._retry: int | None = None
        self.last_event_id = ""
        self.retry: int | None = None
        """The reconnection time the stream last set, in milliseconds."""
        # What the last `feed` decoded, and whether all its events were plain one-line `data: `
        # events (then each one's data is in `text`): for quick checks on all of them at once.
        self.text = ""
        self.simple = True

    @property
    def pending(self) -> bool:
        """Whether an event has begun (a `data` line, or part of any line) but is not complete."""
        return bool(self._data or self._buffer or self._tail)

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events that `chunk` completes, in order."""
        if not chunk:
            return []
        if self._after_cr:
            self._after_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if self._started and b"\n" not in chunk and b"\r" not in chunk:
            self._tail.append(chunk)
            self._tail_size += len(chunk)
            self._check(0)
            return []
        if self._tail:
            chunk = b"".join(self._tail) + chunk
            self._tail = []
            self._tail_size = 0
        if self._buffer:
            chunk = self._buffer + chunk
        if not self._started:
            if len(chunk) < 3 and _BOM.startswith(chunk):
                self._buffer = chunk
                return []
            self._started = True
            if chunk[:3] == _BOM:
                chunk = chunk[3:]
        if b"\r" in chunk:
            if chunk[-1:] == b"\r":
                self._after_cr = True
            chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        end = chunk.rfind(b"\n")
        if end < 0:
            self._buffer = chunk
            self._check(0)
            return []
        self._buffer = chunk[end + 1 :]
        # LF is never inside a UTF-8 sequence: complete lines decode on their own.
        text = self.text = chunk[: end + 1].decode("utf-8", "replace")
        self.simple = True
        if self._data or self._event or self._retry is not None:
            # An event is under way: its lines, up to the first empty one, the slow way.
            if text[0] == "\n":
                first = 0
            else:
                first = text.find("\n\n") + 1
                if first == 0:
                    events = self._lines(text[:-1].split("\n"))
                    self._check(0)
                    return events
            events = self._lines(text[:first].split("\n"))  # ends with the empty line
            text = text[first + 1 :]
        else:
            events = []
        # Whole events up to the last empty line; the lines after it start the next event.
        last = text.rfind("\n\n")
        if last >= 0:
            whole = text[:last]
            events += self._whole(whole)
            text = text[last + 2 :]
        if text:
            events += self._lines(text[:-1].split("\n"))
        self._check(0)
        return events

    def _check(self, more: int) -> None:
        limit = self.max_event_bytes
        size = self._size + more + len(self._buffer) + self._tail_size
        if limit is not None and size > limit:
            raise EventTooLarge(size)

    def _whole(self, text: str) -> list[ServerSentEvent]:
        """Events from `text`, lines whose events all end in it (the last one's empty line cut)."""
        # Most streams send only `data: ...` events of one line each: when every event here is
        # one (each "\n" is one of the "\n\ndata: " that start them), they are cut out at C speed.
        parts = ("\n\n" + text).split("\n\ndata: ")
        if text.count("\n") == 2 * len(parts) - 4 and not parts[0]:
            del parts[0]
            return list(
                map(
                    _new_event,
                    repeat(ServerSentEvent),
                    zip(
                        repeat("message"),
                        parts,
                        repeat(self.last_event_id),
                        repeat(None),
                    ),
                )
            )
        return self._lines(text.split("\n") + [""])

    def end(self) -> list[ServerSentEvent]:
        """At the end of the body: an event not completed by an empty line is discarded, as the
        standard says, so this returns no event; it resets the decoder for a new stream.
        """
        self._buffer = b""
        self._tail = []
        self._size = self._tail_size = 0
        self._started = self._after_cr = False
        self._data = []
        self._event = ""
        self._retry = None
        return []

    def _lines(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    self.simple = False
                    events.append(
                        _new_event(
                            ServerSentEvent,
                            (
                                self._event or "message",
                                "\n".join(data),
                                self.last_event_id,
                                self._retry,
                            ),
                        )
                    )
                    data = self._data = []
                    self._size = 0
                self._event = ""
                self._retry = None
                continue
            if line[0] == ":":
                continue
            colon = line.find(":")
            if colon < 0:
                name, value = line, ""
            else:
                name = line[:colon]
                value = line[colon + 1 :]
                if value[:1] == " ":
                    value = value[1:]
            if name == "data":
                data.append(value)
                self._size += len(value) + 1
            elif name == "event":
                self._event = value
            elif name == "id":
                if "\0" not in value:
                    self.last_event_id = value
            elif name == "retry":
                if value.isascii() and value.isdigit() and len(value) <= 12:
                    self.retry = self._retry = int(value)
        return events


@dataclass(frozen=True)
class Events(Generic[ItemT]):
    """How one operation's events become items; declared once by the generated code.

    `item` gives the type each event is validated as (`lambda: models.Chunk`), `root` a RootModel
    whose `.root` is the item (unions); with neither, the items are the `ServerSentEvent`s.
    `envelope`: the item describes the whole event (`event`, `data`, `id`, `retry`), not only its
    data. `json_data`: `data` holds JSON text (else it is kept as text). `sentinel`: a `data`
    value that ends the stream (`[DONE]`); when one is declared, a stream that ends without it
    was cut short.
    """

    item: Callable[[], Any] | None = None
    root: Callable[[], type[pydantic.RootModel[ItemT]]] | None = None
    envelope: bool = False
    json_data: bool = True
    sentinel: str | None = None

    def parse(self, event: ServerSentEvent) -> ItemT:
        """The event as an item; `ValueError` (pydantic's) when it does not match."""
        if self.item is None and self.root is None:
            return event  # type: ignore[return-value]
        if self.envelope:
            data: Any = json.loads(event.data) if self.json_data else event.data
            fields = {
                "event": event.event,
                "data": data,
                "id": event.id,
                "retry": event.retry,
            }
            if self.root is not None:
                return self._root_model.model_validate(fields).root
            return self._adapter.validate_python(fields)
        if self.root is not None:
            if self.json_data:
                return self._root_model.model_validate_json(event.data).root
            return self._root_model.model_validate(event.data).root
        if self.json_data:
            return self._adapter.validate_json(event.data)
        return self._adapter.validate_python(event.data)

    def parser(self) -> Callable[[ServerSentEvent], ItemT]:
        """`parse`, made as quick as the declaration allows (most streams: JSON data)."""
        if self.item is not None and self.root is None and not self.envelope:
            validate = (
                self._adapter.validate_json
                if self.json_data
                else self._adapter.validate_python
            )
            return lambda event: validate(event[1])
        return self.parse

    @property
    def _root_model(self) -> type[pydantic.RootModel[ItemT]]:
        return cached_root_model(self, self.root)

    @property
    def _adapter(self) -> pydantic.TypeAdapter[ItemT]:
        return cached_adapter(self, self.item)


def _in_stream_error(event: ServerSentEvent, json_data: bool) -> Any:
    """The error the server sent inside the stream, if this event is one: an event named `error`
    (its data, JSON-decoded when it can be), or JSON data that is an object with a non-null
    `error` member (the object); `_NOT_AN_ERROR` for other events."""
    if event.event == "error":
        try:
            return json.loads(event.data)
        except (ValueError, RecursionError):
            return event.data
    # Cheap test first: most events are not errors, and are parsed once, by the item's validator.
    if json_data and '"error"' in event.data:
        try:
            body = json.loads(event.data)
        except (ValueError, RecursionError):
            return _NOT_AN_ERROR
        if isinstance(body, dict) and body.get("error") is not None:
            return body
    return _NOT_AN_ERROR


_NOT_AN_ERROR: Any = object()
# An end-of-stream marker a spec may not declare: `[DONE]`, `[END]`.
_END_MARKER = re.compile(r"\[[A-Z_]{1,20}\]")


class _StreamState(Generic[ItemT]):
    """What one stream knows, shared by its sync and async loops; does no I/O."""

    def __init__(
        self,
        response: httpx.Response,
        endpoint: Endpoint[Any],
        events: Events[ItemT],
        redact: Callable[[str], str],
        max_event_bytes: int | None = None,
    ) -> None:
        self.response = response
        self.where = f"{endpoint.method} {endpoint.path}"
        self.events = events
        self.redact = redact
        self.decoder = EventDecoder(max_event_bytes)
        self.received = 0
        # The sentinel came (or the end of a stream that declares none).
        self.finished = False
        self.parse: Callable[[ServerSentEvent], ItemT] | None = None
        # The items are the events themselves.
        self.plain = events.item is None and events.root is None

    def take(self, events: list[ServerSentEvent]) -> tuple[list[ServerSentEvent], bool]:
        """The events before the sentinel, if it is among them (the stream then is finished),
        and whether any of them may be an error sent in the stream. Checked at C speed: on the
        data of all the events at once, then event by event only where that finds something.
        """
        decoder = self.decoder
        named = not decoder.simple
        data = "\n".join(map(_DATA, events)) if named else decoder.text
        sentinel = self.events.sentinel
        if sentinel is not None and sentinel in data:
            found = list(map(_DATA, events))
            if sentinel in found:
                self.finished = True
                events = events[: found.index(sentinel)]
        errors = (named and "error" in map(_EVENT, events)) or (
            self.events.json_data and '"error"' in data
        )
        return events, errors

    def check_media_type(self) -> None:
        declared = self.response.headers.get("content-type")
        if declared is None:
            return
        media_type = declared.split(";", 1)[0].strip().lower()
        if media_type != "text/event-stream":
            raise ResponseValidationError(
                f"{self.where}: the {self.response.status_code} response is"
                f" {self.redact(media_type)[:100]!r}, not an event stream (text/event-stream)",
                response=self.response,
            )

    def item(self, event: ServerSentEvent) -> ItemT:
        """The event as an item, or the error it carries raised."""
        if event[0] == "error" or '"error"' in event[1]:
            error = _in_stream_error(event, self.events.json_data)
            if error is not _NOT_AN_ERROR:
                raise self.event_error(event, error)
        if self.parse is None:
            self.parse = self.events.parser()
        try:
            return self.parse(event)
        except (ValueError, LookupError) as exc:
            marker = ""
            if _END_MARKER.fullmatch(event[1]) and self.events.sentinel is None:
                marker = (
                    f" (its data is {event[1]}: if that ends the stream, the API spec should"
                    " declare it, as x-sdk-stream's sentinel or x-speakeasy-sse-sentinel)"
                )
            raise ResponseValidationError(
                f"{self.where}: event {self.received} of the stream does not match the API"
                f" spec: {self.redact(_problems(exc))}{marker}",
                response=self.response,
            ) from None  # pydantic's error quotes the server's values: they may hold anything

    def event_error(self, event: ServerSentEvent, body: Any) -> StreamEventError:
        inner = body.get("error") if isinstance(body, dict) else None
        message = (
            _error_message(body, self.redact)
            or (isinstance(inner, str) and self.redact(inner)[:200])
            or "no message"
        )
        return StreamEventError(
            f"{self.where}: the server sent an error in the stream, after"
            f" {self.received - 1} events: {message}",
            response=self.response,
            body=body,
            event=event,
            events_received=self.received - 1,
        )

    def too_large(self, error: EventTooLarge) -> ResponseTooLargeError:
        limit = self.decoder.max_event_bytes or 0
        return ResponseTooLargeError(
            f"{self.where}: event {self.received + 1} of the stream is over {limit} bytes (at"
            f" least {error.size}); raise max_response_bytes to accept it",
            response=self.response,
            limit=limit,
        )

    def interrupted(self, error: httpx.HTTPError) -> StreamInterruptedError:
        detail = self.redact(str(error) or type(error).__name__)
        request = self.response.request
        if isinstance(error, httpx.TimeoutException):
            return StreamTimeoutError(
                f"{self.where}: reading the event stream timed out after"
                f" {self.received} events: {detail}",
                request=request,
                events_received=self.received,
            )
        return StreamInterruptedError(
            f"{self.where}: the event stream was cut off after {self.received} events:"
            f" {detail}",
            request=request,
            events_received=self.received,
        )

    def ended(self) -> None:
        """At the clean end of the body: an error if events are missing."""
        pending = self.decoder.pending
        self.decoder.end()
        sentinel = self.events.sentinel
        if sentinel is None and not pending:
            self.finished = True
            return
        if sentinel is not None:
            why = f"without its end marker ({sentinel!r})"
        else:
            why = "in the middle of an event"
        raise StreamInterruptedError(
            f"{self.where}: the event stream ended {why} after {self.received} events",
            request=self.response.request,
            events_received=self.received,
        )


def _sync_events(state: _StreamState[Any], raw: bool) -> Iterator[Any]:
    # A function, not a method: it must not keep an abandoned `Stream` alive.
    response = state.response
    feed = state.decoder.feed
    try:
        try:
            for chunk in response.iter_bytes():
                try:
                    events = feed(chunk)
                except EventTooLarge as exc:
                    raise state.too_large(exc) from None
                if not events:
                    continue
                events, errors = state.take(events)
                if raw or (state.plain and not errors):
                    state.received += len(events)
                    yield from events
                else:
                    for event in events:
                        state.received += 1
                        yield state.item(event)
                if state.finished:
                    return
        except httpx.StreamClosed:
            return  # closed by the caller (`close()`): nothing more to read
        except httpx.HTTPError as exc:
            raise state.interrupted(exc) from exc
        state.ended()
    finally:
        response.close()


async def _async_events(state: _StreamState[Any], raw: bool) -> AsyncIterator[Any]:
    response = state.response
    feed = state.decoder.feed
    try:
        try:
            async for chunk in response.aiter_bytes():
                try:
                    events = feed(chunk)
                except EventTooLarge as exc:
                    raise state.too_large(exc) from None
                if not events:
                    continue
                events, _ = state.take(events)
                for event in events:
                    state.received += 1
                    yield event if raw else state.item(event)
                if state.finished:
                    return
        except httpx.StreamClosed:
            return  # closed by the caller (`aclose()`): nothing more to read
        except httpx.HTTPError as exc:
            raise state.interrupted(exc) from exc
        state.ended()
    finally:
        await response.aclose()


_READ_ONCE = "a stream is read once: iterate its items or its iter_events(), not both"


class _StreamBase(_ResponseView, Generic[ItemT]):
    def __init__(
        self,
        response: httpx.Response,
        endpoint: Endpoint[Any],
        events: Events[ItemT],
        redact: Callable[[str], str] = str,
        max_event_bytes: int | None = None,
    ) -> None:
        self.response = response
        self._state: _StreamState[ItemT] = _StreamState(
            response, endpoint, events, redact, max_event_bytes
        )

    @property
    def events_received(self) -> int:
        """How many events have arrived so far (the end marker and comments not counted)."""
        return self._state.received

    @property
    def completed(self) -> bool:
        """Whether the stream reached its end: the end marker, or the end of a stream that
        declares none."""
        return self._state.finished

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self._state.where} status={self.status_code}"
            f" events_received={self.events_received}>"
        )


class Stream(_StreamBase[ItemT]):
    """The items of an event stream, read as they arrive; use it as a context manager (or iterate
    it to the end) so the connection is always released.

    Iterating yields each event as its item type, until the end marker (when the operation
    declares one) or the end of the body. Raises (each a subclass of the SDK's root error):
    `StreamEventError` (also an `APIError`) when the server sends an error inside the stream;
    `StreamInterruptedError` (also an `APIConnectionError`) when the body is cut off, or ends
    without the end marker or mid-event; `StreamTimeoutError` (also an `APITimeoutError`) when a
    read times out; `ResponseValidationError` when an event does not match its type. Each carries
    `events_received`. The connection is closed at the end, on an error, on leaving the `with`
    block, on `close()`, and when the stream is abandoned (garbage collected). Nothing is retried
    once the stream has started.
    """

    def __init__(
        self,
        response: httpx.Response,
        endpoint: Endpoint[Any],
        events: Events[ItemT],
        redact: Callable[[str], str] = str,
        max_event_bytes: int | None = None,
    ) -> None:
        super().__init__(response, endpoint, events, redact, max_event_bytes)
        self._iterator: Iterator[Any] | None = None
        self._raw = False
        # Closes the connection of a stream dropped before it was iterated.
        self._finalizer = weakref.finalize(self, response.close)

    def _events(self, raw: bool) -> Iterator[Any]:
        if self._iterator is None:
            self._raw = raw
            self._iterator = _sync_events(self._state, raw)
            # From now on the generator owns the connection, and closes it when it is dropped,
            # whether or not it ever ran (a `for` loop may outlive this object).
            self._finalizer.detach()
            weakref.finalize(self._iterator, self.response.close)
        elif raw != self._raw:
            raise RuntimeError(_READ_ONCE)
        return self._iterator

    def __iter__(self) -> Iterator[ItemT]:
        return self._events(raw=False)

    def __next__(self) -> ItemT:
        item: ItemT = next(self._events(raw=False))
        return item

    def iter_events(self) -> Iterator[ServerSentEvent]:
        """The raw events, as the decoder dispatches them: not validated, not checked for errors
        sent in the stream; the end marker still ends them, and interruptions still raise.
        """
        return self._events(raw=True)

    def close(self) -> None:
        """Closes the connection; iterating afterwards yields nothing."""
        if self._iterator is not None:
            self._iterator.close()  # type: ignore[attr-defined]
        self.response.close()

    def __enter__(self) -> Stream[ItemT]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @classmethod
    def _open(
        cls,
        response: httpx.Response,
        endpoint: Endpoint[Any],
        events: Events[ItemT],
        redact: Callable[[str], str],
        max_event_bytes: int | None = None,
    ) -> Stream[ItemT]:
        stream = cls(response, endpoint, events, redact, max_event_bytes)
        try:
            stream._state.check_media_type()
        except BaseException:
            response.close()
            raise
        return stream


class AsyncStream(_StreamBase[ItemT]):
    """The asynchronous form of `Stream`: `async with` it and `async for` its items.

    Closing: at the end, on an error, on leaving `async with`, on `aclose()`. A stream abandoned
    in the middle of `async for` is closed by the event loop (asyncio finalizes the abandoned
    async generator as a task); one never iterated and never closed keeps its connection until
    the pool is closed, so use `async with`.
    """

    def __init__(
        self,
        response: httpx.Response,
        endpoint: Endpoint[Any],
        events: Events[ItemT],
        redact: Callable[[str], str] = str,
        max_event_bytes: int | None = None,
    ) -> None:
        super().__init__(response, endpoint, events, redact, max_event_bytes)
        self._iterator: AsyncIterator[Any] | None = None
        self._raw = False

    def _events(self, raw: bool) -> AsyncIterator[Any]:
        if self._iterator is None:
            self._raw = raw
            self._iterator = _async_events(self._state, raw)
        elif raw != self._raw:
            raise RuntimeError(_READ_ONCE)
        return self._iterator

    def __aiter__(self) -> AsyncIterator[ItemT]:
        return self._events(raw=False)

    async def __anext__(self) -> ItemT:
        item: ItemT = await self._events(raw=False).__anext__()
        return item

    def iter_events(self) -> AsyncIterator[ServerSentEvent]:
        """The raw events (see `Stream.iter_events`), for `async for`."""
        return self._events(raw=True)

    async def aclose(self) -> None:
        """Closes the connection; iterating afterwards yields nothing."""
        if self._iterator is not None:
            await self._iterator.aclose()  # type: ignore[attr-defined]
        await self.response.aclose()

    close = aclose

    async def __aenter__(self) -> AsyncStream[ItemT]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    @classmethod
    async def _open(
        cls,
        response: httpx.Response,
        endpoint: Endpoint[Any],
        events: Events[ItemT],
        redact: Callable[[str], str],
        max_event_bytes: int | None = None,
    ) -> AsyncStream[ItemT]:
        stream = cls(response, endpoint, events, redact, max_event_bytes)
        try:
            stream._state.check_media_type()
        except BaseException:
            await response.aclose()
            raise
        return stream
