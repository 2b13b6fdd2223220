"""Broken specs: each gets one located error (file:line:col, JSON pointer, hint), exit 1, and no output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import earlier_output
from generator.cli import main
from generator.write import read_tree

ROOT = Path(__file__).resolve().parent.parent
SPEC_TEXT = (ROOT / "spec" / "modelgates-videos.yaml").read_text()


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1


def run_broken(tmp_path: Path, text: str | bytes, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, Path]:
    spec = tmp_path / "broken.yaml"
    spec.write_bytes(text if isinstance(text, bytes) else text.encode())
    output = tmp_path / "out"
    before = earlier_output(output)
    code = main(["generate", str(spec), "--output", str(output)])
    err = capsys.readouterr().err
    assert read_tree(output) == before, "a failed run must leave the output untouched"
    assert "Traceback" not in err
    return code, err, spec


def replace_once(old: str, new: str) -> str:
    assert SPEC_TEXT.count(old) >= 1, old
    return SPEC_TEXT.replace(old, new, 1)


def test_exclusive_minimum_true_is_30_syntax(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = replace_once("          minimum: 1\n", "          minimum: 1\n          exclusiveMinimum: true\n")
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    line = line_of(text, "exclusiveMinimum: true")
    assert f"broken.yaml:{line}:29: error:" in err
    assert "/components/schemas/VideoGenerationRequest/properties/duration/exclusiveMinimum" in err
    assert "hint: `exclusiveMinimum: true` is OpenAPI 3.0 syntax" in err


def test_duplicate_operation_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = replace_once("operationId: listVideosModels", "operationId: getGeneration")
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    assert (
        f":{line_of(text, 'operationId: getGeneration', 2)}:20: error: operationId 'getGeneration' is already used"
        in err
    )
    assert "at /paths/~1videos~1models/get/operationId" in err


def test_dangling_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = replace_once("$ref: '#/components/schemas/VideoModelsListResponse'", "$ref: '#/components/schemas/Nope'")
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    assert f":{line_of(text, 'schemas/Nope')}:" in err
    assert "reference target '#/components/schemas/Nope' does not exist" in err
    assert "at /paths/~1videos~1models/get/responses/200/content/application~1json/schema/$ref" in err


def test_reference_cycle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        SPEC_TEXT
        + "    LoopA:\n      $ref: '#/components/schemas/LoopB'\n    LoopB:\n      $ref: '#/components/schemas/LoopA'\n"
    )
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    assert "reference cycle" in err and "/components/schemas/LoopA" in err


def test_nullable_in_31_is_read_as_type_or_null(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = replace_once("          type: [string, 'null']\n", "          type: string\n          nullable: true\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    assert main(["validate", str(spec)]) == 0
    err = capsys.readouterr().err
    assert f":{line_of(text, 'nullable: true')}:21: warning: `nullable` is not a keyword in OpenAPI 3.1" in err
    assert "/components/schemas/VideoModel/properties/hugging_face_id/nullable" in err
    assert "hint: write `type: [string, 'null']` instead" in err


def test_invalid_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = replace_once("  title: ModelGates\n", "  title: ModelGates\n   bad: [unclosed\n")
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    assert "broken.yaml:4:" in err and "invalid YAML/JSON" in err


def test_duplicate_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = replace_once("  version: 1.0.0\n", "  version: 1.0.0\n  version: 2.0.0\n")
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    assert f"broken.yaml:{line_of(text, 'version: 2.0.0')}:3: error: duplicate key 'version'" in err
    assert "at /info/version" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "spec file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", "not UTF-8"),
        ("swagger: '2.0'\ninfo: {title: x, version: '1'}\npaths: {}\n", "Swagger 2.0 documents are not supported"),
        ("openapi: 4.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n", "unsupported OpenAPI version '4.0.0'"),
        ("- just\n- a list\n", "must be a mapping at the top level"),
        ("info: {title: x}\n", "the 'openapi' version field is missing"),
    ],
)
def test_not_an_openapi_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, message: str
) -> None:
    code, err, _ = run_broken(tmp_path, content, capsys)
    assert code == 1
    assert "broken.yaml:" in err and message in err


def test_alias_bomb_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["openapi: 3.1.0", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    code, err, _ = run_broken(tmp_path, "\n".join(lines) + "\n", capsys)
    assert code == 1
    assert "expands to more than" in err and "billion laughs" in err


def test_deep_nesting_fails_fast(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "openapi: 3.1.0\nx: " + "[" * 5000 + "]" * 5000 + "\n"
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    assert "nests" in err and "deep" in err


def test_cli_exit_code_and_no_traceback_in_a_subprocess(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text(replace_once("operationId: listVideosModels", "operationId: getGeneration"))
    result = subprocess.run(
        [sys.executable, "-m", "generator", "validate", str(spec)], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 1
    assert "error: operationId 'getGeneration' is already used" in result.stderr
    assert "Traceback" not in result.stderr


def test_valid_spec_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(ROOT / "spec" / "modelgates-videos.yaml")]) == 0
    assert "is valid" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("old", "new", "pointer", "message", "at"),
    [
        (
            "status-property: status",
            "status-property: state",
            "/paths/~1videos~1{jobId}/get/x-sdk-waiter/status-property",
            "status-property: 'state' is not a property of VideoGenerationResponse",
            "status-property: state",
        ),
        (
            "submitted-by: createVideos",
            "submitted-by: makeVideos",
            "/paths/~1videos~1{jobId}/get/x-sdk-waiter/submitted-by",
            "no operation has the operationId 'makeVideos'",
            "submitted-by: makeVideos",
        ),
        (
            "        name: download\n",
            "        name: generate\n",
            "/paths/~1videos~1{jobId}~1content/get/x-sdk-download",
            "method generate() would clash with the one for createVideos",
            "name: generate\n        waiter",
        ),
        (
            "        name: download\n",
            "        name: lambda\n",
            "/paths/~1videos~1{jobId}~1content/get/x-sdk-download",
            "'lambda' is not a valid Python method name: it is a Python keyword",
            "name: lambda\n        waiter",
        ),
        (
            "failure-error: VideoGenerationFailedError",
            "failure-error: None",
            "/paths/~1videos~1{jobId}/get/x-sdk-waiter/failure-error",
            "'None' is not a Python class name: it is a Python keyword",
            "failure-error: None",
        ),
        (
            "x-sdk-name: generate",
            "x-sdk-name: class",
            "/paths/~1videos/post/x-sdk-name",
            "'class' is not a usable Python method name: it is a Python keyword",
            "x-sdk-name: class",
        ),
        (
            "        name: status\n",
            "        name: Status!\n",
            "/paths/~1videos~1{jobId}/get/x-sdk-cli/name",
            "command name 'Status!' must be lower-case letters, digits and dashes",
            "name: Status!",
        ),
    ],
)
def test_sdk_extensions_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, pointer: str, message: str, at: str
) -> None:
    text = replace_once(old, new)
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    assert f"broken.yaml:{line_of(text, at)}:" in err
    assert message in err and pointer in err


@pytest.mark.parametrize(
    ("old", "new", "pointer", "message", "at"),
    [
        (
            "      x-sdk-name: generate\n",
            "      x-sdk-name: generate\n      x-sdk-idempotency: 'Idempotency Key'\n",
            "/paths/~1videos/post/x-sdk-idempotency",
            "x-sdk-idempotency 'Idempotency Key' is not a valid HTTP header name",
            "x-sdk-idempotency:",
        ),
        (
            "      x-sdk-name: generate\n",
            "      x-sdk-name: generate\n      x-sdk-idempotency: 'Idempotency-Key:'\n",
            "/paths/~1videos/post/x-sdk-idempotency",
            "x-sdk-idempotency 'Idempotency-Key:' is not a valid HTTP header name",
            "x-sdk-idempotency:",
        ),
        (
            "      x-sdk-name: generate\n",
            "      x-sdk-name: generate\n      x-sdk-idempotency: true\n",
            "/paths/~1videos/post/x-sdk-idempotency",
            "x-sdk-idempotency must be a header name or false, not true",
            "x-sdk-idempotency:",
        ),
        (
            "      x-sdk-name: generate\n",
            "      x-sdk-name: generate\n      x-sdk-idempotency: {header: Idempotency-Key}\n",
            "/paths/~1videos/post/x-sdk-idempotency",
            "x-sdk-idempotency must be a header name or false, not a mapping",
            "x-sdk-idempotency:",
        ),
        (
            "security:\n",
            "x-sdk-idempotency: 7\nsecurity:\n",
            "at /x-sdk-idempotency\n",
            "x-sdk-idempotency must be a header name or false, not a number",
            "x-sdk-idempotency:",
        ),
        (
            "security:\n",
            "x-sdk-idempotency: Authorization\nsecurity:\n",
            "at /x-sdk-idempotency\n",
            "x-sdk-idempotency 'Authorization' names a header the SDK sets itself",
            "x-sdk-idempotency:",
        ),
    ],
)
def test_idempotency_declarations_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, pointer: str, message: str, at: str
) -> None:
    """`x-sdk-idempotency` names a header (an RFC 9110 token the SDK does not set itself), or is false."""
    text = replace_once(old, new)
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1, err
    assert f"broken.yaml:{line_of(text, at)}:" in errors[0]
    assert message in err and pointer in err
    assert "hint: " in err


def test_an_idempotency_declaration_may_be_turned_off(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = replace_once("security:\n", "x-sdk-idempotency: false\nsecurity:\n")
    spec = tmp_path / "off.yaml"
    spec.write_text(
        text.replace("      x-sdk-name: generate\n", "      x-sdk-name: generate\n      x-sdk-idempotency: false\n")
    )
    assert main(["validate", str(spec)]) == 0, capsys.readouterr().err


SHARED_CASES = ROOT.parent / "shared" / "cases"


def test_mismatched_default_points_at_the_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (SHARED_CASES / "default-mismatch-location.yaml").read_text()
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    # `default: 1` where the schema says `type: string` (JSON Schema: 1 is not a string).
    assert f"broken.yaml:{line_of(text, 'default: 1')}:22: error: 1 is not of type 'string'" in err
    assert "at /paths/~1defaults/get/parameters/0/schema/default\n" in err


SCHEMA_LEVEL_ERRORS = {
    # OpenAPI 3.0: `items` is a Schema Object, not a list (3.0.3 "items MUST be present if type is array",
    # value: Schema Object | Reference Object).
    "items-list-3.0": (
        "3.0.3",
        "      type: array\n      items:\n        - type: string\n",
        ("- type: string", "-"),
        "/components/schemas/Thing/items",
        "is not of type 'object'",
    ),
    # OpenAPI 3.1 (JSON Schema 2020-12): `items` is a schema; the list form is `prefixItems`.
    "items-list-3.1": (
        "3.1.0",
        "      type: array\n      items:\n        - type: string\n",
        ("- type: string", "-"),
        "/components/schemas/Thing/items",
        "is not of type 'object', 'boolean'",
    ),
    # OpenAPI 3.0's Schema Object has no `const` (JSON Schema 2020-12 keyword, OpenAPI 3.1).
    "const-in-3.0": (
        "3.0.3",
        "      type: string\n      const: thing\n",
        ("const: thing", "thing"),
        "/components/schemas/Thing/const",
        "unexpected keyword 'const'",
    ),
    # A default that is not an instance of its schema, in a property reached through a $ref.
    "default-in-3.1-property": (
        "3.1.0",
        "      type: object\n      properties:\n        size:\n          type: integer\n          default: big\n",
        ("default: big", "big"),
        "/components/schemas/Thing/properties/size/default",
        "'big' is not of type 'integer'",
    ),
    # `minLength` must be a non-negative integer (JSON Schema validation, 6.3.2).
    "negative-min-length": (
        "3.1.0",
        "      type: string\n      minLength: -1\n",
        ("minLength: -1", "-1"),
        "/components/schemas/Thing/minLength",
        "-1 is less than the minimum of 0",
    ),
}


@pytest.mark.parametrize("case", sorted(SCHEMA_LEVEL_ERRORS))
def test_schema_level_errors_point_at_their_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str) -> None:
    version, schema, (at, value), pointer, message = SCHEMA_LEVEL_ERRORS[case]
    text = (
        f"openapi: {version}\ninfo: {{title: T, version: '1'}}\n"
        "paths:\n  /things:\n    get:\n      operationId: getThings\n      responses:\n"
        "        '200':\n          description: ok\n          content:\n            application/json:\n"
        "              schema: {$ref: '#/components/schemas/Thing'}\n"
        f"components:\n  schemas:\n    Thing:\n{schema}"
    )
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1, err
    line = line_of(text, at)
    col = text.splitlines()[line - 1].index(value) + 1
    assert errors[0].startswith(f"{tmp_path / 'broken.yaml'}:{line}:{col}: error: "), err
    assert message in errors[0]
    assert f"  at {pointer}\n" in err


CORPUS = ROOT / "tests" / "corpus"
REFUSED = sorted(path.name for path in (CORPUS / "refused").iterdir())


@pytest.mark.parametrize("name", REFUSED)
def test_validate_refuses_what_generate_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    """`validate` runs every check `generate` runs (the IR builder's and the models stage's too):
    the same errors, the same exit code."""
    spec = CORPUS / "refused" / name
    code = main(["generate", str(spec), "--output", str(tmp_path / "out")])
    generated = [
        line for line in capsys.readouterr().err.splitlines() if line != "sdkgen: 1 error; nothing was written"
    ]
    assert code == 1
    assert main(["validate", str(spec)]) == 1
    validated = [line for line in capsys.readouterr().err.splitlines() if line != "sdkgen: 1 error"]
    assert validated == generated
    assert not (tmp_path / "out").exists()


def test_a_refusal_does_not_wait_for_the_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a large document the models are made in a worker beside sdkgen's own checks; a problem
    those find ends the run at once (the worker is stopped), as `validate` would."""
    import time

    from generator import pipeline

    def slow_models(*args: object, **kwargs: object) -> None:
        time.sleep(120)

    monkeypatch.setattr(pipeline, "PARALLEL_ABOVE_CHARS", 0)
    monkeypatch.setattr(pipeline, "generate_models", slow_models)
    text = replace_once("operationId: listVideosModels", "operationId: getGeneration")
    started = time.monotonic()
    code, err, _ = run_broken(tmp_path, text, capsys)
    assert code == 1 and "operationId 'getGeneration' is already used" in err
    assert time.monotonic() - started < 60
