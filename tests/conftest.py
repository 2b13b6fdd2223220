from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "generated"))
sys.path.insert(0, str(ROOT / "tests"))

import modelgates  # noqa: E402
from server import API_KEY, RunningServer, VideoServer, free_port  # noqa: E402

SPEC = ROOT / "spec" / "modelgates-videos.yaml"
# The interpreter that runs the generator for tests that generate an SDK to call: this one, or the
# one SDKGEN_PYTHON names where the SDK tests run in a venv of their own that has only the SDK's
# dependencies (tests/matrix.py, which `make test` runs).
GENERATOR_PYTHON = os.environ.get("SDKGEN_PYTHON") or sys.executable


def generate(spec: Path, output: Path, *extra: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        [GENERATOR_PYTHON, "-m", "generator", "generate", str(spec), "--output", str(output), *extra],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


# The test modules that need only the generated SDK, httpx, pydantic, pytest, uvicorn and the test
# server: `--sdk-only` collects just these, in a venv without the generator (tests/matrix.py).
# test_dependencies.py checks that every other module imports the generator.
SDK_TESTS = frozenset(
    {
        "test_cli.py",
        "test_docs.py",
        "test_download_faults.py",
        "test_failures.py",
        "test_gateway.py",
        "test_jobs.py",
        "test_pages.py",
        "test_retries.py",
        "test_sdk_prism.py",
        "test_sdk_server.py",
        "test_streams.py",
        "test_wire.py",
    }
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--sdk-only",
        action="store_true",
        help="collect only the SDK's tests (SDK_TESTS in conftest.py), which need no generator installed",
    )
    parser.addoption(
        "--fail-on-skip",
        action="store_true",
        help="fail the run when any test or module was skipped (what `make test` runs with)",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    if config.getoption("sdk_only") and collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        return collection_path.name not in SDK_TESTS or None
    return None


def _skipped(config: pytest.Config) -> int:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    return len(reporter.stats.get("skipped", [])) if reporter else 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if session.config.getoption("fail_on_skip") and _skipped(session.config):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if config.getoption("fail_on_skip") and _skipped(config):
        terminalreporter.write_line(f"--fail-on-skip: {_skipped(config)} skipped, which fails the run", red=True)


@pytest.fixture(scope="session")
def video_server() -> Iterator[tuple[VideoServer, str]]:
    app = VideoServer()
    with RunningServer(app) as running:
        yield app, running.url


@pytest.fixture
def server(video_server: tuple[VideoServer, str]) -> VideoServer:
    app, _ = video_server
    app.reset()
    return app


@pytest.fixture
def server_url(video_server: tuple[VideoServer, str]) -> str:
    return video_server[1]


@pytest.fixture
def client(server: VideoServer, server_url: str) -> Iterator[modelgates.ModelGates]:
    with modelgates.ModelGates(api_key=API_KEY, server_url=server_url, max_retries=2) as sdk:
        sdk._transport.retry = type(sdk._transport.retry)(max_retries=2, initial_delay=0.01, max_delay=0.05)
        yield sdk


@pytest.fixture
async def aclient(server: VideoServer, server_url: str) -> AsyncIterator[modelgates.AsyncModelGates]:
    async with modelgates.AsyncModelGates(api_key=API_KEY, server_url=server_url) as sdk:
        sdk._transport.retry = type(sdk._transport.retry)(max_retries=2, initial_delay=0.01, max_delay=0.05)
        yield sdk


def _prism_binary() -> str:
    local = ROOT / "node_modules" / ".bin" / "prism"
    found = str(local) if local.exists() else shutil.which("prism")
    if not found:
        pytest.fail("Prism is not installed: run `npm ci` (make test does it)")
    return found


@contextlib.contextmanager
def prism_serving(spec: Path, probe: str = "/") -> Iterator[str]:
    """Prism mocking `spec` on a free loopback port, up and answering, for the duration."""
    port = free_port()
    log = tempfile.TemporaryFile()  # a pipe nobody reads would fill up and stall Prism
    process = subprocess.Popen(
        [_prism_binary(), "mock", str(spec), "--host", "127.0.0.1", "--port", str(port), "--errors"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                httpx.get(url + probe, timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"Prism did not start:\n{log.read().decode(errors='replace')}")
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def prism_url() -> Iterator[str]:
    with prism_serving(SPEC, "/videos/models") as url:
        yield url


def earlier_output(folder: Path) -> dict[str, str]:
    """`folder` as an earlier sdkgen output holding one module; returns its files, to compare after a run."""
    import hashlib
    import json

    module = "existing output\n"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "module.py").write_text(module)
    listed = {"module.py": hashlib.sha256(module.encode()).hexdigest()}
    manifest = json.dumps({"inputs": "earlier", "files": listed, "blocks": {}})
    (folder / "sdkgen-inputs.json").write_text(manifest)
    return {"module.py": module, "sdkgen-inputs.json": manifest}
