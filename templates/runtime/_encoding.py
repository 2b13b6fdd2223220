"""How arguments travel: parameters by OpenAPI style and explode, and request bodies by media type.

Generated operations name the style of a parameter only where it differs from its location's
default (`form` exploded in query and cookie, `simple` in path and header); bodies are built by
one function per media type and sent by the transport as they are.
"""

from __future__ import annotations

import contextlib
import enum
import json
import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, Final, Literal
from urllib.parse import quote

from .errors import RequestValidationError

if TYPE_CHECKING:  # pydantic loads with the first request, not on import
    import pydantic

__all__ = ["NOT_GIVEN", "NotGiven", "Body", "FileInput", "Style"]


class NotGiven:
    """Marks an argument the caller did not pass, as distinct from an explicit `None`."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Final = NotGiven()

# (style, explode) of one parameter, e.g. ("form", False) for `?ids=1,2`.
Style = tuple[str, bool]
DEFAULT_STYLES: Mapping[str, Style] = {
    "path": ("simple", False),
    "query": ("form", True),
    "header": ("simple", False),
    "cookie": ("form", True),
}

# A file for a multipart upload: its bytes or an open binary file, optionally with a file name
# and a content type, as `(name, content)` or `(name, content, content_type)`.
FileContent = bytes | IO[bytes]
FileInput = FileContent | tuple[str, FileContent] | tuple[str, FileContent, str]


def given(value: Any) -> bool:
    return not isinstance(value, NotGiven) and value is not None


def plain(value: Any) -> Any:
    """Models, enums, dates and the like as the JSON values they stand for."""
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    import pydantic

    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return pydantic.TypeAdapter(type(value)).dump_python(value, mode="json")


def text(value: Any) -> str:
    """One scalar as parameter text: booleans the way APIs expect them, objects as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return "" if value is None else str(value)


def _parts(value: Any, explode: bool, quote_part: Any = str) -> list[str]:
    """An array's items, or an object's `key=value` pairs (exploded) or alternating keys and values."""
    if isinstance(value, dict):
        if explode:
            return [
                f"{quote_part(key)}={quote_part(text(item))}"
                for key, item in value.items()
            ]
        return [
            quote_part(part)
            for key, item in value.items()
            for part in (key, text(item))
        ]
    if isinstance(value, list):
        return [quote_part(text(item)) for item in value]
    return [quote_part(text(value))]


def query_pairs(
    query: Mapping[str, Any], styles: Mapping[tuple[str, str], Style]
) -> list[tuple[str, str]]:
    """The query string as (name, value) pairs, leaving out arguments the caller did not give."""
    pairs: list[tuple[str, str]] = []
    for name, raw in query.items():
        if not given(raw):
            continue
        style, explode = styles.get(("query", name), DEFAULT_STYLES["query"])
        value = plain(raw)
        if style == "json":  # a parameter declared with `content: application/json`
            pairs.append((name, json.dumps(value, separators=(",", ":"))))
        elif isinstance(value, dict) and style == "deepObject":
            pairs += [(f"{name}[{key}]", text(item)) for key, item in value.items()]
        elif isinstance(value, dict) and explode:
            pairs += [(str(key), text(item)) for key, item in value.items()]
        elif isinstance(value, list) and explode and style == "form":
            pairs += [(name, text(item)) for item in value]
        elif isinstance(value, (list, dict)):
            if not value:
                continue  # an empty list or map is undefined: no parameter (RFC 6570 §2.3)
            separator = {"spaceDelimited": " ", "pipeDelimited": "|"}.get(style, ",")
            pairs.append((name, separator.join(_parts(value, False))))
        else:
            pairs.append((name, text(value)))
    return pairs


def path_segment(name: str, raw: Any, style: Style) -> str:
    """One path parameter, delimited as its style says (`simple`, `label`, `matrix`), every character
    but the unreserved ones percent-encoded (RFC 6570): a value cannot add a segment (`a/b`).
    """
    kind, explode = style
    value = plain(raw)

    def encode(part: str) -> str:
        return quote(part, safe="")

    parts = _parts(value, explode, encode)
    if kind == "label":
        return "." + ("." if explode else ",").join(parts)
    if kind == "matrix":
        name = encode(name)
        if explode and isinstance(value, list):
            return "".join(f";{name}={part}" for part in parts)
        if explode and isinstance(value, dict):
            return "".join(";" + part for part in parts)
        return f";{name}=" + ",".join(parts)
    return ",".join(parts)


def header_values(
    headers: Mapping[str, Any], styles: Mapping[tuple[str, str], Style]
) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, raw in headers.items():
        if given(raw):
            style, explode = styles.get(("header", name), DEFAULT_STYLES["header"])
            value = plain(raw)
            found[name] = (
                json.dumps(value)
                if style == "json"
                else ",".join(_parts(value, explode))
            )
    return found


def cookie_header(
    cookies: Mapping[str, Any], styles: Mapping[tuple[str, str], Style]
) -> str | None:
    """A `Cookie` header for the cookie parameters given, or None when there are none."""
    pairs: list[str] = []
    for name, raw in cookies.items():
        if not given(raw):
            continue
        _, explode = styles.get(("cookie", name), DEFAULT_STYLES["cookie"])
        value = plain(raw)
        if explode and isinstance(value, list):
            pairs += [f"{name}={quote(text(item), safe='')}" for item in value]
        else:
            pairs.append(
                f"{name}="
                + ",".join(_parts(value, False, lambda part: quote(part, safe="")))
            )
    return "; ".join(pairs) or None


@dataclass(frozen=True)
class Body:
    """A request body as httpx sends it: JSON, form fields (with files for multipart) or raw content."""

    content_type: str
    json: Any = None
    data: Mapping[str, Any] | None = None
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None
    content: bytes | None = None

    def httpx_arguments(self) -> dict[str, Any]:
        if self.content is not None:
            return {"content": self.content}
        if self.data is not None or self.files is not None:
            return {"data": self.data, "files": self.files or None}
        return {"json": self.json}

    def headers(self) -> dict[str, str]:
        """The Content-Type to send, where httpx would not choose it (it writes multipart boundaries)."""
        if (
            self.files
            or self.data is not None
            or self.content_type == "application/json"
        ):
            return {}
        return {"Content-Type": self.content_type}


def json_body(
    model: type[pydantic.BaseModel],
    fields: Mapping[str, Any],
    content_type: str = "application/json",
) -> Body:
    """Validates the given fields against the request model and returns exactly the JSON to send.

    Only fields the caller gave are sent: unset optional fields are absent, not `null`.
    """
    given_fields = {
        name: value for name, value in fields.items() if not isinstance(value, NotGiven)
    }
    with invalid_arguments(model.__name__):
        instance = model.model_validate(given_fields)
    return model_body(instance, content_type)


def model_body(
    instance: pydantic.BaseModel, content_type: str = "application/json"
) -> Body:
    with invalid_arguments(type(instance).__name__):  # a value that refers to itself
        dumped = instance.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return Body(content_type, json=_finite(dumped, type(instance).__name__))


def root_body(
    model: type[pydantic.BaseModel] | type[enum.Enum],
    value: Any,
    content_type: str = "application/json",
) -> Body:
    """A body whose schema is not an object (an array, a union, a scalar, an enum): validated whole."""
    with invalid_arguments(model.__name__):
        if issubclass(model, enum.Enum):
            import pydantic

            valid = plain(pydantic.TypeAdapter(model).validate_python(value))
            return Body(content_type, json=_finite(valid, model.__name__))
        instance = model.model_validate(value)
    return model_body(instance, content_type)


def _finite(data: Any, what: str) -> Any:
    """`data`, if JSON (RFC 8259 §6) can carry every number in it: not infinity, not NaN (which
    older httpx would send as the non-JSON `Infinity`)."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, float) and not math.isfinite(value):
            raise RequestValidationError(
                f"invalid arguments for {what}: {value} cannot be sent as JSON"
            )
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return data


@contextlib.contextmanager
def invalid_arguments(what: str) -> Iterator[None]:
    """A pydantic validation error of the caller's arguments as the SDK's `RequestValidationError`,
    its problems in `errors`; nothing has been sent."""
    try:
        yield
    except ValueError as exc:  # pydantic.ValidationError
        errors = getattr(exc, "errors", None)
        problems = errors() if callable(errors) else []
        raise RequestValidationError(
            f"invalid arguments for {what}: {exc}", errors=problems
        ) from exc


def form_body(model: type[pydantic.BaseModel], fields: Mapping[str, Any]) -> Body:
    """`application/x-www-form-urlencoded`: validated like JSON, then sent as form fields."""
    dumped = json_body(model, fields).json
    return Body(
        "application/x-www-form-urlencoded",
        data={name: _form_value(value) for name, value in dumped.items()},
    )


def multipart_body(fields: Mapping[str, Any], file_fields: frozenset[str]) -> Body:
    """`multipart/form-data` keyed by wire name: files as file parts, everything else as text parts."""
    data: dict[str, Any] = {}
    files: list[tuple[str, tuple[str, bytes, str]]] = []
    for name, value in fields.items():
        if not given(value):
            continue
        if name in file_fields:
            for item in value if isinstance(value, list) else [value]:
                files.append((name, _file_part(item)))
        else:
            data[name] = _form_value(plain(value))
    return Body("multipart/form-data", data=data, files=files)


def text_body(value: str, content_type: str) -> Body:
    return Body(content_type, content=value.encode("utf-8"))


def binary_body(value: FileContent, content_type: str) -> Body:
    return Body(content_type, content=_read(value))


def _form_value(value: Any) -> Any:
    if isinstance(value, list):
        return [text(item) for item in value]
    return text(value)


def _read(content: FileContent) -> bytes:
    # Read once, so a retried request sends the same bytes again.
    return content if isinstance(content, bytes) else content.read()


def _file_part(item: FileInput) -> tuple[str, bytes, str]:
    if isinstance(item, tuple):
        name, content, *rest = item
        return name, _read(content), rest[0] if rest else "application/octet-stream"
    name = os.path.basename(str(getattr(item, "name", "") or "")) or "upload"
    return name, _read(item), "application/octet-stream"
