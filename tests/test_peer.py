"""openapi-python-client 0.29.1, side by side with sdkgen on every real corpus document: what it
generates, sdkgen must generate too (neither refused nor crashing). Each does what the manifest's
`peer` says (`generates` or `fails`), so a change in the peer's verdict is seen as well.

`make test` installs the peer in .venv-opc (`make .venv-opc/.installed`); without it this fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_corpus import MANIFEST as CORPUS_MANIFEST
from test_corpus import REAL

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = CORPUS_MANIFEST["real"]
PEER_BIN = ROOT / ".venv-opc" / "bin"
PEER = PEER_BIN / "openapi-python-client"
PEER_VERSION = "0.29.1"


@pytest.fixture(scope="module")
def peer() -> Path:
    if not PEER.exists():
        pytest.fail("openapi-python-client is not installed: run `make .venv-opc/.installed` (make test does it)")
    version = subprocess.run([str(PEER), "--version"], capture_output=True, text=True)
    assert PEER_VERSION in version.stdout, version.stdout + version.stderr
    return PEER


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_sdkgen_generates_what_the_peer_generates(name: str, peer: Path, tmp_path: Path) -> None:
    spec = REAL / name / MANIFEST[name]["entry"]
    # The peer's post-generation hook runs the ruff of its own venv, found on PATH.
    env = {**os.environ, "PATH": f"{PEER_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    theirs = subprocess.run(
        [str(peer), "generate", "--path", str(spec), "--output-path", str(tmp_path / "peer"), "--overwrite"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    peer_generated = theirs.returncode == 0 and (tmp_path / "peer").is_dir()
    assert ("generates" if peer_generated else "fails") == MANIFEST[name]["peer"], theirs.stdout + theirs.stderr
    ours = subprocess.run(
        [sys.executable, "-m", "generator", "generate", str(spec), "--output", str(tmp_path / "sdkgen")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert "Traceback" not in ours.stderr, ours.stderr
    if peer_generated:
        assert ours.returncode == 0, f"openapi-python-client generates {name}, sdkgen does not:\n{ours.stderr}"
