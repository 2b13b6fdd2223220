"""Is a change of `type` or `format` breaking? oasdiff's verdicts, for a request and a response.

A request is contravariant: the revision must accept every value the base did. A response is
covariant: the revision must return only values the base could. `integer` is within `number`.
On a wire that is not strongly typed (a header, a query parameter, a non-JSON body) every value
is text, so changing a type to `string` keeps every value valid. `null` is nullability, compared
on its own, not a type here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Verdict = Literal["type-changed", "type-generalized", "type-specialized", "type-compatible"]
Location = Literal["parameter", "parameter-property", "request", "response"]

# A format that still accepts every value of another: (type, wider format, narrower format).
_WIDER_FORMATS = {
    ("number", "double", "float"),
    ("integer", "int64", "int32"),
    ("integer", "bigint", "int32"),
    ("integer", "bigint", "int64"),
    ("string", "date-time", "date"),
    ("string", "date-time", "time"),
}


def accepts_null(keywords: dict[str, Any]) -> bool:
    """Does the schema take `null`: 3.1's `type` list with `"null"`, or 3.0's `nullable: true`?"""
    declared = keywords.get("type")
    return (isinstance(declared, list) and "null" in declared) or declared == "null" or keywords.get("nullable") is True


def declared_types(keywords: dict[str, Any]) -> tuple[str, ...]:
    declared = keywords.get("type")
    listed = declared if isinstance(declared, list) else [declared] if declared else []
    return tuple(sorted({str(t) for t in listed if t != "null"}))


@dataclass(frozen=True)
class _Change:
    """The type and format of one schema before and after."""

    base: tuple[str, ...]
    revision: tuple[str, ...]
    base_format: Any
    revision_format: Any

    @property
    def types_changed(self) -> bool:
        return set(self.base) != set(self.revision)

    @property
    def format_changed(self) -> bool:
        return bool(self.base_format != self.revision_format)

    def reversed(self) -> _Change:
        return _Change(self.revision, self.base, self.revision_format, self.base_format)


def _subtype(sub: str, sup: str) -> bool:
    return sub == sup or (sub == "integer" and sup == "number")


def _subset(sub: tuple[str, ...], sup: tuple[str, ...]) -> bool:
    """Every type of a non-empty `sub` is within one of `sup`."""
    return bool(sub) and all(any(_subtype(t, s) for s in sup) for t in sub)


def _type_contained(change: _Change, strongly_typed: bool) -> bool:
    """Does the revision's type accept every value of the base's (types only)?"""
    added = [t for t in change.revision if t not in change.base]
    removed = [t for t in change.base if t not in change.revision]
    if len(added) == 1 and len(removed) == 1 and _subtype(removed[0], added[0]):
        return True
    if not strongly_typed:
        return not added or added == ["string"]
    return False


def _format_contained(change: _Change) -> bool:
    """Does the revision's format accept every value of the base's?"""
    if not change.revision_format:
        return True
    if len(change.revision) != 1:
        return False
    return (change.revision[0], change.revision_format, change.base_format) in _WIDER_FORMATS


def _breaking(change: _Change, strongly_typed: bool, types: bool = True) -> bool:
    """Would a value valid before be refused after (as a request sees it)?"""
    type_breaking = types and change.types_changed and not _type_contained(change, strongly_typed)
    format_breaking = change.format_changed and not _format_contained(change)
    return type_breaking or format_breaking


def verdict(old: dict[str, Any], new: dict[str, Any], location: Location, strongly_typed: bool) -> Verdict | None:
    """The rule suffix for a type or format change of one schema, or None if neither changed."""
    change = _Change(declared_types(old), declared_types(new), old.get("format"), new.get("format"))
    if not change.types_changed and not change.format_changed:
        return None
    widened = change.types_changed and _subset(change.base, change.revision)
    narrowed = change.types_changed and _subset(change.revision, change.base)
    both_typed = bool(change.base) and bool(change.revision)
    if location == "parameter":
        return "type-changed" if _breaking(change, strongly_typed=False) else "type-generalized"
    if location == "parameter-property":
        # How an object parameter is serialized is unknown (`a[b]=1` is text, `a={"b":1}` is JSON):
        # breaking both ways is specialized, neither way generalized, and a disagreement a warning.
        strongly, weakly = _breaking(change, strongly_typed=True), _breaking(change, strongly_typed=False)
        if strongly != weakly:
            return "type-changed"
        return "type-specialized" if strongly else "type-generalized"
    if location == "request":
        # no type left accepts anything; a wider set of types accepts all the old ones
        breaking = not (change.types_changed and not change.revision) and _breaking(
            change, strongly_typed, types=not widened
        )
        if breaking:
            return "type-changed"
        if change.types_changed and both_typed and not widened:
            return "type-compatible"
        return "type-generalized"
    reverse = change.reversed()
    breaking = not (change.types_changed and not change.base) and _breaking(reverse, strongly_typed, types=not narrowed)
    if breaking:
        return "type-generalized" if widened else "type-changed"
    if change.types_changed and both_typed and not narrowed:
        return "type-compatible"
    return "type-specialized"


def strongly_typed(media_type: str) -> bool:
    """JSON tells a number from a string; form fields, XML and text do not (RFC 6838 §4.2.8 suffixes)."""
    media_type = media_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


@dataclass(frozen=True)
class TypePattern:
    """The types a schema allows: its own `type` (`single`), or a `oneOf`/`anyOf` whose members are
    each one plain type (`list`), the "list of types" idiom: `oneOf: [{type: string}, {type: integer}]`."""

    types: frozenset[str]
    listed: bool


def _single_type(keywords: dict[str, Any]) -> str | None:
    declared = keywords.get("type")
    if isinstance(declared, list):
        return str(declared[0]) if declared else None
    return str(declared) if declared else None


def type_pattern(keywords: dict[str, Any], members: dict[str, list[dict[str, Any]]]) -> TypePattern | None:
    """The schema's type pattern, or None when it is not one (untyped, an object, an `allOf`).

    `members` holds the schema's `oneOf` and `anyOf` members with their `$ref`s followed. A declared
    `type` wins over a composition; of a 3.1 type list the first entry counts, as oasdiff reads it.
    """
    if "not" in keywords or keywords.get("allOf") or keywords.get("properties"):
        return None
    single = _single_type(keywords)
    if single is not None:
        return TypePattern(frozenset({single}), listed=False)
    for keyword in ("oneOf", "anyOf"):
        listed = members.get(keyword) or []
        types = [_plain_type(member) for member in listed]
        if listed and all(t is not None for t in types):
            return TypePattern(frozenset(str(t) for t in types), listed=True)
    return None


def _plain_type(member: dict[str, Any]) -> str | None:
    declared = member.get("type")
    if isinstance(declared, list):
        declared = declared[0] if len(declared) == 1 else None
    if not declared or any(member.get(k) for k in ("properties", "oneOf", "anyOf", "allOf")):
        return None
    return str(declared)


def list_of_types_change(old: TypePattern | None, new: TypePattern | None) -> tuple[list[str], list[str]] | None:
    """(added, removed) types when either side is a list of types and the sets differ, else None."""
    if old is None or new is None or not (old.listed or new.listed) or old.types == new.types:
        return None
    return sorted(new.types - old.types), sorted(old.types - new.types)


def item_accepts_scalar(scalar: tuple[str, ...], item: tuple[str, ...]) -> bool:
    """Does an array item of types `item` take every value of the scalar types `scalar`, on a wire
    where every value is text (a query or cookie parameter)? Types only, `null` aside."""
    if len(item) == 1 and len(scalar) == 1 and _subtype(scalar[0], item[0]):
        return True
    return not item or item == ("string",)
