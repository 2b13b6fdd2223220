"""Stage 1: read a spec file into plain data, keeping the line and column of every value.

The loader is the generator's only contact with untrusted bytes, so it bounds what a document
may cost: file size, node count (YAML alias bombs) and nesting depth are capped before any
other stage sees the data.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Diagnostic, Location, SpecError, join_pointer, split_pointer

MAX_FILE_BYTES = 16 * 1024 * 1024
# libyaml's parser when PyYAML was built with it (about twice as fast on large specs); the limits
# below apply to the composed nodes either way.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 2_000_000
MAX_DEPTH = 100


@dataclass
class SpecDocument:
    """A loaded spec: its data, where each value came from, and local `$ref` lookup."""

    path: Path
    display_name: str
    data: dict[str, Any]
    marks: dict[str, tuple[int, int]] = field(default_factory=dict)
    text: str = ""
    # Pointer prefixes of schemas moved under components/schemas -> where the user wrote them.
    moved: dict[str, str] = field(default_factory=dict)
    # Located warnings about what the stages after loading decided (a name a schema could not have).
    warnings: tuple[Diagnostic, ...] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def written_at(self, pointer: str) -> str:
        """The pointer in the file as written, for a pointer into a schema moved under components."""
        for moved_to, origin in self.moved.items():
            if pointer == moved_to or pointer.startswith(moved_to + "/"):
                return origin + pointer[len(moved_to) :]
        return pointer

    def location(self, pointer: str) -> Location:
        """The line and column of the value at `pointer`, or of its nearest located ancestor."""
        tokens = split_pointer(self.written_at(pointer))
        while True:
            candidate = join_pointer("", *tokens)
            if candidate in self.marks:
                line, col = self.marks[candidate]
                return Location(self.display_name, line, col)
            if not tokens:
                return Location(self.display_name, 1, 1)
            tokens.pop()

    def diagnostic(self, pointer: str, message: str, hint: str | None = None) -> Diagnostic:
        return Diagnostic(self.location(pointer), self.written_at(pointer), message, hint)

    def get(self, pointer: str) -> Any:
        node: Any = self.data
        for token in split_pointer(pointer):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise KeyError(pointer)
        return node

    def resolve(self, value: Any, pointer: str) -> tuple[Any, str]:
        """Follow `$ref`s from the value at `pointer` until a non-reference value; returns it and its pointer."""
        seen: list[str] = []
        while isinstance(value, dict) and "$ref" in value:
            ref = value["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise SpecError(
                    [
                        self.diagnostic(
                            join_pointer(pointer, "$ref"),
                            f"unsupported reference {ref!r}: only references inside this document are followed",
                            "move the referenced definition under #/components and refer to it as '#/components/...'",
                        )
                    ]
                )
            target = ref[1:]
            if target in seen:
                chain = " -> ".join(seen + [target])
                raise SpecError([self.diagnostic(pointer, f"reference cycle: {chain}")])
            seen.append(target)
            try:
                value = self.get(target)
            except KeyError:
                raise SpecError(
                    [self.diagnostic(join_pointer(pointer, "$ref"), f"reference target {ref!r} does not exist")]
                ) from None
            pointer = target
        return value, pointer


class _Converter:
    """Turns a composed YAML node graph into plain data, recording marks and enforcing limits."""

    def __init__(self, loader: Any, display_name: str) -> None:
        self.loader = loader
        self.display_name = display_name
        self.marks: dict[str, tuple[int, int]] = {}
        self.count = 0

    def fail(self, node: yaml.Node, pointer: str, message: str, hint: str | None = None) -> SpecError:
        loc = Location(self.display_name, node.start_mark.line + 1, node.start_mark.column + 1)
        return SpecError([Diagnostic(loc, pointer, message, hint)])

    def convert(self, node: yaml.Node, pointer: str, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(
                node,
                pointer,
                f"document expands to more than {MAX_NODES:,} values",
                "YAML aliases may be expanding exponentially (a 'billion laughs' document)",
            )
        if depth > MAX_DEPTH:
            raise self.fail(node, pointer, f"document nests deeper than {MAX_DEPTH} levels")
        self.marks.setdefault(pointer, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node, pointer, "mapping keys must be plain strings")
                key = str(
                    key_node.value if key_node.tag.endswith(":timestamp") else self.loader.construct_object(key_node)
                )
                child = join_pointer(pointer, key)
                if key in result:
                    raise self.fail(key_node, child, f"duplicate key {key!r}")
                self.marks[child] = (value_node.start_mark.line + 1, value_node.start_mark.column + 1)
                result[key] = self.convert(value_node, child, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, join_pointer(pointer, i), depth + 1) for i, item in enumerate(node.value)]
        if node.tag.endswith((":timestamp", ":binary")):
            return node.value
        return self.loader.construct_object(node)


def load_spec(path: Path, display_name: str | None = None) -> SpecDocument:
    """Read and parse `path`; every failure is a located SpecError."""
    name = display_name or str(path)
    start = Location(name, 1, 1)

    def refuse(message: str, hint: str | None = None, location: Location = start) -> SpecError:
        return SpecError([Diagnostic(location, "", message, hint)])

    try:
        size = path.stat().st_size
    except OSError as exc:
        raise refuse(f"cannot read spec: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise refuse(f"spec is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    raw = path.read_bytes()
    if not raw.strip():
        raise refuse("spec file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refuse(f"spec is not UTF-8 text (byte {exc.start} cannot be decoded)") from None
    if "\x00" in text:
        raise refuse("spec contains NUL bytes: it is binary, not YAML or JSON")

    loader = _Loader(text)
    old_limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(old_limit, 10_000))
        root = loader.get_single_node()
        if root is None:
            raise refuse("spec file holds no document")
        converter = _Converter(loader, name)
        data = converter.convert(root, "", 0)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(name, mark.line + 1, mark.column + 1) if mark else start
        problem = exc.problem or exc.context or "invalid YAML"
        raise refuse(f"invalid YAML/JSON: {problem}", location=loc) from None
    except yaml.YAMLError as exc:
        raise refuse(f"invalid YAML/JSON: {exc}") from None
    except RecursionError:
        raise refuse(f"document nests too deeply (more than {MAX_DEPTH} levels)") from None
    finally:
        sys.setrecursionlimit(old_limit)
        loader.dispose()
    if not isinstance(data, dict):
        raise refuse(f"spec must be a mapping at the top level, not {type(data).__name__}")
    return SpecDocument(path=path, display_name=name, data=data, marks=converter.marks, text=text)
