"""Stage 3: the validated spec (plus the models index) as typed IR for the templates."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from . import arguments, ir
from .config import Config
from .diagnostics import Diagnostic, SpecError, join_pointer
from .events import EVENT_STREAM, event_stream, streamed
from .http_status import reason_phrase
from .load import SpecDocument
from .media import encoding, essence, is_file_schema, preferred, success_status
from .models import ModelsModule, accept_enum_values, enum_class, qualify_models, without_none
from .names import (
    BUILT_IN_ERRORS,
    argument_name,
    is_identifier,
    keyword_note,
    parameter_name,
    pascal,
    resource_names,
)
from .pagination import pagination
from .sdk_extensions import deprecation_message
from .validate import (
    IDEMPOTENCY,
    MAX_METHOD_PARAMS,
    RESOURCE,
    RETRIES,
    declared_parameters,
    global_name,
    global_parameters,
    method_name,
    operations,
    resource_tag,
    retry_status,
)

BODY_ARGUMENT = "body"


class _Builder:
    def __init__(self, doc: SpecDocument, models: ModelsModule, config: Config, spec_name: str) -> None:
        self.doc = doc
        self.models = models
        self.config = config
        self.spec_name = spec_name
        self.problems: list[Diagnostic] = []
        self.warnings: list[Diagnostic] = []
        self.error_sources: dict[int, list[tuple[str | None, str, dict[str, Any]]]] = {}

    def fail(self, pointer: str, message: str, hint: str | None = None) -> None:
        self.problems.append(self.doc.diagnostic(pointer, message, hint))

    def schema(self, value: Any, pointer: str) -> dict[str, Any]:
        """The schema `value` refers to; `{}` for a boolean schema (3.1's `true`) or none at all."""
        schema, _ = self.doc.resolve(value, pointer)
        return schema if isinstance(schema, dict) else {}

    def build(self) -> ir.Api:
        data = self.doc.data
        info = data.get("info") or {}
        title = str(info.get("title") or "API")
        version = str(info.get("version") or "0.0.0")
        names = ir.SdkNames(**self.config.names_for(title, version))
        resource_attrs = self.resource_names(names)
        self.globals = self.global_parameters()
        resources: dict[str, list[ir.Operation]] = {}
        for pointer, method, path, operation in operations(self.doc):
            tag = resource_tag(operation)
            built = self.operation(pointer, method, path, operation)
            if built is not None:
                resources.setdefault(tag, []).append(replace(built, resource_attr=resource_attrs[tag][0]))
        resources = self.with_undeclared_globals(resources)
        errors = self.error_classes(names.root_error)
        security = self.security()
        resources = {
            tag: [replace(op, auth=self.operation_auth(self.doc.get(op.pointer), security)) for op in ops]
            for tag, ops in resources.items()
        }
        if self.problems:
            raise SpecError(self.problems)
        tag_docs = {str(t.get("name")): str(t.get("description") or "") for t in data.get("tags") or []}
        return ir.Api(
            title=title,
            version=version,
            description=str(info.get("description") or "").strip(),
            servers=self.servers(),
            names=names,
            security=security,
            resources=tuple(
                ir.Resource(
                    tag=tag,
                    attr_name=resource_attrs[tag][0],
                    class_name=resource_attrs[tag][1],
                    description=tag_docs.get(tag, ""),
                    operations=tuple(ops),
                )
                for tag, ops in resources.items()
            ),
            errors=errors,
            spec_name=self.spec_name,
            spec_sha256=self.doc.sha256,
            regenerate_command=self.config.regenerate(self.spec_name),
            model_classes=tuple(self.models.classes),
            notices=(*self.doc.warnings, *self.warnings),
            globals=tuple(self.globals.values()),
        )

    # -- x-sdk-globals ----------------------------------------------------------------------

    def global_parameters(self) -> dict[tuple[str, str], ir.Parameter]:
        """The client-level parameters by (location, wire name; a header's in lower case), each
        named by its constructor keyword."""
        found: dict[tuple[str, str], ir.Parameter] = {}
        for pointer, raw in global_parameters(self.doc):
            parameter = self.parameter(pointer, raw)
            if parameter is not None:
                found[_global_key(parameter)] = replace(parameter, py_name=global_name(raw))
        return found

    def client_filled(self, parameter: ir.Parameter) -> ir.Parameter:
        """An operation's parameter that a global parameter of its name and location fills: an
        optional argument, the client's value sent when it is not given."""
        other = self.globals.get(_global_key(parameter))
        if other is None:
            return parameter
        note = f"Defaults to the client's `{other.py_name}`."
        return replace(
            parameter,
            required=False,
            has_default=False,  # the client's value is sent, never the server's default
            global_name=other.py_name,
            description=f"{parameter.description.rstrip('.')}. {note}" if parameter.description else note,
        )

    def with_undeclared_globals(self, resources: dict[str, list[ir.Operation]]) -> dict[str, list[ir.Operation]]:
        """Each operation's `globals`: those it declares, and the header, query and cookie globals no
        operation declares, which go with every call. A path global nobody declares is never sent."""
        declared = {_global_key(p) for ops in resources.values() for op in ops for p in op.parameters}
        everywhere = []
        for key, parameter in self.globals.items():
            if key in declared:
                continue
            if parameter.location == "path":
                self.warn(
                    parameter.pointer,
                    f"the global path parameter {parameter.wire_name!r} is in no operation's path: it is never sent",
                    "declare it as a path parameter of the operations whose paths hold it",
                )
            else:
                everywhere.append((parameter.location, parameter.wire_name))
        return {
            tag: [
                replace(
                    op,
                    globals=tuple((p.location, p.wire_name) for p in op.parameters if p.global_name)
                    + tuple(everywhere),
                )
                for op in ops
            ]
            for tag, ops in resources.items()
        }

    def retries(self, pointer: str, operation: dict[str, Any]) -> ir.Retries | None:
        """The operation's `x-sdk-retries`, else the document's (validated before this stage)."""
        raw = operation.get(RETRIES, self.doc.data.get(RETRIES))
        if not isinstance(raw, dict):
            return None
        if raw.get("strategy") == "none":
            return ir.Retries(enabled=False)
        backoff = raw.get("backoff") if isinstance(raw.get("backoff"), dict) else {}

        def seconds(key: str) -> float | None:
            value = backoff.get(key)
            return value / 1000 if isinstance(value, (int, float)) else None

        codes = [retry_status(code) for code in raw.get("statusCodes") or []] if "statusCodes" in raw else None
        return ir.Retries(
            initial_delay=seconds("initialInterval"),
            max_delay=seconds("maxInterval"),
            total_timeout=seconds("maxElapsedTime"),
            exponent=backoff.get("exponent") if isinstance(backoff.get("exponent"), (int, float)) else None,
            statuses=None if codes is None else tuple(sorted({c[1] for c in codes if c and c[0] == "status"})),
            status_classes=tuple(sorted({c[1] for c in codes or [] if c and c[0] == "range"})),
            connection_errors=raw.get("retryConnectionErrors") if "retryConnectionErrors" in raw else None,
        )

    def resource_names(self, names: ir.SdkNames) -> dict[str, tuple[str, str]]:
        """(client attribute, class name) for each tag; two tags that would share one are refused."""
        clients = frozenset({names.client_class, names.async_client_class})
        resource_of: dict[str, tuple[str, str]] = {}
        owners: dict[str, tuple[str, str]] = {}  # generated name -> (tag, pointer of its first use)
        for pointer, _, _, operation in operations(self.doc):
            tag = resource_tag(operation)
            if tag in resource_of:
                continue
            attr, class_name = resource_of[tag] = resource_names(tag, clients)
            where = join_pointer(pointer, "tags", 0) if operation.get("tags") else pointer
            where = join_pointer(pointer, RESOURCE) if RESOURCE in operation else where
            variants = (class_name, f"Async{class_name}", f"{class_name}WithResponse", f"Async{class_name}WithResponse")
            for name in (attr, *variants):
                if name in owners and owners[name][0] != tag:
                    other, first = owners[name]
                    self.fail(
                        where,
                        f"tag {tag!r} would make the resource name {name!r}, as tag {other!r} (at {first}) does",
                        "spell the tags of one resource the same way, or rename one of them",
                    )
                    break
                owners.setdefault(name, (tag, where))
        return resource_of

    # -- operations -------------------------------------------------------------------------

    def operation(self, pointer: str, method: str, path: str, operation: dict[str, Any]) -> ir.Operation | None:
        params: dict[str, list[ir.Parameter]] = {"path": [], "query": [], "header": [], "cookie": []}
        by_key: dict[tuple[str, str], ir.Parameter] = {}
        for param_pointer, raw in declared_parameters(self.doc, pointer, path, operation):
            parameter = self.parameter(param_pointer, raw)
            if parameter is not None:
                parameter = self.client_filled(parameter)
                by_key[(parameter.location, parameter.wire_name)] = parameter  # operation level overrides path level
        for parameter in by_key.values():
            params[parameter.location].append(parameter)
        params["path"].sort(key=lambda p: path.find("{" + p.wire_name + "}"))
        body = self.request_body(pointer, operation, method, path)
        params, body = self.settle_names(pointer, params, body)
        idempotency_header, idempotency_argument = self.idempotency(pointer, method, operation, params, body)
        success, others = self.responses(pointer, operation)
        events = event_stream(self, pointer, operation, body)
        paging = pagination(self, pointer, operation, params, body, success)
        return ir.Operation(
            operation_id=str(operation.get("operationId") or method_name(method, path, operation)),
            method_name=method_name(method, path, operation),
            http_method=method.upper(),
            path=path,
            summary=str(operation.get("summary") or "").strip(),
            description=str(operation.get("description") or "").strip(),
            path_params=tuple(params["path"]),
            query_params=tuple(params["query"]),
            header_params=tuple(params["header"]),
            cookie_params=tuple(params["cookie"]),
            body=body,
            result=success,
            errors=self.operation_errors(pointer, operation),
            other_responses=others,
            secured=self.secured(operation),
            deprecated=bool(operation.get("deprecated")),
            deprecation_message=deprecation_message(operation),
            pointer=pointer,
            cli=self.cli_hints(join_pointer(pointer, "x-sdk-cli"), operation.get("x-sdk-cli")),
            idempotency_header=idempotency_header,
            idempotency_argument=idempotency_argument,
            events=events,
            paging=paging,
            retries=self.retries(pointer, operation),
        )

    def settle_names(
        self, pointer: str, params: dict[str, list[ir.Parameter]], body: ir.RequestBody | None
    ) -> tuple[dict[str, list[ir.Parameter]], ir.RequestBody | None]:
        """The operation's arguments with one name each (the rule is `arguments.settle`'s)."""
        parameters = [p for location in arguments.ORDER[:-1] for p in params[location]]
        claims = [arguments.Claim(p.location, p.wire_name, p.py_name, explicit=p.explicit_name) for p in parameters]
        fields = list(body.fields) if body else []
        claims += [arguments.Claim("body", f.wire_name, f.py_name) for f in fields]
        if body is not None and body.whole_hint is not None:
            claims.append(arguments.Claim("body", BODY_ARGUMENT, BODY_ARGUMENT, explicit=True))
        names, renamed = arguments.settle(claims)
        for change in renamed:
            claim, holder = change.claim, change.holder
            where = next(
                (p.pointer for p in parameters if (p.location, p.wire_name) == (claim.place, claim.wire_name)), ""
            )
            what = "body property" if claim.place == "body" else f"{claim.place} parameter"
            held = "body property" if holder.place == "body" else f"{holder.place} parameter"
            self.warn(
                where or join_pointer(pointer, "requestBody"),
                f"the {what} {claim.wire_name!r} is the argument {change.name!r}: {claim.wanted!r} is the {held} {holder.wire_name!r}",
                "choose the parameter's argument name with `x-sdk-name`",
            )
        settled = dict(zip(((c.place, c.wire_name) for c in claims), names, strict=True))
        params = {
            location: [replace(p, py_name=settled[(p.location, p.wire_name)]) for p in found]
            for location, found in params.items()
        }
        if body is not None and fields:
            body = replace(body, fields=tuple(replace(f, py_name=settled[("body", f.wire_name)]) for f in fields))
        return params, body

    def idempotency(
        self,
        pointer: str,
        method: str,
        operation: dict[str, Any],
        params: dict[str, list[ir.Parameter]],
        body: ir.RequestBody | None,
    ) -> tuple[str | None, str | None]:
        """(header, argument) of the operation's idempotency key: the header `x-sdk-idempotency`
        names (the operation's own, else the document's for a POST or PATCH), and the argument that
        takes the caller's key, unless a header parameter of that name does.

        The argument is `idempotency_key`, named after the arguments the spec gives the operation
        (by `arguments.settle`, as a header): one that has the name keeps it, and the key's argument
        takes the next free one, so declaring a key never renames an existing argument."""
        if IDEMPOTENCY in operation:
            header, where = operation[IDEMPOTENCY], join_pointer(pointer, IDEMPOTENCY)
        elif method.upper() not in ir.IDEMPOTENT_METHODS:
            header, where = self.doc.data.get(IDEMPOTENCY), pointer
        else:
            return None, None
        if not isinstance(header, str):
            return None, None  # none, or `false` (validation refused anything else)
        if any(p.wire_name.lower() == header.lower() for p in params["header"]):
            return header, None  # that parameter takes the caller's key
        taken = [
            arguments.Claim(p.location, p.wire_name, p.py_name, explicit=True) for ps in params.values() for p in ps
        ]
        taken += [arguments.Claim("body", f.wire_name, f.py_name, explicit=True) for f in body.fields] if body else []
        if body is not None and body.whole_hint is not None:
            taken.append(arguments.Claim("body", BODY_ARGUMENT, BODY_ARGUMENT, explicit=True))
        key = arguments.Claim("header", header, ir.IDEMPOTENCY_ARGUMENT)
        names, renamed = arguments.settle([*taken, key])
        for change in renamed:
            holder = change.holder
            held = "body property" if holder.place == "body" else f"{holder.place} parameter"
            self.warn(
                where,
                f"the argument for the idempotency key header {header!r} is {change.name!r}:"
                f" {change.claim.wanted!r} is the {held} {holder.wire_name!r}",
                f"declare {header!r} as a header parameter of the operation to name its argument",
            )
        return header, names[-1]

    def warn(self, pointer: str, message: str, hint: str | None = None) -> None:
        self.warnings.append(replace(self.doc.diagnostic(pointer, message, hint), severity="warning"))

    def cli_hints(self, pointer: str, raw: Any) -> ir.CliHints:
        if raw is None:
            return ir.CliHints()
        name = raw.get("name") if isinstance(raw, dict) else None
        columns = raw.get("columns", []) if isinstance(raw, dict) else None
        if not isinstance(raw, dict) or set(raw) - {"name", "columns"}:
            self.fail(pointer, "x-sdk-cli takes a mapping with `name` and `columns`")
        elif name is not None and not (isinstance(name, str) and re.fullmatch(r"[a-z][a-z0-9-]*", name)):
            self.fail(
                join_pointer(pointer, "name"), f"command name {name!r} must be lower-case letters, digits and dashes"
            )
        elif not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            self.fail(join_pointer(pointer, "columns"), "columns must be a list of property names")
        else:
            return ir.CliHints(name=name, columns=tuple(columns))
        return ir.CliHints()

    def parameter(self, pointer: str, raw: Any) -> ir.Parameter | None:
        parameter, pointer = self.doc.resolve(raw, pointer)
        location = str(parameter.get("in"))
        if "content" in parameter and "schema" not in parameter:
            media_types = sorted(parameter.get("content") or {})
            schema = self.schema((parameter["content"].get(media_types[0]) or {}).get("schema"), pointer)
            style, explode = ("json", False)  # serialised as one JSON text
            hint = "Any"
        else:
            schema = self.schema(parameter.get("schema"), join_pointer(pointer, "schema"))
            style, explode = ir.DEFAULT_STYLES[location]
            style = str(parameter.get("style") or style)
            explode = bool(parameter.get("explode", style == "form"))
            hint = self.enum_hint(parameter.get("schema")) or self.scalar_hint(schema)
        required = bool(parameter.get("required")) or location == "path"
        name = str(parameter["name"])
        return ir.Parameter(
            wire_name=name,
            py_name=parameter_name(name, parameter.get("x-sdk-name")),
            explicit_name=isinstance(parameter.get("x-sdk-name"), str),
            location=location,  # type: ignore[arg-type]
            required=required,
            type_hint=hint,
            description=str(parameter.get("description") or "").strip(),
            default=schema.get("default"),
            has_default="default" in schema,
            example=parameter.get("example", schema.get("example")),
            pointer=pointer,
            style=style,
            explode=explode,
            deprecated=bool(parameter.get("deprecated")),
            deprecation_message=deprecation_message(parameter),
            enum_values=tuple(v for v in schema.get("enum") or () if isinstance(v, str)) if hint != "Any" else (),
            open_enum=schema.get("x-sdk-open-enum") is True,
        )

    def enum_hint(self, schema: Any) -> str | None:
        """A parameter whose schema refers to an enum with a model class: that class, or its values."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        name = self.models.schema_classes.get(ref[1:]) if isinstance(ref, str) and ref.startswith("#/") else None
        model = self.models.classes.get(name or "")
        if model is None or model.enum_values is None:
            return None
        return qualify_models(accept_enum_values(model.name, self.models.classes), self.models.classes)

    def scalar_hint(self, schema: dict[str, Any]) -> str:
        for keyword in ("anyOf", "oneOf"):  # [<schema>, {type: 'null'}]: that schema's type or None
            options = [self.schema(option, "") for option in schema.get(keyword) or []]
            if len(options) == 2 and {"type": "null"} in options:
                other = options[1 - options.index({"type": "null"})]
                hint = self.scalar_hint(other)
                return hint if hint.endswith("| None") or hint == "Any" else f"{hint} | None"
        types = schema.get("type")
        type_list = types if isinstance(types, list) else [types]
        nullable = "null" in type_list or bool(schema.get("nullable"))
        concrete = [t for t in type_list if t not in (None, "null")]
        base = {"integer": "int", "number": "float", "string": "str", "boolean": "bool"}
        if len(concrete) == 1 and concrete[0] == "array":
            items = self.schema(schema.get("items"), "")
            hint = f"list[{self.scalar_hint(items)}]"
        elif len(concrete) == 1 and concrete[0] == "object" or "properties" in schema:
            hint = "dict[str, Any]"
        elif len(concrete) == 1 and concrete[0] in base:
            hint = base[concrete[0]]
        elif "enum" in schema and all(isinstance(v, str) for v in schema["enum"]):
            hint = "str"
        else:
            hint = "Any"
        return f"{hint} | None" if nullable else hint

    def request_body(self, pointer: str, operation: dict[str, Any], method: str, path: str) -> ir.RequestBody | None:
        if "requestBody" not in operation:
            return None
        body, body_pointer = self.doc.resolve(operation["requestBody"], join_pointer(pointer, "requestBody"))
        content = body.get("content") or {}
        media_type = preferred(content)
        if media_type is None:
            self.fail(join_pointer(body_pointer, "content"), "the request body declares no media type")
            return None
        kind = encoding(media_type)
        schema_pointer = join_pointer(body_pointer, "content", media_type, "schema")
        raw_schema = (content[media_type] or {}).get("schema")
        common = {
            "content_type": essence(media_type),
            "encoding": kind,
            "required": bool(body.get("required")),
            "description": str(body.get("description") or "").strip(),
        }
        if kind in ("text", "binary"):
            hint = "str" if kind == "text" else "FileContent"
            return ir.RequestBody(model=None, fields=(), whole_hint=hint, **common)  # type: ignore[arg-type]
        class_name = self.model_class(raw_schema, schema_pointer)
        if class_name is None:
            return None
        model = self.models.classes[class_name]
        if kind == "json" and (model.enum_values is not None or set(model.fields) == {"root"} or not model.fields):
            root = model.fields.get("root")
            hint = root.annotation if root else class_name
            hint = qualify_models(accept_enum_values(hint, self.models.classes), self.models.classes)
            return ir.RequestBody(model=class_name, fields=(), whole_hint=hint, **common)  # type: ignore[arg-type]
        schema = self.schema(raw_schema, schema_pointer)
        limit = operation.get(MAX_METHOD_PARAMS, self.doc.data.get(MAX_METHOD_PARAMS))
        whole = kind == "json" and isinstance(limit, int) and not isinstance(limit, bool)
        properties = _all_properties(self.doc, schema)
        required = _all_required(self.doc, schema)
        fields = []
        for model_field in model.fields.values():
            prop = self.schema(properties.get(model_field.wire_name), schema_pointer)
            if prop.get("readOnly"):
                continue  # set by the server: not an argument of a request
            hint = model_field.annotation
            if not model_field.required and not _admits_null(prop):
                hint = without_none(hint)
            items = self.schema(prop.get("items"), schema_pointer)
            is_file = kind == "multipart" and (is_file_schema(prop) or is_file_schema(items))
            if is_file:
                hint = "list[FileInput]" if is_file_schema(items) else "FileInput"
            enum = None if is_file else enum_class(hint, self.models.classes)
            hint = qualify_models(accept_enum_values(hint, self.models.classes), self.models.classes)
            fields.append(
                ir.BodyField(
                    wire_name=model_field.wire_name,
                    py_name=argument_name(model_field.py_name),
                    model_name=model_field.py_name,
                    # the spec's, not the model's: a writeOnly property is required in requests only
                    required=model_field.wire_name in required,
                    type_hint=hint,
                    description=str(prop.get("description") or "").strip(),
                    example=prop.get("example"),
                    is_file=is_file,
                    deprecated=bool(prop.get("deprecated")),
                    deprecation_message=deprecation_message(prop),
                    enum_values=enum.enum_values or () if enum else (),
                    open_enum=enum.open_enum if enum else False,
                )
            )
        fields.sort(key=lambda f: not f.required)
        if whole and len(fields) > limit:
            # x-sdk-max-method-params: the body as one argument, a model instance or a dict of its shape
            hint = f"{qualify_models(class_name, self.models.classes)} | dict[str, Any]"
            return ir.RequestBody(model=class_name, fields=(), whole_hint=hint, **common)  # type: ignore[arg-type]
        return ir.RequestBody(model=class_name, fields=tuple(fields), **common)  # type: ignore[arg-type]

    def model_class(self, schema: Any, pointer: str) -> str | None:
        """The class the models stage made for the schema a body or response refers to (inline
        schemas were moved under components/schemas, and given a reference)."""
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            self.fail(pointer, "this schema has no model class", "define it under #/components/schemas")
            return None
        ref = schema["$ref"]
        name = self.models.schema_classes.get(ref[1:]) if ref.startswith("#/") else None
        if name is None or name not in self.models.classes:
            self.fail(join_pointer(pointer, "$ref"), f"no model class was generated for {ref!r}")
            return None
        return name

    def root_hint(self, class_name: str | None) -> str | None:
        """The type of a RootModel's `root` (what an operation returns instead of the wrapper)."""
        model = self.models.classes.get(class_name or "")
        if model is None or set(model.fields) != {"root"}:
            return None
        return qualify_models(model.fields["root"].annotation, self.models.classes)

    def responses(self, pointer: str, operation: dict[str, Any]) -> tuple[ir.Result, tuple[ir.OtherResponse, ...]]:
        """The result a call returns (the first 2XX, else `default`), and the ranges documented besides."""
        responses = operation.get("responses") or {}
        status = success_status(responses)
        others = tuple(
            ir.OtherResponse(str(code), self._description(pointer, code, raw))
            for code, raw in sorted(responses.items(), key=lambda item: str(item[0]))
            if str(code) != status and not str(code).isdigit() and not str(code).startswith("2")
        )
        if status is None:
            return ir.Result("empty", "204", None, None, ""), others
        response, response_pointer = self.doc.resolve(responses[status], join_pointer(pointer, "responses", status))
        description = str(response.get("description") or "").strip()
        content = response.get("content") or {}
        media_type = preferred(content)
        if media_type is None:
            return ir.Result("empty", status, None, None, description), others
        kind = encoding(media_type)
        if kind == "json":
            schema_pointer = join_pointer(response_pointer, "content", media_type, "schema")
            schema = (content[media_type] or {}).get("schema")
            if not schema:  # any JSON at all
                return ir.Result("text", status, essence(media_type), None, description), others
            model = self.model_class(schema, schema_pointer)
            root = self.root_hint(model)
            return ir.Result("json", status, essence(media_type), model, description, root), others
        if streamed(operation, content) and kind != "json":
            return ir.Result("events", status, EVENT_STREAM, None, description), others
        if kind == "text":
            return ir.Result("text", status, essence(media_type), None, description), others
        return ir.Result("stream", status, essence(media_type), None, description), others

    def _description(self, pointer: str, status: Any, raw: Any) -> str:
        response, _ = self.doc.resolve(raw, join_pointer(pointer, "responses", status))
        return str(response.get("description") or "").strip() if isinstance(response, dict) else ""

    def operation_errors(self, pointer: str, operation: dict[str, Any]) -> tuple[ir.ErrorResponse, ...]:
        found = []
        for status, raw in (operation.get("responses") or {}).items():
            if not (str(status).isdigit() and 400 <= int(status) <= 599):
                continue
            response_pointer = join_pointer(pointer, "responses", status)
            component = None
            if isinstance(raw, dict) and str(raw.get("$ref", "")).startswith("#/components/responses/"):
                component = str(raw["$ref"]).rsplit("/", 1)[-1]
            response, _ = self.doc.resolve(raw, response_pointer)
            self.error_sources.setdefault(int(status), []).append((component, response_pointer, response))
            content = sorted(response.get("content") or {})
            found.append((int(status), content[0] if content else None))
        return tuple(ir.ErrorResponse(status, "", content_type) for status, content_type in sorted(found))

    def error_classes(self, root_error: str) -> tuple[ir.ErrorClass, ...]:
        classes: list[ir.ErrorClass] = []
        used: dict[str, int] = {}
        # A response component shared by several statuses (`Error`) names none of their classes.
        statuses_of: dict[str | None, set[int]] = {}
        for status, sources in self.error_sources.items():
            for component, _, _ in sources:
                statuses_of.setdefault(component, set()).add(status)
        for status in sorted(self.error_sources):
            sources = self.error_sources[status]
            components = {component for component, _, _ in sources}
            if len(components) == 1 and None not in components and len(statuses_of[next(iter(components))]) == 1:
                base = pascal(str(next(iter(components))))
            else:
                base = pascal(reason_phrase(status))
            name = base if base.endswith("Error") else base + "Error"
            first_pointer = sources[0][1]
            if name in BUILT_IN_ERRORS | {root_error} or name in used:
                other = f"status {used[name]}" if name in used else "a built-in error class"
                self.fail(first_pointer, f"error class name {name!r} for status {status} collides with {other}")
                continue
            used[name] = status
            response = sources[0][2]
            body_model = None
            schema = ((response.get("content") or {}).get("application/json") or {}).get("schema")
            ref = schema.get("$ref") if isinstance(schema, dict) else None
            if isinstance(ref, str) and ref.startswith("#/"):
                # A schema written inline where it is used (a union) has no class: `.body` keeps the JSON.
                body_model = self.models.schema_classes.get(ref[1:])
            classes.append(
                ir.ErrorClass(
                    status=status,
                    name=name,
                    description=str(response.get("description") or reason_phrase(status)).strip(),
                    body_model=body_model,
                )
            )
        return tuple(classes)

    # -- API-wide ---------------------------------------------------------------------------

    def servers(self) -> tuple[ir.Server, ...]:
        servers = []
        for raw in self.doc.data.get("servers") or [{"url": "/"}]:
            variables = tuple(
                ir.ServerVariable(
                    name=str(name),
                    default=str(variable.get("default", "")),
                    choices=tuple(str(v) for v in variable.get("enum") or []),
                    description=str(variable.get("description") or "").strip(),
                )
                for name, variable in (raw.get("variables") or {}).items()
            )
            servers.append(ir.Server(str(raw.get("url") or "/"), str(raw.get("description") or "").strip(), variables))
        return tuple(servers)

    def security(self) -> ir.Security:
        """The first scheme the SDK can send, of the requirements the API lists (global first)."""
        requirements = list(self.doc.data.get("security") or []) + [
            req for _, _, _, op in operations(self.doc) for req in op.get("security") or []
        ]
        return self.sendable(requirements, report=True)

    def operation_auth(self, operation: dict[str, Any], default: ir.Security) -> ir.Security | None:
        """How an operation that lists its own security requirements sends the credential, where
        that is not the API's way (`default`)."""
        if not operation.get("security"):
            return None
        auth = self.sendable(list(operation["security"]), report=False)
        return None if auth.kind == "none" or auth == default else auth

    def sendable(self, requirements: list[Any], report: bool) -> ir.Security:
        """The first of the security requirements (alternatives, OpenAPI 3.1 §4.8.30) the SDK can send."""
        schemes = (self.doc.data.get("components") or {}).get("securitySchemes") or {}
        unsupported: list[tuple[str, str]] = []
        for requirement in requirements:
            for scheme_name in requirement:
                pointer = join_pointer("/components/securitySchemes", scheme_name)
                scheme, _ = self.doc.resolve(schemes.get(scheme_name) or {}, pointer)
                kind = scheme.get("type")
                http_scheme = str(scheme.get("scheme", "")).lower()
                if kind == "http" and http_scheme in ("bearer", "basic"):
                    return ir.Security(http_scheme)  # type: ignore[arg-type]
                if kind == "apiKey" and scheme.get("in") in ("header", "query", "cookie"):
                    return ir.Security(scheme["in"], str(scheme["name"]))
                if kind in ("oauth2", "openIdConnect"):
                    return ir.Security("bearer")  # the caller brings the access token
                described = " ".join(str(part) for part in (kind, http_scheme) if part)
                unsupported.append((pointer, f"security scheme {scheme_name!r} ({described})"))
        for pointer, what in unsupported[:1] if report else []:
            self.fail(pointer, f"{what} is not supported", "sdkgen sends bearer, basic, OAuth2 tokens and API keys")
        return ir.Security("none")

    def secured(self, operation: dict[str, Any]) -> bool:
        requirements = operation.get("security", self.doc.data.get("security"))
        return bool(requirements) and any(bool(r) for r in requirements)


def _global_key(parameter: ir.Parameter) -> tuple[str, str]:
    """What matches an operation's parameter to a global one: the location and the name (a
    header's ignoring case)."""
    name = parameter.wire_name
    return parameter.location, name.lower() if parameter.location == "header" else name


def _all_properties(doc: SpecDocument, schema: dict[str, Any]) -> dict[str, Any]:
    """Properties of a schema and of the `allOf` parts it merges."""
    properties = dict(schema.get("properties") or {})
    for part in schema.get("allOf") or []:
        resolved, _ = doc.resolve(part, "")
        if isinstance(resolved, dict):
            properties = {**_all_properties(doc, resolved), **properties}
    return properties


def _all_required(doc: SpecDocument, schema: dict[str, Any]) -> set[str]:
    """The required properties of a schema and of the `allOf` parts it merges."""
    required = {str(name) for name in schema.get("required") or []}
    for part in schema.get("allOf") or []:
        resolved, _ = doc.resolve(part, "")
        if isinstance(resolved, dict):
            required |= _all_required(doc, resolved)
    return required


def _admits_null(schema: dict[str, Any]) -> bool:
    types = schema.get("type")
    if types == "null" or (isinstance(types, list) and "null" in types) or schema.get("nullable"):
        return True
    return any(
        isinstance(s, dict) and s.get("type") == "null"
        for s in (schema.get("anyOf") or []) + (schema.get("oneOf") or [])
    )


def build_api(doc: SpecDocument, models: ModelsModule, config: Config, spec_name: str) -> ir.Api:
    api = _Builder(doc, models, config, spec_name).build()
    by_status = {c.status: c.name for c in api.errors}

    def with_error_classes(op: ir.Operation) -> ir.Operation:
        errors = tuple(replace(e, error_class=by_status.get(e.status, "APIError")) for e in op.errors)
        return replace(op, errors=errors)

    resources = tuple(replace(r, operations=tuple(map(with_error_classes, r.operations))) for r in api.resources)
    return _with_job_helpers(doc, models, replace(api, resources=resources))


def _with_job_helpers(doc: SpecDocument, models: ModelsModule, api: ir.Api) -> ir.Api:
    """Reads `x-sdk-waiter` and `x-sdk-download`, which refer to other operations by operationId."""
    problems: list[Diagnostic] = []
    by_id = {op.operation_id: op for op in api.operations}

    def fail(pointer: str, message: str) -> None:
        problems.append(doc.diagnostic(pointer, message))

    def waiter_for(op: ir.Operation) -> ir.Waiter | None:
        pointer = join_pointer(op.pointer, "x-sdk-waiter")
        raw = doc.get(op.pointer).get("x-sdk-waiter")
        if raw is None:
            return None
        if not isinstance(raw, dict) or op.result.kind != "json" or not op.result.model:
            fail(pointer, "x-sdk-waiter must be a mapping, on an operation that returns a JSON model")
            return None
        job_fields = models.classes[op.result.model].fields

        def field(key: str, default: str | None = None, optional: bool = False) -> str | None:
            wire = raw.get(key, default)
            if wire is None and optional:
                return None
            if wire not in job_fields:
                fail(join_pointer(pointer, key), f"{key}: {wire!r} is not a property of {op.result.model}")
                return None
            return job_fields[wire].py_name

        submit = by_id.get(str(raw.get("submitted-by"))) if "submitted-by" in raw else None
        if "submitted-by" in raw and submit is None:
            fail(join_pointer(pointer, "submitted-by"), f"no operation has the operationId {raw['submitted-by']!r}")
        failure_error = str(raw.get("failure-error") or f"{pascal(op.result.model)}FailedError")
        if not is_identifier(failure_error):
            fail(
                join_pointer(pointer, "failure-error"),
                f"{failure_error!r} is not a Python class name" + keyword_note(failure_error),
            )
        for key in ("success", "failure"):
            values = raw.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                fail(join_pointer(pointer, key), f"{key} must be a list of status values")
        if not raw.get("success"):
            fail(join_pointer(pointer, "success"), "success must name at least one status value")
        if len(op.path_params) != 1:
            fail(pointer, "x-sdk-waiter needs an operation with exactly one path parameter, the job id")
        status_field = field("status-property")
        id_field = field("id-property", default="id")
        if submit is not None and submit.result.model != op.result.model:
            fail(join_pointer(pointer, "submitted-by"), f"{submit.operation_id} does not return {op.result.model}")
        if status_field is None or id_field is None:
            return None
        return ir.Waiter(
            method_name=str(raw.get("name") or "wait"),
            status_field=status_field,
            success=tuple(str(v) for v in raw.get("success") or []),
            failure=tuple(str(v) for v in raw.get("failure") or []),
            error_field=field("error-property", optional=True),
            failure_error=failure_error,
            job_model=op.result.model,
            submit=submit,
            id_field=id_field,
        )

    waited = {}
    for op in api.operations:
        waiter = waiter_for(op)
        if waiter is not None:
            waited[op.operation_id] = replace(op, waiter=waiter)

    def download_for(op: ir.Operation) -> ir.Operation:
        base = waited.get(op.operation_id, op)
        raw = doc.get(op.pointer).get("x-sdk-download")
        if raw is None:
            return base
        pointer = join_pointer(op.pointer, "x-sdk-download")
        if not isinstance(raw, dict) or op.result.kind != "stream":
            fail(pointer, "x-sdk-download must be a mapping, on an operation that streams a binary response")
            return base
        if len(op.path_params) != 1:
            fail(pointer, "x-sdk-download needs an operation with exactly one path parameter, the job id")
        poll = waited.get(str(raw.get("waiter"))) if "waiter" in raw else None
        if "waiter" in raw and poll is None:
            fail(
                join_pointer(pointer, "waiter"),
                f"no operation with an x-sdk-waiter has the operationId {raw['waiter']!r}",
            )
        return replace(base, download=ir.Download(method_name=str(raw.get("name") or "download"), poll=poll))

    resources = tuple(replace(r, operations=tuple(map(download_for, r.operations))) for r in api.resources)
    for resource in resources:
        _check_helper_names(doc, resource, problems)
    _check_constant_names(doc, resources, problems)
    _check_job_error_names(doc, api, resources, problems)
    if problems:
        raise SpecError(list(dict.fromkeys(problems)))
    return replace(api, resources=resources)


def _check_helper_names(doc: SpecDocument, resource: ir.Resource, problems: list[Diagnostic]) -> None:
    """Helper methods live beside the operations they call: same resource, no clashing names."""
    taken = {op.method_name: op.operation_id for op in resource.operations}
    local = {op.operation_id for op in resource.operations}
    for op in resource.operations:
        # (extension, method name, operations whose arguments the method takes)
        helpers: list[tuple[str, str | None, tuple[ir.Operation, ...]]] = []
        if op.waiter:
            submit = (op.waiter.submit,) if op.waiter.submit else ()
            helpers += [("x-sdk-waiter", op.waiter.method_name, ()), ("x-sdk-waiter", op.waiter.combined_name, submit)]
        if op.download:
            poll = op.download.poll
            submit = (poll.waiter.submit,) if poll and poll.waiter and poll.waiter.submit else ()
            helpers += [("x-sdk-download", op.download.method_name, (op,))]
            helpers += [("x-sdk-download", op.download.combined_name, submit + ((poll,) if poll else ()))]
        for key, name, partners in helpers:
            pointer = join_pointer(op.pointer, key)
            for partner in partners:
                if partner.operation_id not in local:
                    message = f"{partner.operation_id} must have the same tag as {op.operation_id}"
                    problems.append(doc.diagnostic(pointer, message))
            if name is None:
                continue
            for partner in partners:
                _check_helper_params(doc, partner, key, problems)
            if not is_identifier(name) or name.startswith("_"):
                problems.append(
                    doc.diagnostic(pointer, f"{name!r} is not a valid Python method name" + keyword_note(name))
                )
            elif name in taken:
                problems.append(doc.diagnostic(pointer, f"method {name}() would clash with the one for {taken[name]}"))
            else:
                taken[name] = op.operation_id


def _check_constant_names(doc: SpecDocument, resources: tuple[ir.Resource, ...], problems: list[Diagnostic]) -> None:
    """The module-level constants of the operations (endpoints, waiters, commands) must not
    overwrite each other."""
    owners: dict[str, ir.Operation] = {}
    for op in (op for resource in resources for op in resource.operations):
        names = [op.endpoint_name, *([op.waiter_name] if op.waiter else [])]
        helpers = [op.waiter.method_name if op.waiter else None, op.download.method_name if op.download else None]
        names += [ir.constant_name(op.resource_attr, helper) for helper in helpers if helper]
        for name in names:
            first = owners.setdefault(name, op)
            if first is not op:
                message = f"{op.operation_id} would define the constant {name}, as {first.operation_id} does"
                hint = "rename one of the operations (`x-sdk-name`)"
                problems.append(doc.diagnostic(op.pointer, message, hint))


def _check_job_error_names(
    doc: SpecDocument, api: ir.Api, resources: tuple[ir.Resource, ...], problems: list[Diagnostic]
) -> None:
    """A waiter's failure error is a class of its own: not a built-in or status error, one per job model."""
    taken = {name: "a built-in error class" for name in BUILT_IN_ERRORS | {api.names.root_error}}
    taken |= {error.name: f"the error class for status {error.status}" for error in api.errors}
    jobs: dict[str, str] = {}
    for op in (op for resource in resources for op in resource.operations):
        if op.waiter is None:
            continue
        name, model = op.waiter.failure_error, op.waiter.job_model or ""
        other = taken.get(name) or (f"the failure error of {jobs[name]}" if jobs.get(name, model) != model else None)
        if other is not None:
            message = f"the failure error class name {name!r} is already {other}"
            problems.append(
                doc.diagnostic(join_pointer(op.pointer, "x-sdk-waiter"), message, "name it with `failure-error`")
            )
        jobs.setdefault(name, model)


HELPER_PARAMS = frozenset({"path", "overwrite", "on_progress", "poll_interval", "wait_timeout", "on_update", "job"})


def _check_helper_params(doc: SpecDocument, op: ir.Operation, key: str, problems: list[Diagnostic]) -> None:
    names = [p.py_name for p in op.parameters] + [f.py_name for f in (op.body.fields if op.body else ())]
    for name in sorted(set(names) & HELPER_PARAMS):
        problems.append(
            doc.diagnostic(
                join_pointer(op.pointer),
                f"{op.operation_id} has a parameter {name!r}, which its {key} helper needs for itself",
            )
        )
