"""Where the two documents come from: files, or `REV:PATH` read from git."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ..diagnostics import Diagnostic, Location, SpecError, display_path
from ..load import SpecDocument
from ..pipeline import check_spec


def load_source(source: str) -> SpecDocument:
    """A valid OpenAPI document from a file, or from `REV:PATH` (the path as git names it, from the
    repository root). Only OpenAPI's rules are checked: a document sdkgen cannot generate an SDK
    from still has an API to compare."""
    path = Path(source)
    if path.is_file():
        return check_spec(path, display_path(path), sdk=False)
    if ":" not in source:
        raise SpecError([Diagnostic(Location(source, 1, 1), "", f"no such file: {source}", "pass a file or REV:PATH")])
    try:
        shown = subprocess.run(["git", "show", source], capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpecError([Diagnostic(Location(source, 1, 1), "", f"cannot run git: {exc}")]) from None
    if shown.returncode != 0:
        reason = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        message = f"cannot read {source} from git: {reason[-1] if reason else 'git show failed'}"
        raise SpecError([Diagnostic(Location(source, 1, 1), "", message)])
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / Path(source.split(":", 1)[1]).name
        copy.write_bytes(shown.stdout)
        return check_spec(copy, source, sdk=False)
