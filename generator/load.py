"""Stage 1: read a spec file into plain data, keeping the line and column of every value.

The loader is the generator's only contact with untrusted bytes, so it bounds what a document
may cost: file size, node count (YAML alias bombs) and nesting depth are capped before any
other stage sees the data.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .bundle import Bundler, external_refs
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
    # Pointer prefixes of schemas moved under components/schemas -> where the user wrote them; and
    # of sdkgen's keys copied from a Speakeasy alias (`aliases`) -> the alias's.
    moved: dict[str, str] = field(default_factory=dict)
    # Located warnings about what the stages after loading decided (a name a schema could not have).
    warnings: tuple[Diagnostic, ...] = ()
    # A document split over files (see bundle): pointer prefixes of bundled values -> (the file's
    # display name, the pointer in it); each file's marks; each file's text by its relative path.
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)
    file_marks: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    referenced: dict[str, str] = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        """Of the document's text, and of every file it refers to (with their paths) when there are any."""
        if not self.referenced:
            return hashlib.sha256(self.text.encode("utf-8")).hexdigest()
        digest = hashlib.sha256()
        for name, text in [("", self.text), *sorted(self.referenced.items())]:
            data = text.encode("utf-8")
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()

    def written_in(self, pointer: str) -> tuple[str, str, dict[str, tuple[int, int]]]:
        """(file's display name, pointer in that file, its marks) of the value at `pointer`."""
        pointer = self.written_at(pointer)
        best = ""
        for prefix in self.sources:
            if len(prefix) > len(best) and (pointer == prefix or pointer.startswith(prefix + "/")):
                best = prefix
        if not best:
            return self.display_name, pointer, self.marks
        name, inner = self.sources[best]
        return name, inner + pointer[len(best) :], self.file_marks[name]

    def written_at(self, pointer: str) -> str:
        """The pointer in the file as written, for a pointer into a schema moved under components
        (or, by normalize, under an `anyOf`): moves are undone in turn, the last one first."""
        for _ in range(len(self.moved)):
            for moved_to, origin in self.moved.items():
                if pointer == moved_to or pointer.startswith(moved_to + "/"):
                    pointer = origin + pointer[len(moved_to) :]
                    break
            else:
                break
        return pointer

    def location(self, pointer: str) -> Location:
        """The file, line and column of the value at `pointer`, or of its nearest located ancestor."""
        name, written, marks = self.written_in(pointer)
        tokens = split_pointer(written)
        while True:
            candidate = join_pointer("", *tokens)
            if candidate in marks:
                line, col = marks[candidate]
                return Location(name, line, col)
            if not tokens:
                return Location(name, 1, 1)
            tokens.pop()

    def diagnostic(self, pointer: str, message: str, hint: str | None = None) -> Diagnostic:
        """A problem at `pointer`, located (and its pointer given) in the file that holds it."""
        return Diagnostic(self.location(pointer), self.written_in(pointer)[1], message, hint)

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


class _JsonSyntaxError(Exception):
    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_JSON_LITERALS = (("true", True), ("false", False), ("null", None))


class _JsonParser:
    """Standard JSON (RFC 8259) into plain data, recording the line and column of every value.

    PyYAML reads most JSON, but not all of it: it rejects surrogate-pair escapes (`\\ud83d\\udc4d`)
    and characters such as U+007F in strings, and reads `1e3` as a string. So JSON is parsed as
    JSON, with the same limits (values, depth, duplicate keys) as YAML."""

    def __init__(self, text: str, display_name: str) -> None:
        self.text = text
        self.display_name = display_name
        self.marks: dict[str, tuple[int, int]] = {}
        self.count = 0
        self._line_starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._line_starts, index)
        return line, index - self._line_starts[line - 1] + 1

    def fail(self, index: int, pointer: str, message: str, hint: str | None = None) -> SpecError:
        return SpecError([Diagnostic(Location(self.display_name, *self.position(index)), pointer, message, hint)])

    def parse(self) -> Any:
        index = _JSON_SPACE.match(self.text, 0).end()  # type: ignore[union-attr]
        value, index = self.value(index, "", 0)
        index = _JSON_SPACE.match(self.text, index).end()  # type: ignore[union-attr]
        if index != len(self.text):
            raise _JsonSyntaxError("unexpected text after the document", index)
        return value

    def string(self, index: int, pointer: str) -> tuple[str, int]:
        try:
            value, end = json.decoder.scanstring(self.text, index + 1, True)
        except json.JSONDecodeError as exc:
            raise _JsonSyntaxError(exc.msg, exc.pos) from None
        lone = _LONE_SURROGATE.search(value)
        if lone is not None:
            raise self.fail(
                index,
                pointer,
                f"the string holds a lone UTF-16 surrogate (U+{ord(lone.group()):04X}), which is not a character",
                "a character outside the Basic Multilingual Plane is written as a pair of escapes, high then low"
                " (\\ud83d\\udc4d), or as itself",
            )
        return value, end

    def value(self, index: int, pointer: str, depth: int) -> tuple[Any, int]:
        self.count += 1
        if self.count > MAX_NODES:
            raise self.fail(index, pointer, f"document expands to more than {MAX_NODES:,} values")
        if depth > MAX_DEPTH:
            raise self.fail(index, pointer, f"document nests deeper than {MAX_DEPTH} levels")
        self.marks.setdefault(pointer, self.position(index))
        text = self.text
        char = text[index : index + 1]
        if char == "{":
            return self.mapping(index, pointer, depth)
        if char == "[":
            result: list[Any] = []
            index = _JSON_SPACE.match(text, index + 1).end()  # type: ignore[union-attr]
            if text.startswith("]", index):
                return result, index + 1
            while True:
                item, index = self.value(index, join_pointer(pointer, len(result)), depth + 1)
                result.append(item)
                index = _JSON_SPACE.match(text, index).end()  # type: ignore[union-attr]
                if text.startswith("]", index):
                    return result, index + 1
                if not text.startswith(",", index):
                    raise _JsonSyntaxError("expected ',' or ']'", index)
                index = _JSON_SPACE.match(text, index + 1).end()  # type: ignore[union-attr]
        if char == '"':
            return self.string(index, pointer)
        number = _JSON_NUMBER.match(text, index)
        if number is not None:
            fraction, exponent = number.groups()
            value = float(number.group()) if fraction or exponent else int(number.group())
            return value, number.end()
        for word, literal in _JSON_LITERALS:
            if text.startswith(word, index):
                return literal, index + len(word)
        raise _JsonSyntaxError("expected a value", index)

    def mapping(self, index: int, pointer: str, depth: int) -> tuple[dict[str, Any], int]:
        text = self.text
        result: dict[str, Any] = {}
        index = _JSON_SPACE.match(text, index + 1).end()  # type: ignore[union-attr]
        if text.startswith("}", index):
            return result, index + 1
        while True:
            if not text.startswith('"', index):
                raise _JsonSyntaxError("expected a property name in double quotes", index)
            key_index = index
            key, index = self.string(index, pointer)
            child = join_pointer(pointer, key)
            if key in result:
                raise self.fail(key_index, child, f"duplicate key {key!r}")
            index = _JSON_SPACE.match(text, index).end()  # type: ignore[union-attr]
            if not text.startswith(":", index):
                raise _JsonSyntaxError("expected ':'", index)
            index = _JSON_SPACE.match(text, index + 1).end()  # type: ignore[union-attr]
            self.marks[child] = self.position(index)
            result[key], index = self.value(index, child, depth + 1)
            index = _JSON_SPACE.match(text, index).end()  # type: ignore[union-attr]
            if text.startswith("}", index):
                return result, index + 1
            if not text.startswith(",", index):
                raise _JsonSyntaxError("expected ',' or '}'", index)
            index = _JSON_SPACE.match(text, index + 1).end()  # type: ignore[union-attr]


@dataclass
class _Parsed:
    data: Any
    marks: dict[str, tuple[int, int]]
    text: str
    values: int


def _refusal(name: str, message: str, hint: str | None = None, line: int = 1, col: int = 1) -> SpecError:
    return SpecError([Diagnostic(Location(name, line, col), "", message, hint)])


def read_document(path: Path, name: str) -> _Parsed:
    """One file's text parsed into plain data with its marks; every failure is a located SpecError.

    JSON (a `.json` file, or text that starts with `{` or `[`) is read by the JSON parser, YAML by
    PyYAML; text that starts like JSON but is not (YAML flow style) is read as YAML."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _refusal(name, f"cannot read spec: {exc.strerror or exc}") from None
    if size > MAX_FILE_BYTES:
        raise _refusal(name, f"spec is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _refusal(name, f"cannot read spec: {exc.strerror or exc}") from None
    if not raw.strip():
        raise _refusal(name, "spec file is empty")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refusal(name, f"spec is not UTF-8 text (byte {exc.start} cannot be decoded)") from None
    if "\x00" in text:
        raise _refusal(name, "spec contains NUL bytes: it is binary, not YAML or JSON")
    is_json_file = path.suffix.lower() == ".json"
    if is_json_file or text.lstrip(" \t\r\n")[:1] in ("{", "["):
        parser = _JsonParser(text, name)
        try:
            return _Parsed(parser.parse(), parser.marks, text, parser.count)
        except _JsonSyntaxError as exc:
            json_error = _refusal(name, f"invalid JSON: {exc.message}", None, *parser.position(exc.index))
        try:
            return _read_yaml(text, name)
        except SpecError:
            if is_json_file:
                raise json_error from None
            raise
    return _read_yaml(text, name)


def _read_yaml(text: str, name: str) -> _Parsed:
    loader = _Loader(text)
    old_limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(max(old_limit, 10_000))
        root = loader.get_single_node()
        if root is None:
            raise _refusal(name, "spec file holds no document")
        converter = _Converter(loader, name)
        data = converter.convert(root, "", 0)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is None:
            raise _refusal(name, f"invalid YAML/JSON: {problem}") from None
        raise _refusal(name, f"invalid YAML/JSON: {problem}", None, mark.line + 1, mark.column + 1) from None
    except yaml.YAMLError as exc:
        raise _refusal(name, f"invalid YAML/JSON: {exc}") from None
    except RecursionError:
        raise _refusal(name, f"document nests too deeply (more than {MAX_DEPTH} levels)") from None
    finally:
        sys.setrecursionlimit(old_limit)
        loader.dispose()
    return _Parsed(data, converter.marks, text, converter.count)


def load_spec(path: Path, display_name: str | None = None) -> SpecDocument:
    """Read and parse `path`, Speakeasy's aliases read as sdkgen's keys; every failure is a located SpecError."""
    from .aliases import with_aliases  # which reads schemas as normalize finds them, normalize importing this module

    return with_aliases(_load(path, display_name))


def _load(path: Path, display_name: str | None) -> SpecDocument:
    name = display_name or str(path)
    parsed = read_document(path, name)
    if not isinstance(parsed.data, dict):
        raise _refusal(name, f"spec must be a mapping at the top level, not {type(parsed.data).__name__}")
    doc = SpecDocument(path=path, display_name=name, data=parsed.data, marks=parsed.marks, text=parsed.text)
    if not external_refs(parsed.data):
        return doc
    bundler = Bundler(path, name, parsed)
    data = bundler.bundle()
    return replace(
        doc,
        data=data,
        sources=bundler.sources,
        file_marks=bundler.file_marks(),
        referenced=bundler.referenced(),
    )
