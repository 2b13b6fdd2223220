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
