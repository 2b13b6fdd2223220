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
import logging
import os
import random
import re
import threading
import time
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, ParamSpec, TypeVar

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
    MissingCredentialsError,
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

ModelT = TypeVar("ModelT", bound="pydantic.BaseModel")
ResultT = TypeVar("ResultT")
P = ParamSpec("P")


IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
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
    # (location, wire name) -> (style, explode), for parameters not sent their location's default way
    styles: Mapping[tuple[str, str], Style] = field(default_factory=dict)
    # Query parameters sent with every call, before the caller's (which replace those of their name)
    fixed_query: tuple[tuple[str, str], ...] = ()

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
                    raise ValueError(
                        f"{self.method} {self.path}: {segment} cannot be {segments[index]!r},"
                        " which would send the request to another URL"
                    )
        return "/".join(segments)

    def warn_if_deprecated(self, call: Call) -> None:
        """A DeprecationWarning at the caller's line for a deprecated operation or parameter."""
        if self.deprecated:
            warnings.warn(
                f"{self.method} {self.path} is deprecated",
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
                        f"parameter {name!r} of {self.method} {self.path} is deprecated"
                    )
                    warnings.warn(message, DeprecationWarning, stacklevel=4)

    def parse(self, response: httpx.Response) -> ResultT:
        if self.result is None and self.root is None:
            return None  # type: ignore[return-value]
        if self.text:
            return response.text  # type: ignore[return-value]
        try:
            if self.root is not None:
                return self._root_model.model_validate_json(response.content).root
            return self._adapter.validate_json(response.content)
        except ValueError as exc:  # pydantic.ValidationError, or not JSON at all
            raise ResponseValidationError(
                f"{self.method} {self.path}: the {response.status_code} response does not match the API spec: {exc}",
                response=response,
            ) from exc

    @property
    def _root_model(self) -> type[pydantic.RootModel[ResultT]]:
        model: type[pydantic.RootModel[ResultT]] | None = self.__dict__.get(
            "_root_cache"
        )
        if model is None:
            assert self.root is not None
            model = self.root()
            object.__setattr__(self, "_root_cache", model)
        return model

    @property
    def _adapter(self) -> pydantic.TypeAdapter[ResultT]:
        adapter: pydantic.TypeAdapter[ResultT] | None = self.__dict__.get(
            "_adapter_cache"
        )
        if adapter is None:
            import pydantic

            assert self.result is not None
            adapter = pydantic.TypeAdapter(self.result())
            object.__setattr__(self, "_adapter_cache", adapter)
        return adapter


@dataclass(frozen=True)
class Call:
    """What one call sends besides its endpoint: parameters by location (wire names), and a body."""

    path_params: Mapping[str, Any] | None = None
    query: Mapping[str, Any] | None = None
    headers: Mapping[str, Any] | None = None
    cookies: Mapping[str, Any] | None = None
    body: Body | None = None


@dataclass(frozen=True)
class RequestOptions:
    """Per-call overrides; `NOT_GIVEN` fields fall back to the client's settings."""

    timeout: float | httpx.Timeout | None | NotGiven = NOT_GIVEN
    max_retries: int | NotGiven = NOT_GIVEN
    extra_headers: Mapping[str, str] | None = None
    retry_non_idempotent: bool | NotGiven = NOT_GIVEN


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

    def safe_to_repeat(self, endpoint: Endpoint[Any]) -> bool:
        return endpoint.idempotent or self.retry_non_idempotent

    def delay_after_status(
        self, endpoint: Endpoint[Any], response: httpx.Response, attempt: int
    ) -> float | None:
        if attempt >= self.max_retries:
            return None
        status = response.status_code
        if status == 429 or (
            self.safe_to_repeat(endpoint) and status in RETRYABLE_STATUSES
        ):
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if retry_after is not None:
                return min(retry_after, self.max_retry_after)
            return self.backoff(attempt)
        return None

    def delay_after_error(
        self, endpoint: Endpoint[Any], error: httpx.TransportError, attempt: int
    ) -> float | None:
        if attempt >= self.max_retries:
            return None
        never_sent = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
        if never_sent or self.safe_to_repeat(endpoint):
            return self.backoff(attempt)
        return None

    def backoff(self, attempt: int) -> float:
        ceiling: float = min(self.max_delay, self.initial_delay * 2.0**attempt)
        return ceiling * (0.5 + random.random() / 2)


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
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def error_from_response(response: httpx.Response) -> APIError:
    """Maps a 4XX/5XX response to its exception class through the generated status table."""
    error_class = STATUS_ERRORS.get(response.status_code, APIError)
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text or None
    message = _error_message(body) or response.reason_phrase or "error"
    return error_class(
        f"{response.status_code} {message}",
        response=response,
        body=body,
    )


def _error_message(body: Any) -> str | None:
    if isinstance(body, dict):
        inner = body.get("error")
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        for key in (
            "message",
            "detail",
            "title",
        ):  # the last two: RFC 9457 problem details
            if isinstance(body.get(key), str):
                return str(body[key])
    if isinstance(body, str) and body:
        return body[:200]
    return None


def transport_error(
    error: httpx.TransportError, request: httpx.Request
) -> APIConnectionError:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"request timed out: {error}", request=request)
    return APIConnectionError(f"connection failed: {error}", request=request)


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
    ) -> None:
        self._api_key = api_key
        self._auth = auth
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retry = RetryPolicy(
            max_retries=max_retries, retry_non_idempotent=retry_non_idempotent
        )
        self._headers = {"User-Agent": user_agent, **(default_headers or {})}
        self._client_headers: dict[str, str] | None = None
        self._default_timeout = httpx.Timeout(timeout).as_dict()
        self._owns_client = False
        self._log = logging.getLogger(logger_name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={'***' if self._api_key else None})"

    def build_request(
        self,
        client: httpx.Client | httpx.AsyncClient,
        endpoint: Endpoint[Any],
        call: Call,
        options: RequestOptions,
    ) -> httpx.Request:
        request_headers = dict(self._headers)
        request_headers.update(header_values(call.headers or {}, endpoint.styles))
        cookies = cookie_header(call.cookies or {}, endpoint.styles)
        if cookies:
            request_headers["Cookie"] = cookies
        params = query_pairs(call.query or {}, endpoint.styles)
        if endpoint.fixed_query:
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
        url = self.base_url + endpoint.url_path(call.path_params or {})
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
        return client.build_request(
            endpoint.method,
            url,
            params=tuple(params),
            headers=request_headers,
            timeout=timeout,
            **body,
        )

    def _timeout_extension(
        self, timeout: float | httpx.Timeout | None | NotGiven
    ) -> dict[str, float | None]:
        if isinstance(timeout, NotGiven):
            return self._default_timeout
        return httpx.Timeout(timeout).as_dict()

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

    def policy_for(self, options: RequestOptions) -> RetryPolicy:
        overrides: dict[str, Any] = {}
        if not isinstance(options.max_retries, NotGiven):
            overrides["max_retries"] = options.max_retries
        if not isinstance(options.retry_non_idempotent, NotGiven):
            overrides["retry_non_idempotent"] = options.retry_non_idempotent
        return dataclasses.replace(self.retry, **overrides) if overrides else self.retry

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
                self._shown_url(request),
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
                response.headers.get("x-request-id", "-"),
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
        self._lock = threading.Lock()

    @property
    def http(self) -> httpx.Client:
        """The connection pool, made on first use (building one costs more than importing this SDK)."""
        if self._http is None:
            with self._lock:
                if self._http is None:
                    self._http = httpx.Client(follow_redirects=True)
        return self._http

    def close(self) -> None:
        if self._owns_client and self._http is not None:
            self._http.close()

    def request(
        self, endpoint: Endpoint[ResultT], call: Call, options: RequestOptions
    ) -> ResultT:
        endpoint.warn_if_deprecated(call)
        return (self.fetch(endpoint, call, options))[0]

    def fetch(
        self, endpoint: Endpoint[ResultT], call: Call, options: RequestOptions
    ) -> tuple[ResultT, httpx.Response]:
        """The parsed result and the (read, closed) response it came from, for its metadata."""
        response = self.send(endpoint, call, options)
        try:
            response.read()
        finally:
            response.close()
        _record(response)
        return endpoint.parse(response), response

    def stream(
        self, endpoint: Endpoint[Any], call: Call, options: RequestOptions
    ) -> BinaryResponse:
        endpoint.warn_if_deprecated(call)
        return BinaryResponse(self.send(endpoint, call, options))

    def send(
        self, endpoint: Endpoint[Any], call: Call, options: RequestOptions
    ) -> httpx.Response:
        """Sends with retries; returns a successful response whose body has not been read yet."""
        request = self.build_request(self.http, endpoint, call, options)
        policy = self.policy_for(options)
        deadline = time.monotonic() + policy.total_timeout
        attempt = 0
        while True:
            self.log_attempt(request, attempt)
            started = time.monotonic()
            try:
                response = self.http.send(request, stream=True)
            except httpx.TransportError as exc:
                delay = policy.delay_after_error(endpoint, exc, attempt)
                if delay is None or time.monotonic() + delay > deadline:
                    raise transport_error(exc, request) from exc
                self.log_retry(request, type(exc).__name__, delay)
            else:
                self.log_response(request, response, started)
                if response.is_success:
                    return response
                delay = policy.delay_after_status(endpoint, response, attempt)
                if delay is None or time.monotonic() + delay > deadline:
                    try:
                        response.read()
                    finally:
                        response.close()
                    raise error_from_response(response)
                response.close()
                self.log_retry(request, f"status {response.status_code}", delay)
            time.sleep(delay)
            attempt += 1


class AsyncTransport(_TransportBase):
    """Sends requests for an asynchronous client over an `httpx.AsyncClient`."""

    def __init__(self, *, http_client: httpx.AsyncClient | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._owns_client = http_client is None
        self._http = http_client

    @property
    def http(self) -> httpx.AsyncClient:
        """The connection pool, made on first use."""
        if self._http is None:
            self._http = httpx.AsyncClient(follow_redirects=True)
        return self._http

    async def close(self) -> None:
        if self._owns_client and self._http is not None:
            await self._http.aclose()

    async def request(
        self, endpoint: Endpoint[ResultT], call: Call, options: RequestOptions
    ) -> ResultT:
        endpoint.warn_if_deprecated(call)
        return (await self.fetch(endpoint, call, options))[0]

    async def fetch(
        self, endpoint: Endpoint[ResultT], call: Call, options: RequestOptions
    ) -> tuple[ResultT, httpx.Response]:
        """The parsed result and the (read, closed) response it came from, for its metadata."""
        response = await self.send(endpoint, call, options)
        try:
            await response.aread()
        finally:
            await response.aclose()
        _record(response)
        return endpoint.parse(response), response

    def stream(
        self, endpoint: Endpoint[Any], call: Call, options: RequestOptions
    ) -> AsyncStreamContext:
        endpoint.warn_if_deprecated(call)
        return AsyncStreamContext(self.send(endpoint, call, options))

    async def send(
        self, endpoint: Endpoint[Any], call: Call, options: RequestOptions
    ) -> httpx.Response:
        """Sends with retries; returns a successful response whose body has not been read yet."""
        request = self.build_request(self.http, endpoint, call, options)
        policy = self.policy_for(options)
        deadline = time.monotonic() + policy.total_timeout
        attempt = 0
        while True:
            self.log_attempt(request, attempt)
            started = time.monotonic()
            try:
                response = await self.http.send(request, stream=True)
            except httpx.TransportError as exc:
                delay = policy.delay_after_error(endpoint, exc, attempt)
                if delay is None or time.monotonic() + delay > deadline:
                    raise transport_error(exc, request) from exc
                self.log_retry(request, type(exc).__name__, delay)
            else:
                self.log_response(request, response, started)
                if response.is_success:
                    return response
                delay = policy.delay_after_status(endpoint, response, attempt)
                if delay is None or time.monotonic() + delay > deadline:
                    try:
                        await response.aread()
                    finally:
                        await response.aclose()
                    raise error_from_response(response)
                await response.aclose()
                self.log_retry(request, f"status {response.status_code}", delay)
            await _sleep(delay)
            attempt += 1


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
    """A streamed binary body. Use as a context manager so the connection is always released."""

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        # Not passed on when None: httpx before 0.23 types `chunk_size` as int (defaulting to None).
        if chunk_size is None:
            return self.response.iter_bytes()
        return self.response.iter_bytes(chunk_size)

    def read(self) -> bytes:
        return self.response.read()

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> BinaryResponse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class AsyncBinaryResponse(_ResponseView):
    """The asynchronous form of `BinaryResponse`."""

    def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        if chunk_size is None:
            return self.response.aiter_bytes()
        return self.response.aiter_bytes(chunk_size)

    async def read(self) -> bytes:
        return await self.response.aread()

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
    _response: AsyncBinaryResponse | None = field(default=None, repr=False)

    def __await__(self) -> Any:
        return self._open().__await__()

    async def _open(self) -> AsyncBinaryResponse:
        if self._response is None:
            self._response = AsyncBinaryResponse(await self._pending)
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
    """An explicit value, else the environment variable; a clear error when a required one is missing."""
    if value is None:
        value = os.environ.get(env_var) or None
    if required and not value:
        raise MissingCredentialsError(
            f"no API key: pass api_key= to the client or set the {env_var} environment variable"
        )
    return value


async def _sleep(seconds: float) -> None:
    import asyncio  # on first use: async clients pay for it, sync ones never do

    await asyncio.sleep(seconds)
