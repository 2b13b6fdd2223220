"""Every document in tests/corpus gets the outcome tests/corpus/manifest.yaml gives it."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_generation import generate, type_check

from conftest import earlier_output, prism_serving
from generator import ir
from generator.cli import main
from generator.config import Config
from generator.load import load_spec
from generator.names import RESOURCE_MODULE_NAMES
from generator.pipeline import build_ir
from generator.render import render_package
from generator.write import read_tree

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text())


def test_every_corpus_document_has_an_expected_outcome() -> None:
    listed = set(MANIFEST["generates"]) | set(MANIFEST["warned"]) | set(MANIFEST["refused"])
    listed |= {name for expected in MANIFEST["generates"].values() for name in expected.get("files", [])}
    present = {str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and p.name != "manifest.yaml"}
    assert present == listed


@pytest.mark.parametrize("name", sorted(MANIFEST["refused"]))
def test_refused(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    expected = MANIFEST["refused"][name]
    output = tmp_path / "out"
    before = earlier_output(output)
    code = main(["generate", str(CORPUS / name), "--output", str(output)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert read_tree(output) == before
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1, err
    location, message = errors[0].split(": error: ", 1)
    assert location.startswith(f"{CORPUS / name}:{expected['at']}") or location.startswith(
        f"tests/corpus/{name}:{expected['at']}"
    ), err
    assert expected["message"] in message, err
    pointer_line = err.splitlines()[err.splitlines().index(errors[0]) + 1].strip()
    assert pointer_line.startswith("at " + (expected["pointer"] or "/")), err


@pytest.mark.parametrize("name", sorted(MANIFEST["warned"]))
@pytest.mark.parametrize("command", ["generate", "validate"])
def test_warned(name: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "out"
    code = main([command, str(CORPUS / name), *(["--output", str(output)] if command == "generate" else [])])
    err = capsys.readouterr().err
    assert code == 0, err
    lines = err.splitlines()
    warnings = [(line, lines[index + 1].strip()) for index, line in enumerate(lines) if ": warning: " in line]
    expected = MANIFEST["warned"][name]
    assert len(warnings) == len(expected), err
    for (line, pointer), want in zip(warnings, expected, strict=True):
        location, message = line.split(": warning: ", 1)
        assert location.endswith(f"{name}:{want['at']}"), line
        assert pointer == f"at {want['pointer']}"
        assert want["message"] in message
    if command == "generate":  # every operation is still generated
        doc = load_spec(CORPUS / name)
        api, _ = build_ir(doc, Config(), name)
        resources = read_tree(output)[f"{api.names.package}/resources.py"]
        assert api.operations and all(f"def {op.method_name}(" in resources for op in api.operations)


def _example(hint: str) -> Any:
    """A value of the argument's type that Prism accepts."""
    if hint.startswith("list["):
        return [_example(hint[5:-1])]
    return {"int": 1, "float": 1.5, "bool": True}.get(hint.split(" | ")[0], "abc")


def _get_calls(api: ir.Api) -> list[dict[str, Any]]:
    calls = []
    for resource in api.resources:
        for op in resource.operations:
            if op.http_method != "GET":
                continue
            required = [p for p in op.parameters if p.required]
            calls.append(
                {
                    "resource": resource.attr_name,
                    "method": op.method_name,
                    "args": [_example(p.type_hint) for p in op.path_params],
                    "kwargs": {p.py_name: _example(p.type_hint) for p in required if p.location != "path"},
                    "kind": op.result.kind,
                    "model": op.result.model,
                }
            )
    return calls


SMOKE = """
import asyncio, json, sys
import {package} as sdk

calls = json.loads(sys.argv[1])
client_class = getattr(sdk, sys.argv[2])
async_class = getattr(sdk, "Async" + sys.argv[2])
with client_class(api_key=sys.argv[3], server_url=sys.argv[4], max_retries=0) as client:
    for call in calls:
        method = getattr(getattr(client, call["resource"]), call["method"])
        if call["kind"] == "stream":
            with method(*call["args"], **call["kwargs"]) as body:
                result = body.read()
            assert isinstance(result, bytes), (call, result)
        else:
            result = method(*call["args"], **call["kwargs"])
            expected = {{"json": getattr(sdk.models, call["model"] or "", None), "text": str}}.get(call["kind"])
            assert expected is None and result is None or isinstance(result, expected), (call, result)
        print("ok", call["resource"], call["method"], type(result).__name__)


async def first_async() -> None:
    call = next(c for c in calls if c["kind"] != "stream")
    async with async_class(api_key=sys.argv[3], server_url=sys.argv[4], max_retries=0) as client:
        result = await getattr(getattr(client, call["resource"]), call["method"])(*call["args"], **call["kwargs"])
        print("async ok", call["method"], type(result).__name__)


if any(c["kind"] != "stream" for c in calls):
    asyncio.run(first_async())
"""


EVERY_HELP = """
import contextlib
from {package} import cli

for command in cli.COMMANDS:
    with contextlib.suppress(SystemExit):
        cli.main([*([command.group] if command.group else []), command.name, "--help"])
"""


@pytest.mark.parametrize("name", sorted(MANIFEST["generates"]))
def test_generates_a_type_clean_sdk_that_works_against_prism(name: str, tmp_path: Path) -> None:
    expected = MANIFEST["generates"][name]
    spec = CORPUS / name
    out = tmp_path / "sdk"
    generate(spec, out)
    package = expected["package"]
    assert (out / package / "__init__.py").exists()
    type_check(out, package)
    api, _ = build_ir(load_spec(spec), Config(), name)
    calls = _get_calls(api)
    assert calls, "every corpus document that generates has GET operations to smoke-test"
    with prism_serving(spec) as url:
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                SMOKE.format(package=package),
                json.dumps(calls),
                api.names.client_class,
                str(expected["credentials"]),
                url,
            ],
            cwd=out,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(out)},
        )
    assert result.returncode == 0, result.stdout + result.stderr
    done = [line for line in result.stdout.splitlines() if line.startswith("ok ")]
    assert len(done) == len(calls), result.stdout
    assert ("\nasync ok " in "\n" + result.stdout) == any(c["kind"] != "stream" for c in calls)
    # The command line declares every operation's command and flags when it starts.
    cli = subprocess.run(
        [sys.executable, "-m", package, "--help"],
        cwd=out,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(out)},
    )
    assert cli.returncode == 0 and "usage:" in cli.stdout, cli.stderr
    # ... and each command's help, with its options, their placeholders and enum values, formats.
    every_help = subprocess.run(
        [sys.executable, "-c", EVERY_HELP.format(package=package)],
        cwd=out,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(out)},
    )
    assert every_help.returncode == 0, every_help.stderr
    assert every_help.stdout.count("usage: ") == len(api.operations) + sum(
        bool(op.waiter) + bool(op.download) for op in api.operations
    ) - sum(op.result.kind == "stream" for op in api.operations)
    assert "ARG_" not in every_help.stdout


@pytest.mark.parametrize("name", sorted(MANIFEST["generates"]))
def test_resource_classes_cannot_take_an_imported_name(name: str) -> None:
    """`names.RESOURCE_MODULE_NAMES` must list every class-like name the resources and client
    modules import, or a tag of that name would make a resource class that shadows it."""
    api, models = build_ir(load_spec(CORPUS / name), Config(), name)
    files = render_package(api, models)
    own = {api.names.client_class, api.names.async_client_class} | set(api.resource_class_names)
    for module in ("resources.py", "_client.py"):
        tree = ast.parse(files[f"{api.names.package}/{module}"])
        imported = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module != "__future__"
            for alias in node.names
        }
        class_like = {n for n in imported if n[:1].isupper() and not n.endswith("Error")} - own
        assert class_like <= RESOURCE_MODULE_NAMES, f"{module}: {sorted(class_like - RESOURCE_MODULE_NAMES)}"
