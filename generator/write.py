"""Stage 6b: replace the output folder with the new tree, all at once or not at all."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path


def write_tree(files: dict[str, str], output: Path) -> None:
    """Writes into a sibling temp folder, then swaps it in; `output` is never half-written."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    try:
        for relative, content in sorted(files.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
        old = None
        if output.exists():
            old = output.parent / f".{output.name}.old-{os.getpid()}"
            os.replace(output, old)
        os.replace(staging, output)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file() and not any(_is_tool_artifact(part) for part in path.relative_to(root).parts)
    }


def _is_tool_artifact(part: str) -> bool:
    """Caches and build output that tools leave beside a generated tree; never part of it."""
    return part.startswith(".") or part == "__pycache__" or part.endswith(".egg-info") or part in ("build", "dist")
