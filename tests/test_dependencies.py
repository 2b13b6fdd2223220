"""The httpx and pydantic releases a generated SDK declares: one source, generator/dependencies.py, for
the generated pyproject.toml, the pydantic the models are written for, and the oldest releases
`make test` runs the SDK's tests with (tests/matrix.py)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from conftest import SDK_TESTS
from generator import dependencies
from generator.config import Config
from generator.load import load_spec
from generator.models import model_target
from generator.pipeline import build_ir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
PYTHONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]


def declared(python: str) -> dict[str, Requirement]:
    """Package -> the requirement the generated pyproject.toml declares for a Python version."""
    project = tomllib.loads((ROOT / "generated" / "pyproject.toml").read_text())["project"]
    found: dict[str, Requirement] = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"python_version": python}):
            assert requirement.name not in found, f"two requirements of {requirement.name} on Python {python}"
            found[requirement.name] = requirement
    return found


def dev_pins() -> dict[str, str]:
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    return dict(line.split("==") for line in dev)


def test_generated_pyproject_declares_the_ranges_of_generator_dependencies() -> None:
    project = tomllib.loads((ROOT / "generated" / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == dependencies.requirements()
    assert project["requires-python"] == f">={dependencies.OLDEST['httpx'][0][0]}"


@pytest.mark.parametrize("python", PYTHONS)
def test_each_python_version_admits_its_oldest_tested_release_and_the_dev_pins(python: str) -> None:
    requirements = declared(python)
    assert sorted(requirements) == ["httpx", "pydantic"]
    for package, release in dependencies.oldest(python).items():
        specifier = requirements[package].specifier
        assert specifier.contains(release) and specifier.contains(dev_pins()[package])
        assert min(s.version for s in specifier if s.operator == ">=") == release  # the lower bound is what is tested
        assert not specifier.contains(dependencies.BELOW[package] + ".0")


@pytest.mark.parametrize("python", ["3.10", "3.11", "3.12"])
def test_a_host_pinned_to_older_releases_can_install_the_sdk(python: str) -> None:
    requirements = declared(python)
    for package, release in {"httpx": "0.24.1", "pydantic": "2.9.2"}.items():
        assert requirements[package].specifier.contains(release), (python, package, release)


def test_the_oldest_releases_per_python_only_rise() -> None:
    for steps in dependencies.OLDEST.values():
        pythons = [dependencies.version_tuple(python) for python, _ in steps]
        releases = [dependencies.version_tuple(release) for _, release in steps]
        assert pythons == sorted(pythons) and releases == sorted(releases)
        assert steps[0][0] == dependencies.OLDEST["httpx"][0][0]  # every package has a release for every Python


def test_models_are_written_for_the_oldest_pydantic() -> None:
    assert model_target(dependencies.oldest_anywhere("pydantic")).value == "2"
    with pytest.raises(ValueError):
        model_target("2.0.2")
    # a deprecated property: Field(deprecated=True) needs pydantic 2.7 and warns at import before it
    spec = ROOT / "tests" / "corpus" / "kitchen-sink-3.1.yaml"
    _, models = build_ir(load_spec(spec), Config(), spec.name)
    assert "deprecated=True" not in models.source and 'json_schema_extra={"deprecated": True}' in models.source


def _imports_the_generator(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    return any(name.split(".")[0] in ("generator", "test_generation", "test_corpus") for name in names)


def test_every_test_module_without_the_generator_also_runs_with_the_oldest_releases() -> None:
    """`--sdk-only` (the runs with the oldest httpx and pydantic) collects conftest.SDK_TESTS: every
    test module that can run without the generator installed must be listed there."""
    # These run sdkgen as a whole (its wheel, its workflow and hooks) without importing it.
    whole_project = {"test_adoption.py", "test_install.py", "test_interrupt.py"}
    modules = sorted((ROOT / "tests").glob("test_*.py"))
    assert {m.name for m in modules if not _imports_the_generator(m)} == SDK_TESTS | whole_project
