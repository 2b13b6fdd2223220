"""Where the two documents come from: files, or `REV:PATH` read from git."""

from __future__ import annotations

import io
import posixpath
import subprocess
import tarfile
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
    revision, name = source.split(":", 1)
    if name.startswith(("./", "../")):  # git's form for a path from the current directory
        prefix = _git(["rev-parse", "--show-prefix"], source).decode("utf-8", "replace").strip()
        name = posixpath.normpath(posixpath.join(prefix, name))
    # The document's folder as the revision has it: a document split over files refers to files
    # beside it (`bundle`), and those must come from the same revision.
    folder = posixpath.dirname(name)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            top = _git(["rev-parse", "--show-toplevel"], source).decode("utf-8", "replace").strip()
            archive = _git(["-C", top, "archive", "--format=tar", revision, "--", folder or "."], source)
        except SpecError:
            archive = b""
        _unpack(archive, Path(scratch))
        copy = Path(scratch) / name
        if not copy.is_file():
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(_git(["show", source], source))
        return check_spec(copy, source, sdk=False)


def revision_file(source: str) -> bytes | None:
    """The file `REV:PATH` names, as git has it, or None when that revision has no such file."""
    try:
        return _git(["show", source], source)
    except SpecError:
        return None


def _unpack(archive: bytes, into: Path) -> None:
    """The regular files of a `git archive` tar (nothing else is written, nowhere outside `into`)."""
    if not archive:
        return
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if not member.isfile() or Path(member.name).is_absolute() or ".." in parts:
                continue
            extracted = tar.extractfile(member)
            if extracted is not None:
                target = into.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(extracted.read())


def _git(arguments: list[str], source: str) -> bytes:
    try:
        done = subprocess.run(["git", *arguments], capture_output=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpecError([Diagnostic(Location(source, 1, 1), "", f"cannot run git: {exc}")]) from None
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        message = f"cannot read {source} from git: {reason[-1] if reason else 'git failed'}"
        raise SpecError([Diagnostic(Location(source, 1, 1), "", message)])
    return done.stdout
