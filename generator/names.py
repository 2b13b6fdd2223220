"""Turning spec names into Python identifiers: valid, non-keyword, deterministic."""

from __future__ import annotations

import functools
import re
from pathlib import Path

_WORD = re.compile(
    r"[A-Z]{2,}s(?![a-z])|[A-Z]+v[0-9]+(?![a-z])|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+"
)

# Python's keywords, frozen so that every Python the generator runs on (3.10 on) makes the same
# names: the hard ones have not changed since 3.7; `type` is a soft keyword from 3.12 on.
KEYWORDS = frozenset(
    "False None True and as assert async await break class continue def del elif else except finally for from"
    " global if import in is lambda nonlocal not or pass raise return try while with yield".split()
)
SOFT_KEYWORDS = frozenset({"_", "case", "match", "type"})

# The arguments every operation method has besides the spec's: the per-call options.
CALL_OPTIONS = frozenset({"self", "timeout", "max_retries", "extra_headers", "retry_non_idempotent"})
RESERVED_METHODS = frozenset({"with_response"})
# Names a signature may use besides the models and builtins, and the module each comes from.
# Only `typing` is imported at run time; the rest (pydantic's among them, which loads lazily)
# only under TYPE_CHECKING, which is enough since every annotation is a string.
ANNOTATION_MODULES = {
    "Any": "typing",
    "Literal": "typing",
    "AwareDatetime": "pydantic",
    "NaiveDatetime": "pydantic",
    "AnyUrl": "pydantic",
    "UUID": "uuid",
    "UUID1": "pydantic",
    "UUID3": "pydantic",
    "UUID4": "pydantic",
    "UUID5": "pydantic",
    "IPv4Address": "ipaddress",
    "IPv6Address": "ipaddress",
    "date": "datetime",
    "datetime": "datetime",
    "time": "datetime",
    "timedelta": "datetime",
    "Decimal": "decimal",
}
# Names the generated resources and client modules import: a resource class that would take one
# gets the suffix `Resource` instead (as do names ending in `Error`, kept for the error classes).
RESOURCE_MODULE_NAMES = frozenset(
    {"AsyncStreamContext", "AsyncTransport", "Auth", "BinaryResponse", "Call", "Callable", "DownloadResult"}
    | {"DEFAULT_MAX_RETRIES", "DEFAULT_POLL_INTERVAL", "DEFAULT_TIMEOUT", "DEFAULT_WAIT_TIMEOUT"}
    | {"Endpoint", "FileContent", "FileInput", "LazyModule", "Mapping", "NOT_GIVEN", "NotGiven", "ProgressCallback"}
    | {"RequestOptions", "Retries", "SyncTransport", "TYPE_CHECKING", "TracebackType", "Waiter"}
    | {"AsyncPager", "AsyncStream", "Events", "Pagination", "ServerSentEvent", "Stream", "SyncPager"}
    | set(ANNOTATION_MODULES)
)
# The error classes every SDK defines besides its root error (`<Client>Error`): no status or job
# error may take one of these names.
BUILT_IN_ERRORS = frozenset(
    {"APIError", "APIConnectionError", "APITimeoutError", "ResponseValidationError", "MissingCredentialsError"}
    | {"ConfigurationError", "RequestValidationError", "ResponseTooLargeError", "InsecureTransportWarning"}
    | {"JobFailedError", "WaitTimeoutError", "DownloadError"}
    | {"DestinationError", "DestinationExistsError"}
    | {"StreamError", "StreamEventError", "StreamInterruptedError", "StreamTimeoutError"}
    | {"PaginationError"}
)
# The client's own attributes, which a resource's attribute must not shadow: it gets a trailing `_`.
CLIENT_ATTRIBUTES = frozenset({"close"})
# Module-level names the generated methods call: an argument of the same name gets a trailing `_`.
MODULE_NAMES = frozenset(
    {"models", "json_body", "form_body", "multipart_body", "root_body", "text_body", "binary_body", "os"}
    | {"Call", "RequestOptions", "NotGiven", "isinstance", "wait", "async_wait", "download", "async_download"}
    | {"check_destination", "check_wait", "resumable"}
)


def parameter_name(name: str, override: object = None) -> str:
    """The argument for a parameter: its `x-sdk-name`, else its name in snake case, kept from what
    the method already uses (see `argument_name`)."""
    return argument_name(override if isinstance(override, str) else snake(name))


def argument_name(name: str) -> str:
    """An argument for a parameter or body property: one that would take a per-call option's name, or
    shadow a name the method's body uses, gets a trailing `_` (`timeout` -> `timeout_`)."""
    return name + "_" if name in MODULE_NAMES | CALL_OPTIONS else name


def words(name: str) -> list[str]:
    ascii_name = name.encode("ascii", "ignore").decode()
    return _WORD.findall(ascii_name)


def snake(name: str) -> str:
    """`createVideos` -> `create_videos`; `Video Generation` -> `video_generation`; `01ai` -> `field_01ai`."""
    result = "_".join(w.lower() for w in words(name))
    return safe_identifier(result)


def pascal(name: str) -> str:
    """`video generation` -> `VideoGeneration`; keeps inner capitals (`APIKey` stays `APIKey`)."""
    result = "".join(w[:1].upper() + w[1:] for w in words(name))
    return safe_identifier(result, prefix="Model")


def safe_identifier(name: str, prefix: str = "field") -> str:
    if not name:
        return prefix
    if name[0].isdigit():
        name = f"{prefix}_{name}"
    if name in KEYWORDS | SOFT_KEYWORDS:
        name += "_"
    return name


def resource_names(tag: str, taken: frozenset[str]) -> tuple[str, str]:
    """(client attribute, class name) of the resource for `tag`; `taken` holds further class names
    the modules define (the clients')."""
    attr = snake(tag)
    if attr in CLIENT_ATTRIBUTES:
        attr += "_"
    class_name = pascal(tag)
    variants = {class_name, "Async" + class_name}
    if variants & (RESOURCE_MODULE_NAMES | taken) or class_name.endswith("Error"):
        class_name += "Resource"
    return attr, class_name


@functools.cache
def reserved_modules() -> frozenset[str]:
    """The top-level module names listed in reserved_modules.txt, read on first use."""
    lines = (Path(__file__).parent / "reserved_modules.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def package_name(title: str) -> str:
    """The package name for a title: `Swagger Petstore` -> `swagger_petstore`; `Calendar` ->
    `calendar_api`, since a package named `calendar` would shadow the standard library's; `Lambda` ->
    `lambda_`, since `import lambda` is a syntax error."""
    name = snake(title)
    return f"{name}_api" if name in reserved_modules() else name


def client_class_name(title: str) -> str:
    """`Swagger Petstore` -> `SwaggerPetstore`; `API` -> `APIClient`, whose root error is then
    `APIClientError`, not the built-in `APIError`; `None` (a keyword) -> `NoneClient`."""
    name = "".join(w[:1].upper() + w[1:] for w in words(title))
    if name in KEYWORDS or f"{name}Error" in BUILT_IN_ERRORS:
        return f"{name}Client"
    return pascal(title)


def env_prefix(title: str) -> str:
    """The environment variables' prefix: the title's words in capitals (`Swagger Petstore` ->
    `SWAGGER_PETSTORE`, `Lambda` -> `LAMBDA`, so `LAMBDA_API_KEY`); never the `_` a keyword's
    Python name gets."""
    return "_".join(w.upper() for w in words(title))


# A distribution (project) name as PEP 508 allows it, which pip and setuptools check.
_DISTRIBUTION = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")


def is_distribution_name(name: str) -> bool:
    return _DISTRIBUTION.fullmatch(name) is not None


def distribution_name(package: str) -> str:
    """The distribution (and command) name for a package: its words joined by `-`, without the
    `_` of a keyword (`lambda_` -> `lambda`, `calendar_api` -> `calendar-api`); empty for a package
    with no letters or digits (`__`)."""
    return re.sub(r"[-_.]+", "-", package).strip("-")


def identifier_problem(name: str) -> str | None:
    """Why `name` cannot name a Python package, class, method or argument (`is a Python keyword`),
    or None when it can."""
    if name in KEYWORDS:
        return "is a Python keyword"
    if not (name.isidentifier() and name.isascii()):
        return "is not a Python identifier"
    return None


def operation_basis(method: str, path: str, operation_id: object) -> str:
    """The text an operation's method and model names derive from: its operationId, else (none, or
    none with ASCII letters) its method and path; an operationId starting with a digit gets the method."""
    found = words(operation_id) if isinstance(operation_id, str) else []
    if not found:
        return f"{method} {path}"
    return f"{method} {operation_id}" if found[0][0].isdigit() else str(operation_id)


# A version as PEP 440 writes it (its appendix's pattern, without the leading `v` and spaces).
_PEP440 = re.compile(
    r"([0-9]+!)?[0-9]+(\.[0-9]+)*"
    r"([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?"
    r"((-[0-9]+)|([-_.]?(post|rev|r)[-_.]?[0-9]*))?"
    r"([-_.]?dev[-_.]?[0-9]*)?"
    r"(\+[a-z0-9]+([-_.][a-z0-9]+)*)?",
    re.IGNORECASE,
)


def package_version(api_version: str) -> str:
    """The generated package's version: the API's (`info.version`) where packaging accepts it,
    else its digits (`2024-06-01` -> `2024.06.01`), else `0.0.0` with the API's as a local label."""
    version = api_version.strip().removeprefix("v")
    if _PEP440.fullmatch(version):
        return version
    if re.fullmatch(r"[0-9]+([^0-9a-zA-Z]+[0-9]+)*", version):
        return ".".join(re.findall(r"[0-9]+", version))
    label = ".".join(re.findall(r"[a-zA-Z0-9]+", version))
    return f"0.0.0+{label}" if label else "0.0.0"


def keyword_note(name: str) -> str:
    """`: it is a Python keyword` for a keyword, to end a message that says a name is unusable."""
    return ": it is a Python keyword" if name in KEYWORDS else ""


def is_identifier(name: str) -> bool:
    return identifier_problem(name) is None


def import_order(name: str) -> tuple[int, str, str]:
    """The order ruff's isort rules give the names of one `from ... import`: CONSTANTS, Classes,
    then functions, each in natural order ignoring case (`File2` before `File10`, `Files` before
    `FileVersions`), the exact name settling ties."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    natural = re.sub(r"\d+", lambda digits: digits.group().zfill(20), name.lower())
    return (kind, natural, name)
