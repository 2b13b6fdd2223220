"""`sdkgen diff` against oasdiff's own checker tests.

Each pair in `oasdiff/*.yaml` rebuilds, as two small documents, a test from oasdiff's `checker/`
package, and names the changes that test expects (rule id, level, operation). oasdiff decides the
right answer: sdkgen must report exactly those changes among the rules the test covers (`rules`,
by default the ids it expects), no more (a false positive fails a merge gate) and no fewer.

A pair's fields:
- `name`, and `oasdiff`: the test it rebuilds (`TestName` in `checker/<file>_test.go`);
- `base` and `head`: the two documents (or `patch`, JSON Patch turning `base` into `head`);
- `expect`: `[rule-id, LEVEL, "METHOD /path"]` per change (`API` for the document as a whole);
- `rules`: the ids oasdiff's check could report; any of them not in `expect` must not be reported;
- `max_level`: no API change at a higher level (for pairs that must report nothing breaking);
- `differs`: where sdkgen deliberately differs, the reason; `expect` then gives sdkgen's answer.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonpatch import apply_patch

from generator.spec_diff import RULES, Level, diff_documents
from generator.spec_diff.findings import OASDIFF_RULES
from generator.spec_diff.sources import load_source

PAIRS_DIR = Path(__file__).parent / "oasdiff"


def _load_pairs() -> list[dict[str, Any]]:
    pairs: list[dict[str, Any]] = []
    for path in sorted(PAIRS_DIR.glob("*.yaml")):
        for pair in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            pairs.append({**pair, "file": path.name})
    return pairs


PAIRS = _load_pairs()


def _documents(pair: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    base = pair["base"]
    head = pair["head"] if "head" in pair else apply_patch(base, pair["patch"])
    return base, head


def _write(path: Path, document: dict[str, Any]) -> str:
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("pair", PAIRS, ids=[p["name"] for p in PAIRS])
def test_pair_agrees_with_oasdiff(tmp_path: Path, pair: dict[str, Any]) -> None:
    base, head = _documents(pair)
    result = diff_documents(
        load_source(_write(tmp_path / "base.yaml", base)), load_source(_write(tmp_path / "head.yaml", head))
    )
    api = [f for f in result.findings if f.section == "api"]
    expected = Counter((rule, level, operation) for rule, level, operation in pair.get("expect") or [])
    covered = set(pair.get("rules") or []) | {rule for rule, _, _ in expected}
    found = Counter((f.rule, f.level.name, f.subject) for f in api if f.rule in covered)
    listing = "\n".join(f"  {f.level.name} {f.rule} {f.subject} {f.pointer}" for f in api) or "  (none)"
    assert found == expected, f"{pair['oasdiff']}: sdkgen reported\n{listing}"
    if "max_level" in pair:
        above = [f for f in api if f.level > Level[pair["max_level"]]]
        assert not above, f"{pair['oasdiff']}: above {pair['max_level']}:\n{listing}"


def test_pairs_are_well_formed() -> None:
    assert len({p["name"] for p in PAIRS}) == len(PAIRS), "pair names must be unique"
    for pair in PAIRS:
        assert str(pair.get("oasdiff", "")).startswith("Test"), pair["name"]
        assert ("head" in pair) != ("patch" in pair), pair["name"]
        assert pair.get("expect") or "max_level" in pair, f"{pair['name']} asserts nothing"
        for rule in [r for r, _, _ in pair.get("expect") or []] + list(pair.get("rules") or []):
            assert rule in RULES, f"{pair['name']}: unknown rule {rule}"
        for rule, level, _ in pair.get("expect") or []:
            if "differs" not in pair:
                assert rule in OASDIFF_RULES, f"{pair['name']}: {rule} is not oasdiff's; say why in `differs`"
                assert Level[level] == RULES[rule], f"{pair['name']}: {rule} is {RULES[rule].name} in the table"
