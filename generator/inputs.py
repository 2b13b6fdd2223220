"""What a generated tree was made from, so an unchanged regeneration can be skipped safely.

The generated tree records the digest of its inputs (the spec's bytes and name, the naming config,
the templates, the generator's own modules and the versions of the tools that shape the output)
and the sha256 of every file it holds. `sdkgen generate` skips the work only when both still
match, so a hand-edited or half-deleted tree is always regenerated.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .config import Config
from .write import read_tree

MANIFEST = "sdkgen-inputs.json"
PROJECT = Path(__file__).resolve().parent.parent
TOOLS = ("datamodel-code-generator", "black", "jinja2")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inputs_digest(spec: bytes, spec_name: str, config: Config) -> str:
    digest = hashlib.sha256()

    def add(label: str, data: bytes) -> None:
        digest.update(f"{label}\0{len(data)}\0".encode())
        digest.update(data)

    add("spec", spec)
    add("spec-name", spec_name.encode())
    names = [config.package, config.client_class, config.env_prefix, config.package_version, config.distribution]
    add("config", json.dumps(names).encode())
    sources = sorted((PROJECT / "templates").rglob("*")) + sorted((PROJECT / "generator").glob("*.py"))
    for path in sources:
        if path.is_file() and "__pycache__" not in path.parts:
            add(path.relative_to(PROJECT).as_posix(), path.read_bytes())
    for tool in TOOLS:
        try:
            add(tool, version(tool).encode())
        except PackageNotFoundError:
            add(tool, b"")
    return digest.hexdigest()


def manifest(digest: str, files: dict[str, str]) -> str:
    listed = {path: _sha256(content.encode("utf-8")) for path, content in sorted(files.items()) if path != MANIFEST}
    return json.dumps({"inputs": digest, "files": listed}, indent=2, sort_keys=True) + "\n"


def is_current(output: Path, digest: str) -> bool:
    """True when `output` was generated from these inputs and none of its files has changed since."""
    try:
        recorded = json.loads((output / MANIFEST).read_text(encoding="utf-8"))
        on_disk = read_tree(output)
    except (OSError, ValueError, UnicodeDecodeError):
        return False
    if not isinstance(recorded, dict) or recorded.get("inputs") != digest:
        return False
    on_disk.pop(MANIFEST, None)
    listed = recorded.get("files")
    if not isinstance(listed, dict) or set(listed) != set(on_disk):
        return False
    return all(_sha256(content.encode("utf-8")) == listed[path] for path, content in on_disk.items())
