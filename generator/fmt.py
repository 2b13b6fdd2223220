"""Stage 6a: one black pass over every generated Python file, with the settings CI checks against.

Black is the slowest stage on large outputs. Two things keep it down: the templates emit code
black leaves as it is wherever they can (black formats a changed file twice, an unchanged one
once), and large trees are formatted file by file across the machine's cores.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import black

from .diagnostics import Diagnostic, Location, SpecError

MODE = black.Mode(target_versions={black.TargetVersion.PY310})
PARALLEL_ABOVE_BYTES = 256 * 1024


def _format(item: tuple[str, str]) -> tuple[str, str | None, str]:
    path, content = item
    try:
        return path, black.format_str(content, mode=MODE), ""
    except black.InvalidInput as exc:
        return path, None, str(exc)


def format_tree(files: dict[str, str]) -> dict[str, str]:
    sources = sorted(((p, c) for p, c in files.items() if p.endswith(".py")), key=lambda item: -len(item[1]))
    workers = min(os.cpu_count() or 1, len(sources))
    if workers > 1 and sum(len(c) for _, c in sources) > PARALLEL_ABOVE_BYTES:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_format, sources))
    else:
        results = [_format(item) for item in sources]
    formatted = dict(files)
    for path, content, error in results:
        if content is None:
            # A template or model produced invalid Python: a generator bug, not a user error.
            raise SpecError([Diagnostic(Location(path, 1, 1), "", f"generated code does not parse: {error}")])
        formatted[path] = content
    return formatted
