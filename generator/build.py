"""Stage 3: the validated spec (plus the models index) as typed IR for the templates."""

from __future__ import annotations

import re
from dataclasses import replace
from http import HTTPStatus
from typing import Any

from . import ir
from .config import Config
from .diagnostics import Diagnostic, SpecError, join_pointer
from .load import SpecDocument
from .models import ModelsModule, accept_enum_values, qualify_models, without_none
from .names import is_identifier, pascal, snake
from .validate import method_name, operations

FIXED_ERROR_NAMES = {"APIError", "APIConnectionError", "APITimeoutError", "ResponseValidationError"}
STREAM_MEDIA_PREFIXES = ("video/", "audio/", "image/", "application/octet-stream", "application/pdf", "application/zip")


class _Builder:
    def __init__(self, doc: SpecDocument, models: ModelsModule, config: Config, spec_name: str) -> None:
        self.doc = doc
        self.models = models
        self.config = config
        self.spec_name = spec_name
        self.problems: list[Diagnostic] = []
        self.error_sources: dict[int, list[tuple[str | None, str, dict[str, Any]]]] = {}

    def fail(self, pointer: str, message: str, hint: str | None = None) -> None:
        self.problems.append(self.doc.diagnostic(pointer, message, hint))

    def build(self) -> ir.Api:
        data = self.doc.data
        info = data.get("info") or {}
        title = str(info.get("title") or "API")
        version = str(info.get("version") or "0.0.0")
        resources: dict[str, list[ir.Operation]] = {}
        for pointer, method, path, operation in operations(self.doc):
            built = self.operation(pointer, method, path, operation)
            if built is not None:
                resources.setdefault(str(operation["tags"][0]), []).append(built)
        errors = self.error_classes()
        if self.problems:
            raise SpecError(self.problems)
        tag_docs = {str(t.get("name")): str(t.get("description") or "") for t in data.get("tags") or []}
        return ir.Api(
            title=title,
            version=version,
            description=str(info.get("description") or "").strip(),
            server_url=self.server_url(),
            names=ir.SdkNames(**self.config.names_for(title, version)),
            security=self.security(),
            resources=tuple(
                ir.Resource(
                    tag=tag,
                    attr_name=snake(tag),
                    class_name=pascal(tag),
                    description=tag_docs.get(tag, ""),
                    operations=tuple(ops),
                )
                for tag, ops in resources.items()
            ),
            errors=errors,
            spec_name=self.spec_name,
            spec_sha256=self.doc.sha256,
            model_classes=tuple(self.models.classes),
        )

    # -- operations -------------------------------------------------------------------------

    def operation(self, pointer: str, method: str, path: str, operation: dict[str, Any]) -> ir.Operation | None:
        params: dict[str, list[ir.Parameter]] = {"path": [], "query": [], "header": []}
        path_item = self.doc.get(join_pointer("/paths", path))
        declared = [
            (join_pointer("/paths", path, "parameters", i), p) for i, p in enumerate(path_item.get("parameters") or [])
        ]
        declared += [
            (join_pointer(pointer, "parameters", i), p) for i, p in enumerate(operation.get("parameters") or [])
        ]
        by_key: dict[tuple[str, str], ir.Parameter] = {}
        for param_pointer, raw in declared:
            parameter = self.parameter(param_pointer, raw)
            if parameter is not None:
                by_key[(parameter.location, parameter.wire_name)] = parameter  # operation level overrides path level
        for parameter in by_key.values():
            params[parameter.location].append(parameter)
        params["path"].sort(key=lambda p: path.find("{" + p.wire_name + "}"))
        body = self.request_body(pointer, operation)
        taken = {p.py_name for p in by_key.values()}
        for body_field in body.fields if body else ():
            if body_field.py_name in taken:
                self.fail(
                    join_pointer(pointer, "requestBody"),
                    f"body property {body_field.wire_name!r} and a parameter both map to the argument {body_field.py_name!r}",
                )
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
            body=body,
            result=self.result(pointer, operation),
            errors=self.operation_errors(pointer, operation),
            secured=self.secured(operation),
            deprecated=bool(operation.get("deprecated")),
            pointer=pointer,
            cli=self.cli_hints(join_pointer(pointer, "x-sdk-cli"), operation.get("x-sdk-cli")),
        )

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
        location = parameter.get("in")
        if location == "cookie":
            self.fail(pointer, "cookie parameters are not supported yet", "send it as a header, or remove it")
            return None
        schema, _ = self.doc.resolve(parameter.get("schema") or {}, join_pointer(pointer, "schema"))
        required = bool(parameter.get("required")) or location == "path"
        hint = self.scalar_hint(schema)
        return ir.Parameter(
            wire_name=str(parameter["name"]),
            py_name=snake(str(parameter["name"])),
            location=location,
            required=required,
            type_hint=hint,
            description=str(parameter.get("description") or "").strip(),
            default=schema.get("default"),
            has_default="default" in schema,
            example=parameter.get("example", schema.get("example")),
            pointer=pointer,
        )

    def scalar_hint(self, schema: dict[str, Any]) -> str:
        types = schema.get("type")
        type_list = types if isinstance(types, list) else [types]
        nullable = "null" in type_list or bool(schema.get("nullable"))
        concrete = [t for t in type_list if t not in (None, "null")]
        base = {"integer": "int", "number": "float", "string": "str", "boolean": "bool"}
        if len(concrete) == 1 and concrete[0] == "array":
            items, _ = self.doc.resolve(schema.get("items") or {}, "")
            hint = f"list[{self.scalar_hint(items)}]"
        elif len(concrete) == 1 and concrete[0] in base:
            hint = base[concrete[0]]
        else:
            hint = "str"
        return f"{hint} | None" if nullable else hint

    def request_body(self, pointer: str, operation: dict[str, Any]) -> ir.RequestBody | None:
        if "requestBody" not in operation:
            return None
        body_pointer = join_pointer(pointer, "requestBody")
        body, body_pointer = self.doc.resolve(operation["requestBody"], body_pointer)
        content = body.get("content") or {}
        if "application/json" not in content:
            self.fail(
                join_pointer(body_pointer, "content"),
                f"request bodies of type {', '.join(content) or '(none)'} are not supported yet",
                "sdkgen generates application/json request bodies",
            )
            return None
        schema_pointer = join_pointer(body_pointer, "content", "application/json", "schema")
        class_name = self.model_class(content["application/json"].get("schema"), schema_pointer)
        if class_name is None:
            return None
        schema, _ = self.doc.resolve(content["application/json"]["schema"], schema_pointer)
        properties = schema.get("properties") or {}
        fields = []
        for model_field in self.models.classes[class_name].fields.values():
            prop, _ = self.doc.resolve(properties.get(model_field.wire_name) or {}, schema_pointer)
            hint = model_field.annotation
            if not model_field.required and not _admits_null(prop):
                hint = without_none(hint)
            hint = qualify_models(accept_enum_values(hint, self.models.classes), self.models.classes)
            fields.append(
                ir.BodyField(
                    wire_name=model_field.wire_name,
                    py_name=model_field.py_name,
                    required=model_field.required,
                    type_hint=hint,
                    description=str(prop.get("description") or "").strip(),
                    example=prop.get("example"),
                )
            )
        fields.sort(key=lambda f: not f.required)
        return ir.RequestBody(
            model=class_name,
            content_type="application/json",
            required=bool(body.get("required")),
            fields=tuple(fields),
        )

    def model_class(self, schema: Any, pointer: str) -> str | None:
        """The models class for a schema reached by `$ref` from components/schemas."""
        if not (isinstance(schema, dict) and isinstance(schema.get("$ref"), str)):
            self.fail(
                pointer,
                "inline JSON schemas for bodies and responses are not supported yet",
                "define the schema under #/components/schemas and refer to it with $ref",
            )
            return None
        ref = schema["$ref"]
        prefix = "#/components/schemas/"
        name = ref[len(prefix) :] if ref.startswith(prefix) else ""
        for candidate in (name, pascal(name)):
            if candidate in self.models.classes:
                return candidate
        self.fail(join_pointer(pointer, "$ref"), f"no model class was generated for {ref!r}")
        return None

    def result(self, pointer: str, operation: dict[str, Any]) -> ir.Result:
        responses = operation.get("responses") or {}
        for status in sorted(s for s in responses if str(s).startswith("2") and str(s).isdigit()):
            response_pointer = join_pointer(pointer, "responses", status)
            response, response_pointer = self.doc.resolve(responses[status], response_pointer)
            description = str(response.get("description") or "").strip()
            content = response.get("content") or {}
            if not content:
                return ir.Result("empty", str(status), None, None, description)
            if "application/json" in content:
                schema_pointer = join_pointer(response_pointer, "content", "application/json", "schema")
                model = self.model_class(content["application/json"].get("schema"), schema_pointer)
                return ir.Result("json", str(status), "application/json", model, description)
            media_type = sorted(content)[0]
            schema = content[media_type].get("schema") or {}
            if media_type.startswith(STREAM_MEDIA_PREFIXES) or schema.get("format") == "binary":
                return ir.Result("stream", str(status), media_type, None, description)
            self.fail(
                join_pointer(response_pointer, "content", media_type),
                f"responses of type {media_type!r} are not supported yet",
            )
            return ir.Result("empty", str(status), media_type, None, description)
        return ir.Result("empty", "204", None, None, "")

    def operation_errors(self, pointer: str, operation: dict[str, Any]) -> tuple[ir.ErrorResponse, ...]:
        found = []
        for status, raw in (operation.get("responses") or {}).items():
            if not (str(status).isdigit() and int(status) >= 400):
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

    def error_classes(self) -> tuple[ir.ErrorClass, ...]:
        classes: list[ir.ErrorClass] = []
        used: dict[str, int] = {}
        for status in sorted(self.error_sources):
            sources = self.error_sources[status]
            components = {component for component, _, _ in sources}
            if len(components) == 1 and None not in components:
                base = pascal(str(next(iter(components))))
            else:
                base = (
                    pascal(HTTPStatus(status).phrase) if status in HTTPStatus._value2member_map_ else f"Status{status}"
                )
            name = base if base.endswith("Error") else base + "Error"
            first_pointer = sources[0][1]
            if name in FIXED_ERROR_NAMES or name in used:
                other = f"status {used[name]}" if name in used else "a built-in error class"
                self.fail(first_pointer, f"error class name {name!r} for status {status} collides with {other}")
                continue
            used[name] = status
            response = sources[0][2]
            body_model = None
            schema = ((response.get("content") or {}).get("application/json") or {}).get("schema")
            if isinstance(schema, dict) and "$ref" in schema:
                body_model = self.model_class(schema, first_pointer)
            classes.append(
                ir.ErrorClass(
                    status=status,
                    name=name,
                    description=str(response.get("description") or HTTPStatus(status).phrase).strip(),
                    body_model=body_model,
                )
            )
        return tuple(classes)

    # -- API-wide ---------------------------------------------------------------------------

    def server_url(self) -> str:
        servers = self.doc.data.get("servers") or [{"url": "/"}]
        server = servers[0]
        url = str(server.get("url") or "/")
        for name, variable in (server.get("variables") or {}).items():
            url = url.replace("{" + name + "}", str(variable.get("default", "")))
        return url

    def security(self) -> ir.Security:
        schemes = (self.doc.data.get("components") or {}).get("securitySchemes") or {}
        requirements = self.doc.data.get("security") or [
            req for _, _, _, op in operations(self.doc) for req in op.get("security") or []
        ]
        for requirement in requirements:
            for scheme_name in requirement:
                pointer = join_pointer("/components/securitySchemes", scheme_name)
                scheme, _ = self.doc.resolve(schemes.get(scheme_name) or {}, pointer)
                kind = scheme.get("type")
                if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
                    return ir.Security("bearer")
                if kind == "apiKey" and scheme.get("in") in ("header", "query"):
                    return ir.Security(scheme["in"], str(scheme["name"]))
                self.fail(pointer, f"security scheme {scheme_name!r} ({kind}) is not supported yet")
        return ir.Security("none")

    def secured(self, operation: dict[str, Any]) -> bool:
        requirements = operation.get("security", self.doc.data.get("security"))
        return bool(requirements) and any(bool(r) for r in requirements)


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
            fail(join_pointer(pointer, "failure-error"), f"{failure_error!r} is not a Python class name")
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
                problems.append(doc.diagnostic(pointer, f"{name!r} is not a valid Python method name"))
            elif name in taken:
                problems.append(doc.diagnostic(pointer, f"method {name}() would clash with the one for {taken[name]}"))
            else:
                taken[name] = op.operation_id


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
