"""What a generated tree was made from, so an unchanged regeneration can be skipped safely.

The generated tree records the digest of its inputs (the spec's bytes and name, the naming config,
the templates, the generator's own modules and the versions of the tools that shape the output)
and the sha256 of every file it holds. `sdkgen generate` skips the work only when both still
match, so a hand-edited or half-deleted tree is always regenerated. When the inputs changed, the
block index of each module (see fmt) lets the new run take the formatted blocks of unedited modules
whose source is unchanged instead of formatting them again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import PACKAGE, TEMPLATES
from .config import Config
from .write import MANIFEST, read_tree, recorded_manifest

if TYPE_CHECKING:
    from .fmt import BlockIndex

TOOLS = ("datamodel-code-generator", "black", "jinja2")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inputs_digest(spec: bytes, spec_name: str, config: Config, referenced: dict[str, bytes] | None = None) -> str:
    """`referenced`: the files the spec refers to (`$ref: 'schemas/pet.yaml'`), by their path
    relative to the spec's folder, as `referenced_files` reads them."""
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("spec", spec)
    add("spec-name", spec_name.encode())
    for name, data in sorted((referenced or {}).items()):
        add(f"referenced:{name}", data)
    names = [
        config.package,
        config.client_class,
        config.env_prefix,
        config.package_version,
        config.distribution,
        config.regenerate_command,
    ]
    add("config", json.dumps(names).encode())
    # Labelled by their place in a checkout, so that an installed wheel gives the same digest.
    sources = [(f"templates/{path.relative_to(TEMPLATES).as_posix()}", path) for path in sorted(TEMPLATES.rglob("*"))]
    modules = [*sorted(PACKAGE.glob("*.py")), PACKAGE / "reserved_modules.txt"]
    sources += [(f"generator/{path.name}", path) for path in modules]
    for label, path in sources:
        if path.is_file() and "__pycache__" not in path.parts:
            add(label, path.read_bytes())
    for tool in TOOLS:
        try:
            add(tool, version(tool).encode())
        except PackageNotFoundError:
            add(tool, b"")
    return digest.hexdigest()


def manifest(digest: str, files: dict[str, str], blocks: dict[str, BlockIndex], referenced: Iterable[str] = ()) -> str:
    """`referenced`: the files besides the spec that the digest covers (listed only when there are
    any), so that an unchanged run can be recognised without reading the spec."""
    listed = {path: _sha256(content.encode("utf-8")) for path, content in sorted(files.items()) if path != MANIFEST}
    indexes = {path: [f"{key} {length}" for key, length in index] for path, index in blocks.items() if index}
    recorded: dict[str, Any] = {"inputs": digest, "files": listed, "blocks": indexes}
    if referenced:
        recorded["referenced"] = sorted(referenced)
    return json.dumps(recorded, indent=2, sort_keys=True) + "\n"


def referenced_files(spec: Path, names: Iterable[str]) -> dict[str, bytes] | None:
    """The bytes of each file `names` lists (relative to the spec's folder), or None when one is
    missing, unreadable, or not in that folder."""
    folder = spec.resolve().parent
    found: dict[str, bytes] = {}
    for name in names:
        path = (folder / str(name)).resolve()
        if not path.is_relative_to(folder):
            return None
        try:
            found[str(name)] = path.read_bytes()
        except OSError:
            return None
    return found


def current_digest(spec: Path, spec_name: str, config: Config, output: Path) -> str | None:
    """The inputs digest of `spec` and of the files the output was last generated from besides it
    (None when one of them is gone: the output cannot be current)."""
    recorded = recorded_manifest(output)
    names = recorded.get("referenced") if recorded is not None else None
    referenced = referenced_files(spec, names if isinstance(names, list) else [])
    if referenced is None:
        return None
    return inputs_digest(spec.read_bytes(), spec_name, config, referenced)


def _unedited(output: Path, listed: dict[str, Any], paths: Iterable[str]) -> dict[str, str]:
    """The files among `paths` whose content still has the sha256 the manifest lists."""
    found: dict[str, str] = {}
    for path in paths:
        try:
            content = (output / path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if listed.get(path) == _sha256(content.encode("utf-8")):
            found[path] = content
    return found


def reusable_output(output: Path | None) -> dict[str, str]:
    """Formatted blocks (by key) of the modules in `output` that are as sdkgen wrote them."""
    recorded = recorded_manifest(output) if output is not None else None
    blocks = recorded.get("blocks") if recorded is not None else None
    if output is None or recorded is None or not isinstance(blocks, dict):
        return {}
    unedited = _unedited(output, recorded["files"], blocks)
    try:
        indexes = {path: [(key, int(length)) for key, length in map(str.split, blocks[path])] for path in unedited}
    except (TypeError, ValueError):
        return {}
    from .fmt import reusable_blocks  # black, which fmt imports, is not needed to skip a run

    return reusable_blocks(unedited, indexes)


def is_current(output: Path, digest: str) -> bool:
    """True when `output` was generated from these inputs and none of its files has changed since."""
    recorded = recorded_manifest(output)
    if recorded is None or recorded.get("inputs") != digest:
        return False  # decided without reading the tree
    try:
        on_disk = read_tree(output)
    except (OSError, UnicodeDecodeError):
        return False
    on_disk.pop(MANIFEST, None)
    listed = recorded["files"]
    if set(listed) != set(on_disk):
        return False
    return all(_sha256(content.encode("utf-8")) == listed[path] for path, content in on_disk.items())
