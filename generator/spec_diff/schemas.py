"""Schema-level checks: two schemas compared keyword by keyword, properties recursively.

Both sides are walked through their `$ref`s, so a change inside a shared component is found
from every operation that uses it; the finding's pointer is the path from the operation, and
`defined_at` the component where the change really is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from ..diagnostics import SpecError, join_pointer
from ..load import SpecDocument
from .context import DiffContext, Side
from .findings import RULES, Level

Direction = Literal["request", "response"]
MAX_ALL_OF_DEPTH = 32
# Shared schemas are compared again under every operation that reaches them; a crafted document
# can make that tree exponential, so the walk has a budget and refuses clearly when it runs out.
MAX_SCHEMA_COMPARISONS = 200_000
OPEN_ENUM_NOTE = (
    "the SDK treats this enum as open (x-sdk-open-enum): unknown values are kept as plain strings, "
    "so the new value does not break SDK users"
)
DEPRECATED_NOTE = "it was marked deprecated"


@dataclass(frozen=True)
class SchemaView:
    """A schema with its `$ref` followed and its `allOf` members merged in."""

    keywords: dict[str, Any]
    pointer: str
    properties: dict[str, tuple[Any, str]]
    required: frozenset[str]


def view(doc: SpecDocument, node: Any, pointer: str, depth: int = 0) -> SchemaView:
    node, pointer = doc.resolve(node, pointer)
    if not isinstance(node, dict):
        node = {}
    keywords: dict[str, Any] = {}
    properties: dict[str, tuple[Any, str]] = {}
    required: set[str] = set()
    if depth < MAX_ALL_OF_DEPTH:
        for index, member in enumerate(node.get("allOf") or []):
            merged = view(doc, member, join_pointer(pointer, "allOf", index), depth + 1)
            keywords.update(merged.keywords)
            properties.update(merged.properties)
            required |= merged.required
    keywords.update({k: v for k, v in node.items() if k not in ("allOf", "properties", "required")})
    for name, prop in (node.get("properties") or {}).items():
        properties[str(name)] = (prop, join_pointer(pointer, "properties", name))
    required |= {str(name) for name in node.get("required") or [] if isinstance(name, str)}
    return SchemaView(keywords, pointer, properties, frozenset(required))


@dataclass(frozen=True)
class Target:
    """What is being compared: its rule-id prefix, how messages name it, and the operation."""

    subject: str
    direction: Direction
    prefix: str  # "request-parameter", "request-body", "request-property", "response-body", ...
    label: str
    status: str | None = None

    def rule(self, suffix: str) -> str | None:
        """`<prefix>-<suffix>`, or the property form for a body when only that rule exists."""
        for candidate in (f"{self.prefix}-{suffix}", f"{self.direction}-property-{suffix}"):
            if candidate in RULES:
                return candidate
        return None

    def nested(self, name: str) -> Target:
        prefix = self.prefix if self.prefix == "request-parameter" else f"{self.direction}-property"
        where = f" (status {self.status})" if self.status else ""
        return Target(self.subject, self.direction, prefix, f"{self.direction} property `{name}`{where}", self.status)


def _types(keywords: dict[str, Any]) -> tuple[frozenset[str], bool]:
    declared = keywords.get("type")
    listed = declared if isinstance(declared, list) else [declared] if declared else []
    nullable = "null" in listed or keywords.get("nullable") is True
    return frozenset(str(t) for t in listed if t != "null"), nullable


def _covers(wide: frozenset[str], narrow: frozenset[str]) -> bool:
    return all(t in wide or (t == "integer" and "number" in wide) for t in narrow)


def _type_text(types: frozenset[str], fmt: Any) -> str:
    text = "/".join(sorted(types)) or "any"
    return f"{text} ({fmt})" if fmt else text


def _type_change(old: dict[str, Any], new: dict[str, Any]) -> str:
    """'same', 'widened', 'narrowed' or 'changed', for type and format together."""
    old_types, _ = _types(old)
    new_types, _ = _types(new)
    if old_types and new_types and old_types != new_types:
        if _covers(new_types, old_types):
            return "widened"
        if _covers(old_types, new_types):
            return "narrowed"
        return "changed"
    old_format, new_format = old.get("format"), new.get("format")
    if old_format == new_format:
        return "same"
    if new_format is None:
        return "widened"
    return "narrowed" if old_format is None else "changed"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _shown(value: Any) -> str:
    return "none" if value is None else json.dumps(value, default=str)


# keyword, id stem, whether it is an upper bound
BOUNDS = (
    ("maxLength", "max-length", True),
    ("minLength", "min-length", False),
    ("maximum", "max", True),
    ("minimum", "min", False),
    ("maxItems", "max-items", True),
    ("minItems", "min-items", False),
)


class SchemaComparer:
    def __init__(self, ctx: DiffContext) -> None:
        self.ctx = ctx

    def emit(
        self, target: Target, suffix: str, pointer: str, message: str, *, side: Side = "head", **extra: Any
    ) -> None:
        rule = target.rule(suffix)
        if rule is not None:
            self.ctx.emit(rule, target.subject, pointer, message, side=side, **extra)

    def compare(
        self,
        target: Target,
        base_node: Any,
        base_pointer: str,
        head_node: Any,
        head_pointer: str,
        logical: str,
        name: str = "",
        seen: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        self.ctx.schema_comparisons += 1
        if self.ctx.schema_comparisons > MAX_SCHEMA_COMPARISONS:
            message = f"the documents expand to more than {MAX_SCHEMA_COMPARISONS:,} schema comparisons"
            raise SpecError([self.ctx.head.diagnostic(logical, message, "shared schemas nest too widely to compare")])
        old = view(self.ctx.base, base_node, base_pointer)
        new = view(self.ctx.head, head_node, head_pointer)
        if (old.pointer, new.pointer) in seen:
            return  # a recursive schema: this pair is already being compared further up
        seen = seen | {(old.pointer, new.pointer)}
        self.facets(target, old, new, logical)
        if target.prefix == "request-parameter":
            return
        self.unions(target, old, new, logical, name, seen)
        self.properties(target, old, new, logical, name, seen)
        for keyword in ("items", "additionalProperties"):
            old_sub, new_sub = old.keywords.get(keyword), new.keywords.get(keyword)
            if isinstance(old_sub, dict) and isinstance(new_sub, dict):
                child = f"{name}/{keyword}" if name else keyword
                self.compare(
                    target.nested(child) if name else target,
                    old_sub,
                    join_pointer(old.pointer, keyword),
                    new_sub,
                    join_pointer(new.pointer, keyword),
                    join_pointer(logical, keyword),
                    child,
                    seen,
                )

    def facets(self, target: Target, old: SchemaView, new: SchemaView, logical: str) -> None:
        """Type, nullability, enum, bounds, pattern, default and deprecation of one schema."""
        b, h = old.keywords, new.keywords
        at = new.pointer
        change = _type_change(b, h)
        if change != "same":
            suffix = {
                "widened": "type-generalized",
                "narrowed": "type-specialized" if target.direction == "response" else "type-changed",
                "changed": "type-changed",
            }[change]
            old_types, _ = _types(b)
            new_types, _ = _types(h)
            text = f"{target.label}: type changed from {_type_text(old_types, b.get('format'))} to {_type_text(new_types, h.get('format'))}"
            self.emit(target, suffix, join_pointer(logical, "type"), text, defined_at=at)
        (_, old_null), (_, new_null) = _types(b), _types(h)
        if old_null != new_null:
            suffix = "became-nullable" if new_null else "became-not-nullable"
            self.emit(target, suffix, logical, f"{target.label} {suffix.replace('-', ' ')}", defined_at=at)
        self.enum(target, b, h, logical, new.pointer)
        for keyword, stem, upper in BOUNDS:
            self.bound(target, keyword, stem, upper, b.get(keyword), h.get(keyword), logical, new.pointer)
        self.pattern(target, b.get("pattern"), h.get("pattern"), logical, new.pointer)
        if target.direction == "request" and _canonical(b.get("default")) != _canonical(h.get("default")):
            verb = "added" if "default" not in b else "removed" if "default" not in h else "changed"
            text = f"{target.label}: default value {verb} ({_shown(b.get('default'))} -> {_shown(h.get('default'))})"
            self.emit(target, f"default-value-{verb}", join_pointer(logical, "default"), text, defined_at=at)
        if bool(b.get("deprecated")) != bool(h.get("deprecated")) and target.prefix != "request-parameter":
            verb = "deprecated" if h.get("deprecated") else "reactivated"
            self.emit(target, verb, logical, f"{target.label} {verb}", defined_at=at)

    def enum(self, target: Target, b: dict[str, Any], h: dict[str, Any], logical: str, defined_at: str) -> None:
        old_values, new_values = b.get("enum"), h.get("enum")
        pointer = join_pointer(logical, "enum")
        if not isinstance(new_values, list):
            return
        if not isinstance(old_values, list):
            self.emit(
                target,
                "became-enum",
                pointer,
                f"{target.label} was restricted to a list of enum values",
                defined_at=defined_at,
            )
            return
        old_keys = {_canonical(v) for v in old_values}
        new_keys = {_canonical(v) for v in new_values}
        for value in old_values:
            if _canonical(value) not in new_keys:
                self.emit(
                    target,
                    "enum-value-removed",
                    pointer,
                    f"{target.label}: enum value {_shown(value)} removed",
                    defined_at=defined_at,
                )
        for value in new_values:
            if _canonical(value) in old_keys:
                continue
            extra: dict[str, Any] = {}
            if target.direction == "response" and h.get("x-sdk-open-enum") is True:
                extra = {"level": Level.INFO, "note": OPEN_ENUM_NOTE}
            self.emit(
                target,
                "enum-value-added",
                pointer,
                f"{target.label}: enum value {_shown(value)} added",
                defined_at=defined_at,
                **extra,
            )

    def bound(
        self, target: Target, keyword: str, stem: str, upper: bool, old: Any, new: Any, logical: str, defined_at: str
    ) -> None:
        if not all(isinstance(v, (int, float)) or v is None for v in (old, new)) or old == new:
            return
        if old is None:
            verbs = ["set", "decreased" if upper else "increased"]
        elif new is None:
            verbs = ["unset", "increased" if upper else "decreased"]
        else:
            verbs = ["decreased" if new < old else "increased"]
        for verb in verbs:
            if target.rule(f"{stem}-{verb}"):
                text = f"{target.label}: {keyword} {verb} from {_shown(old)} to {_shown(new)}"
                self.emit(target, f"{stem}-{verb}", join_pointer(logical, keyword), text, defined_at=defined_at)
                return

    def pattern(self, target: Target, old: Any, new: Any, logical: str, defined_at: str) -> None:
        if old == new:
            return
        verb = "added" if old is None else "removed" if new is None else "changed"
        text = f"{target.label}: pattern {verb} ({_shown(old)} -> {_shown(new)})"
        self.emit(target, f"pattern-{verb}", join_pointer(logical, "pattern"), text, defined_at=defined_at)

    def unions(
        self,
        target: Target,
        old: SchemaView,
        new: SchemaView,
        logical: str,
        name: str,
        seen: frozenset[tuple[str, str]],
    ) -> None:
        for keyword, stem in (("oneOf", "one-of"), ("anyOf", "any-of")):
            old_members = _members(old.keywords.get(keyword))
            new_members = _members(new.keywords.get(keyword))
            if not old_members and not new_members:
                continue
            for key, (index, _) in old_members.items():
                if key not in new_members:
                    pointer = join_pointer(logical, keyword, index)
                    text = f"{target.label}: {keyword} member {key} removed"
                    self.emit(
                        target,
                        f"{stem}-removed",
                        pointer,
                        text,
                        side="base",
                        defined_at=join_pointer(old.pointer, keyword, index),
                    )
            for key, (index, member) in new_members.items():
                pointer = join_pointer(logical, keyword, index)
                if key not in old_members:
                    text = f"{target.label}: {keyword} member {key} added"
                    self.emit(
                        target, f"{stem}-added", pointer, text, defined_at=join_pointer(new.pointer, keyword, index)
                    )
                    continue
                old_index, old_member = old_members[key]
                self.compare(
                    target,
                    old_member,
                    join_pointer(old.pointer, keyword, old_index),
                    member,
                    join_pointer(new.pointer, keyword, index),
                    pointer,
                    name,
                    seen,
                )

    def properties(
        self,
        target: Target,
        old: SchemaView,
        new: SchemaView,
        logical: str,
        name: str,
        seen: frozenset[tuple[str, str]],
    ) -> None:
        request = target.direction == "request"
        status = f" for status {target.status}" if target.status else ""
        for prop, (node, defined_at) in old.properties.items():
            if prop in new.properties or _hidden(self.ctx.base, node, defined_at, target.direction):
                continue
            path = f"{name}/{prop}" if name else prop
            pointer = join_pointer(logical, "properties", prop)
            required = prop in old.required
            if request:
                rule, text = "request-property-removed", f"removed the request property `{path}`"
            elif required:
                rule, text = (
                    "response-required-property-removed",
                    f"removed the required property `{path}` from the response{status}",
                )
            else:
                rule, text = (
                    "response-optional-property-removed",
                    f"removed the optional property `{path}` from the response{status}",
                )
            extra: dict[str, Any] = {}
            if view(self.ctx.base, node, defined_at).keywords.get("deprecated") is True:
                extra = {"level": Level.INFO, "note": DEPRECATED_NOTE}
            self.ctx.emit(rule, target.subject, pointer, text, side="base", defined_at=defined_at, **extra)
        for prop, (node, defined_at) in new.properties.items():
            if _hidden(self.ctx.head, node, defined_at, target.direction):
                continue
            path = f"{name}/{prop}" if name else prop
            pointer = join_pointer(logical, "properties", prop)
            required = prop in new.required
            if prop not in old.properties:
                if request:
                    rule = "new-required-request-property" if required else "new-optional-request-property"
                    text = f"added the new {'required' if required else 'optional'} request property `{path}`"
                else:
                    rule = "response-required-property-added" if required else "response-optional-property-added"
                    text = (
                        f"added the {'required' if required else 'optional'} property `{path}` to the response{status}"
                    )
                self.ctx.emit(rule, target.subject, pointer, text, defined_at=defined_at)
                continue
            was_required = prop in old.required
            if was_required != required:
                verb = "required" if required else "optional"
                rule = f"{target.direction}-property-became-{verb}"
                text = f"the {target.direction} property `{path}` became {verb}{status}"
                self.ctx.emit(rule, target.subject, pointer, text, defined_at=new.pointer)
            old_node, old_pointer = old.properties[prop]
            self.compare(target.nested(path), old_node, old_pointer, node, defined_at, pointer, path, seen)


def _members(value: Any) -> dict[str, tuple[int, Any]]:
    """Union members keyed by what they refer to (or their position, when inline)."""
    members: dict[str, tuple[int, Any]] = {}
    for index, member in enumerate(value if isinstance(value, list) else []):
        ref = member.get("$ref") if isinstance(member, dict) else None
        key = ref.rsplit("/", 1)[-1] if isinstance(ref, str) else f"#{index}"
        members.setdefault(key, (index, member))
    return members


def _hidden(doc: SpecDocument, node: Any, pointer: str, direction: Direction) -> bool:
    """A readOnly property is never sent, a writeOnly one never received."""
    keywords = view(doc, node, pointer).keywords
    return keywords.get("readOnly" if direction == "request" else "writeOnly") is True
