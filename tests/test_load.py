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
