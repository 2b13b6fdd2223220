"""Which media type of a body or response the SDK uses, and how it travels."""

from __future__ import annotations

from typing import Any, Literal

Encoding = Literal["json", "form", "multipart", "text", "binary"]
TEXT_TYPES = ("application/xml", "application/yaml", "application/x-yaml", "application/csv")


def essence(media_type: str) -> str:
    """`Application/JSON; charset=utf-8` -> `application/json`."""
    return media_type.split(";", 1)[0].strip().lower()


def encoding(media_type: str) -> Encoding:
    kind = essence(media_type)
    if kind == "application/json" or kind.endswith("+json"):
        return "json"
    if kind == "application/x-www-form-urlencoded":
        return "form"
    if kind == "multipart/form-data":
        return "multipart"
    if kind.startswith("text/") or kind in TEXT_TYPES or kind.endswith("+xml"):
        return "text"
    return "binary"


_PREFERENCE: dict[Encoding, int] = {"json": 0, "form": 1, "multipart": 2, "text": 3, "binary": 4}


def preferred(content: dict[str, Any]) -> str | None:
    """The media type an SDK call sends or reads when several are offered: JSON first, then forms."""
    if not content:
        return None
    return min(content, key=lambda media_type: (_PREFERENCE[encoding(str(media_type))], str(media_type)))


def is_file_schema(schema: Any) -> bool:
    """A string property that carries a file: `format: binary` (3.0) or a `contentMediaType` (3.1)."""
    if not isinstance(schema, dict) or schema.get("type") not in ("string", ["string"]):
        return False
    return schema.get("format") == "binary" or ("contentMediaType" in schema and "contentEncoding" not in schema)


def success_status(responses: dict[str, Any]) -> str | None:
    """The response a call returns: the first 2XX status, else the `2XX` range, else `default`."""
    codes = sorted(str(s) for s in responses if str(s).startswith("2"))
    exact = [c for c in codes if c.isdigit()]
    return (exact or codes or (["default"] if "default" in responses else [None]))[0]
