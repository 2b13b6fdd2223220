"""The hand-written runtime every generated operation calls: transport, auth, retries, errors, streams.

Generated modules only declare operations (an `Endpoint` each); everything that decides how a
request is sent, retried, authenticated, parsed or turned into an exception lives here, once.
"""

from __future__ import annotations

import base64
import contextlib
import contextvars
import dataclasses
import functools
import importlib
import ipaddress
import logging
import math
import os
import random
import re
import threading
import time
import urllib.parse
import uuid
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, TypeVar
from unicodedata import category as unicodedata_category

import httpx

from ._encoding import (
    DEFAULT_STYLES,
    NOT_GIVEN,
    Body,
    NotGiven,
    Style,
    cookie_header,
    given,
    header_values,
    path_segment,
    query_pairs,
)
from .errors import (
    STATUS_ERRORS,
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    InsecureTransportWarning,
    MissingCredentialsError,
    RequestValidationError,
    ResponseTooLargeError,
    ResponseValidationError,
)

__all__ = [
    "NOT_GIVEN",
    "NotGiven",
    "Endpoint",
    "RequestOptions",
    "SyncTransport",
    "AsyncTransport",
    "BinaryResponse",
    "AsyncBinaryResponse",
    "APIResponse",
    "LazyModule",
]

if TYPE_CHECKING:  # pydantic loads with the first request, not on import
    import pydantic

    from ._pages import AsyncPager, Pagination, SyncPager
    from ._streams import AsyncStream, Events, Stream

ModelT = TypeVar("ModelT", bound="pydantic.BaseModel")
ResultT = TypeVar("ResultT")
ItemT = TypeVar("ItemT")
P = ParamSpec("P")


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# An error body is read up to this many bytes (the rest is dropped: the status says what happened).
MAX_ERROR_BODY_BYTES = 1 << 20
# A `{name}` of a path template: whatever the name holds (`user.name`, `a[0]`, `x:y`), bar braces.
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
# Path segments a URL parser drops or resolves away (WHATWG parsers decode `%2e` first)
_NOT_A_SEGMENT = frozenset({"", ".", "..", "%2e", "%2e%2e", ".%2e", "%2e."})


@dataclass(frozen=True)
class Auth:
    """How the credentials travel: `bearer` or `basic` (Authorization header), or as the named
    `header`, `query` parameter or `cookie`."""

    kind: Literal["bearer", "basic", "header", "query", "cookie", "none"]
    name: str = ""


class LazyModule:
    """A module imported on its first attribute access, not before: the generated operations name
    their models through one, so that importing them, or calling one that parses nothing (a
    download), never loads the models and pydantic."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


@dataclass(frozen=True)
class Endpoint(Generic[ResultT]):
    """Everything about one operation that does not change between calls; built once at import.

    The result's type is given as a function that returns it (`lambda: models.Job`), called on the
    first response parsed: naming a model imports the models, and pydantic with them.
    """

    method: str
    path: str
    result: Callable[[], type[ResultT]] | None
    # A RootModel whose `root` is the result (a list, a union): validated by it, returned unwrapped.
    root: Callable[[], type[pydantic.RootModel[ResultT]]] | None = None
    auth: Auth | None = (
        None  # how this operation sends the credential, if not the API's way
    )
    stream: bool = False
    text: bool = False
    secured: bool = True
    deprecated: bool = False
    deprecated_params: frozenset[str] = frozenset()
    # The spec's own text for the DeprecationWarning, of the operation and by parameter wire name
    deprecation_message: str | None = None
    deprecation_messages: Mapping[str, str] = field(default_factory=dict)
    # (location, wire name) -> (style, explode), for parameters not sent their location's default way
    styles: Mapping[tuple[str, str], Style] = field(default_factory=dict)
    # Query parameters sent with every call, before the caller's (which replace those of their name)
    fixed_query: tuple[tuple[str, str], ...] = ()
    # The header that carries an idempotency key, one per call and the same on each of its retries,
    # which makes a non-idempotent request safe to repeat
    idempotency_header: str | None = None
    # (location, wire name) of the client-level parameters this operation takes (`x-sdk-globals`):
    # the client's value is sent where the call gives none
    globals: tuple[tuple[str, str], ...] = ()
    # This operation's own retry settings (`x-sdk-retries`), over the client's
    retries: Retries | None = None

    @property
    def idempotent(self) -> bool:
        return self.method in IDEMPOTENT_METHODS

    def url_path(self, path_params: Mapping[str, Any]) -> str:
        """The path with each `{name}` replaced by its parameter, percent-encoded by its style.

        A segment the parameters leave empty, `.` or `..` is refused: the request would go to
        another URL (the segment dropped, or the one before it removed as RFC 3986 resolves it).
        """
        if not path_params:
            return self.path

        def fill(found: re.Match[str]) -> str:
            name = found[1]
            style = self.styles.get(("path", name), DEFAULT_STYLES["path"])
            return path_segment(name, path_params[name], style)

        segments = self.path.split("/")
        for index, segment in enumerate(segments):
            if "{" in segment:
                segments[index] = _PLACEHOLDER.sub(fill, segment)
                if segments[index].lower() in _NOT_A_SEGMENT:
                    raise RequestValidationError(
                        f"{self.method} {self.path}: {segment} cannot be {segments[index]!r},"
                        " which would send the request to another URL"
                    )
        return "/".join(segments)

    def warn_if_deprecated(self, call: Call) -> None:
        """A DeprecationWarning at the caller's line for a deprecated operation or parameter."""
        if self.deprecated:
            warnings.warn(
                self.deprecation_message or f"{self.method} {self.path} is deprecated",
                DeprecationWarning,
                stacklevel=4,
            )
        if (
            not self.deprecated_params
        ):  # every call passes here: most endpoints stop at this line
            return
        for params in (
            call.path_params or {},
            call.query or {},
            call.headers or {},
            call.cookies or {},
        ):
            for name in sorted(self.deprecated_params.intersection(params)):
                if given(params[name]):
                    message = (
                        self.deprecation_messages.get(name)
                        or f"parameter {name!r} of {self.method} {self.path} is deprecated"
                    )
                    warnings.warn(message, DeprecationWarning, stacklevel=4)

    def parse(
        self, response: httpx.Response, redact: Callable[[str], str] = str
    ) -> ResultT:
        if self.result is None and self.root is None:
            return None  # type: ignore[return-value]
        try:
            if self.text:
                return response.text  # type: ignore[return-value]
            if self.root is not None:
                return self._root_model.model_validate_json(response.content).root
            return self._adapter.validate_json(response.content)
        except (ValueError, LookupError) as exc:  # pydantic's, or an unknown charset
            raise ResponseValidationError(
                f"{self.method} {self.path}: the {response.status_code} response does not"
                f" match the API spec: {redact(_problems(exc))}",
                response=response,
            ) from None  # pydantic's error quotes the server's values: they may hold anything

    @property
    def _root_model(self) -> type[pydantic.RootModel[ResultT]]:
        return cached_root_model(self, self.root)

    @property
    def _adapter(self) -> pydantic.TypeAdapter[ResultT]:
        return cached_adapter(self, self.result)


def cached_root_model(
    owner: object, root: Callable[[], type[pydantic.RootModel[ResultT]]] | None
) -> type[pydantic.RootModel[ResultT]]:
    """`root()`, made once and kept on `owner` (a frozen declaration): naming the model imports
    the models, and pydantic with them, on first use."""
    model: type[pydantic.RootModel[ResultT]] | None = owner.__dict__.get("_root_cache")
    if model is None:
        assert root is not None
        model = root()
        object.__setattr__(owner, "_root_cache", model)
    return model


def cached_adapter(
    owner: object, kind: Callable[[], Any] | None
) -> pydantic.TypeAdapter[Any]:
    """A pydantic `TypeAdapter` of `kind()`, made once and kept on `owner`."""
    adapter: pydantic.TypeAdapter[Any] | None = owner.__dict__.get("_adapter_cache")
    if adapter is None:
        import pydantic

        assert kind is not None
        adapter = pydantic.TypeAdapter(kind())
        object.__setattr__(owner, "_adapter_cache", adapter)
    return adapter


@dataclass(frozen=True)
class Call:
    """What one call sends besides its endpoint: parameters by location (wire names), and a body."""

    path_params: Mapping[str, Any] | None = None
    query: Mapping[str, Any] | None = None
    headers: Mapping[str, Any] | None = None
    cookies: Mapping[str, Any] | None = None
    body: Body | None = None
    # The whole URL to send to instead of the endpoint's path and `query` (a next page's URL as
    # the server gave it); on the API's origin only, where the credentials may go.
    url: str | None = None


@dataclass(frozen=True)
class RequestOptions:
    """Per-call overrides; `NOT_GIVEN` fields fall back to the client's settings."""

    timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN
    max_retries: int | NotGiven = NOT_GIVEN
    extra_headers: Mapping[str, str] | None = None
    retry_non_idempotent: bool | NotGiven = NOT_GIVEN


@dataclass(frozen=True)
class Retries:
    """An operation's retry settings from the API spec (`x-sdk-retries`): each field that is not
    None replaces the client's. Seconds; `status_classes` holds the hundreds of `5XX`-like ranges.
    """

    enabled: bool = True
    initial_delay: float | None = None
    max_delay: float | None = None
    total_timeout: float | None = None
    exponent: float | None = None
    statuses: frozenset[int] | None = None
    status_classes: frozenset[int] = frozenset()
    connection_errors: bool | None = None

    def applied_to(self, policy: RetryPolicy) -> RetryPolicy:
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("initial_delay", self.initial_delay),
                ("max_delay", self.max_delay),
                ("total_timeout", self.total_timeout),
                ("exponent", self.exponent),
                ("connection_errors", self.connection_errors),
            )
            if value is not None
        }
        if self.statuses is not None:
            changes["statuses"] = self.statuses
            changes["status_classes"] = self.status_classes
        if not self.enabled:
            changes["max_retries"] = 0
        return dataclasses.replace(policy, **changes)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in total time.

    Idempotent requests retry on 408, 429, 5XX and transport failures. Other requests (a billed
    `POST`) retry only when the request provably never reached the server (the connection was
    refused or could not be made) or the server said to retry (429), unless the caller opts in
    with `retry_non_idempotent` and accepts that the server may act on the request twice.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    total_timeout: float = 120.0
    retry_non_idempotent: bool = False
    exponent: float = 2.0
    # The statuses retried (429 whatever the method; the others only when safe to repeat), and
    # the hundreds of whole ranges retried (5 for `5XX`)
    statuses: frozenset[int] = RETRYABLE_STATUSES
    status_classes: frozenset[int] = frozenset()
    # Whether transport failures (connection, timeout, a cut response) are retried at all
    connection_errors: bool = True

    def safe_to_repeat(self, endpoint: Endpoint[Any]) -> bool:
        """Whether a request the server may have acted on can be sent again: an idempotent one,
        one that carries an idempotency key (the server acts on one key once), or any request
        when the caller opts in with `retry_non_idempotent`."""
        return (
            endpoint.idempotent
            or endpoint.idempotency_header is not None
            or self.retry_non_idempotent
        )

    def delay_after_status(
        self, endpoint: Endpoint[Any], response: httpx.Response, attempt: int
    ) -> float | None:
        """Seconds to wait before the next attempt, or None to raise the status's error. A
        `Retry-After` beyond `max_retry_after` is not waited for: the error carries it.
        """
        if attempt >= self.max_retries:
            return None
        status = response.status_code
        retried = status in self.statuses or status // 100 in self.status_classes
        if retried and (status == 429 or self.safe_to_repeat(endpoint)):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is None:
                return self.backoff(attempt)
            return retry_after if retry_after <= self.max_retry_after else None
        return None

    def delay_after_error(
        self, endpoint: Endpoint[Any], error: httpx.HTTPError, attempt: int
    ) -> float | None:
        if attempt >= self.max_retries or isinstance(error, _NEVER_RETRIED):
            return None
        if not self.connection_errors:
            return None
        if isinstance(error, _NEVER_SENT) or self.safe_to_repeat(endpoint):
            return self.backoff(attempt)
        return None

    def backoff(self, attempt: int) -> float:
        try:
            growth = self.exponent**attempt
        except OverflowError:
            growth = math.inf
        ceiling: float = min(self.max_delay, self.initial_delay * growth)
        return ceiling * (0.5 + random.random() / 2)


# Where a `Call` holds the parameters of each location.
_CALL_PARTS = {
    "path": "path_params",
    "query": "query",
    "header": "headers",
    "cookie": "cookies",
}


def _global_key(location: str, name: str) -> tuple[str, str]:
    """A global parameter's key: header names compare ignoring case (RFC 9110 §5.1)."""
    return (location, name.lower() if location == "header" else name)


# Failures before the request left: repeating it cannot make the server act twice.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures that would recur: the request as built cannot be sent, or the redirects loop.
_NEVER_RETRIED = (
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
    httpx.TooManyRedirects,
)


def _accepting_events(options: RequestOptions) -> RequestOptions:
    """The options with `Accept: text/event-stream` added, unless the caller set an Accept."""
    extra = dict(options.extra_headers or {})
    if all(not (isinstance(name, str) and name.lower() == "accept") for name in extra):
        extra["Accept"] = "text/event-stream"
    return dataclasses.replace(options, extra_headers=extra)


class _TimeoutValueError(ValueError):
    pass


def _timeouts(timeout: float | httpx.Timeout | None) -> dict[str, float | None]:
    """httpx's four timeouts, each None (no limit) or seconds, 0 or more; else ValueError."""
    try:
        values: dict[str, float | None] = httpx.Timeout(timeout).as_dict()
    except (TypeError, ValueError) as exc:
        raise _TimeoutValueError(f"timeout {timeout!r} is not seconds: {exc}") from None
    for value in values.values():
        if value is not None and not (
            isinstance(value, (int, float)) and 0 <= value < math.inf
        ):
            raise _TimeoutValueError(
                f"timeout {timeout!r} must be None or seconds, 0 or more"
            )
    return values


def _problems(error: Exception) -> str:
    """A validation error's problems by place (`data.0.id: Field required`), without the values
    pydantic would quote: a response's values are the server's, and may hold anything.
    """
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return str(error)
    found = errors()
    problems = []
    for problem in found[:5]:
        place = ".".join(map(str, problem.get("loc", ())))
        message = str(problem.get("msg", ""))
        problems.append(f"{place}: {message}" if place else message)
    more = f"; and {len(found) - 5} more" if len(found) > 5 else ""
    return "; ".join(problems) + more


def _all_strings(headers: Mapping[Any, Any] | None) -> bool:
    """Whether every name and value is a `str`: httpx refuses others, each version its own way."""
    return all(
        isinstance(name, str) and isinstance(value, str)
        for name, value in (headers or {}).items()
    )


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """(scheme, host, port) of an absolute URL, the scheme's default port filled in (RFC 6454)."""
    return (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme))


_DEFAULT_PORTS = {"http": 80, "https": 443}


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        import email.utils

        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    try:
        return max(0.0, when.timestamp() - time.time())
    except (OverflowError, OSError, ValueError):  # a year no platform clock holds
        return None


def error_from_response(
    response: httpx.Response, redact: Callable[[str], str] = str
) -> APIError:
    """Maps a 4XX/5XX response (its body read) to its exception class through the generated
    status table; `redact` removes the credential from the message, should the server echo it.
    """
    error_class = STATUS_ERRORS.get(response.status_code, APIError)
    try:
        body: Any = response.json()
    # Not JSON, cut at MAX_ERROR_BODY_BYTES, or nested too deep for the json module.
    except (ValueError, RecursionError):
        try:
            body = response.text or None
        except (ValueError, LookupError):  # an unknown charset
            body = None
    # Only the server's words are redacted: a short key must not blank out the SDK's own.
    message = _error_message(body, redact) or redact(response.reason_phrase) or "error"
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if retry_after is not None and response.status_code in RETRYABLE_STATUSES:
        message += f" (the server asks to retry after {retry_after:.0f} s)"
    error = error_class(
        f"{response.status_code} {message}",
        response=response,
        body=body,
    )
    error.retry_after = retry_after
    return error


def _error_message(body: Any, redact: Callable[[str], str] = str) -> str | None:
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return redact(str(inner["message"]))
        for key in (
            "message",
            "detail",
            "title",
        ):  # the last two: RFC 9457 problem details
            if isinstance(body.get(key), str):
                return redact(str(body[key]))
    if isinstance(body, str) and body:
        # Redacted before it is cut, so that the cut leaves no part of the key.
        return redact(body)[:200]
    return None


def transport_error(
    error: httpx.HTTPError,
    request: httpx.Request,
    redact: Callable[[str], str] = str,
    *,
    responded: bool = False,
) -> APIConnectionError:
    """The SDK's error for an httpx failure; `responded`: the status line had arrived (the body
    failed), so a request that is not idempotent may have been acted on."""
    detail = redact(str(error) or type(error).__name__)
    where = f"{request.method} {request.url.path}"
    if isinstance(error, httpx.TimeoutException):
        what = "reading the response" if responded else "the request"
        return APITimeoutError(f"{where}: {what} timed out: {detail}", request=request)
    if isinstance(error, httpx.DecodingError):
        message = f"{where}: the response body could not be decoded: {detail}"
    elif isinstance(error, httpx.TooManyRedirects):
        message = f"{where}: too many redirects: {detail}"
    elif responded:
        message = f"{where}: the response was cut off: {detail}"
    else:
        message = f"{where}: connection failed: {detail}"
    return APIConnectionError(message, request=request)


class _BodyReader:
    """Collects a response body up to `limit` decoded bytes (a gzip bomb stops there too):
    beyond it raise `ResponseTooLargeError`, or with `truncate` keep the first `limit` bytes.
    Past `deadline` (a body trickling in, each read within the timeout) it raises ReadTimeout.
    """

    def __init__(
        self,
        response: httpx.Response,
        limit: int,
        truncate: bool,
        deadline: float = math.inf,
    ) -> None:
        self.response = response
        self.limit = limit
        self.truncate = truncate
        self.deadline = deadline
        self.chunks: list[bytes] = []
        self.size = 0
        declared = response.headers.get("content-length", "")
        codings = [
            coding.strip()
            for coding in response.headers.get("content-encoding", "").split(",")
            if coding.strip().lower() not in ("", "identity")
        ]
        if len(codings) > 1:
            # httpx undoes each layer of a chunk whole before the next: unbounded in memory.
            raise httpx.DecodingError(
                f"the body has {len(codings)} content codings ({', '.join(codings)}); more than"
                " one is not decoded, as its size could not be bounded",
                request=response.request,
            )
        if (
            declared.isdigit()
            and int(declared) > limit
            and not codings
            and not truncate
        ):
            raise self.too_large(int(declared))

    def add(self, chunk: bytes) -> bool:
        """Takes a chunk; False once the body is as long as it may get."""
        if self.deadline != math.inf and time.monotonic() > self.deadline:
            raise httpx.ReadTimeout(
                "out of time while reading the body", request=self.response.request
            )
        room = self.limit - self.size
        if len(chunk) > room and not self.truncate:
            raise self.too_large(self.size + len(chunk))
        self.chunks.append(chunk[:room])
        self.size += min(len(chunk), room)
        return self.size < self.limit or not self.truncate

    def done(self) -> None:
        # What `Response.read()` stores, so `.content`, `.json()` and `.text` work as usual.
        self.response._content = b"".join(self.chunks)

    def too_large(self, size: int) -> ResponseTooLargeError:
        request = self.response.request
        return ResponseTooLargeError(
            f"{request.method} {request.url.path}: the {self.response.status_code} response body"
            f" is over {self.limit} bytes (at least {size}); raise max_response_bytes to accept it",
            response=self.response,
            limit=self.limit,
        )


class _Attempts:
    """The retry state of one call: which failure is retried after what pause, the deadline, the
    timeout of each attempt. Does no I/O; the sync and async loops share it."""

    def __init__(
        self,
        transport: _TransportBase,
        endpoint: Endpoint[Any],
        request: httpx.Request,
        policy: RetryPolicy,
        deadline: float | None,
    ) -> None:
        self.transport = transport
        self.endpoint = endpoint
        self.request = request
        self.policy = policy
        self.number = 0
        now = time.monotonic()
        # No retry starts after `retry_until`; nothing at all goes on after `deadline`.
        self.deadline = math.inf if deadline is None else deadline
        self.retry_until = min(now + policy.total_timeout, self.deadline)
        self.timeouts = dict(request.extensions.get("timeout") or {})

    def start(self) -> None:
        """Before each attempt: its timeouts, each cut to what is left before the deadline."""
        if self.deadline == math.inf:
            return
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise APITimeoutError(
                f"{self.request.method} {self.request.url.path}: out of time before the attempt",
                request=self.request,
            )
        self.request.extensions["timeout"] = {
            name: left if value is None else min(value, left)
            for name, value in self.timeouts.items()
        }

    def after_status(self, response: httpx.Response) -> float | None:
        """The pause before retrying a 4XX/5XX, or None to raise its error."""
        return self._fits(
            self.policy.delay_after_status(self.endpoint, response, self.number)
        )

    def after_error(self, error: httpx.HTTPError, *, responded: bool = False) -> float:
        """The pause before retrying after `error`; raises the SDK's error when not retried."""
        delay = self._fits(
            self.policy.delay_after_error(self.endpoint, error, self.number)
        )
        if delay is None:
            raise transport_error(
                error, self.request, self.transport.redact, responded=responded
            ) from error
        return delay

    def _fits(self, delay: float | None) -> float | None:
        if delay is None or time.monotonic() + delay > self.retry_until:
            return None
        return delay

    def next(self) -> None:
        self.number += 1


class _TransportBase:
    def __init__(
        self,
        *,
        api_key: str | None,
        auth: Auth,
        base_url: str,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        retry_non_idempotent: bool,
        default_headers: Mapping[str, str] | None,
        user_agent: str,
        logger_name: str,
        max_response_bytes: int,
        max_retry_after: float,
        globals: Mapping[tuple[str, str], Any] | None = None,
    ) -> None:
        self._api_key = checked_api_key(api_key, auth)
        # The client-level parameters (`x-sdk-globals`) the client was given, by (location, wire
        # name); each endpoint says which of them it sends
        self.globals = {
            _global_key(location, name): value
            for (location, name), value in (globals or {}).items()
            if given(value)
        }
        # What `redact` replaces, made on first use.
        self._secret: re.Pattern[str] | None = None
        self._auth = auth
        self.base_url = checked_base_url(base_url).rstrip("/")
        self._relative = httpx.URL(self.base_url).is_relative_url
        self._origin = None if self._relative else origin(httpx.URL(self.base_url))
        self._warn_if_sent_in_clear(self.base_url, stacklevel=5)
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.retry = RetryPolicy(
            max_retries=max_retries,
            retry_non_idempotent=retry_non_idempotent,
            max_retry_after=max_retry_after,
        )
        self._headers = {"User-Agent": user_agent, **(default_headers or {})}
        self._client_headers: dict[str, str] | None = None
        try:
            self._default_timeout = _timeouts(timeout)
        except ValueError as exc:
            raise ConfigurationError(str(exc)) from None
        if not _all_strings(default_headers):
            raise ConfigurationError("default_headers must map strings to strings")
        self._owns_client = False
        self._log = logging.getLogger(logger_name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={'***' if self._api_key else None})"

    def _warn_if_sent_in_clear(self, url: str, stacklevel: int) -> None:
        """An `InsecureTransportWarning` at the line that made the client (`stacklevel` frames
        up), where the key would travel unencrypted to another machine."""
        if self._api_key and _sent_in_clear(url):
            warnings.warn(
                f"the API key will be sent unencrypted to {httpx.URL(url).host}"
                " (an http:// server URL); use https://",
                InsecureTransportWarning,
                stacklevel=stacklevel,
            )

    def redact(self, text: str) -> str:
        """`text` with the credential, wherever it appears, as `***`."""
        if not self._api_key:
            return text
        if self._secret is None:
            key = self._api_key
            forms = {
                key,
                repr(key.encode())[2:-1],  # as in a bytes repr
                base64.b64encode(key.encode()).decode(),  # as in Basic auth
                urllib.parse.quote(key, safe=""),  # as in a URL
                urllib.parse.quote_plus(key),  # as in a form
            }
            ordered = sorted(forms, key=len, reverse=True)
            self._secret = re.compile("|".join(map(re.escape, ordered)), re.IGNORECASE)
        return self._secret.sub("***", text)

    def request_for(
        self,
        client: httpx.Client | httpx.AsyncClient,
        endpoint: Endpoint[Any],
        call: Call,
        options: RequestOptions,
    ) -> httpx.Request:
        """`build_request`, its failures (a header value HTTP cannot carry) as the SDK's errors."""
        if not _all_strings(options.extra_headers):
            raise RequestValidationError("extra_headers must map strings to strings")
        if self._owns_client and self._relative:
            raise ConfigurationError(
                f"the server URL {self.base_url or '/'!r} is relative: pass server_url= (or set"
                " the environment variable) with the API's absolute URL, or an http_client whose"
                " base_url completes it"
            )
        try:
            return self.build_request(client, endpoint, call, options)
        except httpx.InvalidURL as exc:
            raise RequestValidationError(
                self.redact(
                    f"{endpoint.method} {endpoint.path}: not a valid URL: {exc}"
                )
            ) from exc
        except UnicodeEncodeError as exc:
            raise RequestValidationError(
                f"{endpoint.method} {endpoint.path}: a header or parameter has a character"
                f" ({exc.reason}) that HTTP cannot carry"
            ) from exc
        except RequestValidationError:
            raise
        except _TimeoutValueError as exc:
            raise RequestValidationError(
                f"{endpoint.method} {endpoint.path}: {exc}"
            ) from None
        except TypeError as exc:  # a header value that is not a string
            raise RequestValidationError(
                f"{endpoint.method} {endpoint.path}: {self.redact(str(exc))}"
            ) from exc
        except ValueError as exc:  # JSON has no inf or nan
            raise RequestValidationError(
                f"{endpoint.method} {endpoint.path}: the body cannot be sent as JSON: {exc}"
            ) from exc

    def build_request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        endpoint: Endpoint[Any],
        call: Call,
        options: RequestOptions,
    ) -> httpx.Request:
        if endpoint.globals:
            call = self.with_globals(endpoint, call)
        request_headers = dict(self._headers)
        request_headers.update(header_values(call.headers or {}, endpoint.styles))
        cookies = cookie_header(call.cookies or {}, endpoint.styles)
        if cookies:
            request_headers["Cookie"] = cookies
        params = query_pairs(call.query or {}, endpoint.styles)
        if endpoint.fixed_query and call.url is None:
            names = {name for name, _ in params}
            params[:0] = [pair for pair in endpoint.fixed_query if pair[0] not in names]
        if endpoint.secured and self._api_key:
            auth = endpoint.auth or self._auth
            if auth.kind == "bearer":
                request_headers["Authorization"] = f"Bearer {self._api_key}"
            elif auth.kind == "basic":
                request_headers["Authorization"] = (
                    "Basic " + base64.b64encode(self._api_key.encode()).decode()
                )
            elif auth.kind == "header":
                request_headers[auth.name] = self._api_key
            elif auth.kind == "query":
                params.append((auth.name, self._api_key))
            elif auth.kind == "cookie":
                cookie = f"{auth.name}={self._api_key}"
                request_headers["Cookie"] = (
                    f"{request_headers['Cookie']}; {cookie}"
                    if "Cookie" in request_headers
                    else cookie
                )
        request_headers.setdefault(
            "Accept", "*/*" if endpoint.stream or endpoint.text else "application/json"
        )
        body = call.body.httpx_arguments() if call.body else {}
        if call.body:
            request_headers.update(call.body.headers())
        request_headers.update(options.extra_headers or {})
        if endpoint.idempotency_header is not None:
            # One key per call, unless the caller gave theirs: the retries send this same request.
            key = endpoint.idempotency_header.lower()
            if all(name.lower() != key for name in request_headers):
                request_headers[endpoint.idempotency_header] = str(uuid.uuid4())
        if call.url is None:
            url = self.base_url + endpoint.url_path(call.path_params or {})
        elif origin(httpx.URL(call.url)) == self.api_origin(client):
            url = call.url
        else:
            raise RequestValidationError(
                f"{endpoint.method} {endpoint.path}: a URL on another origin than the API's"
                " is not requested, as the credentials would be sent there"
            )
        if self._owns_client and not client.cookies:
            # Our own pool has no defaults beyond its headers: skip httpx's merging, a fifth of a call.
            return httpx.Request(
                endpoint.method,
                url,
                params=tuple(params) or None,
                headers=self._merged_headers(client, request_headers),
                extensions={"timeout": self._timeout_extension(options.timeout)},
                **body,
            )
        timeout = (
            self.timeout if isinstance(options.timeout, NotGiven) else options.timeout
        )
        _timeouts(timeout)
        return client.build_request(
            endpoint.method,
            url,
            params=tuple(params),
            headers=request_headers,
            timeout=timeout,
            **body,
        )

    def with_globals(self, endpoint: Endpoint[Any], call: Call) -> Call:
        """`call` with the client's value of each global parameter the endpoint takes and the
        call does not give. A path parameter with neither is refused: the URL cannot be built.
        """
        filled: dict[str, Any] = {}  # Call field -> its parameters, the client's added
        for location, name in endpoint.globals:
            part = _CALL_PARTS[location]
            params = filled.get(part) or getattr(call, part) or {}
            if given(params.get(name)):
                continue
            key = _global_key(location, name)
            if key in self.globals:
                filled[part] = {**params, name: self.globals[key]}
            elif location == "path":
                raise RequestValidationError(
                    f"{endpoint.method} {endpoint.path}: no value for the path parameter"
                    f" {name!r}: give it to the call or to the client"
                )
        return dataclasses.replace(call, **filled) if filled else call

    def forget_credentials(self, request: httpx.Request) -> None:
        """A request hook of the SDK's own connection pool, which httpx runs for every redirect
        too: a request to another origin than the API's carries no header that holds the API
        key (httpx drops `Authorization` there, but not an API key's own header or a cookie).
        """
        key = self._api_key
        if not key or self._relative or origin(request.url) == self._origin:
            return
        for name in [name for name, value in request.headers.items() if key in value]:
            del request.headers[name]

    def api_origin(
        self, client: httpx.Client | httpx.AsyncClient
    ) -> tuple[str, str, int | None]:
        """The API's origin: the server URL's, or the `http_client` base URL's it completes."""
        url = httpx.URL(self.base_url)
        return origin(client.base_url if url.is_relative_url else url)

    def _timeout_extension(
        self, timeout: float | httpx.Timeout | None | NotGiven
    ) -> dict[str, float | None]:
        if isinstance(timeout, NotGiven):
            return self._default_timeout
        return _timeouts(timeout)

    def _merged_headers(
        self, client: httpx.Client | httpx.AsyncClient, request_headers: dict[str, str]
    ) -> dict[str, str]:
        """The pool's headers with the request's over them, names compared ignoring case
        (RFC 9110 §5.1): one `Accept`, one `User-Agent`."""
        if self._client_headers is None:
            self._client_headers = {
                name.lower(): value for name, value in client.headers.items()
            }
        given = {name.lower() for name in request_headers}
        merged = {
            name: value
            for name, value in self._client_headers.items()
            if name not in given
        }
        merged.update(request_headers)
        return merged

    def policy_for(
        self, options: RequestOptions, endpoint: Endpoint[Any] | None = None
    ) -> RetryPolicy:
        """The client's policy, then the operation's settings, then the call's options."""
        policy = self.retry
        if endpoint is not None and endpoint.retries is not None:
            policy = endpoint.retries.applied_to(policy)
        overrides: dict[str, Any] = {}
        if not isinstance(options.max_retries, NotGiven):
            overrides["max_retries"] = options.max_retries
        if not isinstance(options.retry_non_idempotent, NotGiven):
            overrides["retry_non_idempotent"] = options.retry_non_idempotent
        return dataclasses.replace(policy, **overrides) if overrides else policy

    def _shown_url(self, request: httpx.Request) -> httpx.URL:
        """The URL with the credential, whichever query parameter carries it, as `***`."""
        url = request.url
        if self._api_key:
            for name, value in request.url.params.multi_items():
                if value == self._api_key:
                    url = url.copy_set_param(name, "***")
        return url

    def log_attempt(self, request: httpx.Request, attempt: int) -> None:
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug(
                "%s %s (attempt %d)",
                request.method,
                self.redact(str(self._shown_url(request))),
                attempt + 1,
            )

    def log_response(
        self, request: httpx.Request, response: httpx.Response, started: float
    ) -> None:
        if self._log.isEnabledFor(logging.DEBUG):
            self._log.debug(
                "%s %s -> %d in %.0f ms (request id %s)",
                request.method,
                request.url.path,
                response.status_code,
                (time.monotonic() - started) * 1000,
                self.redact(response.headers.get("x-request-id", "-")),
            )

    def log_retry(self, request: httpx.Request, reason: str, delay: float) -> None:
        self._log.debug(
            "retrying %s %s in %.2fs after %s",
            request.method,
            request.url.path,
            delay,
            reason,
        )


class SyncTransport(_TransportBase):
    """Sends requests for a synchronous client over an `httpx.Client`."""

    def __init__(self, *, http_client: httpx.Client | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._owns_client = http_client is None
        self._http = http_client
        if http_client is not None and self._relative:  # its base_url completes ours
            self._warn_if_sent_in_clear(str(http_client.base_url), stacklevel=4)
        self._lock = threading.Lock()

    @property
    def http(self) -> httpx.Client:
        """The connection pool, made on first use (building one costs more than importing this SDK)."""
        if self._http is None:
            with self._lock:
                if self._http is None:
                    self._http = httpx.Client(
                        follow_redirects=True,
                        event_hooks={"request": [self.forget_credentials]},
                    )
        return self._http

    def close(self) -> None:
        if self._owns_client and self._http is not None:
            self._http.close()

    def request(
        self, endpoint: Endpoint[ResultT], call: Call, options: RequestOptions
    ) -> ResultT:
        endpoint.warn_if_deprecated(call)
        return (self.fetch(endpoint, call, options))[0]

    def pages(
        self,
        endpoint: Endpoint[ResultT],
        pagination: Pagination,
        call: Call,
        options: RequestOptions,
    ) -> SyncPager[Any, ResultT]:
        """Sends the first page's request (its errors raise here) and returns the pager that
        requests the others as its iteration needs them."""
        from ._pages import SyncPager

        endpoint.warn_if_deprecated(call)
        first = self.fetch(endpoint, call, options)
        return SyncPager(self, endpoint, pagination, call, options, first)

    def fetch(
        self,
        endpoint: Endpoint[ResultT],
        call: Call,
        options: RequestOptions,
        deadline: float | None = None,
    ) -> tuple[ResultT, httpx.Response]:
        """The parsed result and the (read, closed) response it came from, for its metadata."""
        response = self.send(endpoint, call, options, read=True, deadline=deadline)
        _record(response)
        return endpoint.parse(response, self.redact), response

    def stream(
        self, endpoint: Endpoint[Any], call: Call, options: RequestOptions
    ) -> BinaryResponse:
        endpoint.warn_if_deprecated(call)
        return BinaryResponse(self.send(endpoint, call, options), self.redact)

    def events(
        self,
        endpoint: Endpoint[Any],
        events: Events[ItemT],
        call: Call,
        options: RequestOptions,
    ) -> Stream[ItemT]:
        """Sends an event-stream request (with the call's retries, until the status line
        arrives: a 4XX/5XX raises here) and returns its `Stream`, which nothing retries.
        """
        from ._streams import Stream  # on first use: only event-stream calls pay for it

        endpoint.warn_if_deprecated(call)
        response = self.send(endpoint, call, _accepting_events(options))
        return Stream._open(
            response, endpoint, events, self.redact, self.max_response_bytes
        )

    def send(
        self,
        endpoint: Endpoint[Any],
        call: Call,
        options: RequestOptions,
        *,
        read: bool = False,
        deadline: float | None = None,
    ) -> httpx.Response:
        """Sends with retries. Returns a successful response: with `read`, its body read (up to
        `max_response_bytes`) as part of the attempt, so a body that fails is retried like any
        failure; else unread. Nothing goes on after `deadline` (a `time.monotonic()` value).
        """
        request = self.request_for(self.http, endpoint, call, options)
        attempts = _Attempts(
            self, endpoint, request, self.policy_for(options, endpoint), deadline
        )
        while True:
            self.log_attempt(request, attempts.number)
            attempts.start()
            started = time.monotonic()
            try:
                response = self.http.send(request, stream=True)
            except httpx.HTTPError as exc:
                delay = attempts.after_error(exc)
                self.log_retry(request, type(exc).__name__, delay)
            else:
                self.log_response(request, response, started)
                if response.is_success:
                    if not read:
                        return response
                    try:
                        self._read(
                            response, self.max_response_bytes, False, attempts.deadline
                        )
                        return response
                    except httpx.HTTPError as exc:
                        delay = attempts.after_error(exc, responded=True)
                        self.log_retry(request, type(exc).__name__, delay)
                    finally:
                        response.close()
                else:
                    status_delay = attempts.after_status(response)
                    if status_delay is None:
                        try:
                            self._read(
                                response, MAX_ERROR_BODY_BYTES, True, attempts.deadline
                            )
                        except httpx.HTTPError:  # the status says what happened
                            response._content = b""
                        finally:
                            response.close()
                        raise error_from_response(response, self.redact)
                    response.close()
                    delay = status_delay
                    self.log_retry(request, f"status {response.status_code}", delay)
            time.sleep(delay)
            attempts.next()

    @staticmethod
    def _read(
        response: httpx.Response,
        limit: int,
        truncate: bool = False,
        deadline: float = math.inf,
    ) -> None:
        body = _BodyReader(response, limit, truncate, deadline)
        for chunk in response.iter_bytes():
            if not body.add(chunk):
                break
        body.done()


class AsyncTransport(_TransportBase):
    """Sends requests for an asynchronous client over an `httpx.AsyncClient`."""

    def __init__(self, *, http_client: httpx.AsyncClient | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._owns_client = http_client is None
        self._http = http_client
        if http_client is not None and self._relative:  # its base_url completes ours
            self._warn_if_sent_in_clear(str(http_client.base_url), stacklevel=4)

    @property
    def http(self) -> httpx.AsyncClient:
        """The connection pool, made on first use."""
        if self._http is None:
            self._http = httpx.AsyncClient(
                follow_redirects=True,
                event_hooks={"request": [self._forget_credentials]},
            )
        return self._http

    async def _forget_credentials(self, request: httpx.Request) -> None:
        self.forget_credentials(request)

    async def close(self) -> None:
        if self._owns_client and self._http is not None:
            await self._http.aclose()

    async def request(
        self, endpoint: Endpoint[ResultT], call: Call, options: RequestOptions
    ) -> ResultT:
        endpoint.warn_if_deprecated(call)
        return (await self.fetch(endpoint, call, options))[0]

    async def pages(
        self,
        endpoint: Endpoint[ResultT],
        pagination: Pagination,
        call: Call,
        options: RequestOptions,
    ) -> AsyncPager[Any, ResultT]:
        """The asynchronous form of `SyncTransport.pages`."""
        from ._pages import AsyncPager

        endpoint.warn_if_deprecated(call)
        first = await self.fetch(endpoint, call, options)
        return AsyncPager(self, endpoint, pagination, call, options, first)

    async def fetch(
        self,
        endpoint: Endpoint[ResultT],
        call: Call,
        options: RequestOptions,
        deadline: float | None = None,
    ) -> tuple[ResultT, httpx.Response]:
        """The parsed result and the (read, closed) response it came from, for its metadata."""
        response = await self.send(
            endpoint, call, options, read=True, deadline=deadline
        )
        _record(response)
        return endpoint.parse(response, self.redact), response

    def stream(
        self, endpoint: Endpoint[Any], call: Call, options: RequestOptions
    ) -> AsyncStreamContext:
        endpoint.warn_if_deprecated(call)
        return AsyncStreamContext(self.send(endpoint, call, options), self.redact)

    async def events(
        self,
        endpoint: Endpoint[Any],
        events: Events[ItemT],
        call: Call,
        options: RequestOptions,
    ) -> AsyncStream[ItemT]:
        """The asynchronous form of `SyncTransport.events`."""
        from ._streams import AsyncStream

        endpoint.warn_if_deprecated(call)
        response = await self.send(endpoint, call, _accepting_events(options))
        return await AsyncStream._open(
            response, endpoint, events, self.redact, self.max_response_bytes
        )

    async def send(
        self,
        endpoint: Endpoint[Any],
        call: Call,
        options: RequestOptions,
        *,
        read: bool = False,
        deadline: float | None = None,
    ) -> httpx.Response:
        """The asynchronous form of `SyncTransport.send`."""
        request = self.request_for(self.http, endpoint, call, options)
        attempts = _Attempts(
            self, endpoint, request, self.policy_for(options, endpoint), deadline
        )
        while True:
            self.log_attempt(request, attempts.number)
            attempts.start()
            started = time.monotonic()
            try:
                response = await self.http.send(request, stream=True)
            except httpx.HTTPError as exc:
                delay = attempts.after_error(exc)
                self.log_retry(request, type(exc).__name__, delay)
            else:
                self.log_response(request, response, started)
                if response.is_success:
                    if not read:
                        return response
                    try:
                        await self._read(
                            response, self.max_response_bytes, False, attempts.deadline
                        )
                        return response
                    except httpx.HTTPError as exc:
                        delay = attempts.after_error(exc, responded=True)
                        self.log_retry(request, type(exc).__name__, delay)
                    finally:
                        await response.aclose()
                else:
                    status_delay = attempts.after_status(response)
                    if status_delay is None:
                        try:
                            await self._read(
                                response, MAX_ERROR_BODY_BYTES, True, attempts.deadline
                            )
                        except httpx.HTTPError:  # the status says what happened
                            response._content = b""
                        finally:
                            await response.aclose()
                        raise error_from_response(response, self.redact)
                    await response.aclose()
                    delay = status_delay
                    self.log_retry(request, f"status {response.status_code}", delay)
            await _sleep(delay)
            attempts.next()

    @staticmethod
    async def _read(
        response: httpx.Response,
        limit: int,
        truncate: bool = False,
        deadline: float = math.inf,
    ) -> None:
        body = _BodyReader(response, limit, truncate, deadline)
        async for chunk in response.aiter_bytes():
            if not body.add(chunk):
                break
        body.done()


# Where `with_response` collects the response behind a call; None outside such a call.
_CAPTURED: contextvars.ContextVar[list[httpx.Response] | None] = contextvars.ContextVar(
    "captured", default=None
)


def _record(response: httpx.Response) -> None:
    captured = _CAPTURED.get()
    if captured is not None:
        captured.append(response)


@contextlib.contextmanager
def _capturing() -> Iterator[list[httpx.Response]]:
    captured: list[httpx.Response] = []
    token = _CAPTURED.set(captured)
    try:
        yield captured
    finally:
        _CAPTURED.reset(token)


def _unwrap(result: ResultT, captured: list[httpx.Response]) -> APIResponse[ResultT]:
    if not captured:
        raise RuntimeError(
            "with_response wraps operations that return parsed results, not streams"
        )
    return APIResponse(captured[-1], result)


def with_response(method: Callable[P, ResultT]) -> Callable[P, APIResponse[ResultT]]:
    """The same operation, returning an `APIResponse` (status, headers, request id) around its result."""

    @functools.wraps(method)
    def call(*args: P.args, **kwargs: P.kwargs) -> APIResponse[ResultT]:
        with _capturing() as captured:
            result = method(*args, **kwargs)
        return _unwrap(result, captured)

    return call


def async_with_response(
    method: Callable[P, Awaitable[ResultT]],
) -> Callable[P, Awaitable[APIResponse[ResultT]]]:
    """The asynchronous form of `with_response`."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> APIResponse[ResultT]:
        with _capturing() as captured:
            result = await method(*args, **kwargs)
        return _unwrap(result, captured)

    return call


@dataclass
class _ResponseView:
    response: httpx.Response

    @property
    def status_code(self) -> int:
        return self.response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.response.headers

    @property
    def content_type(self) -> str | None:
        value: str | None = self.response.headers.get("content-type")
        return value

    @property
    def content_length(self) -> int | None:
        value = self.response.headers.get("content-length")
        return int(value) if value and value.isdigit() else None

    @property
    def request_id(self) -> str | None:
        value: str | None = self.response.headers.get("x-request-id")
        return value

    def _failed(self, error: httpx.HTTPError) -> APIConnectionError:
        redact: Callable[[str], str] = getattr(self, "redact", str)
        return transport_error(error, self.response.request, redact, responded=True)


@dataclass
class APIResponse(_ResponseView, Generic[ResultT]):
    """A successful call's result (`data`) with the HTTP response it came from."""

    data: ResultT

    @property
    def elapsed(self) -> float:
        """Seconds from sending the request to reading the whole response."""
        return self.response.elapsed.total_seconds()


@dataclass
class BinaryResponse(_ResponseView):
    """A streamed binary body. Use as a context manager so the connection is always released.

    Reading it raises `APIConnectionError` (`APITimeoutError`) when the body fails mid-way.
    """

    redact: Callable[[str], str] = field(default=str, repr=False)

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        # Not passed on when None: httpx before 0.23 types `chunk_size` as int (defaulting to None).
        chunks = (
            self.response.iter_bytes()
            if chunk_size is None
            else self.response.iter_bytes(chunk_size)
        )
        try:
            yield from chunks
        except httpx.HTTPError as exc:
            raise self._failed(exc) from exc

    def read(self) -> bytes:
        try:
            return self.response.read()
        except httpx.HTTPError as exc:
            raise self._failed(exc) from exc

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> BinaryResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class AsyncBinaryResponse(_ResponseView):
    """The asynchronous form of `BinaryResponse`."""

    redact: Callable[[str], str] = field(default=str, repr=False)

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        chunks = (
            self.response.aiter_bytes()
            if chunk_size is None
            else self.response.aiter_bytes(chunk_size)
        )
        try:
            async for chunk in chunks:
                yield chunk
        except httpx.HTTPError as exc:
            raise self._failed(exc) from exc

    async def read(self) -> bytes:
        try:
            return await self.response.aread()
        except httpx.HTTPError as exc:
            raise self._failed(exc) from exc

    async def close(self) -> None:
        await self.response.aclose()

    async def __aenter__(self) -> AsyncBinaryResponse:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


@dataclass
class AsyncStreamContext:
    """What an async streaming method returns: `async with` it, or `await` it for the response."""

    _pending: Any = field(repr=False)
    _redact: Callable[[str], str] = field(default=str, repr=False)
    _response: AsyncBinaryResponse | None = field(default=None, repr=False)

    def __await__(self) -> Any:
        return self._open().__await__()

    async def _open(self) -> AsyncBinaryResponse:
        if self._response is None:
            self._response = AsyncBinaryResponse(await self._pending, self._redact)
        return self._response

    async def __aenter__(self) -> AsyncBinaryResponse:
        return await self._open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._response is not None:
            await self._response.close()


def resolve_setting(
    value: str | None, env_var: str, *, required: bool = False
) -> str | None:
    """An explicit value, else the environment variable, without surrounding whitespace (a key
    pasted with its newline); a clear error when a required one is missing."""
    if value is None:
        value = os.environ.get(env_var) or None
    if value is not None:
        value = value.strip() or None
    if required and not value:
        raise MissingCredentialsError(
            f"no API key: pass api_key= to the client or set the {env_var} environment variable"
        )
    return value


def checked_api_key(key: str | None, auth: Auth) -> str | None:
    """The key, if HTTP can carry it the way `auth` sends it: never a control character, and in a
    header (bearer, header, cookie) only ASCII without spaces. Says where the bad character is,
    never what the key is."""
    if key is None:
        return None
    key = key.strip()
    for position, char in enumerate(key, 1):
        if unicodedata_category(char).startswith("C") or (
            auth.kind in ("bearer", "header", "cookie")
            and (not char.isascii() or char.isspace())
        ):
            kind = "non-ASCII" if not char.isascii() else "whitespace or control"
            raise ConfigurationError(
                f"the API key has a {kind} character (position {position} of {len(key)}),"
                " which cannot be sent in an HTTP request; check the key"
            )
    return key


def checked_base_url(url: str) -> str:
    """The server URL, if it is an absolute http(s) URL with a host, or a path (relative, as an
    API's `servers` may give it: an `http_client`'s `base_url` must complete it)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ConfigurationError(f"the server URL is not a valid URL: {exc}") from exc
    if parsed.query or parsed.fragment or "?" in url or "#" in url:
        raise ConfigurationError(
            "the server URL must not have a query (?) or fragment (#): the operations' paths"
            " are appended to it"
        )
    if parsed.is_relative_url and not parsed.scheme and not url.startswith("//"):
        if url.startswith("/") or not url:
            return url
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ConfigurationError(
            "the server URL must be an absolute http:// or https:// URL with a host, like"
            " https://api.example.com/v1"
        )
    return url


def _sent_in_clear(url: str) -> bool:
    """An http:// URL to another machine (a loopback address or `localhost` stays on this one)."""
    parsed = httpx.URL(url)
    if parsed.scheme != "http" or parsed.host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(parsed.host).is_loopback
    except ValueError:  # a name
        return not parsed.host.endswith(".localhost")


async def _sleep(seconds: float) -> None:
    import asyncio  # on first use: async clients pay for it, sync ones never do

    await asyncio.sleep(seconds)
