"""The output folder: sdkgen replaces only what it wrote, refuses anything else in one line, touches nothing."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import earlier_output
from generator.cli import main
from generator.write import read_tree

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "tests" / "corpus" / "minimal.yaml"


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root`, dot-files and .git included, as relative path -> bytes."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def refused(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Runs sdkgen, expecting a refusal: exit 1 and exactly one line, with no traceback."""
    code = main(args)
    captured = capsys.readouterr()
    assert code == 1, captured
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("sdkgen: error: "), captured.err
    assert "Traceback" not in captured.err
    return lines[0]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository holding a spec, a config and a note: the working folder of the run."""
    root = tmp_path / "project"
    (root / ".git" / "objects").mkdir(parents=True)
    (root / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    shutil.copy(SPEC, root / "api.yaml")
    (root / "sdkgen.yaml").write_text("spec: api.yaml\noutput: out\n")
    (root / "notes.md").write_text("mine\n")
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize(
    ("output", "message"),
    [
        (".", "is the working folder or holds it"),
        ("..", "is the working folder or holds it"),
        ("notes.md", "is not a folder"),
    ],
)
def test_the_working_folder_its_parents_and_files_are_never_replaced(
    project: Path, output: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(project.parent)
    line = refused(["generate", "api.yaml", "--output", output], capsys)
    assert f"sdkgen: error: {output}: {message}" in line
    assert snapshot(project.parent) == before


def test_a_folder_holding_the_spec_or_the_config_is_never_replaced(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "specs").mkdir()
    shutil.move(project / "api.yaml", project / "specs" / "api.yaml")
    before = snapshot(project)
    assert "specs: holds specs/api.yaml, an input of this run" in refused(
        ["generate", "specs/api.yaml", "--output", "specs"], capsys
    )
    (project / "conf").mkdir()
    (project / "conf" / "sdkgen.yaml").write_text("spec: ../specs/api.yaml\noutput: ../conf\n")
    assert "holds conf/sdkgen.yaml" in refused(["generate", "--config", "conf/sdkgen.yaml"], capsys)
    assert snapshot(project) == {**before, "conf/sdkgen.yaml": b"spec: ../specs/api.yaml\noutput: ../conf\n"}


def test_a_git_work_tree_is_never_replaced(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "vendor" / ".git").mkdir(parents=True)
    before = snapshot(project)
    assert "vendor: is a git work tree" in refused(["generate", "api.yaml", "--output", "vendor"], capsys)
    assert snapshot(project) == before


def test_a_folder_sdkgen_did_not_write_is_refused(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "keep.txt").write_text("keep me\n")
    before = snapshot(project)
    line = refused(["generate", "api.yaml", "--output", "sub"], capsys)
    assert "sub: is not empty and holds no sdkgen-inputs.json" in line
    assert snapshot(project) == before


def test_files_added_to_an_earlier_output_are_listed_and_kept(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    earlier_output(project / "out")
    (project / "out" / ".env").write_text("TOKEN=1\n")
    (project / "out" / "docs").mkdir()
    (project / "out" / "docs" / "extra.md").write_text("notes\n")
    (project / "out" / "build").mkdir()
    (project / "out" / "build" / "precious.txt").write_text("a build folder is not always a cache\n")
    before = snapshot(project)
    line = refused(["generate", "--config", "sdkgen.yaml"], capsys)
    assert "out: holds 3 files sdkgen did not write (.env, build/precious.txt, docs/extra.md); move them out" in line
    assert snapshot(project) == before


def test_an_earlier_output_with_tool_caches_is_replaced(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    earlier_output(project / "out")
    caches = ("__pycache__/module.cpython-311.pyc", ".mypy_cache/3.11/x.json", "minimal.egg-info/PKG-INFO")
    # What `pip install .` (the generated README's install line) leaves: setuptools' build folder.
    caches += ("build/lib/minimal/__init__.py", "build/bdist.linux-x86_64/.keep")
    for cache in caches:
        (project / "out" / cache).parent.mkdir(parents=True, exist_ok=True)
        (project / "out" / cache).write_text("cache")
    assert main(["generate", "--config", "sdkgen.yaml"]) == 0
    files = read_tree(project / "out")
    assert "minimal/__init__.py" in files and "module.py" not in files
    assert not (project / "out" / "__pycache__").exists()
    assert (project / "notes.md").read_text() == "mine\n" and (project / ".git" / "HEAD").is_file()
    # Its own output is replaced again, whatever it generated.
    assert main(["generate", "--config", "sdkgen.yaml", "--force"]) == 0
    assert read_tree(project / "out") == files
    capsys.readouterr()


def test_new_and_empty_folders_are_written_with_the_usual_permissions(project: Path) -> None:
    previous = os.umask(0o022)
    try:
        (project / "empty").mkdir(mode=0o755)
        assert main(["generate", "api.yaml", "--output", "empty"]) == 0
        assert main(["generate", "api.yaml", "--output", "new/nested"]) == 0
    finally:
        os.umask(previous)
    for folder in ("empty", "new/nested"):
        assert stat.S_IMODE((project / folder).stat().st_mode) == 0o755, folder
        assert stat.S_IMODE((project / folder / "minimal").stat().st_mode) == 0o755, folder


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if os.geteuid() == 0:
        blocker = tmp_path / "file"
        blocker.write_text("a file where a folder should be")
        output = blocker / "out"  # not even root can make a folder inside a file
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o555)
        output = locked / "out"
    line = refused(["generate", str(SPEC), "--output", str(output)], capsys)
    assert line.endswith("; nothing was written") and str(output.parent) in line


def test_the_output_does_not_depend_on_the_working_folder_or_how_paths_are_typed(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "api.yaml", "--output", "sdk"]) == 0
    written = snapshot(project / "sdk")
    header = (project / "sdk" / "minimal" / "_client.py").read_text().splitlines()[:2]
    assert header[0].startswith("# Generated by sdkgen from api.yaml (sha256 ")
    assert header[1].endswith("(`sdkgen generate api.yaml --output sdk`).")
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    assert main(["check", "../api.yaml", "--output", "../sdk"]) == 0
    assert main(["generate", str(project / "api.yaml"), "--output", str(project / "sdk"), "--force"]) == 0
    assert snapshot(project / "sdk") == written
    # With a config, from the config's folder or from anywhere else.
    monkeypatch.chdir(project)
    assert main(["generate", "--config", "sdkgen.yaml"]) == 0
    configured = snapshot(project / "out")
    for folder in (project / "sub", project.parent):
        monkeypatch.chdir(folder)
        assert main(["check", "--config", str(project / "sdkgen.yaml")]) == 0
        assert main(["generate", "--config", str(project / "sdkgen.yaml"), "--force"]) == 0
        assert snapshot(project / "out") == configured
    out = capsys.readouterr().out
    assert f"{project / 'out'} is up to date with {project / 'api.yaml'}" in out  # outside the working folder: in full


def test_check_says_what_to_do_for_a_missing_or_added_to_output(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "api.yaml", "--output", "sdk"]) == 1
    out = capsys.readouterr().out
    assert out == "sdkgen: error: sdk does not exist; run `sdkgen generate api.yaml --output sdk`\n"
    assert main(["generate", "api.yaml", "--output", "sdk"]) == 0
    (project / "sdk" / "mine.txt").write_text("mine\n")
    capsys.readouterr()
    assert main(["check", "api.yaml", "--output", "sdk"]) == 1
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == (
        "sdkgen: error: sdk is not what api.yaml generates; holds 1 file sdkgen did not write (mine.txt); "
        "move them out of the folder or choose another one"
    )


def test_check_into_a_closed_pipe_stops_quietly(project: Path) -> None:
    assert main(["generate", "api.yaml", "--output", "sdk"]) == 0
    module = project / "sdk" / "minimal" / "_client.py"
    module.write_text(module.read_text() + "# edited\n" * 5000)  # a diff larger than a pipe holds
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "generator", "check", "api.yaml", "--output", "sdk"],
            cwd=project,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        os.close(write_end)
    assert result.returncode == 1 and result.stderr == ""
