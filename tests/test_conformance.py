"""The quick conformance pass (jsonschema-rs) agrees with the detailed one (openapi-spec-validator in
pure Python) on every document: valid ones pass both, broken ones fail both."""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from generator import conformance
from generator.diagnostics import SpecError
from generator.load import load_spec
from generator.validate import check_references

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from large_spec import large_spec  # noqa: E402


def documents() -> dict[str, dict[str, Any]]:
    """Every test document that reaches conformance checking (loads, known version, references resolve)."""
    paths = [ROOT / "spec" / "modelgates-videos.yaml", *sorted((ROOT / "tests" / "corpus").rglob("*.yaml"))]
    found: dict[str, dict[str, Any]] = {}
    for path in paths:
        try:
            doc = load_spec(path, None)
            check_references(doc)
        except SpecError:
            continue
        found[str(path.relative_to(ROOT))] = doc.data
    found["bench large_spec(30, 80)"] = large_spec(30, 80)
    return found


DOCUMENTS = documents()


def version(data: dict[str, Any]) -> str:
    return str(data["openapi"])[:3]


def both_passes(data: dict[str, Any]) -> tuple[bool, list[Any]]:
    return conformance.is_valid(data, version(data)), list(conformance.iter_errors(data, version(data)))


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_passes_agree_on_every_test_document(name: str) -> None:
    quick, errors = both_passes(DOCUMENTS[name])
    assert quick == (not errors), [str(e.message) for e in errors]


def first_schema(data: dict[str, Any]) -> dict[str, Any]:
    return next(iter(data["components"]["schemas"].values()))


BREAKAGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "schema type misspelt": lambda d: first_schema(d).update(type="strin"),
    "pattern that is not a regex": lambda d: first_schema(d).update(pattern="(["),
    "discriminator property not a string": lambda d: first_schema(d).update(discriminator={"propertyName": 3}),
    "nested property schema not a schema": lambda d: first_schema(d).update(properties={"a": {"type": 5}}),
    "operation without responses": lambda d: next(iter(d["paths"].values()))["get"].pop("responses"),
    "unknown field in info": lambda d: d["info"].update(colour="blue"),
    "path parameter not declared": lambda d: d["paths"].update(
        {"/undeclared/{thing}": {"get": {"responses": {"200": {"description": "ok"}}}}}
    ),
}


CASES = [
    (base, breakage)
    for base in ("tests/corpus/kitchen-sink-3.1.yaml", "tests/corpus/kitchen-sink-3.0.yaml")
    for breakage in sorted(BREAKAGES)
    if not (base.endswith("3.1.yaml") and breakage == "operation without responses")  # optional in 3.1
]


@pytest.mark.parametrize("base, breakage", CASES)
def test_passes_agree_on_broken_documents(base: str, breakage: str) -> None:
    data = copy.deepcopy(DOCUMENTS[base])
    if breakage == "operation without responses":
        data["paths"] = {path: item for path, item in data["paths"].items() if "get" in item}
    BREAKAGES[breakage](data)
    quick, errors = both_passes(data)
    assert errors, "the breakage must be one the detailed pass reports"
    assert not quick
