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
from generator.diagnostics import join_pointer
from generator.load import SpecDocument, load_spec
from generator.names import RESOURCE_MODULE_NAMES
from generator.pipeline import build_ir
from generator.render import render_package
from generator.write import read_tree

CORPUS = Path(__file__).resolve().parent / "corpus"
MANIFEST = yaml.safe_load((CORPUS / "manifest.yaml").read_text())
REAL = CORPUS / "real"
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _real_parts(folder: Path, entry: str) -> set[str]:
    """The files of a real document: its entry file and every file reached from it by a relative
    `$ref` (also from inside extensions), as paths relative to its folder."""
    found: set[str] = set()
    pending = [folder / entry]
    while pending:
        path = pending.pop().resolve()
        part = str(path.relative_to(folder.resolve()))  # a part outside the folder fails here
        if part in found:
            continue
        found.add(part)
        if path.suffix not in (".yaml", ".yml", ".json"):
            continue  # a text part, such as a code sample
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.load(text, Loader=YAML_LOADER)
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                ref = node.get("$ref")
                if isinstance(ref, str) and ref.split("#", 1)[0]:
                    pending.append(path.parent / ref.split("#", 1)[0])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return found


def test_every_corpus_document_has_an_expected_outcome() -> None:
    listed = set(MANIFEST["generates"]) | set(MANIFEST["warned"]) | set(MANIFEST["refused"])
    for name, expected in MANIFEST["real"].items():
        parts = {*_real_parts(REAL / name, expected["entry"]), "LICENSE", "SOURCE"}
        listed |= {f"real/{name}/{part}" for part in parts}
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
            if op.http_method != "GET" or op.events is not None:
                continue  # Prism cannot serialise an event stream ("complex objects as text"): test_gateway.py
            required = [p for p in op.parameters if p.required]
            calls.append(
                {
                    "resource": resource.attr_name,
                    "method": op.method_name,
                    "args": [_example(p.type_hint) for p in op.positional_params],
                    "kwargs": {p.py_name: _example(p.type_hint) for p in required if p.location != "path"},
                    "kind": "pages" if op.paging else op.result.kind,
                    "model": op.result.model,
                    "root": op.result.root_hint is not None,
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
            if call["kind"] == "pages":  # a pager: the first page's answer is the operation's result
                result = result.first_page.result
            kind = "json" if call["kind"] == "pages" else call["kind"]
            expected = {{"json": getattr(sdk.models, call["model"] or "", None), "text": str}}.get(kind)
            if call["root"]:  # a list or union is returned unwrapped: it is what its RootModel holds
                assert expected.model_validate(result).root == result, (call, result)
            else:
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
    result = _smoke(SMOKE, spec, out, package, calls, api.names.client_class, expected["credentials"])
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


@pytest.mark.parametrize("name", sorted(MANIFEST["real"]))
def test_real_document_has_its_licence_and_source(name: str) -> None:
    folder = REAL / name
    assert (folder / "LICENSE").read_text(encoding="utf-8").strip()
    source = (folder / "SOURCE").read_text(encoding="utf-8").splitlines()
    assert len(source) == 1, source
    repository, path, commit = source[0].split(" ")
    assert repository.startswith("https://github.com/") and path and len(commit) == 40, source
    assert (folder / MANIFEST["real"][name]["entry"]).is_file()


def _matching(pattern: str) -> str | None:
    """A string `pattern` matches, for the simple patterns of identifiers (`^VA[0-9a-fA-F]{32}$`):
    literals, classes, `\\d` and quantifiers; None for anything else."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char in "^$":
            index += 1
            continue
        if char == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            if pattern[index + 1] == "^":
                return None
            out.append(pattern[index + 1])
            index = end + 1
        elif char == "\\" and pattern[index + 1 : index + 2] in ("d", "w"):
            out.append("1")
            index += 2
        elif char.isalnum() or char in "-_:.":
            out.append(char)
            index += 1
        elif char == "{" and out and "}" in pattern[index:]:
            end = pattern.index("}", index)
            low = pattern[index + 1 : end].split(",")[0]
            if not low.isdigit():
                return None
            out[-1:] = out[-1:] * int(low)
            index = end + 1
        elif char in "+*?" and out:
            out[-1:] = out[-1:] if char == "+" else []
            index += 1
        else:
            return None
    return "".join(out)


def _real_example(parameter: ir.Parameter, doc: SpecDocument) -> Any:
    """A value for a parameter of a real document that Prism, validating against it, accepts."""
    hint = parameter.type_hint.split(" | ")[0]
    schema, _ = doc.resolve(doc.get(parameter.pointer).get("schema") or {}, parameter.pointer)
    pattern = schema.get("pattern") or (schema.get("items") or {}).get("pattern")
    scalar = hint[5:-1] if hint.startswith("list[") else hint
    value: Any = None
    for candidate in (parameter.example, parameter.default):
        if candidate is not None and not isinstance(candidate, (dict, list)):
            value = candidate
            break
    if value is None and parameter.enum_values:
        value = parameter.enum_values[0]
    if value is None and isinstance(pattern, str):
        value = _matching(pattern)
    if value is None:
        value = {
            "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "date-time": "2024-01-02T03:04:05Z",
            "date": "2024-01-02",
            "email": "someone@example.com",
            "uri": "https://example.com/x",
        }.get(str(schema.get("format")))
    if value is None:
        value = {
            "int": 1,
            "float": 1.5,
            "bool": True,
            "UUID": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
            "datetime": "2024-01-02T03:04:05Z",
            "date": "2024-01-02",
        }.get(scalar, "abc")
    return [value] if hint.startswith("list[") else value


REAL_SMOKE = """
import json, sys
import {package} as sdk

calls = json.loads(sys.argv[1])
with getattr(sdk, sys.argv[2])(api_key=sys.argv[3], server_url=sys.argv[4], max_retries=0) as client:
    for call in calls:
        method = getattr(getattr(client, call["resource"]), call["method"])
        seen = {{"resource": call["resource"], "method": call["method"], "outcome": "ok"}}
        try:
            if call["kind"] == "stream":
                with method(*call["args"], **call["kwargs"]) as body:
                    assert isinstance(body.read(), bytes)
            else:
                result = method(*call["args"], **call["kwargs"])
                expected = {{"json": getattr(sdk.models, call["model"] or "", None), "text": str}}.get(call["kind"])
                if call["root"]:
                    assert expected.model_validate(result).root == result, (call, result)
                else:
                    assert expected is None and result is None or isinstance(result, expected), (call, result)
        except sdk.errors.ResponseValidationError as exc:
            seen.update(outcome="refused-response", body=exc.response.json())
        except sdk.errors.APIError as exc:
            violations = exc.response.headers.get("sl-violations")
            if exc.status_code != 500 or not violations:
                raise
            seen.update(outcome="prism-invalid", violations=json.loads(violations))
        print(json.dumps(seen))
"""


def _response_problems(doc: SpecDocument, op: ir.Operation, body: Any) -> list[str]:
    """What openapi-schema-validator (for the document's OpenAPI version) finds wrong with a body
    of the operation's result."""
    from openapi_schema_validator import OAS30Validator, OAS31Validator

    content = doc.get(join_pointer(op.pointer, "responses", op.result.status, "content"))
    media_type = next(key for key in content if key.split(";")[0].strip().lower() == op.result.content_type)
    pointer = join_pointer(op.pointer, "responses", op.result.status, "content", media_type, "schema")
    version = OAS31Validator if str(doc.data.get("openapi", "")).startswith("3.1") else OAS30Validator
    schema = {**doc.data, "$ref": "#" + pointer}  # the document as the root, so its references resolve
    return [error.message for error in version(schema).iter_errors(body)]


def _smoke(
    script: str, spec: Path, out: Path, package: str, calls: list[dict[str, Any]], client: str, credentials: Any
) -> subprocess.CompletedProcess[str]:
    """`script` run on the generated SDK in `out` against Prism serving `spec`."""
    with prism_serving(spec) as url:
        return subprocess.run(
            [sys.executable, "-c", script.format(package=package), json.dumps(calls), client, str(credentials), url],
            cwd=out,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(out)},
        )


def _real_get_calls(api: ir.Api, doc: SpecDocument, sample: int | None) -> list[dict[str, Any]]:
    calls = []
    for resource in api.resources:
        for op in resource.operations:
            if op.http_method != "GET" or op.events is not None:
                continue  # Prism cannot serialise an event stream ("complex objects as text"): test_gateway.py
            calls.append(
                {
                    "resource": resource.attr_name,
                    "method": op.method_name,
                    "args": [_real_example(p, doc) for p in op.path_params],
                    "kwargs": {
                        p.py_name: _real_example(p, doc) for p in op.parameters if p.required and p.location != "path"
                    },
                    "kind": "pages" if op.paging else op.result.kind,
                    "model": op.result.model,
                    "root": op.result.root_hint is not None,
                }
            )
    if sample and len(calls) > sample:  # evenly spread over the document, the same ones every run
        calls = [calls[index * len(calls) // sample] for index in range(sample)]
    return calls


IMPORT_EVERY_MODULE = """
import importlib, pkgutil, sys
import {package} as package

names = [m.name for m in pkgutil.walk_packages(package.__path__, "{package}.") if not m.name.endswith(".__main__")]
for name in names:
    importlib.import_module(name)
print(len(names), "modules")
"""


def _sync_methods(resources: str, api: ir.Api) -> set[str]:
    """The operation methods of the generated (synchronous) resource classes."""
    helpers = {"with_response"}
    for op in api.operations:
        for extra in (op.waiter, op.download):
            helpers |= {extra.method_name, extra.combined_name or ""} if extra else set()
    return {
        f"{node.name}.{item.name}"
        for node in ast.parse(resources).body
        if isinstance(node, ast.ClassDef)
        and not node.name.startswith("Async")
        and not node.name.endswith("WithResponse")
        for item in node.body
        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_") and item.name not in helpers
    }


@pytest.mark.parametrize("name", sorted(MANIFEST["real"]))
def test_real_document_generates_every_operation_type_clean_and_working(name: str, tmp_path: Path) -> None:
    """A real, valid document generates an SDK with every one of its operations, whose every module
    imports, that mypy --strict, ruff and black accept, and whose GET operations Prism answers."""
    expected = MANIFEST["real"][name]
    spec = REAL / name / expected["entry"]
    out = tmp_path / "sdk"
    generate(spec, out)
    doc = load_spec(spec)
    api, _ = build_ir(doc, Config(), str(spec))
    package = api.names.package
    assert len(api.operations) == expected["operations"]
    methods = _sync_methods((out / package / "resources.py").read_text(encoding="utf-8"), api)
    assert len(methods) == expected["operations"], sorted(methods)
    env = {**os.environ, "PYTHONPATH": str(out)}
    imported = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_MODULE.format(package=package)],
        cwd=out,
        capture_output=True,
        text=True,
        env=env,
    )
    assert imported.returncode == 0, imported.stderr
    type_check(out, package)
    calls = _real_get_calls(api, doc, expected.get("prism_gets"))
    assert calls, "every real document has GET operations to smoke-test"
    result = _smoke(REAL_SMOKE, spec, out, package, calls, api.names.client_class, expected["credentials"])
    assert result.returncode == 0, result.stdout + result.stderr
    outcomes = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(outcomes) == len(calls), result.stdout
    by_method = {(r.attr_name, op.method_name): op for r in api.resources for op in r.operations}
    for outcome in outcomes:
        if outcome["outcome"] == "ok":
            continue
        op = by_method[(outcome["resource"], outcome["method"])]
        if outcome["outcome"] == "prism-invalid":
            # Prism itself found the response it made from the document (its example) invalid
            assert all(v["location"][0] == "response" for v in outcome["violations"]), outcome
            continue
        assert outcome["outcome"] == "refused-response", outcome
        # The SDK refused the body as not matching the document: an independent validator must agree.
        problems = _response_problems(doc, op, outcome["body"])
        assert problems, f"{op.operation_id}: the SDK refused a response the document allows: {outcome}"
