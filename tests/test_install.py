"""sdkgen as users install it: a wheel in a fresh virtual environment, run from a folder of their own."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "corpus" / "petstore-3.0.yaml"
EDITABLE = Path(sys.executable).parent / "sdkgen"


def run(command: list[str | Path], cwd: Path, expect: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert result.returncode == expect, f"{command}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The `sdkgen` script of the project's wheel, installed with its dependencies into a new venv."""
    base = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", base / "dist", ROOT], cwd=base)
    (wheel,) = (base / "dist").glob("sdkgen-*.whl")
    venv.create(base / "venv", with_pip=True)
    python = base / "venv" / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", wheel], cwd=base)
    yield base / "venv" / "bin" / "sdkgen"


def user_folder(root: Path) -> Path:
    """A project of a user's: their spec, an edited copy of it, and nothing of sdkgen's."""
    root.mkdir()
    (root / "specs").mkdir()
    shutil.copy(SPEC, root / "specs" / "api.yaml")
    edited = SPEC.read_text().replace("required: [name, photoUrls]", "required: [name]", 1)
    assert edited != SPEC.read_text()
    (root / "specs" / "next.yaml").write_text(edited)
    return root


def test_the_installed_wheel_generates_what_the_checkout_generates(installed: Path, tmp_path: Path) -> None:
    user, reference = user_folder(tmp_path / "user"), user_folder(tmp_path / "reference")
    assert run([installed, "--version"], user).stdout.startswith("sdkgen ")
    validate = run([installed, "validate", "specs/api.yaml"], user)
    assert "is valid" in validate.stdout
    run([installed, "generate", "specs/api.yaml", "--output", "sdk"], user)
    run([EDITABLE, "generate", "specs/api.yaml", "--output", "sdk"], reference)
    written = {p.relative_to(user / "sdk"): p.read_bytes() for p in sorted((user / "sdk").rglob("*")) if p.is_file()}
    expected = {
        p.relative_to(reference / "sdk"): p.read_bytes() for p in sorted((reference / "sdk").rglob("*")) if p.is_file()
    }
    assert written.keys() == expected.keys() and len(written) > 10
    assert written == expected, "an installed sdkgen must write byte for byte what the checkout writes"
    check = run([installed, "check", "specs/api.yaml", "--output", "sdk"], user)
    assert "is up to date" in check.stdout
    diff = run([installed, "diff", "specs/api.yaml", "specs/next.yaml", "--format", "text"], user, expect=1)
    assert "ERR  response-property-became-optional: the response property `photoUrls`" in diff.stdout, diff.stdout


def test_headers_name_the_command_that_regenerates(installed: Path, tmp_path: Path) -> None:
    user = user_folder(tmp_path / "user")
    run([installed, "generate", "specs/api.yaml", "--output", "sdk"], user)
    header = next((user / "sdk").glob("*/_client.py")).read_text().splitlines()[1]
    assert header.endswith("(`sdkgen generate specs/api.yaml --output sdk`)."), header
    (user / "sdkgen.yaml").write_text("spec: specs/api.yaml\noutput: sdk\nregenerate_command: make sdk\n")
    run([installed, "generate", "--config", "sdkgen.yaml"], user)
    assert "(`make sdk`)" in next((user / "sdk").glob("*/_client.py")).read_text().splitlines()[1]
    stale = next((user / "sdk").glob("*/models.py"))
    stale.write_text(stale.read_text() + "# edited\n")
    check = run([installed, "check", "--config", "sdkgen.yaml"], user, expect=1)
    assert "run `make sdk`" in check.stdout


def test_validate_of_a_broken_spec_does_not_speak_of_writing(installed: Path, tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("openapi: 3.0.3\ninfo: {title: X}\npaths: {}\n")
    result = run([installed, "validate", "broken.yaml"], tmp_path, expect=1)
    assert "broken.yaml:2:" in result.stderr
    assert "written" not in result.stderr


def test_the_repository_holds_no_link_to_a_machine_path() -> None:
    """A committed symlink (once `.venv-opc -> /tmp/opc`) breaks every clone that lacks its target."""
    listed = subprocess.run(["git", "ls-files", "--stage"], cwd=ROOT, capture_output=True, text=True, check=True)
    links = [line.split("\t", 1)[1] for line in listed.stdout.splitlines() if line.startswith("120000 ")]
    assert links == []
