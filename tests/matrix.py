"""The second half of `make test`: the generator and the SDK on every Python version, and the SDK with
the oldest httpx and pydantic it declares.

    python tests/matrix.py 3.10 3.11 3.12 3.13      (what `make test` runs: PYTHONS in the Makefile)

For each Python version, two venvs beside the project's own `.venv`:

newest (`.venv-py3.X`; the main `.venv` for its own interpreter): sdkgen with its dev pins of httpx,
  pydantic and the test tools. Runs `sdkgen check` (what this interpreter generates from the spec is
  byte for byte the committed generated/) and, but on the main .venv's interpreter, `sdkgen check` of
  each corpus document that generates against what the main .venv generated from it and the tests
  that the generator's keywords and reserved module names cover this version's; then
  `mypy --strict` of generated/modelgates for this Python version, and the SDK's tests
  (`pytest --sdk-only`) against the test server, the generator under test also running here.
oldest (`.venv-oldest-py3.X`): no generator, only what a host project has: the SDK installed by pip
  from generated/ (so pip checks that its declared ranges admit the versions tested) together with
  exactly the oldest httpx and pydantic generator/dependencies.py declares for this Python version,
  and the test tools at sdkgen's pins. Runs the SDK's tests and `mypy --strict` of generated/modelgates.

Every pytest run fails on any skipped test (`--fail-on-skip`). A venv is rebuilt when what it should
hold changes. A Python version that cannot be found fails the run: install it (the interpreters are
looked for as `python3.X` on PATH and under $PYENV_ROOT/versions), or locally test fewer with
`make test PYTHONS="3.11"`, or set ALLOW_MISSING_PYTHONS=1 to skip missing ones with a warning
(refused when CI is set).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.dependencies import oldest  # noqa: E402

MAIN_VENV = ROOT / ".venv"
# The test tools of sdkgen's dev pins an oldest venv needs, and the test server's own imports.
TEST_TOOLS = ("pytest", "pytest-asyncio", "pytest-timeout", "uvicorn", "mypy")
SERVER_PACKAGES = ("pyyaml", "openapi-spec-validator")
# The tests that the generator's frozen lists (keywords, reserved module names) cover this Python's.
FROZEN_NAMES_TESTS = ["tests/test_names.py", "-k", "running_python"]


@dataclass
class Result:
    name: str
    ok: bool
    seconds: float
    note: str = ""
    skipped: bool = False


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)

    def step(self, name: str, command: list[str], cwd: Path = ROOT, env: dict[str, str] | None = None) -> bool:
        print(f"\n=== {name}: {' '.join(command)}", flush=True)
        started = time.monotonic()
        code = subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}).returncode
        self.results.append(Result(name, code == 0, time.monotonic() - started, "" if code == 0 else f"exit {code}"))
        return code == 0

    def add(self, name: str, ok: bool, seconds: float, note: str = "", skipped: bool = False) -> None:
        self.results.append(Result(name, ok, seconds, note, skipped))


def find_python(version: str) -> Path | None:
    """An interpreter of this `3.X` version: `python3.X` on PATH, else the newest $PYENV_ROOT/versions/3.X.*."""
    candidates = [shutil.which(f"python{version}")]
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    patches = glob.glob(str(pyenv / "versions" / f"{version}.*" / "bin" / "python"))
    key = lambda p: [int(n) for n in re.findall(r"\d+", Path(p).parent.parent.name)]  # noqa: E731
    candidates += sorted(patches, key=key, reverse=True)
    for candidate in candidates:
        if candidate and _version_of(Path(candidate)) == version:
            return Path(candidate)
    return None


def _version_of(python: Path) -> str | None:
    try:
        result = subprocess.run(
            [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def other_interpreters(asked: list[str]) -> list[str]:
    """Python versions from 3.10 on that this machine has but were not asked for."""
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    found = set()
    for folder in glob.glob(str(pyenv / "versions" / "3.*")):
        match = re.fullmatch(r"3\.(\d+)\.\d+", Path(folder).name)
        if match and int(match.group(1)) >= 10:
            found.add(f"3.{match.group(1)}")
    return sorted(found - set(asked), key=lambda v: int(v.split(".")[1]))


def pins() -> dict[str, str]:
    """sdkgen's own pins (dependencies and dev extras) as the main .venv installed them from pyproject.toml."""
    found = {}
    for line in importlib.metadata.requires("sdkgen") or []:
        match = re.match(r"([A-Za-z0-9_.-]+)==([^;\s]+)", line)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return found


def build_venv(report: Report, name: str, python: Path, venv: Path, install: list[str], identity: str) -> bool:
    """Create `venv` with `install`, unless the one there was made from the same `identity`."""
    stamp = venv / ".matrix-stamp"
    wanted = hashlib.sha256(identity.encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == wanted and (venv / "bin" / "python").exists():
        print(f"\n=== {name}: {venv.name} is up to date", flush=True)
        return True
    print(f"\n=== {name}: creating {venv.name} with {python}", flush=True)
    started = time.monotonic()
    shutil.rmtree(venv, ignore_errors=True)
    for command in (
        [str(python), "-m", "venv", str(venv)],
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *install],
    ):
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if result.returncode != 0:
            shown = "\n".join(line for line in result.stderr.splitlines() if "is ignored: it is neither" not in line)
            print(result.stdout + shown, flush=True)
            report.add(name, False, time.monotonic() - started, f"{' '.join(command[:4])} ... failed")
            return False
    stamp.write_text(wanted)
    report.add(name, True, time.monotonic() - started)
    return True


def newest(report: Report, version: str, python: Path, tools: dict[str, str]) -> None:
    label = f"{version} newest"
    if _version_of(MAIN_VENV / "bin" / "python") == version:
        venv = MAIN_VENV  # `make test` made it and installed sdkgen's pins
    else:
        venv = ROOT / f".venv-py{version}"
        # sdkgen and only the dev pins these runs use: a smaller install than .[dev].
        install = ["-e", ".", *(f"{package}=={tools[package]}" for package in ("httpx", "pydantic", *TEST_TOOLS))]
        identity = json.dumps([str(python), install, (ROOT / "pyproject.toml").read_text()])
        if not build_venv(report, f"{label}: install", python, venv, install, identity):
            return
    bin_ = venv / "bin"
    report.step(
        f"{label}: sdkgen check", [str(bin_ / "python"), "-m", "generator", "check", "--config", "spec/sdkgen.yaml"]
    )
    if venv != MAIN_VENV:
        corpus_check(report, label, bin_ / "python")
        # The keywords and module names the generator avoids cover this version's (the main .venv's
        # interpreter runs these with the whole test suite).
        report.step(
            f"{label}: keywords and reserved module names",
            [
                str(bin_ / "python"),
                "-m",
                "pytest",
                "--fail-on-skip",
                "-p",
                "no:cacheprovider",
                "-q",
                *FROZEN_NAMES_TESTS,
            ],
        )
    mypy(report, label, venv, version)
    pytest(report, label, venv, generator_python=bin_ / "python")


_CORPUS_OUTPUT: Path | None = None


def corpus_check(report: Report, label: str, python: Path) -> None:
    """`sdkgen check` of each corpus document that generates against what the main .venv generated from
    it: specs use what the modelgates spec does not (error classes of 413, 416 and 422, whose
    http.HTTPStatus names Python 3.13 changed, among them)."""
    global _CORPUS_OUTPUT
    import yaml

    names = sorted(yaml.safe_load((ROOT / "tests" / "corpus" / "manifest.yaml").read_text())["generates"])
    if _CORPUS_OUTPUT is None:
        _CORPUS_OUTPUT = Path(tempfile.mkdtemp(prefix="sdkgen-matrix-corpus-"))
        for name in names:
            command = [str(MAIN_VENV / "bin" / "python"), "-m", "generator", "generate", f"tests/corpus/{name}"]
            subprocess.run(
                [*command, "--output", str(_CORPUS_OUTPUT / name)], cwd=ROOT, check=True, capture_output=True
            )
    commands = [
        [str(python), "-m", "generator", "check", f"tests/corpus/{name}", "--output", str(_CORPUS_OUTPUT / name)]
        for name in names
    ]
    print(f"\n=== {label}: sdkgen check of tests/corpus/ ({len(names)} documents)", flush=True)
    started = time.monotonic()
    failed = [c[4] for c in commands if subprocess.run(c, cwd=ROOT).returncode != 0]
    report.add(f"{label}: corpus check", not failed, time.monotonic() - started, " ".join(failed))


def oldest_versions(report: Report, version: str, python: Path, tools: dict[str, str]) -> None:
    label = f"{version} oldest"
    versions = oldest(version)
    venv = ROOT / f".venv-oldest-py{version}"
    sdk = Path(tempfile.mkdtemp(prefix="sdkgen-matrix-"))
    try:
        # A copy, so that building the package leaves nothing in generated/.
        shutil.copytree(ROOT / "generated", sdk / "generated", ignore=shutil.ignore_patterns(".*", "__pycache__"))
        install = [
            str(sdk / "generated"),
            *(f"{package}=={release}" for package, release in versions.items()),
            *(f"{package}=={tools[package]}" for package in TEST_TOOLS + SERVER_PACKAGES),
        ]
        # The tests import the SDK from generated/ (conftest.py); the installed copy is there for pip's check.
        identity = json.dumps([str(python), install[1:], (ROOT / "generated" / "pyproject.toml").read_text()])
        print(f"\n--- {label}: {', '.join(f'{p} {r}' for p, r in versions.items())}", flush=True)
        if not build_venv(report, f"{label}: install", python, venv, install, identity):
            return
    finally:
        shutil.rmtree(sdk, ignore_errors=True)
    installed = installed_versions(venv, list(versions))
    if installed != versions:
        report.add(f"{label}: versions", False, 0.0, f"installed {installed}, declared oldest {versions}")
        return
    mypy(report, label, venv, version)
    pytest(report, label, venv, generator_python=MAIN_VENV / "bin" / "python")


def installed_versions(venv: Path, packages: list[str]) -> dict[str, str]:
    script = "import importlib.metadata as m, json, sys; print(json.dumps({p: m.version(p) for p in sys.argv[1:]}))"
    result = subprocess.run([str(venv / "bin" / "python"), "-c", script, *packages], capture_output=True, text=True)
    return dict(json.loads(result.stdout)) if result.returncode == 0 else {}


def mypy(report: Report, label: str, venv: Path, version: str) -> None:
    command = [
        str(venv / "bin" / "mypy"),
        "--strict",
        "--python-version",
        version,
        "--cache-dir",
        str(venv / ".mypy_cache"),
        "modelgates",
    ]
    report.step(f"{label}: mypy --strict", command, cwd=ROOT / "generated")


def pytest(report: Report, label: str, venv: Path, generator_python: Path) -> None:
    command = [str(venv / "bin" / "python"), "-m", "pytest", "--sdk-only", "--fail-on-skip", "-p", "no:cacheprovider"]
    report.step(f"{label}: SDK tests", command, env={"SDKGEN_PYTHON": str(generator_python)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("versions", nargs="+", help="Python versions, 3.X")
    parser.add_argument("--only", choices=["newest", "oldest"], help="run one of the two venvs of each version")
    args = parser.parse_args(argv)
    allow_missing = os.environ.get("ALLOW_MISSING_PYTHONS") == "1" and not os.environ.get("CI")
    report = Report()
    started = time.monotonic()
    tools = pins()
    missing = []
    for version in args.versions:
        python = find_python(version)
        if python is None:
            missing.append(version)
            report.add(f"{version}: interpreter", allow_missing, 0.0, "not found", skipped=allow_missing)
            continue
        if args.only != "oldest":
            newest(report, version, python, tools)
        if args.only != "newest":
            oldest_versions(report, version, python, tools)
    width = max(len(r.name) for r in report.results)
    print(f"\n=== Python versions {', '.join(args.versions)}, {time.monotonic() - started:.0f} s in all", flush=True)
    for r in report.results:
        status = "SKIP" if r.skipped else "ok  " if r.ok else "FAIL"
        print(f"{r.name:<{width}}  {status}  {r.seconds:6.1f} s  {r.note}")
    for version in other_interpreters(args.versions):
        print(f"note: this machine also has Python {version}, which is not tested: add it to PYTHONS in the Makefile")
    if missing:
        print(
            f"{'WARNING' if allow_missing else 'ERROR'}: no interpreter for Python {', '.join(missing)} (looked for "
            "python3.X on PATH and under $PYENV_ROOT/versions). Install it, or locally test fewer versions with "
            '`make test PYTHONS="3.11"` or skip missing ones with ALLOW_MISSING_PYTHONS=1 (not in CI).'
        )
    if _CORPUS_OUTPUT is not None:
        shutil.rmtree(_CORPUS_OUTPUT, ignore_errors=True)
    failed = [r.name for r in report.results if not r.ok]
    if len(missing) == len(args.versions):
        failed.append("no Python version asked for was found: nothing was tested")
    if failed:
        print(f"FAILED: {'; '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
