"""The loader reads all of standard JSON (RFC 8259) with the line and column of every value, and
keeps its limits on JSON as on YAML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.cli import main
from generator.diagnostics import SpecError
from generator.load import MAX_DEPTH, load_spec

ROOT = Path(__file__).resolve().parent.parent
SHARED_CASES = ROOT.parent / "shared" / "cases"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_surrogate_pair_escape_loads_as_the_character(capsys: pytest.CaptureFixture[str]) -> None:
    spec = SHARED_CASES / "json-surrogate-escape.json"
    doc = load_spec(spec)
    example = doc.get("/paths/~1x/get/responses/200/content/application~1json/example/body")
    assert example == "Hello! \U0001f44d"  # U+1F44D THUMBS UP SIGN, as the escape pair spells it
    assert doc.data == json.loads(spec.read_text())
    assert main(["validate", str(spec)]) == 0, capsys.readouterr().err


# Standard JSON that PyYAML reads differently or not at all; json.loads (Python's RFC 8259 parser)
# gives the right value.
STANDARD_JSON = [
    '{"n": 1e3, "m": 1E+3, "k": -2.5e-3, "i": 10, "z": -0, "f": 0.5}',  # exponents without a dot
    '{\n\t"tabs": {\n\t\t"indented": [1,\t2]\n\t}\n}',  # tabs as whitespace
    '{"solidus": "a\\/b", "escapes": "\\b\\f\\n\\r\\t\\"\\\\", "bmp": "\\u00e9\\u4e2d"}',
    '{"del": "x\x7fy", "c1": "\x85\x9f", "separator": "a\u2028b"}',  # unescaped characters YAML refuses
    '{"nul_escape": "a\\u0000b", "pair": "\\uD83D\\uDE00"}',
    '{"": "empty key", "long": "' + "v" * 2000 + '", "' + "k" * 1500 + '": 1}',
    '{"nested": [[], {}, [{"a": [null, true, false]}]], "unicode key \u00e9": 1}',
    '  \r\n {"spaces": "around"} \r\n ',
    '{"compact":{"a":1,"b":[1,2,{"c":"d"}]}}',
]


@pytest.mark.parametrize("text", STANDARD_JSON)
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_standard_json_loads_as_json_defines_it(tmp_path: Path, text: str, suffix: str) -> None:
    body = text.strip()
    document = '{"openapi": "3.1.0", "x-value": ' + body + "}"
    if text != text.strip():
        document = text.replace(body, document)
    doc = load_spec(write(tmp_path, "spec" + suffix, document))
    assert doc.data == json.loads(document)
    assert type(doc.data["x-value"].get("n", 0)) is type(json.loads(document)["x-value"].get("n", 0))


def test_json_marks_give_the_line_and_column_of_each_value(tmp_path: Path) -> None:
    text = '{\n  "openapi": "3.1.0",\n  "info": {\n\t"title": "T\\ud83d\\ude00x",   "version": 1e0\n  }\n}\n'
    doc = load_spec(write(tmp_path, "spec.json", text))
    assert doc.location("/openapi") == doc.location("/openapi")
    for pointer, needle in [("/openapi", '"3.1.0"'), ("/info", "{\n\t"), ("/info/version", "1e0")]:
        index = text.index(needle)
        line = text.count("\n", 0, index) + 1
        col = index - (text.rfind("\n", 0, index) + 1) + 1
        location = doc.location(pointer)
        assert (location.line, location.col) == (line, col), pointer


@pytest.mark.parametrize(
    ("text", "message", "at"),
    [
        ('{"openapi": "3.1.0",\n "info": {"title": "a", "title": "b"}}', "duplicate key 'title'", "2:25"),
        ('{"openapi": "3.1.0",\n "x": "\\ud83d alone"}', "lone UTF-16 surrogate (U+D83D)", "2:7"),
        ('{"openapi": "3.1.0",\n "x": [1, 2,,]}', "invalid JSON: expected a value", "2:13"),
        ('{"openapi": "3.1.0"} trailing', "invalid JSON: unexpected text after the document", "1:22"),
        ('{"openapi": "3.1.0", "x": ' + "[" * 500 + "]" * 500 + "}", f"nests deeper than {MAX_DEPTH}", "1:"),
    ],
)
def test_json_errors_are_located(tmp_path: Path, text: str, message: str, at: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_spec(write(tmp_path, "spec.json", text), "spec.json")
    (problem,) = caught.value.diagnostics
    assert message in problem.message
    assert f"{problem.location.line}:{problem.location.col}".startswith(at)


def test_json_is_bounded_in_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("generator.load.MAX_NODES", 1000)
    text = '{"openapi": "3.1.0", "x": [' + ",".join(["1"] * 2000) + "]}"
    with pytest.raises(SpecError, match="more than 1,000 values"):
        load_spec(write(tmp_path, "spec.json", text))


@pytest.mark.parametrize("name", ["spec.yaml", "spec.json"])
def test_yaml_flow_style_is_still_read(tmp_path: Path, name: str) -> None:
    """Text that starts like JSON but is YAML flow style (unquoted keys, a trailing comma, a raw
    tab in a string) is read as YAML, as before, whatever the file's suffix."""
    text = "{openapi: 3.1.0, info: {title: 'T\tU', version: '1',}, paths: {}}\n"
    doc = load_spec(write(tmp_path, name, text))
    assert doc.data["info"] == {"title": "T\tU", "version": "1"}


# -- documents split over files ----------------------------------------------------------------

MULTI = ROOT / "tests" / "corpus" / "multi-file"


def test_references_to_files_in_the_folder_are_bundled() -> None:
    doc = load_spec(MULTI / "openapi.yaml", "multi-file/openapi.yaml")
    schemas = doc.data["components"]["schemas"]
    pet_file = __import__("yaml").safe_load((MULTI / "schemas" / "pet.yaml").read_text())
    # The component that was only a reference holds the schema; the other refer to it.
    assert schemas["Pet"]["required"] == pet_file["Pet"]["required"]
    assert schemas["Pet"]["properties"]["tag"] == {"$ref": "#/components/schemas/Tag"}
    assert schemas["PetLink"]["properties"]["next"] == {"$ref": "#/components/schemas/PetLink"}
    assert schemas["owner"]["properties"] == {"login": {"type": "string"}}
    listed = doc.get("/paths/~1pets/get/responses/200/content/application~1json/schema/items")
    assert listed == {"$ref": "#/components/schemas/Pet"}
    assert doc.get("/paths/~1pets~1{id}/get/parameters/0/name") == "id"
    assert sorted(doc.referenced) == ["common.yaml", "paths/pets.json", "schemas/owner.yaml", "schemas/pet.yaml"]
    # Every bundled value is located in the file that holds it.
    text = (MULTI / "schemas" / "pet.yaml").read_text()
    location = doc.diagnostic("/components/schemas/PetLink/properties/next", "x")
    assert location.location.file == "multi-file/schemas/pet.yaml"
    assert location.location.line == text.count("\n", 0, text.index("next:")) + 1
    assert location.pointer == "/PetLink/properties/next"
    assert doc.location("/paths/~1pets/get/operationId").file == "multi-file/paths/pets.json"


def multi_file(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return tmp_path / "api" / "openapi.yaml"


ROOT_DOCUMENT = """openapi: 3.1.0
info: {title: T, version: '1'}
paths:
  /things:
    get:
      operationId: getThings
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '%s'}
"""


@pytest.mark.parametrize(
    "ref",
    [
        "../outside.yaml#/Thing",  # out of the document's folder
        "schemas/../../outside.yaml#/Thing",
        "/etc/passwd",  # absolute
        "file:///etc/passwd",
        "https://example.com/schemas.yaml#/Thing",  # network
        "//example.com/schemas.yaml",
        "schemas/link.yaml#/Thing",  # a symbolic link out of the folder
    ],
)
def test_references_out_of_the_folder_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], ref: str) -> None:
    spec = multi_file(tmp_path, {"api/openapi.yaml": ROOT_DOCUMENT % ref, "outside.yaml": "Thing: {type: string}\n"})
    (tmp_path / "api" / "schemas").mkdir()
    (tmp_path / "api" / "schemas" / "link.yaml").symlink_to(tmp_path / "outside.yaml")
    assert main(["validate", str(spec)]) == 1
    err = capsys.readouterr().err
    assert f"{spec}:12:30: error: unsupported reference {ref!r}" in err
    assert "at /paths/~1things/get/responses/200/content/application~1json/schema/$ref\n" in err
    assert "Traceback" not in err


PET = "Pet:\n  type: object\n  properties:\n    name: {type: string}\n"


@pytest.mark.parametrize(
    ("pet", "at", "message"),
    [
        (PET + "    name: {type: integer}\n", "5:5", "duplicate key 'name'"),
        (PET.encode() + b"\x00", "1:1", "spec contains NUL bytes"),
        ("Pet: [unclosed\n", "2:1", "invalid YAML/JSON"),
        (PET + "    tag: {$ref: '../../outside.yaml'}\n", "5:17", "unsupported reference '../../outside.yaml'"),
        (PET + "    tag: {$ref: 'missing.yaml'}\n", "5:17", "reference target 'missing.yaml' does not exist"),
        (PET + "    tag: {$ref: '#/Nope'}\n", "5:17", "reference target '#/Nope' does not exist"),
        (PET + "    x: " + "[" * 200 + "]" * 200 + "\n", "5:", "nests deeper than"),
        (PET + "  default: 1\n", "5:12", "1 is not of type 'object'"),
    ],
)
def test_problems_in_a_referenced_file_are_located_in_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pet: str | bytes, at: str, message: str
) -> None:
    spec = multi_file(
        tmp_path,
        {
            "api/openapi.yaml": ROOT_DOCUMENT % "schemas/pet.yaml#/Pet",
            "api/schemas/pet.yaml": pet,
            "outside.yaml": "{}",
        },
    )
    output = tmp_path / "out"
    assert main(["generate", str(spec), "--output", str(output)]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'api' / 'schemas' / 'pet.yaml'}:{at}" in err, err
    assert message in err
    assert "Traceback" not in err and not output.exists()


def test_referenced_files_have_the_loaders_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = ROOT_DOCUMENT % "big.json#/Thing"
    big = '{"Thing": {"type": "string", "description": "' + "x" * len(root) + '"}}'
    spec = multi_file(tmp_path, {"api/openapi.yaml": root, "api/big.json": big})
    monkeypatch.setattr("generator.load.MAX_FILE_BYTES", len(root))
    with pytest.raises(SpecError) as caught:
        load_spec(spec)
    problem = caught.value.diagnostics[0]
    assert problem.location.file.endswith("big.json") and f"the limit is {len(root)}" in problem.message


def test_copies_of_referenced_files_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A parameter file referenced many times is copied each time: the copies count against the
    loader's bound on values, as alias expansion does in YAML."""
    parameters = "".join(f"        - $ref: 'p.yaml#/P{i}'\n" for i in range(50))
    spec = multi_file(
        tmp_path,
        {
            "api/openapi.yaml": ROOT_DOCUMENT % "#/components/schemas/X"
            + "      parameters:\n"
            + parameters
            + "components:\n  schemas:\n    X: {type: string}\n",
            "api/p.yaml": "".join(f"P{i}: {{$ref: 'q.yaml'}}\n" for i in range(50)),
            "api/q.yaml": "{name: q, in: query, schema: {type: string, enum: [" + ", ".join("abcdefghij") + "]}}\n",
        },
    )
    monkeypatch.setattr("generator.load.MAX_NODES", 500)
    with pytest.raises(SpecError, match="more than 500 values"):
        load_spec(spec)


def test_a_cycle_of_referenced_files_is_refused(tmp_path: Path) -> None:
    spec = multi_file(
        tmp_path,
        {
            "api/openapi.yaml": ROOT_DOCUMENT.replace("    get:", "    $ref: 'a.yaml'\n    x-get:") % "#/x",
            "api/a.yaml": "get: {$ref: 'b.yaml'}\n",
            "api/b.yaml": "responses: {$ref: 'a.yaml'}\n",
        },
    )
    with pytest.raises(SpecError, match="reference cycle: a.yaml# -> b.yaml# -> a.yaml#"):
        load_spec(spec)


def test_the_inputs_digest_covers_every_referenced_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    folder = tmp_path / "multi"
    shutil.copytree(MULTI, folder)
    output = tmp_path / "out"
    spec = str(folder / "openapi.yaml")
    assert main(["generate", spec, "--output", str(output)]) == 0
    recorded = json.loads((output / "sdkgen-inputs.json").read_text())
    assert recorded["referenced"] == ["common.yaml", "paths/pets.json", "schemas/owner.yaml", "schemas/pet.yaml"]
    assert main(["generate", spec, "--output", str(output)]) == 0
    assert "is up to date" in capsys.readouterr().out
    owner = folder / "schemas" / "owner.yaml"
    owner.write_text(owner.read_text().replace("login:", "handle:"))
    assert main(["check", spec, "--output", str(output)]) == 1
    assert "is not what" in capsys.readouterr().out
    assert main(["generate", spec, "--output", str(output)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert any("handle" in path.read_text() for path in output.rglob("models.py"))
    (folder / "common.yaml").unlink()  # a referenced file gone: not up to date, and a located error
    assert main(["generate", spec, "--output", str(output)]) == 1
    assert "reference target './common.yaml#/parameters/PetId' does not exist" in capsys.readouterr().err
