"""`sdkgen diff`: one base/revision pair per rule, a realistic revision of the ModelGates spec,
the SDK-surface section against real regenerations, and the command line's formats and exit codes."""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonpatch import apply_patch

from generator.cli import main as sdkgen
from generator.config import Config
from generator.pipeline import generate_tree
from generator.spec_diff import RULES, Finding, Level, diff_documents
from generator.spec_diff.findings import OASDIFF_RULES, OASDIFF_TABLE, OWN_RULES
from generator.spec_diff.sources import load_source

HERE = Path(__file__).parent
ROOT = HERE.parent
CASES = yaml.safe_load((HERE / "diff" / "cases.yaml").read_text(encoding="utf-8"))
BASE = yaml.safe_load((HERE / "diff" / "base.yaml").read_text(encoding="utf-8"))
MODELGATES = ROOT / "spec" / "modelgates-videos.yaml"


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def run_case(tmp_path: Path, case: dict[str, Any]) -> list[Finding]:
    base_file = write(tmp_path / "base.yaml", apply_patch(BASE, case.get("base_patch", [])))
    head_file = write(tmp_path / "head.yaml", apply_patch(BASE, case["patch"]))
    return diff_documents(load_source(str(base_file)), load_source(str(head_file))).findings


@pytest.mark.parametrize("case", CASES, ids=[c.get("name", c["rule"]) for c in CASES])
def test_rule(tmp_path: Path, case: dict[str, Any]) -> None:
    findings = run_case(tmp_path, case)
    expect = case["expect"]
    found = [
        f
        for f in findings
        if f.rule == case["rule"] and f.subject == expect["subject"] and f.pointer == expect["pointer"]
    ]
    listing = "\n".join(f"{f.level.name} {f.key}" for f in findings)
    assert found, f"no {case['rule']} at {expect['subject']} {expect['pointer']}; found:\n{listing}"
    finding = found[0]
    assert finding.level is Level[expect["level"]]
    assert finding.section == "api"
    if "defined_at" in expect:
        assert finding.defined_at == expect["defined_at"]
    if "note" in expect:
        assert expect["note"] in finding.note
    assert finding.location.file.endswith(("head.yaml", "base.yaml")) and finding.location.line > 1
    for rule, name, *level in case.get("sdk", []):
        sdk = [f for f in findings if f.section == "sdk" and f.rule == rule and f.subject == name]
        assert sdk, f"no {rule} for {name}; found:\n{listing}"
        assert sdk[0].level is (Level[level[0]] if level else RULES[rule])


def test_every_case_names_a_known_rule() -> None:
    for case in CASES:
        assert case["rule"] in RULES
        for rule, *_ in case.get("sdk", []):
            assert rule in RULES


def test_rule_table_is_oasdiffs() -> None:
    """oasdiff's ids and levels, line for line, and our own ids under prefixes of our own."""
    shared = ROOT.parent / "shared" / "notes" / "oasdiff-rule-levels.tsv"
    assert OASDIFF_TABLE.read_text(encoding="utf-8").splitlines() == shared.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in shared.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert rows[0] == ["rule_id", "level"]
    assert {rule: Level[level] for rule, level in rows[1:]} == OASDIFF_RULES
    assert len(OASDIFF_RULES) == len(rows) - 1 == 509
    for rule, level in RULES.items():
        assert rule.startswith(("sdk-", "sdkgen-")) or OASDIFF_RULES[rule] is level, rule
    assert not set(OWN_RULES) & set(OASDIFF_RULES)


def revision_of_modelgates(tmp_path: Path) -> Path:
    spec = yaml.safe_load(MODELGATES.read_text(encoding="utf-8"))
    patch = yaml.safe_load((HERE / "diff" / "modelgates-revision.yaml").read_text(encoding="utf-8"))
    return write(tmp_path / "modelgates-videos.yaml", apply_patch(spec, patch))


def test_realistic_revision_of_modelgates(tmp_path: Path) -> None:
    head = revision_of_modelgates(tmp_path)
    result = diff_documents(load_source(str(MODELGATES)), load_source(str(head)))
    found = {(f.level.name, f.rule, f.subject, f.pointer) for f in result.findings}
    body = "/paths/~1videos/post/requestBody/content/application~1json/schema/properties"
    expected = {
        ("ERR", "new-required-request-property", "POST /videos", f"{body}/quality"),
        ("WARN", "request-property-removed", "POST /videos", f"{body}/seed"),
        ("WARN", "request-property-max-set", "POST /videos", f"{body}/duration/maximum"),
        ("WARN", "request-property-max-length-set", "POST /videos", f"{body}/prompt/maxLength"),
        (
            "ERR",
            "request-property-enum-value-removed",
            "POST /videos",
            f"{body}/frame_images/items/properties/frame_type/enum",
        ),
        # a shared component's change, reported at each operation that returns it
        (
            "ERR",
            "response-property-became-optional",
            "POST /videos",
            "/paths/~1videos/post/responses/202/content/application~1json/schema/properties/polling_url",
        ),
        (
            "ERR",
            "response-property-became-optional",
            "GET /videos/{jobId}",
            "/paths/~1videos~1{jobId}/get/responses/200/content/application~1json/schema/properties/polling_url",
        ),
        (
            "INFO",
            "response-property-enum-value-added",
            "GET /videos/{jobId}",
            "/paths/~1videos~1{jobId}/get/responses/200/content/application~1json/schema/properties/status/enum",
        ),
        (
            "ERR",
            "request-parameter-became-required",
            "GET /videos/{jobId}/content",
            "/paths/~1videos~1{jobId}~1content/get/parameters/1/required",
        ),
        (
            "INFO",
            "response-non-success-status-removed",
            "GET /videos/{jobId}/content",
            "/paths/~1videos~1{jobId}~1content/get/responses/502",
        ),
        ("INFO", "api-operation-id-removed", "GET /videos/models", "/paths/~1videos~1models/get/operationId"),
        ("INFO", "endpoint-added", "DELETE /videos/{jobId}", "/paths/~1videos~1{jobId}/delete"),
        # oasdiff calls the operationId change INFO; for SDK users it renames a method
        ("ERR", "sdk-method-renamed", "client.video_generation.list_models", "/paths/~1videos~1models/get"),
        (
            "ERR",
            "sdk-error-class-removed",
            "errors.BadGatewayResponseError",
            "/paths/~1videos~1{jobId}~1content/get/responses/502",
        ),
        (
            "ERR",
            "sdk-parameter-added-required",
            "client.video_generation.generate(quality)",
            "/paths/~1videos/post/requestBody",
        ),
        ("ERR", "sdk-enum-member-removed", "models.FrameType('last_frame')", "/components/schemas/FrameType"),
    }
    assert expected <= found, sorted(expected - found)
    status_note = [
        f
        for f in result.findings
        if f.rule == "response-property-enum-value-added" and f.subject == "GET /videos/{jobId}"
    ]
    assert "x-sdk-open-enum" in status_note[0].note
    polling = [f for f in result.findings if f.rule == "response-property-became-optional"]
    assert {f.defined_at for f in polling} == {"/components/schemas/VideoGenerationResponse"}
    assert result.summary.startswith(f"{len(result.findings)} changes: {result.count(Level.ERR)} breaking")
    assert result.fails(Level.ERR)


# -- the SDK surface against the generated code -------------------------------------------------

PER_CALL_OPTIONS = {"self", "timeout", "max_retries", "retry_non_idempotent", "extra_headers"}


def _plain(annotation: ast.expr | None) -> str:
    """An annotation without `Annotated[...]` metadata or the `NotGiven` sentinel."""

    class Strip(ast.NodeTransformer):
        def visit_Subscript(self, node: ast.Subscript) -> Any:
            if isinstance(node.value, ast.Name) and node.value.id == "Annotated" and isinstance(node.slice, ast.Tuple):
                return self.visit(node.slice.elts[0])
            return self.generic_visit(node)

    text = ast.unparse(Strip().visit(annotation)) if annotation is not None else ""
    return text.replace(" | NotGiven", "")


def public_api(package: Path) -> dict[str, str]:
    """Every public name of a generated package, read from its source: name -> what a change to it alters."""
    names: dict[str, str] = {}
    client = ast.parse((package / "_client.py").read_text(encoding="utf-8"))
    sync_client = next(n for n in client.body if isinstance(n, ast.ClassDef) and not n.name.startswith("Async"))
    resources = {
        f.returns.id: f.name
        for f in sync_client.body
        if isinstance(f, ast.FunctionDef) and isinstance(f.returns, ast.Name) and not f.name.startswith("_")
    }
    for node in ast.parse((package / "resources.py").read_text(encoding="utf-8")).body:
        if not (isinstance(node, ast.ClassDef) and node.name in resources):
            continue
        prefix = f"client.{resources[node.name]}"
        names[prefix] = ""
        for method in node.body:
            if not isinstance(method, ast.FunctionDef) or method.name.startswith("_") or method.name == "with_response":
                continue
            names[f"{prefix}.{method.name}"] = _plain(method.returns)
            args = method.args
            positional = args.posonlyargs + args.args
            defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
            pairs = list(zip(positional, defaults, strict=True)) + list(
                zip(args.kwonlyargs, args.kw_defaults, strict=True)
            )
            for arg, default in pairs:
                if arg.arg not in PER_CALL_OPTIONS:
                    names[f"{prefix}.{method.name}({arg.arg})"] = (
                        f"{_plain(arg.annotation)} default={default is not None}"
                    )
    for node in ast.parse((package / "models.py").read_text(encoding="utf-8")).body:
        if not isinstance(node, ast.ClassDef):
            continue
        names[f"models.{node.name}"] = ""
        for item in node.body:
            if (
                isinstance(item, ast.Assign)
                and isinstance(item.value, ast.Constant)
                and isinstance(item.value.value, str)
            ):
                names[f"models.{node.name}({item.value.value!r})"] = ""
            elif (
                isinstance(item, ast.AnnAssign)
                and isinstance(item.target, ast.Name)
                and item.target.id != "model_config"
            ):
                names[f"models.{node.name}.{item.target.id}"] = (
                    f"{_plain(item.annotation)} default={item.value is not None}"
                )
    for node in ast.parse((package / "errors.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            names[f"errors.{node.name}"] = ""
    return names


def _owner(name: str) -> str:
    if "(" in name:
        return name[: name.index("(")]
    return name.rsplit(".", 1)[0]


def test_sdk_surface_agrees_with_regeneration(tmp_path: Path) -> None:
    head = revision_of_modelgates(tmp_path)
    result = diff_documents(load_source(str(MODELGATES)), load_source(str(head)))
    trees = {}
    for label, spec in (("old", MODELGATES), ("new", head)):
        _, files = generate_tree(spec, Config(package="modelgates", client_class="ModelGates"))
        for relative, content in files.items():
            target = tmp_path / label / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        trees[label] = public_api(tmp_path / label / "modelgates")
    sdk = [f for f in result.findings if f.section == "sdk"]
    renames = dict(
        re.search(r"(\S+) renamed to (\S+)", f.message).groups()  # type: ignore[union-attr]
        for f in sdk
        if f.rule.endswith("-renamed")
    )

    def renamed(name: str) -> str:
        for old, new in renames.items():
            if name == old or name.startswith((old + ".", old + "(")):
                return new + name[len(old) :]
        return name

    old = {renamed(name): detail for name, detail in trees["old"].items()}
    new = trees["new"]
    removed = {n for n in old if n not in new and _owner(n) not in old.keys() - new.keys()}
    added = {n for n in new if n not in old and _owner(n) not in new.keys() - old.keys()}
    changed = {n for n in old.keys() & new.keys() if old[n] != new[n]}

    reported_removed = {f.subject for f in sdk if f.rule.endswith("-removed")}
    reported_added = {f.subject for f in sdk if f.rule.endswith(("-added", "-added-required"))}
    reported_changed = {
        f.subject
        for f in sdk
        if f.rule.endswith(("-type-changed", "-became-required", "-became-optional", "-result-changed"))
    }
    assert renames, "the revision renames an operation"
    assert reported_removed == removed
    assert reported_added == added
    assert reported_changed == changed


def test_unchanged_spec_reports_nothing(tmp_path: Path) -> None:
    copy_of_spec = tmp_path / "same.yaml"
    copy_of_spec.write_text(MODELGATES.read_text(encoding="utf-8"), encoding="utf-8")
    result = diff_documents(load_source(str(MODELGATES)), load_source(str(copy_of_spec)))
    assert result.findings == []
    assert result.summary == "0 changes: 0 breaking, 0 warnings, 0 info"


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def revision(tmp_path: Path) -> Path:
    return revision_of_modelgates(tmp_path)


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = sdkgen(["diff", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_markdown_report(capsys: pytest.CaptureFixture[str], revision: Path) -> None:
    code, out, _ = run_cli(capsys, str(MODELGATES), str(revision))
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("### Spec changes: `spec/modelgates-videos.yaml`")
    count = next(line for line in lines if line.startswith("**"))
    assert re.fullmatch(r"\*\*\d+ changes: \d+ breaking, \d+ warnings, \d+ info\*\*", count)
    assert "#### `POST /videos` (breaking)" in lines
    assert "#### SDK surface" in lines
    assert lines.index("#### `POST /videos` (breaking)") < lines.index("#### SDK surface")
    assert "| **ERR** | `sdk-method-renamed` |" in out
    assert "sdk-method-renamed client.video_generation.list_models /paths/~1videos~1models/get" in out


def test_json_and_text_reports(capsys: pytest.CaptureFixture[str], revision: Path) -> None:
    code, out, _ = run_cli(capsys, str(MODELGATES), str(revision), "--format", "json")
    document = json.loads(out)
    assert code == 1
    assert document["summary"]["breaking"] == sum(1 for f in document["findings"] if f["level"] == "ERR")
    first = document["findings"][0]
    assert set(first) >= {"rule", "level", "subject", "pointer", "defined_at", "file", "line", "message", "key"}
    code, out, _ = run_cli(capsys, str(MODELGATES), str(revision), "--format", "text")
    assert (
        out.splitlines()[0]
        == f"{document['summary']['changes']} changes: {document['summary']['breaking']} breaking, {document['summary']['warnings']} warnings, {document['summary']['info']} info"
    )
    assert "  ERR  new-required-request-property: added the new required request property `quality`" in out
    code, out, _ = run_cli(capsys, str(MODELGATES), str(revision), "--format", "github")
    assert re.search(
        r"^::error file=.*modelgates-videos.yaml,line=\d+,title=new-required-request-property::POST /videos: ",
        out,
        re.M,
    )
    # a removal is annotated in the head document, where a review shows it, not in the base
    removed = [line for line in out.splitlines() if "title=request-property-removed" in line]
    assert removed and all(f"{revision.parent.name}/modelgates-videos.yaml" in line for line in removed), removed
    # a document that cannot be compared is an annotation too
    broken = revision.parent / "broken.yaml"
    broken.write_text("openapi: 3.0.3\ninfo: {title: X, version: '1'}\npaths: {/x: {get: {}}}\n", encoding="utf-8")
    code, out, _ = run_cli(capsys, str(MODELGATES), str(broken), "--format", "github")
    assert code == 2 and re.search(r"^::error file=.*broken.yaml,line=3,col=\d+,title=cannot compare::", out, re.M), out


def test_fail_on_levels(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    base = write(tmp_path / "base.yaml", BASE)
    assert run_cli(capsys, str(base), str(base))[0] == 0
    name_pattern = "/components/schemas/NewPet/properties/name/pattern"
    pattern_a = write(tmp_path / "a.yaml", apply_patch(BASE, [{"op": "add", "path": name_pattern, "value": "^a"}]))
    pattern_b = write(tmp_path / "b.yaml", apply_patch(BASE, [{"op": "add", "path": name_pattern, "value": "^b"}]))
    code, out, _ = run_cli(capsys, str(pattern_a), str(pattern_b), "--format", "text")
    assert "WARN request-property-pattern-changed" in out and " 0 breaking" in out
    assert code == 0
    assert run_cli(capsys, str(pattern_a), str(pattern_b), "--fail-on", "WARN")[0] == 1
    response_pattern = "/components/schemas/Pet/properties/name/pattern"
    info_only = write(
        tmp_path / "info.yaml", apply_patch(BASE, [{"op": "add", "path": response_pattern, "value": "^a"}])
    )
    assert run_cli(capsys, str(base), str(info_only), "--fail-on", "WARN")[0] == 0
    assert run_cli(capsys, str(base), str(info_only), "--fail-on", "INFO")[0] == 1
    # removing a query parameter only warns API clients, but it removes an SDK argument: breaking
    no_name = write(
        tmp_path / "no-name.yaml", apply_patch(BASE, [{"op": "remove", "path": "/paths/~1pets/get/parameters/2"}])
    )
    code, out, _ = run_cli(capsys, str(base), str(no_name), "--format", "text")
    assert "WARN request-parameter-removed" in out and "ERR  sdk-parameter-removed" in out
    assert code == 1
    assert run_cli(capsys, str(base), str(no_name), "--fail-on", "NONE")[0] == 0


def test_ignore_file_accepts_changes(capsys: pytest.CaptureFixture[str], revision: Path, tmp_path: Path) -> None:
    code, out, _ = run_cli(capsys, str(MODELGATES), str(revision), "--format", "json")
    breaking = [f["key"] for f in json.loads(out)["findings"] if f["level"] in ("ERR", "WARN")]
    ignore = tmp_path / "accepted.txt"
    ignore.write_text(
        "# accepted for 2.0\n" + "\n".join(breaking) + "\nendpoint-added * *  # any new endpoint\n", encoding="utf-8"
    )
    code, out, _ = run_cli(capsys, str(MODELGATES), str(revision), "--format", "json", "--ignore", str(ignore))
    document = json.loads(out)
    assert code == 0
    assert document["summary"]["breaking"] == 0 and document["summary"]["warnings"] == 0
    assert document["summary"]["accepted"] == len(breaking) + 1
    assert document["unused_ignore_lines"] == []
    # the default ignore file is .breaking-ignore beside the revised spec
    (revision.parent / ".breaking-ignore").write_text(
        "\n".join(breaking[:1]) + "\nendpoint-removed GET /nowhere /x\n", encoding="utf-8"
    )
    code, _, err = run_cli(capsys, str(MODELGATES), str(revision))
    assert code == 2 and "unknown rule id 'endpoint-removed'" in err and ".breaking-ignore:2" in err
    # an ignore file named but missing is an error, not silently nothing accepted
    code, out, err = run_cli(capsys, str(MODELGATES), str(revision), "--ignore", str(tmp_path / "nope.txt"))
    assert (code, out) == (2, "") and "no such ignore file" in err
    code, _, _ = run_cli(capsys, str(MODELGATES), str(revision), "--ignore", os.devnull)
    assert code == 1  # an empty ignore file accepts nothing


def test_invalid_documents_are_located_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "openapi: 3.1.0\ninfo: {title: X, version: '1'}\npaths:\n  /x:\n    get: {responses: {'200': {$ref: '#/nowhere'}}}\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, str(MODELGATES), str(broken))
    assert code == 2
    assert out == ""
    assert re.search(r"broken.yaml:5:\d+: error: .*#/nowhere", err)
    assert "Traceback" not in err
    code, _, err = run_cli(capsys, str(tmp_path / "missing.yaml"), str(MODELGATES))
    assert code == 2 and "no such file" in err
    # an operation whose responses are empty and whose status sits one level too high: the
    # validator's own checks stop there, the document's JSON Schema still locates both
    misindented = tmp_path / "misindented.yaml"
    misindented.write_text(
        "openapi: 3.0.1\ninfo: {title: X, version: '1'}\npaths:\n  /x:\n    post:\n      responses:\n"
        "      '200':\n        description: ok\n",
        encoding="utf-8",
    )
    code, out, err = run_cli(capsys, str(misindented), str(misindented))
    assert code == 2 and out == ""
    assert "misindented.yaml:6:17: error: None is not of type 'object'" in err
    assert "misindented.yaml:8:9: error: unexpected keyword '200'" in err


def _pets(version: str, pattern: str, required: bool = False, operation_id: str = "listPets") -> dict[str, Any]:
    query = {"name": "q", "in": "query", "required": required, "schema": {"type": "string", "pattern": pattern}}
    return {
        "openapi": version,
        "info": {"title": "Pets", "version": "1"},
        "paths": {
            "/pets": {
                "get": {
                    "operationId": operation_id,
                    "parameters": [query],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}},
                        }
                    },
                },
                "post": {"operationId": "addPet", "responses": {"204": {"description": "Added"}}},
            }
        },
        "components": {
            "schemas": {"Pet": {"type": "object", "properties": {"name": {"type": "string", "pattern": pattern}}}}
        },
    }


@pytest.mark.parametrize("version", ["3.0.3", "3.1.0"])
def test_ecma_patterns_are_valid(capsys: pytest.CaptureFixture[str], tmp_path: Path, version: str) -> None:
    """OpenAPI's patterns are ECMA-262's: `[\\w-.]` is valid there (Annex B), though Python's `re` refuses it."""
    ecma = r"^(?:[\w-./:]+)$"
    base = write(tmp_path / "base.yaml", _pets(version, ecma))
    head = write(tmp_path / "head.yaml", _pets(version, r"^[a-z]+$"))
    code, out, err = run_cli(capsys, str(base), str(head), "--format", "text")
    assert (code, err) == (0, ""), err
    assert "WARN request-parameter-pattern-changed" in out
    assert "INFO response-property-pattern-changed" in out
    broken = write(tmp_path / "broken.yaml", _pets(version, "^(?:()$"))
    code, out, err = run_cli(capsys, str(base), str(broken))
    assert code == 2 and out == ""
    assert re.search(r"broken.yaml:\d+:\d+: error: .*is not a 'regex'", err), err


def test_api_changes_are_reported_when_no_sdk_can_be_generated(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A valid document sdkgen refuses (two operations whose methods would share a name) still has
    an API to compare: exit 2 is for invalid OpenAPI only."""
    base = write(tmp_path / "base.yaml", _pets("3.0.3", "^a", operation_id="add_pet"))
    head = write(tmp_path / "head.yaml", _pets("3.0.3", "^a", required=True, operation_id="add_pet"))
    assert sdkgen(["validate", str(head)]) == 1
    capsys.readouterr()
    code, out, err = run_cli(capsys, str(base), str(head), "--format", "text")
    assert (code, err) == (1, "")
    assert "ERR  request-parameter-became-required" in out
    assert re.search(r"SDK surface\n  not compared: .*base.yaml:\d+: method name 'add_pet' collides", out), out
    code, out, _ = run_cli(capsys, str(base), str(head), "--format", "json")
    report = json.loads(out)
    assert "method name 'add_pet' collides" in report["sdk_skipped"]
    assert [f["rule"] for f in report["findings"]] == ["request-parameter-became-required"]
    code, out, _ = run_cli(capsys, str(base), str(head))
    assert "Not compared: sdkgen cannot generate an SDK" in out


def test_sdk_findings_on_inline_schemas_point_at_them(tmp_path: Path) -> None:
    """A model made from an inline schema is located where the schema is written, and a field that
    only became required does not show one type as a change into itself."""
    body = {"type": "object", "properties": {"name": {"type": "string", "nullable": True}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Pets", "version": "1"},
        "paths": {
            "/pets": {
                "post": {
                    "operationId": "addPet",
                    "requestBody": {"content": {"application/json": {"schema": body}}},
                    "responses": {"204": {"description": "Added"}},
                }
            }
        },
    }
    base = write(tmp_path / "base.yaml", document)
    head = write(
        tmp_path / "head.yaml",
        apply_patch(
            document,
            [
                {
                    "op": "add",
                    "path": "/paths/~1pets/post/requestBody/content/application~1json/schema/required",
                    "value": ["name"],
                }
            ],
        ),
    )
    result = diff_documents(load_source(str(base)), load_source(str(head)))
    field = [f for f in result.findings if f.rule == "sdk-model-field-type-changed"]
    assert len(field) == 1, [f.key for f in result.findings]
    schema = "/paths/~1pets/post/requestBody/content/application~1json/schema"
    assert field[0].pointer == f"{schema}/properties/name"
    assert field[0].location.line == 16  # the `name` schema in head.yaml
    assert "str | None -> str | None" not in field[0].message
    assert field[0].message.endswith("became required (its type, str | None, unchanged)")


def test_path_item_references_are_followed(tmp_path: Path) -> None:
    """A Path Item may be a `$ref` (3.1 `components/pathItems`): the path is still there, and a
    change inside it is found."""
    response = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
    operation = {
        "operationId": "listItems",
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": response}}}},
    }
    inline = {"openapi": "3.1.0", "info": {"title": "Items", "version": "1"}, "paths": {"/items": {"get": operation}}}
    moved = {
        **inline,
        "paths": {"/items": {"$ref": "#/components/pathItems/Items"}},
        "components": {"pathItems": {"Items": {"get": copy.deepcopy(operation)}}},
    }
    moved["components"]["pathItems"]["Items"]["get"]["responses"]["200"]["content"]["application/json"]["schema"][
        "properties"
    ]["id"] = {"type": "integer"}
    result = diff_documents(
        load_source(str(write(tmp_path / "base.yaml", inline))), load_source(str(write(tmp_path / "head.yaml", moved)))
    )
    assert [(f.rule, f.subject) for f in result.findings if f.section == "api"] == [
        ("response-property-type-changed", "GET /items")
    ]
    assert not [f for f in result.findings if f.rule in ("sdk-method-removed", "sdk-resource-removed")]


def _items(parameter: dict[str, Any], body_property: dict[str, Any]) -> dict[str, Any]:
    body = {"type": "object", "properties": {"count": body_property}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Items", "version": "1"},
        "paths": {
            "/items": {
                "post": {
                    "operationId": "createItem",
                    "parameters": [parameter],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
                    "responses": {"204": {"description": "Created"}},
                }
            }
        },
    }


def _api_and_sdk(tmp_path: Path, base: dict[str, Any], head: dict[str, Any]) -> list[tuple[str, str]]:
    result = diff_documents(
        load_source(str(write(tmp_path / "base.yaml", base))), load_source(str(write(tmp_path / "head.yaml", head)))
    )
    return [(f.level.name, f.rule) for f in result.findings]


def test_header_case_and_boolean_exclusive_bounds_are_no_change(tmp_path: Path) -> None:
    """A header name differing only in case is the same header (RFC 9110 §5.1), in the API and the
    SDK; 3.0's boolean `exclusiveMaximum` is not a number (Python's `True` is 1)."""
    header = {"name": "X-Trace-Id", "in": "header", "schema": {"type": "string"}}
    base = _items(header, {"type": "integer", "maximum": 10, "exclusiveMaximum": True})
    head = _items({**header, "name": "x-trace-id"}, {"type": "integer", "maximum": 10, "exclusiveMaximum": False})
    assert _api_and_sdk(tmp_path, base, head) == []


def test_parameters_described_by_content_are_compared(tmp_path: Path) -> None:
    """A parameter may give its schema under `content` (OpenAPI §4.8.12.2) instead of `schema`."""
    schema = {"type": "object", "properties": {"color": {"type": "string"}}}
    parameter = {"name": "filter", "in": "query", "content": {"application/json": {"schema": schema}}}
    narrowed = copy.deepcopy(parameter)
    narrowed["content"]["application/json"]["schema"]["properties"]["color"] = {"type": "integer"}
    found = _api_and_sdk(tmp_path, _items(parameter, {"type": "integer"}), _items(narrowed, {"type": "integer"}))
    assert ("ERR", "request-parameter-property-type-specialized") in found


def test_references_inside_extensions_are_data(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A specification extension's value is free-form (OpenAPI §4.9): a `$ref` there (Redocly's code
    samples, say) is not a Reference Object, and the document is valid."""
    document = _items({"name": "q", "in": "query", "schema": {"type": "string"}}, {"type": "integer"})
    operation = document["paths"]["/items"]["post"]
    operation["x-codeSamples"] = [{"lang": "PHP", "source": {"$ref": "examples/create.php"}}]
    operation["x-internal"] = {"$ref": "#/nowhere"}
    spec = write(tmp_path / "items.yaml", document)
    code, out, err = run_cli(capsys, str(spec), str(spec))
    assert (code, err) == (0, "") and out.startswith("### Spec changes")
    assert sdkgen(["validate", str(spec)]) == 0


def test_shared_parameters_are_reported_from_each_operation(tmp_path: Path) -> None:
    """A `$ref`'d parameter's change is reported at each operation that lists it, its pointer the
    path from the operation, and "defined at" the component (as for schemas)."""
    listing = {"parameters": [{"$ref": "#/components/parameters/Limit"}], "responses": {"204": {"description": "OK"}}}
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Shop", "version": "1"},
        "paths": {
            "/orders": {"get": {"operationId": "listOrders", **copy.deepcopy(listing)}},
            "/products": {"get": {"operationId": "listProducts", **copy.deepcopy(listing)}},
        },
        "components": {
            "parameters": {"Limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}}
        },
    }
    head = apply_patch(
        document, [{"op": "replace", "path": "/components/parameters/Limit/schema/maximum", "value": 50}]
    )
    result = diff_documents(
        load_source(str(write(tmp_path / "base.yaml", document))), load_source(str(write(tmp_path / "head.yaml", head)))
    )
    found = [
        (f.subject, f.pointer, f.defined_at) for f in result.findings if f.rule == "request-parameter-max-decreased"
    ]
    assert found == [
        (f"GET /{name}", f"/paths/~1{name}/get/parameters/0/schema/maximum", "/components/parameters/Limit/schema")
        for name in ("orders", "products")
    ]


@pytest.mark.parametrize(("sunset", "api", "sdk"), [("9999-01-01", "ERR", "ERR"), ("2000-01-01", None, "INFO")])
def test_removing_a_deprecated_method_before_its_sunset_breaks_both(
    tmp_path: Path, sunset: str, api: str | None, sdk: str
) -> None:
    """Deprecation announces a removal for the `x-sunset` date: before it, removing the operation
    breaks API clients (oasdiff's api-removed-before-sunset) and SDK users alike."""
    delete = "/paths/~1pets~1{petId}/delete"
    base = apply_patch(BASE, [{"op": "add", "path": f"{delete}/x-sunset", "value": sunset}])
    head = apply_patch(BASE, [{"op": "remove", "path": delete}])
    found = dict((rule, level) for level, rule in _api_and_sdk(tmp_path, base, head))
    assert found.get("api-removed-before-sunset") == api
    assert found["sdk-method-removed"] == sdk


def test_a_resource_removed_with_all_its_deprecated_methods(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Removing every (deprecated) method of a resource removes the resource too: as announced, INFO;
    and its ignore line has all three fields, so it can be copied into the ignore file."""
    base = apply_patch(BASE, [{"op": "replace", "path": "/paths/~1pets~1{petId}/delete/tags", "value": ["Retired"]}])
    head = apply_patch(base, [{"op": "remove", "path": "/paths/~1pets~1{petId}/delete"}])
    base_file, head_file = write(tmp_path / "base.yaml", base), write(tmp_path / "head.yaml", head)
    result = diff_documents(load_source(str(base_file)), load_source(str(head_file)))
    resource = [f for f in result.findings if f.rule == "sdk-resource-removed"]
    assert [(f.subject, f.level) for f in resource] == [("client.retired", Level.INFO)]
    assert len(resource[0].key.split()) == 3 and resource[0].location.line > 1
    ignore = tmp_path / "accepted.txt"
    ignore.write_text(resource[0].key + "\n", encoding="utf-8")
    code, _, err = run_cli(capsys, str(base_file), str(head_file), "--ignore", str(ignore), "--fail-on", "INFO")
    assert err == "" and code == 1  # the other INFO findings remain


def test_git_revisions(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    spec = tmp_path / "spec" / "api.yaml"
    spec.parent.mkdir()
    write(spec, BASE)
    git("init", "-q")
    git("-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-q", "--allow-empty", "-m", "empty")
    git("add", "spec/api.yaml")
    git("-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-q", "-m", "spec")
    write(spec, apply_patch(BASE, [{"op": "remove", "path": "/paths/~1pets/post"}]))
    command = [sys.executable, "-m", "generator", "diff", "HEAD:spec/api.yaml", "spec/api.yaml", "--format", "text"]
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1, done.stderr
    assert "ERR  api-removed-without-deprecation" in done.stdout
    assert "(HEAD:spec/api.yaml:" in done.stdout  # the removed operation is located in the base revision
    missing = subprocess.run(
        [*command[:4], "HEAD~1:spec/api.yaml", "spec/api.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert missing.returncode == 2
    assert "HEAD~1:spec/api.yaml:1:1: error: cannot read HEAD~1:spec/api.yaml from git" in missing.stderr
    # a document split over files: each revision's own files are compared
    kind = BASE["components"]["schemas"]["Kind"]
    write(spec.parent / "kind.yaml", kind)
    split = apply_patch(BASE, [{"op": "replace", "path": "/components/schemas/Kind", "value": {"$ref": "kind.yaml"}}])
    write(spec, split)
    git("add", "spec")
    git("-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-q", "-m", "split")
    write(spec.parent / "kind.yaml", {**kind, "enum": ["cat"]})
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1, done.stderr
    assert "ERR  request-property-enum-value-removed" in done.stdout, done.stdout
    # HEAD read from git takes the .breaking-ignore committed beside it
    accept = "request-property-enum-value-removed * *\nsdk-model-removed * *\n"
    (spec.parent / ".breaking-ignore").write_text(accept, encoding="utf-8")
    git("add", "spec")
    git("-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-q", "-m", "narrow kinds")
    accepted = subprocess.run(
        [*command[:4], "HEAD~1:spec/api.yaml", "HEAD:spec/api.yaml", "--format", "text"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "accepted in the ignore file" in accepted.stdout
    unchanged = subprocess.run(
        [*command[:4], "HEAD:spec/api.yaml", "HEAD:spec/api.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert (unchanged.returncode, unchanged.stderr) == (0, "")
    # git's `REV:./path`, from the document's own folder
    relative = subprocess.run(
        [*command[:4], "HEAD~1:./api.yaml", "api.yaml", "--format", "text"],
        cwd=spec.parent,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert relative.returncode == 0, relative.stdout + relative.stderr
    assert "accepted in the ignore file" in relative.stdout


def test_exponential_schema_sharing_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each level refers to the next twice: 2**24 paths through 24 schemas. A change at the bottom is
    on every path: the diff refuses, quickly."""
    monkeypatch.setattr("generator.spec_diff.schemas.MAX_SCHEMA_COMPARISONS", 20_000)
    schemas: dict[str, Any] = {"L24": {"type": "string"}}
    for level in range(24):
        ref = {"$ref": f"#/components/schemas/L{level + 1}"}
        schemas[f"L{level}"] = {"type": "object", "properties": {"a": ref, "b": ref}}
    document = apply_patch(
        BASE,
        [
            {
                "op": "add",
                "path": "/components/schemas/NewPet/properties/deep",
                "value": {"$ref": "#/components/schemas/L0"},
            }
        ],
    )
    document["components"]["schemas"].update(schemas)
    spec = write(tmp_path / "deep.yaml", document)
    # unchanged shared schemas are not walked again: the same document compares at once
    assert run_cli(capsys, str(spec), str(spec))[0] == 0
    document["components"]["schemas"]["L24"] = {"type": "integer"}
    changed = write(tmp_path / "changed.yaml", document)
    code, _, err = run_cli(capsys, str(spec), str(changed))
    assert code == 2
    assert "more than 20,000 schema comparisons" in err


def test_cli_offers_every_report_format() -> None:
    from generator.cli import DIFF_FORMATS
    from generator.spec_diff.report import FORMATS

    assert sorted(FORMATS) == list(DIFF_FORMATS)


def test_markdown_offers_no_empty_ignore_block_when_nothing_gates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Only INFO changes (an optional request property added): nothing to accept, so no empty code block."""
    text = MODELGATES.read_text(encoding="utf-8")
    anchor = "      required: [model]\n      properties:\n"
    assert text.count(anchor) == 1
    head = tmp_path / "head.yaml"
    head.write_text(text.replace(anchor, anchor + "        note:\n          type: string\n"))
    code, out, _ = run_cli(capsys, str(MODELGATES), str(head))
    assert code == 0 and "0 breaking, 0 warnings" in out, out
    assert "new-optional-request-property" in out
    assert "Accepting a change on purpose" not in out and "```\n```" not in out
