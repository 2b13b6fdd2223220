"""The typed intermediate representation between the parsed spec and the templates.

Templates read these attributes; they never look at raw spec dictionaries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, quote

from .diagnostics import Diagnostic
from .names import import_order

ParamLocation = Literal["path", "query", "header", "cookie"]
ResultKind = Literal["json", "text", "stream", "events", "empty"]
PagingKind = Literal["offset", "page", "cursor", "url", "link"]
BodyEncoding = Literal["json", "form", "multipart", "text", "binary"]
DEFAULT_STYLES = {
    "path": ("simple", False),
    "query": ("form", True),
    "header": ("simple", False),
    "cookie": ("form", True),
}


@dataclass(frozen=True)
class Parameter:
    wire_name: str
    py_name: str
    location: ParamLocation
    required: bool
    type_hint: str
    description: str
    default: Any = None
    has_default: bool = False
    example: Any = None
    pointer: str = ""
    style: str = ""
    explode: bool = False
    deprecated: bool = False
    enum_values: tuple[str, ...] = ()  # a string enum's values
    open_enum: bool = False  # x-sdk-open-enum: other values are accepted too
    explicit_name: bool = False  # py_name given with x-sdk-name
    deprecation_message: str = ""  # x-sdk-deprecation-message of a deprecated parameter
    # x-sdk-globals: the client's keyword whose value the call sends when this argument is not given
    global_name: str = ""

    @property
    def custom_style(self) -> tuple[str, bool] | None:
        """(style, explode) when it is not the location's default, for the endpoint's table."""
        style = (self.style, self.explode)
        return None if style == DEFAULT_STYLES[self.location] else style


@dataclass(frozen=True)
class BodyField:
    wire_name: str
    py_name: str
    required: bool
    type_hint: str
    description: str
    example: Any = None
    is_file: bool = False
    deprecated: bool = False
    model_name: str = ""  # the model's field name, when the argument needs another (`models_`)
    enum_values: tuple[str, ...] = ()  # a string enum's values
    open_enum: bool = False  # x-sdk-open-enum: other values are accepted too
    deprecation_message: str = ""  # x-sdk-deprecation-message of a deprecated property


@dataclass(frozen=True)
class RequestBody:
    """JSON, form and multipart bodies take one argument per property (`fields`); a JSON body whose
    schema is not an object, and text and binary bodies, take the whole body as `body`."""

    model: str | None
    content_type: str
    encoding: BodyEncoding
    required: bool
    fields: tuple[BodyField, ...]
    whole_hint: str | None = None
    description: str = ""

    @property
    def file_fields(self) -> tuple[str, ...]:
        return tuple(f.wire_name for f in self.fields if f.is_file)

    @property
    def builder(self) -> str:
        """The runtime function that turns the arguments into the body."""
        if self.whole_hint is not None:
            return {"json": "root_body", "text": "text_body", "binary": "binary_body"}[self.encoding]
        return {"json": "json_body", "form": "form_body", "multipart": "multipart_body"}[self.encoding]


@dataclass(frozen=True)
class Result:
    kind: ResultKind
    status: str
    content_type: str | None
    model: str | None
    description: str
    # When `model` is a RootModel (a list, a union, a scalar): the type of its `root`, which a call returns.
    root_hint: str | None = None

    @property
    def type_hint(self) -> str:
        if self.kind == "text":
            return "str"
        if self.root_hint is not None:
            return self.root_hint
        return f"models.{self.model}" if self.kind == "json" and self.model else "None"


@dataclass(frozen=True)
class EventStream:
    """A `text/event-stream` response (WHATWG HTML server-sent events): what each event is parsed
    into, and `x-sdk-stream`'s end sentinel and request field."""

    model: str | None  # the class each event is validated as; None: the raw `ServerSentEvent`
    root_hint: str | None = None  # when `model` is a RootModel (a union): what each event yields
    envelope: bool = False  # the schema describes the whole event (id, event, data, retry)
    json_data: bool = True  # each event's `data` is JSON text
    sentinel: str | None = None
    # The boolean body property that switches the response from JSON to events, and its argument
    request_field: str | None = None
    request_argument: str | None = None

    @property
    def item_hint(self) -> str:
        if self.root_hint is not None:
            return self.root_hint
        return f"models.{self.model}" if self.model else "ServerSentEvent"


@dataclass(frozen=True)
class Paging:
    """`x-sdk-pagination` on an operation: how the next page is asked for, and where the items are."""

    kind: PagingKind
    item_hint: str
    results: tuple[str, ...] = ()  # attribute names from the result to its item list
    offset: tuple[str, str] | None = None  # (location, wire name) of each input
    page: tuple[str, str] | None = None
    limit: tuple[str, str] | None = None
    cursor: tuple[str, str] | None = None
    next_cursor: tuple[str, ...] = ()
    next_url: tuple[str, ...] = ()
    num_pages: tuple[str, ...] = ()
    default_limit: int | None = None  # the limit input's default in the spec: the server's page size

    @property
    def declaration(self) -> list[tuple[str, object]]:
        """The runtime `Pagination`'s keyword arguments that differ from their defaults."""
        fields = ("results", "offset", "page", "limit", "cursor", "next_cursor", "next_url", "num_pages")
        fields += ("default_limit",)
        return [(name, getattr(self, name)) for name in fields if getattr(self, name)]


@dataclass(frozen=True)
class ErrorResponse:
    status: int
    error_class: str
    content_type: str | None


@dataclass(frozen=True)
class OtherResponse:
    """A documented `4XX`, `5XX` or `default` response: raised as `APIError`, described in the docs."""

    status: str
    description: str


@dataclass(frozen=True)
class Waiter:
    """`x-sdk-waiter` on a polling operation: `wait()`, and `<submit>_and_wait()` when a submit op is named."""

    method_name: str
    status_field: str
    success: tuple[str, ...]
    failure: tuple[str, ...]
    error_field: str | None
    failure_error: str
    job_model: str
    submit: Operation | None = None
    id_field: str = "id"

    @property
    def combined_name(self) -> str | None:
        return f"{self.submit.method_name}_and_{self.method_name}" if self.submit else None


@dataclass(frozen=True)
class Download:
    """`x-sdk-download` on a streaming operation: `download()` to a file, and submit-wait-download in one."""

    method_name: str
    poll: Operation | None = None

    @property
    def combined_name(self) -> str | None:
        if self.poll is None or self.poll.waiter is None or self.poll.waiter.submit is None:
            return None
        return f"{self.poll.waiter.submit.method_name}_and_{self.method_name}"


@dataclass(frozen=True)
class Retries:
    """`x-sdk-retries` of an operation (its own, else the document's), as the runtime's `Retries`:
    seconds; `status_classes` the hundreds of `5XX`-like ranges."""

    enabled: bool = True
    initial_delay: float | None = None
    max_delay: float | None = None
    total_timeout: float | None = None
    exponent: float | None = None
    statuses: tuple[int, ...] | None = None
    status_classes: tuple[int, ...] = ()
    connection_errors: bool | None = None

    @property
    def arguments(self) -> list[tuple[str, str]]:
        """(keyword, Python expression) of the runtime's `Retries(...)`, the defaults left out."""
        found: list[tuple[str, str]] = [] if self.enabled else [("enabled", "False")]
        for name in ("initial_delay", "max_delay", "total_timeout", "exponent"):
            value = getattr(self, name)
            if value is not None:
                found.append((name, repr(float(value))))
        if self.statuses is not None:
            found.append(("statuses", _frozenset(self.statuses)))
            if self.status_classes:
                found.append(("status_classes", _frozenset(self.status_classes)))
        if self.connection_errors is not None:
            found.append(("connection_errors", repr(self.connection_errors)))
        return found

    @property
    def retried_statuses(self) -> str:
        """The retried statuses as the docs write them (`429, 5XX`), or "" for the client's."""
        if self.statuses is None:
            return ""
        return ", ".join([*map(str, self.statuses), *(f"{c}XX" for c in self.status_classes)])


def _frozenset(values: tuple[int, ...]) -> str:
    return "frozenset({" + ", ".join(map(str, sorted(values))) + "})" if values else "frozenset()"


@dataclass(frozen=True)
class CliHints:
    """`x-sdk-cli` on an operation: its command's name, and the columns of a table result."""

    name: str | None = None
    columns: tuple[str, ...] = ()


# The page of the models' reference, `docs/models.md`, which no resource's page may take.
MODELS_PAGE = "models"
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# The argument that takes the caller's own idempotency key, and what the docs say of it.
IDEMPOTENCY_ARGUMENT = "idempotency_key"
IDEMPOTENCY_KEY_HELP = (
    "Sent as the `{header}` header, the same on each retry of this call, so that the server acts on"
    " it once. Defaults to a new random key (a UUID) for each call."
)
# The path of a `paths` key: up to its first `?` or `#` outside a `{parameter}`.
_PATH_PART = re.compile(r"(?:\{[^{}]*\}|[^?#])*")
_PLACEHOLDER = re.compile(r"(\{[^{}]*\})")
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# What RFC 3986 lets a path segment hold literally (pchar), besides `/` between segments and the
# `%` of a percent-encoded octet.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


@dataclass(frozen=True)
class PathKey:
    """A `paths` key read as RFC 3986 reads a URI reference: the path (holding the `{parameters}`),
    then an optional `?query` and `#fragment`. OpenAPI keys have neither, but documents write them:
    the query to fix parameters of one operation, the fragment to give one URL several keys."""

    path: str
    query: str | None
    fragment: str | None

    @classmethod
    def split(cls, key: str) -> PathKey:
        path = _PATH_PART.match(key)
        assert path is not None  # the pattern matches the empty string
        rest = key[path.end() :]
        query, hash_sign, fragment = rest.partition("#")
        return cls(path[0], query[1:] if query else None, fragment if hash_sign else None)

    @property
    def query_pairs(self) -> tuple[tuple[str, str], ...]:
        """The query's parameters as (name, value), decoded: `a=b&c` is (a, b), (c, "")."""
        return tuple(parse_qsl(self.query or "", keep_blank_values=True))

    @property
    def hierarchy(self) -> str:
        """The path with its parameters' names left out: what OpenAPI 3.1 compares (§4.8.8), so
        `/pets/{id}` and `/pets/{name}` are one path."""
        return _PLACEHOLDER.sub("{}", self.path)

    @property
    def url_template(self) -> str:
        """The path as sent, `{parameters}` kept for the runtime to fill: characters a path cannot
        hold literally are percent-encoded (spaces, non-ASCII, `"`, `\\`, which httpx would read as
        `/`), as is a `%` that does not begin a percent-encoded octet; octets already encoded stay."""
        parts = _PLACEHOLDER.split(self.path)
        return "".join(
            part if _PLACEHOLDER.fullmatch(part) else quote(_STRAY_PERCENT.sub("%25", part), safe=_PATH_SAFE)
            for part in parts
        )


def constant_name(resource_attr: str, method: str) -> str:
    """The module-level constant that declares a method (its endpoint, its command): method names
    are unique only within a resource."""
    return f"_{resource_attr.rstrip('_')}_{method}".upper()


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method_name: str
    http_method: str
    path: str
    summary: str
    description: str
    path_params: tuple[Parameter, ...]
    query_params: tuple[Parameter, ...]
    header_params: tuple[Parameter, ...]
    body: RequestBody | None
    result: Result
    errors: tuple[ErrorResponse, ...]
    secured: bool
    deprecated: bool
    pointer: str
    waiter: Waiter | None = None
    download: Download | None = None
    cli: CliHints = field(default_factory=lambda: CliHints())
    cookie_params: tuple[Parameter, ...] = ()
    other_responses: tuple[OtherResponse, ...] = ()
    resource_attr: str = ""
    auth: Security | None = None  # its own way of sending the credential, when not the API's
    # x-sdk-idempotency: the header that carries a key, the same for each retry of one call
    idempotency_header: str | None = None
    # The argument that takes the caller's own key, when no header parameter of that name does
    idempotency_argument: str | None = None
    events: EventStream | None = None  # the server-sent events it answers with (always, or when asked)
    paging: Paging | None = None
    deprecation_message: str = ""  # x-sdk-deprecation-message of a deprecated operation
    # x-sdk-globals: (location, wire name) of each client-level parameter the call sends
    globals: tuple[tuple[str, str], ...] = ()
    retries: Retries | None = None  # x-sdk-retries

    @property
    def events_name(self) -> str:
        return self.endpoint_name + "_EVENTS"

    @property
    def paging_name(self) -> str:
        return self.endpoint_name + "_PAGES"

    @property
    def two_modes(self) -> bool:
        """A body flag switches the response between JSON (`result`) and events."""
        return self.events is not None and self.events.request_field is not None

    @property
    def path_key(self) -> PathKey:
        return PathKey.split(self.path)

    @property
    def url_template(self) -> str:
        """The path as sent (`path` is the spec's key, which may hold a `?query` or `#fragment`)."""
        return self.path_key.url_template

    @property
    def fixed_query(self) -> tuple[tuple[str, str], ...]:
        """The query parameters of a key's `?query`, sent with every call before the operation's."""
        return self.path_key.query_pairs

    @property
    def endpoint_name(self) -> str:
        return constant_name(self.resource_attr, self.method_name)

    @property
    def idempotent(self) -> bool:
        return self.http_method in IDEMPOTENT_METHODS

    @property
    def idempotency_key_argument(self) -> str | None:
        """The argument that takes the caller's own idempotency key: the one added for it, or the
        header parameter of the key's name."""
        header = (self.idempotency_header or "").lower()
        found = (p.py_name for p in self.header_params if header and p.wire_name.lower() == header)
        return self.idempotency_argument or next(found, None)

    @property
    def header_arguments(self) -> tuple[Parameter, ...]:
        """What the call sends as headers: the header parameters, and the idempotency key argument."""
        if self.idempotency_argument is None or self.idempotency_header is None:
            return self.header_params
        key = Parameter(
            wire_name=self.idempotency_header,
            py_name=self.idempotency_argument,
            location="header",
            required=False,
            type_hint="str",
            description=IDEMPOTENCY_KEY_HELP.format(header=self.idempotency_header),
        )
        return (*self.header_params, key)

    @property
    def waiter_name(self) -> str:
        return self.endpoint_name + "_WAITER"

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        return self.path_params + self.query_params + self.header_params + self.cookie_params

    @property
    def positional_params(self) -> tuple[Parameter, ...]:
        """The parameters taken positionally: the path's, but those the client can fill (x-sdk-globals)."""
        return tuple(p for p in self.path_params if not p.global_name)

    @property
    def keyword_params(self) -> tuple[Parameter, ...]:
        """The parameters taken as keyword arguments: all but the positional path parameters."""
        client_filled = tuple(p for p in self.path_params if p.global_name)
        return client_filled + self.query_params + self.header_params + self.cookie_params

    @property
    def styles(self) -> list[tuple[Parameter, tuple[str, bool]]]:
        return [(p, p.custom_style) for p in self.parameters if p.custom_style]

    @property
    def deprecated_params(self) -> list[str]:
        return sorted({p.wire_name for p in self.parameters if p.deprecated})

    @property
    def deprecation_messages(self) -> list[tuple[str, str]]:
        """(wire name, x-sdk-deprecation-message) of the deprecated parameters that have one."""
        return sorted({(p.wire_name, p.deprecation_message) for p in self.parameters if p.deprecation_message})


@dataclass(frozen=True)
class Resource:
    tag: str
    attr_name: str
    class_name: str
    description: str
    operations: tuple[Operation, ...]

    @property
    def docs_page(self) -> str:
        """The resource's reference page; `models` (a common tag) would be the models' page."""
        return f"docs/{self.attr_name}{'_resource' if self.attr_name == MODELS_PAGE else ''}.md"

    @property
    def parsed_operations(self) -> tuple[Operation, ...]:
        """The operations whose result is read whole (not streamed): those `with_response` wraps."""
        return tuple(op for op in self.operations if op.result.kind not in ("stream", "events") and not op.two_modes)


@dataclass(frozen=True)
class ErrorClass:
    """One documented status, one exception class, the same on every operation."""

    status: int
    name: str
    description: str
    body_model: str | None


@dataclass(frozen=True)
class Security:
    kind: Literal["bearer", "basic", "header", "query", "cookie", "none"]
    name: str = ""


@dataclass(frozen=True)
class ServerVariable:
    name: str
    default: str
    choices: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class Server:
    url: str
    description: str
    variables: tuple[ServerVariable, ...]

    @property
    def default_url(self) -> str:
        url = self.url
        for variable in self.variables:
            url = url.replace("{" + variable.name + "}", variable.default)
        return url


@dataclass(frozen=True)
class SdkNames:
    package: str
    client_class: str
    env_prefix: str
    package_version: str
    distribution: str

    @property
    def root_error(self) -> str:
        return f"{self.client_class}Error"

    @property
    def async_client_class(self) -> str:
        return f"Async{self.client_class}"


@dataclass(frozen=True)
class Api:
    title: str
    version: str
    description: str
    servers: tuple[Server, ...]
    names: SdkNames
    security: Security
    resources: tuple[Resource, ...]
    errors: tuple[ErrorClass, ...]
    spec_name: str
    spec_sha256: str
    regenerate_command: str  # what regenerates the SDK, for the 'do not edit' headers
    model_classes: tuple[str, ...] = field(default=())
    # x-sdk-globals: the client's own parameters; `py_name` is the constructor's keyword
    globals: tuple[Parameter, ...] = field(default=())
    notices: tuple[Diagnostic, ...] = field(default=())  # what the spec declares and the SDK leaves out
    left_out: tuple[str, ...] = field(default=())  # what x-sdk-ignore leaves out, for the README

    @property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(op for resource in self.resources for op in resource.operations)

    @property
    def undeclared_globals(self) -> tuple[Parameter, ...]:
        """The global parameters no operation declares: sent with every call (header, query, cookie)."""
        sent = {pair for op in self.operations for pair in op.globals}
        declared = {(p.location, p.wire_name) for op in self.operations for p in op.parameters if p.global_name}
        return tuple(g for g in self.globals if (g.location, g.wire_name) in sent - declared)

    @property
    def server_url(self) -> str:
        return self.servers[0].default_url

    @property
    def body_builders(self) -> list[str]:
        return sorted({op.body.builder for op in self.operations if op.body})

    @property
    def uploads_files(self) -> bool:
        return any(op.body and (op.body.file_fields or op.body.encoding == "binary") for op in self.operations)

    @property
    def file_types(self) -> list[str]:
        """The file types the operations' arguments are annotated with: `FileContent` for a binary
        body, `FileInput` for a multipart file part."""
        hints = [
            hint
            for op in self.operations
            if op.body is not None
            for hint in [op.body.whole_hint or "", *(f.type_hint for f in op.body.fields)]
        ]
        return [name for name in ("FileContent", "FileInput") if any(re.search(rf"\b{name}\b", h) for h in hints)]

    @property
    def job_errors(self) -> list[tuple[str, str]]:
        """(class name, job model) of every waiter's failure error."""
        found = {(op.waiter.failure_error, op.waiter.job_model) for op in self.operations if op.waiter}
        return sorted(found)

    @property
    def uses_models(self) -> bool:
        """Whether the operations module refers to `models`: in a result, a body or an argument's type."""
        for op in self.operations:
            hints = [op.result.type_hint, *(p.type_hint for p in op.parameters)]
            if op.events is not None and op.events.model is not None:
                return True  # its events are validated by their model class
            hints += [op.paging.item_hint] if op.paging else []
            if op.body is not None:
                if op.body.model is not None and op.body.encoding != "multipart":
                    return True  # validated by its model class
                hints += [f.type_hint for f in op.body.fields] + [op.body.whole_hint or ""]
            if any("models." in hint for hint in hints):
                return True
        return False

    @property
    def has_jobs(self) -> bool:
        return self.has_waiters or self.has_downloads

    @property
    def has_waiters(self) -> bool:
        return any(op.waiter for op in self.operations)

    @property
    def has_downloads(self) -> bool:
        return any(op.download for op in self.operations)

    @property
    def resource_class_names(self) -> list[str]:
        return sorted(
            (name for r in self.resources for name in (r.class_name, "Async" + r.class_name)), key=import_order
        )

    @property
    def streams(self) -> bool:
        return any(op.result.kind == "stream" for op in self.operations)

    @property
    def event_streams(self) -> bool:
        return any(op.events for op in self.operations)

    @property
    def two_mode_operations(self) -> bool:
        return any(op.two_modes for op in self.operations)

    @property
    def paginates(self) -> bool:
        return any(op.paging for op in self.operations)


CliKind = Literal["str", "int", "float", "bool", "json", "file"]


@dataclass(frozen=True)
class CliArgument:
    """One argument of a command: a positional (path parameters) or an option (`--aspect-ratio`)."""

    flag: str
    py_name: str
    kind: CliKind
    required: bool
    help: str
    choices: tuple[str, ...] = ()  # an enum's values: the only ones accepted unless `open_choices`
    open_choices: bool = False

    @property
    def positional(self) -> bool:
        return not self.flag.startswith("-")

    @property
    def metavar(self) -> str:
        """The value's placeholder, as the runtime's `Arg.metavar` names it: `--model MODEL`."""
        return self.flag.lstrip("-").replace("-", "_").upper()


@dataclass(frozen=True)
class Command:
    """One command of the generated command line, calling one method of one resource."""

    name: str
    help: str
    group: str | None
    resource_attr: str
    method: str
    kind: Literal["call", "wait", "download"]
    arguments: tuple[CliArgument, ...]
    wait_method: str | None = None
    download_method: str | None = None
    job_id_field: str | None = None
    status_field: str | None = None
    columns: tuple[str, ...] = ()
    pages: bool = False

    @property
    def constant(self) -> str:
        return constant_name(self.resource_attr, self.method)
