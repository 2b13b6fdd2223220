"""Document-level checks: endpoints, operations, parameters, bodies, responses and security."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any, NamedTuple

from ..diagnostics import join_pointer
from ..load import SpecDocument
from ..validate import operations, path_item
from . import lifecycle
from .context import DiffContext, Side, path_template
from .schemas import DEPRECATED_NOTE, SchemaComparer, Target
from .types import strongly_typed

GLOBAL = "API"


def _subject(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


def compare_documents(ctx: DiffContext) -> None:
    old_ops = {(path_template(path), method): (pointer, path, op) for pointer, method, path, op in operations(ctx.base)}
    new_ops = {(path_template(path), method): (pointer, path, op) for pointer, method, path, op in operations(ctx.head)}
    new_paths = {template for template, _ in new_ops}
    # an endpoint is named by its base path: a renamed path parameter is the same endpoint
    base_paths = {template: path for (template, _), (_, path, _) in old_ops.items()}
    for key, (pointer, path, op) in old_ops.items():
        if key in new_ops or not lifecycle.reported(op):
            continue
        whole_path = key[0] not in new_paths
        rule, text = lifecycle.removal_rule(op, "path" if whole_path else "operation")
        if rule is not None:
            ctx.emit(rule, _subject(key[1], path), pointer, text, side="base")
    for key, (pointer, path, op) in new_ops.items():
        subject = _subject(key[1], base_paths.get(key[0], path))
        if key not in old_ops:
            ctx.emit("endpoint-added", subject, pointer, "endpoint added")
        elif lifecycle.stability(op) not in lifecycle.UNPROMISED:
            OperationComparer(ctx, subject, old_ops[key], (pointer, path, op)).compare()
    _security(ctx, ctx.base.data.get("security"), ctx.head.data.get("security"), GLOBAL, "/security", "api-global")
    _components(ctx)


def _parameter_schema(parameter: dict[str, Any], pointer: str) -> tuple[Any, str]:
    """A parameter's schema: its `schema`, or that of its one `content` entry (OpenAPI §4.8.12.2)."""
    if "schema" in parameter or not isinstance(parameter.get("content"), dict):
        return parameter.get("schema") or {}, join_pointer(pointer, "schema")
    for media, entry in parameter["content"].items():
        if isinstance(entry, dict):
            return entry.get("schema") or {}, join_pointer(pointer, "content", media, "schema")
    return {}, join_pointer(pointer, "content")


class _Parameter(NamedTuple):
    node: dict[str, Any]
    at: str  # where the operation lists it (the path from the operation)
    defined: str  # where it is written (a component, when listed by `$ref`)


class OperationComparer:
    def __init__(self, ctx: DiffContext, subject: str, old: tuple[str, str, Any], new: tuple[str, str, Any]) -> None:
        self.ctx = ctx
        self.subject = subject
        self.old_pointer, self.old_path, self.old = old
        self.new_pointer, self.new_path, self.new = new
        self.schemas = SchemaComparer(ctx)

    def emit(self, rule: str, pointer: str, message: str, **extra: Any) -> None:
        self.ctx.emit(rule, self.subject, pointer, message, **extra)

    def compare(self) -> None:
        old, new, pointer = self.old, self.new, self.new_pointer
        if bool(old.get("deprecated")) != bool(new.get("deprecated")):
            rule, text = (
                lifecycle.deprecation_rule(new, new, "operation")
                if new.get("deprecated")
                else ("endpoint-reactivated", "")
            )
            if rule is not None:
                self.emit(rule, join_pointer(pointer, "deprecated"), text or rule.replace("-", " "))
        old_id, new_id = old.get("operationId"), new.get("operationId")
        if old_id != new_id:
            if old_id is None:
                self.emit("api-operation-id-added", join_pointer(pointer, "operationId"), f"operationId {new_id} added")
            else:
                text = f"operationId {old_id} removed and replaced with {new_id}"
                self.emit("api-operation-id-removed", join_pointer(pointer, "operationId"), text)
        old_tags, new_tags = list(old.get("tags") or []), list(new.get("tags") or [])
        for tag in old_tags:
            if tag not in new_tags:
                self.emit("api-tag-removed", join_pointer(pointer, "tags"), f"tag {tag} removed")
        for tag in new_tags:
            if tag not in old_tags:
                self.emit("api-tag-added", join_pointer(pointer, "tags"), f"tag {tag} added")
        self.parameters()
        self.request_body()
        self.responses()
        if "security" in old or "security" in new:
            old_security = old.get("security", self.ctx.base.data.get("security"))
            new_security = new.get("security", self.ctx.head.data.get("security"))
            _security(self.ctx, old_security, new_security, self.subject, join_pointer(pointer, "security"), "api")

    # -- parameters ------------------------------------------------------------------------

    def _parameters(self, side: Side) -> dict[tuple[str, str], _Parameter]:
        """Path-level and operation-level parameters, the operation's winning, keyed by place and name.

        Path parameters are keyed by their position in the template, so renaming one is not a removal.
        """
        doc = self.ctx.doc(side)
        op_pointer, path, op = (
            (self.old_pointer, self.old_path, self.old)
            if side == "base"
            else (self.new_pointer, self.new_path, self.new)
        )
        placeholders = re.findall(r"\{([^}/]*)\}", path)
        found: dict[tuple[str, str], _Parameter] = {}
        item, item_pointer = path_item(doc, path)
        sources = [(join_pointer(item_pointer, "parameters"), item.get("parameters"))]
        sources.append((join_pointer(op_pointer, "parameters"), op.get("parameters")))
        for base_pointer, listed in sources:
            for index, raw in enumerate(listed or []):
                at = join_pointer(base_pointer, index)
                parameter, defined = doc.resolve(raw, at)
                if not isinstance(parameter, dict):
                    continue
                where, name = str(parameter.get("in")), str(parameter.get("name"))
                if where == "path" and name in placeholders:
                    name = f"{{{placeholders.index(name)}}}"
                elif where == "header":
                    name = name.lower()
                found[(where, name)] = _Parameter(parameter, at, defined)
        return found

    def parameters(self) -> None:
        old_params, new_params = self._parameters("base"), self._parameters("head")
        for key, old in old_params.items():
            if key in new_params:
                continue
            rule, why = lifecycle.removal_rule(old.node, "parameter")
            if rule is None:
                continue
            text = f"deleted the {key[0]} request parameter `{old.node.get('name')}`"
            note = DEPRECATED_NOTE if rule.endswith("-with-deprecation") else ""
            text = text if rule == "request-parameter-removed" else f"{text}: {why}"
            self.emit(rule, old.at, text, side="base", note=note, defined_at=old.defined)
        path_level = join_pointer(path_item(self.ctx.head, self.new_path)[1], "parameters")
        for key, new in new_params.items():
            parameter, where = new.node, key[0]
            name = parameter.get("name")
            required = parameter.get("required") is True or where == "path"
            if key not in old_params:
                if where == "path":
                    rule, text = "new-request-path-parameter", f"added the new path request parameter `{name}`"
                else:
                    kind = "required" if required else "optional"
                    # oasdiff's name for one added to the path's own parameters, of an existing path
                    rule = (
                        f"new-{kind}-request-default-parameter-to-existing-path"
                        if new.at.startswith(path_level + "/")
                        else f"new-{kind}-request-parameter"
                    )
                    text = f"added the new {kind} {where} request parameter `{name}`"
                self.emit(rule, new.at, text, defined_at=new.defined)
                continue
            old = old_params[key]
            label = f"the {where} request parameter `{name}`"
            was_required = old.node.get("required") is True or where == "path"
            if was_required != required:
                verb = "required" if required else "optional"
                self.emit(
                    f"request-parameter-became-{verb}",
                    join_pointer(new.at, "required"),
                    f"{label} became {verb}",
                    defined_at=join_pointer(new.defined, "required"),
                )
            if bool(old.node.get("deprecated")) != bool(parameter.get("deprecated")):
                if parameter.get("deprecated"):
                    rule, why = lifecycle.deprecation_rule(parameter, self.new, "parameter")
                    if rule is not None:
                        self.emit(rule, new.at, f"{label}: {why}", defined_at=new.defined)
                else:
                    self.emit(
                        "request-parameter-reactivated", new.at, f"{label} was reactivated", defined_at=new.defined
                    )
            target = Target(self.subject, "request", "parameter", label, required=required, parameter=parameter)
            old_schema, old_schema_pointer = _parameter_schema(old.node, old.defined)
            new_schema, new_schema_pointer = _parameter_schema(parameter, new.defined)
            logical = new.at + new_schema_pointer[len(new.defined) :]
            self.schemas.compare(target, old_schema, old_schema_pointer, new_schema, new_schema_pointer, logical)

    # -- request body ----------------------------------------------------------------------

    def request_body(self) -> None:
        logical = join_pointer(self.new_pointer, "requestBody")
        has_old, has_new = "requestBody" in self.old, "requestBody" in self.new
        if not has_old and not has_new:
            return
        if not has_new:
            self.emit(
                "request-body-removed",
                join_pointer(self.old_pointer, "requestBody"),
                "request body removed",
                side="base",
            )
            return
        new_body, new_pointer = self.ctx.head.resolve(self.new["requestBody"], logical)
        if not has_old:
            kind = "required" if new_body.get("required") is True else "optional"
            self.emit(f"request-body-added-{kind}", logical, f"added {kind} request body", defined_at=new_pointer)
            return
        old_body, old_pointer = self.ctx.base.resolve(
            self.old["requestBody"], join_pointer(self.old_pointer, "requestBody")
        )
        if bool(old_body.get("required")) != bool(new_body.get("required")):
            verb = "required" if new_body.get("required") else "optional"
            self.emit(
                f"request-body-became-{verb}",
                join_pointer(logical, "required"),
                f"request body became {verb}",
                defined_at=new_pointer,
            )
        target = Target(self.subject, "request", "body", "the request body")
        self._content(target, old_body, old_pointer, new_body, new_pointer, logical, "request-body-media-type", "")

    def _content(
        self,
        target: Target,
        old: dict[str, Any],
        old_pointer: str,
        new: dict[str, Any],
        new_pointer: str,
        logical: str,
        media_rule: str,
        status_text: str,
    ) -> None:
        old_content, new_content = old.get("content") or {}, new.get("content") or {}
        for media in old_content:
            if media not in new_content:
                pointer = join_pointer(logical, "content", media)
                text = f"removed the media type {media}{status_text}"
                self.emit(
                    f"{media_rule}-removed",
                    pointer,
                    text,
                    side="base",
                    defined_at=join_pointer(old_pointer, "content", media),
                )
        for media, entry in new_content.items():
            pointer = join_pointer(logical, "content", media)
            if media not in old_content:
                text = f"added the media type {media}{status_text}"
                self.emit(f"{media_rule}-added", pointer, text, defined_at=join_pointer(new_pointer, "content", media))
                continue
            old_entry = old_content[media] or {}
            if not isinstance(entry, dict) or "schema" not in entry or "schema" not in old_entry:
                continue
            self.schemas.compare(
                replace(target, strongly_typed=strongly_typed(media)),
                old_entry["schema"],
                join_pointer(old_pointer, "content", media, "schema"),
                entry["schema"],
                join_pointer(new_pointer, "content", media, "schema"),
                join_pointer(pointer, "schema"),
            )

    # -- responses -------------------------------------------------------------------------

    def responses(self) -> None:
        old_responses = {str(k): v for k, v in (self.old.get("responses") or {}).items()}
        new_responses = {str(k): v for k, v in (self.new.get("responses") or {}).items()}
        for status in old_responses:
            if status not in new_responses:
                kind = "success" if status.startswith("2") else "non-success"
                pointer = join_pointer(self.old_pointer, "responses", status)
                self.emit(
                    f"response-{kind}-status-removed",
                    pointer,
                    f"removed the {kind} response with the status {status}",
                    side="base",
                )
        for status, raw in new_responses.items():
            logical = join_pointer(self.new_pointer, "responses", status)
            if status not in old_responses:
                kind = "success" if status.startswith("2") else "non-success"
                self.emit(
                    f"response-{kind}-status-added", logical, f"added the {kind} response with the status {status}"
                )
                continue
            new, new_pointer = self.ctx.head.resolve(raw, logical)
            old, old_pointer = self.ctx.base.resolve(
                old_responses[status], join_pointer(self.old_pointer, "responses", status)
            )
            target = Target(self.subject, "response", "body", f"the response body (status {status})", status)
            self._content(
                target,
                old,
                old_pointer,
                new,
                new_pointer,
                logical,
                "response-media-type",
                f" for the response with the status {status}",
            )
            self._headers(status, old, old_pointer, new, new_pointer, logical)

    def _headers(
        self, status: str, old: dict[str, Any], old_pointer: str, new: dict[str, Any], new_pointer: str, logical: str
    ) -> None:
        """Response headers removed, added, made optional, or given another type or nullability."""

        def headers(doc: SpecDocument, response: dict[str, Any], pointer: str) -> dict[str, tuple[str, Any, str]]:
            found: dict[str, tuple[str, Any, str]] = {}
            for name, raw in (response.get("headers") or {}).items():
                header, where = doc.resolve(raw, join_pointer(pointer, "headers", name))
                if isinstance(header, dict):
                    found[str(name).lower()] = (str(name), header, where)
            return found

        old_headers = headers(self.ctx.base, old, old_pointer)
        new_headers = headers(self.ctx.head, new, new_pointer)
        for key, (name, header, where) in old_headers.items():
            if key not in new_headers:
                kind = "required" if header.get("required") is True else "optional"
                text = f"removed the {kind} header {name} from the response with the status {status}"
                pointer = join_pointer(logical, "headers", name)
                self.emit(f"{kind}-response-header-removed", pointer, text, side="base", defined_at=where)
        for key, (name, header, where) in new_headers.items():
            pointer = join_pointer(logical, "headers", name)
            if key not in old_headers:
                text = f"added the header {name} to the response with the status {status}"
                self.emit("response-header-added", pointer, text, defined_at=where)
                continue
            _, old_header, old_where = old_headers[key]
            label = f"the header {name} of the response with the status {status}"
            if old_header.get("required") is True and header.get("required") is not True:
                self.emit(
                    "response-header-became-optional",
                    join_pointer(pointer, "required"),
                    f"{label} became optional",
                    defined_at=where,
                )
            target = Target(self.subject, "response", "header", label, status, strongly_typed=False)
            self.schemas.compare(
                target,
                old_header.get("schema") or {},
                join_pointer(old_where, "schema"),
                header.get("schema") or {},
                join_pointer(where, "schema"),
                join_pointer(pointer, "schema"),
            )


# -- security and components ---------------------------------------------------------------


def _requirements(value: Any) -> dict[str, dict[str, list[str]]]:
    """A security list as `scheme+scheme` (one alternative) -> scheme -> scopes."""
    found: dict[str, dict[str, list[str]]] = {}
    for requirement in value if isinstance(value, list) else []:
        if isinstance(requirement, dict):
            key = " + ".join(sorted(map(str, requirement))) or "(none)"
            found[key] = {str(k): [str(s) for s in v or []] for k, v in requirement.items()}
    return found


def _security(ctx: DiffContext, old: Any, new: Any, subject: str, pointer: str, prefix: str) -> None:
    old_reqs, new_reqs = _requirements(old), _requirements(new)
    scope = "global " if prefix == "api-global" else "endpoint "
    for key in old_reqs:
        if key not in new_reqs:
            ctx.emit(
                f"{prefix}-security-removed",
                subject,
                pointer,
                f"the {scope}security requirement {key} was removed",
                side="base",
            )
    for key, schemes in new_reqs.items():
        if key not in old_reqs:
            ctx.emit(f"{prefix}-security-added", subject, pointer, f"the {scope}security requirement {key} was added")
            continue
        for scheme, scopes in schemes.items():
            old_scopes = old_reqs[key].get(scheme, [])
            for item in scopes:
                if item not in old_scopes:
                    ctx.emit(
                        f"{prefix}-security-scope-added", subject, pointer, f"the scope {item} was added to {scheme}"
                    )
            for item in old_scopes:
                if item not in scopes:
                    ctx.emit(
                        f"{prefix}-security-scope-removed",
                        subject,
                        pointer,
                        f"the scope {item} was removed from {scheme}",
                    )


def _components(ctx: DiffContext) -> None:
    for kind, rule, noun in (
        ("securitySchemes", "api-security-component", "security scheme"),
        ("schemas", "api-schema", "schema"),
    ):
        old = (ctx.base.data.get("components") or {}).get(kind) or {}
        new = (ctx.head.data.get("components") or {}).get(kind) or {}
        for name in old:
            if name not in new:
                ctx.emit(
                    f"{rule}-removed",
                    GLOBAL,
                    join_pointer("/components", kind, name),
                    f"the {noun} {name} was removed",
                    side="base",
                )
        if kind == "securitySchemes":
            for name in new:
                pointer = join_pointer("/components", kind, name)
                if name not in old:
                    ctx.emit(f"{rule}-added", GLOBAL, pointer, f"the {noun} {name} was added")
                elif isinstance(old[name], dict) and isinstance(new[name], dict):
                    _security_scheme(ctx, name, pointer, old[name], new[name])


def _security_scheme(ctx: DiffContext, name: str, pointer: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    """A security scheme's type, and its OAuth flows' URLs and scopes (every flow; oasdiff reads the
    implicit one)."""

    def emit(rule: str, where: str, text: str, side: Side = "head") -> None:
        ctx.emit(f"api-security-component-{rule}", GLOBAL, where, f"the security scheme {name}: {text}", side=side)

    if old.get("type") != new.get("type"):
        emit("type-changed", join_pointer(pointer, "type"), f"type changed from {old.get('type')} to {new.get('type')}")
    old_flows, new_flows = old.get("flows") or {}, new.get("flows") or {}
    for flow, new_flow in new_flows.items():
        old_flow = old_flows.get(flow)
        if not isinstance(old_flow, dict) or not isinstance(new_flow, dict):
            continue
        at = join_pointer(pointer, "flows", flow)
        for key, rule in (("authorizationUrl", "oauth-url-changed"), ("tokenUrl", "oauth-token-url-changed")):
            if old_flow.get(key) != new_flow.get(key):
                emit(
                    rule, join_pointer(at, key), f"{flow} {key} changed from {old_flow.get(key)} to {new_flow.get(key)}"
                )
        old_scopes, new_scopes = old_flow.get("scopes") or {}, new_flow.get("scopes") or {}
        for scope in old_scopes:
            if scope not in new_scopes:
                emit("oauth-scope-removed", join_pointer(at, "scopes"), f"{flow} scope {scope} removed", "base")
        for scope, description in new_scopes.items():
            where = join_pointer(at, "scopes", scope)
            if scope not in old_scopes:
                emit("oauth-scope-added", where, f"{flow} scope {scope} added")
            elif old_scopes[scope] != description:
                emit("oauth-scope-changed", where, f"{flow} scope {scope}: description changed")
