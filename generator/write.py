"""Stage 6b: replace the output folder with the new tree, all at once or not at all.

sdkgen replaces a folder only when that loses nothing: the folder is new or empty, or it is an
earlier sdkgen output (its `sdkgen-inputs.json` lists what sdkgen wrote there) holding nothing
else but tool caches. It never replaces the working folder or a folder above it, a folder holding
the spec or the config, or a git work tree.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .diagnostics import counted

MANIFEST = "sdkgen-inputs.json"
# What tools leave in a generated tree and rebuild at will (byte code, type-checker, linter and
# test caches, package metadata): never part of it, and replaced with it. `build/` and `dist/` are
# not among them: a folder of that name may hold anyone's files.
CACHE_DIRS = frozenset({"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis"})
LISTED_EXTRAS = 10


class OutputError(Exception):
    """The output folder cannot be replaced without losing what someone else put there."""

    def __init__(self, output: Path, message: str) -> None:
        self.output = output
        self.message = message
        super().__init__(f"{output}: {message}")


def check_output(output: Path, protected: Iterable[Path] = ()) -> None:
    """Raises OutputError unless replacing `output` as a whole loses nothing.

    `protected` are files the run reads (the spec, the config): a folder holding one is refused."""
    target = output.resolve()
    cwd = Path.cwd().resolve()
    if target == cwd or target in cwd.parents:
        raise OutputError(output, "is the working folder or holds it; choose a folder of its own, such as ./generated")
    for path in protected:
        if target in path.resolve().parents:
            raise OutputError(output, f"holds {path}, an input of this run; choose a folder of its own")
    if not target.exists() and not target.is_symlink():
        return
    if not target.is_dir():
        raise OutputError(output, "is not a folder")
    if (target / ".git").exists():
        raise OutputError(output, "is a git work tree (it holds .git); choose a folder inside it")
    with os.scandir(target) as entries:
        if next(entries, None) is None:
            return
    recorded = recorded_manifest(target)
    if recorded is None:
        raise OutputError(
            output,
            f"is not empty and holds no {MANIFEST}, so sdkgen did not write it; choose a new or empty folder",
        )
    extras = [path for path in _files(target) if path not in recorded["files"] and path != MANIFEST]
    if extras:
        shown = ", ".join(extras[:LISTED_EXTRAS])
        if len(extras) > LISTED_EXTRAS:
            shown += f" and {len(extras) - LISTED_EXTRAS} more"
        raise OutputError(
            output,
            f"holds {counted(len(extras), 'file')} sdkgen did not write ({shown}); "
            "move them out of the folder or choose another one",
        )


def write_tree(files: dict[str, str], output: Path, protected: Iterable[Path] = ()) -> None:
    """Writes into a sibling temp folder, then swaps it in; `output` is never half-written.

    Raises OutputError, touching nothing, when `output` may not be replaced (see check_output) or
    cannot be written."""
    check_output(output, protected)
    try:
        _swap_in(files, output.resolve())
    except OSError as exc:
        raise OutputError(output, f"cannot be written ({exc.strerror or exc})") from exc


def _swap_in(files: dict[str, str], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.new-", dir=output.parent))
    try:
        # mkdtemp makes the folder private (0700); the output gets the mode any new folder would.
        staging.chmod(output.stat().st_mode & 0o7777 if output.is_dir() else 0o777 & ~_umask())
        for relative, content in sorted(files.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(content)
        old = None
        if output.exists():
            old = output.parent / f".{output.name}.old-{os.getpid()}"
            os.replace(output, old)
        try:
            os.replace(staging, output)
        except BaseException:
            if old is not None:
                os.replace(old, output)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)  # the new tree is in place; a leftover is only litter
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_tree(root: Path) -> dict[str, str]:
    """Every file of a generated tree but tool caches, as relative POSIX path -> text."""
    return {path: (root / path).read_text(encoding="utf-8") for path in _files(root)}


def _files(root: Path) -> list[str]:
    """Relative POSIX paths of the files under `root`, tool caches left out, sorted; symlinks are not followed."""
    found = []
    for folder, dirs, names in os.walk(root):
        base = Path(folder).relative_to(root)
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]  # replaced, so listed like files
        dirs[:] = sorted(d for d in dirs if not is_tool_cache(d) and d not in links)
        if folder == str(root) and "build" in dirs and _setuptools_build(root / "build"):
            dirs.remove("build")  # `pip install .`, as the generated README says, leaves it there
        found.extend((base / name).as_posix() for name in names + links)
    return sorted(found)


def _setuptools_build(folder: Path) -> bool:
    """Whether a folder is setuptools' `build/`: only its `lib`, `bdist.*` and `temp.*` folders."""
    entries = list(folder.iterdir())
    return bool(entries) and all(
        e.is_dir() and (e.name == "lib" or e.name.startswith(("lib.", "bdist.", "temp."))) for e in entries
    )


def is_tool_cache(name: str) -> bool:
    """A folder name that tools create beside generated code (see CACHE_DIRS), or an `.egg-info`."""
    return name in CACHE_DIRS or name.endswith(".egg-info")


def recorded_manifest(output: Path) -> dict[str, Any] | None:
    """The manifest of an earlier sdkgen output in `output` (see inputs), or None when there is no readable one."""
    try:
        recorded = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(recorded, dict) or not isinstance(recorded.get("files"), dict):
        return None
    return recorded


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
