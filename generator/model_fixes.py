"""What datamodel-code-generator's output needs before the SDK uses it, and which of its warnings to
pass on. Each fix is a small edit of its source, for what its own options cannot ask for."""

from __future__ import annotations

import ast
import re


def fixed(source: str) -> str:
    return _unprotected_namespaces(_mark_overrides(_builtin_generics(source)))


def _unprotected_namespaces(source: str) -> str:
    """A model with a field named `model_...` (`model_name`, `model_dump_`) gets
    `protected_namespaces=()`: pydantic before 2.10 warns at import about any such field (an error
    under `-W error`), and the API's property names are not pydantic's to reserve."""
    tree = ast.parse(source)
    inserts: list[int] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        fields = [s.target.id for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
        config = next(
            (
                s
                for s in node.body
                if isinstance(s, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "model_config" for t in s.targets)
                and isinstance(s.value, ast.Call)
                and s.end_lineno is not None
                and s.end_lineno > s.lineno
            ),
            None,
        )
        if config is not None and config.end_lineno is not None and any(f.startswith("model_") for f in fields):
            inserts.append(config.end_lineno)
    lines = source.split("\n")
    for end in sorted(inserts, reverse=True):
        lines.insert(end - 1, "        protected_namespaces=(),")
    return "\n".join(lines)


OVERRIDE_COMMENT = "  # type: ignore[assignment, unused-ignore]"


def _mark_overrides(source: str) -> str:
    """A field an `allOf` part re-declares with another type than its base class's (`status: Status`
    over `status: ToolCallStatus | None`) is what the API says, and what pydantic checks; mypy calls
    the override incompatible where the types are unrelated. Such fields are marked to be ignored
    (`unused-ignore` keeps the mark quiet where mypy finds the override compatible after all)."""
    from .models import _StripAnnotated

    tree = ast.parse(source)
    annotations: dict[str, dict[str, str]] = {}
    bases: dict[str, list[str]] = {}
    marked: list[int] = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        own = {
            statement.target.id: (ast.unparse(_StripAnnotated({}).visit(statement.annotation)), statement.lineno)
            for statement in node.body
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
        }
        bases[node.name] = [b.id for b in node.bases if isinstance(b, ast.Name) and b.id in annotations]
        inherited: dict[str, str] = {}
        pending = list(bases[node.name])
        while pending:
            base = pending.pop(0)
            for name, annotation in annotations[base].items():
                inherited.setdefault(name, annotation)
            pending += bases[base]
        for name, (annotation, line) in own.items():
            if name in inherited and inherited[name] != annotation and name != "model_config":
                marked.append(line)
        annotations[node.name] = {name: annotation for name, (annotation, _) in own.items()}
    if not marked:
        return source
    lines = source.split("\n")
    for line in marked:
        lines[line - 1] += OVERRIDE_COMMENT
    return "\n".join(lines)


def _builtin_generics(source: str) -> str:
    """`Dict[...]`/`List[...]` as `dict[...]`/`list[...]`: datamodel-code-generator writes the typing
    aliases in a model's `__annotations__` for typed extra properties, whatever its settings, and
    ruff (UP006, UP035) refuses them in code for Python 3.10."""
    tree = ast.parse(source)
    imported = {
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "typing"
        for alias in node.names
        if alias.name in ("Dict", "List") and alias.asname is None
    }
    for name in sorted(imported):
        source = re.sub(rf"\b{name}\[", f"{name.lower()}[", source)
        source = re.sub(rf"^(from typing import .*?)\b{name}, ", r"\1", source, flags=re.M)
        source = re.sub(rf"^(from typing import .*?), {name}\b", r"\1", source, flags=re.M)
        source = re.sub(rf"^from typing import {name}\n", "", source, flags=re.M)
    return source


# datamodel-code-generator's warnings about the document: which say something the SDK user should
# know (a constraint its models leave out), and which not (an unknown `format` is an annotation,
# OpenAPI 3.1 §4.8.24.2.1: the value stays the string or number it is).
_UNDERSTOOD_FORMAT = re.compile(r"format of '.*' not understood")
_CLASS_FIELD = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*) is generated without")
_ON_CLASS = re.compile(r" on ([A-Za-z_][A-Za-z0-9_]*)$")


def notes(messages: list[str], classes: dict[str, str]) -> list[tuple[str, str]]:
    """(pointer, message) for each warning worth passing on, at the schema of the class it names."""
    pointers = {name: pointer for pointer, name in sorted(classes.items(), reverse=True)}
    notes = []
    for message in dict.fromkeys(messages):
        if _UNDERSTOOD_FORMAT.match(message):
            continue
        named = _CLASS_FIELD.search(message) or _ON_CLASS.search(message)
        pointer = pointers.get(named.group(1), "/components/schemas") if named else "/components/schemas"
        notes.append((pointer, f"the models stage says: {message.rstrip('.')}"))
    return notes
