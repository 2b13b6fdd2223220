"""A run stopped from outside (Ctrl-C, SIGTERM from a cancelled CI job, SIGKILL) leaves no process and no half-written output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from large_spec import large_spec  # noqa: E402


def group_gone(group: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A document large enough that validation and formatting run in worker processes, and that a
    run lasts well beyond the latest signal below (twice the benchmark's: its run takes 6 s on a
    quiet machine)."""
    spec = tmp_path_factory.mktemp("large") / "api.json"
    spec.write_text(json.dumps(large_spec(600, 1600)))
    return spec


def start(spec: Path, output: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "generator", "generate", str(spec), "--output", str(output), "--force"]
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


@pytest.mark.parametrize(("signum", "after"), [(signal.SIGTERM, 2.0), (signal.SIGTERM, 6.0), (signal.SIGINT, 4.0)])
def test_a_stopped_run_says_so_in_one_line_and_leaves_no_process(
    large: Path, tmp_path: Path, signum: int, after: float
) -> None:
    run = start(large, tmp_path / "out")
    time.sleep(after)
    assert run.poll() is None, "the run ended before it could be stopped"
    if signum == signal.SIGINT:
        os.killpg(run.pid, signum)  # Ctrl-C reaches every process of the terminal's foreground group
    else:
        run.send_signal(signum)
    _, err = run.communicate(timeout=60)  # hangs if a worker outlives the run holding the pipes
    assert run.returncode == 128 + signum
    assert err.splitlines() == ["sdkgen: interrupted; nothing was written"]
    assert group_gone(run.pid)
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []


def test_workers_exit_when_the_run_is_killed_outright(large: Path, tmp_path: Path) -> None:
    run = start(large, tmp_path / "out")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and run.poll() is None:
        group = subprocess.run(["pgrep", "-g", str(run.pid)], capture_output=True, text=True).stdout.split()
        if len(group) > 1:
            break
        time.sleep(0.2)
    assert run.poll() is None and len(group) > 1, "the run had no worker processes to test"
    run.kill()
    run.communicate(timeout=60)
    assert group_gone(run.pid)
