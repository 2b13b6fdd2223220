"""`x-sdk-pagination`: how a list operation's next page is asked for, and where its items are.

The extension has the shape Speakeasy's `x-speakeasy-pagination` has (an alias of it):

    x-sdk-pagination:
      type: offsetLimit            # offsetLimit | cursor | url | link
      inputs:                      # the arguments that choose the page
        - {name: offset, in: parameters, type: offset}   # in: parameters | requestBody
        - {name: limit, in: parameters, type: limit}     # type: offset | page | limit | cursor
      outputs:                     # where the page's answer holds them, as `$.a.b`
        results: $.data            # the items (`$`: the response is the list)
        numPages: $.meta.pages     # with a `page` input: the number of pages
        nextCursor: $.next         # cursor: the next page's cursor
        nextUrl: $.links.next      # url: the next page's URL

`link` follows the response's `Link` header (`rel="next"`, RFC 8288). Given at the document's
root, it is the default of every operation whose inputs and results it fits; an operation opts out
with `x-sdk-pagination: false`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import ir
from .aliases import written_key
from .diagnostics import join_pointer
from .models import annotation_names, list_item, qualify_models

if TYPE_CHECKING:
    from .build import _Builder

PAGINATION = "x-sdk-pagination"
KINDS = {"offsetLimit": None, "cursor": "cursor", "url": "url", "link": "link"}
INPUT_TYPES = ("offset", "page", "limit", "cursor")
OUTPUTS = {"results": "results", "numPages": "num_pages", "nextCursor": "next_cursor", "nextUrl": "next_url"}
_PATH = re.compile(r"\$((?:\.[^.\[\]]+)*)")


class _Unfit(Exception):
    """The document's default does not fit this operation (no error: it is not paginated)."""


def pagination(
    builder: _Builder,
    pointer: str,
    operation: dict[str, Any],
    params: dict[str, list[ir.Parameter]],
    body: ir.RequestBody | None,
    result: ir.Result,
) -> ir.Paging | None:
    """The operation's paging, from its own `x-sdk-pagination` or the document's; problems with
    the operation's own go to `builder.fail`."""
    if PAGINATION in operation:
        config, where, own = operation[PAGINATION], join_pointer(pointer, PAGINATION), True
        if config is False:
            return None
    elif PAGINATION in builder.doc.data:
        config, where, own = builder.doc.data[PAGINATION], f"/{PAGINATION}", False
    else:
        return None

    def fail(at: str, message: str, hint: str | None = None) -> None:
        if not own:
            raise _Unfit
        builder.fail(at, message, hint)

    try:
        return _paging(builder, config, where, params, body, result, fail)
    except _Unfit:
        return None


def _paging(
    builder: _Builder,
    config: Any,
    where: str,
    params: dict[str, list[ir.Parameter]],
    body: ir.RequestBody | None,
    result: ir.Result,
    fail: Any,
) -> ir.Paging | None:
    if not isinstance(config, dict) or not isinstance(config.get("type"), str) or config["type"] not in KINDS:
        builder.fail(
            join_pointer(where, "type") if isinstance(config, dict) else where,
            f"{written_key(builder.doc, where) or PAGINATION} takes a mapping whose `type` is one of {', '.join(KINDS)}",
        )
        return None
    inputs: dict[str, tuple[str, str]] = {}
    if not isinstance(config.get("inputs") or [], list):
        builder.fail(join_pointer(where, "inputs"), "inputs is a list of {name, in, type} mappings")
        return None
    for index, raw in enumerate(config.get("inputs") or []):
        at = join_pointer(where, "inputs", index)
        kind_of = raw.get("type") if isinstance(raw, dict) else None
        if not isinstance(kind_of, str) or kind_of not in INPUT_TYPES or not isinstance(raw.get("name"), str):
            builder.fail(at, f"an input is a mapping with a `name` and a `type` among {', '.join(INPUT_TYPES)}")
            return None
        if raw.get("in", "parameters") not in ("parameters", "requestBody", "query"):
            builder.fail(join_pointer(at, "in"), "an input's `in` is `parameters` or `requestBody`")
            return None
            builder.fail(at, f"an input is a mapping with a `name` and a `type` among {', '.join(INPUT_TYPES)}")
            return None
        found = _input(raw, params, body)
        if found is None and raw.get("in") == "requestBody" and body is not None:
            why = "is taken whole (as one argument)" if body.whole_hint is not None else f"is {body.content_type}"
            builder.fail(
                at,
                f"the request body {why}: a body input needs a JSON body taken one property per argument",
                "take the input as a query parameter, or raise x-sdk-max-method-params",
            )
            return None
        if found is None:
            place = "request body property" if raw.get("in") == "requestBody" else "query parameter"
            fail(
                at,
                f"the operation has no {place} {raw['name']!r}",
                "name one of its query parameters or body properties",
            )
            return None
        inputs[raw["type"]] = found
    outputs = config.get("outputs") or {}
    if not isinstance(outputs, dict):
        builder.fail(join_pointer(where, "outputs"), "outputs is a mapping of results, numPages, nextCursor, nextUrl")
        return None
    kind = KINDS[config["type"]] or ("page" if "page" in inputs else "offset")
    needs = {"offset": ["offset"], "page": ["page"], "cursor": ["cursor"], "url": [], "link": []}[kind]
    if config["type"] == "offsetLimit" and not {"offset", "page"} & set(inputs):
        fail(join_pointer(where, "inputs"), "offsetLimit needs an input of type offset or page")
        return None
    for name in needs:
        if name not in inputs:
            fail(join_pointer(where, "inputs"), f"{config['type']} needs an input of type {name}")
            return None
    wanted = {"cursor": "nextCursor", "url": "nextUrl"}.get(kind)
    if wanted and wanted not in outputs:
        fail(join_pointer(where, "outputs"), f"{config['type']} needs outputs.{wanted}")
        return None
    if result.kind != "json" or result.model is None:
        fail(where, "a paginated operation must answer with a JSON model")
        return None
    paths: dict[str, tuple[str, ...]] = {}
    item_hint = None
    for key in ("results", "numPages", "nextCursor", "nextUrl"):
        if key not in outputs:
            continue
        walked = _walk(builder, result, outputs[key])
        if walked is None:
            fields = builder.models.classes[result.model].fields if result.model in builder.models.classes else {}
            known = ", ".join(f"$.{name}" for name in fields if name != "root") or "$ (the answer is the list)"
            fail(
                join_pointer(where, "outputs", key),
                f"{outputs[key]!r} is not a property path of {result.model}",
                f"a path is `$.name` or `$.name.name`, from the answer's properties: {known}",
            )
            return None
        paths[OUTPUTS[key]], annotation = walked
        if key == "results":
            item = list_item(annotation)
            if item is None:
                fail(join_pointer(where, "outputs", key), f"{outputs[key]!r} is not a list, it is {annotation}")
                return None
            item_hint = qualify_models(item, builder.models.classes)
    if item_hint is None:
        fail(join_pointer(where, "outputs"), "outputs.results must say where the items are (`$.data`)")
        return None
    # A query limit's default is the server's page size when the caller gives none.
    declared = [p for p in params["query"] if inputs.get("limit") == ("query", p.wire_name) and p.has_default]
    default_limit = declared[0].default if declared and type(declared[0].default) is int else None
    return ir.Paging(
        kind=kind,  # type: ignore[arg-type]
        item_hint=item_hint,
        default_limit=default_limit,
        offset=inputs.get("offset"),
        page=inputs.get("page"),
        limit=inputs.get("limit"),
        cursor=inputs.get("cursor"),
        **paths,
    )


def _input(
    raw: dict[str, Any], params: dict[str, list[ir.Parameter]], body: ir.RequestBody | None
) -> tuple[str, str] | None:
    """(location, wire name) of an input: a query parameter, or a property of a JSON body."""
    name = raw["name"]
    if raw.get("in", "parameters") == "requestBody":
        fields = body.fields if body is not None and body.encoding == "json" and body.whole_hint is None else ()
        return ("body", name) if any(f.wire_name == name for f in fields) else None
    return ("query", name) if any(p.wire_name == name for p in params["query"]) else None


def _walk(builder: _Builder, result: ir.Result, path: Any) -> tuple[tuple[str, ...], str] | None:
    """(attribute names, the last one's annotation) along `$.a.b` from the result's model."""
    found = _PATH.fullmatch(path) if isinstance(path, str) else None
    if found is None:
        return None
    classes = builder.models.classes
    model = classes.get(result.model or "")
    segments = [s for s in found[1].split(".") if s]
    if not segments:
        root = model.fields.get("root") if model else None
        return ((), root.annotation) if root else None
    names: list[str] = []
    annotation = ""
    for segment in segments:
        if model is None or segment not in model.fields or list_item(annotation or "None") is not None:
            return None  # no such property, or a step into a list's items: a path names one list
        field = model.fields[segment]
        names.append(field.py_name)
        annotation = field.annotation
        nested = [classes[n] for n in annotation_names(annotation) if n in classes and classes[n].enum_values is None]
        model = nested[0] if len(nested) == 1 else None
    return tuple(names), annotation
