"""`nullable` in an OpenAPI 3.1 document generates as type-or-null, with a located warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import generate
from generator.cli import main
from generator.load import load_spec
from generator.normalize import normalized

ROOT = Path(__file__).resolve().parent.parent
SHARED_CASES = ROOT.parent / "shared" / "cases"
CORPUS = ROOT / "tests" / "corpus"


def test_nullable_query_parameter_in_31_generates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = SHARED_CASES / "nullable-in-3.1.yaml"
    text = spec.read_text()
    line = text[: text.index("nullable: true")].count("\n") + 1
    assert main(["generate", str(spec), "--output", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert f"nullable-in-3.1.yaml:{line}:23: warning: `nullable` is not a keyword in OpenAPI 3.1" in err
    assert "at /paths/~1jobs/get/parameters/0/schema/nullable\n" in err
    assert "hint: write `type: [object, 'null']` instead" in err
    # The document as the models and IR read it: JSON Schema's spelling of "object or null".
    doc = normalized(load_spec(spec))
    schema = doc.get("/paths/~1jobs/get/parameters/0/schema")
    assert schema == {"type": ["object", "null"], "additionalProperties": {"type": "string"}}


PARSES_NULL = """
import json, sys
from mixed.models import Thing

thing = Thing.model_validate(json.loads(sys.argv[1]))
assert thing.name is None and thing.size is None and thing.owner is None and thing.parent is None, thing
full = Thing.model_validate(
    {"id": "a", "name": "n", "size": 2.5, "owner": {"login": "x"}, "parent": {"login": "y"}, "label": "l"}
)
assert (full.name, full.size, full.owner.login, full.parent.login) == ("n", 2.5, "x", "y"), full
for wrong in ({"id": "a", "name": 1}, {"id": "a", "owner": "x"}, {"id": "a", "size": "big"}):
    try:
        Thing.model_validate(wrong)
    except Exception:
        continue
    raise AssertionError(f"accepted {wrong}")
print("ok")
"""


def test_generated_models_parse_null_for_nullable_fields(tmp_path: Path) -> None:
    out = tmp_path / "sdk"
    generate(CORPUS / "warned" / "nullable-in-3.1.yaml", out)
    body = '{"id": "a", "name": null, "size": null, "owner": null, "parent": null}'
    result = subprocess.run(
        [sys.executable, "-c", PARSES_NULL, body], cwd=out, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_moved_schemas_are_still_located_as_written() -> None:
    doc = normalized(load_spec(CORPUS / "warned" / "nullable-in-3.1.yaml"))
    assert doc.get("/components/schemas/Thing/properties/parent/anyOf/1") == {"type": "null"}
    location = doc.location("/components/schemas/Thing/properties/parent/anyOf/0/allOf/0/$ref")
    text = (CORPUS / "warned" / "nullable-in-3.1.yaml").read_text()
    assert location.line == text[: text.index("- $ref: '#/components/schemas/Owner'")].count("\n") + 1
    assert doc.written_at("/components/schemas/Thing/properties/parent/anyOf/0/allOf") == (
        "/components/schemas/Thing/properties/parent/allOf"
    )
