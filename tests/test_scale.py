"""A medium-size mixed spec end to end (generate, import, mypy --strict), and a large broken one
refused with a located error on the parallel validation path. The 300-operation, 800-schema
spec runs in `make bench` (bench/generate_bench.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from generator.pipeline import PARALLEL_ABOVE_CHARS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from large_spec import large_spec  # noqa: E402


def sdkgen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=ROOT, capture_output=True, text=True)


def test_medium_mixed_spec_generates_a_type_clean_sdk(tmp_path: Path) -> None:
    spec = tmp_path / "medium.yaml"
    spec.write_text(yaml.safe_dump(large_spec(operations=60, schemas=200, tags=6), sort_keys=False))
    done = sdkgen("generate", str(spec), "--output", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "for 60 operations" in done.stdout
    package = tmp_path / "out" / "large_api"
    source = (package / "resources.py").read_text()
    assert "if TYPE_CHECKING:" in source and "from pydantic import AwareDatetime" in source
    check = "import large_api; c = large_api.LargeAPI(api_key='k'); print(len([r for r in dir(c) if r.startswith('group')]))"
    imported = subprocess.run([sys.executable, "-c", check], cwd=tmp_path / "out", capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "6"
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "large_api"],
        cwd=tmp_path / "out",
        capture_output=True,
        text=True,
    )
    assert typed.returncode == 0, typed.stdout


def test_large_broken_spec_is_refused_with_a_location(tmp_path: Path) -> None:
    document = large_spec(operations=120, schemas=320)
    document["components"]["schemas"]["S0017"]["properties"]["field_0"]["type"] = "strin"
    spec = tmp_path / "large.yaml"
    spec.write_text(yaml.safe_dump(document, sort_keys=False))
    assert spec.stat().st_size > PARALLEL_ABOVE_CHARS
    done = sdkgen("generate", str(spec), "--output", str(tmp_path / "out"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    line = next(n for n, text in enumerate(spec.read_text().splitlines(), 1) if text.endswith("type: strin"))
    assert f"large.yaml:{line}:" in done.stderr
    assert "/components/schemas/S0017/properties/field_0/type" in done.stderr
    assert not (tmp_path / "out").exists()
