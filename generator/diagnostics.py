"""Located problems in a spec, the exception that carries them to the CLI, and JSON pointers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


def counted(number: int, noun: str) -> str:
    """`1 operation`, `2 operations`: a count with its noun in the singular or the plural."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    col: int


@dataclass(frozen=True)
class Diagnostic:
    """One problem: where it is (file:line:col and JSON pointer), what it is, how to fix it."""

    location: Location
    pointer: str
    message: str
    hint: str | None = None
    severity: str = "error"

    def format(self) -> str:
        loc = self.location
        lines = [f"{loc.file}:{loc.line}:{loc.col}: {self.severity}: {self.message}"]
        lines.append(f"  at {self.pointer or '/'}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class SpecError(Exception):
    """The spec cannot be generated from; carries every problem found."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.format() for d in diagnostics))


def escape_pointer_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(base: str, *tokens: object) -> str:
    return base + "".join("/" + escape_pointer_token(t) for t in tokens)


def split_pointer(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]


def display_path(path: Path) -> str:
    """How files are named in messages: relative to the working folder when inside it, else in full."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


def replaced_at(node: Any, tokens: list[str], value: Any) -> Any:
    """A copy of `node` with the value at the pointer `tokens` replaced, sharing everything off that path."""
    if not tokens:
        return value
    head, rest = tokens[0], tokens[1:]
    if isinstance(node, list):
        index = int(head)
        return node[:index] + [replaced_at(node[index], rest, value)] + node[index + 1 :]
    return {**node, head: replaced_at(node[head], rest, value)}
