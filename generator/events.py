"""Server-sent events: an operation whose success response offers `text/event-stream`.

The events' schema is either the whole event, an "envelope" whose properties are among the event's
fields (`id`, `event`, `data`, `retry`: WHATWG HTML §9.2.6, and OpenAPI 3.2's `itemSchema`
reading), or the schema of each event's `data`. `x-sdk-stream` adds the `sentinel` that ends the
stream (`[DONE]`) and the `request-field`, a boolean body property that switches the response
from JSON to events.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import ir
from .aliases import written_key
from .diagnostics import join_pointer
from .media import essence, success_status

if TYPE_CHECKING:
    from .build import _Builder

EVENT_STREAM = "text/event-stream"
STREAM = "x-sdk-stream"
EVENT_FIELDS = frozenset({"id", "event", "data", "retry"})
STREAM_KEYS = frozenset({"sentinel", "request-field"})


def event_media_type(content: Any) -> str | None:
    """The `text/event-stream` media type of a response's content, as the document spells it."""
    if not isinstance(content, dict):
        return None
    return next((str(m) for m in content if essence(str(m)) == EVENT_STREAM), None)


def streamed(operation: dict[str, Any], content: Any) -> str | None:
    """The event-stream media type an operation's success response is read as: the only media type
    (or the first choice over other non-JSON ones), or beside JSON when `x-sdk-stream` names the
    request field that asks for it. None when the SDK reads another media type."""
    media_type = event_media_type(content)
    if media_type is None:
        return None
    config = operation.get(STREAM)
    if isinstance(config, dict) and isinstance(config.get("request-field"), str):
        return media_type
    others = [essence(str(m)) for m in content if str(m) != media_type]
    json = [m for m in others if m == "application/json" or m.endswith("+json")]
    return None if json else media_type


def success_content(doc: Any, pointer: str, operation: dict[str, Any]) -> tuple[Any, str]:
    """The success response's content and the response's pointer."""
    responses = operation.get("responses") if isinstance(operation.get("responses"), dict) else {}
    status = success_status(responses)
    if status is None:
        return None, ""
    response, response_pointer = doc.resolve(responses[status], join_pointer(pointer, "responses", status))
    return (response.get("content") if isinstance(response, dict) else None), response_pointer


def event_stream(
    builder: _Builder, pointer: str, operation: dict[str, Any], body: ir.RequestBody | None
) -> ir.EventStream | None:
    """The operation's event stream, or None; problems go to `builder.fail`."""
    content, response_pointer = success_content(builder.doc, pointer, operation)
    config = operation.get(STREAM)
    config_pointer = join_pointer(pointer, STREAM)
    if config is not None and not _valid_config(builder, config, config_pointer):
        return None
    media_type = streamed(operation, content)
    if media_type is None:
        if config is not None and event_media_type(content) is None:
            at = config_pointer
            if isinstance(config, dict) and "request-field" in config:
                at = join_pointer(config_pointer, "request-field")
            written = written_key(builder.doc, at)  # the alias the user wrote, if any
            key = written if written.startswith("x-speakeasy-") else STREAM
            builder.fail(
                at,
                f"{key} is on an operation whose success response has no {EVENT_STREAM} content",
                f"add a {EVENT_STREAM} media type to the response, or remove {key}",
            )
        return None
    if config is None:
        config = {}
    sentinel = config.get("sentinel")
    field = config.get("request-field")
    argument = None
    others = [essence(str(m)) for m in content if str(m) != media_type]
    if field is not None and not any(m == "application/json" or m.endswith("+json") for m in others):
        builder.fail(
            join_pointer(config_pointer, "request-field"),
            f"request-field {field!r} switches between JSON and events, but the response offers no JSON",
            "add the JSON media type to the success response, or remove the request field",
        )
        return None
    if field is not None:
        found = [f for f in (body.fields if body and body.whole_hint is None else ()) if f.wire_name == field]
        if not found:
            builder.fail(
                join_pointer(config_pointer, "request-field"),
                f"request-field {field!r} is not a property of the operation's JSON request body",
                "name the boolean body property that asks for events (`stream`)",
            )
            return None
        if found[0].type_hint.replace(" | None", "") != "bool":
            builder.fail(
                join_pointer(config_pointer, "request-field"),
                f"request-field {field!r} must be a boolean property, not {found[0].type_hint}",
            )
            return None
        argument = found[0].py_name
    schema_pointer = join_pointer(response_pointer, "content", media_type, "schema")
    raw = (content[media_type] or {}).get("schema") if isinstance(content[media_type], dict) else None
    if not raw:
        return ir.EventStream(None, sentinel=sentinel, request_field=field, request_argument=argument)
    schema = builder.schema(raw, schema_pointer)
    envelope = _is_envelope(builder, schema)
    model = builder.model_class(raw, schema_pointer)
    if model is None:
        return None
    return ir.EventStream(
        model,
        root_hint=builder.root_hint(model),
        envelope=envelope,
        json_data=_json_data(builder, schema, envelope),
        sentinel=sentinel,
        request_field=field,
        request_argument=argument,
    )


def _valid_config(builder: _Builder, config: Any, config_pointer: str) -> bool:
    """Whether `x-sdk-stream` is well formed; each fault goes to `builder.fail`, located."""
    if not isinstance(config, dict):
        builder.fail(config_pointer, f"{STREAM} takes a mapping with `sentinel` and `request-field`")
        return False
    for key in sorted(set(config) - STREAM_KEYS):
        builder.fail(
            join_pointer(config_pointer, key), f"{STREAM} has no {key!r}: it takes `sentinel` and `request-field`"
        )
        return False
    sentinel = config.get("sentinel")
    if sentinel is not None and not (isinstance(sentinel, str) and sentinel):
        builder.fail(join_pointer(config_pointer, "sentinel"), "the sentinel must be a non-empty string")
        return False
    field = config.get("request-field")
    if field is not None and not (isinstance(field, str) and field):
        builder.fail(
            join_pointer(config_pointer, "request-field"),
            f"the request field must be the name of a boolean body property, not {field!r}",
            "name the property that asks for events (`stream`)",
        )
        return False
    return True


def _members(builder: _Builder, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The schema itself, or the members of its `oneOf` / `anyOf`, each with the properties of
    the `allOf` parts it merges."""
    members = schema.get("oneOf") or schema.get("anyOf")
    found = [builder.schema(member, "") for member in members] if isinstance(members, list) and members else [schema]
    return [_merged(builder, member) for member in found]


def _merged(builder: _Builder, schema: dict[str, Any]) -> dict[str, Any]:
    parts = schema.get("allOf")
    if not isinstance(parts, list):
        return schema
    properties: dict[str, Any] = {}
    for part in parts:
        properties.update(_merged(builder, builder.schema(part, "")).get("properties") or {})
    return {**schema, "properties": {**properties, **(schema.get("properties") or {})}}


def _is_envelope(builder: _Builder, schema: dict[str, Any]) -> bool:
    """Whether the schema describes whole events: each member an object of event fields, `data` among them."""
    for member in _members(builder, schema):
        properties = member.get("properties")
        if not isinstance(properties, dict) or "data" not in properties or set(properties) - EVENT_FIELDS:
            return False
    return True


def _json_data(builder: _Builder, schema: dict[str, Any], envelope: bool) -> bool:
    """Whether each event's `data` is JSON text: any data schema but a plain string is."""
    data = [builder.schema((m.get("properties") or {}).get("data"), "") for m in _members(builder, schema)]
    if not envelope:
        data = [schema]
    return not all(_plain_string(d) for d in data)


def _plain_string(schema: dict[str, Any]) -> bool:
    """A string (nullable or not, or an enum or const of strings), not JSON text."""
    kind = schema.get("type")
    kinds = set(kind) if isinstance(kind, list) else {kind} if kind else set()
    if not kinds:  # an enum or a const of strings says its type by its values
        values = schema.get("enum", [schema["const"]] if "const" in schema else [])
        kinds = {"string"} if values and all(isinstance(v, str) for v in values) else set()
    if kinds - {"null"} != {"string"}:
        return False
    media_type = str(schema.get("contentMediaType") or "")
    return not (media_type == "application/json" or media_type.endswith("+json"))
