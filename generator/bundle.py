"""A document split over files, bundled into one: `$ref`s to files in the document's own folder.

`$ref: 'schemas/pet.yaml#/Pet'`, `./common.yaml` or `paths/users.json` is followed when the file
it names is in the folder of the document (or below it); a reference out of that folder (`../`),
an absolute path and a network address are refused, located at the `$ref`. Each referenced file
is read as the document is, with the same limits, and its errors are located in it.

A referenced schema becomes a component, `#/components/schemas/<name>`, once, whatever refers
to it: the component that is nothing but a reference to it when there is one (the usual
`Pet: {$ref: 'schemas/pet.yaml'}`), else a new one named after the last token of the reference
(`Pet`, or the file's stem), or, when a component's class already has that name, after its path
in the folder (`schemas_pet_Pet`). Anything else a file holds (a path item, a parameter, a
response) is copied where it is referenced. Every bundled value keeps where it was written:
`SpecDocument.sources` maps its pointer to its file and its pointer there.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from .diagnostics import Diagnostic, Location, SpecError, join_pointer, split_pointer
from .names import pascal
from .schema_keywords import DATA, ONE_SCHEMA, SCHEMA_LISTS, SCHEMA_MAPS

if TYPE_CHECKING:
    from .load import _Parsed

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_NAME = re.compile(r"[^A-Za-z0-9._-]")
# Siblings of a `$ref` that a Reference Object may carry (3.1): kept on what is copied in its place.
_REFERENCE_SIBLINGS = ("summary", "description")


def external_refs(node: Any) -> bool:
    """Does `node` hold a `$ref` to another file?"""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return True
        # a specification extension's value is free-form (OpenAPI §4.9): a `$ref` there is data
        return any(external_refs(value) for key, value in node.items() if not str(key).startswith("x-"))
    if isinstance(node, list):
        return any(external_refs(value) for value in node)
    return False


class _File:
    def __init__(self, path: Path, name: str, relative: str, parsed: _Parsed) -> None:
        self.path = path
        self.name = name
        self.relative = relative
        self.parsed = parsed


class Bundler:
    def __init__(self, root: Path, display_name: str, parsed: _Parsed) -> None:
        from .load import MAX_NODES

        self.folder = root.resolve().parent
        self.root = _File(root.resolve(), display_name, root.name, parsed)
        self.files: dict[Path, _File] = {self.root.path: self.root}
        self.homes: dict[tuple[Path, str], str] = {}
        self.added: dict[str, Any] = {}
        self.sources: dict[str, tuple[str, str]] = {}
        self.stack: list[tuple[Path, str]] = []
        self.budget = MAX_NODES - parsed.values
        schemas = (parsed.data.get("components") or {}).get("schemas") or {}
        self.taken = {pascal(str(name)) for name in schemas} if isinstance(schemas, dict) else set()

    # -- locating ------------------------------------------------------------------------------

    def fail(self, file: _File, pointer: str, message: str, hint: str | None = None) -> SpecError:
        tokens = split_pointer(pointer)
        while join_pointer("", *tokens) not in file.parsed.marks and tokens:
            tokens.pop()
        line, col = file.parsed.marks.get(join_pointer("", *tokens), (1, 1))
        return SpecError([Diagnostic(Location(file.name, line, col), pointer, message, hint)])

    # -- the walk ------------------------------------------------------------------------------

    def bundle(self) -> dict[str, Any]:
        data = self.root.parsed.data
        schemas = (data.get("components") or {}).get("schemas")
        if isinstance(schemas, dict):
            for name, value in schemas.items():
                if isinstance(value, dict) and set(value) == {"$ref"} and isinstance(value["$ref"], str):
                    if value["$ref"].startswith("#"):
                        continue
                    pointer = join_pointer("/components/schemas", name)
                    target = self.target(value["$ref"], self.root, join_pointer(pointer, "$ref"))
                    self.homes.setdefault(target, pointer)
        result = self.walk(data, "", self.root, "", "other", 0)
        if self.added:
            components = dict(result.get("components") or {})
            components["schemas"] = {**(components.get("schemas") or {}), **self.added}
            result = {**result, "components": components}
        return result  # type: ignore[no-any-return]

    def walk(self, node: Any, out: str, file: _File, src: str, kind: str, depth: int) -> Any:
        from .load import MAX_DEPTH

        if depth > MAX_DEPTH:
            raise self.fail(file, src, f"document nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, list):
            child_kind = "schema" if kind == "schema-list" else kind
            return [
                self.walk(item, join_pointer(out, i), file, join_pointer(src, i), child_kind, depth + 1)
                for i, item in enumerate(node)
            ]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and not (file is self.root and ref.startswith("#")):
            return self.reference(node, ref, out, file, src, kind, depth)
        return {
            key: (
                value  # a specification extension's value is free-form (OpenAPI §4.9), `$ref`s included
                if str(key).startswith("x-")
                else self.walk(
                    value, join_pointer(out, key), file, join_pointer(src, key), _child_kind(kind, str(key)), depth + 1
                )
            )
            for key, value in node.items()
        }

    def reference(self, node: dict[str, Any], ref: str, out: str, file: _File, src: str, kind: str, depth: int) -> Any:
        target = self.target(ref, file, join_pointer(src, "$ref"))
        siblings = {
            key: self.walk(
                value, join_pointer(out, key), file, join_pointer(src, key), _child_kind(kind, key), depth + 1
            )
            for key, value in node.items()
            if key != "$ref"
        }
        target_file, fragment = target
        if target_file == self.root.path:
            return {**siblings, "$ref": "#" + fragment}
        home = self.homes.get(target)
        if home == out and kind == "schema":  # the component that is only this reference: its home
            return self.inline(target, out, "schema", depth, join_pointer(src, "$ref"), file)
        if home is not None or kind == "schema":
            return {**siblings, "$ref": "#" + (home or self.new_home(target, file, join_pointer(src, "$ref")))}
        content = self.inline(target, out, kind, depth, join_pointer(src, "$ref"), file)
        if isinstance(content, dict):
            content = {**content, **{key: siblings[key] for key in _REFERENCE_SIBLINGS if key in siblings}}
        return content

    def new_home(self, target: tuple[Path, str], file: _File, at: str) -> str:
        target_file, fragment = target
        relative = self.files[target_file].relative
        tokens = split_pointer(fragment)
        candidates = [
            _NAME.sub("_", tokens[-1] if tokens else Path(relative).stem),
            _NAME.sub("_", "_".join([*Path(relative).with_suffix("").parts, *tokens])),
        ]
        for name in candidates:
            if name and pascal(name) not in self.taken:
                break
        else:
            raise self.fail(
                file,
                at,
                f"the schema {relative}#{fragment} cannot be named: components named {' and '.join(map(repr, candidates))}"
                " already exist",
                "refer to it from a component of its own: `<Name>: {$ref: '...'}` under components/schemas",
            )
        self.taken.add(pascal(name))
        pointer = join_pointer("/components/schemas", name)
        self.homes[target] = pointer
        self.added[name] = None  # keeps discovery order; filled below
        self.added[name] = self.inline(target, pointer, "schema", 3, at, file)
        return pointer

    def inline(self, target: tuple[Path, str], out: str, kind: str, depth: int, at: str, referrer: _File) -> Any:
        target_file, fragment = target
        if target in self.stack:
            chain = " -> ".join(f"{self.files[f].relative}#{p}" for f, p in [*self.stack, target])
            raise self.fail(referrer, at, f"reference cycle: {chain}")
        file = self.files[target_file]
        value = _get(file.parsed.data, fragment)
        self.budget -= _count(value)
        if self.budget < 0:
            from .load import MAX_NODES

            raise self.fail(
                referrer,
                at,
                f"document expands to more than {MAX_NODES:,} values",
                "references to other files are copied where they are used; one may be used too often",
            )
        self.sources[out] = (file.name, fragment)
        self.stack.append(target)
        try:
            return self.walk(value, out, file, fragment, kind, depth)
        finally:
            self.stack.pop()

    # -- files ---------------------------------------------------------------------------------

    def target(self, ref: str, file: _File, at: str) -> tuple[Path, str]:
        """(file, pointer in it) that `ref`, written in `file` at `at`, refers to; the file is read."""
        from .load import read_document

        location, _, fragment = ref.partition("#")
        fragment = fragment if fragment.startswith("/") or not fragment else None  # type: ignore[assignment]
        unsupported = (
            f"unsupported reference {ref!r}: only references inside this document and to files in its folder"
            " are followed"
        )
        hint = "refer to a file in the document's folder or below it (`schemas/pet.yaml#/Pet`), or move the definition there"
        if not location:
            path = file.path
        elif _SCHEME.match(location) or location.startswith(("/", "\\")) or fragment is None:
            raise self.fail(file, at, unsupported, hint)
        else:
            path = (file.path.parent / unquote(location)).resolve()
            if not path.is_relative_to(self.folder):
                raise self.fail(file, at, unsupported, hint)
        if path not in self.files:
            if not path.is_file():
                raise self.fail(file, at, f"reference target {ref!r} does not exist", "no such file")
            relative = path.relative_to(self.folder).as_posix()
            name = (Path(self.root.name).parent / relative).as_posix()
            parsed = read_document(path, name)
            self.budget -= parsed.values
            self.files[path] = _File(path, name, relative, parsed)
        try:
            _get(self.files[path].parsed.data, fragment or "")
        except (KeyError, IndexError, ValueError, TypeError):
            raise self.fail(file, at, f"reference target {ref!r} does not exist") from None
        return path, fragment or ""

    def referenced(self) -> dict[str, str]:
        """Relative path -> text of every file read besides the document itself, by path."""
        return {
            f.relative: f.parsed.text
            for f in sorted(self.files.values(), key=lambda f: f.relative)
            if f is not self.root
        }

    def file_marks(self) -> dict[str, dict[str, tuple[int, int]]]:
        return {f.name: f.parsed.marks for f in self.files.values() if f is not self.root}


def _child_kind(kind: str, key: str) -> str:
    if kind == "schema":
        if key in ONE_SCHEMA:
            return "schema"
        if key in SCHEMA_LISTS:
            return "schema-list"
        if key in SCHEMA_MAPS:
            return "schema-map"
        return "data"
    if kind in ("schema-map", "schema-list"):
        return "schema"
    if kind == "other":
        if key == "schema":
            return "schema"
        if key == "components":
            return "components"
        if key in DATA or key.startswith("x-"):
            return "data"
        return "other"
    if kind == "components":
        return "schema-map" if key == "schemas" else "other"
    return kind  # data stays data


def _get(node: Any, pointer: str) -> Any:
    for token in split_pointer(pointer):
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict):
            node = node[token]
        else:
            raise KeyError(token)
    return node


def _count(node: Any) -> int:
    if isinstance(node, dict):
        return 1 + sum(_count(value) for value in node.values())
    if isinstance(node, list):
        return 1 + sum(_count(value) for value in node)
    return 1
