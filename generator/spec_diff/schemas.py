"""Schema-level checks: two schemas compared keyword by keyword, properties recursively.

Both sides are walked through their `$ref`s, so a change inside a shared component is found
from every operation that uses it; the finding's pointer is the path from the operation, and
`defined_at` the component where the change really is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from ..diagnostics import SpecError, join_pointer
from ..load import SpecDocument
from .context import DiffContext, Side
from .equivalence import annotation_only, canonical, validation_form
from .findings import RULES, Level
from .subschemas import match_subschemas, member_name
from .types import accepts_null, declared_types, item_accepts_scalar, list_of_types_change, type_pattern, verdict

Direction = Literal["request", "response"]
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
    """A schema with its `$ref` followed."""

    keywords: dict[str, Any]
    pointer: str
    properties: dict[str, tuple[Any, str]]
    required: frozenset[str]


def view(doc: SpecDocument, node: Any, pointer: str) -> SchemaView:
    # In 3.1 (JSON Schema 2020-12 §8.2.3.1) keywords beside a `$ref` apply too; 3.0 ignores them.
    siblings: dict[str, Any] = {}
    if isinstance(node, dict) and "$ref" in node and str(doc.data.get("openapi", "")).startswith("3.1"):
        siblings = {k: v for k, v in node.items() if k != "$ref"}
    node, pointer = doc.resolve(node, pointer)
    if not isinstance(node, dict):
        node = {}
    if siblings:
        node = {**node, **siblings}
    properties = {
        str(name): (prop, join_pointer(pointer, "properties", name))
        for name, prop in (node.get("properties") or {}).items()
    }
    required = frozenset(str(name) for name in node.get("required") or [] if isinstance(name, str))
    return SchemaView(node, pointer, properties, required)


Kind = Literal["parameter", "parameter-property", "body", "property", "header"]

# What oasdiff reports instead for a property the other direction never carries: a readOnly
# property in a request (the client does not send it), a writeOnly one in a response.
_READ_ONLY_IN_REQUEST = {
    "enum-value-removed": "request-read-only-property-enum-value-removed",
    "max-decreased": "request-read-only-property-max-decreased",
    "max-length-decreased": "request-read-only-property-max-length-decreased",
    "min-increased": "request-read-only-property-min-increased",
    "exclusive-max-decreased": "request-read-only-property-exclusive-max-decreased",
    "exclusive-min-increased": "request-read-only-property-exclusive-min-increased",
    "type-changed": None,
    "type-generalized": None,
    "max-length-set": None,
    "max-set": None,
    "min-set": None,
    "min-items-set": None,
    "min-items-increased": None,
    "list-of-types-narrowed": None,
    "list-of-types-widened": None,
}
_WRITE_ONLY_IN_RESPONSE = {
    "enum-value-added": "response-write-only-property-enum-value-added",
    "max-increased": None,
    "max-length-increased": None,
    "max-length-unset": None,
    "min-decreased": None,
    "min-items-decreased": None,
    "min-items-unset": None,
    "min-length-decreased": None,
}
# oasdiff's names for a change to a response body's own schema that differ from the pattern.
_RESPONSE_BODY_ALIASES = {"enum-value-removed": "response-mediatype-enum-value-removed"}


@dataclass(frozen=True)
class Target:
    """What is being compared: a parameter's, a body's or a property's schema, how messages name
    it, and the operation. Rule ids are `<direction>-<kind>-<change>`, oasdiff's pattern."""

    subject: str
    direction: Direction
    kind: Kind
    label: str
    status: str | None = None
    path: str = ""  # the property's path from the body, `a/items/b`
    hidden: bool = False  # a readOnly property in a request, a writeOnly one in a response
    strongly_typed: bool = True  # JSON, where 1 and "1" differ (`types.strongly_typed`)
    required: bool = False  # a required parameter
    # The revision's parameter object (`in`, `style`, `explode`), for a parameter's schema. When it
    # is not given, the parameter holding the schema in the revision is read.
    parameter: Any = None
    owner: str = ""  # for a property of a parameter's schema, the parameter's label

    @property
    def prefix(self) -> str:
        return f"{self.direction}-{self.kind}"

    def rule(self, suffix: str) -> str | None:
        """The rule id for `suffix` (`pattern-added`), or None where no rule reports it here."""
        if self.hidden:
            special = _READ_ONLY_IN_REQUEST if self.direction == "request" else _WRITE_ONLY_IN_RESPONSE
            if suffix in special:
                return special[suffix]
        if self.prefix == "response-body" and suffix in _RESPONSE_BODY_ALIASES:
            return _RESPONSE_BODY_ALIASES[suffix]
        in_header = isinstance(self.parameter, dict) and self.parameter.get("in") == "header"
        if self.kind == "parameter-property" and in_header and suffix == "became-enum":
            return "request-header-property-became-enum"  # oasdiff's one check of a header's properties
        for candidate in (f"{self.prefix}-{suffix}", f"sdkgen-{self.prefix}-{suffix}"):
            if candidate in RULES:
                return candidate
        return None

    def nested(self, path: str, hidden: bool = False) -> Target:
        """The target for a schema under this one: a property, `items`, or a union member."""
        if self.kind in ("parameter", "parameter-property"):
            owner = self.owner or self.label
            label = f"property `{path}` of {owner}"
            return Target(
                self.subject,
                self.direction,
                "parameter-property",
                label,
                path=path,
                owner=owner,
                parameter=self.parameter,
            )
        where = f" (status {self.status})" if self.status else ""
        label = f"{self.direction} property `{path}`{where}"
        return Target(self.subject, self.direction, "property", label, self.status, path, hidden, self.strongly_typed)


def _child(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def _nullability_change(b: dict[str, Any], h: dict[str, Any]) -> str | None:
    """`became-nullable`, `became-not-nullable` or None. `null` added to the `type` list of a schema
    that had no type (it took null already), or removed by dropping the type, is no change."""
    old_null, new_null = accepts_null(b), accepts_null(h)
    if old_null == new_null:
        return None
    if new_null and h.get("nullable") is not True and not b.get("type"):
        return None
    if old_null and b.get("nullable") is not True and not h.get("type"):
        return None
    return "became-nullable" if new_null else "became-not-nullable"


def _type_change_text(target: Target, b: dict[str, Any], h: dict[str, Any]) -> str:
    old_types, new_types = declared_types(b), declared_types(h)
    old_format, new_format = b.get("format"), h.get("format")
    if old_types == new_types:  # only the format changed
        if old_format is None:
            return f"{target.label}: format {_shown(new_format)} added"
        if new_format is None:
            return f"{target.label}: format {_shown(old_format)} removed"
        return f"{target.label}: format changed from {_shown(old_format)} to {_shown(new_format)}"
    return (
        f"{target.label}: type changed from {_type_text(old_types, old_format)} to {_type_text(new_types, new_format)}"
    )


def _type_text(types: tuple[str, ...], fmt: Any) -> str:
    text = "/".join(types) or "any"
    return f"{text} ({fmt})" if fmt else text


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
    ("exclusiveMaximum", "exclusive-max", True),  # numeric in 3.1; 3.0's boolean form is not a bound
    ("exclusiveMinimum", "exclusive-min", False),
)


class SchemaComparer:
    """Compares two schemas the way oasdiff walks them: the schema's own keywords, its `allOf`,
    `anyOf` and `oneOf` members (matched as oasdiff matches them), then every schema under it
    (properties, `items`, `additionalProperties`, matched members), each as a property."""

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
        seen: frozenset[tuple[str, str]] = frozenset(),
    ) -> None:
        if self.ctx.same(base_node, base_pointer, head_node, head_pointer):
            return
        self.ctx.schema_comparisons += 1
        if self.ctx.schema_comparisons > MAX_SCHEMA_COMPARISONS:
            message = f"the documents expand to more than {MAX_SCHEMA_COMPARISONS:,} schema comparisons"
            raise SpecError([self.ctx.head.diagnostic(logical, message, "shared schemas nest too widely to compare")])
        old = view(self.ctx.base, base_node, base_pointer)
        new = view(self.ctx.head, head_node, head_pointer)
        if (old.pointer, new.pointer) in seen:
            return  # a recursive schema: this pair is already being compared further up
        seen = seen | {(old.pointer, new.pointer)}
        if target.kind == "parameter" and target.parameter is None:
            target = replace(target, parameter=self._parameter_holding(head_pointer))
        wrapping = self.nullable_wrapping(old, new)
        if wrapping is not None:
            # `oneOf: [{type: 'null'}, S]` is S made nullable: the one change to report here
            suffix = "became-nullable" if wrapping else "became-not-nullable"
            how = "wrapped in a oneOf with null" if wrapping else "no longer wrapped in a oneOf with null"
            self.emit(
                target, suffix, logical, f"{target.label} {suffix.replace('-', ' ')} ({how})", defined_at=new.pointer
            )
            return
        types_listed = self.list_of_types(target, old, new, logical)
        self.facets(target, old, new, logical, types_listed)
        if target.kind == "header":
            return
        if target.kind == "parameter":
            self.items_max_items(target, old, new, logical)
        for keyword in ("allOf", "anyOf", "oneOf"):
            self.subschemas(target, keyword, old, new, logical, seen, report=not types_listed)
        self.properties(target, old, new, logical, seen)
        for keyword in ("items", "additionalProperties"):
            old_sub, new_sub = old.keywords.get(keyword), new.keywords.get(keyword)
            if isinstance(old_sub, dict) and isinstance(new_sub, dict):
                self.compare(
                    target.nested(_child(target.path, keyword)),
                    old_sub,
                    join_pointer(old.pointer, keyword),
                    new_sub,
                    join_pointer(new.pointer, keyword),
                    join_pointer(logical, keyword),
                    seen,
                )

    def _parameter_holding(self, schema_pointer: str) -> Any:
        """The parameter object whose `schema` is at `schema_pointer` in the revision, if it is one."""
        parent, _, last = schema_pointer.rpartition("/")
        if last != "schema":
            return {}
        try:
            found = self.ctx.head.get(parent)
        except KeyError:
            return {}
        return found if isinstance(found, dict) and "in" in found else {}

    def nullable_wrapping(self, old: SchemaView, new: SchemaView) -> bool | None:
        """True when the revision is the base wrapped as `oneOf: [{type: 'null'}, base]`, False when
        the base was such a wrapping of the revision, None otherwise."""
        if wraps(self.ctx.head, new, self.ctx.base, old):
            return True
        if wraps(self.ctx.base, old, self.ctx.head, new):
            return False
        return None

    def list_of_types(self, target: Target, old: SchemaView, new: SchemaView, logical: str) -> bool:
        """Types added to or removed from a list of types (`oneOf: [{type: string}, {type: integer}]`,
        or a single `type` becoming one). Reports it and returns True when there is one: the
        `type` and the `oneOf`/`anyOf` members then changed only as part of it."""

        def pattern(doc: SpecDocument, schema: SchemaView) -> Any:
            members = {
                keyword: [
                    view(doc, member, join_pointer(schema.pointer, keyword, index)).keywords
                    for index, member in enumerate(schema.keywords.get(keyword) or [])
                ]
                for keyword in ("oneOf", "anyOf")
                if isinstance(schema.keywords.get(keyword), list)
            }
            return type_pattern(schema.keywords, members)

        change = list_of_types_change(pattern(self.ctx.base, old), pattern(self.ctx.head, new))
        if change is None:
            return False
        added, removed = change
        # a request must still take every value it took; a response must return no new kind of value
        if target.direction == "request":
            verb = "narrowed" if removed else "widened"
        else:
            verb = "widened" if added else "narrowed"
        listed = " ".join([*(f"-{t}" for t in removed), *(f"+{t}" for t in added)])
        text = f"{target.label}: list of types {verb} ({listed})"
        self.emit(target, f"list-of-types-{verb}", join_pointer(logical, "type"), text, defined_at=new.pointer)
        return True

    def items_max_items(self, target: Target, old: SchemaView, new: SchemaView, logical: str) -> None:
        """A parameter's array without its own `maxItems` change, whose `items` schema carries one
        (oasdiff reads the bound there): reported as the parameter's, when set on both sides."""
        if old.keywords.get("maxItems") != new.keywords.get("maxItems"):
            return
        old_items, new_items = old.keywords.get("items"), new.keywords.get("items")
        if not isinstance(old_items, dict) or not isinstance(new_items, dict):
            return
        before = view(self.ctx.base, old_items, join_pointer(old.pointer, "items")).keywords.get("maxItems")
        items = view(self.ctx.head, new_items, join_pointer(new.pointer, "items"))
        after = items.keywords.get("maxItems")
        if before is None or after is None:
            return
        self.bound(target, "maxItems", "max-items", True, before, after, join_pointer(logical, "items"), items.pointer)

    def facets(
        self, target: Target, old: SchemaView, new: SchemaView, logical: str, types_listed: bool = False
    ) -> None:
        """Type, nullability, enum, bounds, pattern, default and deprecation of one schema."""
        b, h = old.keywords, new.keywords
        at = new.pointer
        location = target.kind if target.kind in ("parameter", "parameter-property") else target.direction
        # a list-of-types change already says how the type changed
        suffix = None if types_listed else verdict(b, h, location, target.strongly_typed)
        if suffix == "type-changed" and target.kind == "parameter" and self.scalar_to_form_array(target, old, new):
            suffix = "type-generalized"
        if suffix is not None:
            self.emit(target, suffix, join_pointer(logical, "type"), _type_change_text(target, b, h), defined_at=at)
        nullability = _nullability_change(b, h)
        if nullability is not None:
            text = f"{target.label} {nullability.replace('-', ' ')}"
            self.emit(target, nullability, logical, text, defined_at=at)
        self.enum(target, b, h, logical, new.pointer)
        for keyword, stem, upper in BOUNDS:
            self.bound(target, keyword, stem, upper, b.get(keyword), h.get(keyword), logical, new.pointer)
        self.pattern(target, b.get("pattern"), h.get("pattern"), logical, new.pointer)
        self.extensible_enum(target, b, h, logical, new.pointer)
        # a required parameter's default is never used: the client always sends a value
        defaults_apply = not (target.kind == "parameter" and target.required)
        if defaults_apply and canonical(b.get("default")) != canonical(h.get("default")):
            verb = "added" if "default" not in b else "removed" if "default" not in h else "changed"
            text = f"{target.label}: default value {verb} ({_shown(b.get('default'))} -> {_shown(h.get('default'))})"
            self.emit(target, f"default-value-{verb}", join_pointer(logical, "default"), text, defined_at=at)
        if bool(b.get("deprecated")) != bool(h.get("deprecated")) and target.kind == "property":
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
        old_keys = {canonical(v) for v in old_values}
        new_keys = {canonical(v) for v in new_values}
        for value in old_values:
            if canonical(value) not in new_keys:
                self.emit(
                    target,
                    "enum-value-removed",
                    pointer,
                    f"{target.label}: enum value {_shown(value)} removed",
                    defined_at=defined_at,
                )
        for value in new_values:
            if canonical(value) in old_keys:
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

    def extensible_enum(
        self, target: Target, b: dict[str, Any], h: dict[str, Any], logical: str, defined_at: str
    ) -> None:
        """`x-extensible-enum` (Zalando's API guidelines): values the client may send; new ones are
        expected, a removed one is refused."""
        old_values, new_values = b.get("x-extensible-enum"), h.get("x-extensible-enum")
        if not isinstance(old_values, list) or not isinstance(new_values, list):
            return
        kept = {canonical(v) for v in new_values}
        for value in old_values:
            if canonical(value) not in kept:
                text = f"{target.label}: x-extensible-enum value {_shown(value)} removed"
                self.emit(
                    target,
                    "x-extensible-enum-value-removed",
                    join_pointer(logical, "x-extensible-enum"),
                    text,
                    defined_at=defined_at,
                )

    def scalar_to_form_array(self, target: Target, old: SchemaView, new: SchemaView) -> bool:
        """A parameter sent form-style with explode (the default for query and cookie parameters)
        whose scalar became an array of items taking every value the scalar did: `?color=red` is a
        valid one-element array, so every request still valid before is valid."""
        style, explode = _serialization(target.parameter)
        if style != "form" or not explode:
            return False
        old_types, new_types = declared_types(old.keywords), declared_types(new.keywords)
        if not old_types or [t for t in new_types if t not in old_types] != ["array"]:
            return False
        item_node = new.keywords.get("items")
        if not isinstance(item_node, dict):
            return False
        item = view(self.ctx.head, item_node, join_pointer(new.pointer, "items"))
        if not item_accepts_scalar(old_types, declared_types(item.keywords)):
            return False
        # beyond the type and nullability, the item must constrain values exactly as the scalar did
        untyped = ("type", "nullable")
        scalar_form = validation_form(self.ctx.base, old.keywords, old.pointer, skip=untyped)
        return bool(scalar_form == validation_form(self.ctx.head, item.keywords, item.pointer, skip=untyped))

    def bound(
        self, target: Target, keyword: str, stem: str, upper: bool, old: Any, new: Any, logical: str, defined_at: str
    ) -> None:
        numbers = all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in (old, new))
        if not numbers or old == new:  # 3.0's boolean exclusiveMaximum is no bound of its own
            return
        if old is None:
            verbs = ["set", "decreased" if upper else "increased"]
        elif new is None:
            verbs = ["unset", "increased" if upper else "decreased"]
        else:
            verbs = ["decreased" if new < old else "increased"]
        # the first change that has a rule here, as if the property were an ordinary one
        plain = replace(target, hidden=False)
        suffix = next((f"{stem}-{verb}" for verb in verbs if plain.rule(f"{stem}-{verb}")), None)
        if suffix is not None:
            text = f"{target.label}: {keyword} {suffix.rsplit('-', 1)[1]} from {_shown(old)} to {_shown(new)}"
            self.emit(target, suffix, join_pointer(logical, keyword), text, defined_at=defined_at)

    def pattern(self, target: Target, old: Any, new: Any, logical: str, defined_at: str) -> None:
        # `pattern: ''` matches every string: it is no pattern at all (so is a missing one).
        old, new = old or None, new or None
        if old == new:
            return
        if old is None:
            verb = "added"
        elif new is None:
            verb = "removed"
        else:
            verb = "generalized" if new == ".*" else "changed"
        text = f"{target.label}: pattern {verb} ({_shown(old)} -> {_shown(new)})"
        self.emit(target, f"pattern-{verb}", join_pointer(logical, "pattern"), text, defined_at=defined_at)

    def subschemas(
        self,
        target: Target,
        keyword: str,
        old: SchemaView,
        new: SchemaView,
        logical: str,
        seen: frozenset[tuple[str, str]],
        report: bool = True,
    ) -> None:
        """`allOf`/`anyOf`/`oneOf` members added and removed (one change for each side of one
        schema; not with `report` False), and the members found on both sides compared as properties."""
        old_members, new_members = old.keywords.get(keyword), new.keywords.get(keyword)
        if not isinstance(old_members, list):
            old_members = []
        if not isinstance(new_members, list):
            new_members = []
        if not old_members and not new_members:
            return
        added, removed, matched = match_subschemas(
            self.ctx, old_members, old.pointer, new_members, new.pointer, keyword
        )
        stem = {"allOf": "all-of", "anyOf": "any-of", "oneOf": "one-of"}[keyword]
        sides: tuple[tuple[str, list[int], list[Any], Side, str], ...] = (
            ("removed", removed, old_members, "base", old.pointer),
            ("added", added, new_members, "head", new.pointer),
        )
        for verb, indexes, members, side, pointer in sides if report else ():
            groups: list[tuple[str, list[int]]] = [("", indexes)]
            if keyword == "allOf":
                doc = self.ctx.doc(side)
                plain = [i for i in indexes if annotation_only(doc, members[i], join_pointer(pointer, keyword, i))]
                groups = [("", [i for i in indexes if i not in plain]), ("-annotation-only", plain)]
            for tail, chosen in groups:
                if not chosen:
                    continue
                names = ", ".join(member_name(members[i], i) for i in chosen)
                where = join_pointer(logical, keyword, chosen[0])
                text = f"{target.label}: {keyword} {'member' if len(chosen) == 1 else 'members'} {names} {verb}"
                self.emit(
                    target,
                    f"{stem}-{verb}{tail}",
                    where,
                    text,
                    side=side,
                    defined_at=join_pointer(pointer, keyword, chosen[0]),
                )
        for old_index, new_index in matched:
            self.compare(
                target.nested(_child(target.path, f"{keyword}[{member_name(new_members[new_index], new_index)}]")),
                old_members[old_index],
                join_pointer(old.pointer, keyword, old_index),
                new_members[new_index],
                join_pointer(new.pointer, keyword, new_index),
                join_pointer(logical, keyword, new_index),
                seen,
            )

    def properties(
        self,
        target: Target,
        old: SchemaView,
        new: SchemaView,
        logical: str,
        seen: frozenset[tuple[str, str]],
    ) -> None:
        if target.kind in ("parameter", "parameter-property"):
            # oasdiff compares the properties of a parameter's object on both sides only
            for prop, (node, defined_at) in new.properties.items():
                if prop in old.properties:
                    old_node, old_pointer = old.properties[prop]
                    pointer = join_pointer(logical, "properties", prop)
                    path = _child(target.path, prop)
                    self.compare(target.nested(path), old_node, old_pointer, node, defined_at, pointer, seen)
            return
        request = target.direction == "request"
        status = f" for status {target.status}" if target.status else ""
        for prop, (node, defined_at) in old.properties.items():
            if prop in new.properties:
                continue
            keywords = view(self.ctx.base, node, defined_at).keywords
            if request and keywords.get("readOnly") is True:
                continue  # never sent
            path = _child(target.path, prop)
            pointer = join_pointer(logical, "properties", prop)
            kind = "required" if prop in old.required else "optional"
            if request:
                rule, text = "request-property-removed", f"removed the request property `{path}`"
            else:
                written = "write-only-" if keywords.get("writeOnly") is True else ""
                rule = f"response-{kind}-{written}property-removed"
                text = f"removed the {kind} {written.replace('-', ' ')}property `{path}` from the response{status}"
            extra: dict[str, Any] = {}
            if keywords.get("deprecated") is True and RULES[rule] > Level.INFO:
                extra = {"level": Level.INFO, "note": DEPRECATED_NOTE}
            self.ctx.emit(rule, target.subject, pointer, text, side="base", defined_at=defined_at, **extra)
        for prop, (node, defined_at) in new.properties.items():
            keywords = view(self.ctx.head, node, defined_at).keywords
            read_only, write_only = keywords.get("readOnly") is True, keywords.get("writeOnly") is True
            path = _child(target.path, prop)
            pointer = join_pointer(logical, "properties", prop)
            required = prop in new.required
            kind = "required" if required else "optional"
            if prop not in old.properties:
                if request and read_only:
                    continue  # never sent
                if request:
                    rule = f"new-{kind}-request-property"
                    if required and "default" in keywords:
                        rule = "new-required-request-property-with-default"
                    text = f"added the new {kind} request property `{path}`"
                else:
                    written = "write-only-" if write_only else ""
                    rule = f"response-{kind}-{written}property-added"
                    text = f"added the {kind} {written.replace('-', ' ')}property `{path}` to the response{status}"
                self.ctx.emit(rule, target.subject, pointer, text, defined_at=defined_at)
                continue
            old_node, old_pointer = old.properties[prop]
            old_keywords = view(self.ctx.base, old_node, old_pointer).keywords
            was_required = prop in old.required
            hidden = read_only if request else write_only
            if was_required != required and not (request and read_only):
                verb = "required" if required else "optional"
                rule = f"{target.direction}-property-became-{verb}"
                if request and required and "default" in keywords:
                    rule = "request-property-became-required-with-default"
                elif not request and write_only:
                    rule = f"response-write-only-property-became-{verb}"
                text = f"the {target.direction} property `{path}` became {verb}{status}"
                self.ctx.emit(rule, target.subject, pointer, text, defined_at=new.pointer)
            was_kind = "required" if was_required else "optional"
            for keyword, word in (("writeOnly", "write-only"), ("readOnly", "read-only")):
                before, after = old_keywords.get(keyword) is True, keywords.get(keyword) is True
                if before != after:
                    verb = f"became-{word}" if after else f"became-not-{word}"
                    rule = f"{target.direction}-{was_kind}-property-{verb}"
                    text = f"the {target.direction} property `{path}` {verb.replace('-', ' ')}{status}"
                    self.ctx.emit(rule, target.subject, join_pointer(pointer, keyword), text, defined_at=defined_at)
            self.compare(target.nested(path, hidden), old_node, old_pointer, node, defined_at, pointer, seen)


def _serialization(parameter: Any) -> tuple[str, bool]:
    """A parameter's `style` and `explode`, with OpenAPI's defaults: `form` for query and cookie
    parameters, `simple` for path and header ones; explode only for `form`."""
    parameter = parameter if isinstance(parameter, dict) else {}
    where = parameter.get("in", "query")
    style = parameter.get("style") or ("form" if where in ("query", "cookie") else "simple")
    explode = parameter.get("explode")
    return str(style), explode if isinstance(explode, bool) else style == "form"


def wraps(wrapped_doc: SpecDocument, wrapped: SchemaView, plain_doc: SpecDocument, plain: SchemaView) -> bool:
    """Is `wrapped` exactly `plain` made nullable, `oneOf: [{type: 'null'}, plain]`, where `plain`
    has no composition of its own and does not take null already (wrapping it would then refuse
    null: it would match both members)?"""
    if any(plain.keywords.get(k) for k in ("oneOf", "anyOf", "allOf", "not")) or accepts_null(plain.keywords):
        return False
    members = wrapped.keywords.get("oneOf")
    if not isinstance(members, list) or len(members) != 2:
        return False
    if validation_form(wrapped_doc, {k: v for k, v in wrapped.keywords.items() if k != "oneOf"}, wrapped.pointer):
        return False  # the wrapper constrains more than its oneOf
    payloads = []
    for index, member in enumerate(members):
        at = join_pointer(wrapped.pointer, "oneOf", index)
        if validation_form(wrapped_doc, member, at) == {"type": ["null"]}:
            continue
        payloads.append((member, at))
    if len(payloads) != 1:
        return False
    payload, at = payloads[0]
    return bool(validation_form(plain_doc, plain.keywords, plain.pointer) == validation_form(wrapped_doc, payload, at))
