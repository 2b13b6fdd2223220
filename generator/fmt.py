"""Stage 6a: one black pass over every generated Python file, with the settings CI checks against."""

from __future__ import annotations

import black

from .diagnostics import Diagnostic, Location, SpecError

MODE = black.Mode(target_versions={black.TargetVersion.PY310})


def format_tree(files: dict[str, str]) -> dict[str, str]:
    formatted = {}
    for path, content in files.items():
        if path.endswith(".py"):
            try:
                content = black.format_str(content, mode=MODE)
            except black.InvalidInput as exc:
                # A template or model produced invalid Python: a generator bug, not a user error.
                raise SpecError(
                    [Diagnostic(Location(path, 1, 1), "", f"generated code does not parse: {exc}")]
                ) from None
        formatted[path] = content
    return formatted
