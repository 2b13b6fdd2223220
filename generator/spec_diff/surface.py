"""The generated SDK's public API, read from the generator's own IR, and what a change does to it.

The surface is built from the same `ir.Api` and models index that `make regenerate` renders, so
it names exactly the methods, parameters, models and exceptions the generated code will have.
Renames are told apart from removals by what survives them: an operation's method and path, a
resource's operations, a model's fields, an error's status.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from .. import ir
from ..diagnostics import join_pointer, split_pointer
from ..models import ModelsModule
from ..validate import walk
from . import lifecycle
from .context import DiffContext, Side, path_template
from .findings import Level

Kind = Literal["resource", "method", "parameter", "model", "field", "enum value", "error"]


@dataclass(frozen=True)
class Member:
    """One public name of the SDK (`client.videos.create`, `models.Video.id`, `errors.NotFoundError`)."""

    kind: Kind
    name: str
    identity: str
    detail: str = ""
    pointer: str = ""
    required: bool = False
    deprecated: bool = False
    owner: str = ""  # identity of the method or model a parameter, field or enum value belongs to


def surface(api: ir.Api, models: ModelsModule, schemas: Collection[str]) -> dict[str, Member]:
    """Every public name of the SDK generated from `api`; `schemas` are the spec's component schema names."""
    members: dict[str, Member] = {}

    def add(member: Member) -> None:
        members.setdefault(member.name, member)

    for resource in api.resources:
        identities = sorted(f"{op.http_method} {path_template(op.path)}" for op in resource.operations)
        first = resource.operations[0].pointer if resource.operations else ""
        add(Member("resource", f"client.{resource.attr_name}", "resource " + ", ".join(identities), pointer=first))
        for op in resource.operations:
            for member in _operation_members(resource, op):
                add(member)
    origins = _origins(models, schemas)
    for model in models.classes.values():
        pointer = origins.get(model.name, "")
        if model.enum_values is not None:
            add(Member("model", f"models.{model.name}", "enum " + "|".join(sorted(model.enum_values)), pointer=pointer))
            for value in model.enum_values:
                add(Member("enum value", f"models.{model.name}({value!r})", value, pointer=pointer, owner=model.name))
            continue
        add(Member("model", f"models.{model.name}", "fields " + ",".join(sorted(model.fields)), pointer=pointer))
        for wire_name, field in model.fields.items():
            where = join_pointer(pointer, "properties", wire_name)
            add(
                Member(
                    "field",
                    f"models.{model.name}.{field.py_name}",
                    wire_name,
                    field.annotation,
                    where,
                    field.required,
                    owner=model.name,
                )
            )
    for error in api.errors:
        pointer = next(
            (
                join_pointer(op.pointer, "responses", str(error.status))
                for op in api.operations
                for e in op.errors
                if e.status == error.status
            ),
            "/paths",
        )
        add(Member("error", f"errors.{error.name}", f"status {error.status}", pointer=pointer))
    for name, job_model in api.job_errors:
        add(Member("error", f"errors.{name}", f"job failure {job_model}", pointer="/paths"))
    return members


def _origins(models: ModelsModule, schemas: Collection[str]) -> dict[str, str]:
    """Each model's schema as the document has it written: a component's own pointer, or where an
    inline schema sits (the models stage moved it under components and left a `$ref` in its place).
    """
    document = models.document
    referrers: dict[str, str] = {}
    if document is not None:
        for pointer, node in walk(document.data):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if isinstance(ref, str) and ref.startswith("#/") and not pointer.startswith("/components/schemas/"):
                referrers.setdefault(ref[1:], pointer)
    origins: dict[str, str] = {}
    for pointer, class_name in models.schema_classes.items():
        tokens = split_pointer(pointer)
        if len(tokens) >= 3 and tokens[:2] == ["components", "schemas"] and tokens[2] not in schemas:
            place = referrers.get(join_pointer("", *tokens[:3]))
            if place is None:
                continue
            pointer = join_pointer(place, *tokens[3:])
        origins.setdefault(class_name, pointer)
    return origins


def _operation_members(resource: ir.Resource, op: ir.Operation) -> Iterator[Member]:
    """An operation's method and its helpers, each with the parameters the spec gives it."""
    identity = f"{op.http_method} {path_template(op.path)}"
    prefix = f"client.{resource.attr_name}"
    yield Member(
        "method", f"{prefix}.{op.method_name}", identity, op.result.type_hint, op.pointer, deprecated=op.deprecated
    )
    yield from _parameters(f"{prefix}.{op.method_name}", identity, op)
    helpers: list[tuple[str | None, str, ir.Operation | None, bool]] = []
    if op.waiter:
        helpers.append((op.waiter.method_name, "wait", op, True))
        helpers.append((op.waiter.combined_name, "submit and wait", op.waiter.submit, False))
    if op.download:
        helpers.append((op.download.method_name, "download", op, False))
        poll = op.download.poll
        submit = poll.waiter.submit if op.download.combined_name and poll and poll.waiter else None
        helpers.append((op.download.combined_name, "submit and download", submit, False))
    for helper, role, source, job_id_only in helpers:
        if helper and source:
            name, helper_identity = f"{prefix}.{helper}", f"{role} {identity}"
            yield Member("method", name, helper_identity, pointer=op.pointer, deprecated=op.deprecated)
            yield from _parameters(name, helper_identity, source, job_id_only)


def _parameters(method: str, owner: str, op: ir.Operation, job_id_only: bool = False) -> Iterator[Member]:
    """The parameters a method takes from the spec: path, query and header parameters (and the
    argument for an idempotency key the spec declares), then body fields."""
    for param in op.path_params[:1] if job_id_only else op.parameters:
        # header names are case-insensitive (RFC 9110 §5.1): `X-Id` and `x-id` are one parameter
        wire = param.wire_name.lower() if param.location == "header" else param.wire_name
        yield Member(
            "parameter",
            f"{method}({param.py_name})",
            f"{param.location} {wire}",
            param.type_hint,
            param.pointer,
            param.required,
            owner=owner,
        )
    if op.idempotency_argument and op.idempotency_header and not job_id_only:
        yield Member(
            "parameter",
            f"{method}({op.idempotency_argument})",
            f"header {op.idempotency_header.lower()}",
            "str",
            op.pointer,
            False,
            owner=owner,
        )
    if op.body and op.body.whole_hint is not None and not job_id_only:
        pointer = join_pointer(op.pointer, "requestBody")
        yield Member("parameter", f"{method}(body)", "body", op.body.whole_hint, pointer, op.body.required, owner=owner)
    for body_field in () if job_id_only or not op.body else op.body.fields:
        yield Member(
            "parameter",
            f"{method}({body_field.py_name})",
            f"body {body_field.wire_name}",
            body_field.type_hint,
            join_pointer(op.pointer, "requestBody"),
            body_field.required,
            owner=owner,
        )


# -- comparing two surfaces -------------------------------------------------------------------


class SurfaceComparer:
    def __init__(self, ctx: DiffContext, old: dict[str, Member], new: dict[str, Member]) -> None:
        self.ctx = ctx
        self.old = old
        self.new = new
        self.model_renames: dict[str, str] = {}

    def emit(self, rule: str, member: Member, message: str, side: Side = "head", **extra: Any) -> None:
        self.ctx.emit(rule, member.name, member.pointer, message, side=side, section="sdk", **extra)

    def of_kind(self, members: dict[str, Member], kind: Kind) -> dict[str, Member]:
        return {name: m for name, m in members.items() if m.kind == kind}

    def compare(self) -> None:
        """Reports every change, ordered as a reader meets the SDK: resources, methods, models, errors."""
        start = len(self.ctx.findings)
        self.model_renames = self.renamed("model", "sdk-model", "schema renamed")
        self.renamed("error", "sdk-error-class", "error response renamed")
        resource_renames = self.renamed("resource", "sdk-resource", "tag renamed")
        self.methods(resource_renames)
        self.children("parameter", "sdk-parameter", lambda m: m.owner)
        self.children("field", "sdk-model-field", lambda m: self.model_renames.get(m.owner, m.owner))
        self.children("enum value", "sdk-enum-member", lambda m: self.model_renames.get(m.owner, m.owner))
        order = ("sdk-resource", "sdk-method", "sdk-parameter", "sdk-model", "sdk-enum", "sdk-error")
        self.ctx.findings[start:] = sorted(
            self.ctx.findings[start:], key=lambda f: next(i for i, p in enumerate(order) if f.rule.startswith(p))
        )

    def renamed(self, kind: Kind, stem: str, why: str) -> dict[str, str]:
        """Reports removed, added and renamed members of one kind; returns old -> new bare names."""
        old, new = self.of_kind(self.old, kind), self.of_kind(self.new, kind)
        gone = [m for name, m in old.items() if name not in new]
        came = [m for name, m in new.items() if name not in old]
        came_by_identity: dict[str, Member] = {}
        for member in came:
            came_by_identity.setdefault(member.identity, member)
        renames: dict[str, str] = {}
        for member in gone:
            match = came_by_identity.pop(member.identity, None)
            if match is not None:
                renames[_bare(member.name)] = _bare(match.name)
                self.emit(f"{stem}-renamed", match, f"{kind} {member.name} renamed to {match.name} ({why})")
                came.remove(match)
            else:
                extra: dict[str, Any] = {}
                if kind == "resource" and self.all_announced(member):
                    extra = {"level": Level.INFO, "note": "every method in it was marked deprecated"}
                self.emit(f"{stem}-removed", member, f"{kind} {member.name} removed", side="base", **extra)
        for member in came:
            self.emit(f"{stem}-added", member, f"{kind} {member.name} added")
        return renames

    def methods(self, resource_renames: dict[str, str]) -> None:
        old, new = self.of_kind(self.old, "method"), self.of_kind(self.new, "method")
        new_by_identity = {m.identity: m for m in new.values()}
        old_identities = {m.identity for m in old.values()}
        for name, member in old.items():
            if name in new:
                self.result(member, new[name])
                continue
            match = new_by_identity.get(member.identity)
            if match is None:
                extra: dict[str, Any] = (
                    {"level": Level.INFO, "note": "it was marked deprecated"} if self.announced(member) else {}
                )
                self.emit("sdk-method-removed", member, f"method {member.name} removed", side="base", **extra)
                continue
            resource, method = member.name.rsplit(".", 1)
            moved = resource_renames.get(_bare(resource))
            if not (moved and match.name == f"client.{moved}.{method}"):
                self.emit("sdk-method-renamed", match, f"method {member.name} renamed to {match.name}")
            self.result(member, match)
        for name, member in new.items():
            if name not in old and member.identity not in old_identities:
                self.emit("sdk-method-added", member, f"method {member.name} added")

    def all_announced(self, resource: Member) -> bool:
        """Was every method of a removed resource's removal announced (see `announced`)?"""
        methods = [m for m in self.of_kind(self.old, "method").values() if m.name.startswith(resource.name + ".")]
        return bool(methods) and all(self.announced(m) for m in methods)

    def announced(self, member: Member) -> bool:
        """Was a removed method's removal announced: deprecated, and past its `x-sunset` date if it
        has one (before it, the API side reports the removal as breaking too)?"""
        if not member.deprecated:
            return False
        try:
            operation = self.ctx.base.get(member.pointer)
        except KeyError:
            return True
        rule, _ = lifecycle.removal_rule(operation if isinstance(operation, dict) else {}, "operation")
        return rule is None or rule.endswith("-with-deprecation")

    def result(self, old: Member, new: Member) -> None:
        if self.renamed_types(old.detail) != new.detail:
            text = f"method {new.name} now returns {new.detail or 'None'} instead of {old.detail or 'None'}"
            self.emit("sdk-method-result-changed", new, text)

    def children(self, kind: Kind, stem: str, owner_of: Any) -> None:
        """Parameters of a method, fields of a model, values of an enum: matched within their owner."""
        old = {(owner_of(m), m.identity): m for m in self.of_kind(self.old, kind).values()}
        new = {(m.owner, m.identity): m for m in self.of_kind(self.new, kind).values()}
        old_owners = {key[0] for key in old}
        new_owners = {key[0] for key in new}
        for key, member in old.items():
            if key[0] in new_owners and key not in new:
                self.emit(f"{stem}-removed", member, f"{kind} {member.name} removed", side="base")
        for key, member in new.items():
            if key[0] not in old_owners:
                continue
            previous = old.get(key)
            if previous is None:
                rule = f"{stem}-added-required" if kind == "parameter" and member.required else f"{stem}-added"
                self.emit(rule, member, f"{'required ' if member.required else ''}{kind} {member.name} added")
                continue
            verb = "required" if member.required else "optional"
            if kind == "parameter" and previous.required != member.required:
                self.emit(f"{stem}-became-{verb}", member, f"parameter {member.name} became {verb}")
            elif kind == "field" and previous.required != member.required:
                if self.renamed_types(previous.detail) == member.detail:
                    change = f"its type, {member.detail}, unchanged"
                else:
                    change = f"{previous.detail} -> {member.detail}"
                text = f"field {member.name} became {verb} ({change})"
                self.emit(f"{stem}-type-changed", member, text)
                continue
            if self.renamed_types(previous.detail) != member.detail:
                text = f"{kind} {member.name} type changed from {previous.detail} to {member.detail}"
                self.emit(f"{stem}-type-changed", member, text)

    def renamed_types(self, annotation: str) -> str:
        """An old annotation with renamed models written under their new names."""
        for old, new in self.model_renames.items():
            annotation = re.sub(rf"\b{re.escape(old)}\b", new, annotation)
        return annotation


def _bare(name: str) -> str:
    return name.split(".", 1)[1] if "." in name else name
