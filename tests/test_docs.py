"""Every example in the generated reference docs runs, as written, against the test server."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server import API_KEY, VideoServer

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "generated" / "docs").glob("*.md"))
FENCE = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def examples() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        text = doc.read_text()
        for match in FENCE.finditer(text):
            line = text[: match.start()].count("\n") + 2
            found.append((f"{doc.name}:{line}", match.group(1)))
    return found


def test_docs_cover_every_operation_and_helper() -> None:
    import modelgates

    text = (ROOT / "generated" / "docs" / "video_generation.md").read_text()
    resource = modelgates.ModelGates(api_key="k").video_generation
    public = [name for name in dir(resource) if not name.startswith("_") and name != "with_response"]
    for name in public:
        assert f"\n## {name}\n" in text, name
    assert len(examples()) == len(public)


def test_models_reference_lists_every_field() -> None:
    """Each model of the SDK has its section in models.md, with a row per field (new fields included)."""
    import pydantic

    from modelgates import models

    text = (ROOT / "generated" / "docs" / "models.md").read_text()
    sections = {part.split("\n", 1)[0]: part for part in text.split("\n## ")[1:]}
    classes = [
        value
        for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, pydantic.BaseModel) and value.__module__ == models.__name__
    ]
    assert {"VideoModel", "UpscaleFactorRange", "VideoGenerationRequest"} <= {c.__name__ for c in classes}
    for cls in classes:
        section = sections[cls.__name__]
        for name, field in cls.model_fields.items():
            assert f"| `{field.alias or name}` |" in section, f"{cls.__name__}.{name}"


def test_generate_reference_lists_every_argument() -> None:
    import inspect

    import modelgates

    text = (ROOT / "generated" / "docs" / "video_generation.md").read_text()
    section = text.split("\n## generate\n", 1)[1].split("\n## ", 1)[0]
    arguments = inspect.signature(modelgates.ModelGates(api_key="k").video_generation.generate).parameters
    assert {"creativity", "upscale_factor"} <= set(arguments)
    for name in arguments:
        assert f"| `{name}` |" in section, name


@pytest.mark.parametrize(("where", "code"), examples(), ids=[where for where, _ in examples()])
def test_example_runs(
    where: str,
    code: str,
    server: VideoServer,
    server_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server.polls_to_complete = 1
    server.jobs["job-abc123"] = {"polls": 1, "request": {}}
    monkeypatch.setenv("MODELGATES_API_KEY", API_KEY)
    monkeypatch.setenv("MODELGATES_SERVER_URL", server_url)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, where, "exec"), {"__name__": "__example__"})
    assert capsys.readouterr().out.strip(), f"{where} printed nothing"
    assert server.requests, f"{where} sent no request"
    if "video.mp4" in code:
        assert (tmp_path / "video.mp4").stat().st_size == server.video_size
